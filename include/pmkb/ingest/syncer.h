/*
 * The syncer: one background thread that runs git syncs one at a time.
 *
 * Webhooks, the post-receive notification, the poll timer and retries
 * after a failure only *trigger* a sync; triggers that arrive while a sync
 * is queued or running are coalesced into one more sync, so a burst of N
 * notifications costs at most one sync beyond the one already running
 * (and that extra one is a no-op when nothing new was pushed).
 *
 * After a sync the settings in force (doc/settings.h) are replaced.
 */
#ifndef PMKB_INGEST_SYNCER_H
#define PMKB_INGEST_SYNCER_H

#include <jansson.h>

#include "pmkb/base/status.h"

struct index_listener;
struct pm_config;
struct settings;
struct store;
struct syncer;

/*
 * Opens the clone described by cfg (--repo, --branch, --dir,
 * --data-dir, default: the directory of --db), runs a first sync into
 * store in the calling thread (a failure is logged, and the index served
 * as it is), puts its settings in force, then starts the thread, which also syncs every
 * cfg->poll seconds when that is not 0 and retries failed syncs with a
 * growing delay. Returns owned (syncer_stop()). Fails only when the clone
 * cannot be opened or the thread cannot start.
 */
enum pm_status syncer_start(struct syncer **out, const struct pm_config *cfg,
			    struct store *store, struct settings *settings,
			    const struct index_listener *listener,
			    struct pm_error *err);

/*
 * Asks for a sync; returns at once. reason (static or copied) is logged.
 * Thread-safe.
 */
void syncer_trigger(struct syncer *s, const char *reason);

/* The branch being followed ("main"). */
const char *syncer_branch(const struct syncer *s);

/*
 * The state for GET /api/sync, owned: repository (without credentials),
 * branch, dir, syncs run, whether one is running or queued, and the last
 * sync's reason, mode, commit, counts, time and error.
 */
json_t *syncer_status(struct syncer *s);

/*
 * Waits (at most timeout_ms) until no sync is queued or running. Returns
 * 1 when idle, 0 on timeout. For tests and the command line.
 */
int syncer_wait_idle(struct syncer *s, int timeout_ms);

/* Cancels a running fetch, stops the thread and frees s (may be NULL). */
void syncer_stop(struct syncer *s);

#endif
