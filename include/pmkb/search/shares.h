/*
 * Shares: how much of one postmortem another repeats, as a score that
 * compares across postmortems (recurrence detection wants a threshold;
 * similar_run()'s score is a ranking, relative to its source).
 *
 * The source's distinctive words are those similar_run() looks for (at
 * most a dozen, each weighted by how often and where the source uses it
 * times how few postmortems do: search/simwords.h); a postmortem's share
 * is the weight of the words it also uses over the weight of them all:
 * 1 when it uses all of them, 0 when none.
 */
#ifndef PMKB_SEARCH_SHARES_H
#define PMKB_SEARCH_SHARES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct postings_memo;
struct simwords;

struct share {
	int64_t id;	/* the other postmortem */
	double share;	/* in (0, 1] */
	size_t nterms;	/* words in common */
	json_t *terms;	/* those words, as the source writes them, most
			 * distinctive first; owned (NULL from
			 * shares_overlap()) */
};

/* One word of the source: the postmortems using it, and its weight. */
struct share_posting {
	const int64_t *ids;
	size_t n;
	double weight;
};

/* At most this many shares are returned, best first. */
#define SHARES_MAX 64
/* Fewer words in common than this is coincidence, whatever their weight. */
#define SHARES_MIN_WORDS 2

/*
 * The scoring alone, without the index: fills out (room for max) with the
 * postmortems other than self found in terms' postings, their share at
 * least min_share and at least min_terms words in common, best share
 * first (ties: newer id first). Returns how many. Pure; borrows terms.
 */
size_t shares_overlap(const struct share_posting *terms, size_t nterms,
		      int64_t self, double min_share, size_t min_terms,
		      struct share *out, size_t max);

/* Whether a share is wanted (the caller's window, its rule). */
typedef int (*shares_keep_fn)(void *ctx, int64_t id, double share);

/*
 * The postmortems whose share of postmortem id's distinctive words is at
 * least min_share (and at least SHARES_MIN_WORDS words), best first, at
 * most SHARES_MAX, each with its shared words; with keep (may be NULL),
 * only those it keeps, asked before their words are read. Words are
 * looked up through memo (may be NULL: search/postings.h). Sets *out
 * (owned: shares_free()) and *n. Reads c in the caller's transaction
 * (none is begun: the writer calls this before it commits). An unknown
 * id is PM_NOT_FOUND; PM_DB when the index cannot be read.
 */
enum pm_status shares_find(struct dbconn *c, int64_t id, double min_share,
			   struct postings_memo *memo, shares_keep_fn keep,
			   void *ctx, struct share **out, size_t *n,
			   struct pm_error *err);
void shares_free(struct share *v, size_t n);

/*
 * shares_find() for a source whose words are read already (w: loaded and
 * tokenized, search/simwords.h); w's lookups and choices are its own.
 */
enum pm_status shares_of(struct simwords *w, double min_share,
			 shares_keep_fn keep, void *ctx, struct share **out,
			 size_t *n, struct pm_error *err);

/*
 * The postmortems other than id that share at least SHARES_MIN_WORDS of
 * its words or concepts rare enough for shares_find() to count (fewer
 * users than it reads whole), whatever their weight: a superset of those
 * whose shares_find() could count id, read from id's side. Every word of
 * its title, summary, keywords and whole body is looked up (through memo,
 * may be NULL), so this costs about as much as deciding ten postmortems.
 * Sets *ids (ascending, owned) and *n. Reads c in the caller's
 * transaction. An unknown id is PM_NOT_FOUND; PM_DB when the index cannot
 * be read.
 */
enum pm_status shares_candidates(struct dbconn *c, int64_t id,
				 struct postings_memo *memo, int64_t **ids,
				 size_t *n, struct pm_error *err);

#endif
