/*
 * The slash command's answers: the command line ("share" taken off either
 * end, then the first word picks the command) → one function per command
 * filling a Block Kit answer. Slack wants HTTP 200 even for "no results"
 * or a bad query, so those are messages, not error statuses.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/text.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/form.h"
#include "pmkb/base/log.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/settings.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/relations.h"
#include "pmkb/search/searcher.h"
#include "pmkb/search/similar.h"
#include "pmkb/slack/command.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/stats/stats.h"

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

/* White space at p (NUL-terminated), as base/text.h counts it. */
static size_t space_len(const char *p)
{
	return text_space_len(p, strnlen(p, 3));
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
	const struct slack_env *env;
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
static void add_url(struct buf *out, const struct slack_env *env, const char *path)
{
	slack_escape(out, env->public_url, strlen(env->public_url));
	slack_escape(out, path, strlen(path));
}

static void add_pm_link(struct buf *out, const struct slack_env *env,
			const char *slug, const char *title)
{
	struct buf path = BUF_INIT;

	buf_addstr(&path, "/p/");
	buf_add_urlencoded(&path, slug);
	buf_addch(out, '<');
	add_url(out, env, path.ptr);
	buf_addch(out, '|');
	escape_line(out, title && *title ? title : slug, MAX_TITLE);
	buf_addch(out, '>');
	buf_release(&path);
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
		else if (kind && !strcmp(kind, "related"))
			buf_addstr(t, "a link: ");
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
	add_pm_link(&t, a->env, jstr(r, "slug") ? jstr(r, "slug") : "",
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
static enum pm_status run_search(const struct slack_env *env, struct search_request *sr,
				 json_t **out, struct pm_error *err)
{
	const struct taxonomy *tax;
	struct dbconn *c = store_reader(env->store);
	enum pm_status st;

	*out = NULL;
	if (!c)
		return PM_UNAVAILABLE;
	tax = settings_acquire(env->settings);
	st = searcher_run(c, tax, sr, out, err);
	settings_release(env->settings, tax);
	store_reader_release(env->store, c);
	return st;
}

/* Runs a stats function on a reader with the settings in force. */
static enum pm_status run_stats(const struct slack_env *env, stats_fn fn,
				const struct stats_request *r, json_t **out,
				struct pm_error *err)
{
	const struct taxonomy *tax;
	struct dbconn *c = store_reader(env->store);
	enum pm_status st;

	if (!c)
		return PM_UNAVAILABLE;
	tax = settings_acquire(env->settings);
	st = fn(c, tax, r, out, err);
	settings_release(env->settings, tax);
	store_reader_release(env->store, c);
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

/*
 * Reads the request r through arg (JSON output) and runs fn on it; *out
 * is the result (owned). On failure the answer says why and *out is NULL.
 */
static int stats_answer(struct answer *a, stats_fn fn, stats_arg_fn arg,
			void *ctx, struct stats_request *r, json_t **out)
{
	struct pm_error err;
	enum pm_status st;

	pm_error_clear(&err);
	*out = NULL;
	if ((st = stats_request_parse(r, arg, ctx, 1u << STATS_JSON,
				      &err)) != PM_OK ||
	    (st = run_stats(a->env, fn, r, out, &err)) != PM_OK) {
		say_unavailable(a, st, &err);
		json_decref(*out);
		*out = NULL;
		return 0;
	}
	return 1;
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
	if ((st = run_search(a->env, &sr, &out, &err)) != PM_OK) {
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
		add_url(&t, a->env, path.ptr);
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
	if ((st = run_search(a->env, &sr, &out, &err)) != PM_OK) {
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

		if (*p == '%' && end - p >= 3 && (hi = hex_digit(p[1])) >= 0 &&
		    (lo = hex_digit(p[2])) >= 0 && (hi || lo)) {
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
	const struct taxonomy *tax;
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
	tax = settings_acquire(a->env->settings);
	if ((c = store_reader(a->env->store))) {
		st = similar_run(c, tax, slug, SHOWN_RESULTS, &out, &renamed,
				 &err);
		/* A renamed postmortem answers under its new slug. */
		if (st == PM_NOT_FOUND && renamed) {
			free(slug);
			slug = renamed;
			renamed = NULL;
			st = similar_run(c, tax, slug, SHOWN_RESULTS, &out,
					 NULL, &err);
		}
		if (st == PM_OK)
			relations_similar_first(c, out, SHOWN_RESULTS);
		store_reader_release(a->env->store, c);
	}
	settings_release(a->env->settings, tax);
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
	add_pm_link(&t, a->env, slug, slug);
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

struct stats_args {
	const char *period;
};

static const char *stats_arg(void *ctx, const char *name)
{
	const struct stats_args *sa = ctx;

	return !strcmp(name, "period") ? sa->period : NULL;
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
	json_t *out = NULL;
	struct buf t = BUF_INIT, table = BUF_INIT;
	char *period = NULL;
	int ja = 0, bad = 0;

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
	if (!stats_answer(a, stats_causes, stats_arg, &sa, &r, &out))
		goto out;
	/* The same renderer as pmkb stats, turned for a narrow column. */
	if (!stats_render_recent(&table, out, STATS_PERIODS, STATS_CAUSES,
				 ja)) {
		say(a, "There are no dated postmortems to count yet.");
		goto out;
	}
	buf_addf(&t, "*Incidents by cause* (%s, primary cause)\n```\n",
		 stats_period_name(r.period));
	slack_escape(&t, table.ptr, table.len);
	buf_addstr(&t, "```");
	add_section(a, &t);
	buf_addf(&a->text, "Incidents by cause per %s",
		 stats_period_name(r.period));
	if (a->env->have_page("/trends")) {
		buf_reset(&t);
		buf_addch(&t, '<');
		add_url(&t, a->env, "/trends?period=");
		buf_addstr(&t, stats_period_name(r.period));
		buf_addstr(&t, "|The chart and every period in pmkb>");
		add_context(a, &t);
	}
out:
	json_decref(out);
	buf_release(&t);
	buf_release(&table);
	free(period);
}

/* ---- actions ---- */

struct actions_args {
	const char *owner;
	int overdue;
};

static const char *actions_arg(void *ctx, const char *name)
{
	const struct actions_args *aa = ctx;

	if (!strcmp(name, "owner"))
		return aa->owner;
	if (!strcmp(name, "overdue"))
		return aa->overdue ? "true" : NULL;
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

/* The owner that people: in .pmkb.yml maps the Slack user to. Owned. */
static char *owner_of_user(const struct slack_env *env)
{
	const struct taxonomy *tax = settings_acquire(env->settings);
	const char *name = learning_owner_of(tax ? tax->learning : NULL,
					     env->user_id);
	char *owner = name ? xstrdup(name) : NULL;

	settings_release(env->settings, tax);
	return owner;
}

/*
 * The words after `actions`: "overdue", "mine" (the owner people: maps
 * the Slack user to) and one owner. Returns 0 after saying what is wrong.
 */
static int actions_words(struct answer *a, const char *arg,
			 struct actions_args *aa, char **owner)
{
	char *words = xstrdup(arg), *save = NULL, *w;
	int ok = 1, mine = 0;

	for (w = strtok_r(words, " \t", &save); ok && w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(w, "overdue"))
			aa->overdue = 1;
		else if (!strcmp(w, "mine") && !*owner)
			mine = 1;
		else if (!*owner && !mine)
			*owner = owner_of(w);
		else
			ok = 0;
	}
	free(words);
	if (!ok) {
		say(a, "`%s actions` takes one owner or `mine`, and "
		       "`overdue`, such as `%s actions @tanaka overdue`.",
		    a->command, a->command);
	} else if (mine && !(*owner = owner_of_user(a->env))) {
		say(a, "pmkb does not know who you are: add your Slack user "
		       "id (%s) to people: in .pmkb.yml, such as `people: "
		       "{tanaka: %s}`.",
		    a->env->user_id ? a->env->user_id : "?",
		    a->env->user_id ? a->env->user_id : "U0123ABCD");
		ok = 0;
	}
	aa->owner = *owner;
	return ok;
}

static void cmd_actions(struct answer *a, const char *arg)
{
	struct stats_request r;
	struct actions_args aa = { NULL, 0 };
	struct buf t = BUF_INIT;
	json_t *out = NULL, *items, *it, *counts;
	char *owner = NULL;
	size_t i;

	if (!actions_words(a, arg, &aa, &owner))
		goto out;
	if (!stats_answer(a, stats_action_items, actions_arg, &aa, &r,
			  &out))
		goto out;
	items = json_object_get(out, "items");
	counts = json_object_get(out, "counts");
	buf_addf(&t, aa.overdue ? "*%lld overdue action item%s*"
				: "*%lld open action item%s*",
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
		add_pm_link(&t, a->env, jstr(it, "slug"), jstr(it, "title"));
		add_section(a, &t);
	}
	if ((size_t)json_integer_value(json_object_get(out, "total")) >
		    json_array_size(items) &&
	    a->env->have_page("/actions")) {
		struct buf path = BUF_INIT;

		buf_addstr(&path, "/actions");
		if (owner) {
			buf_addstr(&path, "?owner=");
			buf_add_urlencoded(&path, owner);
		}
		buf_reset(&t);
		buf_addch(&t, '<');
		add_url(&t, a->env, path.ptr);
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
		 "`%s actions [@owner|mine] [overdue]`: open action items\n"
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
		text_trim_inplace(text);
		return 1;
	}
	if (len > 5 && !strcasecmp(text + len - 5, "share") &&
	    (space_len(text + len - 6) == 1 ||
	     (len > 7 && space_len(text + len - 8) == 3))) {
		text[len - 5] = '\0';
		text_trim_inplace(text);
		return 1;
	}
	return 0;
}

/*
 * Runs the command line text and returns the Slack reply (owned):
 * {"response_type", "text", "blocks"}.
 */
json_t *slack_answer(const struct slack_env *env, const char *command,
		     const char *raw)
{
	struct answer a = { 0 };
	char *text = text_trim_inplace(xstrdup(raw));
	int share = take_share(text);
	size_t n = word_len(text);
	const struct slack_cmd *cmd = NULL;
	const char *arg = text;
	json_t *reply;

	a.env = env;
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
