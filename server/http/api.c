/*
 * JSON handlers for /api/... and /healthz.
 *
 * Each handler borrows a reader connection for the length of the request
 * and reads the settings under the settings lock.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/db/column.h"
#include "pmkb/doc/settings.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/csv.h"
#include "pmkb/base/jsonstr.h"
#include "pmkb/base/config.h"
#include "pmkb/doc/repopath.h"
#include "pmkb/ingest/ledger.h"
#include "pmkb/search/relations.h"
#include "pmkb/doc/learning.h"
#include "pmkb/http/routes.h"
#include "pmkb/search/searchcache.h"
#include "pmkb/search/searcher.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/db/store.h"
#include "pmkb/base/xalloc.h"

static const char sql_get[] =
	"SELECT id, slug, path, title, summary, severity, status, trigger, "
	"detection, primary_cause, causes, services, teams, authors, tags, "
	"started_at, started_epoch, detected_at, detected_epoch, "
	"mitigated_at, mitigated_epoch, resolved_at, resolved_epoch, "
	"started_source, html, commit_id, commit_author, commit_time, "
	"first_commit_id, created_time, has_errors "
	"FROM postmortems WHERE slug = ?1";
static const char sql_redirect[] =
	"SELECT new_slug FROM slug_redirects WHERE old_slug = ?1";
static const char sql_problems_of[] =
	"SELECT line, level, message FROM problems WHERE path = ?1 "
	"ORDER BY line, id";
static const char sql_problems[] =
	"SELECT p.path, p.line, p.level, p.message, m.slug "
	"FROM problems p LEFT JOIN postmortems m ON m.path = p.path "
	"ORDER BY p.level = 'warning', p.path, p.line, p.id";

/* Column indexes of sql_get. */
enum {
	G_ID, G_SLUG, G_PATH, G_TITLE, G_SUMMARY, G_SEVERITY, G_STATUS,
	G_TRIGGER, G_DETECTION, G_CAUSE, G_CAUSES, G_SERVICES, G_TEAMS,
	G_AUTHORS, G_TAGS, G_STARTED, G_STARTED_E, G_DETECTED, G_DETECTED_E,
	G_MITIGATED, G_MITIGATED_E, G_RESOLVED, G_RESOLVED_E, G_STARTED_SRC,
	G_HTML, G_COMMIT, G_AUTHOR, G_COMMIT_TIME, G_FIRST_COMMIT,
	G_CREATED, G_HAS_ERRORS
};

/* Borrows a reader, or answers 503 and returns NULL. */
static struct dbconn *reader(struct request *req, struct reply *rep)
{
	struct dbconn *c = store_reader(req->app->store);

	if (!c)
		reply_status(rep, PM_UNAVAILABLE, NULL);
	return c;
}

void api_healthz(struct request *req, struct reply *rep)
{
	struct dbconn *c = reader(req, rep);
	int64_t n;

	if (!c)
		return;
	n = store_count(c);
	store_reader_release(req->app->store, c);
	if (n < 0) {
		reply_error(rep, 503, "the index cannot be read");
		return;
	}
	reply_json(rep, 200, json_pack("{s:s,s:I}", "status", "ok",
				       "postmortems", (json_int_t)n));
}

/* Parses an integer argument in [min, max]; answers 400 when it's not. */
static int int_arg(struct request *req, struct reply *rep, const char *name,
		   int min, int max, int def, int *out)
{
	const char *v = request_arg(req, name);
	char *end;
	long n;

	*out = def;
	if (!v)
		return 1;
	n = strtol(v, &end, 10);
	if (!*v || *end || n < min || n > max) {
		reply_error(rep, 400, "%s: expected a number from %d to %d, "
			    "got '%.40s'", name, min, max, v);
		return 0;
	}
	*out = (int)n;
	return 1;
}

/*
 * The search cache's key: everything an answer depends on besides the
 * index, which the cache watches itself. The settings are there by
 * address, because a sync replaces them.
 */
static void search_key(struct buf *key, int listing,
		       const struct search_request *sr,
		       const struct taxonomy *tax)
{
	const struct url_filters *u = &sr->url;
	const char *v[] = { sr->q,	 u->cause, u->service, u->severity,
			    u->tag,	 u->status, u->year,   u->from,
			    u->to };

	buf_addf(key, "%d %d %d %d %d %p", listing, sr->limit, sr->offset,
		 (int)sr->sort, sr->facets, (const void *)tax);
	/* \x1f cannot be sent in a query string unnoticed: it is a value. */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_addch(key, '\x1f');
		if (v[i]) {
			buf_addch(key, '=');
			buf_addstr(key, v[i]);
		}
	}
}

/* A 200 JSON answer with body (owned, may be NULL: empty so far). */
static void reply_body(struct reply *rep, char *body, size_t len)
{
	rep->status = 200;
	rep->content_type = "application/json; charset=utf-8";
	buf_reset(&rep->body);
	if (body)
		buf_add(&rep->body, body, len);
	free(body);
}

/* sort=: the names of enum search_sort, in its order. */
static const char *const sort_names[] = { "relevance", "date", "severity",
					  "ttr" };

/* A JSON array of strings as one cell, "; " apart. */
static void csv_list(struct buf *out, const json_t *a)
{
	struct buf cell = BUF_INIT;
	size_t i;

	for (i = 0; i < json_array_size(a); i++)
		buf_addf(&cell, "%s%s", i ? "; " : "",
			 json_is_string(json_array_get(a, i))
				 ? json_string_value(json_array_get(a, i))
				 : "");
	csv_cell(out, cell.ptr ? cell.ptr : "");
	buf_release(&cell);
}

/*
 * The result list as CSV, one row per result in the answer's order, with
 * absolute links (public_url without its final slash).
 */
static void results_csv(struct buf *out, const json_t *answer,
			const char *public_url)
{
	static const char *const text[] = { "slug", "title", "started_at",
					    "resolved_at", "severity",
					    "cause", "status" };
	struct buf url = BUF_INIT;
	const json_t *r;
	size_t i, k;

	buf_addstr(out, "slug,title,started_at,resolved_at,severity,cause,"
			"status,ttr_seconds,causes,services,tags,url\r\n");
	json_array_foreach(json_object_get(answer, "results"), i, r) {
		const json_t *ttr = json_object_get(r, "ttr_seconds");

		for (k = 0; k < sizeof(text) / sizeof(text[0]); k++) {
			csv_cell(out, jstr(r, text[k]));
			buf_addch(out, ',');
		}
		if (json_is_integer(ttr))
			buf_addf(out, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(ttr));
		buf_addch(out, ',');
		csv_list(out, json_object_get(r, "causes"));
		buf_addch(out, ',');
		csv_list(out, json_object_get(r, "services"));
		buf_addch(out, ',');
		csv_list(out, json_object_get(r, "tags"));
		buf_addch(out, ',');
		buf_reset(&url);
		buf_addstr(&url, public_url);
		buf_addstr(&url, jstr(r, "url"));
		csv_cell(out, url.ptr ? url.ptr : "");
		buf_addstr(out, "\r\n");
	}
	buf_release(&url);
}

static void run_search(struct request *req, struct reply *rep, int listing)
{
	const struct taxonomy *tax;
	struct search_request sr = { 0 };
	struct pm_error err;
	struct dbconn *c;
	json_t *out = NULL;
	const char *sort = request_arg(req, "sort");
	const char *format = request_arg(req, "format");
	enum pm_status st;
	struct buf key = BUF_INIT;
	char *body;
	size_t len, i;
	uint64_t gen;
	int csv = 0;

	pm_error_clear(&err);
	if (format && !(csv = !strcmp(format, "csv")) &&
	    strcmp(format, "json")) {
		reply_error(rep, 400, "format: expected 'json' or 'csv'");
		return;
	}
	/* An export is the whole list by default, up to its own bound. */
	if (!int_arg(req, rep, "limit", 1,
		     csv ? PM_SEARCH_MAX_EXPORT : PM_SEARCH_MAX_LIMIT,
		     csv ? PM_SEARCH_MAX_EXPORT : listing ? 50 : 20,
		     &sr.limit) ||
	    !int_arg(req, rep, "offset", 0, 1000000, 0, &sr.offset))
		return;
	sr.sort = listing ? SEARCH_SORT_DATE : SEARCH_SORT_RELEVANCE;
	for (i = 0; sort && i < sizeof(sort_names) / sizeof(sort_names[0]);
	     i++)
		if (!strcmp(sort, sort_names[i]))
			break;
	if (sort && i == sizeof(sort_names) / sizeof(sort_names[0])) {
		reply_error(rep, 400, "sort: expected 'relevance', 'date', "
			    "'severity' or 'ttr', got '%.40s'", sort);
		return;
	}
	if (sort)
		sr.sort = (enum search_sort)i;
	sr.q = request_arg(req, "q");
	sr.facets = !csv && (!listing || request_arg(req, "facets") != NULL);
	sr.no_snippets = csv;
	sr.base_url = "";
	sr.url.cause = request_arg(req, "cause");
	sr.url.service = request_arg(req, "service");
	sr.url.severity = request_arg(req, "severity");
	sr.url.tag = request_arg(req, "tag");
	sr.url.status = request_arg(req, "status");
	sr.url.year = request_arg(req, "year");
	sr.url.from = request_arg(req, "from");
	sr.url.to = request_arg(req, "to");
	if (!listing && !sr.q) {
		reply_error(rep, 400, "q: missing (the search query)");
		return;
	}
	tax = settings_acquire(req->app->settings);
	search_key(&key, listing, &sr, tax);
	/* Exports are rare and large: the cache keeps JSON pages only. */
	body = csv ? NULL
		   : search_cache_get(req->app->search_cache, key.ptr, &len,
				      &gen);
	if (body) {
		settings_release(req->app->settings, tax);
		reply_body(rep, body, len);
		goto out;
	}
	if (!(c = reader(req, rep))) {
		settings_release(req->app->settings, tax);
		goto out;
	}
	if (csv) {
		st = searcher_run(c, tax, &sr, &out, &err);
	} else {
		/* The answer as reply_json() would write it, kept for the
		 * next identical request. */
		reply_body(rep, NULL, 0);
		st = searcher_write(c, tax, &sr, &rep->body, &err);
	}
	settings_release(req->app->settings, tax);
	store_reader_release(req->app->store, c);
	if (st != PM_OK) {
		reply_status(rep, st, &err);
		goto out;
	}
	if (csv) {
		rep->status = 200;
		rep->content_type = "text/csv; charset=utf-8; header=present";
		buf_reset(&rep->body);
		results_csv(&rep->body, out, req->app->public_url);
		json_decref(out);
		goto out;
	}
	search_cache_put(req->app->search_cache, key.ptr, gen, rep->body.ptr,
			 rep->body.len);
out:
	buf_release(&key);
}

void api_list(struct request *req, struct reply *rep)
{
	run_search(req, rep, 1);
}

void api_search(struct request *req, struct reply *rep)
{
	run_search(req, rep, 0);
}

static json_t *problems_of(struct dbconn *c, const char *path)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_problems_of);
	json_t *a = json_array();

	if (!s)
		return a;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:i,s:o,s:o}", "line",
				     sqlite3_column_int(s, 0), "level",
				     column_string(s, 1), "message",
				     column_string(s, 2)));
	sqlite3_reset(s);
	return a;
}

/* Answers 301 to the new slug when slug was renamed; 0 when it wasn't. */
static int redirect(struct request *req, struct reply *rep,
		    struct dbconn *c, const char *slug)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_redirect);
	struct buf loc = BUF_INIT;
	int found = 0;

	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW) {
		buf_addstr(&loc, "/api/postmortems/");
		buf_add_urlencoded(&loc,
				   (const char *)sqlite3_column_text(s, 0));
		found = 1;
	}
	sqlite3_reset(s);
	if (found) {
		rep->location = buf_detach(&loc, NULL);
		reply_error(rep, 301, "renamed; see %s", rep->location);
	}
	return found;
}

/* 1 when slug names a postmortem or a renamed one, 0 when neither, -1 on a
 * database error. */
static int slug_known(struct dbconn *c, const char *slug)
{
	static const char *const sql[] = { sql_get, sql_redirect };
	int known = 0;

	for (size_t i = 0; i < 2 && !known; i++) {
		sqlite3_stmt *s = dbconn_stmt(c, sql[i]);

		if (!s)
			return -1;
		sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
		known = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_reset(s);
	}
	return known;
}

/* The app's page for /p/{slug}. An unknown slug still gets the app, which
 * says so, but with status 404 so that a mistyped link is not a page. */
void api_page(struct request *req, struct reply *rep)
{
	struct dbconn *c = reader(req, rep);
	int known;

	if (!c)
		return;
	known = slug_known(c, req->param);
	store_reader_release(req->app->store, c);
	if (known < 0) {
		reply_status(rep, PM_DB, NULL);
		return;
	}
	assets_index(req, rep);
	if (!known && rep->status == 200)
		rep->status = 404;
}

void api_get(struct request *req, struct reply *rep)
{
	struct dbconn *c = reader(req, rep);
	sqlite3_stmt *s;
	struct buf url = BUF_INIT;
	json_t *j;
	int64_t id;

	if (!c)
		return;
	if (!(s = dbconn_stmt(c, sql_get))) {
		reply_status(rep, PM_DB, NULL);
		goto out;
	}
	sqlite3_bind_text(s, 1, req->param, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		if (!redirect(req, rep, c, req->param))
			reply_error(rep, 404, "no postmortem '%s'", req->param);
		goto out;
	}
	id = sqlite3_column_int64(s, G_ID);
	buf_addstr(&url, "/p/");
	buf_add_urlencoded(&url, req->param);
	j = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
		      "s:o,s:o}",
		      "slug", column_string(s, G_SLUG), "path",
		      column_string(s, G_PATH), "title", column_string(s, G_TITLE),
		      "summary", column_string(s, G_SUMMARY), "severity",
		      column_string(s, G_SEVERITY), "status",
		      column_string(s, G_STATUS), "trigger",
		      column_string(s, G_TRIGGER), "detection",
		      column_string(s, G_DETECTION), "cause",
		      column_string(s, G_CAUSE), "causes", column_array(s, G_CAUSES),
		      "services", column_array(s, G_SERVICES), "teams",
		      column_array(s, G_TEAMS), "authors", column_array(s, G_AUTHORS),
		      "tags", column_array(s, G_TAGS), "url", json_string(url.ptr));
	json_object_set_new(j, "started_at", column_string(s, G_STARTED));
	json_object_set_new(j, "detected_at", column_string(s, G_DETECTED));
	json_object_set_new(j, "mitigated_at", column_string(s, G_MITIGATED));
	json_object_set_new(j, "resolved_at", column_string(s, G_RESOLVED));
	json_object_set_new(j, "started_from", column_string(s, G_STARTED_SRC));
	json_object_set_new(j, "ttd_seconds",
			    column_duration(s, G_STARTED_E, G_DETECTED_E));
	json_object_set_new(j, "ttm_seconds",
			    column_duration(s, G_STARTED_E, G_MITIGATED_E));
	json_object_set_new(j, "ttr_seconds",
			    column_duration(s, G_STARTED_E, G_RESOLVED_E));
	json_object_set_new(j, "html", column_string(s, G_HTML));
	json_object_set_new(
		j, "source",
		json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "path",
			  column_string(s, G_PATH), "commit",
			  column_string(s, G_COMMIT), "author",
			  column_string(s, G_AUTHOR), "commit_time",
			  column_integer(s, G_COMMIT_TIME), "first_commit",
			  column_string(s, G_FIRST_COMMIT), "created_time",
			  column_integer(s, G_CREATED)));
	{
		/*
		 * The link to the file at its commit (--source-url) with
		 * --repo, where --dir is a path inside the repository; the
		 * file as pmkb serves it (/files/) without.
		 */
		const struct pm_config *cfg = req->app->cfg;
		char *src = !cfg->repo ? repopath_link(
			"/files/{path}", NULL, NULL, "",
			(const char *)sqlite3_column_text(s, G_PATH)) : repopath_link(
			cfg->source_url,
			(const char *)sqlite3_column_text(s, G_COMMIT),
			cfg->branch, cfg->dir,
			(const char *)sqlite3_column_text(s, G_PATH));

		json_object_set_new(json_object_get(j, "source"), "url",
				    src ? json_string(src) : json_null());
		free(src);
		/* Edit, history and blame, when the template names a forge. */
		for (int v = 0; v < REPOPATH_VIEW__MAX; v++) {
			static const char *const keys[REPOPATH_VIEW__MAX] = {
				"edit_url", "history_url", "blame_url"
			};
			char *tmpl = cfg->repo ? repopath_view_template(
						       cfg->source_url, v)
					       : NULL;
			char *u = repopath_link(
				tmpl, (const char *)sqlite3_column_text(s, G_COMMIT),
				cfg->branch, cfg->dir,
				(const char *)sqlite3_column_text(s, G_PATH));

			json_object_set_new(json_object_get(j, "source"),
					    keys[v],
					    u ? json_string(u) : json_null());
			free(u);
			free(tmpl);
		}
	}
	json_object_set_new(j, "problems",
			    problems_of(c, (const char *)sqlite3_column_text(
						   s, G_PATH)));
	sqlite3_reset(s);
	{
		const struct taxonomy *tax =
			settings_acquire(req->app->settings);
		char today[16];
		time_t now = (time_t)civil_now();
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		json_object_set_new(j, "action_items",
				    ledger_items(c, tax, id, req->param,
						 today));
		json_object_set_new(j, "relations",
				    relations_of(c, id, req->param));
		json_object_set_new(
			j, "recurrence_of",
			relations_recurrences(c, id));
		settings_release(req->app->settings, tax);
	}
	reply_json(rep, 200, j);
out:
	buf_release(&url);
	store_reader_release(req->app->store, c);
}

void api_problems(struct request *req, struct reply *rep)
{
	struct dbconn *c = reader(req, rep);
	sqlite3_stmt *s;
	json_t *a;
	int errors = 0, warnings = 0;

	if (!c)
		return;
	if (!(s = dbconn_stmt(c, sql_problems))) {
		reply_status(rep, PM_DB, NULL);
		goto out;
	}
	a = json_array();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *level = (const char *)sqlite3_column_text(s, 2);

		if (!strcmp(level, "error"))
			errors++;
		else
			warnings++;
		json_array_append_new(
			a, json_pack("{s:o,s:i,s:s,s:o,s:o}", "path",
				     column_string(s, 0), "line",
				     sqlite3_column_int(s, 1), "level", level,
				     "message", column_string(s, 3), "slug",
				     column_string(s, 4)));
	}
	sqlite3_reset(s);
	reply_json(rep, 200,
		   json_pack("{s:i,s:i,s:o}", "errors", errors, "warnings",
			     warnings, "problems", a));
out:
	store_reader_release(req->app->store, c);
}
