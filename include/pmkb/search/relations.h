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

struct dbconn;

/*
 * SQL: 1 when postmortem row p (an alias in the query) is flagged as a
 * possible recurrence (relations_recurrences() finds at least one), with
 * the window in days as parameter ?3.
 */
#define RELATIONS_IS_RECURRENCE_SQL                                          \
	"(EXISTS (SELECT 1 FROM relations rr WHERE rr.pm_id = p.id AND "     \
	"rr.kind = 'recurrence_of' AND rr.target IN (SELECT slug FROM "      \
	"postmortems)) OR EXISTS (SELECT 1 FROM postmortems e WHERE "        \
	"e.id != p.id AND e.started_epoch < p.started_epoch AND "            \
	"e.started_epoch >= p.started_epoch - ?3 * 86400 AND EXISTS "        \
	"(SELECT 1 FROM labels l1 JOIN labels l2 ON lower(l1.value) = "      \
	"lower(l2.value) WHERE l1.pm_id = e.id AND l2.pm_id = p.id AND "     \
	"l1.kind = 'service' AND l2.kind = 'service') AND EXISTS (SELECT 1 " \
	"FROM labels l1 JOIN labels l2 ON l1.value = l2.value WHERE "        \
	"l1.pm_id = e.id AND l2.pm_id = p.id AND l1.kind = 'cause' AND "     \
	"l2.kind = 'cause' AND l1.value != 'unknown')))"

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
 * recurrence_of:, and those that started within window_days before it
 * with a service and a cause in common. Each is {slug, title, started_at,
 * days_before, services, causes, explicit, open_items, reasons: [text]},
 * where open_items counts the earlier one's items not ticked and not
 * closed by a commit before this one started. Owned.
 */
json_t *relations_recurrences(struct dbconn *c, int64_t id,
			      int window_days);

/*
 * Puts the postmortems explicitly related to out's "slug" (either way:
 * links, related:, recurrence_of:) first in out's "results" (similar.h),
 * newest first, each with the reason {"kind": "related", "values":
 * ["links to" | "referenced by" | "recurrence"]} first; related ones that
 * were not among the results are added with score 1. Keeps at most limit.
 */
void relations_similar_first(struct dbconn *c, json_t *out, int limit);

#endif
