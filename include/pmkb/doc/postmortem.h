/*
 * The postmortem record: what one Markdown file says, parsed and checked.
 *
 * postmortem_parse() never fails on a writer's mistake: every problem is a
 * diagnostic (with the file's line) and the record is filled with what can
 * be derived, so that a broken file is still indexed and findable while
 * `pmkb lint`, the API and the UI show what is wrong with it.
 */
#ifndef PMKB_DOC_POSTMORTEM_H
#define PMKB_DOC_POSTMORTEM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pmkb/base/status.h"
#include "pmkb/doc/pmtime.h"

struct taxonomy;

/* Files larger than this are recorded as a problem and not indexed. */
#define PM_MAX_FILE_SIZE (4u << 20)
/* Front matter larger than this is an error (the body is still indexed). */
#define PM_MAX_FRONT_MATTER (64u << 10)
/* Action items past this many are ignored, with a warning. */
#define PM_MAX_ACTIONS 1000
/* Diagnostics past this many are dropped; the last one says so. */
#define PM_MAX_DIAGS 100

/* A list of owned strings. */
struct pm_list {
	char **v;
	size_t n, alloc;
};

void pm_list_add(struct pm_list *l, const char *s); /* copies s */
/* Adds s unless an equal string is already there. */
void pm_list_add_unique(struct pm_list *l, const char *s);
int pm_list_has(const struct pm_list *l, const char *s);
void pm_list_release(struct pm_list *l);
/* The list as a JSON array (owned). */
json_t *pm_list_json(const struct pm_list *l);
/* The list as compact JSON text (owned), or NULL when it is empty. */
char *pm_list_dumps(const struct pm_list *l);

/*
 * The fields of a postmortem, in the order `pmkb import --explain` shows
 * them. pm_field_name() gives the canonical front-matter key.
 */
enum pm_field {
	PM_F_TITLE,
	PM_F_STARTED,
	PM_F_DETECTED,
	PM_F_MITIGATED,
	PM_F_RESOLVED,
	PM_F_SEVERITY,
	PM_F_CAUSE,
	PM_F_TRIGGER,
	PM_F_DETECTION,
	PM_F_SERVICES,
	PM_F_TEAMS,
	PM_F_AUTHORS,
	PM_F_STATUS,
	PM_F_TAGS,
	PM_F_SUMMARY,
	PM_F_ACTIONS,
	PM_F__MAX
};

/*
 * Where a field's value came from, in the order of precedence (see
 * doc/derive.h): the first source that gives a field a value wins.
 */
enum pm_source {
	PM_SRC_NONE,	     /* no value (or a default) */
	PM_SRC_FRONT_MATTER, /* the YAML front matter */
	PM_SRC_BODY,	     /* a leading metadata table or list */
	PM_SRC_HEADING,	     /* the first heading (title only) */
	PM_SRC_FILE_NAME,    /* a date in the file or folder name */
	PM_SRC_BYLINE,	     /* a dated byline such as _Ann 2020-12-28._ */
	PM_SRC_TIMELINE,     /* an entry of the timeline (dates only) */
	PM_SRC_GIT,	     /* when git history first saw the file */
	PM_SRC_SECTION,	     /* the paragraph under "## Summary" (summary) */
	PM_SRC_LEAD,	     /* the body's first paragraph (summary) */
	PM_SRC__MAX
};

/* "title", "started_at", ... */
const char *pm_field_name(enum pm_field f);
/*
 * The field a front-matter key names, aliases included ("date",
 * "resolvedWhen", "affected"; ASCII case-insensitive), or -1.
 */
int pm_field_lookup(const char *key);
/* "none", "front-matter", "body", "heading", "file-name", "byline", "git" */
const char *pm_source_name(enum pm_source s);
/* The same for people: "the metadata table or list", "the file name"... */
const char *pm_source_label(enum pm_source s);

enum pm_diag_level { PM_DIAG_WARNING, PM_DIAG_ERROR };

struct pm_diag {
	enum pm_diag_level level;
	int line; /* 1-based line in the file, 0 for the whole file */
	char message[512]; /* room for a reason and a suggestion in Japanese */
};

/* Related postmortems kept per file (related: and links). */
#define PM_MAX_RELATED 100

struct pm_action {
	int done;
	char *owner; /* without the @, or NULL */
	char *due;   /* YYYY-MM-DD, or NULL */
	char *done_on; /* done:YYYY-MM-DD of a ticked item, or NULL */
	char *text;  /* the item without the owner and due markers */
	char *links; /* JSON array of [label, url] from Markdown, or NULL */
	int line;    /* 1-based line in the file */
};

struct postmortem {
	char *path; /* as given to postmortem_parse() */
	char *slug; /* file name without directory and extension */
	char *title;
	char *summary;	 /* "" when absent */
	char *severity;	 /* canonical (upper-case) or NULL */
	char *trigger;	 /* or NULL */
	char *detection; /* or NULL */
	char *status;	 /* draft | review | published */
	struct pm_time started, detected, mitigated, resolved;
	struct pm_list causes; /* canonical ids, never empty ("unknown") */
	struct pm_list services, teams, authors, tags;
	char *html; /* safe HTML rendering of the body */
	char *text; /* plain text of the body, for the index */
	struct pm_action *actions;
	size_t n_actions, alloc_actions;
	size_t actions_dropped; /* items past PM_MAX_ACTIONS */
	struct pm_diag *diags;
	size_t n_diags, alloc_diags;
	int has_front_matter;
	/* Where each field's value came from, and its line (0: none). */
	unsigned char source[PM_F__MAX];
	int source_line[PM_F__MAX];
	/* Front-matter values under keys pmkb does not know, for search. */
	char *extra;
	/* The same keys and values as escaped HTML table rows, for the page
	 * (parse.c puts them before the body as <table class="front-matter">). */
	char *extra_rows;
	/*
	 * The postmortems this one names, by slug: relative links to a .md
	 * file, links to /p/SLUG, and front matter related: [slug, ...];
	 * recurrence_of: slug names the incident this one repeats (NULL).
	 */
	struct pm_list related;
	char *recurrence_of;
	/*
	 * The first paragraph under a summary heading ("## Summary", "##
	 * 概要"), or else (summary_section_lead) the body's first paragraph
	 * that may stand for one, or NULL; with its line. The summary when
	 * neither the front matter nor the metadata block gives one
	 * (doc/derive.h).
	 */
	char *summary_section;
	int summary_section_line, summary_section_lead;
	/*
	 * Durations the metadata block wrote from the start ("Time to
	 * detection: 88 minutes", "復旧までの時間: 2時間"): with a start of
	 * known time they give detected_at, mitigated_at and resolved_at
	 * when nothing else does (doc/derive.h).
	 */
	struct pm_duration {
		int set;
		int64_t seconds;
		int line;
	} to_detect, to_mitigate, to_resolve;
};

/* The time of a date field (started_at ... resolved_at), else NULL. */
struct pm_time *pm_field_time(struct postmortem *pm, enum pm_field f);
/* Whether field f of pm has a value. */
int pm_field_has_value(const struct postmortem *pm, enum pm_field f);
/*
 * Whether f may still be set by a source below those read so far: none
 * is recorded for it and it has no value (doc/derive.h's precedence).
 */
int pm_field_open(const struct postmortem *pm, enum pm_field f);
/* Records that f's value came from src, on line (0: the whole file). */
void pm_field_set_source(struct postmortem *pm, enum pm_field f,
			 enum pm_source src, int line);

void postmortem_init(struct postmortem *pm);
void postmortem_release(struct postmortem *pm);

/*
 * Records a diagnostic about line (0: the whole file). Past PM_MAX_DIAGS
 * they are dropped, and a final error says so.
 */
void postmortem_diag(struct postmortem *pm, enum pm_diag_level level, int line,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int postmortem_has_errors(const struct postmortem *pm);

/*
 * Adds an action item written as text (borrowed): "@owner" (the first word
 * starting with @), "due:YYYY-MM-DD" and "done:YYYY-MM-DD" (anywhere) are
 * taken out of it into owner, due and done_on; a marker that is not a date
 * stays in the text, and a done: date on an item that is not done is
 * dropped, each with a warning. Returns the new item (owned by pm), or NULL past PM_MAX_ACTIONS
 * (counted in actions_dropped; postmortem_parse() then warns once).
 */
struct pm_action *postmortem_add_action(struct postmortem *pm, int done,
					const char *text, int line);

/*
 * Parses one file. path is the path relative to the postmortems directory
 * (borrowed, copied); data/len the file's bytes (borrowed; need not be
 * NUL-terminated; invalid UTF-8 is repaired, a BOM and CRLF accepted).
 * tax may be NULL (open taxonomy). git_created (0: unknown) is when git
 * history first saw the file: the last resort for started_at (see
 * doc/derive.h for the precedence of every field). pm must be initialised; it is filled even when
 * the file has errors. Returns PM_TOO_LARGE (and records an error) for a
 * file over PM_MAX_FILE_SIZE, which is then not read at all: the record
 * holds path, slug, title (the slug) and the defaults; PM_OK otherwise.
 *
 * Defaults and checks: status "published"; causes ["unknown"] when none is
 * given (a warning without front matter or with an empty list, an error
 * when front matter lacks the cause key); title from the first heading when
 * the front matter has none (an error only when there is front matter and
 * no heading; the slug is then used); started_at from the body, the file
 * name, a byline or git (a warning for git and for no date at all; a start
 * from git is not checked against the other times);
 * detected/mitigated/resolved before started is an error (by
 * calendar day when either is a date only), mitigated before detected and
 * resolved before mitigated are warnings. The summary is "" when absent,
 * html and text "" for an empty body.
 */
enum pm_status postmortem_parse(struct postmortem *pm, const char *path,
				const char *data, size_t len,
				const struct taxonomy *tax,
				int64_t git_created);

/*
 * Derived durations in seconds, or -1 when a timestamp is missing, either
 * is a date without a time of day, or the order is impossible.
 */
int64_t postmortem_ttd(const struct postmortem *pm); /* started → detected */
int64_t postmortem_ttm(const struct postmortem *pm); /* started → mitigated */
int64_t postmortem_ttr(const struct postmortem *pm); /* started → resolved */

/*
 * A field's value as text, into out (size outsz, truncated): a time's
 * normalised text, a list joined with ", ", "" when the field is empty.
 */
void postmortem_field_text(const struct postmortem *pm, enum pm_field f,
			   char *out, size_t outsz);

/*
 * The slug for a path: its base name without the extension, each invalid
 * UTF-8 sequence replaced by U+FFFD. Owned.
 */
char *postmortem_slug(const char *path);

#endif
