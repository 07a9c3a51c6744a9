/*
 * Similar postmortems: "have we seen this before?" for one postmortem,
 * computed from the index alone (no external service).
 *
 * The source's most distinctive words (by how often it uses them and how
 * few postmortems share them) are looked up in the full-text index; the
 * postmortems that share them are ranked with bm25, then re-scored with
 * shared services and causes. Each result says why it matched.
 */
#ifndef PMKB_SEARCH_SIMILAR_H
#define PMKB_SEARCH_SIMILAR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct taxonomy;

#define PM_SIMILAR_DEFAULT_LIMIT 5
#define PM_SIMILAR_MAX_LIMIT 20

/*
 * The postmortems most similar to the one with that slug, best first, at
 * most limit (1..PM_SIMILAR_MAX_LIMIT), never the postmortem itself. Sets
 * *out (owned) to
 *   {"slug": slug, "results": [result...]}
 * where each result is
 *   {"slug","title","started_at","cause","causes","severity","services",
 *    "url","score","reasons": [reason...]}
 * with score in (0, 1] and reasons, in this order and each only when it
 * applies:
 *   {"kind": "service", "values": [services both list]}
 *   {"kind": "cause", "values": [causes both list], "primary": bool}
 *   {"kind": "terms", "values": [the source's words that both use]}
 * ("primary": the two share their first cause). Services compare without
 * ASCII case; terms are shown as the source writes them, and a term of
 * the glossary (search/glossary.h: built in and tax's synonyms:) counts
 * as used when the other uses any term of its group (フェイルオーバー for
 * failover). Stop words and people's names (the source's authors and
 * action-item owners, tax's people:) are never terms. The work is
 * bounded whatever the index size: a fixed number of words is looked up,
 * words that many postmortems use are not, and at most a fixed number of
 * candidates is scored.
 *
 * An unknown slug is PM_NOT_FOUND; then *renamed (may be NULL) is set to
 * the slug it was renamed to (owned, free()) or NULL. PM_DB when the
 * index cannot be read; err gets a message for the user, never SQLite's.
 * c is a reader and tax (may be NULL) the settings, both borrowed.
 */
enum pm_status similar_run(struct dbconn *c, const struct taxonomy *tax,
			   const char *slug, int limit, json_t **out,
			   char **renamed, struct pm_error *err);

#endif
