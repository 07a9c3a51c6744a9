/*
 * Similar postmortems against a real index built through the store and
 * the indexer: related documents rank above unrelated ones, the document
 * itself is never listed, the reasons name what is shared, Japanese words
 * are shown whole, renamed and unknown slugs, limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/similar.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "simdocs.h"
#include "testdb.h"

static const struct test_doc docs[] = {
	{ "2017-04-18-redis-eviction.md", SIMDOC_REDIS_EVICTION },
	{ "2018-05-16-redis-token-eviction.md", SIMDOC_REDIS_TOKENS },
	{ "2017-06-01-migration-lock.md", SIMDOC_MIGRATION_LOCK },
	{ "2016-12-06-cdn-cert.md",
	  "---\ntitle: CDN の TLS 証明書の期限切れで画像が表示されない\n"
	  "started_at: 2016-12-06\nseverity: SEV1\n"
	  "cause: [infrastructure, operation]\nservices: [cdn]\n"
	  "summary: 静的ファイル配信の証明書が期限切れになった。\n---\n"
	  "# 概要\n\nCDN に手動でアップロードしていた TLS 証明書が"
	  "期限切れになり、ブラウザが画像を拒否した。証明書の更新通知は"
	  "退職者のメールアドレスに届いていた。\n" },
	{ "2017-05-11-internal-cert.md",
	  "---\ntitle: 社内 CA の証明書の期限切れで内部通信が全断\n"
	  "started_at: 2017-05-11\nseverity: SEV1\n"
	  "cause: [infrastructure, operation]\n"
	  "services: [payment-api]\n"
	  "summary: 社内 CA が発行した証明書が期限切れになった。\n---\n"
	  "# 概要\n\n社内 CA の TLS 証明書が期限切れになり、payment-api "
	  "からの内部通信がすべて失敗した。証明書の期限を監視して"
	  "いなかった。\n" },
	{ "2017-03-24-disk-full.md",
	  "---\ntitle: データパイプラインのディスクが満杯\n"
	  "started_at: 2017-03-24\nseverity: SEV3\ncause: capacity\n"
	  "services: [data-pipeline]\n"
	  "summary: ログの肥大化でディスクが満杯になった。\n---\n"
	  "# 概要\n\nローテーションされないログでディスクが満杯になり、"
	  "取り込みジョブが停止した。\n" },
	{ "2019-01-01-lonely.md",
	  "---\ntitle: Zyxwv quux\nstarted_at: 2019-01-01\n"
	  "cause: security\nservices: [vault]\n"
	  "summary: Plugh xyzzy.\n---\n# Frobnicate\n\nWombat gazump.\n" },
};

static json_t *similar(struct dbconn *c, const char *slug, int limit,
		       enum pm_status *st, char **renamed)
{
	struct pm_error err;
	json_t *out = NULL;

	memset(&err, 0, sizeof(err));
	*st = similar_run(c, NULL, slug, limit, &out, renamed, &err);
	if (*st != PM_OK && *st != PM_NOT_FOUND)
		printf("# error: %s\n", err.message);
	return out;
}

/* The slugs of the results, comma-separated, in order. */
static char *slugs(json_t *out)
{
	return testdb_join(out, "results", "slug");
}

/* The result for slug in out, or NULL. */
static json_t *result(json_t *out, const char *slug)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(out, "results"), i, r)
	{
		if (!strcmp(json_string_value(json_object_get(r, "slug")),
			    slug))
			return r;
	}
	return NULL;
}

/* The values of r's reason of that kind, joined by commas, or NULL. */
static char *reason(json_t *r, const char *kind)
{
	struct buf b = BUF_INIT;
	json_t *why, *v;
	size_t i, j;

	json_array_foreach(json_object_get(r, "reasons"), i, why)
	{
		if (strcmp(json_string_value(json_object_get(why, "kind")),
			   kind))
			continue;
		json_array_foreach(json_object_get(why, "values"), j, v)
		{
			if (b.len)
				buf_addch(&b, ',');
			buf_addstr(&b, json_string_value(v));
		}
		return buf_detach(&b, NULL);
	}
	return NULL;
}

static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while (p && (p = strstr(p, w))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static void test_english(struct dbconn *c)
{
	enum pm_status st;
	json_t *out = similar(c, "2017-04-18-redis-eviction", 5, &st, NULL);
	char *got = out ? slugs(out) : NULL;
	json_t *r = out ? result(out, "2018-05-16-redis-token-eviction")
			: NULL;
	char *svc = r ? reason(r, "service") : NULL;
	char *cause = r ? reason(r, "cause") : NULL;
	char *terms = r ? reason(r, "terms") : NULL;
	json_t *why, *first;

	is_int(st, PM_OK, "similar: PM_OK");
	is_str(json_string_value(json_object_get(out, "slug")),
	       "2017-04-18-redis-eviction", "similar: echoes the slug");
	ok(got && !strncmp(got, "2018-05-16-redis-token-eviction", 31),
	   "similar: the other Redis eviction comes first");
	ok(got && !strstr(got, "2017-04-18-redis-eviction"),
	   "similar: never the postmortem itself");
	ok(got && !strstr(got, "lonely"),
	   "similar: a postmortem sharing nothing is not listed");
	is_str(svc, "redis", "similar: shared services (not auth, not "
	       "web-frontend)");
	is_str(cause, "capacity", "similar: shared cause");
	why = r ? json_array_get(json_object_get(r, "reasons"), 1) : NULL;
	ok(json_is_true(json_object_get(why, "primary")),
	   "similar: same primary cause is said");
	ok(terms && has_word(terms, "maxmemory"),
	   "similar: shared word maxmemory is a reason");
	ok(terms && !has_word(terms, "the") && !has_word(terms, "and"),
	   "similar: stop words are no reason");
	first = json_array_get(json_object_get(out, "results"), 0);
	ok(json_real_value(json_object_get(first, "score")) > 0 &&
		   json_real_value(json_object_get(first, "score")) <= 1.0,
	   "similar: score in (0, 1]");
	is_str(json_string_value(json_object_get(first, "url")),
	       "/p/2018-05-16-redis-token-eviction", "similar: url");
	ok(json_is_array(json_object_get(first, "causes")) &&
		   json_is_array(json_object_get(first, "services")) &&
		   json_is_string(json_object_get(first, "title")) &&
		   json_is_string(json_object_get(first, "started_at")) &&
		   json_is_string(json_object_get(first, "cause")) &&
		   json_is_string(json_object_get(first, "severity")),
	   "similar: result fields");
	{
		/* Reasons come in a fixed order: service, cause, terms. */
		const char *k0 = json_string_value(json_object_get(
			json_array_get(json_object_get(first, "reasons"), 0),
			"kind"));

		is_str(k0, "service", "similar: service reason first");
	}
	free(got);
	free(svc);
	free(cause);
	free(terms);
	json_decref(out);
}

static void test_japanese(struct dbconn *c)
{
	enum pm_status st;
	json_t *out = similar(c, "2016-12-06-cdn-cert", 5, &st, NULL);
	char *got = out ? slugs(out) : NULL;
	json_t *r = out ? result(out, "2017-05-11-internal-cert") : NULL;
	char *terms = r ? reason(r, "terms") : NULL;
	char *svc = r ? reason(r, "service") : NULL;
	char *cause = r ? reason(r, "cause") : NULL;

	is_int(st, PM_OK, "similar ja: PM_OK");
	ok(got && !strncmp(got, "2017-05-11-internal-cert", 24),
	   "similar ja: the other certificate expiry comes first");
	ok(terms && has_word(terms, "証明書"),
	   "similar ja: 証明書 shown whole, not as bigrams");
	ok(terms && !has_word(terms, "証明") && !has_word(terms, "明書"),
	   "similar ja: no bigram fragments of 証明書");
	ok(terms && has_word(terms, "TLS"),
	   "similar ja: TLS shown as written");
	ok(!svc, "similar ja: no service reason (none shared)");
	is_str(cause, "infrastructure,operation",
	       "similar ja: both causes shared, primary first");
	ok(got && !strstr(got, "redis"),
	   "similar ja: English Redis incidents not listed");
	free(got);
	free(terms);
	free(svc);
	free(cause);
	json_decref(out);
}

static void test_edges(struct dbconn *c)
{
	enum pm_status st;
	char *renamed = (char *)"x";
	json_t *out;

	out = similar(c, "no-such-slug", 5, &st, &renamed);
	is_int(st, PM_NOT_FOUND, "similar: unknown slug");
	ok(!out && !renamed, "similar: unknown slug, no output, no rename");
	out = similar(c, "\"*(NEAR ) OR", 5, &st, NULL);
	is_int(st, PM_NOT_FOUND, "similar: hostile slug is just unknown");
	json_decref(out);
	out = similar(c, "2017-04-18-redis-eviction", 0, &st, NULL);
	is_int(st, PM_INVALID, "similar: limit 0");
	json_decref(out);
	out = similar(c, "2017-04-18-redis-eviction",
		      PM_SIMILAR_MAX_LIMIT + 1, &st, NULL);
	is_int(st, PM_INVALID, "similar: limit above the maximum");
	json_decref(out);
	out = similar(c, "2017-04-18-redis-eviction", 1, &st, NULL);
	is_int(json_array_size(json_object_get(out, "results")), 1,
	       "similar: limit 1");
	json_decref(out);
	out = similar(c, "2019-01-01-lonely", 5, &st, NULL);
	is_int(st, PM_OK, "similar: a postmortem sharing no word");
	is_int(json_array_size(json_object_get(out, "results")), 0,
	       "similar: ... has no similar ones");
	json_decref(out);
}

static void test_renamed(struct store *s)
{
	struct index_batch *b = NULL;
	enum pm_status st;
	char *renamed = NULL;
	struct dbconn *c;
	json_t *out;

	ok(index_begin(s, NULL, NULL, &b) == PM_OK, "rename: begin");
	ok(index_remove(b, "2017-03-24-disk-full.md",
			"2017-03-24-pipeline-disk-full.md") == PM_OK,
	   "rename: remove with new path");
	ok(index_put(b, "2017-03-24-pipeline-disk-full.md", docs[5].text,
		     strlen(docs[5].text), NULL, NULL) == PM_OK,
	   "rename: put new path");
	ok(index_commit(b, NULL) == PM_OK, "rename: commit");
	c = store_reader(s);
	out = similar(c, "2017-03-24-disk-full", 5, &st, &renamed);
	is_int(st, PM_NOT_FOUND, "similar: renamed slug is not found");
	is_str(renamed, "2017-03-24-pipeline-disk-full",
	       "similar: ... and names the new slug");
	free(renamed);
	json_decref(out);
	out = similar(c, "2017-03-24-pipeline-disk-full", 5, &st, NULL);
	is_int(st, PM_OK, "similar: the new slug works");
	json_decref(out);
	store_reader_release(s, c);
}

/*
 * The same incident written in English and in Japanese shares no word
 * but through the glossary; names and stop words are never reasons.
 */
static const struct test_doc bilingual[] = {
	{ "2018-02-14-db-failover.md",
	  "---\ntitle: Primary database failover took 14 minutes\n"
	  "started_at: 2018-02-14\ncause: infrastructure\n"
	  "authors: [suzuki]\n"
	  "summary: The load balancer kept sending writes to the old "
	  "primary because the health check passed.\n---\n"
	  "# Summary\n\nThe failover of the primary database took 14 "
	  "minutes because the load balancer health check was slow. "
	  "Tanaka and Suzuki restarted the replica.\n\n"
	  "## Action items\n\n- [ ] @tanaka shorten the health check\n" },
	{ "2019-03-01-ja-failover.md",
	  "---\ntitle: プライマリDBのフェイルオーバーに時間がかかった\n"
	  "started_at: 2019-03-01\ncause: infrastructure\n"
	  "summary: ロードバランサのヘルスチェックが古いプライマリを"
	  "正常と判定し続けた。\n---\n"
	  "# 概要\n\nデータベースのフェイルオーバーが遅く、ロードバランサが"
	  "書き込みを送り続けた。tanaka と suzuki がレプリカを再起動した。"
	  "because と while は英語。\n" },
	{ "2019-05-05-ja-disk.md",
	  "---\ntitle: ログでディスクが満杯\nstarted_at: 2019-05-05\n"
	  "cause: capacity\nsummary: ログローテーションの設定漏れ。\n---\n"
	  "# 概要\n\nログが溢れた。tanaka が消した。\n" },
};

static void test_bilingual(void)
{
	static const char yaml[] = "people: {tanaka: U0123ABCD}\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct testdb t;
	struct dbconn *c;
	json_t *out = NULL, *r;
	char *terms = NULL, *got = NULL;

	if (!testdb_open(&t, "similar-bilingual", bilingual,
			 sizeof(bilingual) / sizeof(bilingual[0]), NULL))
		return;
	taxonomy_parse(&tax, yaml, sizeof(yaml) - 1, ".pmkb.yml", &err);
	c = store_reader(t.store);
	is_int(similar_run(c, tax, "2019-03-01-ja-failover", 5, &out, NULL,
			   &err),
	       PM_OK, "bilingual: PM_OK");
	got = out ? slugs(out) : NULL;
	ok(got && !strncmp(got, "2018-02-14-db-failover", 22),
	   "bilingual: the English failover comes first");
	r = out ? result(out, "2018-02-14-db-failover") : NULL;
	terms = r ? reason(r, "terms") : NULL;
	printf("# terms: %s\n", terms ? terms : "(none)");
	ok(terms && has_word(terms, "フェイルオーバー"),
	   "bilingual: フェイルオーバー shared with failover");
	ok(terms && has_word(terms, "ロードバランサ"),
	   "bilingual: ロードバランサ shared with load balancer");
	ok(terms && !strstr(terms, "tanaka") && !strstr(terms, "suzuki"),
	   "bilingual: no person's name");
	ok(terms && !strstr(terms, "because") && !strstr(terms, "while"),
	   "bilingual: no stop word");
	ok(terms && !has_word(terms, "概要"), "bilingual: no heading word");
	free(terms);
	free(got);
	json_decref(out);
	out = NULL;
	is_int(similar_run(c, tax, "2018-02-14-db-failover", 5, &out, NULL,
			   &err),
	       PM_OK, "bilingual: PM_OK from English");
	r = out ? result(out, "2019-03-01-ja-failover") : NULL;
	terms = r ? reason(r, "terms") : NULL;
	printf("# terms: %s\n", terms ? terms : "(none)");
	ok(terms && has_word(terms, "failover"),
	   "bilingual: failover shared with フェイルオーバー");
	ok(terms && !strstr(terms, "Tanaka") && !strstr(terms, "Suzuki"),
	   "bilingual: no owner, no author");
	free(terms);
	json_decref(out);
	store_reader_release(t.store, c);
	taxonomy_free(tax);
	testdb_close(&t);
}

int main(void)
{
	struct testdb t;
	struct dbconn *c;

	if (!testdb_open(&t, "similar", docs, sizeof(docs) / sizeof(docs[0]),
			 NULL))
		return tap_done();
	c = store_reader(t.store);
	test_english(c);
	test_japanese(c);
	test_edges(c);
	store_reader_release(t.store, c);
	test_renamed(t.store);
	testdb_close(&t);
	test_bilingual();
	return tap_done();
}
