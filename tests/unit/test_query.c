/*
 * The query language: user text → FTS5 expression + filters, including
 * every hostile input we could think of. Each expression is also run
 * against a real FTS5 table so that no input ever yields SQLite syntax.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/search/query.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/db/tokenizer.h"
#include "tap.h"

static sqlite3 *db;

/* Runs expr against an FTS5 table: 0 when SQLite accepts it. */
static int fts5_accepts(const char *expr)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			rc = SQLITE_OK;
		else
			printf("# sqlite: %s for %s\n", sqlite3_errmsg(db),
			       expr);
	}
	sqlite3_finalize(st);
	return rc;
}

/* TAP descriptions are one line: control characters become '?'. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			*s = '?';
}

/* Parses text and checks the MATCH expression (NULL: none). */
static void check_match(const char *text, const char *want)
{
	struct pm_query q;
	struct pm_error err;
	enum pm_status st;
	char what[300];

	query_init(&q);
	st = query_parse(&q, text, NULL, &err);
	snprintf(what, sizeof(what), "parse %s", text);
	one_line(what);
	if (!is_int(st, PM_OK, what))
		printf("#   %s\n", err.message);
	snprintf(what, sizeof(what), "match of %s", text);
	one_line(what);
	is_str(q.match, want, what);
	if (q.match) {
		snprintf(what, sizeof(what), "fts5 accepts %s", text);
		one_line(what);
		is_int(fts5_accepts(q.match), SQLITE_OK, what);
	}
	query_release(&q);
}

/* Parses text expecting failure with status want and message msg. */
static void check_error(const char *text, enum pm_status want,
			const char *msg)
{
	struct pm_query q;
	struct pm_error err;
	enum pm_status st;
	char what[300];

	query_init(&q);
	memset(&err, 0, sizeof(err));
	st = query_parse(&q, text, NULL, &err);
	snprintf(what, sizeof(what), "status of %.200s", text);
	is_int(st, want, what);
	snprintf(what, sizeof(what), "message of %.200s", text);
	is_str(err.message, msg, what);
	query_release(&q);
}

static void test_terms(void)
{
	check_match("disk", "((\"disk\" OR \"disk\"*) OR \"ディスク\")");
	check_match("disk full",
		    "((\"disk\" OR \"disk\"*) OR \"ディスク\") AND "
		    "(\"full\" OR \"full\"*)");
	check_match("db", "(\"db\" OR \"db\" OR \"database\" OR "
			  "\"データベース\")");
	check_match("ＤＢ", "(\"ＤＢ\" OR \"ＤＢ\" OR \"database\" OR "
			  "\"データベース\")");
	check_match("障害", "(\"障害\" OR \"障害\" OR \"outage\")");
	check_match("鍵", "\"鍵\"*");
	check_match("秘密鍵",
		    "(\"秘密鍵\" OR \"秘密鍵\" OR \"private key\")");
	check_match("鍵盤 期限", "\"鍵盤\" AND \"期限\"");
	check_match("Aurora障害", "\"Aurora障害\"");
	check_match("障害DB", "\"障害DB\"");
	check_match("DB鍵", "\"DB鍵\"*");
	check_match("payment-api",
		    "(\"payment-api\" OR \"payment-api\"*)");
	check_match("v1.2", "\"v1.2\"");
	check_match("deploy*", "(\"deploy\" OR \"deploy\"*)");
	check_match("de*", "(\"de\" OR \"de\"*)");
	check_match("障害*", "\"障害\"*");
	/* Quoted: as written, no prefix branch unless asked for. */
	check_match("\"disk full\"", "\"disk full\"");
	check_match("\"error\"", "\"error\"");
	check_match("\"本番 障害\"", "\"本番 障害\"");
	check_match("\"disk\"*", "(\"disk\" OR \"disk\"*)");
	check_match("redis OR memcached",
		    "((\"redis\" OR \"redis\"*) OR "
		    "(\"memcached\" OR \"memcached\"*))");
	check_match("a OR b c", "(\"a\" OR \"b\") AND \"c\"");
	check_match("原因 -staging",
		    "(\"原因\") NOT ((\"staging\" OR \"staging\"*))");
	check_match("原因 -\"本番 環境\" -鍵",
		    "(\"原因\") NOT (\"本番 環境\" OR \"鍵\"*)");
	/* Ideographic space splits terms. */
	check_match("期限\xe3\x80\x80原因", "\"期限\" AND \"原因\"");
	check_match("Aurora 切断",
		    "(\"Aurora\" OR \"Aurora\"*) AND \"切断\"");
	/* Unknown fields are text. */
	check_match("12:30", "\"12:30\"");
	check_match("http://x", "\"http://x\"");
	check_match("foo:bar", "(\"foo:bar\" OR \"foo:bar\"*)");
	/* Lower-case or is a word, AND is implicit. */
	check_match("a AND b", "\"a\" AND \"b\"");
	check_match("NEAR", "(\"NEAR\" OR \"NEAR\"*)");
	check_match("NEAR(a b)", "\"NEAR(a\" AND \"b)\"");
}

static void test_hostile(void)
{
	struct buf b = BUF_INIT;
	int i;

	check_match("\"\"", NULL);
	check_match("*", NULL);
	check_match("**", NULL);
	check_match("(", NULL);
	check_match(")", NULL);
	check_match(":", NULL);
	check_match("-", NULL);
	check_match(" - ", NULL);
	check_match("--", NULL);
	check_match("OR", NULL);
	check_match("AND", NULL);
	check_match("OR a", "\"a\"");
	check_match("a OR", "\"a\"");
	check_match("a OR OR b", "(\"a\" OR \"b\")");
	check_match("🔥", NULL);
	check_match("a\"b", "\"a\"\"b\"");
	check_match("^a", "\"^a\"");
	check_match("a:b:c", "\"a:b:c\"");
	check_match("{a} [b]", "\"{a}\" AND \"[b]\"");
	check_match("-a*", NULL);
	check_match("\t\r\n", NULL);
	check_match("", NULL);
	check_error("\"unclosed", PM_INVALID,
		    "query: unclosed quote at column 1");
	check_error("障害 \"abc", PM_INVALID,
		    "query: unclosed quote at column 4");
	check_error("abc \"", PM_INVALID, "query: unclosed quote at column 5");
	check_error("service:\"a b", PM_INVALID,
		    "query: unclosed quote at column 9");
	check_error("ab\xff", PM_INVALID, "query: invalid UTF-8 at column 3");
	check_error("\xe3\x81", PM_INVALID,
		    "query: invalid UTF-8 at column 1");
	check_error("\xed\xa0\x80", PM_INVALID,
		    "query: invalid UTF-8 at column 1");
	for (i = 0; i < 10000; i++)
		buf_addstr(&b, "x ");
	buf_setlen(&b, 1000);
	check_error(b.ptr, PM_INVALID,
		    "query: too many terms (at most 32) at column 65");
	buf_reset(&b);
	for (i = 0; i < 1025; i++)
		buf_addch(&b, 'a');
	check_error(b.ptr, PM_TOO_LARGE,
		    "query: too long (at most 1024 bytes)");
	buf_release(&b);
	/* A NUL byte ends a C string: what follows is not seen. */
	check_match("abc\0\"", "(\"abc\" OR \"abc\"*)");
}

static void test_filters(void)
{
	struct pm_query q;
	struct pm_error err;
	struct taxonomy *tax = NULL;
	static const char yml[] =
		"severities: [SEV0, SEV1, SEV2, SEV3]\n"
		"causes:\n"
		"  - id: infrastructure\n"
		"    aliases: [infra, インフラ]\n"
		"  - id: deploy\n";
	enum pm_status st;

	query_init(&q);
	st = query_parse(&q,
			 "cause:Infra service:payment-api severity:sev1 "
			 "severity<=2 tag:dns author:@tanaka team:sre "
			 "status:Draft after:2017-07 before:2018 原因",
			 NULL, &err);
	is_int(st, PM_OK, "filters parse");
	is_str(q.match, "\"原因\"", "filters leave the term");
	is_int(q.causes.n, 1, "one cause");
	is_str(q.causes.n ? q.causes.v[0] : NULL, "infra",
	       "open taxonomy lower-cases");
	is_str(q.services.n ? q.services.v[0] : NULL, "payment-api",
	       "service");
	is_str(q.severities.n ? q.severities.v[0] : NULL, "SEV1", "severity");
	is_int(q.severity_max_rank, 2, "severity<=2");
	is_str(q.tags.n ? q.tags.v[0] : NULL, "dns", "tag");
	is_str(q.authors.n ? q.authors.v[0] : NULL, "tanaka", "author");
	is_str(q.teams.n ? q.teams.v[0] : NULL, "sre", "team");
	is_str(q.statuses.n ? q.statuses.v[0] : NULL, "draft", "status");
	is_int(q.after, 1498867200, "after:2017-07");
	is_int(q.before, 1514764800, "before:2018");
	is_int(q.terms.n, 1, "one positive term");
	query_release(&q);

	query_init(&q);
	st = query_parse(&q, "service:\"payment api\",auth cause:a,b", NULL,
			 &err);
	is_int(st, PM_OK, "quoted and listed values");
	is_int(q.services.n, 2, "two services");
	is_str(q.services.n ? q.services.v[0] : NULL, "payment api",
	       "quoted service");
	is_int(q.causes.n, 2, "two causes");
	ok(q.match == NULL, "filters only: no match");
	query_release(&q);

	/* Phrases joined by OR only: each phrase's documents all match. */
	{
		static const struct {
			const char *q;
			int union_only;
		} u[] = { { "error", 1 },	  { "redis OR memcached", 1 },
			  { "障害", 1 },	  { "error timeout", 0 },
			  { "error -staging", 0 }, { "a OR b c", 0 },
			  { "cause:network dns", 1 } };

		for (size_t k = 0; k < sizeof(u) / sizeof(u[0]); k++) {
			query_init(&q);
			st = query_parse(&q, u[k].q, NULL, &err);
			is_int(st == PM_OK ? q.union_only : -1, u[k].union_only,
			       u[k].q);
			query_release(&q);
		}
	}

	/* Words quoted must be found as written; CJK alone already is. */
	query_init(&q);
	st = query_parse(&q, "\"Disk full\" \"障害が\" \"AWS障害\"", NULL,
			 &err);
	is_int(st, PM_OK, "quoted words");
	is_int(q.exact.n, 2, "quoted words: two checked as written");
	is_str(q.exact.n ? q.exact.v[0] : NULL, "Disk full",
	       "quoted words: ASCII checked");
	is_str(q.exact.n > 1 ? q.exact.v[1] : NULL, "AWS障害",
	       "quoted words: mixed checked, CJK alone not");
	query_release(&q);

	query_init(&q);
	st = query_parse(&q, "-staging -\"dry run\"", NULL, &err);
	is_int(st, PM_OK, "exclusions only");
	ok(q.match == NULL, "exclusions only: no match");
	is_str(q.exclude, "(\"staging\" OR \"staging\"*) OR \"dry run\"",
	       "exclusions only: exclude");
	query_release(&q);

	query_init(&q);
	st = query_parse(&q, "after:2017-07-01 before:2017-07-01x", NULL, &err);
	is_int(st, PM_INVALID, "bad date");
	is_str(err.message,
	       "query: before: expects a date like 2017, 2017-07 or "
	       "2017-07-01 at column 25",
	       "bad date message");
	query_release(&q);

	check_error("severity<=SEV9", PM_INVALID,
		    "query: unknown severity \"SEV9\" at column 11");
	{
		/* Outside the list, a severity is kept as written. */
		struct pm_query q2;
		struct pm_error err2;

		query_init(&q2);
		is_int(query_parse(&q2, "severity:down", NULL, &err2), PM_OK,
		       "severity:down parses");
		ok(q2.severities.n == 1 && !strcmp(q2.severities.v[0], "DOWN"),
		   "severity:down is DOWN, as stored");
		query_release(&q2);
	}
	check_error("status:gone", PM_INVALID,
		    "query: status is draft, review or published, not "
		    "\"gone\" at column 8");
	check_error("-cause:x", PM_INVALID,
		    "query: a filter cannot be excluded with \"-\" at "
		    "column 1");
	check_error("after:2017-02-30", PM_INVALID,
		    "query: after: expects a date like 2017, 2017-07 or "
		    "2017-07-01 at column 7");
	/* An empty value is ignored (typing "cause:" in the search box). */
	check_match("cause: 原因", "\"原因\"");

	ok(taxonomy_parse(&tax, yml, sizeof(yml) - 1, ".pmkb.yml", &err) ==
		   PM_OK,
	   "taxonomy");
	query_init(&q);
	st = query_parse(&q, "cause:インフラ severity:3", tax, &err);
	is_int(st, PM_OK, "closed taxonomy");
	is_str(q.causes.n ? q.causes.v[0] : NULL, "infrastructure",
	       "alias resolved");
	is_str(q.severities.n ? q.severities.v[0] : NULL, "SEV3",
	       "severity by number");
	query_release(&q);
	query_init(&q);
	st = query_parse(&q, "cause:weather", tax, &err);
	is_int(st, PM_INVALID, "unknown cause");
	is_str(err.message, "query: unknown cause \"weather\" at column 7",
	       "unknown cause message");
	query_release(&q);
	taxonomy_free(tax);
}

static void test_dates(void)
{
	int64_t t = 0;

	ok(query_date("2017", 0, &t) == 0 && t == 1483228800, "2017");
	ok(query_date("2017", 1, &t) == 0 && t == 1514764800, "2017 end");
	ok(query_date("2017-12", 1, &t) == 0 && t == 1514764800,
	   "2017-12 end");
	ok(query_date("2016-02-29", 1, &t) == 0 && t == 1456790400,
	   "leap day end");
	ok(query_date("2017-02-29", 0, &t) < 0, "not a leap year");
	ok(query_date("17-01-01", 0, &t) < 0, "short year");
	ok(query_date("2017-1-1", 0, &t) < 0, "short month");
	ok(query_date("", 0, &t) < 0, "empty");
}

/* The synonyms q->expanded lists for term, joined by commas, or NULL. */
static char *expanded(const struct pm_query *q, const char *term)
{
	json_t *a = q->expanded ? json_object_get(q->expanded, term) : NULL;
	struct buf b = BUF_INIT;
	json_t *v;
	size_t i;

	if (!a)
		return NULL;
	json_array_foreach(a, i, v)
		buf_addf(&b, "%s%s", i ? "," : "", json_string_value(v));
	return buf_detach(&b, NULL);
}

static void check_expanded(const char *text, const struct taxonomy *tax,
			   const char *term, const char *want)
{
	struct pm_query q;
	struct pm_error err;
	char what[200], *got;

	query_init(&q);
	snprintf(what, sizeof(what), "parse %s", text);
	is_int(query_parse(&q, text, tax, &err), PM_OK, what);
	got = expanded(&q, term);
	snprintf(what, sizeof(what), "%s expands %s", text, term);
	is_str(got, want, what);
	if (!want) {
		snprintf(what, sizeof(what), "%s: no expansion", text);
		ok(q.expanded == NULL, what);
	}
	if (q.match) {
		snprintf(what, sizeof(what), "fts5 accepts %s", text);
		is_int(fts5_accepts(q.match), SQLITE_OK, what);
	}
	free(got);
	query_release(&q);
}

static void test_synonyms(void)
{
	static const char yaml[] =
		"synonyms:\n"
		"  - [決済, billing]\n"
		"  - [zzq, 'a\"b) OR \"c', 'x\" NOT y', '鍵', '*']\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct pm_query q;

	check_match("フェイルオーバー",
		    "(\"フェイルオーバー\" OR \"フェイルオーバー\" OR "
		    "\"failover\" OR \"fail over\" OR \"フェールオーバー\")");
	check_expanded("フェイルオーバー", NULL, "フェイルオーバー",
		       "failover,fail over,フェールオーバー");
	check_expanded("Failovers", NULL, "Failovers",
		       "fail over,フェイルオーバー,フェールオーバー");
	/* Quoted, prefix and excluded terms are searched as written. */
	check_match("\"フェイルオーバー\"", "\"フェイルオーバー\"");
	check_expanded("\"フェイルオーバー\"", NULL, "フェイルオーバー", NULL);
	check_expanded("failover*", NULL, "failover", NULL);
	check_expanded("原因 -failover", NULL, "failover", NULL);
	check_expanded("障害 -failover", NULL, "障害", "outage");
	/* Inside an OR group and beside filters. */
	check_match("redis OR 証明書 severity:1",
		    "((\"redis\" OR \"redis\"*) OR (\"証明書\" OR "
		    "\"証明書\" OR \"certificate\" OR \"cert\" OR "
		    "\"サーバ証明書\"))");
	/* A repository's groups; hostile terms stay quoted. */
	if (!ok(taxonomy_parse(&tax, yaml, sizeof(yaml) - 1, ".pmkb.yml",
			       &err) == PM_OK, "synonyms settings"))
		printf("#   %s\n", err.message);
	check_expanded("決済", tax, "決済", "payment,支払い,billing");
	check_expanded("決済", NULL, "決済", "payment,支払い");
	check_expanded("zzq", tax, "zzq", "a\"b) OR \"c,x\" NOT y,鍵");
	query_init(&q);
	query_parse(&q, "zzq", tax, &err);
	is_str(q.match,
	       "((\"zzq\" OR \"zzq\"*) OR \"a\"\"b) OR \"\"c\" OR "
	       "\"x\"\" NOT y\" OR \"鍵\"*)",
	       "synonyms quoted, a lone CJK character as a prefix");
	ok(pm_list_has(&q.terms, "鍵"), "synonyms are highlighted");
	query_release(&q);
	taxonomy_free(tax);
}

int main(void)
{
	sqlite3_open(":memory:", &db);
	tokenizer_register(db);
	sqlite3_exec(db,
		     "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='"
		     PM_TOKENIZER_NAME "');"
		     "INSERT INTO t VALUES('障害 deploy 鍵 payment-api');",
		     NULL, NULL, NULL);
	test_terms();
	test_hostile();
	test_filters();
	test_dates();
	test_synonyms();
	sqlite3_close(db);
	return tap_done();
}
