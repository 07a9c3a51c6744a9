/*
 * YAML front matter (libyaml) into a struct postmortem.
 *
 * Knows the field names and their aliases (date/start_time → started_at,
 * end_time/resolved → resolved_at, categories/category/causes → cause,
 * keywords/tag → tags, service → services, team → teams, author → authors),
 * single values or lists, and date formats. Unknown keys are ignored so that
 * collections written for other tools import unchanged.
 *
 * A key given twice (or given under two of its names, like date and
 * started_at) is a warning and the first value is used.
 */
#ifndef PMKB_DOC_FRONTMATTER_H
#define PMKB_DOC_FRONTMATTER_H

#include <stddef.h>

struct postmortem;
struct taxonomy;

/* A list field with more items than this is an error; the rest are ignored. */
#define FM_MAX_ITEMS 256
/* Short text values (title, list items...) are truncated to this, warning. */
#define FM_MAX_SCALAR 4096

/*
 * Splits data into front matter and body. A file has front matter when its
 * first line (after a BOM) is exactly "---" (trailing blanks and a CR are
 * allowed); it ends at the next line that is "---" or "...". Sets *yaml and
 * *yaml_len (NULL when there is none), *body and *body_len, and *body_line
 * (the 1-based line where the body starts).
 * Returns -1 when an opening "---" is never closed (the whole file is then
 * the body), 0 otherwise.
 */
int frontmatter_split(const char *data, size_t len, const char **yaml,
		      size_t *yaml_len, const char **body, size_t *body_len,
		      int *body_line);

/* What frontmatter_parse() found, for the checks that need the body too. */
enum fm_found {
	FM_FOUND_TITLE = 1 << 0,   /* the title key (even if empty) */
	FM_FOUND_STARTED = 1 << 1, /* started_at or an alias (even if bad) */
	FM_FOUND_CAUSE = 1 << 2,   /* cause or an alias (even if empty) */
	FM_BROKEN = 1 << 3,	   /* not YAML or not a mapping: no fields */
	/*
	 * A key only a postmortem has (severity, services, resolved_at,
	 * started_at, ...): not a blog's front matter (title, date, excerpt,
	 * layout), which says nothing of causes.
	 */
	FM_FOUND_INCIDENT = 1 << 4,
};

/*
 * Parses yaml (valid UTF-8, which starts on line first_line of the file)
 * into pm, recording every problem as a diagnostic with the file's line
 * number. Canonicalises causes through tax (may be NULL) and severities
 * through taxonomy_severity(). An empty cause list leaves pm->causes empty
 * (with a warning); a missing one is left to the caller. Returns a set of
 * enum fm_found bits.
 */
unsigned frontmatter_parse(struct postmortem *pm, const char *yaml,
			   size_t len, int first_line,
			   const struct taxonomy *tax);

#endif
