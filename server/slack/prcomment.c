/*
 * Comments on pull requests: the queue (table pr_comments) and the worker
 * that reads a pull request's changed paths, recalls past incidents and
 * creates or edits pmkb's one comment. See include/pmkb/slack/prcomment.h.
 *
 * As in the Slack outbox (delivery.c), every database write is a short
 * transaction of its own and no lock is held during an HTTP call.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/hash.h"
#include "pmkb/base/http_client.h"
#include "pmkb/base/log.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/wake.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/settings.h"
#include "pmkb/search/recall.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/forge.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/slack/prcomment.h"

/* Bytes of a forge's answer read (a page of files carries patches). */
#define MAX_ANSWER (8u << 20)

static const char sql_recover[] =
	"UPDATE pr_comments SET state = 'queued' WHERE state = 'sending'";
static const char sql_enqueue[] =
	"INSERT INTO pr_comments(forge, api, repo, number, head, "
	"next_attempt_at, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6) "
	"ON CONFLICT (forge, api, repo, number) DO UPDATE SET "
	"head = excluded.head, generation = generation + 1, "
	"state = 'queued', attempts = 0, "
	"next_attempt_at = excluded.next_attempt_at, "
	"updated_at = excluded.updated_at";
static const char sql_next_due[] =
	"SELECT min(next_attempt_at) FROM pr_comments WHERE state = 'queued'";
static const char sql_claim[] =
	"UPDATE pr_comments SET state = 'sending', attempts = attempts + 1 "
	"WHERE id = (SELECT id FROM pr_comments WHERE state = 'queued' AND "
	"next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1) "
	"RETURNING id, generation, forge, api, repo, number, head, "
	"comment_id, body_hash, attempts";
static const char sql_comment[] =
	"UPDATE pr_comments SET comment_id = ?2 WHERE id = ?1";
/* ?1 id, ?2 generation: an event that came meanwhile keeps it queued. */
static const char sql_done[] =
	"UPDATE pr_comments SET state = ?3, body_hash = coalesce(?4, "
	"body_hash), matches = ?5, last_status = ?6, last_error = NULL, "
	"updated_at = ?7 WHERE id = ?1 AND generation = ?2";
static const char sql_again[] =
	"UPDATE pr_comments SET state = ?3, next_attempt_at = ?4, "
	"last_status = ?5, last_error = ?6, updated_at = ?4 "
	"WHERE id = ?1 AND generation = ?2";

struct pr_worker {
	struct store *store;
	struct settings *settings;
	char *public_url;
	char *token[3];
	int max_attempts;
	long backoff_ms, timeout_ms;
	pthread_t thread;
	int started;
	struct wake wake;
	struct http_client *client;
	struct outbox_worker *slack;
};

struct job {
	int64_t id, generation;
	struct forge_pr pr;
	char comment_id[64];
	char *body_hash;
	int attempts;
};

/* Why a request did not succeed. */
struct failure {
	long status;
	int retry;
	int64_t retry_after; /* ms, -1: none */
	struct buf why;
};

/*
 * Runs one statement on the writer with binds given by types: 'i' an
 * int64_t, 't' a string (NULL binds NULL). Retries briefly when busy.
 */
static enum pm_status run(struct pr_worker *w, const char *sql,
			  const char *types, ...)
{
	enum pm_status st = PM_DB;

	for (int tries = 0; tries < 5 && st != PM_OK; tries++) {
		struct dbconn *c;
		sqlite3_stmt *s;
		va_list ap;

		if (tries) {
			struct timespec ts = { 0, 200 * 1000000L };

			nanosleep(&ts, NULL);
		}
		c = store_writer(w->store);
		if ((s = dbconn_stmt(c, sql))) {
			va_start(ap, types);
			for (int i = 0; types[i]; i++) {
				if (types[i] == 'i') {
					sqlite3_bind_int64(s, i + 1,
							   va_arg(ap, int64_t));
				} else {
					const char *v = va_arg(ap, const char *);

					if (v)
						sqlite3_bind_text(s, i + 1, v, -1,
								  SQLITE_TRANSIENT);
					else
						sqlite3_bind_null(s, i + 1);
				}
			}
			va_end(ap);
			if (sqlite3_step(s) == SQLITE_DONE)
				st = PM_OK;
			else
				log_kv(LOG_ERROR, "prcomment.db", "error",
				       sqlite3_errmsg(dbconn_db(c)), NULL);
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
		}
		store_writer_release(w->store);
	}
	return st;
}

enum pm_status prcomment_enqueue(struct pr_worker *w,
				 const struct forge_pr *pr)
{
	enum pm_status st;

	st = run(w, sql_enqueue, "tttiti", forge_name(pr->forge), pr->api,
		 pr->repo, (int64_t)pr->number, pr->head, outbox_now_ms());
	if (st == PM_OK)
		wake_kick(&w->wake);
	return st;
}

int prcomment_can(const struct pr_worker *w, const struct forge_pr *pr)
{
	return w && w->token[pr->forge];
}

static const char *col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

/* Claims the first due row; job->id is 0 when none is due. */
static void claim(struct pr_worker *w, int64_t now, struct job *job)
{
	struct dbconn *c = store_writer(w->store);
	sqlite3_stmt *s = dbconn_stmt(c, sql_claim);
	int rc = SQLITE_ERROR;

	memset(job, 0, sizeof(*job));
	if (s) {
		sqlite3_bind_int64(s, 1, now);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			job->id = sqlite3_column_int64(s, 0);
			job->generation = sqlite3_column_int64(s, 1);
			job->pr.forge = (enum forge_kind)forge_parse(col(s, 2));
			job->pr.api = xstrdup(col(s, 3));
			job->pr.repo = xstrdup(col(s, 4));
			job->pr.number = (long)sqlite3_column_int64(s, 5);
			job->pr.head = xstrdup(col(s, 6));
			snprintf(job->comment_id, sizeof(job->comment_id), "%s",
				 col(s, 7));
			if (sqlite3_column_type(s, 8) != SQLITE_NULL)
				job->body_hash = xstrdup(col(s, 8));
			job->attempts = sqlite3_column_int(s, 9);
			rc = sqlite3_step(s);
		}
		sqlite3_reset(s);
	}
	if (rc != SQLITE_DONE) {
		log_kv(LOG_ERROR, "prcomment.db", "error",
		       sqlite3_errmsg(dbconn_db(c)), NULL);
		forge_pr_release(&job->pr);
		free(job->body_hash);
		memset(job, 0, sizeof(*job));
	}
	store_writer_release(w->store);
	if (job->id && (int)job->pr.forge < 0)
		job->pr.forge = FORGE_GITHUB; /* not written by this program */
}

/*
 * One request to the forge about job's pull request. Returns 1 on a 2xx
 * with the answer's JSON in *out (owned; may be NULL when not asked for),
 * else 0 with f filled.
 */
static int call(struct pr_worker *w, const struct job *job,
		const char *method, const char *url, const char *body,
		json_t **out, struct failure *f)
{
	struct buf auth = BUF_INIT;
	const char *headers[4] = { NULL, NULL, NULL, NULL };
	struct http_post p = { 0 };
	struct http_answer a;
	int ok = 0;

	forge_auth_header(job->pr.forge, w->token[job->pr.forge], &auth);
	headers[0] = auth.ptr;
	if (job->pr.forge == FORGE_GITHUB) {
		headers[1] = "Accept: application/vnd.github+json";
		headers[2] = "X-GitHub-Api-Version: 2022-11-28";
	} else {
		headers[1] = "Accept: application/json";
	}
	p.method = method;
	p.url = url;
	p.headers = headers;
	p.content_type = body ? "application/json" : NULL;
	p.body = body;
	p.len = body ? strlen(body) : 0;
	p.timeout_ms = w->timeout_ms;
	p.max_body = MAX_ANSWER;
	p.cancel = &w->wake;
	http_client_post(w->client, &p, &a);
	f->status = a.outcome == HTTP_ANSWERED ? a.status : 0;
	f->retry_after = a.retry_after[0]
				 ? outbox_retry_after_ms(a.retry_after,
							 (int64_t)time(NULL))
				 : -1;
	buf_reset(&f->why);
	if (a.outcome == HTTP_ANSWERED && a.status >= 200 && a.status < 300) {
		json_error_t jerr;

		ok = 1;
		if (out && a.body.len >= MAX_ANSWER) {
			ok = 0;
			buf_addf(&f->why, "%s %s: the answer is larger than "
				 "%u bytes", method, url, MAX_ANSWER);
		} else if (out && !(*out = json_loadb(a.body.ptr ? a.body.ptr
								 : "",
						      a.body.len, 0, &jerr))) {
			ok = 0;
			buf_addf(&f->why, "%s %s: the answer is not JSON: %s",
				 method, url, jerr.text);
		}
		f->retry = 0;
	} else if (a.outcome != HTTP_ANSWERED) {
		buf_addf(&f->why, "%s %s: %s", method, url, a.error);
		f->retry = 1;
	} else {
		buf_addf(&f->why, "%s %s: HTTP %ld", method, url, a.status);
		if (a.body.len) {
			buf_addstr(&f->why, ": ");
			utf8_repair(&f->why, a.body.ptr,
				    a.body.len < 200 ? a.body.len : 200);
		}
		/* GitHub's rate limit is a 403 with a Retry-After. */
		f->retry = a.status >= 500 || a.status == 408 ||
			   a.status == 429 ||
			   (a.status == 403 && a.retry_after[0]);
	}
	http_answer_release(&a);
	buf_release(&auth);
	return ok;
}

/* The changed paths, every page of them, into paths. */
static int fetch_paths(struct pr_worker *w, const struct job *job,
		       struct pm_list *paths, struct failure *f)
{
	for (int page = 1; page <= FORGE_MAX_PAGES; page++) {
		struct buf url = BUF_INIT;
		json_t *j = NULL;
		long n;

		forge_url_files(&job->pr, page, &url);
		if (!call(w, job, "GET", url.ptr, NULL, &j, f)) {
			buf_release(&url);
			return 0;
		}
		n = forge_page_paths(job->pr.forge, j, paths);
		json_decref(j);
		if (n < 0) {
			buf_addf(&f->why, "GET %s: not a list of files",
				 url.ptr);
			f->retry = 0;
		}
		buf_release(&url);
		if (n < 0)
			return 0;
		if (n < FORGE_PER_PAGE)
			break;
	}
	return 1;
}

/* pmkb's comment among the pull request's, by its marker; id "" if none. */
static int find_comment(struct pr_worker *w, const struct job *job, char *id,
			size_t idsz, struct failure *f)
{
	id[0] = '\0';
	for (int page = 1; page <= FORGE_MAX_PAGES; page++) {
		struct buf url = BUF_INIT;
		json_t *j = NULL;
		size_t n;
		int found;

		forge_url_comments(&job->pr, page, &url);
		if (!call(w, job, "GET", url.ptr, NULL, &j, f)) {
			buf_release(&url);
			return 0;
		}
		buf_release(&url);
		found = forge_page_find(j, PRCOMMENT_MARKER, id, idsz);
		n = json_array_size(j);
		json_decref(j);
		if (found || n < FORGE_PER_PAGE ||
		    job->pr.forge == FORGE_GITEA)
			break;
	}
	return 1;
}

/* Creates (id "") or edits the comment; 1 when done, id set. */
static int write_comment(struct pr_worker *w, struct job *job,
			 const char *text, char *id, size_t idsz,
			 struct failure *f)
{
	json_t *req = json_pack("{s:s}", "body", text), *res = NULL;
	char *body = json_dumps(req, JSON_COMPACT);
	struct buf url = BUF_INIT;
	int ok;

	if (id[0]) {
		forge_url_comment(&job->pr, id, &url);
		ok = call(w, job, forge_edit_method(job->pr.forge), url.ptr,
			  body, NULL, f);
		/* Deleted by someone: write a new one. */
		if (!ok && f->status == 404) {
			id[0] = '\0';
			run(w, sql_comment, "it", job->id, (const char *)NULL);
		}
	}
	if (!id[0]) {
		buf_reset(&url);
		forge_url_comments(&job->pr, 0, &url);
		ok = call(w, job, "POST", url.ptr, body, &res, f);
		if (ok && !forge_object_id(res, id, idsz)) {
			buf_addf(&f->why, "POST %s: the answer has no id",
				 url.ptr);
			f->retry = 0;
			ok = 0;
		}
		if (ok)
			run(w, sql_comment, "it", job->id, id);
	}
	json_decref(res);
	json_decref(req);
	free(body);
	buf_release(&url);
	return ok;
}

/* The recall for paths, as the comment's text; *matched: how many. */
static enum pm_status recall_text(struct pr_worker *w, const struct job *job,
				  const struct pm_list *paths, struct buf *out,
				  size_t *matched, struct failure *f)
{
	struct dbconn *c = store_reader(w->store);
	const struct taxonomy *tax;
	struct pm_error err;
	json_t *res = NULL;
	enum pm_status st;

	if (!c) {
		buf_addstr(&f->why, "cannot read the index");
		return PM_DB;
	}
	pm_error_clear(&err);
	tax = settings_acquire(w->settings);
	st = recall_run(c, tax, (const char *const *)paths->v, paths->n, &res,
			&err);
	settings_release(w->settings, tax);
	store_reader_release(w->store, c);
	if (st != PM_OK) {
		buf_addf(&f->why, "recall: %s", err.message);
		return st;
	}
	*matched = json_array_size(json_object_get(res, "matches"));
	if (w->slack) {
		struct buf plain = BUF_INIT, head = BUF_INIT;

		buf_addf(&head, "Pull request %s#%ld (%s)", job->pr.repo,
			 job->pr.number, forge_name(job->pr.forge));
		if (job->pr.head[0])
			buf_addf(&head, " at %.12s", job->pr.head);
		buf_addstr(out, "*");
		slack_escape(out, head.ptr, head.len);
		buf_addstr(out, "*\n");
		recall_render(&plain, res, 0, w->public_url);
		slack_escape_max(out, plain.ptr ? plain.ptr : "", 2800);
		buf_release(&plain);
		buf_release(&head);
	} else {
		buf_addstr(out, PRCOMMENT_MARKER "\n");
		recall_render(out, res, 1, w->public_url);
		if (job->pr.head[0])
			buf_addf(out, "\n<sub>pmkb recall for %.12s</sub>\n",
				 job->pr.head);
	}
	json_decref(res);
	return PM_OK;
}

/*
 * Queues text for Slack in the outbox, once per pull request and text:
 * a retry or a repeated event finds the key taken and queues nothing.
 */
static int to_slack(struct pr_worker *w, const struct job *job,
		    const char *text, const char *hash, struct failure *f)
{
	struct dbconn *c = store_writer(w->store);
	json_t *msg = json_pack("{s:s}", "text", text);
	char *payload = json_dumps(msg, JSON_COMPACT);
	struct buf key = BUF_INIT, title = BUF_INIT;
	enum pm_status st;

	buf_addf(&key, "pr:%s:%s:%s:%ld:%s", forge_name(job->pr.forge),
		 job->pr.api, job->pr.repo, job->pr.number, hash);
	buf_addf(&title, "%s#%ld", job->pr.repo, job->pr.number);
	if ((st = dbconn_begin(c)) == PM_OK) {
		st = outbox_put(c, key.ptr, OUTBOX_PULL_REQUEST, "", title.ptr,
				payload, NULL);
		if (st == PM_OK)
			st = dbconn_commit(c);
		if (st != PM_OK)
			dbconn_rollback(c);
	}
	store_writer_release(w->store);
	if (st == PM_OK)
		outbox_worker_kick(w->slack);
	else
		buf_addstr(&f->why, "cannot queue the Slack message");
	f->retry = 1;
	json_decref(msg);
	free(payload);
	buf_release(&key);
	buf_release(&title);
	return st == PM_OK;
}

static void log_job(enum log_level lv, const char *event,
		    const struct job *job, const char *k, const char *v)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", job->pr.number);
	log_kv(lv, event, "forge", forge_name(job->pr.forge), "repo",
	       job->pr.repo, "number", num, k, v, NULL);
}

/* Works on a claimed row and records the outcome. */
static void deliver(struct pr_worker *w, struct job *job)
{
	struct pm_list paths = { 0 };
	struct failure f = { 0 };
	struct buf text = BUF_INIT;
	char id[64], hash[24];
	size_t matched = 0;
	int64_t now;

	buf_init(&f.why, 0);
	snprintf(id, sizeof(id), "%s", job->comment_id);
	if (!fetch_paths(w, job, &paths, &f))
		goto failed;
	if (recall_text(w, job, &paths, &text, &matched, &f) != PM_OK) {
		f.retry = 1;
		goto failed;
	}
	snprintf(hash, sizeof(hash), "%016llx",
		 (unsigned long long)hash_bytes(text.ptr, text.len));
	if (w->slack) {
		if (!matched) {
			run(w, sql_done, "iittiii", job->id, job->generation,
			    "skipped", (const char *)NULL, (int64_t)0,
			    (int64_t)0, outbox_now_ms());
			log_job(LOG_INFO, "prcomment.skipped", job, "paths",
				"no match");
		} else if (to_slack(w, job, text.ptr, hash, &f)) {
			run(w, sql_done, "iittiii", job->id, job->generation,
			    "sent", hash, (int64_t)matched, (int64_t)0,
			    outbox_now_ms());
			log_job(LOG_INFO, "prcomment.sent", job, "slack", hash);
		} else {
			goto failed;
		}
		goto out;
	}
	if (!id[0] && !find_comment(w, job, id, sizeof(id), &f))
		goto failed;
	if (!matched && !id[0]) {
		run(w, sql_done, "iittiii", job->id, job->generation, "skipped",
		    (const char *)NULL, (int64_t)0, (int64_t)0, outbox_now_ms());
		log_job(LOG_INFO, "prcomment.skipped", job, "paths", "no match");
		goto out;
	}
	if (!(id[0] && job->body_hash && !strcmp(job->body_hash, hash)) &&
	    !write_comment(w, job, text.ptr, id, sizeof(id), &f))
		goto failed;
	run(w, sql_done, "iittiii", job->id, job->generation, "sent", hash,
	    (int64_t)matched, (int64_t)f.status, outbox_now_ms());
	log_job(LOG_INFO, "prcomment.sent", job, "comment", id);
	goto out;
failed:
	now = outbox_now_ms();
	if (f.retry && job->attempts < w->max_attempts) {
		int64_t delay = outbox_backoff_ms(w->backoff_ms, job->attempts,
						  (double)randombytes_uniform(
							  1000000) / 1e6);

		if (f.retry_after > delay)
			delay = f.retry_after;
		run(w, sql_again, "iitiit", job->id, job->generation, "queued",
		    now + delay, (int64_t)f.status, f.why.ptr);
		log_job(LOG_WARN, "prcomment.retry", job, "error", f.why.ptr);
	} else {
		run(w, sql_again, "iitiit", job->id, job->generation, "failed",
		    now, (int64_t)f.status, f.why.ptr);
		log_job(LOG_ERROR, "prcomment.failed", job, "error", f.why.ptr);
	}
out:
	buf_release(&f.why);
	buf_release(&text);
	pm_list_release(&paths);
}

static void *worker_main(void *arg)
{
	struct pr_worker *w = arg;

	for (;;) {
		struct job job;
		int64_t now = outbox_now_ms(), due, wait = 1000;
		if (wake_stopped(&w->wake))
			break;
		due = store_read_int(w->store, sql_next_due, -1);
		if (due >= 0 && due <= now) {
			claim(w, now, &job);
			if (job.id) {
				deliver(w, &job);
				forge_pr_release(&job.pr);
				free(job.body_hash);
				continue;
			}
		}
		if (due >= 0 && due - now < wait)
			wait = due - now < 10 ? 10 : due - now;
		wake_wait_ms(&w->wake, wait);
	}
	return NULL;
}

enum pm_status prcomment_start(struct pr_worker **out, struct store *st,
			       struct settings *tax,
			       const struct prcomment_settings *s,
			       struct pm_error *err)
{
	struct pr_worker *w = xcalloc(1, sizeof(*w));
	struct dbconn *c;
	enum pm_status rc;
	int any = 0;

	*out = NULL;
	for (int f = 0; f < 3; f++) {
		const char *t = getenv(forge_token_var((enum forge_kind)f));

		if (t && *t) {
			w->token[f] = xstrdup(t);
			any = 1;
		}
	}
	log_kv(LOG_INFO, "prcomment.setup", "github",
	       w->token[FORGE_GITHUB] ? "on" : "off", "gitea",
	       w->token[FORGE_GITEA] ? "on" : "off", "gitlab",
	       w->token[FORGE_GITLAB] ? "on" : "off", NULL);
	if (!any) {
		free(w);
		return PM_OK;
	}
	c = store_writer(st);
	rc = dbconn_exec(c, sql_recover);
	store_writer_release(st);
	if (rc != PM_OK || !(w->client = http_client_new())) {
		for (int f = 0; f < 3; f++)
			free(w->token[f]);
		free(w);
		return pm_error_set(err, rc != PM_OK ? rc : PM_INTERNAL,
				    "pr_comments", 0,
				    "cannot start the pull request worker");
	}
	w->store = st;
	w->settings = tax;
	w->slack = s->slack;
	w->public_url = s->public_url && *s->public_url
				? xstrdup(s->public_url)
				: NULL;
	w->max_attempts = s->max_attempts > 0 ? s->max_attempts : 8;
	w->backoff_ms = s->backoff_ms > 0 ? s->backoff_ms : 5000;
	w->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : 20000;
	wake_init(&w->wake);
	w->wake.kicked = 1;
	if (pthread_create(&w->thread, NULL, worker_main, w)) {
		prcomment_stop(w);
		return pm_error_set(err, PM_INTERNAL, "pr_comments", 0,
				    "cannot start the pull request thread");
	}
	w->started = 1;
	*out = w;
	return PM_OK;
}

void prcomment_stop(struct pr_worker *w)
{
	if (!w)
		return;
	if (w->started) {
		wake_stop(&w->wake);
		pthread_join(w->thread, NULL);
	}
	http_client_free(w->client);
	wake_destroy(&w->wake);
	for (int f = 0; f < 3; f++)
		free(w->token[f]);
	free(w->public_url);
	free(w);
}

static const char sql_counts[] =
	"SELECT state, count(*) FROM pr_comments GROUP BY state";
static const char sql_recent[] =
	"SELECT forge, repo, number, head, state, attempts, matches, "
	"comment_id, last_status, last_error, updated_at FROM pr_comments "
	"ORDER BY updated_at DESC, id DESC LIMIT ?1";

/* The current row of s as an object keyed by column names. */
static json_t *row_object(sqlite3_stmt *s)
{
	json_t *o = json_object();

	for (int i = 0; i < sqlite3_column_count(s); i++) {
		json_t *v;

		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(s, i));
			break;
		case SQLITE_NULL:
			v = json_null();
			break;
		default:
			v = json_string(col(s, i));
			if (!v) /* not UTF-8: not written by this program */
				v = json_null();
		}
		json_object_set_new(o, sqlite3_column_name(s, i), v);
	}
	return o;
}

json_t *prcomment_status(struct dbconn *c, int limit)
{
	json_t *counts = json_pack("{s:i,s:i,s:i,s:i,s:i}", "queued", 0,
				   "sending", 0, "sent", 0, "skipped", 0,
				   "failed", 0);
	json_t *recent = json_array();
	sqlite3_stmt *s;
	int rc = SQLITE_ERROR;

	if ((s = dbconn_stmt(c, sql_counts))) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			json_object_set_new(counts, col(s, 0),
					    json_integer(sqlite3_column_int64(
						    s, 1)));
		sqlite3_reset(s);
	}
	if (rc == SQLITE_DONE && (s = dbconn_stmt(c, sql_recent))) {
		sqlite3_bind_int(s, 1, limit);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			json_array_append_new(recent, row_object(s));
		sqlite3_reset(s);
	}
	if (rc != SQLITE_DONE) {
		json_decref(counts);
		json_decref(recent);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "counts", counts, "recent", recent);
}
