/*
 * Relevance ranking in one pass: see include/pmkb/search/ranking.h.
 *
 * The statement walks the matches newest first (FTS5 gives rowid DESC
 * without sorting), so the rank_max-th row is the cut, and pm_rank asks
 * want_row before scoring each row: a row that fails the filter, or lies
 * past the cut once more than rank_max rows have passed, is not scored.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/rankfn.h"
#include "pmkb/db/store.h"
#include "pmkb/search/docmeta.h"
#include "pmkb/search/memsearch.h"
#include "pmkb/search/ranking.h"

static const char sql_pass[] =
	"SELECT rowid, pm_rank(pm_fts, ?2, " RANK_WEIGHTS ") FROM pm_fts"
	" WHERE pm_fts MATCH ?1 ORDER BY rowid DESC";
/* pm_rank runs only on the rows that hold the exact words. */
static const char sql_pass_exact[] =
	"SELECT pm_fts.rowid, pm_rank(pm_fts, ?2, " RANK_WEIGHTS ")"
	" FROM pm_fts CROSS JOIN postmortems x ON x.id = pm_fts.rowid"
	" WHERE pm_fts MATCH ?1 AND " EXACT_X("?3")
	" ORDER BY pm_fts.rowid DESC";

static int want_row(void *arg, int64_t rowid, uint32_t *len)
{
	struct ranking *r = arg;
	size_t seen = r->n; /* rows before this one */

	if (!r->all_pass && !docmeta_passes(r->f, rowid))
		return 0;
	r->n_pass++;
	if (seen >= r->rank_max && r->n_pass > r->rank_max)
		return 0;
	*len = docmeta_length(r->dm, rowid);
	return 1;
}

/* Appends a match, and its score when it may rank. */
static void add_match(struct ranking *r, int64_t id)
{
	XGROW(r->ids, r->alloc, r->n + 1);
	r->ids[r->n++] = id;
}

static void add_scored(struct ranking *r, int64_t id, double score)
{
	XGROW(r->scored, r->alloc_scored, r->n_scored + 1);
	r->scored[r->n_scored].id = id;
	r->scored[r->n_scored].score = score;
	r->n_scored++;
}

/*
 * The matches m has not given yet, appended newest first: from the
 * postings' sets, neither walked nor checked against the filter. Returns
 * how many.
 */
static size_t list_rest(struct memsearch *m, struct ranking *r)
{
	uint32_t *rest;
	size_t n = memsearch_rest(m, &rest), i;

	XGROW(r->ids, r->alloc, r->n + n + 1);
	for (i = n; i-- > 0;)
		r->ids[r->n++] = rest[i];
	free(rest);
	return n;
}

/*
 * The pass in memory (search/memsearch.h); *done 0 when match is left to
 * FTS5, r as it was.
 */
static enum pm_status memory_pass(struct dbconn *c, const char *match,
				  const char *exact, int every_match,
				  struct ranking *r, int *done,
				  struct pm_error *err)
{
	struct memsearch *m;
	enum pm_status st = memsearch_open(c, match, exact, &m, err);
	uint32_t *rows = NULL, *every = NULL;
	size_t n_rows = 0, n_every = 0, most, few, i;
	int64_t id;

	*done = 0;
	if (st != PM_OK || !m)
		return st;
	/*
	 * Sized once for every match there can be, and for the scores of
	 * the newest rank_max and one more: grown a match at a time they
	 * were copied by realloc() ~20 times in a common word's search.
	 */
	most = memsearch_most(m);
	XGROW(r->ids, r->alloc, most + 1);
	XGROW(r->scored, r->alloc_scored,
	      (most < r->rank_max ? most : r->rank_max) + 1);
	few = most / 4;
	/*
	 * A row that fails the filter is neither scored nor counted past the
	 * newest rank_max matches (want_row), nor anywhere when at most
	 * rank_max documents pass it (then every match that passes ranks):
	 * from there, when the filter's documents are much fewer than the
	 * matches, the walk skips to them. Read only once the walk gets
	 * there, unless every match is wanted (facets counted without the
	 * filter): those are listed from the sets, and the walk scores only
	 * the filter's.
	 */
	if (r->f &&
	    docmeta_filter_rows(r->f, few < r->rank_max ? few : r->rank_max,
				&rows, &n_rows)) {
		memsearch_restrict(m, rows, n_rows);
		r->all_pass = 1;
		if (every_match)
			n_every = memsearch_every(m, &every);
	}
	while (memsearch_next(m, &id)) {
		uint32_t len = RANKFN_LEN_UNKNOWN;

		add_match(r, id);
		if (want_row(r, id, &len)) {
			if (len == RANKFN_LEN_UNKNOWN) { /* FTS5 would */
				r->n = r->n_pass = r->n_scored = 0;
				r->all_pass = 0;
				memsearch_close(m);
				free(rows);
				free(every);
				return PM_OK;
			}
			add_scored(r, id, memsearch_score(m, len));
		}
		if (r->n == r->rank_max && !every_match && r->f && !rows &&
		    docmeta_filter_rows(r->f, few, &rows, &n_rows)) {
			memsearch_restrict(m, rows, n_rows);
			r->all_pass = 1;
			/* Every match left passes: past the cut none ranks
			 * when more than rank_max pass in all. */
			if (r->n_pass + memsearch_left(m) > r->rank_max) {
				r->n_pass += list_rest(m, r);
				break;
			}
		}
		/* No later match is scored (want_row): the rest listed. */
		if (r->n >= r->rank_max && r->n_pass > r->rank_max) {
			list_rest(m, r);
			break;
		}
	}
	memsearch_close(m);
	free(rows);
	if (every) { /* newest first, as the walk gives them */
		for (i = 0; i < n_every; i++)
			r->ids[i] = every[n_every - 1 - i];
		r->n = n_every;
		free(every);
	}
	*done = 1;
	return PM_OK;
}

static enum pm_status fts_pass(struct dbconn *c, const char *match,
			       int union_only, const char *exact,
			       struct ranking *r, struct pm_error *err)
{
	/*
	 * Deferred, pm_rank checks the exact words itself: every row of the
	 * phrases is visited and counted. Else the join keeps only the rows
	 * that hold them.
	 */
	struct rankfn_ctx ctx = { want_row, r, union_only,
				  union_only ? exact : NULL, NULL };
	sqlite3_stmt *s = dbconn_stmt(c, exact && !union_only ? sql_pass_exact
							      : sql_pass);
	size_t i;
	int rc;

	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_pointer(s, 2, &ctx, RANKFN_CTX, NULL);
	if (exact && !union_only)
		sqlite3_bind_text(s, 3, exact, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* -1: no match, without the exact words (db/rankfn.h). */
		if (ctx.exact && sqlite3_column_type(s, 1) == SQLITE_INTEGER &&
		    sqlite3_column_int64(s, 1) < 0)
			continue;
		add_match(r, sqlite3_column_int64(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			add_scored(r, r->ids[r->n - 1],
				   sqlite3_column_double(s, 1));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	/* Deferred: each row scored said its number; its score comes now. */
	for (i = 0; ctx.deferred && i < r->n_scored; i++)
		r->scored[i].score =
			rankfn_score(&ctx, (size_t)r->scored[i].score);
	rankfn_release(&ctx);
	return PM_OK;
fail:
	rankfn_release(&ctx);
	log_kv(LOG_ERROR, "search.ranking", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "search", 0,
			    "search: the index could not be read");
}

enum pm_status ranking_run(struct dbconn *c, const char *match,
			   int union_only, const char *exact, int in_memory,
			   int every_match,
			   const struct docmeta *dm,
			   const struct docmeta_filter *f, size_t rank_max,
			   struct ranking *r, struct pm_error *err)
{
	enum pm_status st = PM_OK;
	int done = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->dm = dm;
	r->f = f;
	r->rank_max = rank_max ? rank_max : 1;
	r->cut = INT64_MIN;
	if (in_memory)
		st = memory_pass(c, match, exact, every_match, r, &done, err);
	if (st == PM_OK && !done)
		st = fts_pass(c, match, union_only, exact, r, err);
	r->f = NULL;
	r->all_pass = 0;
	if (st != PM_OK)
		return st;
	if (r->n >= r->rank_max)
		r->cut = r->ids[r->rank_max - 1];
	for (i = 0; i < r->n / 2; i++) {
		int64_t t = r->ids[i];

		r->ids[i] = r->ids[r->n - 1 - i];
		r->ids[r->n - 1 - i] = t;
	}
	return PM_OK;
}

/* < 0 when a ranks before b: better score, then newer. */
static int ranks_before(const void *a, const void *b, void *dm)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return docmeta_newer_first(dm, x->id, y->id);
}

void ranking_page(struct ranking *r, size_t offset, size_t limit,
		  int64_t *ids, size_t *n)
{
	struct ranked *v = r->scored;
	size_t m = 0, k = offset + limit, i, j;
	void *dm = (void *)r->dm;

	*n = 0;
	/* Past the cut only when more than rank_max passed (see want_row). */
	for (i = 0; i < r->n_scored; i++)
		if (r->n_pass <= r->rank_max || v[i].id >= r->cut)
			v[m++] = v[i];
	r->n_scored = m;
	if (offset >= m || !limit)
		return;
	if (k > m)
		k = m;
	if (k * 8 > m) {
		qsort_r(v, m, sizeof(*v), ranks_before, dm);
	} else {
		/* v[0..k) kept in order; a later one displaces the last. */
		qsort_r(v, k, sizeof(*v), ranks_before, dm);
		for (i = k; i < m; i++) {
			struct ranked x = v[i];

			if (ranks_before(&x, &v[k - 1], dm) >= 0)
				continue;
			for (j = k - 1; j > 0 && ranks_before(&x, &v[j - 1], dm) < 0;
			     j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	}
	for (i = offset; i < k; i++)
		ids[(*n)++] = v[i].id;
}

void ranking_release(struct ranking *r)
{
	free(r->ids);
	free(r->scored);
	memset(r, 0, sizeof(*r));
}
