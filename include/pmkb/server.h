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
#include <stdint.h>

#include "pmkb/buf.h"
#include "pmkb/status.h"

struct pm_config;
struct store;
struct taxonomy;
struct MHD_Connection;
struct outbox_worker;
struct outbox_context;
struct syncer;

/* What every handler can reach, passed through libmicrohttpd's closure. */
struct app {
	const struct pm_config *cfg;
	struct store *store;
	char *public_url; /* without a trailing slash */
	/* The settings in force; replaced by a sync, hence the lock. */
	pthread_rwlock_t tax_lock;
	struct taxonomy *tax;
	/*
	 * Slack (slack.c, outbox.c), configured from the environment only:
	 * the signing secret (PMKB_SLACK_SIGNING_SECRET), the delivery
	 * worker (with PMKB_SLACK_WEBHOOK_URL) and what incremental syncs
	 * announce. Each is NULL when not configured.
	 */
	char *slack_secret;
	struct outbox_worker *outbox;
	const struct outbox_context *announce;
	/* The git syncer (syncer.h) with --repo, else NULL. */
	struct syncer *syncer;
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
	int allow_post;		  /* 405: which methods to announce */
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
 * Starts listening on cfg->host:cfg->port and serving app. Returns
 * PM_IO with a message when the address cannot be used.
 */
enum pm_status server_start(struct server **out, struct app *app,
			    struct pm_error *err);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct server *srv);
/* Stops accepting, finishes in-flight requests, frees srv. */
void server_stop(struct server *srv);

#endif
