/*
 * The learning-loop settings of .pmkb.yml: what turns action items into
 * links and dates, who is who in Slack, and when reminders go out.
 *
 *   trackers:
 *     - pattern: 'JIRA-(\d+)'
 *       url: 'https://jira.example.com/browse/JIRA-$1'
 *   due_by_severity: {SEV0: 4w, SEV1: 4w, default: 8w}
 *   people: {tanaka: U0123ABCD}
 *   digest: {day: monday, time: "10:00"}
 *   recurrence: {window_days: 365, similarity: 0.45,
 *                labels_similarity: 0.25}
 *
 * A tracker pattern is a POSIX extended regular expression in which \d, \w
 * and \s may be used; $0..$9 in its url are the match and its groups.
 * Durations are "28d", "4w" or a number of days. The digest's day and time
 * are in the reporting time zone (time_zone:); without digest:, or with
 * "digest: off", there is none; a mapping defaults to Monday 10:00.
 */
#ifndef PMKB_DOC_LEARNING_H
#define PMKB_DOC_LEARNING_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>

#include "pmkb/base/status.h"

struct buf;

struct ynode;
struct pm_time;

struct learning_tracker {
	char *pattern; /* as written */
	char *url;     /* template with $0..$9 */
	regex_t re;
};

struct learning_due {
	char *severity; /* as written; "default" for the rest */
	int days;
};

struct learning_person {
	char *name;     /* owner as written after @, without it */
	char *slack_id; /* U0123ABCD */
};

struct learning {
	struct learning_tracker *trackers;
	size_t n_trackers;
	struct learning_due *due;
	size_t n_due;
	struct learning_person *people;
	size_t n_people;
	/* The digest: weekday 0 (Sunday)..6, -1 when off; minutes after
	 * midnight in the reporting time zone. Default off. */
	int digest_weekday;
	int digest_minute;
	/* Recurrences (search/relations.h): how far back, and the share of
	 * the new postmortem's distinctive words an earlier one must use to
	 * be flagged on its own (similarity, in (0, 1]) or together with a
	 * service and a cause in common (labels_similarity, in [0, 1]). */
	int recurrence_window_days; /* default 365 */
	double recurrence_similarity;
	double recurrence_labels_similarity;
};

#define LEARNING_RECURRENCE_SIMILARITY 0.45
#define LEARNING_RECURRENCE_LABELS_SIMILARITY 0.25

/* The defaults (no trackers, no implied dates). Owned: learning_free(). */
struct learning *learning_new(void);
void learning_free(struct learning *l);

/* 1 when key is a top-level .pmkb.yml key read by learning_read(). */
int learning_is_key(const char *key);

/*
 * Reads the value v of top-level key into l. Returns PM_INVALID with the
 * line and reason in err (source as given) when the value is wrong.
 */
enum pm_status learning_read(struct learning *l, const char *key,
			     const struct ynode *v, const char *source,
			     struct pm_error *err);

/*
 * The due date implied for an item of a postmortem with severity (may be
 * NULL; its canonical spelling) that started at started (may be unset): the started day, as
 * written, plus the rule for that severity (else "default"). Writes
 * YYYY-MM-DD into out and returns 1, or returns 0 when no rule applies.
 */
int learning_implied_due(const struct learning *l, const char *severity,
			 const struct pm_time *started, char out[11]);

/*
 * An item's text as parts to show: [{"text": ...}, {"text": ...,
 * "href": ...}], in order, together the whole text. Links come from links
 * (a JSON array of [label, url] pairs the Markdown had; may be NULL), bare
 * http(s) URLs, and the trackers of l (may be NULL), in that order of
 * precedence. Only http, https and mailto URLs and paths starting with /
 * become links. Returns a new reference.
 */
json_t *learning_text_parts(const struct learning *l, const char *text,
			    const char *links);

/* The same appended to out as compact JSON text, byte for byte what
 * jsonout_add() writes of it (learning_text_parts() reads it back). */
void learning_write_parts(struct buf *out, const struct learning *l,
			  const char *text, const char *links);

/* The Slack user id for an owner (case-insensitive), or NULL. */
const char *learning_slack_id(const struct learning *l, const char *owner);

/* The owner whose Slack user id is slack_id, or NULL. */
const char *learning_owner_of(const struct learning *l, const char *slack_id);

#endif
