/*
 * libmicrohttpd glue: the request lifecycle, caps, headers and logs.
 *
 * Lifecycle of a request (access handler calls):
 *   1st call   allocate struct request in *req_cls; nothing is queued
 *              (queueing on the first call makes libmicrohttpd 0.9.75 drop
 *              keep-alive: PERF.md)
 *   upload     append to the body up to max_body; past it, answer 413
 *   last call  route, run the handler, queue the reply
 *   completed  free the request
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pmkb/config.h"
#include "pmkb/log.h"
#include "pmkb/routes.h"
#include "pmkb/server.h"
#include "pmkb/xalloc.h"

/*
 * The UI needs nothing from elsewhere and no inline script or style, so the
 * policy can be this strict.
 */
static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; "
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; "
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct server {
	struct MHD_Daemon *daemon;
	struct app *app;
	unsigned port;
	atomic_uint_fast64_t next_id;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *request_arg(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *request_header(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void reply_json(struct reply *rep, int status, json_t *j)
{
	char *s;

	rep->status = status;
	rep->content_type = "application/json; charset=utf-8";
	buf_reset(&rep->body);
	/* Escaped slashes keep "</script>" inert if JSON lands in HTML. */
	s = json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH);
	if (s)
		buf_addstr(&rep->body, s);
	free(s);
	json_decref(j);
}

void reply_error(struct reply *rep, int status, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	reply_json(rep, status, json_pack("{s:s}", "error", msg.ptr));
	buf_release(&msg);
}

int reply_http_status(enum pm_status st)
{
	switch (st) {
	case PM_OK: return 200;
	case PM_INVALID: return 400;
	case PM_UNAUTHORIZED: return 401;
	case PM_NOT_FOUND: return 404;
	case PM_CONFLICT: return 409;
	case PM_TOO_LARGE: return 413;
	case PM_UNAVAILABLE: return 503;
	default: return 500;
	}
}

void reply_status(struct reply *rep, enum pm_status st,
		  const struct pm_error *err)
{
	int code = reply_http_status(st);

	/* Internal failures are logged, not explained to the client. */
	if (code >= 500 || !err || !err->message[0])
		reply_error(rep, code, "%s", code == 503
			    ? "the index is not available right now; retry"
			    : pm_status_name(st));
	else
		reply_error(rep, code, "%s", err->message);
}

static void add_common_headers(struct MHD_Response *r, const struct reply *rep)
{
	MHD_add_response_header(r, "Content-Type",
				rep->content_type ? rep->content_type
						  : "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control",
				rep->cache_control ? rep->cache_control
						   : "no-store");
	if (rep->etag)
		MHD_add_response_header(r, "ETag", rep->etag);
	if (rep->location)
		MHD_add_response_header(r, "Location", rep->location);
	if (rep->status == 405)
		MHD_add_response_header(r, "Allow", rep->allow_post
							    ? "POST"
							    : "GET, HEAD");
}

static enum MHD_Result queue(struct request *req, struct reply *rep)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *inm = request_header(req, "If-None-Match");
	char ms[32];

	if (rep->etag && inm && !strcmp(inm, rep->etag) &&
	    rep->status == 200) {
		rep->status = 304;
		r = MHD_create_response_from_buffer(0, NULL,
						    MHD_RESPMEM_PERSISTENT);
	} else if (rep->static_body) {
		r = MHD_create_response_from_buffer(
			rep->static_len, (void *)rep->static_body,
			MHD_RESPMEM_PERSISTENT);
	} else {
		size_t len;
		char *body = buf_detach(&rep->body, &len);

		r = MHD_create_response_from_buffer(len, body,
						    MHD_RESPMEM_MUST_FREE);
	}
	if (!r)
		return MHD_NO;
	add_common_headers(r, rep);
	ret = MHD_queue_response(req->conn, (unsigned)rep->status, r);
	MHD_destroy_response(r);
	snprintf(ms, sizeof(ms), "%.3f",
		 (double)(now_ns() - req->started_ns) / 1e6);
	{
		char id[24], st[8];

		snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
		snprintf(st, sizeof(st), "%d", rep->status);
		log_kv(rep->status >= 500 ? LOG_ERROR : LOG_DEBUG, "http",
		       "id", id, "method", req->method, "path", req->path,
		       "status", st, "ms", ms, NULL);
	}
	return ret;
}

static void dispatch(struct request *req, struct reply *rep)
{
	const struct route *r;
	int wrong_method;

	r = routes_match(req->method, req->path, req->param,
			 sizeof(req->param), &wrong_method);
	if (r) {
		r->fn(req, rep);
	} else if (wrong_method) {
		reply_error(rep, 405, "method %s is not allowed here",
			    req->method);
	} else {
		reply_error(rep, 404, "no such page: %s", req->path);
	}
}

/*
 * Whether any query-string argument holds a NUL byte: libmicrohttpd decodes
 * %00 and C strings would silently cut the value short.
 */
static enum MHD_Result find_nul(void *cls, enum MHD_ValueKind kind,
				const char *key, size_t key_size,
				const char *value, size_t value_size)
{
	int *found = cls;

	if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
		*found = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static struct request *request_new(struct server *srv,
				   struct MHD_Connection *conn,
				   const char *url, const char *method)
{
	struct request *req = xcalloc(1, sizeof(*req));

	req->conn = conn;
	req->app = srv->app;
	req->method = method;
	req->path = url;
	req->id = atomic_fetch_add(&srv->next_id, 1) + 1;
	req->started_ns = now_ns();
	buf_init(&req->body, 0);
	return req;
}

/* Answers with an error at once, without routing. */
static enum MHD_Result answer(struct request *req, int status,
			      const char *msg)
{
	struct reply rep = { 0 };
	enum MHD_Result ret;

	buf_init(&rep.body, 0);
	reply_error(&rep, status, "%s", msg);
	ret = queue(req, &rep);
	buf_release(&rep.body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct server *srv = cls;
	struct request *req = *req_cls;
	size_t max_body = (size_t)srv->app->cfg->max_body;
	struct reply rep = { 0 };
	enum MHD_Result ret;

	if (!req) {
		const char *cl = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "Content-Length");

		req = request_new(srv, conn, url, method);
		*req_cls = req;
		/*
		 * A declared body over the limit is refused before it is read.
		 * Answering on the first call costs keep-alive (PERF.md), which
		 * is what we want for this connection anyway.
		 */
		if (cl && strtoull(cl, NULL, 10) > max_body) {
			req->body_too_large = 1;
			return answer(req, 413, "the request body is too large");
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->body_too_large) {
			/* Chunked and too large: drain, within reason. */
			req->discarded += n;
			return req->discarded > 16 * max_body ? MHD_NO
							       : MHD_YES;
		}
		if (req->body.len + n > max_body) {
			req->body_too_large = 1;
			req->discarded = req->body.len + n;
			buf_release(&req->body);
			return MHD_YES;
		}
		buf_add(&req->body, upload_data, n);
		return MHD_YES;
	}
	if (req->body_too_large)
		return answer(req, 413, "the request body is too large");
	{
		int nul = 0;

		MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND,
					    find_nul, &nul);
		if (nul)
			return answer(req, 400, "a parameter contains a NUL "
						"byte");
	}
	buf_init(&rep.body, 0);
	rep.status = 200;
	dispatch(req, &rep);
	ret = queue(req, &rep);
	buf_release(&rep.body);
	free(rep.location);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode code)
{
	struct request *req = *req_cls;

	if (!req)
		return;
	buf_release(&req->body);
	free(req);
	*req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;

	buf_vaddf(&msg, fmt, ap);
	buf_trim(&msg);
	log_kv(LOG_DEBUG, "http.daemon", "msg", msg.ptr, NULL);
	buf_release(&msg);
}

enum pm_status server_start(struct server **out, struct app *app,
			    struct pm_error *err)
{
	const struct pm_config *cfg = app->cfg;
	struct server *srv = xcalloc(1, sizeof(*srv));
	struct addrinfo hints = { 0 }, *ai = NULL;
	char port[8];
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG;
	int gai;

	*out = NULL;
	srv->app = app;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", cfg->port);
	if ((gai = getaddrinfo(cfg->host, port, &hints, &ai)) != 0) {
		free(srv);
		return pm_error_set(err, PM_INVALID, "--listen", 0,
				    "cannot use address '%s': %s", cfg->host,
				    gai_strerror(gai));
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv, MHD_OPTION_SOCK_ADDR,
		ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!srv->daemon) {
		free(srv);
		return pm_error_set(err, PM_IO, "--listen", 0,
				    "cannot listen on %s (in use, or not an "
				    "address of this machine?)",
				    cfg->listen);
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	*out = srv;
	return PM_OK;
}

unsigned server_port(const struct server *srv)
{
	return srv->port;
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
