/*
 * A search evaluated in memory: an FTS5 expression as search/query.c
 * writes it, over the postings of its phrases (search/phrasecache.h),
 * giving the rows FTS5 would match, newest (highest rowid) first, and
 * each row's bm25 score to the last bit what pm_rank and bm25() give.
 *
 * The shapes evaluated are the query's own: groups of phrases joined by
 * AND, each group its phrases joined by OR (parenthesised as the query
 * writes them, to any depth). Within them a row holds a phrase exactly
 * when FTS5 reports the phrase's instances in it, which bm25() counts. An
 * expression of any other shape (NOT, NEAR, a column filter, AND inside
 * an OR) is left to FTS5. Quoted words are checked in the rows' texts
 * once, and the rows that hold them kept with the postings.
 */
#ifndef PMKB_SEARCH_MEMSEARCH_H
#define PMKB_SEARCH_MEMSEARCH_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct pm_error;
struct memsearch;

/*
 * How many phrases match names when it is of a shape evaluated in
 * memory, else 0; reads no index.
 */
int memsearch_shape(const char *match);

/*
 * Prepares match for evaluation in c's read transaction into *out, or
 * sets *out NULL when it is left to FTS5 (its shape, a connection without
 * a store's phrase cache, postings that cannot be held). With exact
 * (quoted words, db/exact.h), the matches are only the rows that also
 * hold them, and the phrases' IDFs count every row of each, as pm_rank's
 * do. PM_DB when the index cannot be read.
 */
enum pm_status memsearch_open(struct dbconn *c, const char *match,
			      const char *exact, struct memsearch **out,
			      struct pm_error *err);

/*
 * Every match of match (with exact, as memsearch_open() takes it) into
 * *ids (owned: free()), ascending, and *n how many; *done 0 (and *ids
 * NULL) when match is left to FTS5.
 */
enum pm_status memsearch_ids(struct dbconn *c, const char *match,
			     const char *exact, int64_t **ids, size_t *n,
			     int *done, struct pm_error *err);

/* At most how many rows can match: the fewest any group's phrases
 * hold (the rows holding the exact words, with them). */
size_t memsearch_most(const struct memsearch *m);

/* The next match into *rowid, newest first; 0 past the last. */
int memsearch_next(struct memsearch *m, int64_t *rowid);

/*
 * The matches the walk has not given yet (all of them before it begins),
 * ascending, into *rows (owned: free()); returns how many. The walk ends:
 * memsearch_next() gives no more, and memsearch_score() is for its last.
 * From the postings' sets, a union per group intersected, not a walk:
 * for matches that are only to be listed.
 */
size_t memsearch_rest(struct memsearch *m, uint32_t **rows);

/*
 * Every match, ascending, into *rows (owned: free()), from the sets as
 * memsearch_rest() lists them, whatever the walk has given or is
 * restricted to; the walk goes on. Returns how many.
 */
size_t memsearch_every(const struct memsearch *m, uint32_t **rows);

/* How many matches memsearch_rest() would give now. */
size_t memsearch_left(struct memsearch *m);

/*
 * From now on only rows[0..n) (ascending; the caller's, kept until the
 * walk ends) may be matches: a filter's documents, when they are fewer
 * than the matches, so that the walk skips to them. Scores do not change.
 */
void memsearch_restrict(struct memsearch *m, const uint32_t *rows, size_t n);

/* The bm25 score of the match memsearch_next() gave last, for a row of
 * len tokens (all columns). */
double memsearch_score(const struct memsearch *m, uint32_t len);

void memsearch_close(struct memsearch *m);

#endif
