/*
 * The HTTP server (libmicrohttpd: internal polling thread, epoll, a thread
 * pool), the per-request state, and the reply that handlers fill.
 *
 * Handlers never see libmicrohttpd: they read a struct request and fill a
 * struct reply; server.c adds the security headers, ETags and logging.
 */
#ifndef PMKB_SERVER_H
#define PMKB_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pmkb/http/auth.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/status.h"

struct pm_config;
struct store;
struct taxonomy;
struct MHD_Connection;
struct outbox_worker;
struct slack;
struct outbox_context;
struct syncer;
struct server;
struct server_conn;
struct metrics;

/* What every handler can reach, passed through libmicrohttpd's closure. */
struct app {
	const struct pm_config *cfg;
	struct store *store;
	char *public_url; /* without a trailing slash */
	/* The settings in force (doc/settings.h), replaced by a sync. */
	struct settings *settings;
	/*
	 * Slack (slack.c, outbox.c), with its secrets from the environment
	 * only: the slash command (with PMKB_SLACK_SIGNING_SECRET), the
	 * delivery worker (with PMKB_SLACK_WEBHOOK_URL) and what incremental
	 * syncs announce. Each is NULL when not configured.
	 */
	struct slack *slack;
	struct outbox_worker *outbox;
	struct outbox_context *announce;
	/* The git syncer (syncer.h) with --repo, else NULL. */
	struct syncer *syncer;
	/* Recent search answers (searchcache.h); NULL: --search-cache 0. */
	struct search_cache *search_cache;
	/*
	 * Operations. server_start() creates auth and metrics and sets
	 * server; import_* describe the import of --dir that cmd_serve ran
	 * without --repo (for /metrics; the syncer reports its own).
	 */
	struct server *server;
	struct auth *auth;
	struct metrics *metrics;
	int64_t import_at;	/* seconds since 1970; 0: none */
	int import_ok;
	double import_seconds;
};

/* Per-request state, freed when libmicrohttpd reports completion. */
struct request {
	struct MHD_Connection *conn;
	struct app *app;
	const char *method;
	const char *path;   /* decoded, without the query string */
	char param[512];    /* the {slug} of the route, when it has one */
	struct buf body;    /* raw body, at most cfg->max_body bytes */
	int body_too_large; /* more was sent; the body was dropped */
	size_t discarded;   /* bytes read past the limit */
	uint64_t id;	    /* for logs */
	int64_t started_ns;
	const struct sockaddr *peer; /* the socket's address (libmicrohttpd) */
	int route;		     /* index in routes[], -1: none matched */
	struct auth_result auth;     /* who asks; filled before routing */
	/* server.c's own. */
	size_t uri_len;		   /* path and query as sent */
	int seen;		   /* the first call has happened */
	int nul_in_path;	   /* "%00" in the path as sent */
	int status;		   /* answered with this status */
	struct server_conn *track; /* its connection's deadline */
};

struct reply {
	int status;
	const char *content_type; /* static */
	struct buf body;
	const char *static_body;  /* instead of body, for embedded files */
	size_t static_len;
	const char *etag;	  /* static, or NULL */
	const char *cache_control;
	char *location;		  /* owned; for redirects */
	const char *allow;	  /* 405: the methods the path takes */
	char *set_cookie;	  /* owned; a Set-Cookie value, or NULL */
	long retry_after;	  /* > 0: a Retry-After header (seconds) */
	int www_authenticate;	  /* 401: announce the Bearer scheme */
};

/* A query-string argument (decoded) or NULL. */
const char *request_arg(const struct request *req, const char *name);
/* A request header or NULL. */
const char *request_header(const struct request *req, const char *name);

/* Sets a JSON reply; takes (steals) j. */
void reply_json(struct reply *rep, int status, json_t *j);
/* Sets {"error": message} with status. */
void reply_error(struct reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The HTTP status for a pm_status. */
int reply_http_status(enum pm_status st);
/* An error reply for st with err's message (or a generic one). */
void reply_status(struct reply *rep, enum pm_status st,
		  const struct pm_error *err);

struct server;

/*
 * Starts listening on cfg->host:cfg->port and serving app, and sets
 * app->server, app->auth and app->metrics (until server_stop). Returns
 * PM_IO with a message when the address cannot be used, PM_INVALID for
 * a bad access setting or --auth open on a non-loopback address without
 * --allow-open-network.
 */
enum pm_status server_start(struct server **out, struct app *app,
			    struct pm_error *err);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct server *srv);
/* Open connections and requests being read or answered now. */
void server_counts(struct server *srv, unsigned *connections,
		   unsigned *in_flight);
/*
 * Stops listening, waits up to cfg->shutdown_timeout for the requests in
 * flight (their answers say Connection: close), then closes every
 * connection and frees srv (may be NULL).
 */
void server_stop(struct server *srv);

/*
 * SIGINT and SIGTERM for pmkb serve. server_signals_start() blocks both in
 * the calling thread, so in every thread started after it, and starts a
 * thread that waits for them: the first is recorded, and a second one
 * ends the process at once (status 128 + the signal), whatever the first
 * was waiting for. Signals are process-wide, hence this one piece of
 * global state.
 */
void server_signals_start(void);
/* The first signal received, or 0. */
int server_signals_pending(void);
/* Waits for the first signal and returns it. */
int server_signals_wait(void);

#endif
