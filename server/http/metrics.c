/*
 * What GET /metrics and GET /readyz (http/probes.c) report.
 *
 * Map: counters (per route: status codes and a latency histogram, each a
 * relaxed atomic) → the exposition (counters, then gauges read at scrape
 * time) → readiness checks.
 */
#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/log.h"
#include "pmkb/http/metrics.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/db/store.h"
#include "pmkb/search/phrasecache.h"
#include "pmkb/ingest/syncer.h"
#include "pmkb/base/xalloc.h"

/* Upper bounds of the latency buckets, in seconds. */
static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
				    0.025,  0.05,  0.1,	   0.25,  0.5,
				    1,	    2.5,   5,	   10 };
#define N_BUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

/* Statuses counted one by one; any other falls in the last slot. */
static const int codes[] = { 200, 201, 202, 204, 301, 302, 303, 304, 400,
			     401, 403, 404, 405, 408, 409, 413, 414, 415,
			     422, 429, 431, 500, 501, 502, 503 };
#define N_CODES (sizeof(codes) / sizeof(codes[0]) + 1)

/* Disk space under which the database counts as full. */
#define MIN_FREE_BYTES (1 << 20)

static const char sql_problem_counts[] =
	"SELECT level, count(*) FROM problems GROUP BY level";
struct route_counters {
	atomic_uint_fast64_t by_code[N_CODES];
	atomic_uint_fast64_t bucket[N_BUCKETS + 1]; /* last: +Inf only */
	atomic_uint_fast64_t sum_ns;
	atomic_uint_fast64_t count;
};

struct metrics {
	int n_routes;
	struct route_counters *r; /* n_routes + 1; the last: no route */
	atomic_uint_fast64_t refused_total, refused_per_address;
	atomic_uint_fast64_t timed_out, auth_failed, auth_limited;
	int64_t started; /* seconds since 1970 */
};

struct metrics *metrics_new(int n_routes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->n_routes = n_routes;
	m->r = xcalloc((size_t)n_routes + 1, sizeof(*m->r));
	m->started = (int64_t)time(NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->r);
	free(m);
}

#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

void metrics_observe(struct metrics *m, int route, int status,
		     int64_t elapsed_ns)
{
	struct route_counters *rc;
	size_t code = N_CODES - 1, b = 0;
	double s = (double)elapsed_ns / 1e9;

	if (!m)
		return;
	rc = &m->r[route >= 0 && route < m->n_routes ? route : m->n_routes];
	for (size_t i = 0; i + 1 < N_CODES; i++)
		if (codes[i] == status)
			code = i;
	while (b < N_BUCKETS && s > bucket_le[b])
		b++;
	ADD(rc->by_code[code], 1);
	ADD(rc->bucket[b], 1);
	ADD(rc->sum_ns, (uint_fast64_t)(elapsed_ns > 0 ? elapsed_ns : 0));
	ADD(rc->count, 1);
}

void metrics_refused(struct metrics *m, int per_address)
{
	if (!m)
		return;
	if (per_address)
		ADD(m->refused_per_address, 1);
	else
		ADD(m->refused_total, 1);
}

void metrics_timed_out(struct metrics *m)
{
	if (m)
		ADD(m->timed_out, 1);
}

void metrics_auth_failed(struct metrics *m, int limited)
{
	if (!m)
		return;
	if (limited)
		ADD(m->auth_limited, 1);
	else
		ADD(m->auth_failed, 1);
}

/* --- the exposition --------------------------------------------------- */

static void head(struct buf *out, const char *name, const char *type,
		 const char *help)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* route="..." for route i; patterns hold no quotes or backslashes. */
static void route_labels(struct buf *out, const struct metrics *m, int i)
{
	if (i < m->n_routes)
		buf_addf(out, "method=\"%s\",route=\"%s\"", routes[i].method,
			 routes[i].pattern);
	else
		buf_addstr(out, "method=\"\",route=\"none\"");
}

#define HIST "pmkb_http_request_duration_seconds"

static void render_requests(struct metrics *m, struct buf *out)
{
	head(out, "pmkb_http_requests_total", "counter",
	     "HTTP requests answered, by route and status.");
	for (int i = 0; i <= m->n_routes; i++)
		for (size_t c = 0; c < N_CODES; c++) {
			uint_fast64_t n = GET(m->r[i].by_code[c]);

			if (!n)
				continue;
			buf_addstr(out, "pmkb_http_requests_total{");
			route_labels(out, m, i);
			if (c + 1 < N_CODES)
				buf_addf(out, ",status=\"%d\"", codes[c]);
			else
				buf_addstr(out, ",status=\"other\"");
			buf_addf(out, "} %llu\n", (unsigned long long)n);
		}
	head(out, HIST, "histogram",
	     "Time from a request's first line to its answer being queued.");
	for (int i = 0; i <= m->n_routes; i++) {
		struct route_counters *rc = &m->r[i];
		uint_fast64_t cum = 0, count = GET(rc->count);

		if (!count)
			continue;
		for (size_t b = 0; b < N_BUCKETS; b++) {
			cum += GET(rc->bucket[b]);
			buf_addstr(out, HIST "_bucket{");
			route_labels(out, m, i);
			buf_addf(out, ",le=\"%g\"} %llu\n", bucket_le[b],
				 (unsigned long long)cum);
		}
		/*
		 * Counters are read one by one while requests go on; +Inf
		 * and _count are the same number so the histogram is never
		 * inconsistent with itself.
		 */
		cum += GET(rc->bucket[N_BUCKETS]);
		if (cum > count)
			count = cum;
		buf_addstr(out, HIST "_bucket{");
		route_labels(out, m, i);
		buf_addf(out, ",le=\"+Inf\"} %llu\n",
			 (unsigned long long)count);
		buf_addstr(out, HIST "_sum{");
		route_labels(out, m, i);
		buf_addf(out, "} %.6f\n", (double)GET(rc->sum_ns) / 1e9);
		buf_addstr(out, HIST "_count{");
		route_labels(out, m, i);
		buf_addf(out, "} %llu\n", (unsigned long long)count);
	}
}

static void render_http_gauges(struct metrics *m, unsigned conns,
			       unsigned in_flight, struct buf *out)
{
	head(out, "pmkb_http_connections", "gauge", "Open connections.");
	buf_addf(out, "pmkb_http_connections %u\n", conns);
	head(out, "pmkb_http_requests_in_flight", "gauge",
	     "Requests being read or answered.");
	buf_addf(out, "pmkb_http_requests_in_flight %u\n", in_flight);
	head(out, "pmkb_http_connections_refused_total", "counter",
	     "Connections closed at once by --max-connections or "
	     "--max-per-ip.");
	buf_addf(out,
		 "pmkb_http_connections_refused_total{limit=\"total\"} %llu\n"
		 "pmkb_http_connections_refused_total{limit=\"per_address\"} "
		 "%llu\n",
		 (unsigned long long)GET(m->refused_total),
		 (unsigned long long)GET(m->refused_per_address));
	head(out, "pmkb_http_request_timeouts_total", "counter",
	     "Connections closed for not sending a whole request within "
	     "--request-timeout.");
	buf_addf(out, "pmkb_http_request_timeouts_total %llu\n",
		 (unsigned long long)GET(m->timed_out));
	head(out, "pmkb_auth_failures_total", "counter",
	     "Wrong tokens (bearer or login), and requests refused with 429.");
	buf_addf(out,
		 "pmkb_auth_failures_total{result=\"denied\"} %llu\n"
		 "pmkb_auth_failures_total{result=\"rate_limited\"} %llu\n",
		 (unsigned long long)GET(m->auth_failed),
		 (unsigned long long)GET(m->auth_limited));
}

/* Size of a file, 0 when missing. */
static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? 0 : (long long)sb.st_size;
}

/* The phrase postings searches keep in memory (search/phrasecache.h). */
static void render_phrases(struct phrasecache *pc, struct buf *out)
{
	struct phrasecache_stats st;

	if (!pc)
		return;
	phrasecache_stats(pc, &st);
	head(out, "pmkb_search_phrases", "gauge",
	     "Phrases whose postings are held in memory.");
	buf_addf(out, "pmkb_search_phrases %zu\n", st.phrases);
	head(out, "pmkb_search_phrase_bytes", "gauge",
	     "Memory the phrase postings take.");
	buf_addf(out, "pmkb_search_phrase_bytes %zu\n", st.bytes);
	head(out, "pmkb_search_phrase_lookups_total", "counter",
	     "Phrases looked up by searches: held as they were, brought "
	     "forward from the change log, read from the index whole.");
	buf_addf(out,
		 "pmkb_search_phrase_lookups_total{result=\"held\"} %llu\n"
		 "pmkb_search_phrase_lookups_total{result=\"updated\"} %llu\n"
		 "pmkb_search_phrase_lookups_total{result=\"read\"} %llu\n",
		 (unsigned long long)st.hits, (unsigned long long)st.updates,
		 (unsigned long long)st.reads);
	head(out, "pmkb_search_phrases_dropped_total", "counter",
	     "Phrases dropped from memory for room.");
	buf_addf(out, "pmkb_search_phrases_dropped_total %llu\n",
		 (unsigned long long)st.dropped);
}

static void render_index(struct app *app, struct buf *out)
{
	struct dbconn *c = store_reader(app->store);
	struct buf wal = BUF_INIT;
	long long errors = 0, warnings = 0;
	struct outbox_counts oc = { 0 };
	sqlite3_stmt *s;
	int have_outbox = 0;

	head(out, "pmkb_postmortems", "gauge", "Postmortems in the index.");
	buf_addf(out, "pmkb_postmortems %lld\n",
		 c ? (long long)store_count(c) : -1LL);
	if (c && (s = dbconn_stmt(c, sql_problem_counts))) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *level =
				(const char *)sqlite3_column_text(s, 0);

			if (level && !strcmp(level, "error"))
				errors = sqlite3_column_int64(s, 1);
			else
				warnings += sqlite3_column_int64(s, 1);
		}
		sqlite3_reset(s);
	}
	head(out, "pmkb_parse_problems", "gauge",
	     "Problems found in postmortem files (pmkb lint), by level.");
	buf_addf(out,
		 "pmkb_parse_problems{level=\"error\"} %lld\n"
		 "pmkb_parse_problems{level=\"warning\"} %lld\n",
		 errors, warnings);
	if (c)
		have_outbox = outbox_count(c, &oc) == PM_OK;
	render_phrases(phrasecache_of(c), out);
	store_reader_release(app->store, c);
	if (have_outbox) {
		head(out, "pmkb_outbox_messages", "gauge",
		     "Slack announcements by state.");
		buf_addf(out,
			 "pmkb_outbox_messages{state=\"queued\"} %lld\n"
			 "pmkb_outbox_messages{state=\"sending\"} %lld\n"
			 "pmkb_outbox_messages{state=\"sent\"} %lld\n"
			 "pmkb_outbox_messages{state=\"failed\"} %lld\n",
			 (long long)oc.queued, (long long)oc.sending,
			 (long long)oc.sent, (long long)oc.failed);
	}
	buf_addf(&wal, "%s-wal", store_path(app->store));
	head(out, "pmkb_db_size_bytes", "gauge",
	     "Size of the database files.");
	buf_addf(out,
		 "pmkb_db_size_bytes{file=\"db\"} %lld\n"
		 "pmkb_db_size_bytes{file=\"wal\"} %lld\n",
		 file_size(store_path(app->store)), file_size(wal.ptr));
	buf_release(&wal);
}

/* Seconds since 1970 of "2018-02-14T09:28:00Z", 0 when unreadable. */
static int64_t parse_utc(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static void render_sync(struct app *app, struct buf *out)
{
	int64_t at = app->import_at, syncs = app->import_at ? 1 : 0;
	double seconds = app->import_seconds;
	int ok = app->import_ok, running = 0;

	if (app->syncer) {
		json_t *j = syncer_status(app->syncer);
		json_t *last = json_object_get(j, "last");

		syncs = json_integer_value(json_object_get(j, "syncs"));
		running = json_is_true(json_object_get(j, "running"));
		at = 0;
		if (json_is_object(last)) {
			at = parse_utc(json_string_value(
				json_object_get(last, "finished_at")));
			ok = json_is_true(json_object_get(last, "ok"));
			seconds = json_number_value(
					  json_object_get(last, "ms")) /
				  1000.0;
		}
		json_decref(j);
	}
	head(out, "pmkb_syncs_total", "counter",
	     "Syncs (or the import of --dir) run since start.");
	buf_addf(out, "pmkb_syncs_total %lld\n", (long long)syncs);
	head(out, "pmkb_sync_running", "gauge", "1 while a sync runs.");
	buf_addf(out, "pmkb_sync_running %d\n", running);
	if (!at)
		return;
	head(out, "pmkb_sync_last_timestamp_seconds", "gauge",
	     "When the last sync finished.");
	buf_addf(out, "pmkb_sync_last_timestamp_seconds %lld\n",
		 (long long)at);
	head(out, "pmkb_sync_last_success", "gauge",
	     "1 when the last sync succeeded.");
	buf_addf(out, "pmkb_sync_last_success %d\n", ok ? 1 : 0);
	head(out, "pmkb_sync_last_duration_seconds", "gauge",
	     "How long the last sync took.");
	buf_addf(out, "pmkb_sync_last_duration_seconds %.3f\n", seconds);
}

void metrics_render(struct metrics *m, struct app *app, unsigned conns,
		    unsigned in_flight, struct buf *out)
{
	head(out, "pmkb_build_info", "gauge", "The running version.");
	buf_addf(out, "pmkb_build_info{version=\"%s\"} 1\n", PMKB_VERSION);
	head(out, "process_start_time_seconds", "gauge",
	     "When the process started.");
	buf_addf(out, "process_start_time_seconds %lld\n",
		 (long long)m->started);
	render_requests(m, out);
	render_http_gauges(m, conns, in_flight, out);
	render_index(app, out);
	render_sync(app, out);
}

/* --- readiness -------------------------------------------------------- */

/* The directory holding path (owned). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static const char *failure_kind(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL: return "full";
	case SQLITE_READONLY: return "read-only";
	case SQLITE_CORRUPT: return "damaged";
	default: return "cannot write";
	}
}

/*
 * "ok" or why the database cannot take a write (owned): a write that
 * failed since the last commit (a sync that ran out of space stays
 * unready until a write succeeds again), else a probe.
 */
static char *check_writable(struct app *app)
{
	struct buf why = BUF_INIT;
	char msg[160];
	int rc;

	if ((rc = store_write_failure(msg, sizeof(msg)))) {
		buf_addf(&why, "%s: the last write failed: %s",
			 failure_kind(rc), msg);
		return buf_detach(&why, NULL);
	}
	if ((rc = store_probe_write(app->store, msg, sizeof(msg))))
		buf_addf(&why, "%s: %s", failure_kind(rc), msg);
	if (!why.len)
		buf_addstr(&why, "ok");
	return buf_detach(&why, NULL);
}

/* "ok" or why the database's file system cannot take writes (owned). */
static char *check_disk(struct app *app)
{
	char *dir = dir_of(store_path(app->store));
	struct buf why = BUF_INIT;
	struct statvfs vfs;

	if (statvfs(dir, &vfs)) {
		buf_addf(&why, "cannot inspect %s: %s", dir, strerror(errno));
	} else if (vfs.f_flag & ST_RDONLY) {
		buf_addf(&why, "read-only file system at %s", dir);
	} else if ((unsigned long long)vfs.f_bavail * vfs.f_frsize <
		   MIN_FREE_BYTES) {
		buf_addf(&why, "full: %llu bytes free at %s",
			 (unsigned long long)vfs.f_bavail * vfs.f_frsize, dir);
	} else if (access(dir, W_OK | X_OK)) {
		buf_addf(&why, "the directory %s is not writable: %s", dir,
			 strerror(errno));
	}
	free(dir);
	if (!why.len)
		buf_addstr(&why, "ok");
	return buf_detach(&why, NULL);
}

enum pm_status metrics_ready(struct app *app, json_t **detail)
{
	json_t *d = json_object();
	struct dbconn *c = store_reader(app->store);
	char *w, *disk;
	int ok = 1;

	if (!c || store_count(c) < 0) {
		json_object_set_new(d, "index",
				    json_string("cannot read the index"));
		ok = 0;
	} else {
		json_object_set_new(d, "index", json_string("ok"));
	}
	store_reader_release(app->store, c);
	disk = check_disk(app);
	w = check_writable(app);
	ok = ok && !strcmp(disk, "ok") && !strcmp(w, "ok");
	json_object_set_new(d, "disk", json_string(disk));
	json_object_set_new(d, "database", json_string(w));
	if (app->syncer) {
		json_t *j = syncer_status(app->syncer);
		json_t *last = json_object_get(j, "last");

		json_int_t failing = json_integer_value(
			json_object_get(j, "failures_in_row"));

		/*
		 * A failed fetch leaves a stale but usable index: not fatal
		 * once (the remote may be restarting), but a sync that keeps
		 * failing will not recover alone and needs someone.
		 */
		json_object_set_new(
			d, "sync",
			json_string(!json_is_object(last) ? "not yet"
				    : json_is_true(json_object_get(last, "ok"))
					    ? "ok"
					    : json_string_value(json_object_get(
						      last, "error"))));
		if (failing >= METRICS_SYNC_FAILURES)
			ok = 0;
		json_decref(j);
	}
	free(w);
	free(disk);
	*detail = d;
	return ok ? PM_OK : PM_UNAVAILABLE;
}
