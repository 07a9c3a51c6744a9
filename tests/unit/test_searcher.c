/*
 * Searches against a real index built through the store and the indexer:
 * totals, ranking, filters, facets, listing and snippets, and the answer
 * written as text being what jansson writes of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/searcher.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "testdb.h"

static const struct test_doc docs[] = {
	{ "2018-02-14-aurora-failover.md",
	  "---\ntitle: Aurora フェイルオーバーに14分\n"
	  "started_at: 2018-02-14T09:28:00+09:00\nseverity: SEV2\n"
	  "cause: infrastructure\nservices: [billing-api, aurora]\n"
	  "tags: [failover]\n"
	  "summary: 本番DBのフェイルオーバーが遅れ、決済が失敗した。\n---\n"
	  "# 概要\n\n本番のAurora DBでフェイルオーバーが発生した。"
	  "接続プールが古いエンドポイントを掴み続け、障害は14分続いた。\n" },
	{ "2019-05-01-cert-expiry.md",
	  "---\ntitle: 証明書の期限切れでAPIが停止\n"
	  "started_at: 2019-05-01\nseverity: SEV1\ncause: [process, "
	  "infrastructure]\nservices: [payment-api]\n"
	  "summary: TLS証明書の期限切れ。\n---\n"
	  "# 原因\n\nTLS証明書の更新が自動化されておらず、期限切れで"
	  "payment-api の全リクエストが失敗した。秘密鍵はローテーション"
	  "されていた。\n" },
	{ "2020-03-03-bad-deploy.md",
	  "---\ntitle: Bad deployment took down checkout\n"
	  "started_at: 2020-03-03T10:00:00Z\nseverity: SEV2\ncause: deploy\n"
	  "services: [checkout]\n"
	  "summary: A deployment with a broken migration was rolled out.\n"
	  "---\n# Summary\n\nWe deployed version 1.2 of checkout. The "
	  "deployment ran a migration that locked the orders table. "
	  "Deploys are now staged.\n" },
	{ "2020-07-07-disk-full.md",
	  "---\ntitle: Disk full on log hosts\nstarted_at: 2020-07-07\n"
	  "severity: SEV3\ncause: capacity\nservices: [logging]\n"
	  "summary: Disk filled up.\n---\n"
	  "# Summary\n\nThe disk was full. ログが溢れた。ーーーー区切り"
	  "ーーーー\n" },
	{ "2021-01-10-staging-dns.md",
	  "---\ntitle: Staging DNS outage\nstarted_at: 2021-01-10\n"
	  "severity: SEV4\ncause: infrastructure\nservices: [dns]\n"
	  "status: draft\n"
	  "summary: DNS in staging failed.\n---\n"
	  "# Summary\n\nstaging DNS resolver crashed; ＤＢ migration "
	  "paused. ﾃﾞｰﾀﾍﾞｰｽ was fine.\n" },
};

static json_t *search(struct dbconn *c, struct search_request *req,
		      enum pm_status *st)
{
	struct pm_error err;
	json_t *out = NULL;

	memset(&err, 0, sizeof(err));
	*st = searcher_run(c, NULL, req, &out, &err);
	if (*st != PM_OK)
		printf("# error: %s\n", err.message);
	return out;
}

static struct search_request req_for(const char *q)
{
	struct search_request r;

	memset(&r, 0, sizeof(r));
	r.q = q;
	r.limit = 20;
	r.base_url = "";
	return r;
}

/* The slugs of the results, comma-separated, in order. */
static char *slugs(json_t *out)
{
	return testdb_join(out, "results", "slug");
}

static void check_q(struct dbconn *c, const char *q, const char *want,
		    int total)
{
	struct search_request r = req_for(q);
	enum pm_status st;
	json_t *out = search(c, &r, &st);
	char *got = out ? slugs(out) : NULL;
	char what[200];

	snprintf(what, sizeof(what), "results of %s", q);
	is_str(got, want, what);
	snprintf(what, sizeof(what), "total of %s", q);
	is_int(json_integer_value(json_object_get(out, "total")), total, what);
	free(got);
	json_decref(out);
}

/* The first result's field. */
static json_t *first(json_t *out, const char *field)
{
	return json_object_get(
		json_array_get(json_object_get(out, "results"), 0), field);
}

static void test_search(struct dbconn *c)
{
	check_q(c, "\"障害\"", "2018-02-14-aurora-failover", 1);
	/* And through the glossary: outage, in a title. */
	check_q(c, "障害", "2021-01-10-staging-dns,2018-02-14-aurora-failover",
		2);
	check_q(c, "鍵", "2019-05-01-cert-expiry", 1);
	check_q(c, "証明書 期限切れ", "2019-05-01-cert-expiry", 1);
	check_q(c, "Aurora フェイルオーバー", "2018-02-14-aurora-failover",
		1);
	check_q(c, "deploy", "2020-03-03-bad-deploy", 1);
	/*
	 * In the summary (weight 4) against in the body (weight 1), but
	 * the staging one also has the synonym ﾃﾞｰﾀﾍﾞｰｽ.
	 */
	check_q(c, "ＤＢ", "2021-01-10-staging-dns,2018-02-14-aurora-failover",
		2);
	/* The typed word first, then its synonym (DB). */
	check_q(c, "データベース",
		"2021-01-10-staging-dns,2018-02-14-aurora-failover", 2);
	check_q(c, "payment-api", "2019-05-01-cert-expiry", 1);
	check_q(c, "\"orders table\"", "2020-03-03-bad-deploy", 1);
	check_q(c, "\"table orders\"", "", 0);
	/* Porter: staging and staged are both "stage". */
	check_q(c, "staging", "2021-01-10-staging-dns,2020-03-03-bad-deploy",
		2);
	check_q(c, "staging -dns", "2020-03-03-bad-deploy", 1);
	check_q(c, "staging -\"DNS resolver\"", "2020-03-03-bad-deploy", 1);
	check_q(c, "aurora OR checkout",
		"2020-03-03-bad-deploy,2018-02-14-aurora-failover", 2);
	check_q(c, "cause:infrastructure",
		"2021-01-10-staging-dns,2019-05-01-cert-expiry,"
		"2018-02-14-aurora-failover",
		3);
	check_q(c, "cause:infrastructure severity<=1",
		"2019-05-01-cert-expiry", 1);
	check_q(c, "service:Payment-API", "2019-05-01-cert-expiry", 1);
	check_q(c, "tag:failover", "2018-02-14-aurora-failover", 1);
	check_q(c, "status:draft", "2021-01-10-staging-dns", 1);
	check_q(c, "after:2020 before:2021",
		"2020-07-07-disk-full,2020-03-03-bad-deploy", 2);
	check_q(c, "after:2020-07",
		"2021-01-10-staging-dns,2020-07-07-disk-full", 2);
	check_q(c, "-staging",
		"2020-07-07-disk-full,2019-05-01-cert-expiry,"
		"2018-02-14-aurora-failover",
		3);
	check_q(c, "", "2021-01-10-staging-dns,2020-07-07-disk-full,"
		       "2020-03-03-bad-deploy,2019-05-01-cert-expiry,"
		       "2018-02-14-aurora-failover",
		5);
	check_q(c, "*", "2021-01-10-staging-dns,2020-07-07-disk-full,"
			"2020-03-03-bad-deploy,2019-05-01-cert-expiry,"
			"2018-02-14-aurora-failover",
		5);
	check_q(c, "nothingmatchesthis", "", 0);
	/* The title outranks the body: "disk" is in one title. */
	check_q(c, "full", "2020-07-07-disk-full", 1);
}

static void test_errors(struct dbconn *c)
{
	struct search_request r = req_for("\"open");
	struct pm_error err;
	json_t *out = NULL;

	is_int(searcher_run(c, NULL, &r, &out, &err), PM_INVALID,
	       "bad query");
	is_str(err.message, "query: unclosed quote at column 1",
	       "bad query message");
	ok(out == NULL, "no output on error");
	r = req_for("x");
	r.url.cause = "a,b";
	r.url.severity = " ";
	is_int(searcher_run(c, NULL, &r, &out, &err), PM_INVALID,
	       "bad severity param");
	is_str(err.message, "severity: unknown severity \" \"",
	       "bad severity message");
	r = req_for("x");
	r.limit = 0;
	is_int(searcher_run(c, NULL, &r, &out, &err), PM_INVALID,
	       "bad limit");
}

static void test_params(struct dbconn *c)
{
	struct search_request r = req_for(NULL);
	enum pm_status st;
	json_t *out;
	char *got;

	r.url.cause = "infrastructure";
	r.url.service = "dns,aurora";
	r.url.from = "2018-02";
	r.url.to = "2021-01-10";
	out = search(c, &r, &st);
	got = slugs(out);
	is_str(got, "2021-01-10-staging-dns,2018-02-14-aurora-failover",
	       "URL filters");
	free(got);
	json_decref(out);
	/* q's cause and the URL's both hold. */
	r = req_for("cause:process");
	r.url.cause = "infrastructure";
	out = search(c, &r, &st);
	got = slugs(out);
	is_str(got, "2019-05-01-cert-expiry", "q and URL causes AND");
	free(got);
	json_decref(out);
	/* Paging. */
	r = req_for("");
	r.limit = 2;
	r.offset = 1;
	out = search(c, &r, &st);
	got = slugs(out);
	is_str(got, "2020-07-07-disk-full,2020-03-03-bad-deploy", "paging");
	is_int(json_integer_value(json_object_get(out, "total")), 5,
	       "total ignores paging");
	free(got);
	json_decref(out);
	/* Sorting by date. */
	r = req_for("infrastructure");
	r.sort = SEARCH_SORT_DATE;
	out = search(c, &r, &st);
	got = slugs(out);
	is_str(got,
	       "2021-01-10-staging-dns,2019-05-01-cert-expiry,"
	       "2018-02-14-aurora-failover",
	       "sort=date");
	free(got);
	json_decref(out);
}

static void test_result_shape(struct dbconn *c)
{
	struct search_request r = req_for("payment-api");
	enum pm_status st;
	json_t *out, *f, *hl;
	const char *snip, *html;

	r.base_url = "https://kb.example";
	r.facets = 1;
	out = search(c, &r, &st);
	is_str(json_string_value(json_object_get(out, "query")), "payment-api",
	       "query echoed");
	is_str(json_string_value(first(out, "url")),
	       "https://kb.example/p/2019-05-01-cert-expiry", "url");
	is_str(json_string_value(first(out, "cause")), "process",
	       "primary cause");
	is_int(json_array_size(first(out, "causes")), 2, "causes");
	is_str(json_string_value(first(out, "severity")), "SEV1", "severity");
	is_str(json_string_value(first(out, "started_at")), "2019-05-01",
	       "started_at");
	is_str(json_string_value(first(out, "status")), "published",
	       "status");
	snip = json_string_value(first(out, "snippet"));
	html = json_string_value(first(out, "snippet_html"));
	hl = first(out, "highlights");
	ok(snip && strstr(snip, "payment-api"), "snippet has the term");
	ok(html && strstr(html, "<mark>payment-api</mark>"),
	   "phrase marked whole");
	is_int(json_array_size(hl), 1, "one highlight");
	if (snip && json_array_size(hl) == 1) {
		int s = (int)json_integer_value(json_array_get(
			json_array_get(hl, 0), 0));
		int e = (int)json_integer_value(json_array_get(
			json_array_get(hl, 0), 1));

		ok(e - s == 11 && !strncmp(snip + s, "payment-api", 11),
		   "highlight offsets in snippet bytes");
	}
	f = json_object_get(out, "facets");
	/* Every listed cause, as the cause filter matches any of them. */
	is_int(json_array_size(json_object_get(f, "cause")), 2,
	       "cause facet");
	is_str(json_string_value(json_object_get(out, "cause_mode")), "any",
	       "cause_mode says how causes are counted");
	is_str(json_string_value(json_object_get(
		       json_array_get(json_object_get(f, "service"), 0),
		       "value")),
	       "payment-api", "service facet");
	is_str(json_string_value(json_object_get(
		       json_array_get(json_object_get(f, "year"), 0),
		       "value")),
	       "2019", "year facet");
	json_decref(out);

	r = req_for("");
	r.facets = 1;
	out = search(c, &r, &st);
	f = json_object_get(out, "facets");
	is_str(json_string_value(json_object_get(
		       json_array_get(json_object_get(f, "cause"), 0),
		       "value")),
	       "infrastructure", "facet sorted by count");
	is_int(json_integer_value(json_object_get(
		       json_array_get(json_object_get(f, "cause"), 0),
		       "count")),
	       3, "every listed cause counted");
	is_int(json_array_size(json_object_get(f, "year")), 5 - 1,
	       "years");
	json_decref(out);
}

static void test_snippets(struct dbconn *c)
{
	struct search_request r = req_for("ーー");
	enum pm_status st;
	json_t *out;
	const char *html;

	out = search(c, &r, &st);
	html = json_string_value(first(out, "snippet_html"));
	ok(html && strstr(html, "<mark>ーーーー</mark>区切り"
				"<mark>ーーーー</mark>"),
	   "overlapping bigrams merged, text not duplicated");
	json_decref(out);

	r = req_for("ﾃﾞｰﾀﾍﾞｰｽ ＤＢ");
	out = search(c, &r, &st);
	html = json_string_value(first(out, "snippet_html"));
	ok(html && strstr(html, "<mark>ﾃﾞｰﾀﾍﾞｰｽ</mark>") &&
		   strstr(html, "<mark>ＤＢ</mark>"),
	   "NFKC matches shown as stored");
	json_decref(out);

	r = req_for("deploy");
	out = search(c, &r, &st);
	html = json_string_value(first(out, "snippet_html"));
	ok(html && strstr(html, "<mark>deployed</mark>") &&
		   strstr(html, "<mark>deployment</mark>") &&
		   strstr(html, "<mark>Deploys</mark>"),
	   "inflections marked");
	json_decref(out);

	/* Matched only through the summary: the summary is shown. */
	r = req_for("決済");
	out = search(c, &r, &st);
	html = json_string_value(first(out, "snippet_html"));
	ok(html && strstr(html, "<mark>決済</mark>"), "summary snippet");
	json_decref(out);

	/* A listing shows the start of the body, unmarked. */
	r = req_for("tag:failover");
	out = search(c, &r, &st);
	html = json_string_value(first(out, "snippet_html"));
	ok(html && !strstr(html, "<mark>") && strlen(html) > 10,
	   "listing snippet");
	json_decref(out);
}

/*
 * Texts over 1 KB are searched for the bytes a match starts with before
 * they are tokenized: matches deep in a long body, in any ASCII case or
 * in Japanese, are still found and marked.
 */
static void test_long_snippets(void)
{
	struct buf body = BUF_INIT;
	struct test_doc doc = { "long.md", NULL };
	struct testdb t;
	struct dbconn *c;
	int i;

	buf_addstr(&body, "---\ntitle: Long one\n---\n");
	for (i = 0; i < 40; i++)
		buf_addstr(&body, "Nothing of note happened in this hour. ");
	buf_addstr(&body, "Then the DEPLOYMENT of KV-Store broke 決済 again. ");
	for (i = 0; i < 40; i++)
		buf_addstr(&body, "Quiet again for a while after that. ");
	doc.text = body.ptr;
	if (testdb_open(&t, "snippets", &doc, 1, NULL)) {
		static const char *const q[][2] = {
			{ "deploy", "<mark>DEPLOYMENT</mark>" },
			{ "kv-store", "<mark>KV-Store</mark>" },
			{ "決済", "<mark>決済</mark>" },
		};

		c = store_reader(t.store);
		for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
			struct search_request r = req_for(q[k][0]);
			enum pm_status st;
			json_t *out = search(c, &r, &st);
			const char *html =
				json_string_value(first(out, "snippet_html"));

			ok(html && strstr(html, q[k][1]), q[k][0]);
			json_decref(out);
		}
		store_reader_release(t.store, c);
	}
	testdb_close(&t);
	buf_release(&body);
}

/* Builds a larger index and times a few searches. Printed only. */
static void bench(struct store *s)
{
	static const char *const words[] = {
		"障害", "データベース", "deploy", "timeout", "証明書",
		"network", "キャッシュ", "retry", "メモリ", "disk",
	};
	static const char *const queries[] = {
		"障害", "deploy", "障害 deploy", "\"connection pool\"",
		"証明書", "timeout OR retry", "鍵", "cause:infrastructure",
		"", "ネットワーク",
	};
	struct index_batch *b = NULL;
	struct dbconn *c;
	struct timespec t0, t1;
	int i, j, k, n = 2000, runs = 0;
	double secs;

	if (index_begin(s, NULL, NULL, &b) != PM_OK)
		return;
	for (i = 0; i < n; i++) {
		struct buf d = BUF_INIT;
		char path[64];

		snprintf(path, sizeof(path), "bench/%05d.md", i);
		buf_addf(&d,
			 "---\ntitle: Incident %d %s\n"
			 "started_at: %d-%02d-%02d\n"
			 "cause: %s\nsummary: %s and %s\n---\n",
			 i, words[i % 10], 2010 + i % 12, 1 + i % 12,
			 1 + i % 28, i % 3 ? "infrastructure" : "deploy",
			 words[(i * 7) % 10], words[(i * 3) % 10]);
		for (j = 0; j < 30; j++)
			buf_addf(&d,
				 "%s の %s が connection pool で失敗した。"
				 "The %s retried %d times. ",
				 words[(i + j) % 10], words[(i * j) % 10],
				 words[j % 10], j);
		index_put(b, path, d.ptr, d.len, NULL, NULL);
		buf_release(&d);
	}
	index_commit(b, NULL);
	c = store_reader(s);
	for (k = 0; k < 4; k++) {
		runs = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (j = 0; j < 5; j++) {
			for (i = 0; i < 10; i++) {
				struct search_request r = req_for(queries[i]);
				enum pm_status st;

				r.facets = k & 1;
				r.limit = k & 2 ? 1 : 20;
				json_decref(search(c, &r, &st));
				runs++;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("# search: %d docs, facets %d, limit %d: %.2f ms\n",
		       n + 5, k & 1, k & 2 ? 1 : 20, secs * 1000 / runs);
	}
	store_reader_release(s, c);
}

/*
 * searcher_write() writes text that reads back (searcher_run()) into
 * values jsonout_add() writes as the same bytes: the order of members,
 * escapes and numbers are jansson's.
 */
static void test_written(struct dbconn *c)
{
	static const char *const qs[] = { "payment-api", "", "cert*",
					  "\"certificate expired\"",
					  "cause:deploy", "zzznothing",
					  "証明書", "a/b OR \"tls\"" };
	struct pm_error err;
	size_t i;
	int same = 0;

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct search_request r = req_for(qs[i]);
		struct buf text = BUF_INIT, again = BUF_INIT;
		json_t *out = NULL;

		r.facets = i % 2 == 0;
		r.base_url = "https://kb.example/x";
		if (searcher_write(c, NULL, &r, &text, &err) == PM_OK &&
		    searcher_run(c, NULL, &r, &out, &err) == PM_OK &&
		    !jsonout_add(&again, out, 0) && text.ptr &&
		    !strcmp(text.ptr, again.ptr))
			same++;
		else
			printf("# %s:\n#  %s\n#  %s\n", qs[i], text.ptr,
			       again.ptr);
		json_decref(out);
		buf_release(&text);
		buf_release(&again);
	}
	is_int(same, (long long)(sizeof(qs) / sizeof(qs[0])),
	       "written answers are what jansson writes of them");
}

int main(void)
{
	struct testdb t;
	struct dbconn *c;

	if (!testdb_open(&t, "searcher", docs, sizeof(docs) / sizeof(docs[0]),
			 NULL))
		return tap_done();
	c = store_reader(t.store);
	test_search(c);
	test_errors(c);
	test_params(c);
	test_result_shape(c);
	test_snippets(c);
	test_written(c);
	test_long_snippets();
	store_reader_release(t.store, c);
	if (getenv("PMKB_BENCH"))
		bench(t.store);
	testdb_close(&t);
	return tap_done();
}
