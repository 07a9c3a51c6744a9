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
#include <string.h>

#include "pmkb/db/rankfn.h"
#include "pmkb/db/fts5api.h"

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
		if (rc == SQLITE_OK) {
			double idf = log((n_row - hit + 0.5) / (hit + 0.5));

			p->idf[i] = idf <= 0.0 ? 1e-6 : idf;
		}
	}
	if (rc == SQLITE_OK)
		rc = api->xSetAuxdata(fts, p, sqlite3_free);
	else
		sqlite3_free(p);
	*out = rc == SQLITE_OK ? p : NULL;
	return rc;
}

static void rank(const Fts5ExtensionApi *api, Fts5Context *fts,
		 sqlite3_context *ctx, int n_val, sqlite3_value **val)
{
	const double k1 = 1.2, b = 0.75;
	const struct rankfn_ctx *rc_ctx =
		n_val > 0 ? sqlite3_value_pointer(val[0], RANKFN_CTX) : NULL;
	uint32_t len = RANKFN_LEN_UNKNOWN;
	struct stats *p;
	double score = 0.0, D;
	int i, rc;

	if (rc_ctx && !rc_ctx->row(rc_ctx->arg, api->xRowid(fts), &len)) {
		sqlite3_result_null(ctx);
		return;
	}
	rc = stats_get(api, fts, n_val > 1 ? n_val - 1 : 0, val + 1, &p);
	for (i = 0; rc == SQLITE_OK && i < p->n_phrase; i++) {
		Fts5PhraseIter it;
		int col, off;

		p->freq[i] = 0.0;
		rc = api->xPhraseFirst(fts, i, &it, &col, &off);
		for (; rc == SQLITE_OK && col >= 0;
		     api->xPhraseNext(fts, &it, &col, &off))
			p->freq[i] += col < p->n_weight ? p->weight[col] : 1.0;
	}
	if (rc == SQLITE_OK && len == RANKFN_LEN_UNKNOWN) {
		int n_tok = 0;

		rc = api->xColumnSize(fts, -1, &n_tok);
		len = (uint32_t)n_tok;
	}
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	D = (double)len;
	for (i = 0; i < p->n_phrase; i++)
		score += p->idf[i] * ((p->freq[i] * (k1 + 1.0)) /
				      (p->freq[i] +
				       k1 * (1 - b + b * D / p->avgdl)));
	sqlite3_result_double(ctx, -1.0 * score);
}

static int auto_init(sqlite3 *db, char **errmsg,
		     const struct sqlite3_api_routines *routines)
{
	fts5_api *api = fts5api_of(db);

	(void)errmsg;
	(void)routines;
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateFunction(api, "pm_rank", NULL, rank, NULL);
}

void rankfn_register_auto(void)
{
	sqlite3_auto_extension((void (*)(void))auto_init);
}
