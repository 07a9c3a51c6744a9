/*
 * GET /login (the form, in English or Japanese), POST /login, POST /logout
 * and GET /api/session (how the asker is signed in, for the UI's "Sign
 * out").
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The page's words, in English and Japanese. */
enum login_text {
	L_TITLE,
	L_TOKEN,
	L_SIGN_IN,
	L_ASK,
	L_BAD_FORM,
	L_UNAVAILABLE,
	L_LIMITED,
	L_INVALID,
	L__MAX
};
static const char *const login_texts[2][L__MAX] = {
	{ "Sign in", "Access token", "Sign in",
	  "Ask an administrator for a token:",
	  "The form could not be read.",
	  "The server cannot sign you in right now; try again.",
	  "Too many failed attempts; wait a minute.",
	  "That token is not valid." },
	{ "ログイン", "アクセストークン", "ログイン",
	  "トークンは管理者に発行してもらってください:",
	  "フォームを読み取れませんでした。",
	  "現在ログインできません。しばらくしてから再度お試しください。",
	  "失敗が続いたため一時的に制限しています。1 分ほど待ってください。",
	  "このトークンは無効です。" },
};

/*
 * 1 for Japanese: lang=ja (the UI's choice, kept in the form), else a
 * browser whose first language is Japanese (Accept-Language: ja, ja-JP).
 */
static int login_ja(const struct request *req, const char *lang)
{
	const char *al;

	if (lang && *lang)
		return !strcmp(lang, "ja");
	al = request_header(req, "Accept-Language");
	while (al && (*al == ' ' || *al == '\t'))
		al++;
	return al && !strncasecmp(al, "ja", 2) &&
	       (!al[2] || strchr("-_,;", al[2]));
}

/* The form; the style sheet is the UI's (a public route). */
static void login_form(struct reply *rep, int status, const char *next,
		       int ja, enum login_text message)
{
	const char *const *tx = login_texts[ja];
	struct buf *b = &rep->body;

	rep->status = status;
	rep->content_type = "text/html; charset=utf-8";
	buf_reset(b);
	buf_addf(b, "<!doctype html>\n<html lang=\"%s\"><head>"
		    "<meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,"
		    " initial-scale=1\">"
		    "<title>%s · pmkb</title>"
		    "<link rel=\"stylesheet\" href=\"/app.css\"></head>\n"
		    "<body><main class=\"login\"><h1>pmkb</h1>\n",
		 ja ? "ja" : "en", tx[L_TITLE]);
	if (message != L__MAX)
		buf_addf(b, "<p class=\"error\" role=\"alert\">%s</p>\n",
			 tx[message]);
	buf_addstr(b, "<form method=\"post\" action=\"/login\">"
		      "<input type=\"hidden\" name=\"next\" value=\"");
	buf_add_html(b, next, strlen(next));
	buf_addf(b, "\"><input type=\"hidden\" name=\"lang\" value=\"%s\">"
		    "<label>%s "
		    "<input name=\"token\" type=\"password\" required "
		    "autofocus autocomplete=\"current-password\" "
		    "spellcheck=\"false\"></label> "
		    "<button type=\"submit\">%s</button></form>\n"
		    "<p>%s <code>pmkb token create NAME</code></p></main>"
		    "</body></html>\n",
		 ja ? "ja" : "en", tx[L_TOKEN], tx[L_SIGN_IN], tx[L_ASK]);
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
	login_form(rep, 200, safe_next(request_arg(req, "next")),
		   login_ja(req, request_arg(req, "lang")), L__MAX);
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
	int ja;

	pm_error_clear(&err);
	if (!a) {
		reply_error(rep, 503, "access control is not set up");
		goto out;
	}
	if (form_parse(&form, req->body.ptr, req->body.len, &err) !=
	    PM_OK) {
		login_form(rep, 400, "/", login_ja(req, NULL), L_BAD_FORM);
		goto out;
	}
	ja = login_ja(req, form_get(&form, "lang"));
	next = safe_next(form_get(&form, "next"));
	token = form_get(&form, "token");
	input_of(req, &in);
	st = auth_login(a, &in, token, sid, &res);
	if (st != PM_OK) {
		login_form(rep, 503, next, ja, L_UNAVAILABLE);
		goto out;
	}
	if (res.verdict == AUTH_LIMITED) {
		metrics_auth_failed(req->app->metrics, 1);
		login_form(rep, 429, next, ja, L_LIMITED);
		rep->retry_after = res.retry_after;
		goto out;
	}
	if (res.verdict != AUTH_ALLOW) {
		metrics_auth_failed(req->app->metrics, 0);
		login_form(rep, 401, next, ja, L_INVALID);
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

void auth_session_get(struct request *req, struct reply *rep)
{
	static const char *const modes[] = { "open", "token", "proxy" };
	const char *who = req->auth.who;
	int session = !strncmp(who, "session:", 8);
	struct auth *a = req->app->auth;

	reply_json(rep, 200,
		   json_pack("{s:s,s:b,s:s}", "mode",
			     modes[a ? auth_get_mode(a) : AUTH_OPEN], "session",
			     session, "who", who));
}
