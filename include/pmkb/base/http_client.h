/*
 * The one HTTP client (libcurl): send a request (POST unless told
 * otherwise), read the answer. Hardened
 * the same way for every caller: only http and https, no redirects, no
 * signals, a connect and a total timeout, the answer's body kept up to a
 * bound (never written to stdout), and whether the request was sent.
 */
#ifndef PMKB_BASE_HTTP_CLIENT_H
#define PMKB_BASE_HTTP_CLIENT_H

#include <stddef.h>

#include "pmkb/base/buf.h"

struct wake;

/* How long a stopped worker's exchange may go on (see cancel). */
#define HTTP_CLIENT_STOP_GRACE_MS 5000

/* Bytes of an answer's body kept; the rest is read and dropped. */
#define HTTP_CLIENT_MAX_BODY (16 * 1024)

struct http_client;

struct http_post {
	const char *method; /* NULL: POST; "GET" sends no body */
	const char *url;
	const char *content_type;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const char *body;
	size_t len;
	long timeout_ms;	 /* the whole exchange */
	long connect_timeout_ms; /* 0: min(timeout_ms, 5000) */
	const char *user_agent;	 /* NULL: "pmkb/<version>" */
	size_t max_body; /* bytes of the answer kept; 0: HTTP_CLIENT_MAX_BODY */
	/* When set, the exchange is abandoned HTTP_CLIENT_STOP_GRACE_MS after
	 * wake_stop() on it: a post in progress may still finish, but a
	 * worker's shutdown never waits out a slow peer's timeout. */
	struct wake *cancel;
};

/* How far a request got. */
enum http_outcome {
	HTTP_ANSWERED, /* an HTTP status came back (any status) */
	HTTP_NOT_SENT, /* no connection, or it failed before the whole body
			  went */
	HTTP_NO_ANSWER /* the whole body was sent, no status came: it may have
			  been acted on */
};

struct http_answer {
	enum http_outcome outcome;
	long status;		/* HTTP_ANSWERED: the status */
	struct buf body;	/* its start (max_body) */
	size_t max_body;	/* what body keeps at most */
	char retry_after[64];	/* the raw Retry-After value, or "" */
	char error[256];	/* else: what went wrong */
};

/* A client whose connection is reused between posts; owned. NULL when
 * libcurl cannot start. */
struct http_client *http_client_new(void);
void http_client_free(struct http_client *c);

/* Sends p; fills a (release with http_answer_release). Returns
 * a->outcome. */
enum http_outcome http_client_post(struct http_client *c,
				   const struct http_post *p,
				   struct http_answer *a);

/* One post on a client of its own. */
enum http_outcome http_post_once(const struct http_post *p,
				 struct http_answer *a);

void http_answer_release(struct http_answer *a);

/* An HTTP date (RFC 7231: "Wed, 21 Oct 2015 07:28:00 GMT") in seconds
 * since 1970, or -1. */
long long http_date_parse(const char *s);

#endif
