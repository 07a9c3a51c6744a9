/*
 * Handlers for /api/stats/causes, /api/stats/durations,
 * /api/stats/follow-through and /api/action-items: parameters are checked
 * by stats.c, the query runs on a borrowed reader with the settings
 * read-locked, and the result is sent as JSON, CSV or Markdown.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

#include "pmkb/base/jsonout.h"
#include "pmkb/doc/settings.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/ingest/asof.h"
#include "pmkb/ingest/asofcache.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"

static const char *query_arg(void *ctx, const char *name)
{
	return request_arg(ctx, name);
}

/*
 * Like reply_json, but shares print as 0.3 rather than the 17 digits of
 * jansson's default precision.
 */
static void reply_result(struct reply *rep, json_t *j)
{
	rep->status = 200;
	rep->content_type = "application/json; charset=utf-8";
	buf_reset(&rep->body);
	if (jsonout_add(&rep->body, j, 10))
		buf_reset(&rep->body);
	json_decref(j);
}

/* Ends the object of a written answer with its provenance (borrowed). */
static void reply_written(struct reply *rep, const json_t *prov)
{
	struct buf *b = &rep->body;

	rep->status = 200;
	rep->content_type = "application/json; charset=utf-8";
	if (!prov)
		return;
	buf_setlen(b, b->len - 1);
	buf_addstr(b, ",\"provenance\":");
	if (jsonout_add(b, prov, 10))
		buf_reset(b);
	else
		buf_addch(b, '}');
}

/* Answers with fn, or with write when there is one and the answer is
 * JSON. */
static void run(struct request *req, struct reply *rep, stats_fn fn,
		stats_write_fn write, enum stats_kind kind)
{
	const char *as_of = request_arg(req, "as_of");
	struct store *store = req->app->store;
	struct asof_view view = { 0 };
	const struct taxonomy *tax;
	struct stats_request r;
	struct pm_error err;
	struct dbconn *c;
	json_t *out = NULL, *prov = NULL;
	enum pm_status st;
	unsigned formats = 1u << STATS_JSON | 1u << STATS_CSV | 1u << STATS_MD;

	pm_error_clear(&err);
	if ((st = stats_request_parse(&r, query_arg, req, formats, &err)) !=
	    PM_OK) {
		reply_status(rep, st, &err);
		return;
	}
	if (as_of && *as_of) {
		/* The index and the settings as of a past commit. */
		if (!req->app->asof)
			st = pm_error_set(&err, PM_INVALID, "as_of", 0,
					  "as_of needs a server that follows "
					  "a git repository (--repo)");
		else
			st = asof_cache_get(req->app->asof, as_of, &view, &err);
		if (st != PM_OK) {
			reply_status(rep, st, &err);
			return;
		}
		store = view.store;
	}
	if (!(c = store_reader(store))) {
		if (view.e)
			asof_cache_release(req->app->asof, &view);
		reply_status(rep, PM_UNAVAILABLE, NULL);
		return;
	}
	tax = view.e ? view.tax : settings_acquire(req->app->settings);
	/* One snapshot: the answer and the commit it names agree. */
	dbconn_snapshot(c);
	prov = asof_provenance(c);
	if (r.format != STATS_JSON)
		write = NULL;
	buf_reset(&rep->body);
	st = write ? write(c, tax, &r, &rep->body, &err)
		   : fn(c, tax, &r, &out, &err);
	dbconn_snapshot_end(c);
	if (!view.e)
		settings_release(req->app->settings, tax);
	store_reader_release(store, c);
	if (view.e) {
		if (prov && json_is_object(prov))
			json_object_set_new(prov, "as_of", json_string(as_of));
		asof_cache_release(req->app->asof, &view);
	}
	if (st == PM_OK && !write)
		json_object_set(out, "provenance", prov);
	if (st != PM_OK) {
		json_decref(prov);
		reply_status(rep, st, &err);
		return;
	}
	if (write) {
		reply_written(rep, prov);
		json_decref(prov);
		return;
	}
	if (r.format == STATS_JSON) {
		json_decref(prov);
		reply_result(rep, out);
		return;
	}
	rep->status = 200;
	rep->content_type = r.format == STATS_CSV
				    ? "text/csv; charset=utf-8; header=present"
				    : "text/markdown; charset=utf-8";
	buf_reset(&rep->body);
	stats_render(&rep->body, out, kind, r.format, r.ja);
	if (r.format == STATS_MD)
		asof_provenance_md(&rep->body, prov);
	json_decref(prov);
	json_decref(out);
}

void api_stats_causes(struct request *req, struct reply *rep)
{
	run(req, rep, stats_causes, NULL, STATS_CAUSES);
}

void api_stats_durations(struct request *req, struct reply *rep)
{
	run(req, rep, stats_durations, stats_durations_write,
	    STATS_DURATIONS);
}

void api_stats_follow_through(struct request *req, struct reply *rep)
{
	run(req, rep, stats_follow_through, NULL, STATS_FOLLOW);
}

void api_action_items(struct request *req, struct reply *rep)
{
	run(req, rep, stats_action_items, stats_action_items_write,
	    STATS_ACTIONS);
}
