/*
 * Operations: request counters and latency histograms for GET /metrics
 * (Prometheus text format, version 0.0.4), and readiness for GET /readyz.
 *
 * Counting a request is a few relaxed atomic additions on counters
 * indexed by route and status, so worker threads never wait on each
 * other. Everything else (postmortems indexed, parse errors, the last
 * sync, the outbox, the database's size) is read when /metrics is
 * scraped.
 */
#ifndef PMKB_HTTP_METRICS_H
#define PMKB_HTTP_METRICS_H

#include <jansson.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct app;
struct buf;
struct metrics;
struct request;
struct reply;

/* Counters for n_routes routes (plus one for "no route"). Owned. */
struct metrics *metrics_new(int n_routes);
void metrics_free(struct metrics *m);

/*
 * Counts one answered request: route (index in routes[], -1 for none),
 * HTTP status, and its time from the first byte seen to the answer being
 * queued, in nanoseconds.
 */
void metrics_observe(struct metrics *m, int route, int status,
		     int64_t elapsed_ns);

/* Counts a connection refused by a limit (the total or per address). */
void metrics_refused(struct metrics *m, int per_address);
/* Counts a connection closed for not sending its request in time. */
void metrics_timed_out(struct metrics *m);
/* Counts a failed authentication (limited 0) or a request refused with
 * 429 for too many failures (limited 1). */
void metrics_auth_failed(struct metrics *m, int limited);

/*
 * Appends the whole exposition for app to out: the counters above, then
 * gauges read now from the database and the syncer.
 */
void metrics_render(struct metrics *m, struct app *app, unsigned conns,
		    unsigned in_flight, struct buf *out);

/* Syncs failed in a row after which the server is not ready. */
#define METRICS_SYNC_FAILURES 3

/*
 * Readiness: whether the index can be read and the database written
 * (a probe that needs a new page, rolled back; the file system not
 * read-only and not full), and, when following git, the last
 * METRICS_SYNC_FAILURES syncs did not all fail. Fills detail (owned JSON object of check →
 * "ok" or the reason). Returns PM_OK when ready, PM_UNAVAILABLE when not.
 */
enum pm_status metrics_ready(struct app *app, json_t **detail);

#endif
