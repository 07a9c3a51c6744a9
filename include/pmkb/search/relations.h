/*
 * Relations between postmortems, read from the index: which ones a
 * postmortem names (relative .md links, /p/SLUG links, related:,
 * recurrence_of:) and which name it, and whether it may be a recurrence
 * of an earlier incident.
 */
#ifndef PMKB_SEARCH_RELATIONS_H
#define PMKB_SEARCH_RELATIONS_H

#include <jansson.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct learning;
struct pm_error;
struct postings_memo;

/*
 * SQL: the ids of the postmortems flagged as possible recurrences (those
 * relations_recurrences() finds at least one for): found by the indexer,
 * or declared with recurrence_of: naming an indexed postmortem. The flags
 * were decided when the index was written: this reads two small tables.
 */
#define RELATIONS_RECURRENT_IDS_SQL                                          \
	"SELECT pm_id FROM recurrences UNION SELECT rr.pm_id FROM relations " \
	"rr WHERE rr.kind = 'recurrence_of' AND rr.target IN (SELECT slug " \
	"FROM postmortems)"

/* Earlier incidents flagged at most. */
#define RELATIONS_MAX_RECURRENCES 5

/*
 * {"links_to": [{slug, kind, title (null: no such postmortem)}],
 *  "referenced_by": [{slug, kind, title}]} for postmortem id (slug).
 * kind is "related" or "recurrence_of". Owned.
 */
json_t *relations_of(struct dbconn *c, int64_t id, const char *slug);

/*
 * The earlier postmortems id may repeat, newest first: those it names in
 * recurrence_of: (whenever they started), and those relations_detect()
 * flagged. Each is {slug, title, started_at, days_before, services,
 * causes (those both list), explicit, same_labels, similar (which rules
 * flagged it), similarity (the share, null when not measured), terms
 * (the shared words), open_items, reasons: [text]}, where open_items
 * counts the earlier one's items not done before this one started: not
 * ticked, or ticked with a done day (done:, else the ticking commit) on
 * or after its start, and not closed by a commit before it (read now:
 * commits arrive after indexing).
 * Owned.
 */
json_t *relations_recurrences(struct dbconn *c, int64_t id);

/*
 * The rule, pure: an earlier postmortem within the window whose share of
 * the new one's distinctive words (similar.h) is share is flagged when
 * share reaches l's similarity, or when they have a service and a cause
 * in common (same_labels) and share reaches l's labels_similarity.
 */
int relations_flagged(int same_labels, double share,
		      const struct learning *l);

/*
 * Decides again which earlier postmortems id may repeat, by the rule
 * above with l's window, and writes them (table recurrences) in place of
 * those decided before. c is the writer, in the indexer's transaction,
 * after the full-text rows are written. An id that no longer exists
 * gets none. Words are looked up through memo (may be NULL; a batch
 * shares one: search/postings.h). PM_DB when the index cannot be read or
 * written.
 */
enum pm_status relations_detect(struct dbconn *c, int64_t id,
				const struct learning *l,
				struct postings_memo *memo,
				struct pm_error *err);

/*
 * relations_detect() for each of ids[0..n) in turn, as one batch: the
 * words of several are found at once on two threads (the connection is
 * used by the calling thread only). Stops at the first failure.
 */
enum pm_status relations_detect_many(struct dbconn *c, const int64_t *ids,
				     size_t n, const struct learning *l,
				     struct postings_memo *memo,
				     struct pm_error *err);

/*
 * Puts the postmortems explicitly related to out's "slug" (either way:
 * links, related:, recurrence_of:) first in out's "results" (similar.h),
 * newest first, each with the reason {"kind": "related", "values":
 * ["links to" | "referenced by" | "recurrence"]} first; related ones that
 * were not among the results are added with score 1. Keeps at most limit.
 */
void relations_similar_first(struct dbconn *c, json_t *out, int limit);

#endif
