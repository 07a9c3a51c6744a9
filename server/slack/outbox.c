/*
 * The Slack outbox.
 *
 * Map: announcement policy and dedupe keys → the Block Kit message →
 * queueing (inside the caller's transaction) → listings and retries for
 * the API and the CLI → the index listener → `pmkb outbox`. Delivery is
 * slack/delivery.c's.
 *
 * Times in the table are wall-clock milliseconds, because they must mean
 * the same after a restart; sleeping uses the monotonic clock.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/db/column.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/http_client.h"
#include "pmkb/base/config.h"
#include "pmkb/doc/repopath.h"
#include "pmkb/base/log.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/db/store.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* The longest wait between tries, whatever the backoff or Retry-After. */
#define MAX_DELAY_MS (3600 * 1000LL)
/* Bytes of a title and of a summary's first sentence in a message. */
#define MAX_TITLE 500
#define MAX_SENTENCE 400

static const char sql_put[] =
	"INSERT INTO outbox(dedupe_key, event, slug, title, payload, state, "
	"attempts, next_attempt_at, created_at) "
	"VALUES(?1, ?2, ?3, ?4, ?5, 'queued', 0, ?6, ?6) "
	"ON CONFLICT(dedupe_key) DO NOTHING";
static const char sql_counts[] =
	"SELECT state, count(*) FROM outbox GROUP BY state";
static const char sql_recent[] =
	"SELECT id, event, slug, title, state, attempts, next_attempt_at, "
	"last_status, last_error, created_at, sent_at FROM outbox "
	"WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_retry_one[] =
	"UPDATE outbox SET state = 'queued', attempts = 0, "
	"next_attempt_at = ?2, last_error = NULL "
	"WHERE state = 'failed' AND id = ?1";
static const char sql_retry_all[] =
	"UPDATE outbox SET state = 'queued', attempts = 0, "
	"next_attempt_at = ?1, last_error = NULL WHERE state = 'failed'";

int64_t outbox_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int announce_mode_parse(const char *s)
{
	if (!s || !strcmp(s, "new"))
		return ANNOUNCE_NEW;
	if (!strcmp(s, "new+updated"))
		return ANNOUNCE_NEW_UPDATED;
	if (!strcmp(s, "off"))
		return ANNOUNCE_OFF;
	return -1;
}

const char *outbox_event_name(enum outbox_event ev)
{
	switch (ev) {
	case OUTBOX_NEW: return "new";
	case OUTBOX_PUBLISHED: return "published";
	case OUTBOX_UPDATED: return "updated";
	case OUTBOX_TEST: return "test";
	case OUTBOX_DIGEST: return "digest";
	case OUTBOX_PULL_REQUEST: return "pull_request";
	}
	return "unknown";
}

int outbox_should_announce(enum announce_mode mode, enum index_change change,
			   const char *old_status, const char *status,
			   enum outbox_event *ev)
{
	int now_published = status && !strcmp(status, "published");
	int was_published = old_status && !strcmp(old_status, "published");

	if (mode == ANNOUNCE_OFF || !now_published)
		return 0;
	if (change == INDEX_ADDED) {
		*ev = OUTBOX_NEW;
		return 1;
	}
	if (change != INDEX_UPDATED)
		return 0;
	if (!was_published) {
		*ev = OUTBOX_PUBLISHED;
		return 1;
	}
	if (mode == ANNOUNCE_NEW_UPDATED) {
		*ev = OUTBOX_UPDATED;
		return 1;
	}
	return 0;
}

char *outbox_dedupe_key(const struct outbox_announcement *a)
{
	struct buf k = BUF_INIT;

	buf_addf(&k, "%s:%s:%s", outbox_event_name(a->event), a->path,
		 a->content_hash ? a->content_hash : "");
	return buf_detach(&k, NULL);
}

/*
 * The first sentence of a summary: up to a full stop followed by a space
 * or the end, a Japanese full stop, or a blank line. Sets *len.
 */
static const char *first_sentence(const char *s, size_t *len)
{
	const char *p = s;

	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	for (p = s; *p; p++) {
		if ((*p == '.' || *p == '!' || *p == '?') &&
		    (p[1] == ' ' || p[1] == '\n' || !p[1])) {
			p++;
			break;
		}
		/* 。！？ (U+3002, U+FF01, U+FF1F) end a Japanese sentence. */
		if (!strncmp(p, "。", 3) || !strncmp(p, "！", 3) ||
		    !strncmp(p, "？", 3)) {
			p += 3;
			break;
		}
		if (p[0] == '\n' && p[1] == '\n')
			break;
	}
	*len = (size_t)(p - s);
	return s;
}

static const char *event_heading(enum outbox_event ev)
{
	switch (ev) {
	case OUTBOX_NEW: return "New postmortem";
	case OUTBOX_PUBLISHED: return "Postmortem published";
	case OUTBOX_UPDATED: return "Postmortem updated";
	case OUTBOX_TEST: return "Test message from pmkb";
	case OUTBOX_DIGEST: return "Action items";
	case OUTBOX_PULL_REQUEST: return "Past incidents for a pull request";
	}
	return "Postmortem";
}

static json_t *mrkdwn(const char *text)
{
	return json_pack("{s:s,s:s}", "type", "mrkdwn", "text", text);
}

/* "Possible recurrence of <link|title>: reasons", one line each. */
static void add_recurrences(json_t *blocks, const struct outbox_context *ctx,
			    const json_t *recs)
{
	struct buf t = BUF_INIT;
	const json_t *r, *why;
	size_t i, k;

	json_array_foreach(recs, i, r) {
		const char *slug = json_string_value(json_object_get(r, "slug"));
		const char *title =
			json_string_value(json_object_get(r, "title"));

		if (!slug)
			continue;
		buf_addstr(&t, t.len ? "\n" : "");
		buf_addstr(&t, ":repeat: *Possible recurrence of* <");
		if (ctx && ctx->public_url)
			slack_escape(&t, ctx->public_url,
				     strlen(ctx->public_url));
		buf_addstr(&t, "/p/");
		slack_escape(&t, slug, strlen(slug));
		buf_addch(&t, '|');
		slack_escape_max(&t, title ? title : slug, MAX_TITLE);
		buf_addch(&t, '>');
		json_array_foreach(json_object_get(r, "reasons"), k, why) {
			buf_addstr(&t, k ? "; " : ": ");
			slack_escape_max(&t, json_string_value(why), 200);
		}
	}
	if (t.len)
		json_array_append_new(blocks,
				      json_pack("{s:s,s:o}", "type", "section",
						"text", mrkdwn(t.ptr)));
	buf_release(&t);
}

static json_t *field(const char *label, const char *value)
{
	struct buf t = BUF_INIT;
	json_t *j;

	buf_addf(&t, "*%s*\n", label);
	slack_escape_max(&t, value, 300);
	j = mrkdwn(t.ptr);
	buf_release(&t);
	return j;
}

json_t *outbox_message(const struct outbox_context *ctx,
		       const struct outbox_announcement *a)
{
	struct buf url = BUF_INIT, text = BUF_INIT, fallback = BUF_INIT,
		   list = BUF_INIT, ctxt = BUF_INIT;
	json_t *blocks = json_array(), *fields = json_array(), *section, *msg;
	const char *sentence = NULL;
	char *link = NULL;
	size_t slen = 0;

	buf_addf(&url, "%s/p/", ctx && ctx->public_url ? ctx->public_url : "");
	buf_add_urlencoded(&url, a->slug ? a->slug : "");

	/* The section: a linked title, then the summary's first sentence. */
	buf_addf(&text, "*%s:* <", event_heading(a->event));
	slack_escape(&text, url.ptr, url.len);
	buf_addch(&text, '|');
	slack_escape_max(&text, a->title ? a->title : "", MAX_TITLE);
	buf_addch(&text, '>');
	if (a->summary && *a->summary) {
		sentence = first_sentence(a->summary, &slen);
		if (slen) {
			char *s = xstrndup(sentence, slen);

			buf_addch(&text, '\n');
			slack_escape_max(&text, s, MAX_SENTENCE);
			free(s);
		}
	}
	section = json_pack("{s:s,s:o}", "type", "section", "text",
			    mrkdwn(text.ptr));
	if (a->severity && *a->severity)
		json_array_append_new(fields, field("Severity", a->severity));
	if (a->n_causes)
		json_array_append_new(fields, field("Cause", a->causes[0]));
	for (size_t i = 0; i < a->n_services; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", a->services[i]);
	if (list.len)
		json_array_append_new(fields, field("Services", list.ptr));
	if (json_array_size(fields))
		json_object_set(section, "fields", fields);
	json_array_append_new(blocks, section);
	add_recurrences(blocks, ctx, a->recurrences);

	/* The context: the commit (linked when we know where) and path. */
	if (a->commit && *a->commit) {
		char short_id[13];

		snprintf(short_id, sizeof(short_id), "%s", a->commit);
		buf_addstr(&ctxt, "Commit ");
		if (ctx && (link = repopath_link(ctx->source_url,
						      a->commit, ctx->branch,
						      ctx->dir, a->path))) {
			buf_addch(&ctxt, '<');
			slack_escape(&ctxt, link, strlen(link));
			buf_addch(&ctxt, '|');
			slack_escape(&ctxt, short_id, strlen(short_id));
			buf_addch(&ctxt, '>');
		} else {
			buf_addch(&ctxt, '`');
			slack_escape(&ctxt, short_id, strlen(short_id));
			buf_addch(&ctxt, '`');
		}
		buf_addstr(&ctxt, " · ");
	}
	if (a->path)
		slack_escape_max(&ctxt, a->path, 300);
	if (ctxt.len)
		json_array_append_new(
			blocks,
			json_pack("{s:s,s:[o]}", "type", "context", "elements",
				  mrkdwn(ctxt.ptr)));

	/* The notification text, for clients that cannot show blocks. */
	buf_addf(&fallback, "%s: ", event_heading(a->event));
	slack_escape_max(&fallback, a->title ? a->title : "", MAX_TITLE);
	if (a->severity && *a->severity) {
		buf_addstr(&fallback, " (");
		slack_escape_max(&fallback, a->severity, 40);
		buf_addch(&fallback, ')');
	}
	buf_addstr(&fallback, " ");
	slack_escape(&fallback, url.ptr, url.len);

	msg = json_pack("{s:s,s:o,s:b,s:b}", "text", fallback.ptr, "blocks",
			blocks, "unfurl_links", 0, "unfurl_media", 0);
	json_decref(fields);
	buf_release(&url);
	buf_release(&text);
	buf_release(&fallback);
	buf_release(&list);
	buf_release(&ctxt);
	free(link);
	return msg;
}

enum pm_status outbox_put(struct dbconn *c, const char *key,
			  enum outbox_event ev, const char *slug,
			  const char *title, const char *payload,
			  int *queued)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_put);
	int rc;

	if (queued)
		*queued = 0;
	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, outbox_event_name(ev), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, slug ? slug : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, title ? title : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, outbox_now_ms());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		log_kv(LOG_ERROR, "outbox.put", "error",
		       sqlite3_errmsg(dbconn_db(c)), NULL);
		return PM_DB;
	}
	if (queued)
		*queued = sqlite3_changes(dbconn_db(c)) > 0;
	return PM_OK;
}

enum pm_status outbox_enqueue(struct dbconn *c,
			      const struct outbox_context *ctx,
			      const struct outbox_announcement *a,
			      int *queued)
{
	char *key = outbox_dedupe_key(a);
	json_t *msg = outbox_message(ctx, a);
	char *payload = json_dumps(msg, JSON_COMPACT);
	enum pm_status rc = PM_INTERNAL;

	if (payload)
		rc = outbox_put(c, key, a->event, a->slug, a->title, payload,
				queued);
	if (rc == PM_OK && queued && *queued)
		log_kv(LOG_DEBUG, "outbox.queue", "what",
		       outbox_event_name(a->event), "slug", a->slug, NULL);
	free(payload);
	json_decref(msg);
	free(key);
	return rc;
}

enum pm_status outbox_count(struct dbconn *c, struct outbox_counts *out)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_counts);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return PM_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 0);
		int64_t n = sqlite3_column_int64(s, 1);

		if (!strcmp(state, "queued"))
			out->queued = n;
		else if (!strcmp(state, "sending"))
			out->sending = n;
		else if (!strcmp(state, "sent"))
			out->sent = n;
		else if (!strcmp(state, "failed"))
			out->failed = n;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : PM_DB;
}

/* An RFC 3339 UTC time for a column of milliseconds, or null. */
static json_t *col_time_ms(sqlite3_stmt *s, int i)
{
	char text[32];
	time_t t;
	struct tm tm;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return json_null();
	t = (time_t)(sqlite3_column_int64(s, i) / 1000);
	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(text);
}

json_t *outbox_status(struct dbconn *c, const char *state, int limit)
{
	struct outbox_counts n;
	sqlite3_stmt *s;
	json_t *recent;
	int rc;

	if (outbox_count(c, &n) != PM_OK || !(s = dbconn_stmt(c, sql_recent)))
		return NULL;
	if (state)
		sqlite3_bind_text(s, 1, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, limit);
	recent = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *row = json_pack(
			"{s:I,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o}", "id",
			(json_int_t)sqlite3_column_int64(s, 0), "event",
			column_string(s, 1), "slug", column_string(s, 2), "title",
			column_string(s, 3), "state", column_string(s, 4), "attempts",
			sqlite3_column_int(s, 5), "next_attempt_at",
			col_time_ms(s, 6), "last_error", column_string(s, 8),
			"created_at", col_time_ms(s, 9), "sent_at",
			col_time_ms(s, 10));

		json_object_set_new(row, "last_status",
				    sqlite3_column_type(s, 7) == SQLITE_NULL
					    ? json_null()
					    : json_integer(sqlite3_column_int(
						      s, 7)));
		json_array_append_new(recent, row);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(recent);
		return NULL;
	}
	return json_pack("{s:{s:I,s:I,s:I,s:I},s:o}", "counts", "queued",
			 (json_int_t)n.queued, "sending",
			 (json_int_t)n.sending, "sent", (json_int_t)n.sent,
			 "failed", (json_int_t)n.failed, "recent", recent);
}

enum pm_status outbox_retry(struct dbconn *c, int64_t id, int *n)
{
	sqlite3_stmt *s = dbconn_stmt(c, id ? sql_retry_one : sql_retry_all);
	int rc;

	*n = 0;
	if (!s)
		return PM_DB;
	if (id) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, outbox_now_ms());
	} else {
		sqlite3_bind_int64(s, 1, outbox_now_ms());
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return PM_DB;
	*n = sqlite3_changes(dbconn_db(c));
	return PM_OK;
}

int64_t outbox_backoff_ms(long base_ms, int attempts, double jitter)
{
	int64_t delay = base_ms > 0 ? base_ms : 1;

	for (int i = 1; i < attempts && delay < MAX_DELAY_MS; i++)
		delay *= 2;
	if (delay > MAX_DELAY_MS)
		delay = MAX_DELAY_MS;
	if (jitter < 0)
		jitter = 0;
	if (jitter >= 1)
		jitter = 0.999999;
	return delay / 2 + (int64_t)((double)(delay - delay / 2) * jitter);
}

int64_t outbox_retry_after_ms(const char *value, int64_t now_s)
{
	const char *p = value;
	int64_t secs = 0;
	time_t when;

	if (!value)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			secs = secs * 10 + (*p - '0');
			if (secs > MAX_DELAY_MS / 1000)
				secs = MAX_DELAY_MS / 1000;
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		return *p ? -1 : secs * 1000;
	}
	/* An HTTP date: wait until then. */
	when = http_date_parse(p);
	if (when == (time_t)-1)
		return -1;
	if ((int64_t)when <= now_s)
		return 0;
	secs = (int64_t)when - now_s;
	return secs > MAX_DELAY_MS / 1000 ? MAX_DELAY_MS : secs * 1000;
}
