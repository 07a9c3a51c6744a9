/*
 * The per-request state and the reply that handlers fill. Handlers never
 * see libmicrohttpd: they read a struct request and fill a struct reply;
 * server.c adds the security headers, ETags and logging.
 */
#ifndef PMKB_HTTP_REQUEST_H
#define PMKB_HTTP_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/status.h"
#include "pmkb/http/auth.h"

struct app;
struct MHD_Connection;
struct conn;

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
	struct conn *track;	   /* its connection (http/conns.h) */
	struct reply *rep;	   /* owned: a worker's, to be queued */
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

/*
 * Whether a browser sent this state-changing request (not GET, HEAD or
 * OPTIONS) from a page of another site. Browsers say where a request
 * comes from in Sec-Fetch-Site, which pages cannot set, and older ones in
 * Origin: anything but "same-origin" or "none" in the first, or without
 * it an Origin whose host[:port] is neither Host nor X-Forwarded-Host
 * (a proxy that rewrites Host), is cross-site. A client that sends
 * neither (curl, webhooks, Slack) is not a browser and is not refused.
 */
int request_cross_site(const struct request *req);

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

#endif
