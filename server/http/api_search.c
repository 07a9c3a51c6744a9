/*
 * GET /api/postmortems/{slug}/similar and GET /api/suggest: parameters in,
 * search/similar.c and search/suggest.c run the query, JSON out.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/doc/settings.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "pmkb/db/store.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/search/relations.h"
#include "pmkb/search/similar.h"
#include "pmkb/search/suggest.h"

/* limit=N from 1 to max; 0 after a 400 reply. */
static int parse_limit(struct reply *rep, const char *v, int max, int *limit)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < 1 || n > max) {
		reply_error(rep, 400, "limit: expected a number from 1 to %d",
			    max);
		return 0;
	}
	*limit = (int)n;
	return 1;
}

void api_similar(struct request *req, struct reply *rep)
{
	const struct taxonomy *tax;
	const char *v = request_arg(req, "limit");
	int limit = PM_SIMILAR_DEFAULT_LIMIT;
	struct pm_error err;
	struct dbconn *c;
	struct buf loc = BUF_INIT;
	char *renamed = NULL;
	json_t *out = NULL;
	enum pm_status rc;

	pm_error_clear(&err);
	if (v && !parse_limit(rep, v, PM_SIMILAR_MAX_LIMIT, &limit))
		goto out;
	if (!(c = store_reader(req->app->store))) {
		reply_status(rep, PM_UNAVAILABLE, NULL);
		goto out;
	}
	tax = settings_acquire(req->app->settings);
	rc = similar_run(c, tax, req->param, limit, &out, &renamed, &err);
	settings_release(req->app->settings, tax);
	if (rc == PM_OK)
		relations_similar_first(c, out, limit);
	store_reader_release(req->app->store, c);
	if (rc == PM_NOT_FOUND && renamed) {
		buf_addstr(&loc, "/api/postmortems/");
		buf_add_urlencoded(&loc, renamed);
		buf_addstr(&loc, "/similar");
		rep->location = buf_detach(&loc, NULL);
		reply_error(rep, 301, "renamed; see %s", rep->location);
	} else if (rc == PM_NOT_FOUND &&
		   utf8_valid(req->param, strlen(req->param))) {
		reply_error(rep, 404, "no postmortem '%s'", req->param);
	} else if (rc != PM_OK) {
		reply_status(rep, rc, &err);
	} else {
		reply_json(rep, 200, out);
	}
out:
	buf_release(&loc);
	free(renamed);
}

void api_suggest(struct request *req, struct reply *rep)
{
	const struct taxonomy *tax;
	const char *v = request_arg(req, "limit");
	int limit = PM_SUGGEST_DEFAULT_LIMIT;
	struct pm_error err;
	struct dbconn *c;
	json_t *out = NULL;
	enum pm_status rc;

	pm_error_clear(&err);
	if (v && !parse_limit(rep, v, PM_SUGGEST_MAX_LIMIT, &limit))
		return;
	tax = settings_acquire(req->app->settings);
	if (!(c = store_reader(req->app->store))) {
		settings_release(req->app->settings, tax);
		reply_status(rep, PM_UNAVAILABLE, NULL);
		return;
	}
	rc = suggest_run(c, tax, request_arg(req, "q"), limit, &out,
			 &err);
	store_reader_release(req->app->store, c);
	settings_release(req->app->settings, tax);
	if (rc != PM_OK)
		reply_status(rep, rc, &err);
	else
		reply_json(rep, 200, out);
}
