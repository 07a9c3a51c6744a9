/*
 * Search latency and throughput, for tests/bench/run.py.
 *
 *   bench_search inproc  --db DB   --queries F [--reps N] [--limit N]
 *   bench_search naive   --db DB   --queries F [--reps N] [--limit N]
 *   bench_search http    --port P  --queries F [--reps N] [--limit N]
 *   bench_search threads --db DB   --queries F --threads T --seconds S
 *
 * F holds one query per line as "class<TAB>query text" (pmkb's query
 * language). After one untimed pass over every query, each mode runs the
 * list N times in order, one request at a time, and prints a JSON object
 * with the p50/p99/mean latency per class, and the median and the largest
 * of the queries' first runs, which the others leave out (the first
 * search naming a phrase reads its postings from FTS5):
 *
 *   inproc   searcher_write() on one reader connection, as GET /api/search
 *            asks for it (relevance, facets, the first page of --limit)
 *   naive    the obvious FTS5 query: bm25 ORDER BY rank with highlight()
 *            and snippet() in the same statement, the query's cause filter
 *            as a subquery (filter-only queries have no naive form)
 *   http     GET /api/search?q=...&limit=N over one keep-alive loopback
 *            connection, reading each whole response
 *   threads  T threads, each with its own reader connection, run the list
 *            round and round for S seconds; prints requests per second
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/search/query.h"
#include "pmkb/search/searcher.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

struct query {
	char *cls;
	char *text;
	char *path;    /* the HTTP request path with its query string */
	double *ms;    /* one latency per repetition */
	double first_ms; /* the untimed first run's */
	long long total; /* matches reported by the last run, -1 unknown */
	int skipped;   /* no form in this mode */
};

struct opts {
	const char *mode, *db, *queries;
	int port, reps, limit, threads, seconds;
};

struct bench {
	struct opts o;
	struct query *q;
	size_t nq, allocq;
	struct store *st;
	struct taxonomy *tax;
	atomic_llong done;	/* threads mode: requests completed */
	atomic_int failed;
	double deadline;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_search: %s: %s\n", what, why);
	exit(1);
}

static void load_queries(struct bench *b)
{
	FILE *f = fopen(b->o.queries, "r");
	char line[2048];

	if (!f)
		die(b->o.queries, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		struct query *q;
		struct buf path = BUF_INIT;

		if (nl)
			*nl = '\0';
		if (!tab || line[0] == '#')
			continue;
		*tab = '\0';
		XGROW(b->q, b->allocq, b->nq + 1);
		q = &b->q[b->nq++];
		memset(q, 0, sizeof(*q));
		q->cls = xstrdup(line);
		q->text = xstrdup(tab + 1);
		buf_addstr(&path, "/api/search?q=");
		buf_add_urlencoded(&path, q->text);
		buf_addf(&path, "&limit=%d", b->o.limit);
		q->path = buf_detach(&path, NULL);
		q->ms = xcalloc((size_t)b->o.reps, sizeof(double));
		q->total = -1;
	}
	fclose(f);
	if (!b->nq)
		die(b->o.queries, "no queries");
}

/* ---- in-process ---- */

static int run_inproc(struct bench *b, struct dbconn *c, struct query *q)
{
	struct search_request sr = { 0 };
	struct pm_error err;
	struct buf out = BUF_INIT;
	const char *total;

	sr.q = q->text;
	sr.limit = b->o.limit;
	sr.sort = SEARCH_SORT_RELEVANCE;
	sr.facets = 1;
	sr.base_url = "";
	pm_error_clear(&err);
	if (searcher_write(c, b->tax, &sr, &out, &err) != PM_OK) {
		fprintf(stderr, "bench_search: %s: %s\n", q->text,
			err.message);
		return -1;
	}
	/* The first "total" member: a quote inside the query is escaped. */
	total = strstr(out.ptr, "\"total\":");
	q->total = total ? strtoll(total + 8, NULL, 10) : -1;
	buf_release(&out);
	return 0;
}

/* ---- naive ---- */

static const char sql_naive[] =
	"SELECT rowid,"
	" highlight(pm_fts, 0, '<mark>', '</mark>'),"
	" snippet(pm_fts, 3, '<mark>', '</mark>', '…', 24)"
	" FROM pm_fts WHERE pm_fts MATCH ?1"
	" AND (?2 IS NULL OR rowid IN (SELECT l.pm_id FROM labels l"
	" WHERE l.kind = 'cause' AND l.value IN"
	" (SELECT j.value FROM json_each(?2) j)))"
	" ORDER BY rank LIMIT ?3";

static int run_naive(struct bench *b, struct dbconn *c, struct query *q)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_naive);
	struct pm_query pq;
	struct pm_error err;
	struct buf causes = BUF_INIT;
	long long n = 0;
	int rc = 0, step;

	query_init(&pq);
	pm_error_clear(&err);
	if (!s || query_parse(&pq, q->text, b->tax, &err) != PM_OK) {
		fprintf(stderr, "bench_search: naive %s: %s\n", q->text,
			s ? err.message : "cannot prepare");
		rc = -1;
		goto out;
	}
	if (!pq.match) {
		q->skipped = 1;
		goto out;
	}
	sqlite3_bind_text(s, 1, pq.match, -1, SQLITE_STATIC);
	if (pq.causes.n) {
		buf_addch(&causes, '[');
		for (size_t i = 0; i < pq.causes.n; i++)
			buf_addf(&causes, "%s\"%s\"", i ? "," : "",
				 pq.causes.v[i]);
		buf_addch(&causes, ']');
		sqlite3_bind_text(s, 2, causes.ptr, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(s, 3, b->o.limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		n++;
	if (step != SQLITE_DONE) {
		fprintf(stderr, "bench_search: naive %s: %s\n", q->text,
			sqlite3_errmsg(dbconn_db(c)));
		rc = -1;
	}
	sqlite3_reset(s);
	q->total = n;
out:
	buf_release(&causes);
	query_release(&pq);
	return rc;
}

/* ---- HTTP ---- */

struct conn {
	int fd;
	char buf[65536];
	size_t have, used; /* bytes in buf, bytes consumed */
};

static void http_connect(struct conn *h, int port)
{
	struct sockaddr_in sin;
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (h->fd < 0 ||
	    connect(h->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect", strerror(errno));
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	h->have = h->used = 0;
}

/* Reads more bytes into h->buf; 0 at EOF. */
static size_t fill(struct conn *h)
{
	ssize_t n;

	if (h->used == h->have)
		h->used = h->have = 0;
	if (h->have == sizeof(h->buf)) {
		memmove(h->buf, h->buf + h->used, h->have - h->used);
		h->have -= h->used;
		h->used = 0;
	}
	do
		n = read(h->fd, h->buf + h->have, sizeof(h->buf) - h->have);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("read", strerror(errno));
	h->have += (size_t)n;
	return (size_t)n;
}

/*
 * Sends GET path and reads the whole response (Content-Length bodies, as
 * libmicrohttpd sends for buffers). Returns the status code.
 */
static int http_get(struct conn *h, const char *path)
{
	struct buf req = BUF_INIT;
	char *end;
	long long clen = -1, left;
	int status = 0;
	size_t hdr;

	buf_addf(&req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		       "Accept: application/json\r\n\r\n", path);
	if (write(h->fd, req.ptr, req.len) != (ssize_t)req.len)
		die("write", strerror(errno));
	buf_release(&req);
	for (;;) {
		h->buf[h->have < sizeof(h->buf) ? h->have : h->have - 1] = 0;
		end = h->have > h->used ? strstr(h->buf + h->used, "\r\n\r\n")
					: NULL;
		if (end)
			break;
		if (!fill(h))
			die("read", "connection closed");
	}
	hdr = (size_t)(end + 4 - (h->buf + h->used));
	sscanf(h->buf + h->used, "HTTP/1.1 %d", &status);
	for (char *p = h->buf + h->used; p < end; p++) {
		if ((*p == 'C' || *p == 'c') &&
		    !strncasecmp(p, "Content-Length:", 15)) {
			clen = strtoll(p + 15, NULL, 10);
			break;
		}
	}
	if (clen < 0)
		die("response", "no Content-Length");
	h->used += hdr;
	left = clen;
	while (left > 0) {
		size_t avail = h->have - h->used;

		if (!avail) {
			if (!fill(h))
				die("read", "connection closed in a body");
			continue;
		}
		if ((long long)avail > left)
			avail = (size_t)left;
		h->used += avail;
		left -= (long long)avail;
	}
	return status;
}

/* ---- the modes ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

static void report(struct bench *b)
{
	json_t *out = json_object(), *classes = json_object();
	size_t i, j;

	for (i = 0; i < b->nq; i++) {
		const char *cls = b->q[i].cls;
		double *all = NULL, first[64];
		size_t n = 0, alloc = 0, nfirst = 0;
		double sum = 0;
		json_t *c, *queries;

		if (json_object_get(classes, cls))
			continue;
		queries = json_array();
		for (j = i; j < b->nq; j++) {
			struct query *q = &b->q[j];

			if (strcmp(q->cls, cls) || q->skipped)
				continue;
			if (nfirst < 64)
				first[nfirst++] = q->first_ms;
			for (int r = 0; r < b->o.reps; r++) {
				XGROW(all, alloc, n + 1);
				all[n++] = q->ms[r];
				sum += q->ms[r];
			}
			json_array_append_new(
				queries, json_pack("{s:s,s:I}", "q", q->text,
						   "total",
						   (json_int_t)q->total));
		}
		if (!n) {
			json_object_set_new(classes, cls, json_null());
			json_decref(queries);
			continue;
		}
		qsort(all, n, sizeof(*all), cmp_double);
		qsort(first, nfirst, sizeof(*first), cmp_double);
		c = json_pack("{s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:o}", "n",
			      (json_int_t)n, "p50_ms", pct(all, n, 0.50),
			      "p99_ms", pct(all, n, 0.99), "mean_ms",
			      sum / (double)n, "max_ms", all[n - 1],
			      "first_p50_ms", pct(first, nfirst, 0.50),
			      "first_max_ms", first[nfirst - 1], "queries",
			      queries);
		json_object_set_new(classes, cls, c);
		free(all);
	}
	json_object_set_new(out, "mode", json_string(b->o.mode));
	json_object_set_new(out, "classes", classes);
	json_dumpf(out, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(out);
}

static void sequential(struct bench *b)
{
	int http = !strcmp(b->o.mode, "http");
	int naive = !strcmp(b->o.mode, "naive");
	struct dbconn *c = NULL;
	struct conn *h = NULL;

	if (http) {
		h = xcalloc(1, sizeof(*h));
		http_connect(h, b->o.port);
	} else if (!(c = store_reader(b->st))) {
		die(b->o.db, "no reader connection");
	}
	/* Round 0 warms the caches and is not counted. */
	for (int r = -1; r < b->o.reps; r++) {
		for (size_t i = 0; i < b->nq; i++) {
			struct query *q = &b->q[i];
			double t0 = now_ms();
			int ok;

			if (http) {
				int st = http_get(h, q->path);

				ok = st == 200;
				if (!ok)
					fprintf(stderr, "bench_search: %s: "
						"HTTP %d\n", q->path, st);
			} else if (naive) {
				ok = run_naive(b, c, q) == 0;
			} else {
				ok = run_inproc(b, c, q) == 0;
			}
			if (!ok)
				exit(1);
			if (r >= 0)
				q->ms[r] = now_ms() - t0;
			else
				q->first_ms = now_ms() - t0;
		}
	}
	if (h) {
		close(h->fd);
		free(h);
	}
	if (c)
		store_reader_release(b->st, c);
	report(b);
}

static void *worker(void *arg)
{
	struct bench *b = arg;
	struct dbconn *c = store_reader(b->st);
	size_t i = 0;

	if (!c) {
		atomic_fetch_add(&b->failed, 1);
		return NULL;
	}
	while (now_ms() < b->deadline) {
		struct query tmp = b->q[i++ % b->nq];

		if (run_inproc(b, c, &tmp)) {
			atomic_fetch_add(&b->failed, 1);
			break;
		}
		atomic_fetch_add(&b->done, 1);
	}
	store_reader_release(b->st, c);
	return NULL;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void threaded(struct bench *b)
{
	pthread_t *t = xcalloc((size_t)b->o.threads, sizeof(*t));
	double t0, c0;

	/* One untimed pass, as in the sequential modes. */
	{
		struct dbconn *c = store_reader(b->st);

		for (size_t i = 0; c && i < b->nq; i++) {
			struct query tmp = b->q[i];

			run_inproc(b, c, &tmp);
		}
		store_reader_release(b->st, c);
	}
	t0 = now_ms();
	c0 = cpu_s();
	b->deadline = t0 + b->o.seconds * 1e3;
	for (int i = 0; i < b->o.threads; i++)
		pthread_create(&t[i], NULL, worker, b);
	for (int i = 0; i < b->o.threads; i++)
		pthread_join(t[i], NULL);
	/* CPU time of the timed part only, not of the warm-up pass. */
	printf("{\"mode\": \"threads\", \"threads\": %d, \"requests\": %lld, "
	       "\"seconds\": %.3f, \"rps\": %.1f, \"cpu_s\": %.3f, "
	       "\"failed\": %d}\n",
	       b->o.threads, (long long)b->done, (now_ms() - t0) / 1e3,
	       (double)b->done * 1e3 / (now_ms() - t0), cpu_s() - c0,
	       (int)b->failed);
	free(t);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_search inproc|naive|threads --db DB "
		"--queries F [--reps N] [--limit N] [--threads T] "
		"[--seconds S]\n"
		"       bench_search http --port P --queries F [--reps N] "
		"[--limit N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b;
	struct pm_error err;

	memset(&b, 0, sizeof(b));
	b.o.reps = 10;
	b.o.limit = 20;
	b.o.threads = 2;
	b.o.seconds = 5;
	if (argc < 2)
		usage();
	b.o.mode = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--db"))
			b.o.db = v;
		else if (!strcmp(k, "--queries"))
			b.o.queries = v;
		else if (!strcmp(k, "--port"))
			b.o.port = atoi(v);
		else if (!strcmp(k, "--reps"))
			b.o.reps = atoi(v);
		else if (!strcmp(k, "--limit"))
			b.o.limit = atoi(v);
		else if (!strcmp(k, "--threads"))
			b.o.threads = atoi(v);
		else if (!strcmp(k, "--seconds"))
			b.o.seconds = atoi(v);
		else
			usage();
	}
	if (!b.o.queries || b.o.reps < 1 ||
	    (strcmp(b.o.mode, "http") ? !b.o.db : !b.o.port))
		usage();
	load_queries(&b);
	b.tax = taxonomy_default();
	if (strcmp(b.o.mode, "http")) {
		pm_error_clear(&err);
		if (store_open(&b.st, b.o.db, &err) != PM_OK)
			die(b.o.db, err.message);
	}
	if (!strcmp(b.o.mode, "threads"))
		threaded(&b);
	else if (!strcmp(b.o.mode, "inproc") || !strcmp(b.o.mode, "naive") ||
		 !strcmp(b.o.mode, "http"))
		sequential(&b);
	else
		usage();
	store_close(b.st);
	taxonomy_free(b.tax);
	for (size_t i = 0; i < b.nq; i++) {
		free(b.q[i].cls);
		free(b.q[i].text);
		free(b.q[i].path);
		free(b.q[i].ms);
	}
	free(b.q);
	return 0;
}
