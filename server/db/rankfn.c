/*
 * The ranking function: see include/pmkb/db/rankfn.h.
 *
 * The arithmetic is that of bm25() in SQLite's fts5_aux.c, term for term
 * and in the same order (k1 1.2, b 0.75, IDF log((N - n + 0.5) / (n +
 * 0.5)) floored at 1e-6, weighted phrase frequency, length over average
 * length), so that the two agree exactly: the searcher ranks with this
 * one where it can and with bm25() where it cannot, and the tests compare
 * the two orders. Phrase frequencies are read per phrase (xPhraseFirst)
 * rather than through the merged instance array (xInst), which sorts
 * every instance of every phrase first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/db/exact.h"
#include "pmkb/db/fts5api.h"
#include "pmkb/db/rankfn.h"

/* What a deferred pass keeps (see rankfn.h). */
struct rankfn_pass {
	int n_phrase;
	sqlite3_int64 n_row;
	double avgdl;
	sqlite3_int64 *hits; /* per phrase: the rows it is in */
	double *weight;	     /* per column */
	int n_weight;
	double *freq;	     /* per scored row, n_phrase of them */
	uint32_t *len;	     /* per scored row */
	size_t n, alloc;
	double *idf;	     /* once the pass is done */
};

static const double k1 = 1.2, b = 0.75;

double rankfn_bm25(const double *idf, const double *freq, int n, double D,
		   double avgdl)
{
	double score = 0.0;

	for (int i = 0; i < n; i++)
		score += idf[i] * ((freq[i] * (k1 + 1.0)) /
				   (freq[i] + k1 * (1 - b + b * D / avgdl)));
	return -1.0 * score;
}

double rankfn_idf(int64_t n_row, int64_t hit)
{
	double idf = log((n_row - hit + 0.5) / (hit + 0.5));

	return idf <= 0.0 ? 1e-6 : idf;
}

/*
 * Phrase i's weighted frequency in the row into *freq, and whether it is
 * there at all into *hit; with only_hit, *hit alone (the first instance
 * tells).
 */
static int phrase_freq(const Fts5ExtensionApi *api, Fts5Context *fts, int i,
		       const double *weight, int n_weight, int only_hit,
		       double *freq, int *hit)
{
	Fts5PhraseIter it;
	int col, off, rc = api->xPhraseFirst(fts, i, &it, &col, &off);

	*hit = rc == SQLITE_OK && col >= 0;
	if (only_hit)
		return rc;
	*freq = 0.0;
	for (; rc == SQLITE_OK && col >= 0;
	     api->xPhraseNext(fts, &it, &col, &off))
		*freq += col < n_weight ? weight[col] : 1.0;
	return rc;
}

/* The row's length in tokens unless *len has it already. */
static int row_length(const Fts5ExtensionApi *api, Fts5Context *fts,
		      uint32_t *len)
{
	int n_tok = 0, rc;

	if (*len != RANKFN_LEN_UNKNOWN)
		return SQLITE_OK;
	rc = api->xColumnSize(fts, -1, &n_tok);
	*len = (uint32_t)n_tok;
	return rc;
}

/* Per statement: what bm25() computes once per query. */
struct stats {
	int n_phrase, n_weight;
	double avgdl;
	double *idf, *freq, *weight;
};

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts,
		     void *arg)
{
	(void)api;
	(void)fts;
	++*(sqlite3_int64 *)arg;
	return SQLITE_OK;
}

static int stats_get(const Fts5ExtensionApi *api, Fts5Context *fts,
		     int n_weight, sqlite3_value **weight, struct stats **out)
{
	struct stats *p = api->xGetAuxdata(fts, 0);
	sqlite3_int64 n_row = 0, n_token = 0;
	int i, rc = SQLITE_OK, n;

	if (p) {
		*out = p;
		return SQLITE_OK;
	}
	n = api->xPhraseCount(fts);
	p = sqlite3_malloc64(sizeof(*p) +
			     (sqlite3_uint64)(2 * n + n_weight) *
				     sizeof(double));
	if (!p)
		return SQLITE_NOMEM;
	memset(p, 0, sizeof(*p));
	p->n_phrase = n;
	p->n_weight = n_weight;
	p->idf = (double *)&p[1];
	p->freq = p->idf + n;
	p->weight = p->freq + n;
	for (i = 0; i < n_weight; i++)
		p->weight[i] = sqlite3_value_double(weight[i]);
	rc = api->xRowCount(fts, &n_row);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &n_token);
	if (rc == SQLITE_OK)
		p->avgdl = (double)n_token / (double)n_row;
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_int64 hit = 0;

		rc = api->xQueryPhrase(fts, i, &hit, count_hit);
		if (rc == SQLITE_OK)
			p->idf[i] = rankfn_idf(n_row, hit);
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, p, sqlite3_free);
	else
		sqlite3_free(p);
	*out = rc == SQLITE_OK ? p : NULL;
	return rc;
}

static int pass_open(const Fts5ExtensionApi *api, Fts5Context *fts,
		     int n_weight, sqlite3_value **weight,
		     struct rankfn_pass **out)
{
	struct rankfn_pass *p = *out;
	sqlite3_int64 n_token = 0;
	int rc;

	if (p) /* opened on the first row (or failed to) */
		return p->hits && p->weight ? SQLITE_OK : SQLITE_NOMEM;
	if (!(p = calloc(1, sizeof(*p))))
		return SQLITE_NOMEM;
	*out = p;
	p->n_phrase = api->xPhraseCount(fts);
	p->hits = calloc((size_t)p->n_phrase + 1, sizeof(*p->hits));
	p->weight = malloc(((size_t)n_weight + 1) * sizeof(*p->weight));
	if (!p->hits || !p->weight)
		return SQLITE_NOMEM;
	p->n_weight = n_weight;
	for (int i = 0; i < n_weight; i++)
		p->weight[i] = sqlite3_value_double(weight[i]);
	rc = api->xRowCount(fts, &p->n_row);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &n_token);
	if (rc == SQLITE_OK)
		p->avgdl = (double)n_token / (double)p->n_row;
	return rc;
}

/* Whether the row's columns hold the words, into *held. */
static int row_holds(const Fts5ExtensionApi *api, Fts5Context *fts,
		     const char *words, int *held)
{
	const char *text[8];
	size_t len[8];
	int n = api->xColumnCount(fts), rc = SQLITE_OK;

	n = n < 8 ? n : 8;
	for (int c = 0; rc == SQLITE_OK && c < n; c++) {
		int nb = 0;

		rc = api->xColumnText(fts, c, &text[c], &nb);
		len[c] = (size_t)(nb > 0 ? nb : 0);
	}
	*held = rc == SQLITE_OK && exact_holds(words, text, len, n);
	return rc;
}

/* Counts the phrases the row holds, for their IDFs. */
static int count_hits(const Fts5ExtensionApi *api, Fts5Context *fts,
		      struct rankfn_pass *p)
{
	int rc = SQLITE_OK;

	for (int i = 0; rc == SQLITE_OK && i < p->n_phrase; i++) {
		int hit;

		rc = phrase_freq(api, fts, i, NULL, 0, 1, NULL, &hit);
		p->hits[i] += hit;
	}
	return rc;
}

/* Room for one more scored row. */
static int pass_grow(struct rankfn_pass *p)
{
	size_t alloc = p->alloc ? 2 * p->alloc : 256;
	double *f;
	uint32_t *l;

	if (p->n < p->alloc)
		return SQLITE_OK;
	f = realloc(p->freq, alloc * (size_t)p->n_phrase * sizeof(*f));
	if (!f)
		return SQLITE_NOMEM;
	p->freq = f;
	if (!(l = realloc(p->len, alloc * sizeof(*l))))
		return SQLITE_NOMEM;
	p->len = l;
	p->alloc = alloc;
	return SQLITE_OK;
}

/*
 * The deferred form: counts the row's phrases, and for a row worth
 * scoring keeps its phrase frequencies and length. With exact words, a
 * row without them gives -1 (its phrases counted all the same).
 */
static void rank_deferred(const Fts5ExtensionApi *api, Fts5Context *fts,
			  sqlite3_context *ctx, struct rankfn_ctx *rctx,
			  int n_weight, sqlite3_value **weight)
{
	uint32_t len = RANKFN_LEN_UNKNOWN;
	struct rankfn_pass *p;
	double *freq;
	int rc = pass_open(api, fts, n_weight, weight, &rctx->pass);
	int held = 1, counted = 0, i;

	p = rctx->pass;
	if (rc == SQLITE_OK && rctx->exact) {
		rc = count_hits(api, fts, p);
		counted = 1;
		if (rc == SQLITE_OK)
			rc = row_holds(api, fts, rctx->exact, &held);
	}
	if (rc == SQLITE_OK && !held) {
		sqlite3_result_int(ctx, -1);
		return;
	}
	if (rc == SQLITE_OK &&
	    !rctx->row(rctx->arg, api->xRowid(fts), &len)) {
		rc = counted ? SQLITE_OK : count_hits(api, fts, p);
		if (rc == SQLITE_OK) {
			sqlite3_result_null(ctx);
			return;
		}
	}
	if (rc == SQLITE_OK)
		rc = pass_grow(p);
	freq = rc == SQLITE_OK ? p->freq + p->n * (size_t)p->n_phrase : NULL;
	for (i = 0; rc == SQLITE_OK && i < p->n_phrase; i++) {
		int hit;

		rc = phrase_freq(api, fts, i, p->weight, p->n_weight, 0,
				 &freq[i], &hit);
		p->hits[i] += hit && !counted;
	}
	if (rc == SQLITE_OK)
		rc = row_length(api, fts, &len);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	p->len[p->n] = len;
	sqlite3_result_int64(ctx, (sqlite3_int64)p->n++);
}

double rankfn_score(const struct rankfn_ctx *ctx, size_t k)
{
	struct rankfn_pass *p = ctx->pass;

	if (!p || k >= p->n)
		return 0.0;
	if (!p->idf) {
		p->idf = malloc(((size_t)p->n_phrase + 1) * sizeof(*p->idf));
		if (!p->idf)
			return 0.0;
		for (int i = 0; i < p->n_phrase; i++)
			p->idf[i] = rankfn_idf(p->n_row, p->hits[i]);
	}
	return rankfn_bm25(p->idf, p->freq + k * (size_t)p->n_phrase,
			p->n_phrase, (double)p->len[k], p->avgdl);
}

void rankfn_release(struct rankfn_ctx *ctx)
{
	struct rankfn_pass *p = ctx->pass;

	if (p) {
		free(p->hits);
		free(p->weight);
		free(p->freq);
		free(p->len);
		free(p->idf);
		free(p);
	}
	ctx->pass = NULL;
}

static void rank(const Fts5ExtensionApi *api, Fts5Context *fts,
		 sqlite3_context *ctx, int n_val, sqlite3_value **val)
{
	struct rankfn_ctx *rc_ctx =
		n_val > 0 ? sqlite3_value_pointer(val[0], RANKFN_CTX) : NULL;
	uint32_t len = RANKFN_LEN_UNKNOWN;
	struct stats *p;
	int i, rc;

	if (rc_ctx && rc_ctx->deferred) {
		rank_deferred(api, fts, ctx, rc_ctx, n_val - 1, val + 1);
		return;
	}
	if (rc_ctx && !rc_ctx->row(rc_ctx->arg, api->xRowid(fts), &len)) {
		sqlite3_result_null(ctx);
		return;
	}
	rc = stats_get(api, fts, n_val > 1 ? n_val - 1 : 0, val + 1, &p);
	for (i = 0; rc == SQLITE_OK && i < p->n_phrase; i++) {
		int hit;

		rc = phrase_freq(api, fts, i, p->weight, p->n_weight, 0,
				 &p->freq[i], &hit);
	}
	if (rc == SQLITE_OK)
		rc = row_length(api, fts, &len);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	sqlite3_result_double(ctx, rankfn_bm25(p->idf, p->freq, p->n_phrase,
					    (double)len, p->avgdl));
}

/* pm_weight(pm_fts, weights...): phrase 0's weighted frequency. */
static void weight(const Fts5ExtensionApi *api, Fts5Context *fts,
		   sqlite3_context *ctx, int n_val, sqlite3_value **val)
{
	double w[8], freq = 0.0;
	int n = n_val < 8 ? n_val : 8, hit, rc;

	for (int i = 0; i < n; i++)
		w[i] = sqlite3_value_double(val[i]);
	rc = api->xPhraseCount(fts) < 1
		     ? SQLITE_ERROR
		     : phrase_freq(api, fts, 0, w, n, 0, &freq, &hit);
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_double(ctx, freq);
}

static int auto_init(sqlite3 *db, char **errmsg,
		     const struct sqlite3_api_routines *routines)
{
	fts5_api *api = fts5api_of(db);

	(void)errmsg;
	(void)routines;
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	if (api->xCreateFunction(api, "pm_rank", NULL, rank, NULL) !=
	    SQLITE_OK)
		return SQLITE_ERROR;
	return api->xCreateFunction(api, "pm_weight", NULL, weight, NULL);
}

void rankfn_register_auto(void)
{
	sqlite3_auto_extension((void (*)(void))auto_init);
}
