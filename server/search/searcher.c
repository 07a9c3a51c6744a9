/*
 * Search and listing: see include/pmkb/search/searcher.h for the contract.
 *
 * Map:
 *   filters      the query's filters and the URL's (filters.c), as
 *                bound parameters of a fixed set of statements (NULL:
 *                filter unused), so every filter combination shares one
 *                cached statement
 *   count/facets the match set read once as bare rowids, then filtered,
 *                counted and faceted in memory (docmeta.c: one array
 *                lookup per match); exact words (quoted) are checked in
 *                the text once per match; SQL passes over the match set
 *                only for exclusions
 *   facets       a group's counts leave out the URL's own filter on it
 *                (one more pass over the match set per such group);
 *                facets.c sorts and cuts each group's values
 *   listing      without terms, or sorted by date, severity or time to
 *                resolve, the page too comes from docmeta
 *   ranking      bm25 with column weights, ties by date; over very large
 *                match sets only the newest RANK_MAX matches are ranked;
 *                without exclusions the match set is read and ranked in
 *                one pass (ranking.c), else by SQL
 *   page         each returned row is read once; its snippet is computed
 *                by snippet.c, not by FTS5
 *
 * Everything runs inside one read transaction so that the total, the
 * facets and the page agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/base/log.h"
#include "pmkb/search/searcher.h"
#include "pmkb/search/snippet.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/search/docmeta.h"
#include "pmkb/search/facets.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/memsearch.h"
#include "pmkb/search/ranking.h"
#include "pmkb/search/results.h"

/*
 * Above this many matches only the newest (highest rowid) RANK_MAX are
 * ranked (search_request's rank_max, when set): bm25 costs a few µs per
 * match, and a term that common tells little about relevance anyway. The
 * total stays exact.
 */
#define RANK_MAX 5000

/*
 * Parameter numbers shared by every statement below; the list filters
 * follow P_MATCH in search/filters.h's order (P_CAUSE_Q + FL_*).
 */
enum {
	P_MATCH = 1,
	P_CAUSE_Q,
	P_CAUSE_U,
	P_SERVICE_Q,
	P_SERVICE_U,
	P_TAG_Q,
	P_TAG_U,
	P_AUTHOR,
	P_TEAM,
	P_SEVERITY,
	P_STATUS,
	P_SEV_MAX,
	P_AFTER,
	P_BEFORE,
	P_EXCLUDE,
	P_LIMIT,
	P_OFFSET,
	P_CUT,
	P_EXACT,
	P_YEAR,
};

_Static_assert(P_STATUS - P_CAUSE_Q + 1 == FL_MAX,
	       "a parameter for each list filter, in filters.h's order");

#define LABEL_IN(n, kind)                                                  \
	" AND (?" #n " IS NULL OR p.id IN (SELECT l.pm_id FROM labels l"   \
	" WHERE l.kind = '" kind "' AND l.value IN"                        \
	" (SELECT j.value FROM json_each(?" #n ") j)))"
/* Services, tags, people: compared without regard to ASCII case. */
#define LABEL_IN_NOCASE(n, kind)                                           \
	" AND (?" #n " IS NULL OR p.id IN (SELECT l.pm_id FROM labels l"   \
	" WHERE l.kind = '" kind "' AND lower(l.value) IN"                 \
	" (SELECT lower(j.value) FROM json_each(?" #n ") j)))"

#define FILTERS                                                            \
	LABEL_IN(2, "cause") LABEL_IN(3, "cause")                          \
	LABEL_IN_NOCASE(4, "service") LABEL_IN_NOCASE(5, "service")        \
	LABEL_IN_NOCASE(6, "tag") LABEL_IN_NOCASE(7, "tag")                \
	LABEL_IN_NOCASE(8, "author") LABEL_IN_NOCASE(9, "team")            \
	" AND (?10 IS NULL OR p.severity IN"                               \
	" (SELECT j.value FROM json_each(?10) j))"                         \
	" AND (?11 IS NULL OR p.status IN"                                 \
	" (SELECT j.value FROM json_each(?11) j))"                         \
	" AND (?12 IS NULL OR p.severity_rank <= ?12)"                     \
	" AND (?13 IS NULL OR p.started_epoch >= ?13)"                     \
	" AND (?14 IS NULL OR p.started_epoch < ?14)"                      \
	" AND (?15 IS NULL OR p.id NOT IN"                                 \
	" (SELECT rowid FROM pm_fts WHERE pm_fts MATCH ?15))"             \
	" AND (?19 IS NULL OR EXISTS (SELECT 1 FROM postmortems x"         \
	" WHERE x.id = p.id AND " EXACT_X("?19") "))"                      \
	" AND (?20 IS NULL OR substr(p.started_at, 1, 4) IN"               \
	" (SELECT j.value FROM json_each(?20) j))"

/*
 * CROSS JOIN fixes the join order: the match set drives. Left to itself
 * the planner may scan labels first and run the MATCH once per label.
 *
 * META reads a match's metadata from the covering index of
 * schema/004_search_meta.sql instead of the row, whose metadata columns
 * sit after the body (a walk through overflow pages per match: 4x slower
 * facets and 7x slower filter-only counts at 100,000 documents). SQLite
 * looks up rowids in the table unless told.
 */
#define META " postmortems p INDEXED BY postmortems_meta"
#define FROM_FTS                                                           \
	" FROM pm_fts CROSS JOIN" META " ON p.id = pm_fts.rowid"           \
	" WHERE pm_fts MATCH ?1 AND pm_fts.rowid >= ?18"
#define FROM_LIST " FROM postmortems p WHERE 1"
/* For counts and facets, which visit every row they count. */
#define FROM_LIST_META " FROM" META " WHERE 1"

#define NEWEST " p.started_epoch DESC, p.id DESC"
#define BY_DATE " ORDER BY" NEWEST
/* As docmeta.h's orders: a missing rank, an unknown TTR last. */
#define BY_SEVERITY                                                        \
	" ORDER BY p.severity_rank IS NULL, p.severity_rank," NEWEST
#define BY_TTR                                                             \
	" ORDER BY CASE WHEN p.resolved_epoch >= p.started_epoch"          \
	" THEN p.resolved_epoch - p.started_epoch ELSE -1 END DESC," NEWEST
#define PAGE " LIMIT ?16 OFFSET ?17"

/* ranking.c's order, for queries with exclusions. */
static const char sql_rank[] =
	"SELECT p.id" FROM_FTS FILTERS
	" ORDER BY bm25(pm_fts, " RANK_WEIGHTS "),"
	" p.started_epoch DESC, p.id DESC" PAGE;
static const char sql_rank_date[] = "SELECT p.id" FROM_FTS FILTERS BY_DATE
	PAGE;
static const char sql_rank_sev[] = "SELECT p.id" FROM_FTS FILTERS
	BY_SEVERITY PAGE;
static const char sql_rank_ttr[] = "SELECT p.id" FROM_FTS FILTERS BY_TTR
	PAGE;
static const char sql_list[] = "SELECT p.id" FROM_LIST FILTERS BY_DATE PAGE;
static const char sql_list_sev[] = "SELECT p.id" FROM_LIST FILTERS
	BY_SEVERITY PAGE;
static const char sql_list_ttr[] = "SELECT p.id" FROM_LIST FILTERS BY_TTR
	PAGE;

static const char sql_count_fts[] = "SELECT count(*)" FROM_FTS FILTERS;

static const char sql_count_list[] =
	"SELECT count(*)" FROM_LIST_META FILTERS;

/* Facets by (severity, year), summed in C; causes are labels (below). */
#define FACET_COLS                                                         \
	"SELECT p.severity, substr(p.started_at, 1, 4), count(*)"
#define FACET_GROUP " GROUP BY 1, 2"
static const char sql_facets_fts[] = FACET_COLS FROM_FTS FILTERS FACET_GROUP;
static const char sql_facets_list[] =
	FACET_COLS FROM_LIST_META FILTERS FACET_GROUP;

/*
 * Label facets (services, causes) count every label of a row, as their
 * filters match any of them: clicking a value gives exactly its count.
 */
#define LABEL_COLS "SELECT s.value, count(*)"
#define LABEL_JOIN(kind)                                                   \
	" JOIN labels s ON s.pm_id = p.id AND s.kind = '" kind "'"
#define LABEL_FACET_FTS(kind)                                              \
	LABEL_COLS " FROM pm_fts CROSS JOIN" META                          \
	" ON p.id = pm_fts.rowid CROSS" LABEL_JOIN(kind)                   \
	" WHERE pm_fts MATCH ?1 AND pm_fts.rowid >= ?18" FILTERS           \
	" GROUP BY s.value ORDER BY 2 DESC, 1 LIMIT 50"
/* CROSS: filter the rows first, then look up their labels. */
#define LABEL_FACET_LIST(kind)                                             \
	LABEL_COLS " FROM" META " CROSS" LABEL_JOIN(kind) " WHERE 1" FILTERS \
	" GROUP BY s.value ORDER BY 2 DESC, 1 LIMIT 50"
static const char sql_services_fts[] = LABEL_FACET_FTS("service");
static const char sql_services_list[] = LABEL_FACET_LIST("service");
static const char sql_causes_fts[] = LABEL_FACET_FTS("cause");
static const char sql_causes_list[] = LABEL_FACET_LIST("cause");

/*
 * The rowid below which matches are not ranked (see RANK_MAX); with exact
 * words, among the matches that hold them, as ranking.c counts.
 */
static const char sql_cut[] =
	"SELECT rowid FROM pm_fts WHERE pm_fts MATCH ?1"
	" ORDER BY rowid DESC LIMIT 1 OFFSET ?2";
static const char sql_cut_exact[] =
	"SELECT pm_fts.rowid FROM pm_fts CROSS JOIN postmortems x"
	" ON x.id = pm_fts.rowid WHERE pm_fts MATCH ?1 AND " EXACT_X("?3")
	" ORDER BY pm_fts.rowid DESC LIMIT 1 OFFSET ?2";

static void bind_filters(sqlite3_stmt *s, const struct filters *f)
{
	int i;

	if (f->match)
		sqlite3_bind_text(s, P_MATCH, f->match, -1, SQLITE_STATIC);
	for (i = 0; i < FL_MAX; i++)
		if (f->lists[i])
			sqlite3_bind_text(s, P_CAUSE_Q + i, f->lists[i], -1,
					  SQLITE_STATIC);
	if (f->sev_max >= 0)
		sqlite3_bind_int(s, P_SEV_MAX, f->sev_max);
	if (f->after != INT64_MIN)
		sqlite3_bind_int64(s, P_AFTER, f->after);
	if (f->before != INT64_MAX)
		sqlite3_bind_int64(s, P_BEFORE, f->before);
	if (f->exclude)
		sqlite3_bind_text(s, P_EXCLUDE, f->exclude, -1, SQLITE_STATIC);
	/* Statements without these parameters ignore the calls. */
	if (sqlite3_bind_parameter_count(s) >= P_CUT)
		sqlite3_bind_int64(s, P_CUT, f->cut);
	if (f->exact && sqlite3_bind_parameter_count(s) >= P_EXACT)
		sqlite3_bind_text(s, P_EXACT, f->exact, -1, SQLITE_STATIC);
	if (f->year && sqlite3_bind_parameter_count(s) >= P_YEAR)
		sqlite3_bind_text(s, P_YEAR, f->year, -1, SQLITE_STATIC);
}

/* Each facet group's name, field and order. */
static const char *const group_name[FG_MAX] = { "cause", "severity",
					       "service", "year" };
static const enum docmeta_field group_field[FG_MAX] = { DM_CAUSE, DM_SEVERITY,
						       DM_SERVICE, DM_YEAR };
static const enum facet_order group_order[FG_MAX] = {
	FACET_BY_COUNT, FACET_BY_COUNT, FACET_BY_COUNT, FACET_BY_VALUE_DESC
};

/* Logs SQLite's message; the user sees only a generic one. */
static enum pm_status db_fail(struct dbconn *c, struct pm_error *err)
{
	log_kv(LOG_ERROR, "search.sql", "error", sqlite3_errmsg(dbconn_db(c)),
	       NULL);
	return pm_error_set(err, PM_DB, "search", 0,
			    "search: the index could not be read");
}

/* ---- count and facets ---- */

/* Adds the rows of a label facet query to out. */
static enum pm_status label_facet(struct dbconn *c, const struct filters *f,
				  const char *sql, struct facet *out,
				  struct pm_error *err)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	int rc;

	if (!s)
		return db_fail(c, err);
	bind_filters(s, f);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		facet_add(out, (const char *)sqlite3_column_text(s, 0),
			  sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : db_fail(c, err);
}

/*
 * Counts f's match set into out[g] for each group g in want (a bit per
 * G_*); severity and year come from one pass, which also gives *total.
 */
static enum pm_status sql_facets(struct dbconn *c, const struct filters *f,
				 unsigned want, struct facet *out,
				 int64_t *total, struct pm_error *err)
{
	enum pm_status st = PM_OK;
	sqlite3_stmt *s;
	int rc;

	*total = 0;
	if (want & (1u << FG_SEVERITY | 1u << FG_YEAR)) {
		s = dbconn_stmt(c, f->match ? sql_facets_fts : sql_facets_list);
		if (!s)
			return db_fail(c, err);
		bind_filters(s, f);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *sv =
				(const char *)sqlite3_column_text(s, 0);
			const char *yr =
				(const char *)sqlite3_column_text(s, 1);
			int64_t n = sqlite3_column_int64(s, 2);

			*total += n;
			if (sv && want & 1u << FG_SEVERITY)
				facet_add(&out[FG_SEVERITY], sv, n);
			if (yr && strlen(yr) == 4 && want & 1u << FG_YEAR)
				facet_add(&out[FG_YEAR], yr, n);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return db_fail(c, err);
	}
	if (want & 1u << FG_SERVICE)
		st = label_facet(c, f,
				 f->match ? sql_services_fts : sql_services_list,
				 &out[FG_SERVICE], err);
	if (st == PM_OK && want & 1u << FG_CAUSE)
		st = label_facet(c, f,
				 f->match ? sql_causes_fts : sql_causes_list,
				 &out[FG_CAUSE], err);
	return st;
}

/* Appends group g's member of the facets object (the groups in order). */
static void facet_member(struct buf *out, int g, struct facet *values)
{
	buf_addstr(out, g ? ",\"" : "{\"");
	buf_addstr(out, group_name[g]);
	buf_addstr(out, "\":");
	facet_write(values, group_order[g], out);
	if (g == FG_MAX - 1)
		buf_addch(out, '}');
}

static enum pm_status run_facets(struct dbconn *c, const struct filters *f,
				 struct buf *facets, int64_t *total,
				 struct pm_error *err)
{
	struct facet out[FG_MAX];
	struct filters wide;
	enum pm_status st;
	int64_t unused;
	int g;

	memset(out, 0, sizeof(out));
	st = sql_facets(c, f, (1u << FG_MAX) - 1, out, total, err);
	for (g = 0; g < FG_MAX && st == PM_OK; g++) {
		if (!filters_without(f, g, &wide))
			continue;
		facet_release(&out[g]);
		st = sql_facets(c, &wide, 1u << g, out, &unused, err);
	}
	for (g = 0; g < FG_MAX; g++)
		facet_member(facets, g, &out[g]);
	return st;
}

static enum pm_status run_count(struct dbconn *c, const struct filters *f,
				int64_t *total, struct pm_error *err)
{
	sqlite3_stmt *s =
		dbconn_stmt(c, f->match ? sql_count_fts : sql_count_list);
	enum pm_status st = PM_OK;

	if (!s)
		return db_fail(c, err);
	bind_filters(s, f);
	if (sqlite3_step(s) == SQLITE_ROW)
		*total = sqlite3_column_int64(s, 0);
	else
		st = db_fail(c, err);
	sqlite3_reset(s);
	return st;
}

/* Sets f->cut when the query matches more than rank_max rows. */
static enum pm_status find_cut(struct dbconn *c, struct filters *f,
			       int rank_max, struct pm_error *err)
{
	sqlite3_stmt *s = dbconn_stmt(c, f->exact ? sql_cut_exact : sql_cut);
	enum pm_status st = PM_OK;
	int rc;

	if (!s)
		return db_fail(c, err);
	sqlite3_bind_text(s, 1, f->match, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, rank_max - 1);
	if (f->exact)
		sqlite3_bind_text(s, 3, f->exact, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		f->cut = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		st = db_fail(c, err);
	sqlite3_reset(s);
	return st;
}

/* ---- count and facets from memory ---- */

static const char sql_match_ids[] =
	"SELECT rowid FROM pm_fts WHERE pm_fts MATCH ?1 ORDER BY rowid";

/*
 * The matches that hold the exact words, read once (the SQL path tests
 * them in every pass over the match set).
 */
static const char sql_exact_ids[] =
	"SELECT pm_fts.rowid FROM pm_fts CROSS JOIN postmortems x"
	" ON x.id = pm_fts.rowid WHERE pm_fts MATCH ?1 AND " EXACT_X("?19");

/* Whether docmeta can take f's filters (not the exclusions). */
static int memory_filters(const struct filters *f)
{
	return !f->exclude;
}

/* The rowids that sql (sql_match_ids, sql_exact_ids) gives for f. */
static enum pm_status match_ids(struct dbconn *c, const char *sql,
				const struct filters *f, int64_t **ids,
				size_t *n, struct pm_error *err)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	size_t alloc = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (!s)
		return db_fail(c, err);
	bind_filters(s, f);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, alloc, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : db_fail(c, err);
}

/*
 * The matches of f's expression (holding exact, when not NULL), from
 * memory when it can answer (search/memsearch.h), else by sql.
 */
static enum pm_status any_ids(struct dbconn *c, const struct filters *f,
			      const char *sql, const char *exact,
			      int in_memory, int64_t **ids, size_t *n,
			      struct pm_error *err)
{
	enum pm_status st = PM_OK;
	int done = 0;

	if (in_memory)
		st = memsearch_ids(c, f->match, exact, ids, n, &done, err);
	if (st == PM_OK && !done)
		st = match_ids(c, sql, f, ids, n, err);
	return st;
}

/* field's values from counts into f (distinct values: no merging). */
static void counted(const struct docmeta *dm, const int64_t *count,
		    enum docmeta_field field, struct facet *f)
{
	size_t i, n = docmeta_values(dm, field);

	for (i = 0; i < n; i++) {
		const char *v = docmeta_value(dm, field, (uint32_t)i);

		if (!count[i] || (field == DM_YEAR && strlen(v) != 4))
			continue;
		facet_put(f, v, count[i]);
	}
}

/* A page of s from memory in req's order (relevance: newest first). */
static int64_t *memory_page(const struct docmeta *dm, struct docmeta_scan *s,
			    const struct search_request *req, size_t *n)
{
	static const enum docmeta_order order[] = {
		[SEARCH_SORT_RELEVANCE] = DM_ORDER_DATE,
		[SEARCH_SORT_DATE] = DM_ORDER_DATE,
		[SEARCH_SORT_SEVERITY] = DM_ORDER_SEVERITY,
		[SEARCH_SORT_TTR] = DM_ORDER_TTR,
	};
	int64_t *page = xmalloc(((size_t)req->limit + 1) * sizeof(*page));

	docmeta_page(dm, s, order[req->sort], (size_t)req->offset,
		     (size_t)req->limit, page, n);
	return page;
}

/* The matches that hold the exact words, when read apart (read). */
struct id_set {
	int64_t *ids;
	size_t n;
	int read;
};

/*
 * The counts of facet group g over f's matches (ids[0..n), or every
 * document without terms) with the URL's filter on g left out, moved
 * into counted->count.
 */
static void memory_group(const struct docmeta *dm, const struct filters *f,
			 int g, const int64_t *ids, size_t n,
			 const struct id_set *exact,
			 struct docmeta_scan *counted)
{
	struct docmeta_filter *mf;
	struct docmeta_scan wide;
	struct filters without;
	int64_t *swap;

	if (!filters_without(f, g, &without))
		return;
	mf = filters_docmeta(dm, &without);
	if (exact->read)
		docmeta_filter_only(mf, exact->ids, exact->n);
	docmeta_scan(dm, mf, !f->match, ids, n, 1, 0, &wide);
	swap = counted->count[group_field[g]];
	counted->count[group_field[g]] = wide.count[group_field[g]];
	wide.count[group_field[g]] = swap;
	docmeta_scan_release(&wide);
	docmeta_filter_free(mf);
}

/*
 * Whether the URL filters a facet group: memory_group() then counts the
 * matches its filter rejects.
 */
static int url_facets(const struct filters *f)
{
	struct filters without;

	for (int g = 0; g < FG_MAX; g++)
		if (filters_without(f, g, &without))
			return 1;
	return 0;
}

/*
 * Total, facets and the page's ids from the in-memory metadata: the match
 * set is read once, as bare rowids, or for relevance with the scores
 * that can rank (ranking.c).
 */
static enum pm_status memory_count(struct dbconn *c, const struct filters *f,
				   const struct search_request *req,
				   int rank_max, int64_t *total,
				   struct buf *facets, int64_t **page,
				   size_t *n_page, struct pm_error *err)
{
	const struct docmeta *dm;
	struct docmeta_filter *mf = NULL;
	struct docmeta_scan scan = { 0 };
	struct ranking rk = { 0 };
	struct id_set exact = { NULL, 0, 0 };
	int64_t *ids = NULL;
	size_t n = 0;
	int ranked = f->match && req->sort == SEARCH_SORT_RELEVANCE;
	enum pm_status st;

	if ((st = docmeta_current(c, &dm, err)) != PM_OK)
		goto out;
	mf = filters_docmeta(dm, f);
	/* Ranking checks the exact words in its own pass (ranking.h). */
	if (f->exact && !ranked) {
		st = any_ids(c, f, sql_exact_ids, f->exact, !req->fts_only,
			     &exact.ids, &exact.n, err);
		exact.read = 1;
		docmeta_filter_only(mf, exact.ids, exact.n);
		if (st != PM_OK)
			goto out;
	}
	if (ranked)
		st = ranking_run(c, f->match, f->union_only, f->exact,
				 !req->fts_only, req->facets && url_facets(f),
				 dm, mf,
				 (size_t)rank_max, &rk, err);
	else if (f->match)
		st = any_ids(c, f, sql_match_ids, NULL, !req->fts_only, &ids,
			     &n, err);
	if (st != PM_OK)
		goto out;
	if (ranked) {
		ids = rk.ids;
		n = rk.n;
	}
	docmeta_scan(dm, mf, !f->match, ids, n, req->facets, !ranked, &scan);
	*total = scan.total;
	if (req->facets) {
		int g;

		for (g = 0; g < FG_MAX; g++) {
			struct facet values = { NULL, 0, 0 };

			memory_group(dm, f, g, ids, n, &exact, &scan);
			counted(dm, scan.count[group_field[g]], group_field[g],
				&values);
			facet_member(facets, g, &values);
		}
	}
	if (ranked) {
		*page = xmalloc(((size_t)req->limit + 1) * sizeof(**page));
		ranking_page(&rk, (size_t)req->offset, (size_t)req->limit,
			     *page, n_page);
	} else {
		*page = memory_page(dm, &scan, req, n_page);
	}
out:
	docmeta_scan_release(&scan);
	docmeta_filter_free(mf);
	if (ranked)
		ids = NULL; /* rk's */
	ranking_release(&rk);
	free(ids);
	free(exact.ids);
	return st;
}

/* ---- the page: search/results.h writes each result ---- */

/* Ids of the page by SQL, as the statements order them. */
static enum pm_status page_ids(struct dbconn *c, const struct filters *f,
			       const struct search_request *req,
			       int64_t **ids, size_t *n, struct pm_error *err)
{
	static const char *const ordered[][2] = {
		/* without terms, with terms */
		[SEARCH_SORT_RELEVANCE] = { sql_list, sql_rank },
		[SEARCH_SORT_DATE] = { sql_list, sql_rank_date },
		[SEARCH_SORT_SEVERITY] = { sql_list_sev, sql_rank_sev },
		[SEARCH_SORT_TTR] = { sql_list_ttr, sql_rank_ttr },
	};
	sqlite3_stmt *s = dbconn_stmt(c, ordered[req->sort][f->match != NULL]);
	size_t alloc = 0;
	int rc;

	if (!s)
		return db_fail(c, err);
	bind_filters(s, f);
	sqlite3_bind_int(s, P_LIMIT, req->limit);
	sqlite3_bind_int(s, P_OFFSET, req->offset);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, alloc, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : db_fail(c, err);
}

/*
 * Writes the page's results, comma-separated, onto out: page[0..n_page)
 * when memory chose them, else those the SQL statements give. Ids first,
 * then rows: one statement at a time stays simple.
 */
static enum pm_status run_page(struct dbconn *c, const struct filters *f,
			       const struct search_request *req,
			       const struct pm_query *q, const int64_t *page,
			       size_t n_page, struct buf *out,
			       struct pm_error *err)
{
	struct snippets *sc;
	int64_t *ids = NULL;
	enum pm_status st = PM_OK;
	size_t i;

	if (!page) {
		n_page = 0;
		st = page_ids(c, f, req, &ids, &n_page, err);
		page = ids;
	}
	sc = req->no_snippets ? NULL : snippets_new(&q->terms);
	if (sc && q->expanded) {
		const char *typed;
		json_t *syn, *v;
		size_t k;

		json_object_foreach(q->expanded, typed, syn)
			json_array_foreach(syn, k, v)
				snippets_synonym(sc, json_string_value(v),
						 typed);
	}	for (i = 0; i < n_page && st == PM_OK; i++) {
		if (i)
			buf_addch(out, ',');
		if ((st = results_write(c, sc, page[i], req->base_url, out)) !=
		    PM_OK)
			st = db_fail(c, err);
	}
	snippets_free(sc);
	free(ids);
	return st;
}

enum pm_status searcher_write(struct dbconn *c, const struct taxonomy *tax,
			      const struct search_request *req,
			      struct buf *out, struct pm_error *err)
{
	struct pm_query q;
	struct filters f;
	enum pm_status st;
	struct buf facets = BUF_INIT; /* the "facets" object, when asked */
	int64_t total = 0, *page = NULL;
	size_t n_page = 0, start = out->len, key;
	int in_txn = 0, rank_max = req->rank_max > 0 ? req->rank_max : RANK_MAX;

	query_init(&q);
	memset(&f, 0, sizeof(f));
	if (req->limit < 1 || req->limit > PM_SEARCH_MAX_EXPORT ||
	    req->offset < 0) {
		st = pm_error_set(err, PM_INVALID, "search", 0,
				  "limit must be 1 to %d and offset at least 0",
				  PM_SEARCH_MAX_EXPORT);
		goto out;
	}
	if ((st = query_parse(&q, req->q, tax, err)) != PM_OK)
		goto out;
	if ((st = filters_build(&f, &q, &req->url, tax, err)) != PM_OK)
		goto out;
	if (dbconn_snapshot(c) != PM_OK) {
		st = db_fail(c, err);
		goto out;
	}
	in_txn = 1;
	if (memory_filters(&f))
		st = memory_count(c, &f, req, rank_max, &total, &facets, &page,
				  &n_page, err);
	else if (req->facets)
		st = run_facets(c, &f, &facets, &total, err);
	else
		st = run_count(c, &f, &total, err);
	if (st != PM_OK)
		goto out;
	if (!page && f.match && total > rank_max &&
	    req->sort == SEARCH_SORT_RELEVANCE &&
	    (st = find_cut(c, &f, rank_max, err)) != PM_OK)
		goto out;
	/* A query that is not UTF-8 has no "query", as jansson left it. */
	buf_addch(out, '{');
	key = out->len;
	buf_addstr(out, "\"query\":");
	if (jsonout_string(out, req->q ? req->q : "",
			   req->q ? strlen(req->q) : 0))
		buf_setlen(out, key);
	else
		buf_addch(out, ',');
	buf_addstr(out, "\"total\":");
	buf_add_int(out, total);
	/* What the query was widened to (search/glossary.h), when it was. */
	if (q.expanded) {
		buf_addstr(out, ",\"expanded\":");
		jsonout_add(out, q.expanded, 0);
	}
	buf_addstr(out, ",\"results\":[");
	if (total > req->offset &&
	    (st = run_page(c, &f, req, &q, page, n_page, out, err)) != PM_OK)
		goto out;
	buf_addch(out, ']');
	if (facets.len) {
		buf_addstr(out, ",\"facets\":");
		buf_add(out, facets.ptr, facets.len);
		/* The cause facet and filter count any cause listed. */
		buf_addstr(out, ",\"cause_mode\":\"any\"");
	}
	buf_addch(out, '}');
out:
	if (in_txn)
		dbconn_snapshot_end(c);
	if (st != PM_OK)
		buf_setlen(out, start);
	buf_release(&facets);
	free(page);
	filters_release(&f);
	query_release(&q);
	return st;
}

enum pm_status searcher_run(struct dbconn *c, const struct taxonomy *tax,
			    const struct search_request *req, json_t **out,
			    struct pm_error *err)
{
	struct buf text = BUF_INIT;
	enum pm_status st = searcher_write(c, tax, req, &text, err);

	*out = NULL;
	if (st == PM_OK &&
	    !(*out = json_loadb(text.ptr, text.len, JSON_ALLOW_NUL, NULL)))
		st = pm_error_set(err, PM_INTERNAL, "search", 0,
				  "search: the answer could not be read");
	buf_release(&text);
	return st;
}
