/*
 * Comments on pull requests: the past incidents a pull request's changes
 * recall (search/recall.h), posted as ONE comment on it through the
 * forge's REST API (slack/forge.h) and edited in place on later pushes.
 *
 * A pull_request / merge-request event queues its pull request
 * (prcomment_enqueue; the table pr_comments, one row per pull request,
 * durable like the Slack outbox). The worker thread then, for each due
 * row: reads the changed paths (paginated), runs the recall, and
 *
 *   - nothing matched and no comment yet: posts nothing ("skipped");
 *   - else finds its comment (the id it stored, else the comment whose
 *     body carries the marker PRCOMMENT_MARKER, so that a crash between
 *     the forge's answer and the stored id does not lead to a second
 *     comment), edits it when its text changed, or creates it.
 *
 * With slack set, the answer goes to Slack instead: when something
 * matched, a message is queued in the Slack outbox (slack/outbox.h) under
 * a key made of the pull request and the text, so that the same answer is
 * never posted twice; an incoming webhook cannot edit, so a changed
 * answer is a new message.
 *
 * Network errors, 5xx, 408 and 429 are retried with backoff (Retry-After
 * honoured); other answers fail the row. A new event for the same pull
 * request queues it again with fresh tries.
 */
#ifndef PMKB_SLACK_PRCOMMENT_H
#define PMKB_SLACK_PRCOMMENT_H

#include <jansson.h>

#include "pmkb/base/status.h"

struct dbconn;
struct forge_pr;
struct outbox_worker;
struct pr_worker;
struct settings;
struct store;

/* Hidden in every comment pmkb writes; how it finds its own again. */
#define PRCOMMENT_MARKER "<!-- pmkb:recall -->"

struct prcomment_settings {
	const char *public_url; /* links to postmortems; may be NULL */
	int max_attempts;
	long backoff_ms;
	long timeout_ms;
	/* Not NULL: post to Slack through this outbox worker instead. */
	struct outbox_worker *slack;
};

/*
 * Starts the worker when a forge token is set in the environment
 * (forge_token_var()); *out stays NULL otherwise. st and tax are borrowed
 * until prcomment_stop. Rows a dead process left "sending" are queued
 * again first.
 */
enum pm_status prcomment_start(struct pr_worker **out, struct store *st,
			       struct settings *tax,
			       const struct prcomment_settings *s,
			       struct pm_error *err);

/* Whether w has a token for pr's forge. */
int prcomment_can(const struct pr_worker *w, const struct forge_pr *pr);

/* Queues pr (again) and wakes the worker. PM_DB when it cannot be
 * written. */
enum pm_status prcomment_enqueue(struct pr_worker *w,
				 const struct forge_pr *pr);

/*
 * {"counts": {"queued": N, ...}, "recent": [{forge, repo, number, head,
 * state, attempts, matches, comment_id, last_status, last_error,
 * updated_at}]} with the limit most recently changed pull requests (a
 * reader). Owned; NULL on a database error.
 */
json_t *prcomment_status(struct dbconn *c, int limit);

/* Finishes the request in progress, joins the thread, frees w (may be
 * NULL). */
void prcomment_stop(struct pr_worker *w);

#endif
