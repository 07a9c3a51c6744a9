/*
 * libmicrohttpd glue: the request lifecycle, caps, access control,
 * headers, metrics and logs.
 *
 * Lifecycle of a connection (http/conns.h keeps the table):
 *   accept     the policy refuses it (closes at once) past
 *              --max-connections, or --max-per-ip from one address
 *   started    tracked, with a deadline to send a whole request
 *              (--request-timeout); the reaper answers 408 and closes
 *              connections past their deadline (slow clients)
 *   closed     untracked
 *
 * Lifecycle of a request:
 *   URI seen   allocate struct request (the URI log callback: it alone sees
 *              the raw URI, so --max-url is checked on it)
 *   1st call   nothing is queued (queueing on the first call makes
 *              libmicrohttpd 0.9.75 drop keep-alive: PERF.md), except
 *              for a declared body over the limit
 *   upload     append to the body up to max_body; past it, answer 413
 *   last call  a read (GET, HEAD): answered at once, on this thread.
 *              Anything else: the connection is suspended and the request
 *              handed to a worker (http/workers.h), which routes it,
 *              checks access, runs the handler and resumes the connection
 *   resumed    queue the worker's reply
 *   completed  count it, free the request, restart the deadline
 *
 * Shutdown (server_stop): refuse new connections, let requests in flight finish
 * for --shutdown-timeout (answers then say Connection: close), then stop
 * the daemon, which closes what is left.
 */
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pmkb/http/auth.h"
#include "pmkb/base/config.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/log.h"
#include "pmkb/http/conns.h"
#include "pmkb/http/metrics.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/server.h"
#include "pmkb/http/workers.h"
#include "pmkb/base/xalloc.h"

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
	struct conns *conns; /* open connections and their deadlines */
	atomic_int in_flight; /* requests seen and not completed */
	atomic_int stopping;  /* answers say Connection: close */
	struct auth *auth;
	struct metrics *metrics;
	struct workers *workers; /* run the handlers (--threads) */
};

/*
 * The Cache-Control a reply goes out with. When reading needs credentials
 * (--auth token or proxy) an answer is somebody's: a handler's "public"
 * becomes "private" and anything else cacheable gets "private" in front,
 * so no shared cache or proxy stores it for the next reader. Writes into
 * buf (size n) when it has to rewrite.
 */
static const char *cache_control_for(struct server *srv,
				      const struct reply *rep, char *buf,
				      size_t n)
{
	const char *cc = rep->cache_control;

	if (!cc)
		return "no-store";
	if (auth_get_mode(srv->auth) == AUTH_OPEN ||
	    strstr(cc, "no-store") || strstr(cc, "private"))
		return cc;
	if (strncmp(cc, "public", 6) == 0)
		snprintf(buf, n, "private%s", cc + 6);
	else
		snprintf(buf, n, "private, %s", cc);
	return buf;
}

static void add_common_headers(struct server *srv, struct MHD_Response *r,
			       const struct request *req,
			       const struct reply *rep)
{
	char num[32];
	char cc[96];

	MHD_add_response_header(r, "Content-Type",
				rep->content_type
					? rep->content_type
					: "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control",
				cache_control_for(srv, rep, cc, sizeof(cc)));
	snprintf(num, sizeof(num), "%llu", (unsigned long long)req->id);
	MHD_add_response_header(r, "X-Request-Id", num);
	if (rep->etag)
		MHD_add_response_header(r, "ETag", rep->etag);
	if (rep->location)
		MHD_add_response_header(r, "Location", rep->location);
	if (rep->set_cookie)
		MHD_add_response_header(r, "Set-Cookie", rep->set_cookie);
	if (rep->retry_after > 0) {
		snprintf(num, sizeof(num), "%ld", rep->retry_after);
		MHD_add_response_header(r, "Retry-After", num);
	}
	if (rep->status == 401 && rep->www_authenticate)
		MHD_add_response_header(r, "WWW-Authenticate",
					"Bearer realm=\"pmkb\"");
	if (rep->status == 405 && rep->allow)
		MHD_add_response_header(r, "Allow", rep->allow);
	/* Draining before shutdown: let keep-alive clients move on. */
	if (atomic_load_explicit(&srv->stopping, memory_order_relaxed))
		MHD_add_response_header(r, "Connection", "close");
}

/*
 * One line per answered request at debug level; at info when it concerns
 * access (401, 403, 429), at error for 5xx. Never a query string, a body,
 * a cookie or a token.
 */
static void log_request(const struct request *req, int status)
{
	char id[24], st[8], ms[32];
	enum log_level level = LOG_DEBUG;

	if (status >= 500)
		level = LOG_ERROR;
	else if (status == 401 || status == 403 || status == 429)
		level = LOG_INFO;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
	snprintf(st, sizeof(st), "%d", status);
	snprintf(ms, sizeof(ms), "%.3f",
		 (double)(clock_ns() - req->started_ns) / 1e6);
	log_kv(level, "http", "id", id, "method",
	       req->method ? req->method : "?", "path",
	       req->path ? req->path : "?", "status", st, "ms", ms, "client",
	       req->auth.client, "who",
	       req->auth.who[0] ? req->auth.who : "-", NULL);
}

static enum MHD_Result queue(struct server *srv, struct request *req,
			     struct reply *rep)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *inm = request_header(req, "If-None-Match");

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
	add_common_headers(srv, r, req, rep);
	ret = MHD_queue_response(req->conn, (unsigned)rep->status, r);
	MHD_destroy_response(r);
	req->status = rep->status;
	/* Answered: a slow handler is not a slow client. */
	if (req->track)
		conns_request_in(req->track);
	metrics_observe(srv->metrics, req->route, rep->status,
			clock_ns() - req->started_ns);
	log_request(req, rep->status);
	return ret;
}

/* Answers with an error at once, without routing. */
static enum MHD_Result answer(struct server *srv, struct request *req,
			      int status, const char *msg)
{
	struct reply rep = { 0 };
	enum MHD_Result ret;

	buf_init(&rep.body, 0);
	reply_error(&rep, status, "%s", msg);
	ret = queue(srv, req, &rep);
	buf_release(&rep.body);
	return ret;
}

static enum auth_scope scope_for(const struct route *r)
{
	if (!r)
		return AUTH_SCOPE_READ;
	switch (r->access) {
	case ROUTE_PUBLIC: return AUTH_SCOPE_NONE;
	case ROUTE_ADMIN: return AUTH_SCOPE_ADMIN;
	default: return AUTH_SCOPE_READ;
	}
}

/* Whether a person's browser asked for a page (not the API). */
static int wants_html(const struct request *req)
{
	const char *accept = request_header(req, "Accept");

	return !strcmp(req->method, "GET") && accept &&
	       strstr(accept, "text/html") &&
	       strncmp(req->path, "/api/", 5) && strcmp(req->path, "/metrics");
}

/*
 * Checks access for the matched route; returns 1 to go on, 0 when rep
 * holds the refusal.
 */
static int allowed(struct server *srv, struct request *req,
		   const struct route *r, struct reply *rep)
{
	struct auth_input in = { 0 };
	enum pm_status st;

	in.peer = req->peer;
	in.authorization = request_header(req, "Authorization");
	in.cookie = request_header(req, "Cookie");
	in.forwarded_for = request_header(req, "X-Forwarded-For");
	in.forwarded_proto = request_header(req, "X-Forwarded-Proto");
	if (auth_get_mode(srv->auth) == AUTH_PROXY)
		in.identity = request_header(req, srv->app->cfg->proxy_header);
	st = auth_check(srv->auth, &in, scope_for(r), &req->auth);
	if (st != PM_OK) {
		reply_error(rep, 503, "cannot check access right now; retry");
		return 0;
	}
	switch (req->auth.verdict) {
	case AUTH_ALLOW:
		return 1;
	case AUTH_LIMITED:
		metrics_auth_failed(srv->metrics, 1);
		reply_error(rep, 429, "too many failed authentications from "
				      "this address; retry later");
		rep->retry_after = req->auth.retry_after;
		return 0;
	case AUTH_FORBIDDEN:
		reply_error(rep, 403, "this needs a token with the admin "
				      "scope");
		return 0;
	case AUTH_DENIED:
		metrics_auth_failed(srv->metrics, 0);
		reply_error(rep, 401, "the token is not valid");
		rep->www_authenticate = 1;
		return 0;
	default:
		break;
	}
	if (wants_html(req)) {
		struct buf loc = BUF_INIT;

		buf_addstr(&loc, "/login?next=");
		buf_add_urlencoded(&loc, req->path);
		rep->status = 303;
		rep->location = buf_detach(&loc, NULL);
		buf_reset(&rep->body);
		return 0;
	}
	reply_error(rep, 401, "sign in: send 'Authorization: Bearer TOKEN' "
			      "(pmkb token create) or log in at /login");
	rep->www_authenticate = 1;
	return 0;
}

/*
 * Refuses a state-changing request that a browser sent from another site
 * (request_cross_site): a form on any page can POST to /login, and the
 * victim would end up signed in as the attacker. Returns 1 to go on, 0
 * when rep holds the refusal.
 */
static int same_site(const struct request *req, struct reply *rep)
{
	if (!request_cross_site(req))
		return 1;
	reply_error(rep, 403, "cross-site request refused: %s %s must come "
			      "from pmkb's own pages",
		    req->method, req->path);
	return 0;
}

static void dispatch(struct server *srv, struct request *req,
		     struct reply *rep)
{
	const struct route *r;
	const char *allow;

	r = routes_match(req->method, req->path, req->param,
			 sizeof(req->param), &allow);
	req->route = r ? (int)(r - routes) : -1;
	if (!same_site(req, rep) || !allowed(srv, req, r, rep))
		return;
	if (r) {
		r->fn(req, rep);
	} else if (allow) {
		rep->allow = allow;
		reply_error(rep, 405, "method %s is not allowed here (%s)",
			    req->method, allow);
	} else {
		reply_error(rep, 404, "no such page: %s", req->path);
	}
}

/* Frees what a reply owns. */
static void reply_clear(struct reply *rep)
{
	buf_release(&rep->body);
	free(rep->location);
	free(rep->set_cookie);
}

/*
 * A worker's job: a whole request, its connection suspended. Once resumed,
 * the connection is libmicrohttpd's again and req may be gone.
 */
static void run_request(void *job)
{
	struct request *req = job;

	dispatch(req->app->server, req, req->rep);
	MHD_resume_connection(req->conn);
}

/*
 * Reads are answered by the thread that read them. None waits for a lock
 * another request holds for long (the index's readers never wait for its
 * writer, session lookups have a connection of their own), so liveness
 * and searches are never queued behind logins, webhooks or Slack
 * commands, which wait for SQLite's write locks in the workers. Handing
 * a search to a worker cost 0.13-0.45 ms at 10,000 documents (the
 * connection suspended and resumed, two threads woken).
 */
static int answered_at_once(const struct request *req)
{
	return !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
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

/* Adds up the size of the request's headers, as sent ("Name: value\r\n"). */
static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind,
				       const char *key, size_t key_size,
				       const char *value, size_t value_size)
{
	size_t *total = cls;

	*total += key_size + value_size + 4;
	return MHD_YES;
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/*
 * The URI log callback: the first thing libmicrohttpd reports of a
 * request, with the URI as sent (path and query, still encoded). Its
 * return value becomes *req_cls.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct server *srv = cls;
	struct request *req = xcalloc(1, sizeof(*req));
	const union MHD_ConnectionInfo *ci;

	req->conn = conn;
	req->app = srv->app;
	req->id = atomic_fetch_add(&srv->next_id, 1) + 1;
	req->started_ns = clock_ns();
	req->uri_len = uri ? strlen(uri) : 0;
	/*
	 * libmicrohttpd decodes the path into a C string: "%00" would cut it
	 * short and "/app.js%00.png" would be served as "/app.js".
	 */
	if (uri) {
		size_t path_len = strcspn(uri, "?");

		for (size_t i = 0; i + 2 < path_len && !req->nul_in_path; i++)
			req->nul_in_path = uri[i] == '%' && uri[i + 1] == '0' &&
					   uri[i + 2] == '0';
	}
	req->route = -1;
	req->track = conn_of(conn);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	req->peer = ci ? ci->client_addr : NULL;
	if (req->track)
		snprintf(req->auth.client, sizeof(req->auth.client), "%s",
			 conns_client(req->track));
	buf_init(&req->body, 0);
	atomic_fetch_add(&srv->in_flight, 1);
	return req;
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

	if (!req) /* no URI callback: cannot happen, but be safe */
		*req_cls = req = on_uri(srv, NULL, conn);
	if (!req->seen) {
		const char *cl = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "Content-Length");
		size_t headers = 0;

		req->seen = 1;
		req->method = method;
		req->path = url;
		/*
		 * Limits that need no body are answered at once: that costs
		 * keep-alive (PERF.md), which such a client does not deserve.
		 */
		if (req->uri_len > (size_t)srv->app->cfg->max_url)
			return answer(srv, req, 414, "the URL is too long");
		if (req->nul_in_path)
			return answer(srv, req, 400,
				      "the path contains a NUL byte");
		/*
		 * libmicrohttpd's own limit is its memory pool, a little
		 * larger (it answers 431 or 414 itself past it); this one is
		 * the documented --max-header.
		 */
		MHD_get_connection_values_n(conn, MHD_HEADER_KIND,
					    add_header_size, &headers);
		if (headers > (size_t)srv->app->cfg->max_header)
			return answer(srv, req, 431,
				      "the request headers are too large");
		if (cl && strtoull(cl, NULL, 10) > max_body) {
			req->body_too_large = 1;
			return answer(srv, req, 413,
				      "the request body is too large");
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
	if (req->status) /* answered on the first call */
		return MHD_YES;
	if (req->rep) { /* resumed: the worker has filled the reply */
		ret = queue(srv, req, req->rep);
		reply_clear(req->rep);
		free(req->rep);
		req->rep = NULL;
		return ret;
	}
	if (req->body_too_large)
		return answer(srv, req, 413, "the request body is too large");
	{
		int nul = 0;

		MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND,
					    find_nul, &nul);
		if (nul)
			return answer(srv, req, 400, "a parameter contains a "
						     "NUL byte");
	}
	if (!answered_at_once(req)) {
		req->rep = xcalloc(1, sizeof(*req->rep));
		buf_init(&req->rep->body, 0);
		req->rep->status = 200;
		/* All in: a slow handler is not a slow client. */
		if (req->track)
			conns_request_in(req->track);
		MHD_suspend_connection(conn);
		workers_push(srv->workers, req);
		return MHD_YES;
	}
	buf_init(&rep.body, 0);
	rep.status = 200;
	if (req->track)
		conns_request_in(req->track);
	dispatch(srv, req, &rep);
	ret = queue(srv, req, &rep);
	reply_clear(&rep);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode code)
{
	struct server *srv = cls;
	struct request *req = *req_cls;

	if (!req)
		return;
	/*
	 * A connection kept alive is closed by libmicrohttpd's idle timeout
	 * when nothing comes; one that trickles a next request has the idle
	 * time plus the request timeout to deliver it whole. (No 408 for a
	 * connection that merely sat idle: libmicrohttpd closes it first.)
	 */
	if (req->track)
		conns_request_done(srv->conns, req->track);
	atomic_fetch_sub(&srv->in_flight, 1);
	if (req->rep) {
		reply_clear(req->rep);
		free(req->rep);
	}
	buf_release(&req->body);
	free(req);
	*req_cls = NULL;
}

/* Refuses a connection past the limits (http/conns.h). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen)
{
	struct server *srv = cls;
	struct net_addr a;
	enum conns_verdict v;

	/* Stopping: new connections are closed at once (see server_stop). */
	if (atomic_load(&srv->stopping))
		return MHD_NO;
	net_addr_from_sockaddr(&a, addr);
	v = conns_admit(srv->conns, &a);
	if (v == CONNS_ADMIT)
		return MHD_YES;
	metrics_refused(srv->metrics, v == CONNS_PER_ADDRESS);
	log_kv(LOG_INFO, "http.refused", "client", a.text, "why",
	       v == CONNS_PER_ADDRESS ? "per-address limit"
				      : "connection limit",
	       NULL);
	return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *connection,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
			connection, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad = MHD_get_connection_info(
			connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		*socket_context = conns_add(srv->conns,
					    fd ? fd->connect_fd : -1,
					    ad ? ad->client_addr : NULL);
		return;
	}
	/* Reported before libmicrohttpd closes the socket (conns.h). */
	if (*socket_context)
		conns_remove(srv->conns, *socket_context);
	*socket_context = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;

	buf_vaddf(&msg, fmt, ap);
	buf_trim(&msg);
	log_kv(LOG_DEBUG, "http.daemon", "msg", msg.ptr, NULL);
	buf_release(&msg);
}

static int is_loopback(const struct sockaddr *sa)
{
	struct net_addr a;

	net_addr_from_sockaddr(&a, sa);
	return net_addr_is_loopback(&a);
}

/* Frees what server_start made (the daemon already stopped). */
static void server_free(struct server *srv)
{
	if (!srv)
		return;
	conns_free(srv->conns);
	workers_stop(srv->workers);
	if (srv->app) {
		srv->app->auth = NULL;
		srv->app->metrics = NULL;
		srv->app->server = NULL;
	}
	auth_free(srv->auth);
	metrics_free(srv->metrics);
	free(srv);
}

enum pm_status server_start(struct server **out, struct app *app,
			    struct pm_error *err)
{
	const struct pm_config *cfg = app->cfg;
	struct server *srv = xcalloc(1, sizeof(*srv));
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct auth_settings as;
	struct conns_limits lim;
	char port[8];
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	int gai, n_routes = 0;
	enum pm_status rc = PM_OK;

	*out = NULL;
	srv->app = app;
	lim.max_connections = (unsigned)cfg->max_connections;
	lim.max_per_ip = (unsigned)cfg->max_per_ip;
	lim.request_timeout_ns = (int64_t)cfg->request_timeout * 1000000000;
	lim.idle_ns = (int64_t)cfg->timeout * 1000000000;
	while (routes[n_routes].method)
		n_routes++;
	srv->metrics = metrics_new(n_routes);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", cfg->port);
	if ((gai = getaddrinfo(cfg->host, port, &hints, &ai)) != 0) {
		rc = pm_error_set(err, PM_INVALID, "--listen", 0,
				  "cannot use address '%s': %s", cfg->host,
				  gai_strerror(gai));
		goto out;
	}
	if ((rc = auth_settings_from_config(&as, cfg, err)) != PM_OK)
		goto out;
	/* Postmortems are sensitive: open access stays on this machine. */
	if (as.mode == AUTH_OPEN && !is_loopback(ai->ai_addr) &&
	    !cfg->allow_open_network) {
		rc = pm_error_set(err, PM_INVALID, "--listen", 0,
				  "refusing to serve %s without access "
				  "control: use --auth token or --auth proxy, "
				  "or --allow-open-network if anyone who can "
				  "reach it may read every postmortem",
				  cfg->listen);
		goto out;
	}
	if ((rc = auth_new(&srv->auth, app->store, &as, err)) != PM_OK)
		goto out;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	app->auth = srv->auth;
	app->metrics = srv->metrics;
	app->server = srv;
	if ((rc = conns_new(&srv->conns, &lim, srv->metrics, err)) != PM_OK)
		goto out;
	if ((rc = workers_start(&srv->workers, (unsigned)cfg->threads,
				run_request, err)) != PM_OK)
		goto out;
	/*
	 * The connection limits are enforced by on_accept, which can count
	 * per address and report refusals; libmicrohttpd's own limit (split
	 * among its workers) is only a backstop above ours.
	 */
	srv->daemon = MHD_start_daemon(
		flags, 0, on_accept, srv, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)cfg->max_connections * 2 + 16,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)cfg->max_header + 16384,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_END);
	if (!srv->daemon) {
		rc = pm_error_set(err, PM_IO, "--listen", 0,
				  "cannot listen on %s (in use, or not an "
				  "address of this machine?)",
				  cfg->listen);
		goto out;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : cfg->port;
	log_kv(LOG_INFO, "http.listen", "address", cfg->listen, "auth",
	       cfg->auth, NULL);
	*out = srv;
	srv = NULL;
out:
	if (ai)
		freeaddrinfo(ai);
	server_free(srv);
	return rc;
}

unsigned server_port(const struct server *srv)
{
	return srv->port;
}

void server_counts(struct server *srv, unsigned *connections,
		   unsigned *in_flight)
{
	*connections = conns_count(srv->conns);
	*in_flight = (unsigned)atomic_load(&srv->in_flight);
}

void server_stop(struct server *srv)
{
	int64_t until;
	char left[16];

	if (!srv)
		return;
	/*
	 * No MHD_quiesce_daemon(): with epoll and a thread pool it races a
	 * worker removing the same listen socket and libmicrohttpd aborts
	 * ("Failed to remove listen FD from epoll set"). on_accept closes
	 * every new connection instead; the socket closes with the daemon.
	 */
	atomic_store(&srv->stopping, 1);
	until = clock_ns() + (int64_t)srv->app->cfg->shutdown_timeout *
				   1000000000;
	while (atomic_load(&srv->in_flight) > 0 && clock_ns() < until) {
		struct timespec ts = { 0, 20 * 1000000L };

		nanosleep(&ts, NULL);
	}
	snprintf(left, sizeof(left), "%d", atomic_load(&srv->in_flight));
	log_kv(LOG_INFO, "http.drained", "unfinished", left, NULL);
	/*
	 * The workers finish what they hold and resume those connections
	 * first: libmicrohttpd must not be stopped with any suspended.
	 */
	workers_stop(srv->workers);
	srv->workers = NULL;
	MHD_stop_daemon(srv->daemon);
	server_free(srv);
}
