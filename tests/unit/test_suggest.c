/*
 * Typeahead against a real index: causes by id, label and alias (インフラ),
 * services and tags by prefix in any ASCII case, titles by word prefix in
 * English and Japanese, the mix of kinds, and hostile input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/db/store.h"
#include "pmkb/search/suggest.h"
#include "pmkb/doc/taxonomy.h"
#include "tap.h"
#include "testdb.h"

static const char settings[] =
	"causes:\n"
	"  - id: infrastructure\n"
	"    label: Infrastructure\n"
	"    label_ja: インフラ\n"
	"    aliases: [infra, ネットワーク]\n"
	"  - id: deployment\n"
	"    label: Deployment\n"
	"    label_ja: デプロイ\n"
	"  - id: capacity\n"
	"    label: Capacity\n"
	"    label_ja: 容量\n";

static const struct test_doc docs[] = {
	{ "a.md", "---\ntitle: Payment API timeouts after a deploy\n"
		  "started_at: 2018-01-01\ncause: deployment\n"
		  "services: [payment-api, Payments-DB]\ntags: [Timeout]\n"
		  "---\nbody\n" },
	{ "b.md", "---\ntitle: payment-api の TLS 証明書の期限切れ\n"
		  "started_at: 2018-02-01\ncause: infrastructure\n"
		  "services: [payment-api]\ntags: [証明書]\n---\n本文\n" },
	{ "c.md", "---\ntitle: ＤＢ failover took 14 minutes\n"
		  "started_at: 2018-03-01\ncause: infrastructure\n"
		  "services: [aurora]\ntags: [failover]\n---\nbody\n" },
	{ "d.md", "---\ntitle: Disk full on log hosts\n"
		  "started_at: 2018-04-01\ncause: capacity\n"
		  "services: [logging]\n---\npayment processing was fine\n" },
};

static json_t *suggest(struct dbconn *c, const struct taxonomy *tax,
		       const char *q, int limit, enum pm_status *st)
{
	struct pm_error err;
	json_t *out = NULL;

	memset(&err, 0, sizeof(err));
	*st = suggest_run(c, tax, q, limit, &out, &err);
	if (*st != PM_OK)
		printf("# %s: %s\n", q ? q : "(null)", err.message);
	return out;
}

/* "kind:value" of every suggestion, comma-separated. */
static char *list(json_t *out)
{
	struct buf b = BUF_INIT;
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(out, "suggestions"), i, s)
	{
		if (b.len)
			buf_addch(&b, ',');
		buf_addf(&b, "%s:%s",
			 json_string_value(json_object_get(s, "kind")),
			 json_string_value(json_object_get(s, "value")));
	}
	return buf_detach(&b, NULL);
}

static void check(struct dbconn *c, const struct taxonomy *tax,
		  const char *q, int limit, const char *want)
{
	enum pm_status st;
	json_t *out = suggest(c, tax, q, limit, &st);
	char *got = out ? list(out) : NULL;
	char what[160];

	snprintf(what, sizeof(what), "suggest %s", q);
	is_str(got, want, what);
	free(got);
	json_decref(out);
}

static void test_kinds(struct dbconn *c, const struct taxonomy *tax)
{
	enum pm_status st;
	json_t *out, *s;

	check(c, tax, "pay", 8,
	      "service:payment-api,service:Payments-DB,"
	      "title:payment-api の TLS 証明書の期限切れ,"
	      "title:Payment API timeouts after a deploy");
	check(c, tax, "PAY", 8,
	      "service:payment-api,service:Payments-DB,"
	      "title:payment-api の TLS 証明書の期限切れ,"
	      "title:Payment API timeouts after a deploy");
	check(c, tax, "イン", 8, "cause:infrastructure");
	check(c, tax, "ネット", 8, "cause:infrastructure");
	check(c, tax, "infra", 8, "cause:infrastructure");
	check(c, tax, "証明", 8,
	      "tag:証明書,title:payment-api の TLS 証明書の期限切れ");
	check(c, tax, "証", 8,
	      "tag:証明書,title:payment-api の TLS 証明書の期限切れ");
	check(c, tax, "time", 8,
	      "tag:Timeout,title:Payment API timeouts after a deploy");
	check(c, tax, "db", 8,
	      "title:ＤＢ failover took 14 minutes");
	check(c, tax, "payment api", 8,
	      "title:payment-api の TLS 証明書の期限切れ,"
	      "title:Payment API timeouts after a deploy");
	/* A finished word: still a prefix of labels, a whole word in titles. */
	check(c, tax, "payment ", 8,
	      "service:payment-api,service:Payments-DB,"
	      "title:payment-api の TLS 証明書の期限切れ,"
	      "title:Payment API timeouts after a deploy");
	check(c, tax, "paym ", 8, "service:payment-api,service:Payments-DB");
	check(c, tax, "zzz", 8, "");
	/* Labels take half the places when titles match too. */
	check(c, tax, "pay", 2,
	      "service:payment-api,title:payment-api の TLS 証明書の期限切れ");
	check(c, tax, "pay", 1, "service:payment-api");

	out = suggest(c, tax, "イン", 8, &st);
	s = json_array_get(json_object_get(out, "suggestions"), 0);
	is_str(json_string_value(json_object_get(s, "label")),
	       "Infrastructure", "suggest cause: label");
	is_str(json_string_value(json_object_get(s, "label_ja")), "インフラ",
	       "suggest cause: label_ja");
	is_str(json_string_value(json_object_get(s, "matched")), "インフラ",
	       "suggest cause: matched");
	is_int(json_integer_value(json_object_get(s, "count")), 2,
	       "suggest cause: count");
	is_str(json_string_value(json_object_get(out, "query")), "イン",
	       "suggest: query echoed");
	json_decref(out);
	out = suggest(c, tax, "証明", 8, &st);
	s = json_array_get(json_object_get(out, "suggestions"), 1);
	is_str(json_string_value(json_object_get(s, "slug")), "b",
	       "suggest title: slug");
	ok(!json_object_get(s, "count"), "suggest title: no count");
	json_decref(out);

	/* Without settings the causes in the index are the list. */
	check(c, NULL, "inf", 8, "cause:infrastructure");
	check(c, NULL, "イン", 8, "");
}

static void test_hostile(struct dbconn *c, const struct taxonomy *tax)
{
	static const char *const fine[] = {
		"\"", "\"pay", "*", "pay*", "(", ")", "NEAR", "AND", "OR",
		"-", "-pay", "cause:infra", ":", "^", "{title}", "pm_fts",
		"'; DROP TABLE labels; --", "%", "_", "\\", "\xef\xbc\xa4",
		"\xe3\x80\x80pay", "a\tb", "🔥", "ーーーー",
	};
	char big[PM_SUGGEST_MAX_BYTES + 2];
	enum pm_status st;
	json_t *out;
	size_t i;

	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		char what[80];

		out = suggest(c, tax, fine[i], 8, &st);
		snprintf(what, sizeof(what), "suggest: '%s' answers", fine[i]);
		ok(st == PM_OK && json_is_array(json_object_get(out,
								 "suggestions")),
		   what);
		json_decref(out);
	}
	out = suggest(c, tax, "", 8, &st);
	is_int(st, PM_INVALID, "suggest: empty q");
	json_decref(out);
	out = suggest(c, tax, NULL, 8, &st);
	is_int(st, PM_INVALID, "suggest: no q");
	json_decref(out);
	out = suggest(c, tax, " \xe3\x80\x80 ", 8, &st);
	is_int(st, PM_INVALID, "suggest: only spaces");
	json_decref(out);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	out = suggest(c, tax, big, 8, &st);
	is_int(st, PM_INVALID, "suggest: too long");
	json_decref(out);
	big[PM_SUGGEST_MAX_BYTES] = '\0';
	out = suggest(c, tax, big, 8, &st);
	is_int(st, PM_OK, "suggest: longest allowed");
	json_decref(out);
	out = suggest(c, tax, "pay\xff", 8, &st);
	is_int(st, PM_INVALID, "suggest: invalid UTF-8");
	json_decref(out);
	out = suggest(c, tax, "\xe8\xa8", 8, &st);
	is_int(st, PM_INVALID, "suggest: truncated UTF-8");
	json_decref(out);
	out = suggest(c, tax, "pay", 0, &st);
	is_int(st, PM_INVALID, "suggest: limit 0");
	json_decref(out);
	out = suggest(c, tax, "pay", PM_SUGGEST_MAX_LIMIT + 1, &st);
	is_int(st, PM_INVALID, "suggest: limit too large");
	json_decref(out);
}

int main(void)
{
	struct testdb t;
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct dbconn *c;

	if (!ok(taxonomy_parse(&tax, settings, strlen(settings), "settings",
			       &err) == PM_OK,
		"settings")) {
		printf("# %s\n", err.message);
		return tap_done();
	}
	if (testdb_open(&t, "suggest", docs, sizeof(docs) / sizeof(docs[0]),
			tax)) {
		c = store_reader(t.store);
		test_kinds(c, tax);
		test_hostile(c, tax);
		store_reader_release(t.store, c);
	}
	testdb_close(&t);
	taxonomy_free(tax);
	return tap_done();
}
