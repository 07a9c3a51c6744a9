/* Slack for `pmkb serve`: the slash command's endpoint and setup. */
#ifndef PMKB_HTTP_SLACK_H
#define PMKB_HTTP_SLACK_H

#include "pmkb/base/status.h"

struct app;

/*
 * Sets Slack up for `pmkb serve`, with secrets from the environment only:
 * with PMKB_SLACK_SIGNING_SECRET the slash command (app->slack), and with
 * PMKB_SLACK_WEBHOOK_URL the outbox worker (app->outbox) and what git
 * syncs announce (app->announce, per --slack-announce; links use
 * --public-url). Call before the first sync; undo with slack_stop().
 *
 * A command that takes longer than --slack-inline-ms is answered "looking
 * that up" at once and for real through the response_url Slack sent
 * (which must start with --slack-response-prefix), because Slack gives up
 * on an answer after 3 seconds.
 */
enum pm_status slack_start(struct app *app, struct pm_error *err);

/*
 * Starts the action-item digest (slack/digest.h) on the replica that
 * announces (app->announce), with the settings in force. Call after the
 * first sync or import, so that the first look sees .pmkb.yml.
 */
enum pm_status slack_digest_start(struct app *app, struct pm_error *err);

/*
 * Starts the worker that comments on pull requests (slack/prcomment.h)
 * when a forge token is set. Call after the first import or sync, so that
 * the recall it runs sees the index and .pmkb.yml; slack_stop() stops it.
 */
enum pm_status slack_start_pull_requests(struct app *app,
					 struct pm_error *err);

/*
 * Stops the digest and the outbox worker and waits for commands still answering late
 * (call after the HTTP server and the syncs have stopped), then wipes the
 * secret. Safe on an app slack_start() skipped.
 */
void slack_stop(struct app *app);

#endif
