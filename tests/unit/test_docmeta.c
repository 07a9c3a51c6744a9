/*
 * The in-memory metadata (docmeta) against plain SQL: on a generated
 * corpus, through several index generations with additions, updates and
 * deletions in between, every query answers the same totals, facets and
 * results from memory as through the SQL statements. The SQL path is the
 * one the searcher takes for queries with an exclusion, so each query is
 * asked twice: as written, and with "-zzabsentword" (a word no document
 * holds, so the answer must not change). Each is asked in every order
 * and with filters from the URL, whose facet groups count without their
 * own filter.
 *
 * The relevance order, ranked in one pass with scores from pm_rank and
 * lengths from memory (ranking.c), is also checked against FTS5's own
 * bm25() in ORDER BY, with and without a cap on the matches ranked.
 *
 * Half the queries at an offset are also asked without facets: a listing
 * then answers from its set of candidates (docmeta.c's by_sets()), its
 * page found by walking an order or by sorting the set. The last
 * generation spells every service one way and gives its first documents
 * a cause of their own, so that facets are also counted from the sets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/query.h"
#include "pmkb/search/ranking.h"
#include "pmkb/search/searcher.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "testdb.h"

#define N_DOCS 240
#define N_GENS 5

static const char *const causes[] = { "infrastructure", "deploy",
				      "capacity", "process", "security" };
static const char *const services[] = { "billing-api", "Billing-API",
					"aurora", "redis", "Redis", "cdn",
					"ledger" };
static const char *const services_one_case[] = { "billing-api", "aurora",
						 "redis", "cdn" };
static const char *const tags[] = { "db", "DNS", "dns", "tls" };
static const char *const sevs[] = { "SEV1", "SEV2", "SEV3", "SEV4" };
static const char *const words[] = { "error", "timeout", "障害", "原因",
				     "deploy", "latency", "memory" };

/* A small deterministic generator (no libc rand: same corpus anywhere). */
static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

#define PICK(a, s) (a[next(s) % (sizeof(a) / sizeof(a[0]))])

static char *doc_text(unsigned seed, int i, int gen)
{
	struct buf b = BUF_INIT;
	unsigned s = seed * 7919u + (unsigned)i * 31u + (unsigned)gen;
	int k, n;

	buf_addf(&b, "---\ntitle: Incident %d gen %d %s\n", i, gen,
		 PICK(words, &s));
	if (next(&s) % 8)
		buf_addf(&b, "started_at: %d-%02d-%02d\n",
			 2015 + (int)(next(&s) % 10), 1 + (int)(next(&s) % 12),
			 1 + (int)(next(&s) % 28));
	if (next(&s) % 6)
		buf_addf(&b, "severity: %s\n", PICK(sevs, &s));
	/*
	 * Resolved within days, or before it started (a mistake), or never;
	 * in the last generation a third of those written again after 150
	 * years, a time to resolve that the orders cannot pack in 32 bits.
	 */
	if (next(&s) % 4)
		buf_addf(&b, "resolved_at: %d-%02d-%02d\n",
			 gen == 3 && i % 15 == 12 ? 2190
						 : 2015 + (int)(next(&s) % 10),
			 1 + (int)(next(&s) % 12), 1 + (int)(next(&s) % 28));
	/* A cause of the first 60 only, in the last generation: its set
	 * is a few runs, which facets are counted against. */
	if (gen == N_GENS - 1 && i < 60)
		buf_addf(&b, "cause: [%s, %s, maintenance]\n",
			 PICK(causes, &s), PICK(causes, &s));
	else
		buf_addf(&b, "cause: [%s, %s]\n", PICK(causes, &s),
			 PICK(causes, &s));
	if (gen == N_GENS - 1)
		buf_addf(&b, "services: [%s, %s]\n",
			 PICK(services_one_case, &s),
			 PICK(services_one_case, &s));
	else
		buf_addf(&b, "services: [%s, %s]\n", PICK(services, &s),
			 PICK(services, &s));
	buf_addf(&b, "tags: [%s]\n", PICK(tags, &s));
	if (next(&s) % 5 == 0)
		buf_addstr(&b, "status: draft\n");
	buf_addstr(&b, "---\n# Summary\n\n");
	n = 5 + (int)(next(&s) % 30);
	for (k = 0; k < n; k++)
		buf_addf(&b, "%s%s", PICK(words, &s), k % 7 == 6 ? "。\n" : " ");
	buf_addch(&b, '\n');
	return buf_detach(&b, NULL);
}

static void put(struct index_batch *b, int i, int gen)
{
	char path[64], *text = doc_text(1, i, gen);

	snprintf(path, sizeof(path), "pm-%04d.md", i);
	index_put(b, path, text, strlen(text), NULL, NULL);
	free(text);
}

/* Filters as the URL gives them. */
static const struct url_filters urls[] = {
	{ 0 },
	{ .cause = "deploy" },
	{ .cause = "deploy,capacity", .severity = "SEV2" },
	{ .severity = "SEV1,SEV3", .service = "redis,cdn" },
	{ .year = "2019,2021" },
	{ .cause = "process", .service = "aurora", .year = "2018" },
};

static json_t *run(struct dbconn *c, const char *q, enum search_sort sort,
		   int offset, const struct url_filters *u, int facets)
{
	struct search_request r;
	struct pm_error err;
	json_t *out = NULL;

	memset(&r, 0, sizeof(r));
	r.q = q;
	r.limit = 20;
	r.offset = offset;
	r.base_url = "";
	r.facets = facets;
	r.sort = sort;
	r.url = *u;
	if (searcher_run(c, NULL, &r, &out, &err) != PM_OK)
		printf("# %s: %s\n", q, err.message);
	return out;
}

static int same(json_t *a, json_t *b, const char *key)
{
	return a && b && json_equal(json_object_get(a, key),
				    json_object_get(b, key));
}

static void compare(struct dbconn *c, int gen)
{
	static const char *const qs[] = {
		"", "error", "障害", "error timeout", "cause:deploy",
		"service:billing-api", "service:REDIS error", "tag:dns",
		"severity:SEV1", "severity:SEV2 障害", "cause:capacity latency",
		"before:2020-01-01", "after:2019-06-01 memory", "\"error timeout\"",
		"tag:tls cause:process", "service:nosuchservice",
		"cause:maintenance",
	};
	size_t i;
	int bad = 0, checked = 0;

	static const char *const sort_name[] = { "relevance", "date",
						 "severity", "ttr" };
	size_t u;

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		for (int variant = 0; variant < 8; variant++) {
		/* No URL filter, and at offset 0 one of the others in turn. */
		for (int k = 0; k < 2 - variant % 2; k++) {
			char sql_q[160];
			json_t *mem, *sql;
			enum search_sort sort = (enum search_sort)(variant / 2);

			u = k ? 1 + (i + (size_t)variant) % 5 : 0;
			int off = variant % 2 ? 7 : 0;

			snprintf(sql_q, sizeof(sql_q), "%s -zzabsentword", qs[i]);
			/* Half the queries at offset 7 without facets. */
			int facets = !(variant % 2) || i % 2;

			mem = run(c, qs[i], sort, off, &urls[u], facets);
			sql = run(c, sql_q, sort, off, &urls[u], facets);
			checked++;
			if (!same(mem, sql, "total") ||
			    (facets ? !same(mem, sql, "facets")
				    : json_object_get(mem, "facets") != NULL) ||
			    !same(mem, sql, "results")) {
				bad++;
				printf("# generation %d: '%s' (%s, offset %d, "
				       "url filters %zu) differs\n",
				       gen, qs[i], sort_name[sort], off, u);
			}
			json_decref(mem);
			json_decref(sql);
		}
		}
	}
	is_int(bad, 0, "generation: memory answers equal SQL answers");
	ok(checked > 0, "queries compared");
}

/*
 * The reference: bm25() in ORDER BY over the matches of the SEV2 ones;
 * a match holds the quoted words (?5) as written.
 */
#define REF_EXACT                                                          \
	" AND (?5 IS NULL OR pm_exact(?5, p.title, p.summary, p.keywords,"  \
	" p.body))"
static const char sql_ref_count[] =
	"SELECT count(*) FROM pm_fts JOIN postmortems p ON p.id = pm_fts.rowid"
	" WHERE pm_fts MATCH ?1 AND (?2 IS NULL OR p.severity = ?2)" REF_EXACT;
static const char sql_ref_cut[] =
	"SELECT pm_fts.rowid FROM pm_fts JOIN postmortems p"
	" ON p.id = pm_fts.rowid WHERE pm_fts MATCH ?1" REF_EXACT
	" ORDER BY pm_fts.rowid DESC LIMIT 1 OFFSET ?2";
static const char sql_ref_page[] =
	"SELECT p.slug FROM pm_fts JOIN postmortems p ON p.id = pm_fts.rowid"
	" WHERE pm_fts MATCH ?1 AND (?2 IS NULL OR p.severity = ?2)"
	" AND pm_fts.rowid >= ?3" REF_EXACT
	" ORDER BY bm25(pm_fts, " RANK_WEIGHTS "),"
	" p.started_epoch DESC, p.id DESC LIMIT 20 OFFSET ?4";

/* The query's quoted words as the searcher binds them, or NULL. */
static const char *ref_exact;

static int64_t ref_int(sqlite3 *db, const char *sql, const char *match,
		       const char *sev, int64_t arg)
{
	sqlite3_stmt *s;
	int64_t v = INT64_MIN;

	sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	if (sql == sql_ref_count)
		sqlite3_bind_text(s, 2, sev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 2, arg);
	sqlite3_bind_text(s, 5, ref_exact, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The slugs of the reference page, as a JSON array. */
static json_t *ref_page(sqlite3 *db, const char *match, const char *sev,
			int rank_max, int offset)
{
	int64_t total = ref_int(db, sql_ref_count, match, sev, 0);
	int64_t cut = total > rank_max
			      ? ref_int(db, sql_ref_cut, match, NULL, rank_max - 1)
			      : INT64_MIN;
	json_t *out = json_array();
	sqlite3_stmt *s;

	sqlite3_prepare_v2(db, sql_ref_page, -1, &s, NULL);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, cut);
	sqlite3_bind_int(s, 4, offset);
	sqlite3_bind_text(s, 5, ref_exact, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			out, json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return out;
}

static json_t *slugs(json_t *res)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(json_object_get(res, "results"), i, r)
		json_array_append(out, json_object_get(r, "slug"));
	return out;
}

static void compare_ranking(struct dbconn *c, int gen)
{
	static const char *const qs[] = {
		"error", "障害", "error timeout", "dep*", "error OR memory",
		"latency -timeout", "障害 原因", "incident", "\"error\"",
		"\"Error timeout\" memory",
	};
	static const int caps[] = { 0, 25, 1 };
	sqlite3 *db = dbconn_db(c);
	int bad = 0, checked = 0, ranked_ties = 0;

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct pm_query q;
		struct pm_error err;

		query_init(&q);
		if (query_parse(&q, qs[i], NULL, &err) != PM_OK || !q.match ||
		    q.exact.n > 1) {
			bad++;
			query_release(&q);
			continue;
		}
		ref_exact = q.exact.n ? q.exact.v[0] : NULL;
		for (int v = 0; v < 12; v++) {
			const char *sev = v % 2 ? "SEV2" : NULL;
			int cap = caps[(v / 2) % 3], off = v / 6 ? 7 : 0;
			struct search_request r;
			json_t *got = NULL, *want, *have;

			memset(&r, 0, sizeof(r));
			r.q = qs[i];
			r.limit = 20;
			r.offset = off;
			r.base_url = "";
			r.url.severity = sev;
			r.rank_max = cap;
			if (searcher_run(c, NULL, &r, &got, &err) != PM_OK) {
				printf("# %s: %s\n", qs[i], err.message);
				bad++;
				continue;
			}
			want = ref_page(db, q.match, sev, cap ? cap : 5000,
					off);
			have = slugs(got);
			checked++;
			ranked_ties += json_array_size(have) > 1;
			if (!json_equal(want, have) ||
			    json_integer_value(json_object_get(got, "total")) !=
				    ref_int(db, sql_ref_count, q.match, sev,
					    0)) {
				bad++;
				printf("# generation %d: '%s' (severity %s, cap "
				       "%d, offset %d) ranks differently\n",
				       gen, qs[i], sev ? sev : "any", cap, off);
			}
			json_decref(want);
			json_decref(have);
			json_decref(got);
		}
		query_release(&q);
	}
	is_int(bad, 0, "generation: one-pass ranking equals bm25() ORDER BY");
	ok(checked > 0 && ranked_ties > 0, "rankings compared");
}

int main(void)
{
	struct testdb t;
	struct index_batch *b = NULL;
	struct dbconn *c;
	int gen, i;

	if (!testdb_open(&t, "docmeta", NULL, 0, NULL))
		return tap_done();
	c = store_reader(t.store);
	for (gen = 0; gen < N_GENS; gen++) {
		ok(index_begin(t.store, NULL, NULL, &b) == PM_OK,
		   "index_begin");
		for (i = 0; i < N_DOCS; i++) {
			char path[64];

			if (gen == 0 || gen == N_GENS - 1 ||
			    (i + gen) % 5 == 0) {
				put(b, i, gen); /* add, then update */
			} else if ((i + gen) % 7 == 0) {
				snprintf(path, sizeof(path), "pm-%04d.md", i);
				index_remove(b, path, NULL);
			}
		}
		if (gen == 2 || gen == N_GENS - 1)
			for (i = N_DOCS; i < N_DOCS + 30; i++)
				put(b, i, gen);
		ok(index_commit(b, NULL) == PM_OK, "index_commit");
		/* The same reader connection sees each new generation. */
		compare(c, gen);
		compare_ranking(c, gen);
	}
	store_reader_release(t.store, c);
	testdb_close(&t);
	return tap_done();
}
