/* GET /metrics and GET /readyz: what http/metrics.c reports, as HTTP. */
#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/http/metrics.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/server.h"

void metrics_serve(struct request *req, struct reply *rep)
{
	unsigned conns = 0, in_flight = 0;

	if (!req->app->metrics) {
		reply_error(rep, 503, "metrics are not set up");
		return;
	}
	if (req->app->server)
		server_counts(req->app->server, &conns, &in_flight);
	buf_reset(&rep->body);
	metrics_render(req->app->metrics, req->app, conns, in_flight,
		       &rep->body);
	rep->status = 200;
	rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void metrics_readyz(struct request *req, struct reply *rep)
{
	json_t *detail = NULL;
	enum pm_status st = metrics_ready(req->app, &detail);

	if (st != PM_OK)
		log_kv(LOG_WARN, "readyz.not_ready", "database",
		       json_string_value(json_object_get(detail, "database")),
		       "disk",
		       json_string_value(json_object_get(detail, "disk")),
		       "sync",
		       json_string_value(json_object_get(detail, "sync")),
		       NULL);
	reply_json(rep, st == PM_OK ? 200 : 503,
		   json_pack("{s:s,s:o}", "status",
			     st == PM_OK ? "ready" : "not ready", "checks",
			     detail));
}
