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
struct postings_memo;
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

/*
 * Overlap: how much of one postmortem another repeats, as a score that
 * compares across postmortems (recurrence detection wants a threshold;
 * similar_run()'s score is a ranking, relative to its source).
 *
 * The source's distinctive words are those similar_run() looks for (at
 * most a dozen, each weighted by how often and where the source uses it
 * times how few postmortems do); a postmortem's share is the weight of
 * the words it also uses over the weight of them all: 1 when it uses all
 * of them, 0 when none.
 */
struct similar_share {
	int64_t id;	/* the other postmortem */
	double share;	/* in (0, 1] */
	size_t nterms;	/* words in common */
	json_t *terms;	/* those words, as the source writes them, most
			 * distinctive first; owned (NULL from
			 * similar_overlap()) */
};

/* One word of the source: the postmortems using it, and its weight. */
struct similar_posting {
	const int64_t *ids;
	size_t n;
	double weight;
};

/* At most this many shares are returned, best first. */
#define SIMILAR_MAX_SHARES 64
/* Fewer words in common than this is coincidence, whatever their weight. */
#define SIMILAR_MIN_SHARED 2

/*
 * The scoring alone, without the index: fills out (room for max) with the
 * postmortems other than self found in terms' postings, their share at
 * least min_share and at least min_terms words in common, best share
 * first (ties: newer id first). Returns how many. Pure; borrows terms.
 */
size_t similar_overlap(const struct similar_posting *terms, size_t nterms,
		       int64_t self, double min_share, size_t min_terms,
		       struct similar_share *out, size_t max);

/* Whether a share is wanted (the caller's window, its rule). */
typedef int (*similar_keep_fn)(void *ctx, int64_t id, double share);

/*
 * The postmortems whose share of postmortem id's distinctive words is at
 * least min_share (and at least SIMILAR_MIN_SHARED words), best first, at
 * most SIMILAR_MAX_SHARES, each with its shared words; with keep (may be
 * NULL), only those it keeps, asked before their words are read. Words
 * are looked up through memo (may be NULL: search/postings.h). Sets
 * *out (owned: similar_shares_free()) and *n. Reads c in the caller's transaction
 * (none is begun: the writer calls this before it commits). An unknown
 * id is PM_NOT_FOUND; PM_DB when the index cannot be read.
 */
enum pm_status similar_shares(struct dbconn *c, int64_t id, double min_share,
			      struct postings_memo *memo, similar_keep_fn keep,
			      void *ctx, struct similar_share **out, size_t *n,
			      struct pm_error *err);
void similar_shares_free(struct similar_share *v, size_t n);

/*
 * The postmortems other than id that share at least SIMILAR_MIN_SHARED
 * of its words or concepts rare enough for similar_shares() to count
 * (fewer users than it reads whole), whatever their weight: a superset
 * of those whose similar_shares() could count id, read from id's side.
 * Every word of its title, summary, keywords and whole body is looked
 * up (through memo, may be NULL: search/postings.h), so this costs about
 * as much as deciding ten postmortems. Sets *ids (ascending, owned) and
 * *n. Reads c in the caller's transaction. An
 * unknown id is PM_NOT_FOUND; PM_DB when the index cannot be read.
 */
enum pm_status similar_sharing(struct dbconn *c, int64_t id,
			       struct postings_memo *memo, int64_t **ids,
			       size_t *n, struct pm_error *err);

#endif
