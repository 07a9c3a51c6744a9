/* Reading a request and filling a reply: see include/pmkb/http/request.h. */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/jsonout.h"
#include "pmkb/base/utf8.h"
#include "pmkb/http/request.h"

const char *request_arg(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *request_header(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Whether Origin names a host other than the one the request went to. */
static int foreign_origin(const struct request *req, const char *origin)
{
	const char *names[] = { "Host", "X-Forwarded-Host" };
	const char *host = strstr(origin, "://");

	if (!host)
		return 1; /* "null": a sandboxed frame, a data: URL */
	host += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *h = request_header(req, names[i]);

		if (h && !strcasecmp(h, host))
			return 0;
	}
	return 1;
}

int request_cross_site(const struct request *req)
{
	const char *site, *origin;

	if (!strcmp(req->method, "GET") || !strcmp(req->method, "HEAD") ||
	    !strcmp(req->method, "OPTIONS"))
		return 0;
	site = request_header(req, "Sec-Fetch-Site");
	if (site)
		return strcmp(site, "same-origin") && strcmp(site, "none");
	origin = request_header(req, "Origin");
	return origin && foreign_origin(req, origin);
}

void reply_json(struct reply *rep, int status, json_t *j)
{
	rep->status = status;
	rep->content_type = "application/json; charset=utf-8";
	buf_reset(&rep->body);
	/* Escaped slashes keep "</script>" inert if JSON lands in HTML. */
	if (jsonout_add(&rep->body, j, 0))
		buf_reset(&rep->body);
	json_decref(j);
}

void reply_error(struct reply *rep, int status, const char *fmt, ...)
{
	struct buf msg = BUF_INIT, fixed;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* A message may quote what the client sent, valid UTF-8 or not. */
	buf_init(&fixed, msg.len);
	utf8_repair(&fixed, msg.ptr, msg.len);
	reply_json(rep, status, json_pack("{s:s}", "error", fixed.ptr));
	buf_release(&fixed);
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
