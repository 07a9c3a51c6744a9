/*
 * Similar postmortems: see include/pmkb/search/similar.h for the contract.
 *
 * Map:
 *   words      the source's distinctive words and their postings
 *              (search/simwords.h), the common ones read on up to the cap
 *              when too few are rare.
 *   ranking    the SIMWORDS_TERMS words with the highest weight × idf form
 *              one OR query ranked by bm25 (at most SIM_CANDIDATES rows),
 *              taken relative to the source's own bm25; each candidate is
 *              then re-scored with the services (weighted by rarity) and
 *              causes it shares with the source, read from labels: those
 *              columns sit after the body in a postmortems row.
 *   reasons    services and causes in common, and the shared words as the
 *              source writes them (simwords_shared()).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/search/similar.h"
#include "pmkb/search/simwords.h"

/* Candidates scored (the bm25 query's limit). */
#define SIM_CANDIDATES 64
/* Weights of the final score; they sum to 1. */
#define W_TEXT 0.6
#define W_SERVICE 0.25
#define W_CAUSE 0.15

static const char sql_renamed[] =
	"SELECT new_slug FROM slug_redirects WHERE old_slug = ?1";
static const char sql_rank[] =
	"SELECT rowid, bm25(pm_fts, 3.0, 2.0, 2.0, 1.0) AS r FROM pm_fts"
	" WHERE pm_fts MATCH ?1 ORDER BY r LIMIT ?2";
static const char sql_service_df[] =
	"SELECT count(*) FROM (SELECT 1 FROM labels WHERE kind = 'service'"
	" AND value = ?1 LIMIT ?2)";
static const char sql_labels[] =
	"SELECT kind, value, pos FROM labels WHERE pm_id = ?1"
	" AND kind IN ('cause', 'service') ORDER BY kind, pos";
static const char sql_row[] =
	"SELECT slug, title, started_at, primary_cause, causes, severity,"
	" services FROM postmortems WHERE id = ?1";

struct candidate {
	int64_t id;
	double bm25;	/* positive: higher is better */
	double score;
};

struct sim {
	struct simwords w;	 /* the source and its words */
	struct pm_list services; /* the source's */
	double *service_idf;	 /* by services, how telling each is */
	double service_total;	 /* their sum */
	struct pm_list causes;	 /* the source's, primary first */
};


static enum pm_status read_labels(struct dbconn *c, int64_t id,
				  struct pm_list *causes,
				  struct pm_list *services,
				  struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_labels);
	int step;

	if (!st)
		return simwords_fail(c, err);
	sqlite3_bind_int64(st, 1, id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = column_text(st, 0);

		pm_list_add(!strcmp(kind, "cause") ? causes : services,
			    column_text(st, 1));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PM_OK : simwords_fail(c, err);
}

/*
 * Weighs the source's services by how few postmortems list them: sharing
 * payment-api says more than sharing the web front end every incident
 * touches. Counting stops at the words' cap.
 */
static enum pm_status weigh_services(struct sim *s, struct pm_error *err)
{
	enum pm_status rc = PM_OK;
	size_t i;

	s->service_idf = xcalloc(s->services.n + 1, sizeof(double));
	for (i = 0; i < s->services.n && rc == PM_OK; i++) {
		sqlite3_stmt *st = dbconn_stmt(s->w.c, sql_service_df);
		int df = 1;

		if (!st)
			return simwords_fail(s->w.c, err);
		sqlite3_bind_text(st, 1, s->services.v[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, s->w.cap);
		if (sqlite3_step(st) == SQLITE_ROW)
			df = sqlite3_column_int(st, 0);
		else
			rc = simwords_fail(s->w.c, err);
		sqlite3_reset(st);
		s->service_idf[i] = simwords_idf(&s->w, df > 1 ? df : 1);
		s->service_total += s->service_idf[i];
	}
	return rc;
}

/* The best bm25 candidates, the source left out; *self its own score. */
static enum pm_status rank(struct sim *s, struct candidate **out, size_t *n,
			   double *self, struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->w.c, sql_rank);
	struct buf match = BUF_INIT;
	size_t i, alloc = 0;
	int step;

	*out = NULL;
	*n = 0;
	*self = 0;
	if (!st)
		return simwords_fail(s->w.c, err);
	for (i = 0; i < s->w.nchosen; i++) {
		const struct simword *t = s->w.chosen[i];

		if (i)
			buf_addstr(&match, " OR ");
		simwords_expr(&s->w, t, &match);
	}
	sqlite3_bind_text(st, 1, match.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, SIM_CANDIDATES + 1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		double r = -sqlite3_column_double(st, 1);

		if (id == s->w.id) {
			*self = r;
			continue;
		}
		XGROW(*out, alloc, *n + 1);
		(*out)[*n].id = id;
		(*out)[*n].bm25 = r;
		(*out)[*n].score = 0;
		(*n)++;
	}
	sqlite3_reset(st);
	buf_release(&match);
	if (step != SQLITE_DONE)
		return simwords_fail(s->w.c, err);
	return PM_OK;
}

static int list_has_nocase(const struct pm_list *l, const char *v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], v))
			return 1;
	return 0;
}

/*
 * What candidate id shares with the source: services (source order,
 * compared without ASCII case) and causes (primary first, "unknown"
 * never counts). *primary: both have the same first cause.
 */
static enum pm_status shared_labels(struct sim *s, int64_t id,
				    struct pm_list *services,
				    struct pm_list *causes, int *primary,
				    double *service_weight,
				    struct pm_error *err)
{
	struct pm_list cc = { NULL, 0, 0 }, cs = { NULL, 0, 0 };
	enum pm_status rc;
	size_t i;

	*primary = 0;
	*service_weight = 0;
	if ((rc = read_labels(s->w.c, id, &cc, &cs, err)) != PM_OK)
		goto out;
	for (i = 0; i < s->services.n; i++) {
		if (!list_has_nocase(&cs, s->services.v[i]) ||
		    pm_list_has(services, s->services.v[i]))
			continue;
		pm_list_add(services, s->services.v[i]);
		*service_weight += s->service_idf[i];
	}
	for (i = 0; i < s->causes.n; i++)
		if (strcmp(s->causes.v[i], "unknown") &&
		    pm_list_has(&cc, s->causes.v[i]))
			pm_list_add_unique(causes, s->causes.v[i]);
	*primary = s->causes.n && cc.n && !strcmp(s->causes.v[0], cc.v[0]) &&
		   strcmp(cc.v[0], "unknown");
out:
	pm_list_release(&cc);
	pm_list_release(&cs);
	return rc;
}

static double label_score(const struct sim *s, double service_weight,
			  size_t ncauses, int primary)
{
	double svc = s->service_total > 0 ? service_weight / s->service_total
					  : 0;
	double cause = primary ? 1.0 : ncauses ? 0.5 : 0.0;

	return W_SERVICE * svc + W_CAUSE * cause;
}

static int by_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->bm25 != y->bm25)
		return x->bm25 > y->bm25 ? -1 : 1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* Appends candidate k's result object to results. */
static enum pm_status add_result(struct sim *s, const struct candidate *k,
				 json_t *results, struct pm_error *err)
{
	struct pm_list services = { NULL, 0, 0 }, causes = { NULL, 0, 0 };
	sqlite3_stmt *st;
	struct buf url = BUF_INIT;
	enum pm_status rc;
	json_t *r, *reasons, *terms;
	double weight;
	int primary;

	if ((rc = shared_labels(s, k->id, &services, &causes, &primary,
				&weight, err)) != PM_OK)
		goto out;
	if (!(st = dbconn_stmt(s->w.c, sql_row))) {
		rc = simwords_fail(s->w.c, err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, k->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		rc = simwords_fail(s->w.c, err);
		goto out;
	}
	buf_addstr(&url, "/p/");
	buf_add_urlencoded(&url, column_text(st, 0));
	reasons = json_array();
	if (services.n)
		json_array_append_new(
			reasons, json_pack("{s:s,s:o}", "kind", "service",
					   "values", pm_list_json(&services)));
	if (causes.n)
		json_array_append_new(
			reasons, json_pack("{s:s,s:o,s:b}", "kind", "cause",
					   "values", pm_list_json(&causes),
					   "primary", primary));
	terms = simwords_shared(&s->w, k->id);
	if (json_array_size(terms))
		json_array_append_new(reasons,
				      json_pack("{s:s,s:o}", "kind", "terms",
						"values", terms));
	else
		json_decref(terms);
	r = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "slug",
		      column_string(st, 0), "title", column_string(st, 1),
		      "started_at", column_string(st, 2), "cause",
		      column_string(st, 3), "causes", column_array(st, 4),
		      "severity", column_string(st, 5), "services",
		      column_array(st, 6), "url", url.ptr);
	sqlite3_reset(st);
	/* Three decimals: more would suggest a precision it does not have. */
	json_object_set_new(r, "score",
			    json_real(round(k->score * 1000.0) / 1000.0));
	json_object_set_new(r, "reasons", reasons);
	json_array_append_new(results, r);
out:
	pm_list_release(&services);
	pm_list_release(&causes);
	buf_release(&url);
	return rc;
}

/* Scores every candidate and appends the best limit to results. */
static enum pm_status score(struct sim *s, int limit, json_t *results,
			    struct pm_error *err)
{
	struct candidate *cand = NULL;
	enum pm_status rc;
	double self, best;
	size_t n = 0, i;

	if (!s->w.nchosen)
		return PM_OK;
	if ((rc = rank(s, &cand, &n, &self, err)) != PM_OK)
		goto out;
	/*
	 * bm25 is relative to the query: measure candidates against the
	 * source itself, which uses every word (or against the best one
	 * should the source not be ranked).
	 */
	best = self;
	for (i = 0; i < n; i++)
		if (cand[i].bm25 > best)
			best = cand[i].bm25;
	for (i = 0; i < n; i++) {
		struct pm_list services = { NULL, 0, 0 };
		struct pm_list causes = { NULL, 0, 0 };
		double text = best > 0 ? cand[i].bm25 / best : 0, weight;
		int primary;

		rc = shared_labels(s, cand[i].id, &services, &causes, &primary,
				   &weight, err);
		if (rc == PM_OK)
			cand[i].score = W_TEXT * text +
					label_score(s, weight, causes.n,
						    primary);
		pm_list_release(&services);
		pm_list_release(&causes);
		if (rc != PM_OK)
			goto out;
	}
	if (n)
		qsort(cand, n, sizeof(*cand), by_candidate);
	for (i = 0; i < n && i < (size_t)limit; i++)
		if ((rc = add_result(s, &cand[i], results, err)) != PM_OK)
			goto out;
out:
	free(cand);
	return rc;
}

/* Sets *renamed to the slug that slug was renamed to, or NULL. */
static enum pm_status find_renamed(struct dbconn *c, const char *slug,
				   char **renamed, struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_renamed);
	int step;

	if (!st)
		return simwords_fail(c, err);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*renamed = xstrdup(column_text(st, 0));
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return simwords_fail(c, err);
	return PM_OK;
}

static void sim_release(struct sim *s)
{
	simwords_release(&s->w);
	free(s->service_idf);
	pm_list_release(&s->services);
	pm_list_release(&s->causes);
}

enum pm_status similar_run(struct dbconn *c, const struct taxonomy *tax,
			   const char *slug, int limit, json_t **out,
			   char **renamed, struct pm_error *err)
{
	struct sim s;
	enum pm_status rc;
	json_t *results = NULL;
	int in_txn = 0;

	*out = NULL;
	if (renamed)
		*renamed = NULL;
	memset(&s, 0, sizeof(s));
	simwords_init(&s.w, c, tax, NULL);
	if (limit < 1 || limit > PM_SIMILAR_MAX_LIMIT) {
		rc = pm_error_set(err, PM_INVALID, "similar", 0,
				  "limit: expected a number from 1 to %d",
				  PM_SIMILAR_MAX_LIMIT);
		goto out;
	}
	/* One snapshot: the words, the ranking and the rows agree. */
	if (dbconn_snapshot(c) != PM_OK) {
		rc = simwords_fail(c, err);
		goto out;
	}
	in_txn = 1;
	rc = simwords_read(&s.w, slug, 0, tax, err);
	if (rc == PM_NOT_FOUND) {
		if (renamed && (rc = find_renamed(c, slug, renamed, err)) ==
				       PM_OK)
			rc = PM_NOT_FOUND;
		if (rc == PM_NOT_FOUND)
			pm_error_set(err, PM_NOT_FOUND, "similar", 0,
				     "no such postmortem");
		goto out;
	}
	if (rc != PM_OK ||
	    (rc = read_labels(c, s.w.id, &s.causes, &s.services, err)) !=
		    PM_OK ||
	    (rc = simwords_measure(&s.w, err)) != PM_OK ||
	    (rc = weigh_services(&s, err)) != PM_OK ||
	    (rc = simwords_choose(&s.w, 1, err)) != PM_OK)
		goto out;
	results = json_array();
	if ((rc = score(&s, limit, results, err)) != PM_OK)
		goto out;
	*out = json_pack("{s:s,s:o}", "slug", slug, "results", results);
	results = NULL;
	if (!*out)
		rc = pm_error_set(err, PM_INTERNAL, "similar", 0,
				  "similar: the answer could not be written");
out:
	if (in_txn)
		dbconn_snapshot_end(c);
	json_decref(results);
	sim_release(&s);
	return rc;
}
