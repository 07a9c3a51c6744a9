/*
 * The worker that delivers the outbox (slack/outbox.h) to Slack's incoming
 * webhook, one message at a time, in order, with retries.
 */
#ifndef PMKB_SLACK_DELIVERY_H
#define PMKB_SLACK_DELIVERY_H

#include "pmkb/base/status.h"

struct outbox_context;
struct outbox_worker;
struct store;

struct outbox_settings {
	const char *webhook_url; /* borrowed; a secret: never logged */
	int max_attempts;
	long backoff_ms;
	/*
	 * For one POST, connecting included (0: 30 s). Far longer than Slack
	 * needs: a POST sent whole without an answer in time is not sent
	 * again, since it may have been posted.
	 */
	long timeout_ms;
	long poll_ms;	 /* look for work at least this often */
};

/*
 * Starts the worker that delivers st's outbox to s->webhook_url (both
 * borrowed until outbox_worker_stop). Rows left "sending" by a previous
 * process are queued again first. Call before other threads use libcurl.
 */
enum pm_status outbox_worker_start(struct outbox_worker **out,
				   struct store *st,
				   const struct outbox_settings *s,
				   struct pm_error *err);

/* Tells the worker that messages may have become due. w may be NULL. */
void outbox_worker_kick(struct outbox_worker *w);

/*
 * Stops the worker: a POST in progress is finished (bounded by the
 * timeout) and recorded, then the thread is joined and w freed. w may be
 * NULL.
 */
void outbox_worker_stop(struct outbox_worker *w);

/*
 * The index listener (ingest/indexer.h) that queues an announcement, in
 * the index batch's transaction, for each postmortem added as published
 * or that becomes published, and with ANNOUNCE_NEW_UPDATED for each
 * change of a published one; it wakes ctx->worker after the commit.
 * Borrowed from ctx.
 */
const struct index_listener *outbox_listener(struct outbox_context *ctx);

#endif
