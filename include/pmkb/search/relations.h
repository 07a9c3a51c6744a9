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
