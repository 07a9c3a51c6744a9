/*
 * The Slack slash command.
 *
 * Map: verification (timestamp window, HMAC through sig.c) → the form
 * parser → the command line ("share" taken off either end, then the first
 * word picks the command) → one function per command filling a Block Kit
 * answer → the reply, which Slack wants as HTTP 200 even for "no results"
 * or a bad query, so those are messages, not error statuses.
 *
 * Nothing before slack_verify() looks at the body beyond its length, and
 * neither the secret nor any signature is ever logged.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/doc/settings.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/log.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/http/routes.h"
#include "pmkb/search/searcher.h"
#include "pmkb/http/server.h"
#include "pmkb/base/sig.h"
#include "pmkb/search/similar.h"
#include "pmkb/slack/slack.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* Results shown for a search or `latest`, action items for `actions`. */
#define SHOWN_RESULTS 5
#define SHOWN_ACTIONS 10
#define STR_(x) #x
#define STR(x) STR_(x)
/* Periods in the `stats` table, and causes (rows) before "(other)". */
#define STATS_PERIODS 4
#define STATS_CAUSES 12
/* Byte budgets that keep every section under Slack's 3000 characters. */
#define MAX_TITLE 300
#define MAX_SNIPPET 400
#define MAX_QUERY 200

/* ---- verification ---- */

enum pm_status slack_check_timestamp(const char *timestamp, int64_t now)
{
	int64_t ts = 0;
	const char *p = timestamp;

	if (!p || !*p)
		return PM_UNAUTHORIZED;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || p - timestamp >= 12)
			return PM_UNAUTHORIZED;
		ts = ts * 10 + (*p - '0');
	}
	if (ts < now - SLACK_MAX_SKEW || ts > now + SLACK_MAX_SKEW)
		return PM_UNAUTHORIZED;
	return PM_OK;
}

/* The signed message is "v0:" timestamp ":" body, given in parts. */
static void signed_parts(struct sig_part parts[4], const char *timestamp,
			 const char *body, size_t len)
{
	parts[0] = SIG_STR("v0:");
	parts[1] = SIG_STR(timestamp);
	parts[2] = SIG_STR(":");
	parts[3] = (struct sig_part){ body, len };
}

void slack_signature(const char *secret, const char *timestamp,
		     const char *body, size_t len,
		     char out[SLACK_SIGNATURE_LEN + 1])
{
	struct sig_part parts[4];
	char hex[SIG_SHA256_HEX];

	signed_parts(parts, timestamp, body, len);
	sig_hmac_sha256_hex(secret, strlen(secret), parts, 4, hex);
	snprintf(out, SLACK_SIGNATURE_LEN + 1, "v0=%s", hex);
}

enum pm_status slack_verify(const char *secret, const char *timestamp,
			    const char *signature, const char *body,
			    size_t len, int64_t now, struct pm_error *err)
{
	struct sig_part parts[4];

	if (!timestamp || !signature)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "missing X-Slack-Request-Timestamp or "
				    "X-Slack-Signature");
	if (slack_check_timestamp(timestamp, now) != PM_OK)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Request-Timestamp is not within "
				    "%d seconds of this server's clock",
				    SLACK_MAX_SKEW);
	if (strncmp(signature, "v0=", 3))
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Signature is not a v0 "
				    "signature");
	signed_parts(parts, timestamp, body, len);
	if (sig_verify_hex(secret, strlen(secret), parts, 4, signature + 3) !=
	    PM_OK)
		return pm_error_set(err, PM_UNAUTHORIZED, "slack", 0,
				    "X-Slack-Signature does not match");
	return PM_OK;
}

/* ---- the form ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) into out; PM_INVALID with a reason in err. */
static enum pm_status form_decode(const char *s, size_t len, struct buf *out,
				  struct pm_error *err)
{
	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			buf_addch(out, ' ');
			continue;
		}
		if (s[i] == '\0')
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "a NUL byte in the form");
		if (s[i] != '%') {
			buf_addch(out, s[i]);
			continue;
		}
		if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
		    (lo = hex_value(s[i + 2])) < 0)
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "a bad %%-escape in the form");
		if (!hi && !lo)
			return pm_error_set(err, PM_INVALID, "form", 0,
					    "an escaped NUL byte in the form");
		buf_addch(out, hi << 4 | lo);
		i += 2;
	}
	if (!utf8_valid(out->ptr, out->len))
		return pm_error_set(err, PM_INVALID, "form", 0,
				    "the form is not UTF-8");
	return PM_OK;
}

enum pm_status slack_form_parse(struct slack_form *form, const char *body,
				size_t len, struct pm_error *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	enum pm_status st = PM_OK;
	size_t i = 0;

	memset(form, 0, sizeof(*form));
	while (i < len) {
		const char *pair = body + i, *amp, *eq;
		size_t plen;

		amp = memchr(pair, '&', len - i);
		plen = amp ? (size_t)(amp - pair) : len - i;
		i += plen + 1;
		if (!plen)
			continue;
		if (form->n >= SLACK_FORM_MAX_FIELDS) {
			st = pm_error_set(err, PM_INVALID, "form", 0,
					  "more than %d fields in the form",
					  SLACK_FORM_MAX_FIELDS);
			goto out;
		}
		eq = memchr(pair, '=', plen);
		if ((st = form_decode(pair, eq ? (size_t)(eq - pair) : plen,
				      &name, err)) != PM_OK)
			goto out;
		if (eq && (st = form_decode(eq + 1,
					    plen - (size_t)(eq - pair) - 1,
					    &value, err)) != PM_OK)
			goto out;
		if (!eq)
			buf_reset(&value);
		XGROW(form->v, form->alloc, form->n + 1);
		form->v[form->n].name = xstrndup(name.ptr, name.len);
		form->v[form->n].value = xstrndup(value.ptr, value.len);
		form->n++;
	}
out:
	if (st != PM_OK)
		slack_form_release(form);
	buf_release(&name);
	buf_release(&value);
	return st;
}

const char *slack_form_get(const struct slack_form *form, const char *name)
{
	for (size_t i = 0; i < form->n; i++)
		if (!strcmp(form->v[i].name, name))
			return form->v[i].value;
	return NULL;
}

void slack_form_release(struct slack_form *form)
{
	for (size_t i = 0; i < form->n; i++) {
		free(form->v[i].name);
		free(form->v[i].value);
	}
	free(form->v);
	memset(form, 0, sizeof(*form));
}

/* ---- mrkdwn ---- */

void slack_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			buf_addstr(out, "&amp;");
		else if (c == '<')
			buf_addstr(out, "&lt;");
		else if (c == '>')
			buf_addstr(out, "&gt;");
		else if ((c < 0x20 && c != '\n') || c == 0x7f)
			buf_addch(out, ' ');
		else
			buf_addch(out, (char)c);
	}
}

void slack_escape_max(struct buf *out, const char *s, size_t max)
{
	size_t len = strlen(s), n = utf8_truncate(s, len, max);

	slack_escape(out, s, n);
	if (n < len)
		buf_addstr(out, "…");
}

/* As slack_escape_max, with newlines as spaces (one-line fields). */
static void escape_line(struct buf *out, const char *s, size_t max)
{
	size_t start = out->len;

	slack_escape_max(out, s, max);
	for (size_t i = start; i < out->len; i++)
		if (out->ptr[i] == '\n')
			out->ptr[i] = ' ';
}

/* ---- words ---- */

/* ASCII space, tab, newline, and U+3000 (a Japanese keyboard's space). */
static size_t space_len(const char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		return 1;
	if (!strncmp(p, "\xe3\x80\x80", 3))
		return 3;
	return 0;
}

/* Trims s (owned, modified in place) and returns it. */
static char *trim(char *s)
{
	char *start = s, *end;
	size_t n;

	while ((n = space_len(start)))
		start += n;
	memmove(s, start, strlen(start) + 1);
	end = s + strlen(s);
	for (;;) {
		if (end > s && space_len(end - 1) == 1)
			end--;
		else if (end - s >= 3 && space_len(end - 3) == 3)
			end -= 3;
		else
			break;
	}
	*end = '\0';
	return s;
}

/* The length of the first word of s. */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !space_len(s + n))
		n++;
	return n;
}

/* ---- answers ---- */

struct answer {
	struct app *app;
	const char *command; /* as typed: "/postmortem" */
	json_t *blocks;
	struct buf text; /* the notification fallback */
};

static json_t *mrkdwn(const char *text)
{
	return json_pack("{s:s,s:s}", "type", "mrkdwn", "text", text);
}

static void add_section(struct answer *a, const struct buf *text)
{
	json_array_append_new(a->blocks,
			      json_pack("{s:s,s:o}", "type", "section", "text",
					mrkdwn(text->ptr)));
}

static void add_context(struct answer *a, const struct buf *text)
{
	json_array_append_new(a->blocks,
			      json_pack("{s:s,s:[o]}", "type", "context",
					"elements", mrkdwn(text->ptr)));
}

static void add_divider(struct answer *a)
{
	json_array_append_new(a->blocks, json_pack("{s:s}", "type", "divider"));
}

/* A one-section answer; the fallback text is the section's. */
static void say(struct answer *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct answer *a, const char *fmt, ...)
{
	struct buf t = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&t, fmt, ap);
	va_end(ap);
	add_section(a, &t);
	if (!a->text.len)
		buf_addstr(&a->text, t.ptr);
	buf_release(&t);
}

/* Appends public_url + path, escaped for a <link|...>. */
static void add_url(struct buf *out, const struct app *app, const char *path)
{
	slack_escape(out, app->public_url, strlen(app->public_url));
	slack_escape(out, path, strlen(path));
}

static void add_pm_link(struct buf *out, const struct app *app,
			const char *slug, const char *title)
{
	struct buf path = BUF_INIT;

	buf_addstr(&path, "/p/");
	buf_add_urlencoded(&path, slug);
	buf_addch(out, '<');
	add_url(out, app, path.ptr);
	buf_addch(out, '|');
	escape_line(out, title && *title ? title : slug, MAX_TITLE);
	buf_addch(out, '>');
	buf_release(&path);
}

/* Whether pmkb serves a page at path (the UI grows pages over time). */
static int have_page(const char *path)
{
	char param[8];
	const char *allow;

	return routes_match("GET", path, param, sizeof(param), &allow) !=
	       NULL;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Why a similar postmortem matched: "shares service a, b · cause x". */
static void add_reasons(struct buf *t, const json_t *reasons)
{
	const json_t *reason, *v;
	size_t i, k;

	json_array_foreach(reasons, i, reason) {
		const char *kind = jstr(reason, "kind");

		buf_addstr(t, i ? " · " : "\n_shares_ ");
		if (kind && !strcmp(kind, "service"))
			buf_addstr(t, "service ");
		else if (kind && !strcmp(kind, "cause"))
			buf_addstr(t, "cause ");
		else
			buf_addstr(t, "words ");
		json_array_foreach(json_object_get(reason, "values"), k, v) {
			if (k == 8) {
				buf_addstr(t, ", …");
				break;
			}
			if (k)
				buf_addstr(t, ", ");
			escape_line(t, json_string_value(v) ? json_string_value(v)
							    : "",
				    60);
		}
	}
}

/*
 * One result as a section: linked title, facts, then the snippet (or the
 * summary), or instead the reasons a similar postmortem matched.
 */
static void add_result(struct answer *a, const json_t *r)
{
	struct buf t = BUF_INIT;
	const char *started = jstr(r, "started_at"), *cause = jstr(r, "cause"),
		   *sev = jstr(r, "severity"), *snippet = jstr(r, "snippet"),
		   *summary = jstr(r, "summary");

	buf_addch(&t, '*');
	add_pm_link(&t, a->app, jstr(r, "slug") ? jstr(r, "slug") : "",
		    jstr(r, "title"));
	buf_addstr(&t, "*\n");
	if (started)
		slack_escape(&t, started, strnlen(started, 10));
	else
		buf_addstr(&t, "(no date)");
	if (cause) {
		buf_addstr(&t, " · ");
		escape_line(&t, cause, 80);
	}
	if (sev) {
		buf_addstr(&t, " · ");
		escape_line(&t, sev, 20);
	}
	if (!snippet || !*snippet)
		snippet = summary;
	if (snippet && *snippet) {
		buf_addch(&t, '\n');
		escape_line(&t, snippet, MAX_SNIPPET);
	}
	add_reasons(&t, json_object_get(r, "reasons"));
	add_section(a, &t);
	buf_release(&t);
}

/* Runs a search on a reader; *out owned. PM_* with err on failure. */
static enum pm_status run_search(struct app *app, struct search_request *sr,
				 json_t **out, struct pm_error *err)
{
	const struct taxonomy *tax;
	struct dbconn *c = store_reader(app->store);
	enum pm_status st;

	*out = NULL;
	if (!c)
		return PM_UNAVAILABLE;
	tax = settings_acquire(app->settings);
	st = searcher_run(c, tax, sr, out, err);
	settings_release(app->settings, tax);
	store_reader_release(app->store, c);
	return st;
}

/* Runs a stats function on a reader with the settings in force. */
static enum pm_status run_stats(struct app *app, stats_fn fn,
				const struct stats_request *r, json_t **out,
				struct pm_error *err)
{
	const struct taxonomy *tax;
	struct dbconn *c = store_reader(app->store);
	enum pm_status st;

	if (!c)
		return PM_UNAVAILABLE;
	tax = settings_acquire(app->settings);
	st = fn(c, tax, r, out, err);
	settings_release(app->settings, tax);
	store_reader_release(app->store, c);
	return st;
}

static void say_unavailable(struct answer *a, enum pm_status st,
			    const struct pm_error *err)
{
	if ((st == PM_INVALID || st == PM_TOO_LARGE) && err->message[0]) {
		struct buf t = BUF_INIT;

		buf_addstr(&t, "That query does not work: ");
		escape_line(&t, err->message, 300);
		buf_addf(&t, "\nType `%s help` for the query language.",
			 a->command);
		say(a, "%s", t.ptr);
		buf_release(&t);
		return;
	}
	say(a, "The postmortem index cannot be read right now; try again "
	       "in a moment.");
}

static void cmd_search(struct answer *a, const char *q)
{
	struct search_request sr = { 0 };
	struct pm_error err;
	struct buf t = BUF_INIT, path = BUF_INIT;
	json_t *out = NULL, *results, *r;
	json_int_t total;
	enum pm_status st;
	size_t i;

	pm_error_clear(&err);
	sr.q = q;
	sr.limit = SHOWN_RESULTS;
	sr.sort = SEARCH_SORT_RELEVANCE;
	sr.base_url = "";
	if ((st = run_search(a->app, &sr, &out, &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	results = json_object_get(out, "results");
	total = json_integer_value(json_object_get(out, "total"));
	if (!total) {
		buf_addstr(&t, "No postmortem matches “");
		escape_line(&t, q, MAX_QUERY);
		buf_addf(&t, "”. Try fewer words, or `%s help`.", a->command);
		say(a, "%s", t.ptr);
		goto out;
	}
	buf_addf(&t, "*%lld postmortem%s* match “", (long long)total,
		 total == 1 ? "" : "s");
	escape_line(&t, q, MAX_QUERY);
	buf_addstr(&t, "”");
	say(a, "%s", t.ptr);
	json_array_foreach(results, i, r)
		add_result(a, r);
	if (total > (json_int_t)json_array_size(results)) {
		buf_reset(&t);
		buf_addstr(&path, "/?q=");
		buf_add_urlencoded(&path, q);
		buf_addch(&t, '<');
		add_url(&t, a->app, path.ptr);
		buf_addf(&t, "|and %lld more in pmkb>",
			 (long long)(total -
				     (json_int_t)json_array_size(results)));
		add_context(a, &t);
	}
out:
	json_decref(out);
	buf_release(&t);
	buf_release(&path);
}

static void cmd_latest(struct answer *a, const char *arg)
{
	struct search_request sr = { 0 };
	struct pm_error err;
	json_t *out = NULL, *results, *r;
	enum pm_status st;
	size_t i;

	pm_error_clear(&err);
	sr.q = "";
	sr.limit = SHOWN_RESULTS;
	sr.sort = SEARCH_SORT_DATE;
	sr.base_url = "";
	if ((st = run_search(a->app, &sr, &out, &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	results = json_object_get(out, "results");
	if (!json_array_size(results)) {
		say(a, "There are no postmortems yet.");
		goto out;
	}
	say(a, "*The %zu latest postmortems*", json_array_size(results));
	json_array_foreach(results, i, r)
		add_result(a, r);
out:
	json_decref(out);
}

/*
 * The slug in what was typed: a slug, or a link to the postmortem's page
 * pasted as is or as Slack escapes it (<https://…/p/slug|label>). Owned.
 */
static char *slug_of(const char *arg)
{
	const char *start = arg, *end, *p;
	struct buf out = BUF_INIT;

	if (*start == '<')
		start++;
	end = start + strcspn(start, "|>");
	for (p = end; p > start && p[-1] != '/'; p--)
		;
	/* Only a page link's last segment; any other URL stays as typed. */
	if (p - start >= 3 && !strncmp(p - 3, "/p/", 3))
		start = p;
	for (p = start; p < end; p++) {
		int hi, lo;

		if (*p == '%' && end - p >= 3 && (hi = hex_value(p[1])) >= 0 &&
		    (lo = hex_value(p[2])) >= 0 && (hi || lo)) {
			buf_addch(&out, hi << 4 | lo);
			p += 2;
		} else {
			buf_addch(&out, *p);
		}
	}
	return buf_detach(&out, NULL);
}

static void cmd_similar(struct answer *a, const char *arg)
{
	struct pm_error err;
	struct dbconn *c = NULL;
	struct buf t = BUF_INIT;
	json_t *out = NULL, *results, *r;
	char *slug = NULL, *renamed = NULL;
	enum pm_status st = PM_UNAVAILABLE;
	size_t i;

	pm_error_clear(&err);
	if (!*arg || word_len(arg) != strlen(arg)) {
		say(a, "`%s similar` takes one postmortem, such as `%s "
		       "similar 2018-02-14-db-failover` or a link to it.",
		    a->command, a->command);
		goto out;
	}
	slug = slug_of(arg);
	if ((c = store_reader(a->app->store))) {
		st = similar_run(c, slug, SHOWN_RESULTS, &out, &renamed, &err);
		/* A renamed postmortem answers under its new slug. */
		if (st == PM_NOT_FOUND && renamed) {
			free(slug);
			slug = renamed;
			renamed = NULL;
			st = similar_run(c, slug, SHOWN_RESULTS, &out, NULL,
					 &err);
		}
		store_reader_release(a->app->store, c);
	}
	if (st == PM_NOT_FOUND || (st == PM_INVALID && err.message[0])) {
		buf_addstr(&t, "There is no postmortem “");
		escape_line(&t, slug, MAX_QUERY);
		buf_addf(&t, "”. `%s &lt;words&gt;` finds one by its text.",
			 a->command);
		say(a, "%s", t.ptr);
		goto out;
	}
	if (st != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	results = json_object_get(out, "results");
	buf_addstr(&t, json_array_size(results) ? "*Postmortems like* "
						: "Nothing in pmkb is like ");
	add_pm_link(&t, a->app, slug, slug);
	say(a, "%s", t.ptr);
	json_array_foreach(results, i, r)
		add_result(a, r);
out:
	json_decref(out);
	buf_release(&t);
	free(slug);
	free(renamed);
}

/* ---- stats ---- */

/*
 * The columns the character at s takes in a monospace font (CJK and
 * full-width forms take 2) and, in *n, its length in bytes. s is valid
 * UTF-8 (the index holds nothing else).
 */
static size_t char_width(const char *s, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp = u[0];

	*n = 1;
	if (cp >= 0xf0 && u[1] && u[2] && u[3]) {
		cp = (unsigned)(u[0] & 7) << 18 | (unsigned)(u[1] & 63) << 12 |
		     (unsigned)(u[2] & 63) << 6 | (u[3] & 63);
		*n = 4;
	} else if (cp >= 0xe0 && u[1] && u[2]) {
		cp = (unsigned)(u[0] & 15) << 12 | (unsigned)(u[1] & 63) << 6 |
		     (u[2] & 63);
		*n = 3;
	} else if (cp >= 0xc0 && u[1]) {
		cp = (unsigned)(u[0] & 31) << 6 | (u[1] & 63);
		*n = 2;
	}
	return (cp >= 0x1100 && cp <= 0x115f) ||
			       (cp >= 0x2e80 && cp <= 0xa4cf) ||
			       (cp >= 0xac00 && cp <= 0xd7a3) ||
			       (cp >= 0xf900 && cp <= 0xfaff) ||
			       (cp >= 0xfe30 && cp <= 0xfe4f) ||
			       (cp >= 0xff00 && cp <= 0xff60) ||
			       (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000
		       ? 2
		       : 1;
}

/* The columns s takes, counting at most max (then *bytes is where). */
static size_t display_width(const char *s, size_t max, size_t *bytes)
{
	size_t w = 0, off = 0, n, cw;

	while (s[off] && w + (cw = char_width(s + off, &n)) <= max) {
		w += cw;
		off += n;
	}
	if (bytes)
		*bytes = off;
	return w;
}

/* Table cells are cut to this many columns. */
#define MAX_CELL 24

/* Appends s cut to MAX_CELL columns, padded to width, left or right. */
static void add_cell(struct buf *t, const char *s, size_t width, int right)
{
	size_t bytes, w = display_width(s, MAX_CELL, &bytes);

	if (right)
		for (; w < width; w++)
			buf_addch(t, ' ');
	slack_escape(t, s, bytes);
	if (!right)
		for (; w < width; w++)
			buf_addch(t, ' ');
}

struct stats_args {
	const char *period;
};

static const char *stats_arg(void *ctx, const char *name)
{
	const struct stats_args *sa = ctx;

	return !strcmp(name, "period") ? sa->period : NULL;
}

static int64_t cell(const json_t *row, const char *cause)
{
	return json_integer_value(
		json_object_get(json_object_get(row, "by_cause"), cause));
}

/*
 * Counts by cause for the last STATS_PERIODS periods that have data, as
 * a monospace table: one row per cause (most incidents first), one column
 * per period, and the totals.
 */
static void cmd_stats(struct answer *a, const char *arg)
{
	struct stats_request r;
	struct stats_args sa = { NULL };
	struct pm_error err;
	json_t *out = NULL, *rows, *causes, *shown[STATS_PERIODS];
	struct buf t = BUF_INIT;
	char *period = NULL;
	int ja = 0, bad = 0, n_shown = 0, n_causes;
	size_t n_rows, i, label_w = 5, col_w[STATS_PERIODS];
	enum pm_status st;

	pm_error_clear(&err);
	/* Words: a period kind and "ja" for Japanese labels, any order. */
	for (const char *p = arg; *p;) {
		size_t n = word_len(p), sp;

		if (n == 2 && !strncasecmp(p, "ja", 2))
			ja = 1;
		else if (!period)
			period = xstrndup(p, n);
		else
			bad = 1;
		p += n;
		while ((sp = space_len(p)))
			p += sp;
	}
	sa.period = period;
	if (bad || (period && stats_period_parse(period) < 0)) {
		say(a, "`%s stats` takes a period: month, quarter, half "
		       "(the default) or year; add `ja` for Japanese labels.",
		    a->command);
		goto out;
	}
	if ((st = stats_request_parse(&r, stats_arg, &sa, 1u << STATS_JSON,
				      &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	if ((st = run_stats(a->app, stats_causes, &r, &out, &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	rows = json_object_get(out, "rows");
	causes = json_object_get(out, "causes");
	n_rows = json_array_size(rows);
	/* The last periods before the "unknown" row, oldest first. */
	for (i = n_rows; i > 0 && n_shown < STATS_PERIODS; i--) {
		json_t *row = json_array_get(rows, i - 1);

		if (strcmp(jstr(row, "period"), "unknown"))
			shown[n_shown++] = row;
	}
	if (!n_shown) {
		say(a, "There are no dated postmortems to count yet.");
		goto out;
	}
	for (int k = 0; k < n_shown / 2; k++) {
		json_t *tmp = shown[k];

		shown[k] = shown[n_shown - 1 - k];
		shown[n_shown - 1 - k] = tmp;
	}
	/* causes is sorted by total over the whole range, most first. */
	n_causes = (int)json_array_size(causes);
	for (int k = 0; k < n_causes && k < STATS_CAUSES; k++) {
		const char *lab = jstr(json_array_get(causes, (size_t)k),
				       ja ? "label_ja" : "id");
		size_t w = display_width(lab ? lab : "", MAX_CELL, NULL);

		label_w = w > label_w ? w : label_w;
	}
	buf_addf(&t, "*Incidents by cause* (%s, primary cause)\n```\n",
		 stats_period_name(r.period));
	add_cell(&t, ja ? "原因" : "cause", label_w, 0);
	for (int k = 0; k < n_shown; k++) {
		const char *lab = jstr(shown[k], ja ? "label_ja" : "label");
		size_t w = display_width(lab, MAX_CELL, NULL);

		col_w[k] = w > 5 ? w : 5;
		buf_addstr(&t, "  ");
		add_cell(&t, lab, col_w[k], 1);
	}
	buf_addch(&t, '\n');
	for (int k = 0; k < n_causes; k++) {
		const json_t *cs = json_array_get(causes, (size_t)k);
		const char *id = jstr(cs, "id");
		const char *lab = jstr(cs, ja ? "label_ja" : "id");
		int other = k == STATS_CAUSES;

		/* Past STATS_CAUSES, the rest are summed as "(other)". */
		add_cell(&t, other ? "(other)" : lab ? lab : "", label_w, 0);
		for (int col = 0; col < n_shown; col++) {
			int64_t n = 0;
			char num[24];

			if (other)
				for (int m = k; m < n_causes; m++)
					n += cell(shown[col],
						  jstr(json_array_get(
							       causes,
							       (size_t)m),
						       "id"));
			else
				n = cell(shown[col], id);
			snprintf(num, sizeof(num), "%lld", (long long)n);
			buf_addstr(&t, "  ");
			add_cell(&t, num, col_w[col], 1);
		}
		buf_addch(&t, '\n');
		if (other)
			break;
	}
	add_cell(&t, ja ? "合計" : "total", label_w, 0);
	for (int col = 0; col < n_shown; col++) {
		char num[24];

		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(
				 json_object_get(shown[col], "total")));
		buf_addstr(&t, "  ");
		add_cell(&t, num, col_w[col], 1);
	}
	buf_addstr(&t, "\n```");
	add_section(a, &t);
	buf_addf(&a->text, "Incidents by cause per %s",
		 stats_period_name(r.period));
	if (have_page("/trends")) {
		buf_reset(&t);
		buf_addch(&t, '<');
		add_url(&t, a->app, "/trends?period=");
		buf_addstr(&t, stats_period_name(r.period));
		buf_addstr(&t, "|The chart and every period in pmkb>");
		add_context(a, &t);
	}
out:
	json_decref(out);
	buf_release(&t);
	free(period);
}

/* ---- actions ---- */

struct actions_args {
	const char *owner;
};

static const char *actions_arg(void *ctx, const char *name)
{
	const struct actions_args *aa = ctx;

	if (!strcmp(name, "owner"))
		return aa->owner;
	if (!strcmp(name, "limit"))
		return STR(SHOWN_ACTIONS);
	return NULL;
}

/*
 * The owner as typed: "tanaka", "@tanaka", or a mention Slack escaped as
 * "<@U123|tanaka>". Owned, or NULL when arg is empty.
 */
static char *owner_of(const char *arg)
{
	const char *bar;

	if (!*arg)
		return NULL;
	if (!strncmp(arg, "<@", 2) && (bar = strchr(arg, '|')) &&
	    strchr(bar, '>'))
		return xstrndup(bar + 1, (size_t)(strchr(bar, '>') - bar - 1));
	return xstrdup(arg[0] == '@' ? arg + 1 : arg);
}

static void cmd_actions(struct answer *a, const char *arg)
{
	struct stats_request r;
	struct actions_args aa = { NULL };
	struct pm_error err;
	struct buf t = BUF_INIT;
	json_t *out = NULL, *items, *it, *counts;
	char *owner = owner_of(arg);
	enum pm_status st;
	size_t i;

	pm_error_clear(&err);
	aa.owner = owner;
	if (owner && strchr(owner, ' ')) {
		say(a, "`%s actions` takes one owner, such as `%s actions "
		       "@tanaka`.", a->command, a->command);
		goto out;
	}
	if ((st = stats_request_parse(&r, actions_arg, &aa, 1u << STATS_JSON,
				      &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	if ((st = run_stats(a->app, stats_action_items, &r, &out, &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		goto out;
	}
	items = json_object_get(out, "items");
	counts = json_object_get(out, "counts");
	buf_addf(&t, "*%lld open action item%s*",
		 (long long)json_integer_value(json_object_get(out, "total")),
		 json_integer_value(json_object_get(out, "total")) == 1 ? ""
									: "s");
	if (owner) {
		buf_addstr(&t, " for @");
		escape_line(&t, owner, 80);
	}
	if (json_integer_value(json_object_get(counts, "overdue")))
		buf_addf(&t, ", %lld overdue",
			 (long long)json_integer_value(
				 json_object_get(counts, "overdue")));
	say(a, "%s", t.ptr);
	json_array_foreach(items, i, it) {
		const char *who = jstr(it, "owner"), *due = jstr(it, "due");

		buf_reset(&t);
		buf_addstr(&t, "☐ ");
		escape_line(&t, jstr(it, "text") ? jstr(it, "text") : "",
			    MAX_SNIPPET);
		buf_addch(&t, '\n');
		if (who) {
			buf_addch(&t, '@');
			escape_line(&t, who, 80);
			buf_addstr(&t, " · ");
		}
		if (due) {
			buf_addstr(&t, "due ");
			escape_line(&t, due, 10);
			if (json_is_true(json_object_get(it, "overdue")))
				buf_addstr(&t, " *overdue*");
			buf_addstr(&t, " · ");
		}
		add_pm_link(&t, a->app, jstr(it, "slug"), jstr(it, "title"));
		add_section(a, &t);
	}
	if ((size_t)json_integer_value(json_object_get(out, "total")) >
		    json_array_size(items) &&
	    have_page("/actions")) {
		struct buf path = BUF_INIT;

		buf_addstr(&path, "/actions");
		if (owner) {
			buf_addstr(&path, "?owner=");
			buf_add_urlencoded(&path, owner);
		}
		buf_reset(&t);
		buf_addch(&t, '<');
		add_url(&t, a->app, path.ptr);
		buf_addf(&t, "|All %lld in pmkb>",
			 (long long)json_integer_value(
				 json_object_get(out, "total")));
		add_context(a, &t);
		buf_release(&path);
	}
out:
	json_decref(out);
	buf_release(&t);
	free(owner);
}

/* ---- help and dispatch ---- */

static void cmd_help(struct answer *a, const char *arg)
{
	struct buf t = BUF_INIT;
	const char *c = a->command;

	buf_addf(&t,
		 "*pmkb* answers from the postmortem knowledge base.\n"
		 "`%s &lt;query&gt;` or `%s search &lt;query&gt;`: the best %d "
		 "matches\n"
		 "`%s similar &lt;slug&gt;`: postmortems like that one\n"
		 "`%s latest`: the %d newest postmortems\n"
		 "`%s stats [month|quarter|half|year] [ja]`: incidents by "
		 "cause for the last %d periods\n"
		 "`%s actions [@owner]`: open action items\n"
		 "`%s help`: this text\n"
		 "Add `share` at the start or the end to post the answer in "
		 "the channel instead of only to you.",
		 c, c, SHOWN_RESULTS, c, c, SHOWN_RESULTS, c, STATS_PERIODS,
		 c, c);
	add_section(a, &t);
	buf_reset(&t);
	buf_addstr(&t, "Queries: words (all must match) · \"a phrase\" · "
		       "a OR b · -exclude · prefix* · cause:infrastructure · "
		       "service:billing-api · severity&lt;=2 · "
		       "after:2017-07-01 · before:2018 · 日本語も検索できます");
	add_context(a, &t);
	buf_addstr(&a->text, "pmkb: how to search the postmortems");
	buf_release(&t);
}

struct slack_cmd {
	const char *name;
	void (*fn)(struct answer *a, const char *arg);
};

static const struct slack_cmd slack_cmds[] = {
	{ "search", cmd_search },   { "similar", cmd_similar },
	{ "latest", cmd_latest },
	{ "stats", cmd_stats },	    { "actions", cmd_actions },
	{ "help", cmd_help },	    { NULL, NULL },
};

/*
 * Takes "share" off the start or the end of text (owned; rewritten);
 * returns 1 when it was there. A lone "share" is a search for it.
 */
static int take_share(char *text)
{
	size_t len = strlen(text), first = word_len(text);

	if (first == 5 && !strncasecmp(text, "share", 5) && text[5]) {
		memmove(text, text + 5, len - 4);
		trim(text);
		return 1;
	}
	if (len > 5 && !strcasecmp(text + len - 5, "share") &&
	    (space_len(text + len - 6) == 1 ||
	     (len > 7 && space_len(text + len - 8) == 3))) {
		text[len - 5] = '\0';
		trim(text);
		return 1;
	}
	return 0;
}

/*
 * Runs the command line text and returns the Slack reply (owned):
 * {"response_type", "text", "blocks"}.
 */
static json_t *answer(struct app *app, const char *command, const char *raw)
{
	struct answer a = { 0 };
	char *text = trim(xstrdup(raw));
	int share = take_share(text);
	size_t n = word_len(text);
	const struct slack_cmd *cmd = NULL;
	const char *arg = text;
	json_t *reply;

	a.app = app;
	a.command = command;
	a.blocks = json_array();
	buf_init(&a.text, 0);
	for (const struct slack_cmd *k = slack_cmds; n && k->name; k++)
		if (strlen(k->name) == n && !strncasecmp(text, k->name, n))
			cmd = k;
	if (cmd) {
		arg = text + n;
		while ((n = space_len(arg)))
			arg += n;
	}
	if (!*text || (cmd && cmd->fn == cmd_help))
		cmd_help(&a, arg);
	else if (cmd && cmd->fn == cmd_search && !*arg)
		say(&a, "`%s search` needs a query, such as `%s search "
			"disk full`.", command, command);
	else if (cmd)
		cmd->fn(&a, arg);
	else
		cmd_search(&a, text);
	if (!json_array_size(a.blocks))
		add_divider(&a);
	reply = json_pack("{s:s,s:s,s:o}", "response_type",
			  share ? "in_channel" : "ephemeral", "text",
			  a.text.len ? a.text.ptr : "pmkb", "blocks",
			  a.blocks);
	buf_release(&a.text);
	free(text);
	return reply;
}

/* ---- running a command: inline, or later through response_url ---- */

/* What serve keeps for the slash command (app->slack). */
struct slack {
	char *secret;	       /* a secret: never logged */
	char *response_prefix; /* where response_url may point */
	long inline_ms;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int running; /* commands whose thread has not finished */
};

/*
 * One command, shared by the request handler and the thread that runs
 * it; whichever lets go last frees it.
 */
struct job {
	struct slack *sl;
	struct app *app;
	char *command, *text, *response_url;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int done, deferred, refs;
	json_t *reply;
};

static void job_unref(struct job *j)
{
	int refs;

	pthread_mutex_lock(&j->lock);
	refs = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (refs)
		return;
	json_decref(j->reply);
	free(j->command);
	free(j->text);
	free(j->response_url);
	pthread_cond_destroy(&j->done_cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/*
 * Posts a late answer to the response_url Slack gave (valid for 30
 * minutes). One try: the user can ask again.
 */
static void post_late(const char *url, const json_t *reply)
{
	struct curl_slist *headers = NULL;
	char *body = json_dumps(reply, JSON_COMPACT);
	CURL *h = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;
	long status = 0;

	if (h && body) {
		headers = curl_slist_append(headers, "Content-Type: "
						     "application/json; "
						     "charset=utf-8");
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "pmkb/" PMKB_VERSION);
		rc = curl_easy_perform(h);
		if (rc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	}
	if (rc != CURLE_OK || status < 200 || status >= 300) {
		char code[24];

		snprintf(code, sizeof(code), "%ld", status);
		log_kv(LOG_WARN, "slack.late_answer_failed", "status", code,
		       "error",
		       rc == CURLE_OK ? "refused" : curl_easy_strerror(rc),
		       NULL);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	free(body);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct slack *sl = j->sl;
	json_t *reply = answer(j->app, j->command, j->text);
	int deferred;

	pthread_mutex_lock(&j->lock);
	j->reply = reply;
	j->done = 1;
	deferred = j->deferred;
	pthread_cond_signal(&j->done_cond);
	pthread_mutex_unlock(&j->lock);
	/* The handler has answered "working on it" and let go of reply. */
	if (deferred)
		post_late(j->response_url, reply);
	job_unref(j);
	/* Last: slack_stop() may free sl once running reaches 0. */
	pthread_mutex_lock(&sl->lock);
	if (--sl->running == 0)
		pthread_cond_broadcast(&sl->idle);
	pthread_mutex_unlock(&sl->lock);
	return NULL;
}

/*
 * Runs the command on its own thread and waits for it up to inline_ms.
 * Returns the answer, or (later than that) a short acknowledgement while
 * the thread posts the answer to response_url when it has it: Slack
 * shows an error when a command takes more than 3 seconds.
 */
static json_t *run_command(struct app *app, const char *command,
			   const char *text, const char *response_url)
{
	struct slack *sl = app->slack;
	struct job *j;
	struct timespec until;
	pthread_t thread;
	pthread_attr_t attr;
	json_t *reply = NULL;
	int started;

	/* Without a usable response_url, the only way to answer is now. */
	if (!response_url ||
	    strncmp(response_url, sl->response_prefix,
		    strlen(sl->response_prefix)))
		return answer(app, command, text);
	j = xcalloc(1, sizeof(*j));
	j->sl = sl;
	j->app = app;
	j->command = xstrdup(command);
	j->text = xstrdup(text);
	j->response_url = xstrdup(response_url);
	j->refs = 2;
	/* 0 ms: always later (the thread may finish before we look). */
	j->deferred = sl->inline_ms == 0;
	pthread_mutex_init(&j->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&j->done_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_lock(&sl->lock);
	sl->running++;
	pthread_mutex_unlock(&sl->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = !pthread_create(&thread, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (!started) {
		pthread_mutex_lock(&sl->lock);
		sl->running--;
		pthread_mutex_unlock(&sl->lock);
		j->refs = 1;
		job_unref(j);
		return answer(app, command, text);
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += sl->inline_ms / 1000;
	until.tv_nsec += (sl->inline_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->done && !j->deferred &&
	       pthread_cond_timedwait(&j->done_cond, &j->lock, &until) == 0)
		;
	if (j->done && !j->deferred) {
		reply = j->reply;
		j->reply = NULL;
	} else {
		j->deferred = 1;
	}
	pthread_mutex_unlock(&j->lock);
	job_unref(j);
	if (reply)
		return reply;
	log_kv(LOG_INFO, "slack.deferred", "note",
	       "the answer follows through response_url", NULL);
	return json_pack("{s:s,s:s,s:[{s:s,s:{s:s,s:s}}]}", "response_type",
			 "ephemeral", "text", "Looking that up…", "blocks",
			 "type", "section", "text", "type", "mrkdwn", "text",
			 "Looking that up… the answer follows in a moment.");
}

void slack_command(struct request *req, struct reply *rep)
{
	struct app *app = req->app;
	struct slack_form form = { 0 };
	struct pm_error err;
	const char *text, *command;
	struct timespec t0, t1;
	char us[24];

	pm_error_clear(&err);
	if (!app->slack) {
		reply_error(rep, 404, "the Slack slash command is not enabled "
			    "on this server: set PMKB_SLACK_SIGNING_SECRET");
		return;
	}
	if (req->body.len > SLACK_MAX_BODY) {
		reply_error(rep, 413, "a Slack command is never larger than "
			    "%d bytes", SLACK_MAX_BODY);
		return;
	}
	if (slack_verify(app->slack->secret,
			 request_header(req, "X-Slack-Request-Timestamp"),
			 request_header(req, "X-Slack-Signature"),
			 req->body.ptr, req->body.len, (int64_t)time(NULL),
			 &err) != PM_OK) {
		log_kv(LOG_WARN, "slack.refused", "reason", err.message,
		       NULL);
		reply_error(rep, 401, "%s", err.message);
		return;
	}
	if (slack_form_parse(&form, req->body.ptr, req->body.len, &err) !=
	    PM_OK) {
		reply_error(rep, 400, "%s", err.message);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Slack checks the certificate with ssl_check=1: nothing to say. */
	if ((text = slack_form_get(&form, "ssl_check")) && !strcmp(text, "1")) {
		rep->status = 200;
		rep->content_type = "text/plain; charset=utf-8";
		goto out;
	}
	text = slack_form_get(&form, "text");
	command = slack_form_get(&form, "command");
	if (!command || command[0] != '/' || strlen(command) > 64 ||
	    strpbrk(command, "`<>& \n"))
		command = "/postmortem";
	reply_json(rep, 200,
		   run_command(app, command, text ? text : "",
			       slack_form_get(&form, "response_url")));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(us, sizeof(us), "%lld",
		 (long long)((t1.tv_sec - t0.tv_sec) * 1000000 +
			     (t1.tv_nsec - t0.tv_nsec) / 1000));
	log_kv(LOG_INFO, "slack.command", "user",
	       slack_form_get(&form, "user_id") ? slack_form_get(&form,
								 "user_id")
						: "",
	       "us", us, NULL);
out:
	slack_form_release(&form);
}

/* ---- setup ---- */

enum pm_status slack_start(struct app *app, struct pm_error *err)
{
	const struct pm_config *cfg = app->cfg;
	const char *secret = getenv("PMKB_SLACK_SIGNING_SECRET");
	const char *hook = getenv("PMKB_SLACK_WEBHOOK_URL");
	struct outbox_settings os = { 0 };
	struct outbox_context *ctx;
	struct buf url = BUF_INIT;
	int mode = announce_mode_parse(cfg->slack_announce);
	enum pm_status rc;

	if (mode < 0)
		return pm_error_set(err, PM_INVALID, "--slack-announce", 0,
				    "--slack-announce: expected new, "
				    "new+updated or off, got '%s'",
				    cfg->slack_announce);
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return pm_error_set(err, PM_INTERNAL, "slack", 0,
				    "cannot initialise libcurl");
	if (secret && *secret) {
		struct slack *sl = xcalloc(1, sizeof(*sl));

		sl->secret = xstrdup(secret);
		sl->response_prefix = xstrdup(cfg->slack_response_prefix);
		sl->inline_ms = cfg->slack_inline_ms;
		pthread_mutex_init(&sl->lock, NULL);
		pthread_cond_init(&sl->idle, NULL);
		app->slack = sl;
	}
	log_kv(LOG_INFO, "slack.setup", "slash_command",
	       app->slack ? "on" : "off (no PMKB_SLACK_SIGNING_SECRET)",
	       "announce",
	       hook && *hook ? cfg->slack_announce
			     : "off (no PMKB_SLACK_WEBHOOK_URL)",
	       NULL);
	if (!hook || !*hook)
		return PM_OK;
	os.webhook_url = hook;
	os.max_attempts = (int)cfg->slack_max_attempts;
	os.backoff_ms = cfg->slack_backoff_ms;
	if ((rc = outbox_worker_start(&app->outbox, app->store, &os, err)) !=
	    PM_OK)
		return rc;
	if (mode == ANNOUNCE_OFF)
		return PM_OK;
	/*
	 * The first sync runs before the server binds its port, so links
	 * come from the configuration. Slack users cannot reach loopback
	 * anyway: say so when --public-url is missing.
	 */
	if (cfg->public_url && *cfg->public_url) {
		buf_addstr(&url, cfg->public_url);
	} else {
		buf_addf(&url, "http://%s%s%s:%u",
			 strchr(cfg->host, ':') ? "[" : "", cfg->host,
			 strchr(cfg->host, ':') ? "]" : "", cfg->port);
		log_kv(LOG_WARN, "slack.public_url", "url", url.ptr, "note",
		       "links in Slack use this; set --public-url", NULL);
	}
	while (url.len && url.ptr[url.len - 1] == '/')
		buf_setlen(&url, url.len - 1);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->mode = (enum announce_mode)mode;
	ctx->public_url = buf_detach(&url, NULL);
	ctx->source_url = cfg->source_url;
	ctx->branch = cfg->branch;
	ctx->dir = cfg->dir;
	ctx->worker = app->outbox;
	app->announce = ctx;
	return PM_OK;
}

void slack_stop(struct app *app)
{
	struct outbox_context *ctx = app->announce;
	struct slack *sl = app->slack;

	outbox_worker_stop(app->outbox);
	app->outbox = NULL;
	if (ctx) {
		free((char *)ctx->public_url);
		free(ctx);
	}
	app->announce = NULL;
	if (sl) {
		/* Commands answering late still read the index. */
		pthread_mutex_lock(&sl->lock);
		while (sl->running)
			pthread_cond_wait(&sl->idle, &sl->lock);
		pthread_mutex_unlock(&sl->lock);
		sodium_memzero(sl->secret, strlen(sl->secret));
		free(sl->secret);
		free(sl->response_prefix);
		pthread_cond_destroy(&sl->idle);
		pthread_mutex_destroy(&sl->lock);
		free(sl);
	}
	app->slack = NULL;
	curl_global_cleanup();
}
