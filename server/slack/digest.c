/*
 * The action-item digest (slack/digest.h): when a period is due, what it
 * says, and the thread that queues it on the outbox.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/log.h"
#include "pmkb/base/wake.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/settings.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/digest.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/stats/stats.h"

/* Owners shown, and items shown per owner; the rest are counted. */
#define MAX_OWNERS 40
#define MAX_ITEMS 10

/* ---- the schedule ----------------------------------------------------- */

static void day_text(int64_t day, char out[16])
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", (int)(y % 10000), m, d);
}

/* The instant of local minute `minute` of local day `day` in zone z. */
static int64_t local_instant(const struct stats_zone *z, int64_t day,
			     int minute)
{
	int64_t local = day * 86400 + (int64_t)minute * 60;
	int64_t guess = local - stats_zone_offset(z, local);

	return local - stats_zone_offset(z, guess);
}

int digest_period(const struct learning *l, const struct stats_zone *z,
		  int64_t now, struct digest_period *p)
{
	int64_t local, day, at;
	int wd;

	memset(p, 0, sizeof(*p));
	if (!l || l->digest_weekday < 0)
		return 0;
	local = now + stats_zone_offset(z, now);
	day = civil_floor_div(local, 86400);
	/* 1970-01-01 was a Thursday (4). */
	wd = (int)(((day % 7) + 7 + 4) % 7);
	day -= (wd - l->digest_weekday + 7) % 7;
	at = local_instant(z, day, l->digest_minute);
	if (at > now) {
		day -= 7;
		at = local_instant(z, day, l->digest_minute);
	}
	p->at = at;
	p->next = local_instant(z, day + 7, l->digest_minute);
	day_text(day, p->day);
	snprintf(p->when, sizeof(p->when), "%s %02d:%02d %.32s", p->day,
		 l->digest_minute / 60, l->digest_minute % 60,
		 stats_zone_name(z));
	return 1;
}

/* ---- the message ------------------------------------------------------ */

static const char sql_items[] =
	"SELECT a.owner, a.due, a.text, a.pos, p.slug, p.title "
	"FROM action_items a JOIN postmortems p ON p.id = a.pm_id "
	"WHERE a.done = 0 AND a.due IS NOT NULL AND a.due <= ?1 "
	"ORDER BY a.owner IS NULL, lower(a.owner), a.due, p.slug, a.pos";

struct group {
	struct buf text;
	char *owner;
	int shown, more;
};

/* The owner's heading: a mention when people: knows them. */
static void owner_heading(struct buf *b, const struct learning *l,
			  const char *owner)
{
	const char *id = owner ? learning_slack_id(l, owner) : NULL;

	if (id) {
		buf_addstr(b, "<@");
		slack_escape(b, id, strlen(id));
		buf_addstr(b, ">");
	} else if (owner) {
		buf_addstr(b, "*@");
		slack_escape_max(b, owner, 80);
		buf_addstr(b, "*");
	} else {
		buf_addstr(b, "*No owner*");
	}
}

static void item_line(struct buf *b, sqlite3_stmt *s, const char *today,
		      const char *public_url)
{
	const char *due = (const char *)sqlite3_column_text(s, 1);
	const char *text = (const char *)sqlite3_column_text(s, 2);
	const char *slug = (const char *)sqlite3_column_text(s, 4);
	const char *title = (const char *)sqlite3_column_text(s, 5);

	buf_addstr(b, strcmp(due, today) < 0 ? "\n• overdue since "
					      : "\n• due ");
	buf_addstr(b, due);
	buf_addstr(b, ": ");
	slack_escape_max(b, text ? text : "", 200);
	buf_addstr(b, " (<");
	slack_escape(b, public_url, strlen(public_url));
	buf_addstr(b, "/p/");
	slack_escape(b, slug, strlen(slug));
	buf_addstr(b, "|");
	slack_escape_max(b, title && *title ? title : slug, 120);
	buf_addf(b, "> #%d)", sqlite3_column_int(s, 3) + 1);
}

static json_t *section(const char *text)
{
	return json_pack("{s:s,s:{s:s,s:s}}", "type", "section", "text",
			 "type", "mrkdwn", "text", text);
}

json_t *digest_message(struct dbconn *c, const struct taxonomy *tax,
		       const char *public_url, const struct digest_period *p,
		       size_t *n_items)
{
	const struct learning *l = tax ? tax->learning : NULL;
	sqlite3_stmt *s = dbconn_stmt(c, sql_items);
	struct group *g = NULL;
	size_t n = 0, alloc = 0, overdue = 0, soon = 0;
	struct buf head = BUF_INIT;
	char until[16];
	json_t *blocks = json_array(), *msg;
	int64_t y;
	int m, d;

	*n_items = 0;
	sscanf(p->day, "%4lld-%2d-%2d", (long long *)&y, &m, &d);
	day_text(civil_to_days(y, m, d) + DIGEST_AHEAD_DAYS, until);
	if (s) {
		sqlite3_bind_text(s, 1, until, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *owner =
				(const char *)sqlite3_column_text(s, 0);
			struct group *cur = n ? &g[n - 1] : NULL;

			if (!cur || (cur->owner == NULL) != (owner == NULL) ||
			    (owner && strcasecmp(cur->owner, owner))) {
				XGROW(g, alloc, n + 1);
				cur = &g[n++];
				memset(cur, 0, sizeof(*cur));
				cur->text = (struct buf)BUF_INIT;
				cur->owner = owner ? xstrdup(owner) : NULL;
				owner_heading(&cur->text, l, owner);
			}
			if (strcmp((const char *)sqlite3_column_text(s, 1),
				   p->day) < 0)
				overdue++;
			else
				soon++;
			if (cur->shown < MAX_ITEMS) {
				item_line(&cur->text, s, p->day, public_url);
				cur->shown++;
			} else {
				cur->more++;
			}
		}
		sqlite3_reset(s);
	}
	*n_items = overdue + soon;
	buf_addf(&head, "*Action items:* %zu overdue, %zu due within %d "
			"days (%s)",
		 overdue, soon, DIGEST_AHEAD_DAYS, p->day);
	json_array_append_new(blocks, section(head.ptr));
	for (size_t i = 0; i < n; i++) {
		if (i < MAX_OWNERS) {
			if (g[i].more)
				buf_addf(&g[i].text, "\n… and %d more",
					 g[i].more);
			json_array_append_new(blocks, section(g[i].text.ptr));
		}
		buf_release(&g[i].text);
		free(g[i].owner);
	}
	if (n > MAX_OWNERS) {
		struct buf more = BUF_INIT;

		buf_addf(&more, "… and %zu more owners", n - MAX_OWNERS);
		json_array_append_new(blocks, section(more.ptr));
		buf_release(&more);
	}
	free(g);
	msg = json_pack("{s:s,s:o}", "text", head.ptr, "blocks", blocks);
	buf_release(&head);
	return msg;
}

/* ---- queueing --------------------------------------------------------- */

const char *digest_result_name(enum digest_result r)
{
	switch (r) {
	case DIGEST_OFF: return "off";
	case DIGEST_LATER: return "late";
	case DIGEST_EMPTY: return "empty";
	case DIGEST_ALREADY: return "already";
	case DIGEST_QUEUED: return "queued";
	}
	return "unknown";
}

enum pm_status digest_queue(struct store *st, const struct taxonomy *tax,
			    const char *public_url, int64_t now, int any_time,
			    enum digest_result *res, struct digest_period *p,
			    struct pm_error *err)
{
	struct digest_period local;
	struct stats_zone *z = NULL;
	struct dbconn *c;
	struct buf key = BUF_INIT;
	json_t *msg = NULL;
	char *payload = NULL;
	size_t n = 0;
	int queued = 0;
	enum pm_status rc;

	*res = DIGEST_OFF;
	if (!p)
		p = &local;
	if ((rc = stats_zone_load(&z, tax && tax->time_zone ? tax->time_zone
							    : "UTC",
				  err)) != PM_OK)
		return rc;
	if (!digest_period(tax ? tax->learning : NULL, z, now, p))
		goto out;
	if (!any_time && now - p->at > DIGEST_GRACE_SECONDS) {
		*res = DIGEST_LATER;
		goto out;
	}
	buf_addf(&key, "digest:%s", p->day);
	if (!(c = store_writer(st))) {
		rc = pm_error_set(err, PM_DB, NULL, 0, "cannot write the index");
		goto out;
	}
	/* One transaction: the look and the queueing agree. */
	if ((rc = dbconn_begin(c)) == PM_OK) {
		msg = digest_message(c, tax, public_url, p, &n);
		payload = json_dumps(msg, JSON_COMPACT);
		if (!n)
			*res = DIGEST_EMPTY;
		else if ((rc = outbox_put(c, key.ptr, OUTBOX_DIGEST, "",
					  "action items", payload,
					  &queued)) == PM_OK)
			*res = queued ? DIGEST_QUEUED : DIGEST_ALREADY;
		if (rc == PM_OK)
			rc = dbconn_commit(c);
		else
			dbconn_rollback(c);
	}
	store_writer_release(st);
	if (rc != PM_OK)
		pm_error_set(err, rc, NULL, 0, "cannot queue the digest");
out:
	free(payload);
	json_decref(msg);
	buf_release(&key);
	stats_zone_free(z);
	return rc;
}

/* ---- the scheduler ---------------------------------------------------- */

struct digest_scheduler {
	struct store *store;
	struct settings *settings;
	const char *public_url;
	struct outbox_worker *worker;
	long tick_ms;
	pthread_t thread;
	struct wake wake;
	char last[48]; /* what was last logged */
};

static void check(struct digest_scheduler *d)
{
	const struct taxonomy *tax = settings_acquire(d->settings);
	struct digest_period p;
	enum digest_result res;
	struct pm_error err;
	char seen[sizeof(d->last)];
	enum pm_status rc;

	pm_error_clear(&err);
	rc = digest_queue(d->store, tax, d->public_url, civil_now(), 0,
			  &res, &p, &err);
	settings_release(d->settings, tax);
	if (rc != PM_OK) {
		log_kv(LOG_ERROR, "digest.error", "error", err.message, NULL);
		return;
	}
	if (res == DIGEST_QUEUED)
		outbox_worker_kick(d->worker);
	/* Logged when it changes, not every tick. */
	snprintf(seen, sizeof(seen), "%s:%s", p.day,
		 digest_result_name(res));
	if (strcmp(seen, d->last)) {
		memcpy(d->last, seen, sizeof(seen));
		log_kv(res == DIGEST_OFF ? LOG_DEBUG : LOG_INFO,
		       "digest.check", "period", p.day[0] ? p.when : "none",
		       "result", digest_result_name(res), NULL);
	}
}

static void *run(void *arg)
{
	struct digest_scheduler *d = arg;

	while (!wake_stopped(&d->wake)) {
		check(d);
		wake_wait_ms(&d->wake, d->tick_ms);
	}
	return NULL;
}

enum pm_status digest_start(struct digest_scheduler **out, struct store *st,
			    struct settings *settings, const char *public_url,
			    struct outbox_worker *worker, long tick_ms,
			    struct pm_error *err)
{
	struct digest_scheduler *d = xcalloc(1, sizeof(*d));

	*out = NULL;
	d->store = st;
	d->settings = settings;
	d->public_url = public_url;
	d->worker = worker;
	d->tick_ms = tick_ms > 0 ? tick_ms : 30000;
	wake_init(&d->wake);
	if (pthread_create(&d->thread, NULL, run, d)) {
		wake_destroy(&d->wake);
		free(d);
		return pm_error_set(err, PM_INTERNAL, NULL, 0,
				    "cannot start the digest thread");
	}
	*out = d;
	return PM_OK;
}

void digest_stop(struct digest_scheduler *d)
{
	if (!d)
		return;
	wake_stop(&d->wake);
	pthread_join(d->thread, NULL);
	wake_destroy(&d->wake);
	free(d);
}
