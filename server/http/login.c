/* GET /login (the form), POST /login and POST /logout. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/form.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/http/app.h"
#include "pmkb/http/auth.h"
#include "pmkb/http/metrics.h"
#include "pmkb/http/request.h"
#include "pmkb/http/routes.h"

/*
 * Where to go after logging in: a path on this site only ("/p/x"), never
 * "//host" or "/\host", which browsers take for another site.
 */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strlen(next) > 512)
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "/";
	return next;
}

/* The form; the style sheet is the UI's (a public route). */
static void login_form(struct reply *rep, int status, const char *next,
		       const char *message)
{
	struct buf *b = &rep->body;

	rep->status = status;
	rep->content_type = "text/html; charset=utf-8";
	buf_reset(b);
	buf_addstr(b, "<!doctype html>\n<html lang=\"en\"><head>"
		      "<meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width,"
		      " initial-scale=1\">"
		      "<title>Sign in · pmkb</title>"
		      "<link rel=\"stylesheet\" href=\"/app.css\"></head>\n"
		      "<body><main class=\"login\"><h1>pmkb</h1>\n");
	if (message) {
		buf_addstr(b, "<p class=\"error\" role=\"alert\">");
		buf_add_html(b, message, strlen(message));
		buf_addstr(b, "</p>\n");
	}
	buf_addstr(b, "<form method=\"post\" action=\"/login\">"
		      "<input type=\"hidden\" name=\"next\" value=\"");
	buf_add_html(b, next, strlen(next));
	buf_addstr(b, "\"><label>Access token "
		      "<input name=\"token\" type=\"password\" required "
		      "autofocus autocomplete=\"current-password\" "
		      "spellcheck=\"false\"></label> "
		      "<button type=\"submit\">Sign in</button></form>\n"
		      "<p>Ask an administrator for a token: <code>pmkb token "
		      "create NAME</code>.</p></main></body></html>\n");
}

static void input_of(const struct request *req, struct auth_input *in)
{
	memset(in, 0, sizeof(*in));
	in->peer = req->peer;
	in->authorization = request_header(req, "Authorization");
	in->cookie = request_header(req, "Cookie");
	in->forwarded_for = request_header(req, "X-Forwarded-For");
	in->forwarded_proto = request_header(req, "X-Forwarded-Proto");
}

void auth_login_page(struct request *req, struct reply *rep)
{
	login_form(rep, 200, safe_next(request_arg(req, "next")), NULL);
}

void auth_login_post(struct request *req, struct reply *rep)
{
	struct auth *a = req->app->auth;
	struct form form = { 0 };
	struct auth_input in;
	struct auth_result res;
	struct pm_error err;
	char sid[AUTH_SESSION_LEN + 1];
	const char *next = "/", *token;
	struct buf c = BUF_INIT;
	enum pm_status st;

	pm_error_clear(&err);
	if (!a) {
		reply_error(rep, 503, "access control is not set up");
		goto out;
	}
	if (form_parse(&form, req->body.ptr, req->body.len, &err) !=
	    PM_OK) {
		login_form(rep, 400, "/", "The form could not be read.");
		goto out;
	}
	next = safe_next(form_get(&form, "next"));
	token = form_get(&form, "token");
	input_of(req, &in);
	st = auth_login(a, &in, token, sid, &res);
	if (st != PM_OK) {
		login_form(rep, 503, next, "The server cannot sign you in "
					   "right now; try again.");
		goto out;
	}
	if (res.verdict == AUTH_LIMITED) {
		metrics_auth_failed(req->app->metrics, 1);
		login_form(rep, 429, next, "Too many failed attempts; wait a "
					   "minute.");
		rep->retry_after = res.retry_after;
		goto out;
	}
	if (res.verdict != AUTH_ALLOW) {
		metrics_auth_failed(req->app->metrics, 0);
		login_form(rep, 401, next, "That token is not valid.");
		goto out;
	}
	auth_cookie(&c, sid, auth_session_ttl(a), res.https);
	sodium_memzero(sid, sizeof(sid));
	rep->set_cookie = buf_detach(&c, NULL);
	rep->status = 303;
	rep->location = xstrdup(next);
	buf_reset(&rep->body);
out:
	if (form.v)
		for (size_t i = 0; i < form.n; i++)
			if (form.v[i].value)
				sodium_memzero(form.v[i].value,
					       strlen(form.v[i].value));
	form_release(&form);
	buf_release(&c);
}

void auth_logout_post(struct request *req, struct reply *rep)
{
	struct buf c = BUF_INIT;

	if (req->app->auth)
		auth_logout(req->app->auth, request_header(req, "Cookie"));
	auth_cookie(&c, NULL, 0, req->auth.https);
	rep->set_cookie = buf_detach(&c, NULL);
	rep->status = 303;
	rep->location = xstrdup("/login");
	buf_reset(&rep->body);
}
