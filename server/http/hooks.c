/*
 * Webhook endpoints and pmkb notify, the client of POST /hooks/git.
 *
 * Order in every handler: secret configured? → signature or token over
 * the raw body (401) → parse (400) → branch (200, ignored) → trigger a
 * sync (202). Nothing is parsed before the signature is checked, so an
 * unauthenticated sender cannot reach the JSON parser.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pmkb/http/routes.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/http_client.h"
#include "pmkb/base/config.h"
#include "pmkb/http/hooks.h"
#include "pmkb/base/log.h"
#include "pmkb/http/app.h"
#include "pmkb/http/request.h"
#include "pmkb/base/sig.h"
#include "pmkb/ingest/ledger.h"
#include "pmkb/ingest/syncer.h"
#include "pmkb/slack/forge.h"
#include "pmkb/slack/prcomment.h"

/* ---- shared steps ----------------------------------------------------- */

/* 1 when the request is signed with PMKB_WEBHOOK_SECRET; else replies. */
static int check_signature(struct request *req, struct reply *rep,
			   const char *source, const char *header,
			   const char *value)
{
	const char *secret = req->app->cfg->webhook_secret;
	struct sig_part body = { req->body.ptr, req->body.len };

	if (!secret || !*secret) {
		log_kv(LOG_WARN, "hook.refused", "source", source, "reason",
		       "PMKB_WEBHOOK_SECRET is not set", NULL);
		reply_error(rep, 401, "webhooks are off: the server has no "
			    "PMKB_WEBHOOK_SECRET");
		return 0;
	}
	if (!value) {
		log_kv(LOG_WARN, "hook.refused", "source", source, "reason",
		       "no signature", NULL);
		reply_error(rep, 401, "missing %s header", header);
		return 0;
	}
	if (sig_verify_hex(secret, strlen(secret), &body, 1, value) != PM_OK) {
		log_kv(LOG_WARN, "hook.refused", "source", source, "reason",
		       "bad signature", NULL);
		reply_error(rep, 401, "bad signature in %s", header);
		return 0;
	}
	return 1;
}

/*
 * Asks for a sync when ref (NULL: any) is the branch followed. actions
 * (taken; may be NULL) is what the push's Postmortem-Action trailers did,
 * added to the answer: a push to another repository only has those.
 */
static void enqueue(struct request *req, struct reply *rep,
		    const char *source, const char *ref, const char *after,
		    json_t *actions)
{
	struct syncer *s = req->app->syncer;
	const char *branch;
	json_t *j;

	if (!s && actions) {
		reply_json(rep, 200, json_pack("{s:b,s:o}", "queued", 0,
					       "actions", actions));
		return;
	}
	if (!s) {
		reply_error(rep, 503, "this server does not follow a git "
			    "repository (start it with --repo)");
		return;
	}
	branch = syncer_branch(s);
	if (ref && *ref &&
	    (strncmp(ref, "refs/heads/", 11) || strcmp(ref + 11, branch))) {
		struct buf note = BUF_INIT;

		buf_addf(&note, "ignored: %s is not refs/heads/%s, the branch "
			 "this server follows", ref, branch);
		log_kv(LOG_DEBUG, "hook.ignored", "source", source, "ref", ref,
		       NULL);
		j = json_pack("{s:b,s:s}", "queued", 0, "note", note.ptr);
		if (actions)
			json_object_set_new(j, "actions", actions);
		reply_json(rep, 200, j);
		buf_release(&note);
		return;
	}
	syncer_trigger(s, source);
	log_kv(LOG_INFO, "hook.queued", "source", source, "ref",
	       ref && *ref ? ref : "-", "after", after ? after : "-", NULL);
	j = json_pack("{s:b,s:s}", "queued", 1, "branch", branch);
	if (actions)
		json_object_set_new(j, "actions", actions);
	reply_json(rep, 202, j);
}

/*
 * Records what a push says about action items (ledger.h). Returns the
 * answer to add (owned), NULL when there was nothing to record, or
 * replies and sets *failed.
 */
static json_t *record_actions(struct request *req, struct reply *rep,
			      json_t *body, int *failed)
{
	struct pm_error err;
	json_t *answer = NULL;
	enum pm_status st;

	*failed = 0;
	if (!body)
		return NULL;
	pm_error_clear(&err);
	st = ledger_record(req->app->store, body, (int64_t)time(NULL),
			   &answer, &err);
	if (st != PM_OK) {
		reply_status(rep, st, &err);
		*failed = 1;
	}
	return answer;
}

/*
 * The ledger body for a forge's push payload: the commits whose message
 * has a Postmortem-Action trailer, named by repo_key's value (GitHub and
 * Gitea: repository.full_name; GitLab: project.path_with_namespace).
 * Owned; NULL when no commit has one.
 */
static json_t *forge_commits(json_t *j, const char *owner_key,
			     const char *repo_key)
{
	json_t *commits = json_object_get(j, "commits"), *c, *out, *refs;
	const char *repo = json_string_value(
		json_object_get(json_object_get(j, owner_key), repo_key));
	size_t i;

	if (!json_is_array(commits) || !repo)
		return NULL;
	out = json_array();
	json_array_foreach(commits, i, c) {
		const char *msg = json_string_value(json_object_get(c,
								    "message"));
		const char *id = json_string_value(json_object_get(c, "id"));

		if (!msg || !id)
			continue;
		refs = json_array();
		ledger_trailers(msg, refs);
		if (!json_array_size(refs)) {
			json_decref(refs);
			continue;
		}
		json_array_append_new(
			out, json_pack("{s:s,s:O?,s:O?,s:o}", "id", id,
				       "author",
				       json_object_get(json_object_get(c,
								       "author"),
						       "name"),
				       "time", json_object_get(c, "timestamp"),
				       "actions", refs));
	}
	if (!json_array_size(out)) {
		json_decref(out);
		return NULL;
	}
	return json_pack("{s:s,s:o}", "repo", repo, "commits", out);
}

/* The body as a JSON object, or NULL after a 400 reply. Owned. */
static json_t *parse_object(struct reply *rep, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);

	if (!j || !json_is_object(j)) {
		json_decref(j);
		reply_error(rep, 400, "the body is not a JSON object");
		return NULL;
	}
	return j;
}

static const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * A pull_request (merge_request) event: queues the comment with the
 * recall of its changed paths. 202 when queued, 200 with a note when it
 * is ignored (an action that changes no code, no token for the forge).
 */
static void pull_request(struct request *req, struct reply *rep,
			 enum forge_kind f, const json_t *ev)
{
	struct pr_worker *w = req->app->prs;
	struct forge_pr pr;
	const char *note = NULL;
	int rc = forge_pr_from_event(f, ev, getenv(forge_api_var(f)), &pr,
				     &note);

	if (rc < 0) {
		reply_error(rep, 400, "%s", note);
	} else if (rc == 0) {
		reply_json(rep, 200, json_pack("{s:b,s:s}", "queued", 0, "note",
					       note));
	} else if (!prcomment_can(w, &pr)) {
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "ignored: the server has no %s, so it does not "
			 "comment on pull requests", forge_token_var(f));
		reply_json(rep, 200, json_pack("{s:b,s:s}", "queued", 0, "note",
					       msg.ptr));
		buf_release(&msg);
	} else if (prcomment_enqueue(w, &pr) != PM_OK) {
		reply_error(rep, 503, "cannot queue the comment; try again");
	} else {
		char num[24];

		snprintf(num, sizeof(num), "%ld", pr.number);
		log_kv(LOG_INFO, "hook.pull_request", "forge", forge_name(f),
		       "repo", pr.repo, "number", num, "head", pr.head, NULL);
		reply_json(rep, 202, json_pack("{s:b,s:s,s:s,s:i}", "queued", 1,
					       "forge", forge_name(f), "repo",
					       pr.repo, "number",
					       (int)pr.number));
	}
	forge_pr_release(&pr);
}

/* ---- POST /hooks/git -------------------------------------------------- */

static int is_hex_id(const char *s, size_t len)
{
	if (len != 40 && len != 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

enum pm_status hooks_parse_ref_lines(const char *body, size_t len,
				     const char *branch, char *ref,
				     size_t refsz, struct pm_error *err)
{
	const char *p = body, *end = body + len;
	size_t blen = strlen(branch);
	int found = 0, lineno = 0;

	ref[0] = '\0';
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *sp1, *sp2, *r;
		size_t rlen;
		int is_branch;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			p = eol ? eol + 1 : end;
			continue;
		}
		sp1 = memchr(p, ' ', (size_t)(le - p));
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1)) : NULL;
		if (!sp2 || !is_hex_id(p, (size_t)(sp1 - p)) ||
		    !is_hex_id(sp1 + 1, (size_t)(sp2 - sp1 - 1)) ||
		    sp2 + 1 >= le ||
		    memchr(sp2 + 1, ' ', (size_t)(le - sp2 - 1)))
			return pm_error_set(err, PM_INVALID, "body", lineno,
					    "line %d: expected 'OLD NEW REF' "
					    "as git gives them to a "
					    "post-receive hook",
					    lineno);
		r = sp2 + 1;
		rlen = (size_t)(le - r);
		is_branch = rlen == 11 + blen &&
			    !strncmp(r, "refs/heads/", 11) &&
			    !strncmp(r + 11, branch, blen);
		if (!found && rlen < refsz && (is_branch || !ref[0])) {
			memcpy(ref, r, rlen);
			ref[rlen] = '\0';
			found = is_branch;
		}
		p = eol ? eol + 1 : end;
	}
	return PM_OK;
}

void hooks_git(struct request *req, struct reply *rep)
{
	struct pm_error err;
	char ref[512];

	if (!check_signature(req, rep, "git", HOOKS_SIGNATURE_HEADER,
			     request_header(req, HOOKS_SIGNATURE_HEADER)))
		return;
	pm_error_clear(&err);
	if (hooks_parse_ref_lines(req->body.ptr, req->body.len,
				  req->app->syncer
					  ? syncer_branch(req->app->syncer)
					  : "main",
				  ref, sizeof(ref), &err) != PM_OK) {
		reply_error(rep, 400, "%s", err.message);
		return;
	}
	/* An empty body is a plain "sync now" (pmkb notify < /dev/null). */
	enqueue(req, rep, "git", ref[0] ? ref : NULL, NULL, NULL);
}

/* ---- POST /hooks/github (and Gitea) ----------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The decoded payload= field of a form-encoded body, into out. */
static int form_payload(const char *body, size_t len, struct buf *out)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *fe = amp ? amp : end;

		if (fe - p >= 8 && !memcmp(p, "payload=", 8)) {
			for (const char *q = p + 8; q < fe; q++) {
				int hi, lo;

				if (*q == '+') {
					buf_addch(out, ' ');
				} else if (*q == '%' && fe - q >= 3 &&
					   (hi = hexval(q[1])) >= 0 &&
					   (lo = hexval(q[2])) >= 0) {
					buf_addch(out, hi * 16 + lo);
					q += 2;
				} else {
					buf_addch(out, *q);
				}
			}
			return 1;
		}
		p = amp ? amp + 1 : end;
	}
	return 0;
}

void hooks_github(struct request *req, struct reply *rep)
{
	const char *sig = request_header(req, "X-Hub-Signature-256");
	const char *event = request_header(req, "X-GitHub-Event");
	const char *ctype = request_header(req, "Content-Type");
	const char *header = "X-Hub-Signature-256";
	const char *source = "github";
	struct buf form = BUF_INIT;
	const char *data = req->body.ptr;
	size_t len = req->body.len;
	json_t *j = NULL, *ledger = NULL, *actions;
	const char *ref;
	int failed;

	/* Gitea sends both; older Gitea and Gogs only their own. */
	if (!sig && (sig = request_header(req, "X-Gitea-Signature")))
		header = "X-Gitea-Signature";
	if (request_header(req, "X-Gitea-Event"))
		source = "gitea";
	if (!event)
		event = request_header(req, "X-Gitea-Event");
	if (!check_signature(req, rep, source, header, sig))
		goto out;
	if (ctype && !strncasecmp(ctype, "application/x-www-form-urlencoded",
				  33)) {
		if (!form_payload(data, len, &form)) {
			reply_error(rep, 400, "a form body needs a payload "
				    "field");
			goto out;
		}
		data = form.ptr;
		len = form.len;
	}
	if (!(j = parse_object(rep, data, len)))
		goto out;
	if (event && !strcmp(event, "ping")) {
		reply_json(rep, 200, json_pack("{s:b}", "pong", 1));
		goto out;
	}
	if (event && !strcmp(event, "pull_request")) {
		pull_request(req, rep,
			     strcmp(source, "gitea") ? FORGE_GITHUB : FORGE_GITEA,
			     j);
		goto out;
	}
	if (event && strcmp(event, "push")) {
		reply_error(rep, 400, "event '%.64s' is not handled: send push "
			    "and pull_request events only", event);
		goto out;
	}
	if (!(ref = json_str(j, "ref"))) {
		reply_error(rep, 400, "not a push event: no \"ref\"");
		goto out;
	}
	ledger = forge_commits(j, "repository", "full_name");
	actions = record_actions(req, rep, ledger, &failed);
	if (!failed)
		enqueue(req, rep, source, ref, json_str(j, "after"), actions);
out:
	json_decref(ledger);
	json_decref(j);
	buf_release(&form);
}

/* ---- POST /hooks/gitlab ----------------------------------------------- */

void hooks_gitlab(struct request *req, struct reply *rep)
{
	const char *want = req->app->cfg->gitlab_token;
	const char *got = request_header(req, "X-Gitlab-Token");
	const char *kind, *ref;
	json_t *j = NULL;
	int failed;

	if (!want || !*want) {
		log_kv(LOG_WARN, "hook.refused", "source", "gitlab", "reason",
		       "PMKB_GITLAB_TOKEN is not set", NULL);
		reply_error(rep, 401, "GitLab webhooks are off: the server "
			    "has no PMKB_GITLAB_TOKEN");
		return;
	}
	if (!sig_secret_equal(got, want)) {
		log_kv(LOG_WARN, "hook.refused", "source", "gitlab", "reason",
		       got ? "bad token" : "no token", NULL);
		reply_error(rep, 401, got ? "bad X-Gitlab-Token"
					  : "missing X-Gitlab-Token header");
		return;
	}
	if (!(j = parse_object(rep, req->body.ptr, req->body.len)))
		return;
	kind = json_str(j, "object_kind");
	if (kind && !strcmp(kind, "merge_request")) {
		pull_request(req, rep, FORGE_GITLAB, j);
	} else if (kind && !strcmp(kind, "tag_push")) {
		reply_json(rep, 200, json_pack("{s:b,s:s}", "queued", 0, "note",
					       "ignored: a tag push"));
	} else if (!kind || strcmp(kind, "push") ||
		   !(ref = json_str(j, "ref"))) {
		reply_error(rep, 400, "not a push event (object_kind '%.32s')",
			    kind ? kind : "");
	} else {
		json_t *ledger = forge_commits(j, "project",
					       "path_with_namespace");
		json_t *actions = record_actions(req, rep, ledger, &failed);

		if (!failed)
			enqueue(req, rep, "gitlab", ref, json_str(j, "after"),
				actions);
		json_decref(ledger);
	}
	json_decref(j);
}

/* ---- POST /hooks/actions ---------------------------------------------- */

void hooks_actions(struct request *req, struct reply *rep)
{
	json_t *j, *answer;
	int failed;

	if (!check_signature(req, rep, "actions", HOOKS_SIGNATURE_HEADER,
			     request_header(req, HOOKS_SIGNATURE_HEADER)))
		return;
	if (!(j = parse_object(rep, req->body.ptr, req->body.len)))
		return;
	answer = record_actions(req, rep, j, &failed);
	if (!failed)
		reply_json(rep, 200, json_pack("{s:o}", "actions", answer));
	json_decref(j);
}

/* ---- GET /api/sync ---------------------------------------------------- */

void hooks_sync_status(struct request *req, struct reply *rep)
{
	if (!req->app->syncer) {
		reply_json(rep, 200, json_pack("{s:b,s:s}", "following", 0,
					       "dir", req->app->cfg->dir));
		return;
	}
	reply_json(rep, 200, syncer_status(req->app->syncer));
}

/* ---- pmkb notify ------------------------------------------------------ */

/*
 * POSTs body to server + path, signed with secret. Returns the HTTP
 * status (0 when the server could not be reached, said on msgs); the
 * start of the answer is in answer (release with http_answer_release).
 */
static long post_signed(const char *server, const char *path,
			const char *secret, const struct buf *body,
			const char *ctype, struct http_answer *answer,
			FILE *msgs)
{
	struct buf url = BUF_INIT, hdr = BUF_INIT;
	struct http_post post = { 0 };
	const char *headers[2] = { NULL, NULL };
	struct sig_part part = { body->ptr, body->len };
	char hex[SIG_SHA256_HEX];
	long code = 0;

	buf_addstr(&url, server);
	while (url.len && url.ptr[url.len - 1] == '/')
		buf_setlen(&url, url.len - 1);
	buf_addstr(&url, path);
	sig_hmac_sha256_hex(secret, strlen(secret), &part, 1, hex);
	buf_addf(&hdr, "%s: sha256=%s", HOOKS_SIGNATURE_HEADER, hex);
	headers[0] = hdr.ptr;
	post.url = url.ptr;
	post.content_type = ctype;
	post.headers = headers;
	post.body = body->ptr;
	post.len = body->len;
	post.timeout_ms = 5000;
	post.connect_timeout_ms = 2000;
	post.user_agent = "pmkb-notify/" PMKB_VERSION;
	if (http_post_once(&post, answer) != HTTP_ANSWERED) {
		fprintf(msgs, "pmkb notify: cannot reach %s: %s; the push is "
			      "fine, and pmkb will pick it up at its next "
			      "sync\n", url.ptr, answer->error);
		goto out;
	}
	code = answer->status;
	if (code != 200 && code != 202)
		fprintf(msgs, "pmkb notify: %s answered %ld: %.1024s\n",
			url.ptr, code,
			answer->body.ptr ? answer->body.ptr : "");
out:
	buf_release(&hdr);
	buf_release(&url);
	return code;
}

/* Says what the server did with the push's Postmortem-Action trailers. */
static void report_actions(const struct http_answer *answer, FILE *msgs)
{
	json_t *j, *a, *u;
	size_t i;

	j = answer->body.ptr ? json_loadb(answer->body.ptr, answer->body.len,
					  0, NULL)
			     : NULL;
	a = json_object_get(json_object_get(j, "actions"), "recorded");
	json_array_foreach(a, i, u)
		fprintf(msgs, "pmkb: action item %s done in commit %.12s\n",
			json_str(u, "ref"), json_str(u, "commit"));
	a = json_object_get(json_object_get(j, "actions"), "unknown");
	json_array_foreach(a, i, u)
		fprintf(msgs, "pmkb: Postmortem-Action %s (commit %.12s): %s; "
			      "recorded, shown once the item exists\n",
			json_str(u, "ref"), json_str(u, "commit"),
			json_str(u, "reason"));
	json_decref(j);
}

int hooks_notify(const char *server, const char *secret, const char *name,
		 FILE *in, FILE *msgs)
{
	struct buf body = BUF_INIT, ledger = BUF_INIT;
	struct http_answer answer = { 0 };
	char chunk[8192];
	json_t *scan = NULL;
	long code;
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (body.len <= HOOKS_NOTIFY_MAX_BODY)
			buf_add(&body, chunk, n);
	/* Too many refs: a plain sync request says as much. */
	if (body.len > HOOKS_NOTIFY_MAX_BODY)
		buf_reset(&body);
	if (!secret || !*secret) {
		fprintf(msgs, "pmkb notify: PMKB_WEBHOOK_SECRET is not set, "
			      "so pmkb was not told about this push; its "
			      "next sync will pick it up\n");
		goto out;
	}
	if (body.len && (scan = ledger_scan_push(body.ptr, body.len, name,
						 msgs))) {
		char *dump = json_dumps(scan, JSON_COMPACT);

		buf_addstr(&ledger, dump);
		free(dump);
		if (post_signed(server, "/hooks/actions", secret, &ledger,
				"application/json", &answer, msgs) == 200)
			report_actions(&answer, msgs);
		http_answer_release(&answer);
		memset(&answer, 0, sizeof(answer));
	}
	code = post_signed(server, "/hooks/git", secret, &body, "text/plain",
			   &answer, msgs);
	if (code == 202)
		fprintf(msgs, "pmkb: sync queued\n");
	else if (code == 200)
		fprintf(msgs, "pmkb: %.1024s\n",
			answer.body.ptr ? answer.body.ptr : "");
out:
	http_answer_release(&answer);
	json_decref(scan);
	buf_release(&ledger);
	buf_release(&body);
	return 0;
}
