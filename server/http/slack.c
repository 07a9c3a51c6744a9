/*
 * POST /slack/command: verification (slack/verify.h) → the form → the
 * answer (slack/command.h), inline or later through response_url; and
 * setting Slack up for `pmkb serve`. Neither the secret nor any signature
 * is ever logged.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/config.h"
#include "pmkb/base/form.h"
#include "pmkb/base/http_client.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/http/routes.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/http/slack.h"
#include "pmkb/slack/command.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/digest.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/slack/prcomment.h"
#include "pmkb/slack/verify.h"

static int have_page(const char *path)
{
	char param[8];
	const char *allow;

	return routes_match("GET", path, param, sizeof(param), &allow) !=
	       NULL;
}

/* The answer to one command line, read from app's index and settings. */
static json_t *answer(struct app *app, const char *command, const char *text,
		      const char *user_id)
{
	struct slack_env env = { app->store, app->settings, app->public_url,
				 have_page, user_id };

	return slack_answer(&env, command, text);
}

/* ---- running a command: inline, or later through response_url ---- */

/* What serve keeps for the slash command (app->slack). */
struct slack {
	char *secret;	       /* a secret: never logged */
	char *response_prefix; /* where response_url may point */
	long inline_ms;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int running; /* commands whose thread has not finished */
};

/*
 * One command, shared by the request handler and the thread that runs
 * it; whichever lets go last frees it.
 */
struct job {
	struct slack *sl;
	struct app *app;
	char *command, *text, *response_url, *user_id;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int done, deferred, refs;
	json_t *reply;
};

static void job_unref(struct job *j)
{
	int refs;

	pthread_mutex_lock(&j->lock);
	refs = --j->refs;
	pthread_mutex_unlock(&j->lock);
	if (refs)
		return;
	json_decref(j->reply);
	free(j->command);
	free(j->text);
	free(j->response_url);
	free(j->user_id);
	pthread_cond_destroy(&j->done_cond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/*
 * Posts a late answer to the response_url Slack gave (valid for 30
 * minutes). One try: the user can ask again.
 */
static void post_late(const char *url, const json_t *reply)
{
	char *body = json_dumps(reply, JSON_COMPACT);
	struct http_post p = { 0 };
	struct http_answer a = { 0 };

	p.url = url;
	p.content_type = "application/json; charset=utf-8";
	p.body = body ? body : "";
	p.len = body ? strlen(body) : 0;
	p.timeout_ms = 10000;
	if (http_post_once(&p, &a) != HTTP_ANSWERED || a.status < 200 ||
	    a.status >= 300) {
		char code[24];

		snprintf(code, sizeof(code), "%ld", a.status);
		log_kv(LOG_WARN, "slack.late_answer_failed", "status", code,
		       "error", a.outcome == HTTP_ANSWERED ? "refused" : a.error,
		       NULL);
	}
	http_answer_release(&a);
	free(body);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct slack *sl = j->sl;
	json_t *reply = answer(j->app, j->command, j->text, j->user_id);
	int deferred;

	pthread_mutex_lock(&j->lock);
	j->reply = reply;
	j->done = 1;
	deferred = j->deferred;
	pthread_cond_signal(&j->done_cond);
	pthread_mutex_unlock(&j->lock);
	/* The handler has answered "working on it" and let go of reply. */
	if (deferred)
		post_late(j->response_url, reply);
	job_unref(j);
	/* Last: slack_stop() may free sl once running reaches 0. */
	pthread_mutex_lock(&sl->lock);
	if (--sl->running == 0)
		pthread_cond_broadcast(&sl->idle);
	pthread_mutex_unlock(&sl->lock);
	return NULL;
}

/*
 * Runs the command on its own thread and waits for it up to inline_ms.
 * Returns the answer, or (later than that) a short acknowledgement while
 * the thread posts the answer to response_url when it has it: Slack
 * shows an error when a command takes more than 3 seconds.
 */
static json_t *run_command(struct app *app, const char *command,
			   const char *text, const char *response_url,
			   const char *user_id)
{
	struct slack *sl = app->slack;
	struct job *j;
	struct timespec until;
	pthread_t thread;
	pthread_attr_t attr;
	json_t *reply = NULL;
	int started;

	/* Without a usable response_url, the only way to answer is now. */
	if (!response_url ||
	    strncmp(response_url, sl->response_prefix,
		    strlen(sl->response_prefix)))
		return answer(app, command, text, user_id);
	j = xcalloc(1, sizeof(*j));
	j->sl = sl;
	j->app = app;
	j->command = xstrdup(command);
	j->text = xstrdup(text);
	j->response_url = xstrdup(response_url);
	j->user_id = user_id ? xstrdup(user_id) : NULL;
	j->refs = 2;
	/* 0 ms: always later (the thread may finish before we look). */
	j->deferred = sl->inline_ms == 0;
	pthread_mutex_init(&j->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&j->done_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_lock(&sl->lock);
	sl->running++;
	pthread_mutex_unlock(&sl->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = !pthread_create(&thread, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (!started) {
		pthread_mutex_lock(&sl->lock);
		sl->running--;
		pthread_mutex_unlock(&sl->lock);
		j->refs = 1;
		job_unref(j);
		return answer(app, command, text, user_id);
	}
	clock_deadline_ms(&until, sl->inline_ms);
	pthread_mutex_lock(&j->lock);
	while (!j->done && !j->deferred &&
	       pthread_cond_timedwait(&j->done_cond, &j->lock, &until) == 0)
		;
	if (j->done && !j->deferred) {
		reply = j->reply;
		j->reply = NULL;
	} else {
		j->deferred = 1;
	}
	pthread_mutex_unlock(&j->lock);
	job_unref(j);
	if (reply)
		return reply;
	log_kv(LOG_INFO, "slack.deferred", "note",
	       "the answer follows through response_url", NULL);
	return json_pack("{s:s,s:s,s:[{s:s,s:{s:s,s:s}}]}", "response_type",
			 "ephemeral", "text", "Looking that up…", "blocks",
			 "type", "section", "text", "type", "mrkdwn", "text",
			 "Looking that up… the answer follows in a moment.");
}

void slack_command(struct request *req, struct reply *rep)
{
	struct app *app = req->app;
	struct form form = { 0 };
	struct pm_error err;
	const char *text, *command;
	int64_t t0;
	char us[24];

	pm_error_clear(&err);
	if (!app->slack) {
		reply_error(rep, 404, "the Slack slash command is not enabled "
			    "on this server: set PMKB_SLACK_SIGNING_SECRET");
		return;
	}
	if (req->body.len > SLACK_MAX_BODY) {
		reply_error(rep, 413, "a Slack command is never larger than "
			    "%d bytes", SLACK_MAX_BODY);
		return;
	}
	if (slack_verify(app->slack->secret,
			 request_header(req, "X-Slack-Request-Timestamp"),
			 request_header(req, "X-Slack-Signature"),
			 req->body.ptr, req->body.len, (int64_t)time(NULL),
			 &err) != PM_OK) {
		log_kv(LOG_WARN, "slack.refused", "reason", err.message,
		       NULL);
		reply_error(rep, 401, "%s", err.message);
		return;
	}
	if (form_parse(&form, req->body.ptr, req->body.len, &err) !=
	    PM_OK) {
		reply_error(rep, 400, "%s", err.message);
		return;
	}
	t0 = clock_ns();
	/* Slack checks the certificate with ssl_check=1: nothing to say. */
	if ((text = form_get(&form, "ssl_check")) && !strcmp(text, "1")) {
		rep->status = 200;
		rep->content_type = "text/plain; charset=utf-8";
		goto out;
	}
	text = form_get(&form, "text");
	command = form_get(&form, "command");
	if (!command || command[0] != '/' || strlen(command) > 64 ||
	    strpbrk(command, "`<>& \n"))
		command = "/postmortem";
	reply_json(rep, 200,
		   run_command(app, command, text ? text : "",
			       form_get(&form, "response_url"),
			       form_get(&form, "user_id")));
	snprintf(us, sizeof(us), "%lld",
		 (long long)((clock_ns() - t0) / 1000));
	log_kv(LOG_INFO, "slack.command", "user",
	       form_get(&form, "user_id") ? form_get(&form,
								 "user_id")
						: "",
	       "us", us, NULL);
out:
	form_release(&form);
}

/* ---- setup ---- */

enum pm_status slack_start(struct app *app, struct pm_error *err)
{
	const struct pm_config *cfg = app->cfg;
	const char *secret = getenv("PMKB_SLACK_SIGNING_SECRET");
	const char *hook = getenv("PMKB_SLACK_WEBHOOK_URL");
	struct outbox_settings os = { 0 };
	struct outbox_context *ctx;
	struct buf url = BUF_INIT;
	int mode = announce_mode_parse(cfg->slack_announce);
	enum pm_status rc;

	if (mode < 0)
		return pm_error_set(err, PM_INVALID, "--slack-announce", 0,
				    "--slack-announce: expected new, "
				    "new+updated or off, got '%s'",
				    cfg->slack_announce);
	if (secret && *secret) {
		struct slack *sl = xcalloc(1, sizeof(*sl));

		sl->secret = xstrdup(secret);
		sl->response_prefix = xstrdup(cfg->slack_response_prefix);
		sl->inline_ms = cfg->slack_inline_ms;
		pthread_mutex_init(&sl->lock, NULL);
		pthread_cond_init(&sl->idle, NULL);
		app->slack = sl;
	}
	log_kv(LOG_INFO, "slack.setup", "slash_command",
	       app->slack ? "on" : "off (no PMKB_SLACK_SIGNING_SECRET)",
	       "announce",
	       hook && *hook ? cfg->slack_announce
			     : "off (no PMKB_SLACK_WEBHOOK_URL)",
	       NULL);
	if (!hook || !*hook)
		return PM_OK;
	os.webhook_url = hook;
	os.max_attempts = (int)cfg->slack_max_attempts;
	os.backoff_ms = cfg->slack_backoff_ms;
	os.timeout_ms = cfg->slack_timeout_ms;
	if ((rc = outbox_worker_start(&app->outbox, app->store, &os, err)) !=
	    PM_OK)
		return rc;
	if (mode == ANNOUNCE_OFF)
		return PM_OK;
	/*
	 * The first sync runs before the server binds its port, so links
	 * come from the configuration. Slack users cannot reach loopback
	 * anyway: say so when --public-url is missing.
	 */
	if (cfg->public_url && *cfg->public_url) {
		buf_addstr(&url, cfg->public_url);
	} else {
		buf_addf(&url, "http://%s%s%s:%u",
			 strchr(cfg->host, ':') ? "[" : "", cfg->host,
			 strchr(cfg->host, ':') ? "]" : "", cfg->port);
		log_kv(LOG_WARN, "slack.public_url", "url", url.ptr, "note",
		       "links in Slack use this; set --public-url", NULL);
	}
	while (url.len && url.ptr[url.len - 1] == '/')
		buf_setlen(&url, url.len - 1);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->mode = (enum announce_mode)mode;
	ctx->public_url = buf_detach(&url, NULL);
	ctx->source_url = cfg->source_url;
	ctx->branch = cfg->branch;
	ctx->dir = cfg->dir;
	ctx->worker = app->outbox;
	app->announce = ctx;
	return PM_OK;
}

enum pm_status slack_digest_start(struct app *app, struct pm_error *err)
{
	if (!app->announce)
		return PM_OK;
	return digest_start(&app->digest, app->store, app->settings,
			    app->announce->public_url, app->outbox, 0, err);
}

enum pm_status slack_start_pull_requests(struct app *app,
					 struct pm_error *err)
{
	struct prcomment_settings ps = { 0 };

	ps.public_url = app->cfg->public_url;
	ps.max_attempts = (int)app->cfg->slack_max_attempts;
	ps.backoff_ms = app->cfg->slack_backoff_ms;
	if (!strcmp(app->cfg->pr_comments, "slack")) {
		if (!app->outbox)
			return pm_error_set(err, PM_INVALID, "--pr-comments",
					    0, "--pr-comments slack needs "
					    "PMKB_SLACK_WEBHOOK_URL");
		ps.slack = app->outbox;
	} else if (strcmp(app->cfg->pr_comments, "forge")) {
		return pm_error_set(err, PM_INVALID, "--pr-comments", 0,
				    "--pr-comments: expected forge or slack, "
				    "got '%s'", app->cfg->pr_comments);
	}
	return prcomment_start(&app->prs, app->store, app->settings, &ps, err);
}

void slack_stop(struct app *app)
{
	struct outbox_context *ctx = app->announce;
	struct slack *sl = app->slack;

	digest_stop(app->digest);
	app->digest = NULL;
	prcomment_stop(app->prs);
	app->prs = NULL;
	outbox_worker_stop(app->outbox);
	app->outbox = NULL;
	if (ctx) {
		free((char *)ctx->public_url);
		free(ctx);
	}
	app->announce = NULL;
	if (sl) {
		/* Commands answering late still read the index. */
		pthread_mutex_lock(&sl->lock);
		while (sl->running)
			pthread_cond_wait(&sl->idle, &sl->lock);
		pthread_mutex_unlock(&sl->lock);
		sodium_memzero(sl->secret, strlen(sl->secret));
		free(sl->secret);
		free(sl->response_prefix);
		pthread_cond_destroy(&sl->idle);
		pthread_mutex_destroy(&sl->lock);
		free(sl);
	}
	app->slack = NULL;
}
