/*
 * The threads that run request handlers, apart from libmicrohttpd's own
 * threads, which then only read requests and write answers: a handler
 * that waits (a slow query, a locked database) holds a worker, never the
 * connections next to it, and a liveness probe is answered at once.
 */
#ifndef PMKB_HTTP_WORKERS_H
#define PMKB_HTTP_WORKERS_H

#include "pmkb/base/status.h"

struct workers;

/* What a worker does with a job (borrowed until fn returns). */
typedef void (*workers_fn)(void *job);

/*
 * Starts n threads that run fn on each pushed job, in the order pushed.
 * Returns PM_INTERNAL (err filled) when a thread cannot start.
 */
enum pm_status workers_start(struct workers **out, unsigned n, workers_fn fn,
			     struct pm_error *err);

/* Queues job for the next free worker. */
void workers_push(struct workers *w, void *job);

/*
 * Runs what is queued, then stops and joins the threads and frees w.
 * w may be NULL.
 */
void workers_stop(struct workers *w);

#endif
