/*
 * The outbox without the network: which index changes are announced, the
 * dedupe key, the Block Kit message, backoff and Retry-After arithmetic,
 * and queueing inside the indexer's transaction on a real database.
 * Delivery itself is tested end to end (tests/e2e/test_outbox.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pmkb/ingest/indexer.h"
#include "pmkb/slack/delivery.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/db/store.h"
#include "tap.h"

static void test_policy(void)
{
	enum outbox_event ev = OUTBOX_TEST;

	is_int(announce_mode_parse("new"), ANNOUNCE_NEW, "new");
	is_int(announce_mode_parse("new+updated"), ANNOUNCE_NEW_UPDATED,
	       "new+updated");
	is_int(announce_mode_parse("off"), ANNOUNCE_OFF, "off");
	is_int(announce_mode_parse("all"), -1, "anything else");

	ok(outbox_should_announce(ANNOUNCE_NEW, INDEX_ADDED, "", "published",
				  &ev) &&
		   ev == OUTBOX_NEW,
	   "added and published: new");
	ok(!outbox_should_announce(ANNOUNCE_NEW, INDEX_ADDED, "", "draft",
				   &ev),
	   "an added draft: nothing");
	ok(outbox_should_announce(ANNOUNCE_NEW, INDEX_UPDATED, "review",
				  "published", &ev) &&
		   ev == OUTBOX_PUBLISHED,
	   "review → published: published");
	ok(!outbox_should_announce(ANNOUNCE_NEW, INDEX_UPDATED, "published",
				   "published", &ev),
	   "an edit of a published one: nothing with new");
	ok(outbox_should_announce(ANNOUNCE_NEW_UPDATED, INDEX_UPDATED,
				  "published", "published", &ev) &&
		   ev == OUTBOX_UPDATED,
	   "an edit of a published one: updated with new+updated");
	ok(!outbox_should_announce(ANNOUNCE_NEW_UPDATED, INDEX_UPDATED,
				   "published", "draft", &ev),
	   "published → draft: nothing");
	ok(!outbox_should_announce(ANNOUNCE_NEW_UPDATED, INDEX_UNCHANGED,
				   "published", "published", &ev),
	   "unchanged: nothing");
	ok(!outbox_should_announce(ANNOUNCE_OFF, INDEX_ADDED, "", "published",
				   &ev),
	   "off: nothing");
}

static void test_arithmetic(void)
{
	is_int(outbox_backoff_ms(1000, 1, 0.0), 500,
	       "first retry: half the base at the least");
	is_int(outbox_backoff_ms(1000, 1, 0.999999), 999,
	       "and just under the base at the most");
	is_int(outbox_backoff_ms(1000, 3, 0.0), 2000, "doubling: 4 s / 2");
	is_int(outbox_backoff_ms(1000, 3, 0.5), 3000, "with jitter");
	is_int(outbox_backoff_ms(1000, 60, 0.0), 1800000,
	       "capped at an hour (no overflow)");
	is_int(outbox_backoff_ms(5000, 8, 2.0), 639999, "jitter clamped");

	is_int(outbox_retry_after_ms("2", 0), 2000, "seconds");
	is_int(outbox_retry_after_ms(" 10 \r\n", 0), 10000,
	       "header white space");
	is_int(outbox_retry_after_ms("0", 0), 0, "zero");
	is_int(outbox_retry_after_ms("999999999999999999999", 0), 3600000,
	       "capped at an hour");
	is_int(outbox_retry_after_ms("soon", 0), -1, "words");
	is_int(outbox_retry_after_ms("5s", 0), -1, "units");
	is_int(outbox_retry_after_ms("", 0), -1, "empty");
	is_int(outbox_retry_after_ms(NULL, 0), -1, "absent");
	is_int(outbox_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
				     1445412475),
	       5000, "an HTTP date");
	is_int(outbox_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT",
				     1445412490),
	       0, "an HTTP date in the past");
}

/* Checks the Block Kit rules Slack enforces on a message. */
static int valid_blocks(const json_t *msg)
{
	const json_t *blocks = json_object_get(msg, "blocks"), *b;
	size_t i;

	if (!json_is_string(json_object_get(msg, "text")) ||
	    !json_is_array(blocks) || json_array_size(blocks) > 50)
		return 0;
	json_array_foreach(blocks, i, b) {
		const char *type =
			json_string_value(json_object_get(b, "type"));
		const json_t *t = json_object_get(b, "text");

		if (!type)
			return 0;
		if (!strcmp(type, "section")) {
			const char *tt = json_string_value(
				json_object_get(t, "type"));
			const char *text = json_string_value(
				json_object_get(t, "text"));

			if (!tt || strcmp(tt, "mrkdwn") || !text ||
			    strlen(text) > 3000 ||
			    json_array_size(json_object_get(b, "fields")) > 10)
				return 0;
		} else if (!strcmp(type, "context")) {
			size_t n = json_array_size(
				json_object_get(b, "elements"));

			if (!n || n > 10)
				return 0;
		} else if (strcmp(type, "divider")) {
			return 0;
		}
	}
	return 1;
}

static void test_message(void)
{
	const char *causes[] = { "infrastructure", "network" };
	const char *services[] = { "billing-api", "aurora" };
	struct outbox_context ctx = { 0 };
	struct outbox_announcement a = { 0 };
	json_t *m;
	char *s, *key;

	ctx.mode = ANNOUNCE_NEW;
	ctx.public_url = "https://pmkb.example.com";
	ctx.source_url = "https://git.example.com/pm/blob/{commit}/{path}";
	ctx.branch = "main";
	ctx.dir = "postmortems";
	a.event = OUTBOX_NEW;
	a.path = "2018/db failover.md";
	a.slug = "db failover";
	a.title = "Primary <DB> failover & 障害";
	a.severity = "SEV2";
	a.summary = "フェイルオーバーに14分かかった。二文目は出さない。";
	a.commit = "0123456789abcdef0123456789abcdef01234567";
	a.content_hash = "c0ffee";
	a.causes = causes;
	a.n_causes = 2;
	a.services = services;
	a.n_services = 2;

	key = outbox_dedupe_key(&a);
	is_str(key, "new:2018/db failover.md:c0ffee",
	       "the key: event, path, content hash");
	free(key);

	m = outbox_message(&ctx, &a);
	ok(valid_blocks(m), "the message is valid Block Kit");
	s = json_dumps(m, JSON_COMPACT);
	ok(strstr(s, "<https://pmkb.example.com/p/db%20failover|Primary "
		     "&lt;DB&gt; failover &amp; 障害>") != NULL,
	   "linked title, escaped, Japanese intact");
	ok(strstr(s, "フェイルオーバーに14分かかった。") &&
		   !strstr(s, "二文目"),
	   "the summary's first sentence only");
	ok(strstr(s, "https://git.example.com/pm/blob/"
		     "0123456789abcdef0123456789abcdef01234567/postmortems/"
		     "2018/db%20failover.md|0123456789ab>") != NULL,
	   "the commit links through --source-url");
	ok(strstr(s, "*Severity*\\nSEV2") && strstr(s, "*Cause*\\n"
							"infrastructure") &&
		   strstr(s, "billing-api, aurora"),
	   "severity, primary cause and services as fields");
	free(s);
	json_decref(m);

	ctx.source_url = NULL;
	a.summary = NULL;
	a.severity = NULL;
	a.n_services = 0;
	m = outbox_message(&ctx, &a);
	s = json_dumps(m, JSON_COMPACT);
	ok(valid_blocks(m) && strstr(s, "`0123456789ab`"),
	   "without --source-url the commit id is shown unlinked");
	free(s);
	json_decref(m);
}

static const char pm_published[] =
	"---\ntitle: 新しい障害\nstarted_at: 2024-01-02\ncause: infra\n"
	"summary: One. Two.\n---\nbody\n";
static const char pm_draft[] =
	"---\ntitle: Draft\nstarted_at: 2024-01-03\ncause: infra\n"
	"status: draft\n---\nbody\n";
static const char pm_draft_published[] =
	"---\ntitle: Draft\nstarted_at: 2024-01-03\ncause: infra\n"
	"status: published\n---\nbody\n";
static const char pm_edited[] =
	"---\ntitle: 新しい障害 (edited)\nstarted_at: 2024-01-02\n"
	"cause: infra\n---\nbody\n";

static int64_t rows(struct store *st, const char *event)
{
	struct dbconn *c = store_reader(st);
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	sqlite3_prepare_v2(dbconn_db(c),
			   "SELECT count(*) FROM outbox WHERE ?1 IS NULL OR "
			   "event = ?1",
			   -1, &s, NULL);
	if (event)
		sqlite3_bind_text(s, 1, event, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	store_reader_release(st, c);
	return n;
}

static void put(struct store *st, struct outbox_context *ctx,
		const char *path, const char *text, int commit)
{
	struct index_batch *b = NULL;
	struct pm_provenance prov = { 0 };

	prov.commit = "abcdef0123456789abcdef0123456789abcdef01";
	if (index_begin(st, NULL, "", &b) != PM_OK)
		return;
	index_set_listener(b, ctx ? outbox_listener(ctx) : NULL);
	index_put(b, path, text, strlen(text), &prov, NULL);
	if (commit)
		index_commit(b, NULL);
	else
		index_abort(b);
}

static void test_queue(void)
{
	char dir[] = "/tmp/pmkb-outbox-XXXXXX", path[128];
	struct store *st = NULL;
	struct pm_error err;
	struct outbox_context ctx = { 0 };
	struct outbox_counts n;
	struct index_batch *b = NULL;
	struct dbconn *c;
	json_t *j;
	char *dump;
	int queued = -1, retried = -1;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/pmkb.db", dir);
	is_int(store_open(&st, path, &err), PM_OK, "a fresh database");
	if (!st)
		return;
	ctx.mode = ANNOUNCE_NEW;
	ctx.public_url = "https://pmkb.example.com";

	/* Without announcing (first sync, import, reindex): nothing. */
	put(st, NULL, "old.md", pm_published, 1);
	is_int(rows(st, NULL), 0, "a batch that does not announce queues "
				  "nothing");

	put(st, &ctx, "new.md", pm_published, 0);
	is_int(rows(st, NULL), 0, "an aborted batch leaves no message");
	put(st, &ctx, "new.md", pm_published, 1);
	is_int(rows(st, "new"), 1, "a new published postmortem: one message");
	put(st, &ctx, "new.md", pm_published, 1);
	is_int(rows(st, NULL), 1, "the same file again: nothing more");
	put(st, &ctx, "new.md", pm_edited, 1);
	is_int(rows(st, NULL), 1, "an edit: nothing with new");
	put(st, &ctx, "draft.md", pm_draft, 1);
	is_int(rows(st, NULL), 1, "a new draft: nothing");
	put(st, &ctx, "draft.md", pm_draft_published, 1);
	is_int(rows(st, "published"), 1, "draft → published: one message");
	ctx.mode = ANNOUNCE_NEW_UPDATED;
	put(st, &ctx, "new.md", pm_published, 1);
	is_int(rows(st, "updated"), 1, "new+updated: an edit is announced");
	ctx.mode = ANNOUNCE_NEW;

	/* A git rename: removed with its new path, then put. */
	if (index_begin(st, NULL, "", &b) == PM_OK) {
		index_set_listener(b, outbox_listener(&ctx));
		index_remove(b, "new.md", "renamed.md");
		index_put(b, "renamed.md", pm_published,
			  strlen(pm_published), NULL, NULL);
		index_commit(b, NULL);
	}
	is_int(rows(st, "new"), 1, "a renamed file is not announced again");

	/* Dedupe on the key itself, whatever the state. */
	c = store_writer(st);
	is_int(outbox_put(c, "k1", OUTBOX_TEST, "", "t", "{}", &queued),
	       PM_OK, "put");
	is_int(queued, 1, "queued");
	is_int(outbox_put(c, "k1", OUTBOX_TEST, "", "t", "{}", &queued),
	       PM_OK, "the same key");
	is_int(queued, 0, "is not queued twice");
	dbconn_exec(c, "UPDATE outbox SET state = 'failed', attempts = 8 "
		       "WHERE dedupe_key = 'k1'");
	is_int(outbox_put(c, "k1", OUTBOX_TEST, "", "t", "{}", &queued),
	       PM_OK, "a failed key");
	is_int(queued, 0, "is not queued again by a re-sync");
	outbox_count(c, &n);
	is_int(n.queued, 3, "three queued");
	is_int(n.failed, 1, "one failed");
	is_int(outbox_retry(c, 0, &retried), PM_OK, "retry");
	is_int(retried, 1, "one failed row queued again");
	outbox_count(c, &n);
	is_int(n.failed, 0, "none failed");
	j = outbox_status(c, "queued", 2);
	ok(j && json_array_size(json_object_get(j, "recent")) == 2,
	   "status lists the newest rows of a state");
	dump = j ? json_dumps(j, 0) : NULL;
	ok(dump && !strstr(dump, "payload"), "status carries no payload");
	free(dump);
	json_decref(j);
	store_writer_release(st);

	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		ok(0, "cleanup");
}

int main(void)
{
	test_policy();
	test_arithmetic();
	test_message();
	test_queue();
	return tap_done();
}
