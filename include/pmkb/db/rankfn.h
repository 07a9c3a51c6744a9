/*
 * pm_rank(pm_fts, ctx, w0, w1, ...): FTS5's bm25() with column weights
 * w0.., the same value to the last bit, for ranking a whole match set in
 * one pass. Two differences make that pass cheap:
 *
 *   - the caller says, row by row, whether the row is worth scoring (the
 *     function returns NULL for the others), so the rowids of every match
 *     and the scores of those that can rank come from one statement;
 *   - the caller may give the row's length in tokens from memory: bm25()
 *     reads it from the docsize table, one B-tree lookup per row (more
 *     than half of its cost).
 *
 * ctx is a struct rankfn_ctx bound with sqlite3_bind_pointer(...,
 * RANKFN_CTX, NULL); a NULL ctx scores every row as bm25() does.
 *
 * bm25() counts each phrase's documents for its IDF in a walk of its own
 * before the first row. When the expression joins its phrases by OR only,
 * every document of every phrase is a row of the statement: with
 * ctx->deferred the counts are taken in the pass itself, the function
 * returns the row's number among those scored instead of a score, and
 * rankfn_score() gives the scores once the statement is done.
 */
#ifndef PMKB_DB_RANKFN_H
#define PMKB_DB_RANKFN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The column weights pmkb ranks with: title, summary, keywords, body.
 * Whole numbers, so that a weighted frequency is one too.
 */
#define RANK_WEIGHTS "10.0, 4.0, 4.0, 1.0"

#define RANKFN_CTX "pmkb_rank_ctx"
#define RANKFN_LEN_UNKNOWN UINT32_MAX

struct rankfn_ctx {
	/*
	 * Called once per row, in the statement's order: returns 0 to leave
	 * the row unscored, else 1 with *len its length in tokens (all
	 * columns), or RANKFN_LEN_UNKNOWN to have FTS5 read it.
	 */
	int (*row)(void *arg, int64_t rowid, uint32_t *len);
	void *arg;
	/* Set by the caller (see above); the rest is the function's. */
	int deferred;
	/*
	 * Deferred only, or NULL: quoted words (db/exact.h) a row must hold
	 * to match. Its phrases still count for the IDFs (bm25() counts the
	 * documents of each phrase); a row without the words gives -1 and
	 * is no match.
	 */
	const char *exact;
	struct rankfn_pass *pass;
};

/*
 * bm25's arithmetic, for rankers that read phrase frequencies elsewhere
 * (search/phrasecache.h) and must score exactly as pm_rank and bm25() do:
 * the score of a row of D tokens with freq[i] the weighted frequency of
 * phrase i, and a phrase's IDF from the rows it is in out of n_row.
 */
double rankfn_bm25(const double *idf, const double *freq, int n, double D,
		   double avgdl);
double rankfn_idf(int64_t n_row, int64_t hit);

/*
 * The score of deferred row k (0, 1, ... in the order they were
 * returned), to the last bit what bm25() gives: valid once the
 * statement has stepped over every row.
 */
double rankfn_score(const struct rankfn_ctx *ctx, size_t k);

/* Frees what a deferred pass kept; ctx can be used again. */
void rankfn_release(struct rankfn_ctx *ctx);

/*
 * Registers pm_rank and pm_weight(pm_fts, w0, w1, ...) (the weighted
 * frequency of the expression's first phrase in the row, as pm_rank reads
 * it) on every connection opened afterwards.
 */
void rankfn_register_auto(void);

#endif
