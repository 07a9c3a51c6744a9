/*
 * Relevance ranking of a query's whole match set in one pass over the
 * full-text index: every match's rowid (for the exact total and the
 * facets) and the bm25 score of those that can reach a page come from
 * the same statement, with filters and document lengths from memory
 * (search/docmeta.h, db/rankfn.h). The order is the one
 *
 *   ORDER BY bm25(pm_fts, RANK_WEIGHTS), started_epoch DESC, id DESC
 *
 * gives over the matches that pass the filter, except that when more than
 * rank_max pass, only those among the newest rank_max matches (by rowid,
 * filtered or not) are ranked: bm25 costs microseconds per match, and a
 * term that common tells little about relevance. With exact words, the
 * matches are the rows that also hold them: they are checked in the same
 * pass, not in a second walk of the match set.
 */
#ifndef PMKB_SEARCH_RANKING_H
#define PMKB_SEARCH_RANKING_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"
#include "pmkb/db/exact.h"
#include "pmkb/db/rankfn.h"

struct dbconn;
struct docmeta;
struct docmeta_filter;


struct ranked {
	int64_t id;
	double score; /* bm25: lower is better */
};

struct ranking {
	int64_t *ids; /* every match, ascending rowid (see every_match) */
	size_t n, alloc;
	/* matches that pass the filter, once more than rank_max perhaps
	 * not all counted (no later one ranks) */
	size_t n_pass;
	struct ranked *scored; /* passing matches that may rank */
	size_t n_scored, alloc_scored;
	int64_t cut;	 /* rowid of the rank_max-th newest match */
	size_t rank_max;
	/* during the pass */
	const struct docmeta *dm;
	const struct docmeta_filter *f;
	int all_pass; /* the walk gives only rows that pass f */
};

/*
 * Runs the FTS5 expression match (inside c's read transaction, the one
 * dm and f belong to) into *r, keeping only the rows that hold exact
 * (EXACT_X's words; NULL: every row). union_only: match joins its
 * phrases by OR only, so that their IDFs are counted in the same pass
 * (db/rankfn.h). in_memory: evaluate match over the phrase postings kept
 * in memory when its shape allows (search/memsearch.h; the same matches
 * and scores), else through FTS5. Without every_match, r->ids may hold
 * only the matches that pass f past the newest rank_max, or all through
 * when at most rank_max documents pass f (the counts and the scores are
 * the same): for callers that count no match f rejects.
 * Release with ranking_release, also on error.
 */
enum pm_status ranking_run(struct dbconn *c, const char *match,
			   int union_only, const char *exact, int in_memory,
			   int every_match,
			   const struct docmeta *dm,
			   const struct docmeta_filter *f, size_t rank_max,
			   struct ranking *r, struct pm_error *err);

/* Sets ids[0..*n) to the rowids of page [offset, offset + limit) of r's
 * order; ids has room for limit. */
void ranking_page(struct ranking *r, size_t offset, size_t limit,
		  int64_t *ids, size_t *n);

void ranking_release(struct ranking *r);

#endif
