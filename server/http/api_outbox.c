/*
 * GET /api/outbox: the Slack outbox's rows by state, and the comments on
 * pull requests (pull_requests).
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/db/store.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/slack/prcomment.h"

/* GET /api/outbox */
void api_outbox(struct request *req, struct reply *rep)
{
	const char *state = request_arg(req, "state");
	const char *limit_arg = request_arg(req, "limit");
	struct dbconn *c;
	json_t *j, *prs;
	long limit = 50;
	char *end;

	if (state && strcmp(state, "queued") && strcmp(state, "sending") &&
	    strcmp(state, "sent") && strcmp(state, "failed")) {
		reply_error(rep, 400, "state: expected queued, sending, sent "
			    "or failed");
		return;
	}
	if (limit_arg) {
		limit = strtol(limit_arg, &end, 10);
		if (!*limit_arg || *end || limit < 1 || limit > 500) {
			reply_error(rep, 400, "limit: expected a number from "
				    "1 to 500");
			return;
		}
	}
	if (!(c = store_reader(req->app->store))) {
		reply_status(rep, PM_UNAVAILABLE, NULL);
		return;
	}
	j = outbox_status(c, state, (int)limit);
	prs = prcomment_status(c, (int)limit);
	store_reader_release(req->app->store, c);
	if (prs && j) {
		json_object_set_new(prs, "enabled",
				    json_boolean(req->app->prs != NULL));
		json_object_set_new(j, "pull_requests", prs);
		prs = NULL;
	}
	json_decref(prs);
	if (!j) {
		reply_status(rep, PM_DB, NULL);
		return;
	}
	json_object_set_new(j, "enabled",
			    json_boolean(req->app->outbox != NULL));
	reply_json(rep, 200, j);
}
