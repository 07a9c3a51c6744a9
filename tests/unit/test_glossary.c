/*
 * glossary.c: the built-in SRE glossary, a repository's synonyms, lookups
 * as the index reads terms, and recognising terms in a document's tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/db/tokenizer.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/glossary.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

/* Whether term's synonyms in g include want. */
static int has_synonym(const struct glossary *g, const char *term,
		       const char *want)
{
	struct pm_list out = { NULL, 0, 0 };
	int found;

	glossary_synonyms(g, term, strlen(term), &out, 64);
	found = pm_list_has(&out, want);
	pm_list_release(&out);
	return found;
}

static size_t count_synonyms(const struct glossary *g, const char *term)
{
	struct pm_list out = { NULL, 0, 0 };
	size_t n = glossary_synonyms(g, term, strlen(term), &out, 64);

	pm_list_release(&out);
	return n;
}

static void test_builtin(void)
{
	struct glossary *g = glossary_new(NULL);
	size_t groups, terms;

	glossary_builtin_size(&groups, &terms);
	printf("# built-in: %zu groups, %zu terms\n", groups, terms);
	ok(groups >= 300, "a few hundred groups");
	ok(terms >= 2 * groups, "at least two terms a group");
	ok(has_synonym(g, "failover", "フェイルオーバー"), "failover → ja");
	ok(has_synonym(g, "フェイルオーバー", "failover"), "ja → failover");
	ok(has_synonym(g, "証明書", "certificate"), "証明書 → certificate");
	ok(has_synonym(g, "cert", "証明書"), "cert → 証明書");
	ok(has_synonym(g, "DB", "database"), "DB → database");
	ok(has_synonym(g, "LB", "load balancer"), "LB → load balancer");
	ok(has_synonym(g, "OOM", "out of memory"), "OOM → out of memory");
	ok(has_synonym(g, "デプロイ", "deploy"), "デプロイ → deploy");
	ok(has_synonym(g, "障害", "outage"), "障害 → outage");
	/* As the index reads them: case, inflections, NFKC forms. */
	ok(has_synonym(g, "FAILOVERS", "フェイルオーバー"), "inflected");
	ok(has_synonym(g, "ﾌｪｲﾙｵｰﾊﾞｰ", "failover"), "half-width kana");
	ok(has_synonym(g, "ｃｅｒｔ", "証明書"), "full-width letters");
	ok(!has_synonym(g, "failover", "failover"), "not itself");
	ok(!has_synonym(g, "failover", "Failover"),
	   "nor what the index reads as itself");
	is_int((long)count_synonyms(g, "flaky"), 0, "unknown word");
	is_int((long)count_synonyms(g, "フェイル"), 0, "part of a term");
	is_int((long)count_synonyms(g, ""), 0, "empty");
	is_int((long)count_synonyms(g, "*"), 0, "nothing indexed");
	glossary_free(g);
}

static void test_repository(void)
{
	static const char yaml[] = "synonyms:\n"
				   "  - [決済, billing, payment]\n"
				   "  - [zzq, '\"quoted\" ターム']\n"
				   "  - ['*', 🔥]\n";
	struct taxonomy *tax = NULL;
	struct pm_error err;
	struct glossary *g;

	taxonomy_parse(&tax, S(yaml), ".pmkb.yml", &err);
	g = glossary_new(tax);
	ok(has_synonym(g, "決済", "billing"), "a repository's group");
	ok(has_synonym(g, "billing", "決済"), "both ways");
	ok(has_synonym(g, "billing", "課金"), "with the built-in one");
	ok(has_synonym(g, "zzq", "\"quoted\" ターム"), "kept as written");
	is_int((long)count_synonyms(g, "*"), 0, "unindexable terms dropped");
	glossary_free(g);
	g = glossary_new(NULL);
	ok(!has_synonym(g, "決済", "billing"), "only with those settings");
	glossary_free(g);
	taxonomy_free(tax);
}

/* Feeds text's tokens to a scan, keeping every hit. */
struct scan_ctx {
	struct glossary_scan sc;
	int group[16], start[16], n;
};

static int scan_cb(void *ctx, const char *tok, int ntok, int start, int end,
		   int flags)
{
	struct scan_ctx *s = ctx;
	int g, at = 0;

	(void)end;
	g = glossary_scan_token(&s->sc, tok, ntok, start, flags, &at);
	if (g >= 0 && s->n < 16) {
		s->group[s->n] = g;
		s->start[s->n++] = at;
	}
	return 0;
}

/*
 * Whether a term of the group holding member is found in text; its
 * offset in *start (-1 when not found).
 */
static int scan_finds(const struct glossary *g, const char *text,
		      const char *member, int *start)
{
	struct scan_ctx s;

	glossary_scan_init(&s.sc, g);
	s.n = 0;
	*start = -1;
	tokenizer_run(text, (int)strlen(text), 1, scan_cb, &s);
	for (int i = 0; i < s.n; i++) {
		const struct pm_list *grp = glossary_group(g, s.group[i]);

		if (grp && pm_list_has(grp, member)) {
			*start = s.start[i];
			return 1;
		}
	}
	return 0;
}

static void test_scan(void)
{
	struct glossary *g = glossary_new(NULL);
	int start;

	ok(scan_finds(g, "決済APIのフェイルオーバーが遅延", "failover",
		      &start), "katakana in a sentence");
	is_int(start, (long)strlen("決済APIの"), "where it starts");
	ok(scan_finds(g, "決済APIのフェイルオーバーが遅延", "payment",
		      &start), "kanji at the start");
	is_int(start, 0, "at 0");
	ok(scan_finds(g, "The load balancers dropped it", "LB", &start),
	   "a phrase, inflected");
	is_int(start, 4, "at its first word");
	ok(!scan_finds(g, "ロード と バランサー", "LB", &start),
	   "words apart are not a term");
	ok(!scan_finds(g, "secret 鍵 here", "鍵", &start),
	   "no one-character term in text");
	ok(glossary_group(g, -1) == NULL, "no group -1");
	ok(glossary_group(g, 1 << 30) == NULL, "no group past the end");
	glossary_free(g);
}

int main(void)
{
	test_builtin();
	test_repository();
	test_scan();
	return tap_done();
}
