/*
 * The sync thread: a queue of length one.
 *
 *   trigger:  pending = 1, wake the thread
 *   thread:   wait for pending (or the poll or retry deadline), clear it,
 *             run one sync, record the result, loop
 *
 * A trigger during a sync sets pending again, so the thread runs exactly
 * one more sync afterwards however many triggers came: that is the
 * coalescing. The condition variable runs on CLOCK_MONOTONIC so that a
 * change of the wall clock does not stall or hurry the poll.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/doc/settings.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/config.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/base/log.h"
#include "pmkb/ingest/syncer.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

/* Retry delays after failures: 5 s, doubling, at most 5 minutes. */
#define RETRY_FIRST 5
#define RETRY_MAX 300

struct syncer {
	struct store *store;
	struct settings *settings;
	struct gitsync *git;
	char *dir;
	long poll;

	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* pending or stop changed */
	pthread_cond_t idle; /* a sync finished */
	int pending, running, stop;
	char reason[64]; /* of the pending sync */

	/* The last sync, under lock. */
	long syncs, failures_in_row;
	char last_reason[64];
	struct gitsync_result last;
	enum pm_status last_status;
	char last_error[256];
	time_t last_at;
	double last_ms;
};

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Runs one sync (lock not held) and records it (lock held on return). */
static void run_one(struct syncer *s, const char *reason)
{
	struct gitsync_result res;
	struct taxonomy *tax = NULL;
	struct pm_error err;
	int64_t t0;
	enum pm_status st;
	char counts[160], ms[32];

	pm_error_clear(&err);
	t0 = clock_ns();
	st = gitsync_run(s->git, s->store, 0, &tax, &res, &err);
	if (tax)
		settings_replace(s->settings, tax);
	snprintf(ms, sizeof(ms), "%.1f", clock_seconds_since(t0) * 1e3);
	if (st == PM_OK) {
		snprintf(counts, sizeof(counts),
			 "files=%d added=%d updated=%d unchanged=%d "
			 "removed=%d failed=%d errors=%d warnings=%d",
			 res.files, res.counts.added, res.counts.updated,
			 res.counts.unchanged, res.counts.removed,
			 res.counts.failed, res.counts.errors,
			 res.counts.warnings);
		log_kv(res.mode == GITSYNC_NOOP ? LOG_DEBUG : LOG_INFO,
		       "sync.done", "reason", reason, "mode",
		       gitsync_mode_name(res.mode), "why", res.why, "commit",
		       res.commit, "ms", ms, "counts", counts, NULL);
	} else {
		/* Cancelled: the server is stopping; not an error. */
		log_kv(st == PM_UNAVAILABLE ? LOG_INFO : LOG_ERROR,
		       "sync.failed", "reason", reason, "status",
		       pm_status_name(st), "error", err.message, "ms", ms,
		       NULL);
	}
	pthread_mutex_lock(&s->lock);
	s->syncs++;
	s->last = res;
	s->last_status = st;
	s->last_at = time(NULL);
	s->last_ms = atof(ms);
	snprintf(s->last_reason, sizeof(s->last_reason), "%s", reason);
	snprintf(s->last_error, sizeof(s->last_error), "%s",
		 st == PM_OK ? "" : err.message);
	s->failures_in_row = st == PM_OK ? 0 : s->failures_in_row + 1;
}

static void *thread_main(void *arg)
{
	struct syncer *s = arg;
	struct timespec poll_at, retry_at;
	int have_retry = 0;

	clock_deadline_ms(&poll_at, 1000L * s->poll);
	pthread_mutex_lock(&s->lock);
	/* The first sync ran in syncer_start(); retry it if it failed. */
	have_retry = s->syncs && s->last_status != PM_OK &&
		     s->last_status != PM_UNAVAILABLE;
	clock_deadline_ms(&retry_at, 1000L * RETRY_FIRST);
	while (!s->stop) {
		char reason[64];

		if (!s->pending) {
			struct timespec now, *next = NULL;
			int rc;

			if (s->poll)
				next = &poll_at;
			if (have_retry && (!next || before(&retry_at, next)))
				next = &retry_at;
			rc = next ? pthread_cond_timedwait(&s->wake, &s->lock,
							   next)
				  : pthread_cond_wait(&s->wake, &s->lock);
			if (rc != ETIMEDOUT || s->pending || s->stop)
				continue;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (have_retry && !before(&now, &retry_at)) {
				have_retry = 0;
				s->pending = 1;
				snprintf(s->reason, sizeof(s->reason),
					 "retry");
			}
			if (s->poll && !before(&now, &poll_at)) {
				s->pending = 1;
				snprintf(s->reason, sizeof(s->reason), "poll");
			}
			continue;
		}
		s->pending = 0;
		s->running = 1;
		snprintf(reason, sizeof(reason), "%s", s->reason);
		pthread_mutex_unlock(&s->lock);
		run_one(s, reason); /* returns with the lock held */
		s->running = 0;
		if (s->poll)
			clock_deadline_ms(&poll_at, 1000L * s->poll);
		have_retry = s->last_status != PM_OK &&
			     s->last_status != PM_UNAVAILABLE;
		if (have_retry) {
			long delay = RETRY_FIRST;

			for (long i = 1; i < s->failures_in_row &&
					 delay < RETRY_MAX; i++)
				delay *= 2;
			if (delay > RETRY_MAX)
				delay = RETRY_MAX;
			clock_deadline_ms(&retry_at, 1000L * delay);
		}
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

enum pm_status syncer_start(struct syncer **out, const struct pm_config *cfg,
			    struct store *store, struct settings *settings,
			    const struct index_listener *listener,
			    struct pm_error *err)
{
	struct syncer *s = xcalloc(1, sizeof(*s));
	struct gitsync_options o = { 0 };
	pthread_condattr_t ca;
	char *dd = config_data_dir(cfg);
	enum pm_status rc;

	*out = NULL;
	s->store = store;
	s->settings = settings;
	s->poll = cfg->poll;
	s->dir = xstrdup(cfg->dir);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	o.url = cfg->repo;
	o.branch = cfg->branch;
	o.dir = cfg->dir;
	o.data_dir = dd;
	if ((rc = gitsync_open(&s->git, &o, err)) != PM_OK)
		goto out;
	gitsync_set_listener(s->git, listener);
	log_kv(LOG_INFO, "sync.follow", "repo", gitsync_public_url(s->git),
	       "branch", gitsync_branch(s->git), "dir", cfg->dir, "data_dir",
	       dd, NULL);
	if (!cfg->webhook_secret || !*cfg->webhook_secret)
		log_kv(s->poll ? LOG_INFO : LOG_WARN, "sync.hooks_off", "msg",
		       "PMKB_WEBHOOK_SECRET is not set: POST /hooks/git and "
		       "/hooks/github answer 401, so only --poll and restarts "
		       "sync", NULL);
	/* The first sync before serving, as directory mode imports first. */
	run_one(s, "start");
	pthread_mutex_unlock(&s->lock);
	if (pthread_create(&s->thread, NULL, thread_main, s)) {
		rc = pm_error_set(err, PM_INTERNAL, "syncer", 0,
				  "cannot start the sync thread");
		goto out;
	}
	s->started = 1;
	*out = s;
	s = NULL;
out:
	free(dd);
	syncer_stop(s);
	return rc;
}

void syncer_trigger(struct syncer *s, const char *reason)
{
	pthread_mutex_lock(&s->lock);
	if (!s->pending)
		snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->pending = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

const char *syncer_branch(const struct syncer *s)
{
	return gitsync_branch(s->git);
}

int syncer_wait_idle(struct syncer *s, int timeout_ms)
{
	struct timespec until;
	int ok = 1;

	clock_deadline_ms(&until, timeout_ms);
	pthread_mutex_lock(&s->lock);
	while ((s->pending || s->running) && ok)
		ok = pthread_cond_timedwait(&s->idle, &s->lock, &until) !=
		     ETIMEDOUT;
	ok = !s->pending && !s->running;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

json_t *syncer_status(struct syncer *s)
{
	json_t *j, *last = json_null();
	char at[32];

	pthread_mutex_lock(&s->lock);
	if (s->syncs) {
		struct tm tm;

		gmtime_r(&s->last_at, &tm);
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = json_pack(
			"{s:s,s:s,s:b,s:s,s:s,s:f,s:f,s:s,s:s,s:s,"
			"s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}}",
			"reason", s->last_reason, "finished_at", at, "ok",
			s->last_status == PM_OK, "error", s->last_error,
			"mode",
			s->last_status == PM_OK
				? gitsync_mode_name(s->last.mode)
				: "failed",
			"ms",
			s->last_ms, "fetch_ms", s->last.fetch_seconds * 1e3,
			"why", s->last.why, "commit",
			s->last.commit, "previous", s->last.previous, "counts",
			"files", s->last.files, "added", s->last.counts.added,
			"updated", s->last.counts.updated, "unchanged",
			s->last.counts.unchanged, "removed",
			s->last.counts.removed, "failed",
			s->last.counts.failed, "errors",
			s->last.counts.errors, "warnings",
			s->last.counts.warnings);
	}
	j = json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:b,s:b,s:I,s:o}",
		      "following", 1, "repo", gitsync_public_url(s->git),
		      "branch", gitsync_branch(s->git), "dir", s->dir, "syncs",
		      (json_int_t)s->syncs, "failures_in_row",
		      (json_int_t)s->failures_in_row, "running", s->running,
		      "pending", s->pending, "poll_seconds",
		      (json_int_t)s->poll, "last", last);
	pthread_mutex_unlock(&s->lock);
	return j;
}

void syncer_stop(struct syncer *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		if (s->git)
			gitsync_cancel(s->git);
		pthread_join(s->thread, NULL);
	}
	gitsync_free(s->git);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}
