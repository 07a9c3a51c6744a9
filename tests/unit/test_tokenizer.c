/*
 * Token streams and offsets of the CJK-aware tokenizer, on the inputs that
 * broke other approaches (shared/SEARCH.md), plus the FTS5 registration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "pmkb/db/tokenizer.h"
#include "tap.h"

/*
 * Renders tokens as "tok@start-end" separated by spaces; a trailing '$'
 * marks the run-end flag.
 */
static int collect(void *ctx, const char *tok, int ntok, int start, int end,
		   int flags)
{
	struct buf *b = ctx;

	if (b->len)
		buf_addch(b, ' ');
	buf_add(b, tok, (size_t)ntok);
	buf_addf(b, "@%d-%d%s", start, end,
		 (flags & PM_TOKEN_RUN_END) ? "$" : "");
	return 0;
}

/* Same without offsets: just the token texts. */
static int collect_text(void *ctx, const char *tok, int ntok, int start,
			int end, int flags)
{
	struct buf *b = ctx;

	(void)start;
	(void)end;
	(void)flags;
	if (b->len)
		buf_addch(b, ' ');
	buf_add(b, tok, (size_t)ntok);
	return 0;
}

static char *toks_len(const char *s, int len, int stem)
{
	struct buf b = BUF_INIT;

	tokenizer_run(s, len, stem, collect, &b);
	return buf_detach(&b, NULL);
}

static char *toks(const char *s)
{
	return toks_len(s, (int)strlen(s), 1);
}

static char *words(const char *s, int stem)
{
	struct buf b = BUF_INIT;

	tokenizer_run(s, (int)strlen(s), stem, collect_text, &b);
	return buf_detach(&b, NULL);
}

static char *qwords(const char *s, int prefix)
{
	struct buf b = BUF_INIT;

	tokenizer_run_query(s, (int)strlen(s), prefix, 1, collect_text, &b);
	return buf_detach(&b, NULL);
}

#define CHECK(call, want, what)                    \
	do {                                       \
		char *got_ = call;                 \
		is_str(got_, want, "tokens: " what); \
		free(got_);                        \
	} while (0)

static void test_cjk(void)
{
	CHECK(toks("障害"), "障害@0-6 害@3-6$", "障害");
	CHECK(toks("鍵"), "鍵@0-3$", "鍵");
	CHECK(toks("障害DBがdown"),
	      "障害@0-6 害@3-6$ db@6-8 が@8-11$ down@11-15",
	      "障害DBがdown");
	CHECK(toks("証明書の期限切れ"),
	      "証明@0-6 明書@3-9 書の@6-12 の期@9-15 期限@12-18 "
	      "限切@15-21 切れ@18-24 れ@21-24$",
	      "証明書の期限切れ");
	/* Punctuation ends a run. */
	CHECK(toks("原因。対策"), "原因@0-6 因@3-6$ 対策@9-15 策@12-15$",
	      "原因。対策");
	/* ー belongs to katakana runs, including runs of ー alone. */
	CHECK(toks("サーバー"),
	      "サー@0-6 ーバ@3-9 バー@6-12 ー@9-12$", "サーバー");
	CHECK(toks("ーーーー"),
	      "ーー@0-6 ーー@3-9 ーー@6-12 ー@9-12$", "ーーーー");
	/* Hangul syllables. */
	CHECK(toks("장애 발생"), "장애@0-6 애@3-6$ 발생@7-13 생@10-13$",
	      "Hangul");
	/* Iteration mark inside a run. */
	CHECK(words("時々", 1), "時々 々", "時々");
}

static void test_nfkc(void)
{
	/* Full-width letters fold to ASCII with the original offsets. */
	CHECK(toks("ＤＢ障害"), "db@0-6 障害@6-12 害@9-12$", "ＤＢ障害");
	CHECK(toks("ｄｂ"), "db@0-6", "ｄｂ");
	/* Half-width katakana with voiced marks compose: ﾃﾞ → デ. */
	CHECK(words("ﾃﾞｰﾀﾍﾞｰｽ", 1), "デー ータ タベ ベー ース ス",
	      "ﾃﾞｰﾀﾍﾞｰｽ");
	CHECK(toks("ﾃﾞｰﾀ"), "デー@0-9 ータ@6-12 タ@9-12$", "ﾃﾞｰﾀ offsets");
	/* Decomposed kana compose too (か + U+3099 = が). */
	CHECK(toks("か\xe3\x82\x99"), "が@0-6$", "decomposed が");
	/* Case folding beyond ASCII, and accents compose. */
	CHECK(words("ÉCOLE Straße", 0), "école strasse", "folding");
	CHECK(toks("e\xcc\x81t\xc3\xa9"), "été@0-6", "combining acute");
	/* Ligature: both letters map to the ligature's bytes. */
	CHECK(toks("ﬁx"), "fix@0-4", "ligature");
	/* Soft hyphen is ignorable: one word. */
	CHECK(words("pay\xc2\xadment", 0), "payment", "soft hyphen");
	/* Ideographic space separates. */
	CHECK(toks("障害\xe3\x80\x80" "DB"), "障害@0-6 害@3-6$ db@9-11",
	      "ideographic space");
	/* Circled digits and superscripts are digits. */
	CHECK(words("①x²", 0), "1x2", "compat digits");
	/* Hangul compatibility jamo and a syllable + final jamo compose. */
	CHECK(words("\xea\xb0\x80\xe1\x86\xa8", 0), "각", "LV + T");
}

static void test_words(void)
{
	CHECK(words("Deploy deployed deployment deploying deploys", 1),
	      "deploi deploi deploy deploi deploi", "deploy family");
	CHECK(words("Deploy deployed deployment", 0),
	      "deploy deployed deployment", "no stem");
	/* The stemmer's own vocabulary is in test_porter.c. */
	CHECK(words("ponies hopping relational", 1), "poni hop relat",
	      "words stemmed");
	CHECK(toks("payment-api v1.2 foo_bar"),
	      "payment@0-7 api@8-11 v1@12-14 2@15-16 foo@17-20 bar@21-24",
	      "separators inside words");
	CHECK(words("HTTP/2 500s 5xx", 1), "http 2 500s 5xx", "digits");
	CHECK(words("Москва Ελλάδα", 1), "москва ελλάδα", "other scripts");
}

static void test_hostile(void)
{
	static const char nul[] = "ab\0cd";
	static const char bad[] = "ab\xff\xfe" "cd\xe3\x81" "\xc0\xaf" "ef";
	char *s;
	int i;

	CHECK(toks_len(nul, 5, 1), "ab@0-2 cd@3-5", "NUL separates");
	CHECK(toks_len(bad, (int)sizeof(bad) - 1, 1),
	      "ab@0-2 cd@4-6 ef@10-12", "invalid UTF-8");
	CHECK(toks("a\tb\x01" "c\x7f" "d"), "a@0-1 b@2-3 c@4-5 d@6-7",
	      "controls separate");
	/* A truncated sequence at the very end. */
	CHECK(toks_len("障\xe5\xae", 5, 1), "障@0-3$", "truncated tail");
	/* Emoji separate and are not indexed. */
	CHECK(toks("デプロイ🚀失敗"),
	      "デプ@0-6 プロ@3-9 ロイ@6-12 イ@9-12$ 失敗@16-22 敗@19-22$",
	      "emoji");
	CHECK(toks(""), "", "empty");
	CHECK(toks("   ...  "), "", "punctuation only");
	/* A lone combining mark and Zalgo text must not crash. */
	{
		struct buf b = BUF_INIT;

		for (i = 0; i < 200; i++)
			buf_addstr(&b, "\xcc\x81");
		CHECK(toks(b.ptr), "", "lone marks");
		buf_addstr(&b, "a");
		for (i = 0; i < 200; i++)
			buf_addstr(&b, "\xcc\x81");
		s = words(b.ptr, 1);
		ok(!strncmp(s, "\xc3\xa1", 2) && strlen(s) <= 128,
		   "Zalgo word");
		free(s);
		buf_release(&b);
	}
	/* Every byte value, in every position, must be survivable. */
	{
		char all[512];

		for (i = 0; i < 512; i++)
			all[i] = (char)(i * 7 + 3);
		char *once = toks_len(all, 512, 1);
		char *again = toks_len(all, 512, 1);

		ok(!strcmp(once, again),
		   "all byte values: the same tokens twice (deterministic)");
		free(once);
		free(again);
	}
	/* Overlong words are cut, consistently, on a character boundary. */
	{
		struct buf b = BUF_INIT;

		for (i = 0; i < 300; i++)
			buf_addstr(&b, "é");
		s = words(b.ptr, 1);
		ok(strlen(s) <= 128 && strlen(s) % 2 == 0, "long word cut");
		free(s);
		buf_release(&b);
	}
}

static void test_query_mode(void)
{
	/* A run that ends the query string has no run-end character... */
	CHECK(qwords("障害", 0), "障害", "query 障害");
	CHECK(qwords("証明書", 0), "証明 明書", "query 証明書");
	/* ...unless it is a single character. */
	CHECK(qwords("鍵", 0), "鍵", "query 鍵");
	/* Inside the string it stays, as in documents. */
	CHECK(qwords("障害DB", 0), "障害 害 db", "query 障害DB");
	CHECK(qwords("Aurora障害", 0), "aurora 障害", "query Aurora障害");
	/* Prefix: the last word is not stemmed, the others are. */
	CHECK(qwords("deploying deploy", 1), "deploi deploy", "prefix");
	CHECK(qwords("deploying deploy", 0), "deploi deploi", "no prefix");
}

static int count_tokens(void *ctx, const char *tok, int ntok, int start,
			int end, int flags)
{
	(void)tok;
	(void)ntok;
	(void)start;
	(void)end;
	(void)flags;
	(*(long *)ctx)++;
	return 0;
}

static int stop_at_two(void *ctx, const char *tok, int ntok, int start,
		       int end, int flags)
{
	(void)tok;
	(void)ntok;
	(void)start;
	(void)end;
	(void)flags;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_callback_stop(void)
{
	int n = 0;

	is_int(tokenizer_run("a b c d", 7, 1, stop_at_two, &n), 42,
	       "callback's value is returned");
	is_int(n, 2, "no token after stop");
}

static int64_t query_count(sqlite3 *db, const char *match)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	return n;
}

static void test_fts5(void)
{
	static const char *const docs[] = {
		"本番DBで障害が発生した",	   /* 1 */
		"秘密鍵の期限切れ",		   /* 2 */
		"ﾃﾞｰﾀﾍﾞｰｽのフェイルオーバー", /* 3 */
		"We deployed the payment-api", /* 4 */
		"deployment of v1.2 failed",   /* 5 */
		"鍵DB",			   /* 6 */
	};
	sqlite3 *db = NULL;
	size_t i;
	int rc;

	rc = sqlite3_open(":memory:", &db);
	ok(rc == SQLITE_OK, "open");
	is_int(tokenizer_register(db), SQLITE_OK, "register");
	rc = sqlite3_exec(db,
			  "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='"
			  PM_TOKENIZER_NAME "', detail=full)",
			  NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "create table");
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *sql = sqlite3_mprintf("INSERT INTO t(rowid, x) "
					    "VALUES(%d, %Q)",
					    (int)i + 1, docs[i]);

		sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
	}
	is_int(query_count(db, "\"障害\""), 1, "障害");
	is_int(query_count(db, "\"鍵\"*"), 2, "鍵*");
	is_int(query_count(db, "\"期限切れ\""), 1, "期限切れ");
	is_int(query_count(db, "\"データベース\""), 1, "データベース (NFKC)");
	is_int(query_count(db, "\"ＤＢ\""), 2, "ＤＢ");
	is_int(query_count(db, "\"deploy\" OR \"deploy\"*"), 2, "deploy");
	is_int(query_count(db, "\"payment-api\""), 1, "payment-api phrase");
	is_int(query_count(db, "\"v1.2\""), 1, "v1.2 phrase");
	is_int(query_count(db, "\"鍵DB\""), 1, "鍵DB phrase");
	is_int(query_count(db, "\"DBで障害\""), 1, "DBで障害 phrase");
	is_int(query_count(db, "\"番DB\""), 1, "番DB phrase");
	is_int(query_count(db, "\"フェイル\""), 1, "フェイル inside run");
	is_int(query_count(db, "\"deployed the\"*"), 1, "prefix phrase");
	is_int(query_count(db, "\"障害\" NOT \"本番\""), 0, "NOT");
	rc = sqlite3_exec(db, "INSERT INTO t(t) VALUES('integrity-check')",
			  NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "integrity-check");
	sqlite3_close(db);

	/* Auto registration reaches connections opened afterwards. */
	tokenizer_register_auto();
	rc = sqlite3_open(":memory:", &db);
	rc = sqlite3_exec(db,
			  "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='"
			  PM_TOKENIZER_NAME "')",
			  NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "auto extension");
	sqlite3_close(db);
	sqlite3_reset_auto_extension();
}

/* Throughput on a few MB of mixed text; printed, never failing. */
static void bench(void)
{
	static const char para[] =
		"2018年2月14日 09:28、本番のAurora DBでフェイルオーバーが発生し"
		"、payment-api が 14 分間 5xx を返した。原因は証明書の期限切れ"
		"によるTLSハンドシェイクの失敗であった。 The primary database "
		"failed over after a deployment; connections were exhausted and "
		"the retry storm amplified the outage. "
		"ﾃﾞｰﾀﾍﾞｰｽ ＤＢ\n";
	struct buf b = BUF_INIT;
	struct timespec t0, t1;
	long n = 0;
	double secs;

	while (b.len < (4u << 20))
		buf_add(&b, para, sizeof(para) - 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tokenizer_run(b.ptr, (int)b.len, 1, count_tokens, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# tokenizer: %.1f MB in %.3f s = %.1f MB/s, %ld tokens\n",
	       (double)b.len / 1e6, secs, (double)b.len / 1e6 / secs, n);
	ok(n > 0, "bench produced tokens");
	buf_release(&b);
}

/* Counts tokens whose text is not their own bytes, ASCII lowered. */
static int own_bytes(void *ctx, const char *tok, int ntok, int start,
		     int end, int flags)
{
	const char **text = ctx;
	int i;

	(void)flags;
	if (ntok != end - start) {
		text[1]++;
		return 0;
	}
	for (i = 0; i < ntok; i++) {
		char c = text[0][start + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		if (c != tok[i]) {
			text[1]++;
			return 0;
		}
	}
	return 0;
}

/*
 * tokenizer_may_fold(): for every code point it passes, next to ASCII,
 * kana and another of itself, each token spells its own bytes (the
 * snippets rely on it to skip texts); and the forms it exists for fold.
 */
static void test_may_fold(void)
{
	static const char *const fold[] = {
		"\xef\xbc\xa4\xef\xbc\xa2", /* ＤＢ */
		"\xef\xbd\xb4\xef\xbe\x97", /* ｴﾗ */
		"e\xcc\x81",		 /* e + combining acute */
		"\xc3\x89",		 /* É */
		"a\xc2\xad" "b",		 /* soft hyphen */
		"\xe3\x8e\x8f",		 /* ㎏ */
		"\xf3\xa0\x81\x81",	 /* a tag character: past the table */
	};
	static const char *const kept[] = {
		"plain ASCII, Error 42.",
		"\xe9\x9a\x9c\xe5\xae\xb3\xe3\x81\x8c",
		"caf\xc3\xa9 na\xc3\xafve", "",
		"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
		"\xf0\x9f\x98\x80", /* an emoji */
		/* （障害）：fullwidth punctuation folds to separators */
		"\xef\xbc\x88\xe9\x9a\x9c\xe5\xae\xb3"
		"\xef\xbc\x89\xef\xbc\x9a",
	};
	uint32_t c;
	int wrong = 0, passed = 0;
	size_t i;

	for (i = 0; i < sizeof(fold) / sizeof(fold[0]); i++)
		ok(tokenizer_may_fold(fold[i], (int)strlen(fold[i])),
		   "may_fold: a form that folds");
	/* Precomposed letters fold (they decompose) though they come back. */
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		is_int(tokenizer_may_fold(kept[i], (int)strlen(kept[i])),
		       i == 2, "may_fold: text as written");
	for (c = 0x80; c < 0x30000; c++) {
		char u[4], text[32];
		const char *ctx[2];
		int n, len;

		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		n = utf8_encode(c, u);
		len = 0;
		memcpy(text + len, "Ab", 2), len += 2;
		memcpy(text + len, u, (size_t)n), len += n;
		memcpy(text + len, "\xe3\x82\xab", 3), len += 3; /* カ */
		memcpy(text + len, u, (size_t)n), len += n;
		memcpy(text + len, u, (size_t)n), len += n;
		memcpy(text + len, "Cd", 2), len += 2;
		if (tokenizer_may_fold(text, len))
			continue;
		passed++;
		ctx[0] = text;
		ctx[1] = NULL;
		tokenizer_run(text, len, 0, own_bytes, (void *)ctx);
		if (ctx[1] && wrong++ < 3)
			fprintf(stderr, "# U+%04X: a token is not its bytes\n",
				(unsigned)c);
	}
	is_int(wrong, 0, "may_fold: what it passes is read as written");
	/* Kana, Han, Hangul syllables and most letters pass. */
	ok(passed > 50000, "may_fold: most assigned code points pass");
}

/* tokenizer_token_at() at the word "err1" in text. */
static int word_at(const char *text)
{
	const char *w = strstr(text, "err1");

	return tokenizer_token_at(text, (int)strlen(text), (int)(w - text));
}

/* Renders, as collect() does, the tokens that start at or after from,
 * their offsets less from. */
struct tail {
	struct buf b;
	int from;
};

static int collect_tail(void *ctx, const char *tok, int ntok, int start,
			int end, int flags)
{
	struct tail *t = ctx;

	if (start < t->from)
		return 0;
	return collect(&t->b, tok, ntok, start - t->from, end - t->from,
		       flags);
}

static void test_token_at(void)
{
	/* ASCII words, kana, Han, Hangul, jamo, marks (an acute, a
	 * dakuten), fullwidth and halfwidth forms, an ignorable, accented
	 * letters, punctuation. */
	static const char *const parts[] = {
		"err1", "Error", "x", "42", " ", ", ", "-", "\n",
		"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", /* エラー */
		"\xe9\x9a\x9c\xe5\xae\xb3", /* 障害 */
		"\xe3\x81\x8c", "\xe3\x82\xab", /* が カ */
		"\xe3\x82\x99", "\xcc\x81", /* dakuten, acute */
		"\xef\xbd\xb4\xef\xbe\x9e", /* ｴﾞ */
		"\xef\xbc\xa4\xef\xbc\xa2", /* ＤＢ */
		"\xea\xb0\x80", "\xe1\x84\x80", "\xe1\x85\xa1", /* 가 ᄀ ᅡ */
		"\xc2\xad", "caf\xc3\xa9", "\xc3\x89t\xc3\xa9",
		"\xe3\x80\x82", "\xe3\x80\x85", /* 。 々 */
		"\xef\xbc\x88", "\xe2\x84\xab", /* （ Å */
	};
	unsigned seed = 7;
	int round, wrong = 0, clean = 0, inside = 0, unsure = 0;

	is_int(word_at("x err1 y"), 1, "token_at: a word between spaces");
	is_int(word_at("err1"), 1, "token_at: the whole text");
	is_int(word_at("xerr1"), 0, "token_at: inside another word");
	is_int(word_at("\xe3\x81\xae" "err1\xe3\x81\x8c"), 1,
	       "token_at: a word after kana");
	is_int(word_at("\xef\xbc\x88" "err1\xef\xbc\x89"), 1,
	       "token_at: in fullwidth parentheses");
	is_int(word_at("\xc3\xa9" "err1"), -1, "token_at: after a letter");
	is_int(word_at("a\xc2\xad" "err1"), -1, "token_at: after an ignorable");
	is_int(tokenizer_token_at("a\xcc\x81", 3, 1), -1, "token_at: a mark");
	/*
	 * Random texts: wherever it says a token starts cleanly, reading from
	 * there gives the whole text's tokens from there; where it says none
	 * starts, none does.
	 */
	for (round = 0; round < 300; round++) {
		struct buf text = BUF_INIT;
		int n = 1 + rand_r(&seed) % 40, at;

		while (n--)
			buf_addstr(&text, parts[(size_t)rand_r(&seed) %
						(sizeof(parts) /
						 sizeof(parts[0]))]);
		for (at = 0; at < (int)text.len; at++) {
			struct tail whole = { BUF_INIT, at }, part = {
				BUF_INIT, 0
			};
			int r = tokenizer_token_at(text.ptr, (int)text.len, at);

			tokenizer_run(text.ptr, (int)text.len, 1, collect_tail,
				      &whole);
			if (r > 0) {
				clean++;
				tokenizer_run(text.ptr + at,
					      (int)text.len - at, 1,
					      collect_tail, &part);
				if (strcmp(whole.b.ptr ? whole.b.ptr : "",
					   part.b.ptr ? part.b.ptr : "") &&
				    wrong++ < 3)
					fprintf(stderr,
						"# at %d of %s:\n#  %s\n#  %s\n",
						at, text.ptr, whole.b.ptr,
						part.b.ptr);
			} else if (r == 0) {
				inside++;
				if (whole.b.len &&
				    !strncmp(strchr(whole.b.ptr, '@'), "@0-",
					     3) &&
				    wrong++ < 3)
					fprintf(stderr, "# at %d of %s: a "
						"token starts\n", at,
						text.ptr);
			} else {
				unsure++;
			}
			buf_release(&whole.b);
			buf_release(&part.b);
		}
		buf_release(&text);
	}
	is_int(wrong, 0, "token_at: reading from a clean start answers as "
			 "reading the whole text");
	ok(clean > 1000 && inside > 100 && unsure > 100,
	   "token_at: random texts reach every answer");
}

int main(void)
{
	test_cjk();
	test_nfkc();
	test_words();
	test_hostile();
	test_query_mode();
	test_callback_stop();
	test_fts5();
	test_may_fold();
	test_token_at();
	bench();
	return tap_done();
}
