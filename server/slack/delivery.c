/*
 * The outbox's delivery worker: claim a due row (short write), POST it
 * (base/http_client.h, no lock held), record the outcome (short write),
 * sleep until the next row is due, a kick, or the poll interval.
 *
 * Times in the table are wall-clock milliseconds, because they must mean
 * the same after a restart; sleeping uses the monotonic clock.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/http_client.h"
#include "pmkb/base/log.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/wake.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/relations.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/outbox.h"

/* Bytes of an answer's body kept as the error. */
#define MAX_ERROR_BODY 200

static const char sql_recover[] =
	"UPDATE outbox SET state = 'queued' WHERE state = 'sending'";
static const char sql_next_due[] =
	"SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'";
static const char sql_claim[] =
	"UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
	"WHERE id = (SELECT id FROM outbox WHERE state = 'queued' AND "
	"next_attempt_at <= ?1 ORDER BY id LIMIT 1) "
	"RETURNING id, payload, attempts, dedupe_key";
/* The outcomes of a try: ?1 id, ?2 a time, ?3 HTTP status, ?4 error. */
static const char sql_sent[] =
	"UPDATE outbox SET state = 'sent', sent_at = ?2, last_status = ?3, "
	"last_error = ?4 WHERE id = ?1";
static const char sql_requeue[] =
	"UPDATE outbox SET state = 'queued', next_attempt_at = ?2, "
	"last_status = ?3, last_error = ?4 WHERE id = ?1";
static const char sql_fail[] =
	"UPDATE outbox SET state = 'failed', next_attempt_at = ?2, "
	"last_status = ?3, last_error = ?4 WHERE id = ?1";

struct outbox_worker {
	struct store *store;
	char *url; /* the webhook: a secret, never logged */
	int max_attempts;
	long backoff_ms, timeout_ms, poll_ms;
	pthread_t thread;
	struct wake wake; /* its lock also guards pause_until */
	/* After a failure that concerns the webhook, not one message. */
	int64_t pause_until;
	struct http_client *client;
};

/* A claimed row. */
struct job {
	int64_t id;
	char *payload;
	int attempts; /* including this one */
	/*
	 * "Idempotency-Key: pmkb-<hash of the dedupe key>": the same for
	 * every try of a message, in this process or the next.
	 */
	char key_header[64];
};

/* Posts job's payload to the webhook; *retry_after_ms from Retry-After or
 * -1. */
static void post(struct outbox_worker *w, const struct job *job,
		 struct http_answer *a, int64_t *retry_after_ms)
{
	struct http_post p = { 0 };
	const char *headers[] = { job->key_header, NULL };

	p.url = w->url;
	p.content_type = "application/json; charset=utf-8";
	p.headers = headers;
	p.body = job->payload;
	p.len = strlen(job->payload);
	p.timeout_ms = w->timeout_ms;
	p.cancel = &w->wake;
	http_client_post(w->client, &p, a);
	*retry_after_ms = a->retry_after[0]
				  ? outbox_retry_after_ms(a->retry_after,
							  (int64_t)time(NULL))
				  : -1;
}

/*
 * Records the outcome of a try (one of the statements above), retrying
 * briefly if the database is busy. Each is its own short transaction.
 */
static enum pm_status write_row(struct outbox_worker *w, const char *sql,
				int64_t id, int64_t when, long status,
				const char *error)
{
	enum pm_status st = PM_DB;

	for (int tries = 0; tries < 5 && st != PM_OK; tries++) {
		struct dbconn *c;
		sqlite3_stmt *s;
		int rc;

		if (tries) {
			struct timespec ts = { 0, 200 * 1000000L };

			nanosleep(&ts, NULL);
		}
		c = store_writer(w->store);
		s = dbconn_stmt(c, sql);
		if (s) {
			sqlite3_bind_int64(s, 1, id);
			sqlite3_bind_int64(s, 2, when);
			sqlite3_bind_int64(s, 3, status);
			if (error)
				sqlite3_bind_text(s, 4, error, -1,
						  SQLITE_TRANSIENT);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc == SQLITE_DONE)
				st = PM_OK;
			else
				log_kv(LOG_ERROR, "outbox.db", "error",
				       sqlite3_errmsg(dbconn_db(c)), NULL);
		}
		store_writer_release(w->store);
	}
	return st;
}

/* Fills job->key_header from the row's dedupe key (key, n bytes). */
static void key_header(struct job *job, const unsigned char *key, size_t n)
{
	unsigned char h[16];
	char hex[2 * sizeof(h) + 1];

	crypto_generichash(h, sizeof(h), key, n, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(job->key_header, sizeof(job->key_header),
		 "Idempotency-Key: pmkb-%s", hex);
}

/*
 * Claims the first queued of the due rows (queued → sending, one more
 * attempt), so that Slack gets announcements in the order they were
 * made. job->id is 0 when none is due.
 */
static enum pm_status claim(struct outbox_worker *w, int64_t now,
			    struct job *job)
{
	struct dbconn *c = store_writer(w->store);
	sqlite3_stmt *s = dbconn_stmt(c, sql_claim);
	enum pm_status st = PM_DB;
	int rc;

	memset(job, 0, sizeof(*job));
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		job->id = sqlite3_column_int64(s, 0);
		job->payload = xstrdup((const char *)sqlite3_column_text(s, 1));
		job->attempts = sqlite3_column_int(s, 2);
		key_header(job, sqlite3_column_text(s, 3),
			   (size_t)sqlite3_column_bytes(s, 3));
		rc = sqlite3_step(s);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		st = PM_OK;
	else
		log_kv(LOG_ERROR, "outbox.db", "error",
		       sqlite3_errmsg(dbconn_db(c)), NULL);
out:
	store_writer_release(w->store);
	if (st != PM_OK && job->payload) {
		/* The claim did not commit: the row is still queued. */
		free(job->payload);
		memset(job, 0, sizeof(*job));
	}
	return st;
}

/* A short description of a failed POST, without the URL. */
static void describe(const struct http_answer *r, struct buf *out)
{
	if (r->outcome != HTTP_ANSWERED) {
		buf_addf(out, "network: %s", r->error);
		return;
	}
	buf_addf(out, "HTTP %ld", r->status);
	if (r->body.len) {
		buf_addstr(out, ": ");
		utf8_repair(out, r->body.ptr,
			    r->body.len < MAX_ERROR_BODY ? r->body.len
							  : MAX_ERROR_BODY);
	}
	for (size_t i = 0; i < out->len; i++)
		if (out->ptr[i] == '\n' || out->ptr[i] == '\r')
			out->ptr[i] = ' ';
}

static double jitter(void)
{
	return (double)randombytes_uniform(1000000) / 1e6;
}

/* Posts a claimed row and records the outcome. */
static void deliver(struct outbox_worker *w, struct job *job)
{
	struct http_answer r;
	int64_t retry_after;
	struct buf why = BUF_INIT;
	char id[24], tries[16], wait[24];
	int retry = 0;
	int64_t delay = 0, now;

	post(w, job, &r, &retry_after);
	now = outbox_now_ms();
	snprintf(id, sizeof(id), "%lld", (long long)job->id);
	snprintf(tries, sizeof(tries), "%d", job->attempts);
	if (r.outcome == HTTP_ANSWERED && r.status >= 200 && r.status < 300) {
		if (write_row(w, sql_sent, job->id, now, r.status, NULL) ==
		    PM_OK)
			log_kv(LOG_INFO, "outbox.sent", "id", id, "attempts",
			       tries, NULL);
		goto out;
	}
	describe(&r, &why);
	if (r.outcome == HTTP_NO_ANSWER) {
		/*
		 * The whole message went out and no answer came in a time far
		 * longer than Slack takes: it may well have been posted, and
		 * sending it again could post it twice. Kept as failed for a
		 * person to check (pmkb outbox retry sends it again); the
		 * others wait a backoff, as the webhook is struggling.
		 */
		buf_reset(&why);
		buf_addf(&why, "no answer within %ld ms after the message was "
			       "sent (%s): it may have been posted, so it is "
			       "not sent again; check the channel (pmkb outbox "
			       "retry sends it again)",
			 w->timeout_ms, r.error);
		write_row(w, sql_fail, job->id, now, 0, why.ptr);
		log_kv(LOG_ERROR, "outbox.unknown", "id", id, "attempts", tries,
		       "error", why.ptr, NULL);
		delay = outbox_backoff_ms(w->backoff_ms, 1, jitter());
		goto pause;
	}
	if (r.outcome == HTTP_ANSWERED && r.status == 429) {
		retry = 1;
		delay = retry_after >= 0
				? retry_after
				: outbox_backoff_ms(w->backoff_ms,
						    job->attempts, jitter());
	} else if (r.outcome == HTTP_NOT_SENT || r.status >= 500 ||
		   r.status == 408) {
		retry = 1;
		delay = outbox_backoff_ms(w->backoff_ms, job->attempts,
					  jitter());
		if (retry_after > delay)
			delay = retry_after;
	}
	/* Anything else (400 invalid_payload, 403, 404, 410) won't heal. */
	if (!retry || job->attempts >= w->max_attempts) {
		write_row(w, sql_fail, job->id, now, r.status, why.ptr);
		log_kv(LOG_ERROR, "outbox.failed", "id", id, "attempts", tries,
		       "error", why.ptr, NULL);
		goto out;
	}
	write_row(w, sql_requeue, job->id, now + delay, r.status, why.ptr);
	snprintf(wait, sizeof(wait), "%lld", (long long)delay);
	log_kv(LOG_WARN, "outbox.retry", "id", id, "attempts", tries,
	       "wait_ms", wait, "error", why.ptr, NULL);
	/*
	 * The webhook, not this message, is what failed: hold every message
	 * back, so that an outage costs one try per interval, not one per
	 * message, and a 429 is honoured for all of them.
	 */
pause:
	pthread_mutex_lock(&w->wake.lock);
	w->pause_until = now + delay;
	pthread_mutex_unlock(&w->wake.lock);
out:
	buf_release(&why);
	http_answer_release(&r);
}

static void *worker_main(void *arg)
{
	struct outbox_worker *w = arg;

	for (;;) {
		struct job job;
		int64_t now = outbox_now_ms(), pause, due, wait;
		int stop;

		pthread_mutex_lock(&w->wake.lock);
		stop = w->wake.stop;
		pause = w->pause_until;
		pthread_mutex_unlock(&w->wake.lock);
		if (stop)
			break;
		/* A reader looks first: the writer is for real work only. */
		due = store_read_int(w->store, sql_next_due, -1);
		if (now >= pause && due >= 0 && due <= now &&
		    claim(w, now, &job) == PM_OK && job.id) {
			deliver(w, &job);
			free(job.payload);
			continue;
		}
		wait = w->poll_ms;
		if (due >= 0 && due - now < wait)
			wait = due - now;
		if (pause > now && pause - now > wait)
			wait = pause - now;
		/* Never spin, whatever the clocks say. */
		if (wait < 10)
			wait = 10;
		wake_wait_ms(&w->wake, wait);
	}
	return NULL;
}

enum pm_status outbox_worker_start(struct outbox_worker **out,
				   struct store *st,
				   const struct outbox_settings *s,
				   struct pm_error *err)
{
	struct outbox_worker *w = NULL;
	struct dbconn *c;
	enum pm_status rc = PM_OK;
	int recovered = 0;

	*out = NULL;
	if (strncmp(s->webhook_url, "https://", 8) &&
	    strncmp(s->webhook_url, "http://", 7))
		return pm_error_set(err, PM_INVALID, "PMKB_SLACK_WEBHOOK_URL",
				    0, "PMKB_SLACK_WEBHOOK_URL must be an "
				    "http(s):// URL: Slack's incoming webhook");
	if (sodium_init() < 0)
		return pm_error_set(err, PM_INTERNAL, "outbox", 0,
				    "cannot initialise libsodium");
	/* Rows a dead process left in flight are due again. */
	c = store_writer(st);
	if (dbconn_exec(c, sql_recover) == PM_OK)
		recovered = sqlite3_changes(dbconn_db(c));
	else
		rc = PM_DB;
	store_writer_release(st);
	if (rc != PM_OK)
		return pm_error_set(err, rc, "outbox", 0,
				    "cannot read the outbox");
	if (recovered) {
		char n[16];

		snprintf(n, sizeof(n), "%d", recovered);
		log_kv(LOG_WARN, "outbox.recovered", "rows", n, "note",
		       "sending again what a previous process was sending",
		       NULL);
	}
	w = xcalloc(1, sizeof(*w));
	w->store = st;
	w->url = xstrdup(s->webhook_url);
	w->max_attempts = s->max_attempts > 0 ? s->max_attempts : 8;
	w->backoff_ms = s->backoff_ms > 0 ? s->backoff_ms : 5000;
	w->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : 30000;
	w->poll_ms = s->poll_ms > 0 ? s->poll_ms : 1000;
	if (!(w->client = http_client_new())) {
		free(w->url);
		free(w);
		return pm_error_set(err, PM_INTERNAL, "outbox", 0,
				    "cannot initialise libcurl");
	}
	wake_init(&w->wake);
	if (pthread_create(&w->thread, NULL, worker_main, w)) {
		http_client_free(w->client);
		wake_destroy(&w->wake);
		free(w->url);
		free(w);
		return pm_error_set(err, PM_INTERNAL, "outbox", 0,
				    "cannot start the outbox thread");
	}
	{
		char tries[16], backoff[24];

		snprintf(tries, sizeof(tries), "%d", w->max_attempts);
		snprintf(backoff, sizeof(backoff), "%ld", w->backoff_ms);
		log_kv(LOG_INFO, "outbox.start", "max_attempts", tries,
		       "backoff_ms", backoff, NULL);
	}
	*out = w;
	return PM_OK;
}

void outbox_worker_kick(struct outbox_worker *w)
{
	if (w)
		wake_kick(&w->wake);
}

void outbox_worker_stop(struct outbox_worker *w)
{
	if (!w)
		return;
	wake_stop(&w->wake);
	pthread_join(w->thread, NULL);
	http_client_free(w->client);
	wake_destroy(&w->wake);
	sodium_memzero(w->url, strlen(w->url));
	free(w->url);
	free(w);
}

/* ---- the index listener ---- */

static const char sql_renamed_to[] =
	"SELECT 1 FROM slug_redirects WHERE new_slug = ?1";

/*
 * Queues the Slack message for what index_put() just did, when the change
 * is worth announcing. The file reached by a git
 * rename is not new: its old slug redirects to it (index_remove() ran
 * first), and it was announced under its old name. (A later, unrelated
 * file that takes the same slug is not announced either: rare, and
 * better than announcing every rename.)
 */
static enum pm_status listener_put(void *arg, struct dbconn *c,
				   const char *path,
				   const struct postmortem *pm,
				   const struct pm_provenance *prov,
				   const char *data, size_t len,
				   const struct index_outcome *o, int *queued)
{
	const struct outbox_context *ctx = arg;
	struct outbox_announcement a = { 0 };
	json_t *recs = NULL;
	enum pm_status rc;
	unsigned char h[16];
	char hex[33];
	sqlite3_stmt *s;
	int renamed;

	if (!outbox_should_announce(ctx->mode, o->change,
				    o->old_status, o->status, &a.event))
		return PM_OK;
	if (a.event == OUTBOX_NEW) {
		if (!(s = dbconn_stmt(c, sql_renamed_to)))
			return PM_DB;
		sqlite3_bind_text(s, 1, o->slug, -1, SQLITE_STATIC);
		renamed = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_reset(s);
		if (renamed)
			return PM_OK;
	}
	/* Unsalted: the key must not change when only the settings do. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)data, len,
			   NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	a.path = path;
	a.slug = o->slug;
	a.title = pm->title;
	a.severity = pm->severity;
	a.summary = pm->summary;
	a.commit = prov->commit;
	a.content_hash = hex;
	a.causes = (const char *const *)pm->causes.v;
	a.n_causes = pm->causes.n;
	a.services = (const char *const *)pm->services.v;
	a.n_services = pm->services.n;
	/* Relations and items are written before the listener hears. */
	if (a.event != OUTBOX_UPDATED) {
		recs = relations_recurrences(c, o->id);
		a.recurrences = recs;
	}
	rc = outbox_enqueue(c, ctx, &a, queued);
	json_decref(recs);
	return rc;
}

static void listener_committed(void *arg, int queued)
{
	const struct outbox_context *ctx = arg;
	char n[16];

	snprintf(n, sizeof(n), "%d", queued);
	log_kv(LOG_INFO, "outbox.queued", "messages", n, NULL);
	outbox_worker_kick(ctx->worker);
}

const struct index_listener *outbox_listener(struct outbox_context *ctx)
{
	ctx->listener.put = listener_put;
	ctx->listener.committed = listener_committed;
	ctx->listener.ctx = ctx;
	return &ctx->listener;
}
