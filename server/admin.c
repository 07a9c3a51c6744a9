/*
 * pmkb token, pmkb outbox and pmkb digest: the commands that manage access
 * tokens and the Slack outbox of an index, printing what they did.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/admin.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/config.h"
#include "pmkb/base/log.h"
#include "pmkb/db/store.h"
#include "pmkb/http/auth.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/slack/digest.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/stats/stats.h"

/* ---- pmkb token ---- */

int token_command(const struct pm_config *cfg, int nargs, const char **args)
{
	struct store *st = NULL;
	struct pm_error err;
	const char *verb = nargs ? args[0] : "";
	char token[AUTH_TOKEN_LEN + 1];
	int scope = auth_scope_parse(cfg->scope), rc = 2;

	pm_error_clear(&err);
	if (!((!strcmp(verb, "create") && nargs == 2) ||
	      (!strcmp(verb, "revoke") && nargs == 2) ||
	      (!strcmp(verb, "list") && nargs == 1))) {
		fprintf(stderr, "Usage: pmkb token create NAME [--scope "
				"read|admin] | list | revoke NAME\n");
		return 2;
	}
	if (scope < 0) {
		fprintf(stderr, "pmkb token: --scope: expected read or admin, "
				"got '%s'\n",
			cfg->scope);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "pmkb: libsodium cannot start\n");
		return 1;
	}
	if (store_open(&st, cfg->db, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s: %s\n", cfg->db, err.message);
		return 1;
	}
	rc = 1;
	if (!strcmp(verb, "create")) {
		if (auth_token_create(st, args[1], (enum auth_scope)scope,
				      token, &err) != PM_OK)
			goto fail;
		/* The token goes to stdout alone, for scripts. */
		printf("%s\n", token);
		fflush(stdout);
		sodium_memzero(token, sizeof(token));
		fprintf(stderr, "pmkb: created the %s token '%s'; it is shown "
				"only this once\n",
			auth_scope_name((enum auth_scope)scope), args[1]);
	} else if (!strcmp(verb, "revoke")) {
		if (auth_token_revoke(st, args[1], &err) != PM_OK)
			goto fail;
		fprintf(stderr, "pmkb: revoked '%s' and its sessions\n",
			args[1]);
	} else if (auth_token_list(st, stdout, &err) != PM_OK) {
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "pmkb token: %s\n", err.message);
out:
	store_close(st);
	return rc;
}

/* ---- pmkb outbox ---- */

static void print_rows(FILE *out, json_t *status)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(status, "recent"), i, row) {
		const char *err = json_string_value(
			json_object_get(row, "last_error"));
		const char *slug = json_string_value(
			json_object_get(row, "slug"));

		fprintf(out, "  #%lld  %-7s  %-9s  tries %lld  %s\n",
			(long long)json_integer_value(
				json_object_get(row, "id")),
			json_string_value(json_object_get(row, "state")),
			json_string_value(json_object_get(row, "event")),
			(long long)json_integer_value(
				json_object_get(row, "attempts")),
			slug && *slug ? slug
				      : json_string_value(
						json_object_get(row, "title")));
		if (err)
			fprintf(out, "        last error: %s\n", err);
	}
}

/* Queues a message that says only that the webhook works. */
static enum pm_status queue_test(struct dbconn *c, const char *text,
				 int64_t *id)
{
	struct buf key = BUF_INIT, t = BUF_INIT;
	json_t *msg;
	char *payload;
	int queued = 0;
	enum pm_status rc;

	buf_addf(&key, "test:%lld:%08x", (long long)outbox_now_ms(),
		 randombytes_random());
	buf_addstr(&t, "*Test message from pmkb:* ");
	slack_escape_max(&t, *text ? text : "the incoming webhook works.",
			 1000);
	msg = json_pack("{s:s,s:[{s:s,s:{s:s,s:s}}]}", "text", t.ptr,
			"blocks", "type", "section", "text", "type", "mrkdwn",
			"text", t.ptr);
	payload = json_dumps(msg, JSON_COMPACT);
	rc = outbox_put(c, key.ptr, OUTBOX_TEST, "", "test message", payload,
			&queued);
	*id = sqlite3_last_insert_rowid(dbconn_db(c));
	free(payload);
	json_decref(msg);
	buf_release(&key);
	buf_release(&t);
	return rc;
}

int outbox_command(const struct pm_config *cfg, int nargs, const char **args)
{
	const char *sub = nargs ? args[0] : "status";
	struct store *st = NULL;
	struct dbconn *c = NULL;
	struct pm_error err;
	struct buf text = BUF_INIT;
	json_t *status = NULL;
	int64_t id = 0;
	int n = 0, rc = 1;
	char *end;

	pm_error_clear(&err);
	if (strcmp(sub, "status") && strcmp(sub, "retry") &&
	    strcmp(sub, "test")) {
		fprintf(stderr, "pmkb outbox: expected status, retry [ID] or "
				"test [TEXT], got '%s'\n", sub);
		return 2;
	}
	if (!strcmp(sub, "retry") && nargs > 1) {
		id = strtoll(args[1], &end, 10);
		if (nargs > 2 || !*args[1] || *end || id < 1) {
			fprintf(stderr, "pmkb outbox retry: expected one "
					"message id, got '%s'\n", args[1]);
			return 2;
		}
	}
	if (store_open(&st, cfg->db, &err) != PM_OK) {
		fprintf(stderr, "pmkb: %s: %s\n", cfg->db, err.message);
		return 1;
	}
	if (!strcmp(sub, "status")) {
		if (!(c = store_reader(st)) ||
		    !(status = outbox_status(c, NULL, 20)))
			goto fail;
		printf("queued %lld, sending %lld, sent %lld, failed %lld\n",
		       (long long)json_integer_value(json_object_get(
			       json_object_get(status, "counts"), "queued")),
		       (long long)json_integer_value(json_object_get(
			       json_object_get(status, "counts"), "sending")),
		       (long long)json_integer_value(json_object_get(
			       json_object_get(status, "counts"), "sent")),
		       (long long)json_integer_value(json_object_get(
			       json_object_get(status, "counts"), "failed")));
		print_rows(stdout, status);
		store_reader_release(st, c);
		c = NULL;
		rc = 0;
		goto out;
	}
	c = store_writer(st);
	if (!strcmp(sub, "retry")) {
		if (outbox_retry(c, id, &n) != PM_OK)
			goto fail;
		printf("pmkb: %d failed message%s queued again\n", n,
		       n == 1 ? "" : "s");
		rc = id && !n ? 1 : 0;
	} else {
		for (int i = 1; i < nargs; i++)
			buf_addf(&text, "%s%s", i > 1 ? " " : "", args[i]);
		if (queue_test(c, text.ptr, &id) != PM_OK)
			goto fail;
		printf("pmkb: test message #%lld queued; a running pmkb serve "
		       "with PMKB_SLACK_WEBHOOK_URL delivers it\n",
		       (long long)id);
		rc = 0;
	}
	store_writer_release(st);
	c = NULL;
	goto out;
fail:
	fprintf(stderr, "pmkb outbox: cannot %s the outbox of %s\n",
		!strcmp(sub, "status") ? "read" : "update", cfg->db);
	if (c && strcmp(sub, "status"))
		store_writer_release(st);
	else if (c)
		store_reader_release(st, c);
	c = NULL;
out:
	json_decref(status);
	buf_release(&text);
	store_close(st);
	return rc;
}

/* ---- pmkb digest ---- */

/* The digest as text: each block's mrkdwn on its own lines. */
static void print_digest(const struct digest_period *p, json_t *msg)
{
	json_t *b;
	size_t i;

	printf("digest of %s (next %lld)\n", p->when, (long long)p->next);
	json_array_foreach(json_object_get(msg, "blocks"), i, b)
		printf("%s\n", json_string_value(json_object_get(
					json_object_get(b, "text"), "text")));
}

int digest_command(const struct pm_config *cfg)
{
	struct taxonomy *tax = NULL;
	struct store *st = NULL;
	struct stats_zone *z = NULL;
	struct digest_period p;
	struct pm_error err;
	struct dbconn *c;
	enum digest_result res;
	char *path = NULL, *salt = NULL;
	const char *url = cfg->public_url ? cfg->public_url : "";
	json_t *msg;
	size_t n;
	int rc = 1;

	pm_error_clear(&err);
	if (importer_settings(cfg->dir, &tax, &path, &salt, &err) != PM_OK) {
		fprintf(stderr, "pmkb digest: %s:%d: %s\n", err.source,
			err.line, err.message);
		goto out;
	}
	if (access(cfg->db, R_OK)) {
		fprintf(stderr, "pmkb digest: %s: no index here\n", cfg->db);
		goto out;
	}
	if (store_open(&st, cfg->db, &err) != PM_OK) {
		fprintf(stderr, "pmkb digest: %s: %s\n", cfg->db, err.message);
		goto out;
	}
	if (!cfg->dry_run) {
		if (digest_queue(st, tax, url, civil_now(), 1, &res,
				 &p, &err) != PM_OK) {
			fprintf(stderr, "pmkb digest: %s\n", err.message);
			goto out;
		}
		printf("digest of %s: %s\n", p.day[0] ? p.when : "-",
		       digest_result_name(res));
		rc = 0;
		goto out;
	}
	if (stats_zone_load(&z, tax->time_zone, &err) != PM_OK) {
		fprintf(stderr, "pmkb digest: %s\n", err.message);
		goto out;
	}
	if (!digest_period(tax->learning, z, civil_now(), &p)) {
		printf("no digest: .pmkb.yml has no digest: schedule\n");
		rc = 0;
		goto out;
	}
	if (!(c = store_reader(st))) {
		fprintf(stderr, "pmkb digest: cannot read %s\n", cfg->db);
		goto out;
	}
	msg = digest_message(c, tax, url, &p, &n);
	store_reader_release(st, c);
	print_digest(&p, msg);
	json_decref(msg);
	rc = 0;
out:
	stats_zone_free(z);
	store_close(st);
	taxonomy_free(tax);
	free(path);
	free(salt);
	return rc;
}
