/*
 * Snippets: the window around a match in a long body (found through the
 * keys' rarest bytes), a match in a short body, the summary when the body
 * does not match, forms the keys cannot see (fullwidth letters), a key
 * too common to window, ASCII case, prefixes, Japanese, highlights
 * that point at the matched bytes, and windows that answer as the whole
 * text read does on random texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/search/snippet.h"
#include "tap.h"

/* The snippet result for terms (NULL-terminated) over body and summary. */
static json_t *snip(const char *const *terms, const char *body,
		    const char *summary)
{
	struct pm_list l = { NULL, 0, 0 };
	struct snippets *sn;
	struct buf b = BUF_INIT;
	json_t *r;

	for (; *terms; terms++)
		pm_list_add(&l, *terms);
	sn = snippets_new(&l);
	buf_addch(&b, '{');
	snippets_write(sn, &b, body, summary);
	buf_addch(&b, '}');
	r = json_loads(b.ptr, 0, NULL);
	snippets_free(sn);
	pm_list_release(&l);
	buf_release(&b);
	return r;
}

/*
 * Whether r has highlights and each marks, in its snippet, text equal to
 * want, ASCII case aside.
 */
static int marks(json_t *r, const char *want)
{
	json_t *hl = json_object_get(r, "highlights"), *h;
	const char *s = json_string_value(json_object_get(r, "snippet"));
	size_t i;

	if (!json_array_size(hl) || !s)
		return 0;
	json_array_foreach(hl, i, h)
	{
		json_int_t a = json_integer_value(json_array_get(h, 0));
		json_int_t b = json_integer_value(json_array_get(h, 1));

		if (a < 0 || b <= a || (size_t)b > strlen(s) ||
		    (size_t)(b - a) != strlen(want) ||
		    strncasecmp(s + a, want, (size_t)(b - a)))
			return 0;
	}
	return 1;
}

static const char *snippet(json_t *r)
{
	return json_string_value(json_object_get(r, "snippet"));
}

/* A long body of filler with word at about byte at. */
static char *long_body(const char *word, size_t at, size_t len)
{
	struct buf b = BUF_INIT;

	while (b.len < at)
		buf_addstr(&b, "The error rate rose after the deploy. ");
	buf_addf(&b, "Then %s showed up in the logs. ", word);
	while (b.len < len)
		buf_addstr(&b, "We rolled back and the service recovered. ");
	return buf_detach(&b, NULL);
}

static void test_windowed(void)
{
	static const char *const code[] = { "ERR000391", NULL };
	static const char *const lower[] = { "err000391", NULL };
	char *body = long_body("ERR000391", 5000, 9000);
	json_t *r = snip(code, body, "A summary.");

	ok(strstr(snippet(r), "ERR000391") != NULL,
	   "windowed: the window holds the rare code");
	ok(marks(r, "ERR000391"), "windowed: and marks it");
	json_decref(r);
	r = snip(lower, body, "A summary.");
	ok(marks(r, "ERR000391"), "windowed: in any ASCII case");
	json_decref(r);
	free(body);
}

static void test_short_and_summary(void)
{
	static const char *const t[] = { "rollback", NULL };
	json_t *r = snip(t, "A short body: the rollback worked.", "Sum.");

	ok(strstr(snippet(r), "rollback") != NULL, "short: whole body");
	json_decref(r);
	r = snip(t, "Nothing to see in this body.",
		 "The rollback took an hour.");
	ok(strstr(snippet(r), "rollback took") != NULL,
	   "summary: shown when only it matches");
	ok(marks(r, "rollback"), "summary: marked");
	json_decref(r);
}

static void test_fallbacks(void)
{
	static const char *const zqx[] = { "zqx", NULL };
	static const char *const rolled[] = { "rolled", NULL };
	char *body = long_body("ＺＱＸ", 3000, 6000);
	json_t *r = snip(zqx, body, "");

	/* The key's bytes are not there: the whole text is read instead. */
	ok(strstr(snippet(r), "ＺＱＸ") != NULL,
	   "fullwidth: found though the key's bytes are not there");
	json_decref(r);
	free(body);
	/* More places than are windowed: read whole, still marked. */
	body = long_body("nothing", 100, 20000);
	r = snip(rolled, body, "");
	ok(marks(r, "rolled"),
	   "common: over the window limit, marked");
	json_decref(r);
	free(body);
}

static void test_prefix_and_japanese(void)
{
	static const char *const pre[] = { "deplo*", NULL };
	static const char *const ja[] = { "証明書", NULL };
	char *body = long_body("deployments", 4000, 8000);
	json_t *r = snip(pre, body, "");

	ok(strstr(snippet(r), "deploy") != NULL, "prefix: matches");
	json_decref(r);
	free(body);
	body = long_body("TLS 証明書の期限切れ", 4000, 8000);
	r = snip(ja, body, "");
	ok(strstr(snippet(r), "証明書") != NULL, "japanese: windowed");
	ok(marks(r, "証明書"), "japanese: marked whole");
	json_decref(r);
	free(body);
}

static void test_no_match(void)
{
	static const char *const t[] = { "zyxwv", NULL };
	json_t *r = snip(t, "Nothing here at all.", "");

	ok(snippet(r) && !strcmp(snippet(r), "Nothing here at all."),
	   "no match: the start of the body");
	is_int((long long)json_array_size(json_object_get(r, "highlights")),
	       0, "no match: no highlights");
	json_decref(r);
}

/* The snippet of terms over body, read in windows or whole, as JSON. */
static char *snip_dump(const struct pm_list *terms, const char *body,
		       int whole)
{
	struct snippets *sn = snippets_new(terms);
	struct buf b = BUF_INIT;

	if (whole)
		snippets_read_whole(sn);
	snippets_write(sn, &b, body, "");
	snippets_free(sn);
	return buf_detach(&b, NULL);
}

/*
 * Random bodies of words, stems, codes, words the keys sit inside,
 * accented letters (composed and not), Japanese and punctuation: the
 * windows (one word, or bytes around a key) find what reading the whole
 * text finds. Fullwidth forms are left out: a key present elsewhere hides
 * them from the windows by design (see test_fallbacks()).
 */
static void test_windows_equal_whole(void)
{
	static const char *const words[] = {
		"error", "errors", "Error", "ERR000391", "err000391x",
		"xerr000391", "deploy", "deployment", "Deployments",
		"redeploy", "happy", "happiness", "caf\xc3\xa9",
		"erre\xcc\x81", "error\xcc\x81", "\xc3\xa9rror",
		"\xe8\xa8\xbc\xe6\x98\x8e\xe6\x9b\xb8",
		"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", "error\xe3\x81\xae",
		"\xe3\x81\xae" "error", "rolled", "back", "timeout", "time",
		"the", "a", "of", "at", "2024", "v1", "_error_", "error's",
	};
	static const char *const seps[] = { " ", " ", " ", ", ", ". ",
					    "\n", "-", "/", "(", ") ",
					    "\xe3\x80\x82", "",
					    /* （ 、, a combining dakuten, a
					     * soft hyphen, a combining
					     * acute */
					    "\xef\xbc\x88", "\xe3\x80\x81",
					    "\xe3\x82\x99", "\xc2\xad",
					    "\xcc\x81" };
	static const char *const queries[][3] = {
		{ "error", NULL }, { "err000391", NULL },
		{ "deplo*", NULL }, { "happy", "timeout" },
		{ "error", "deploy" }, { "caf\xc3\xa9", NULL },
		{ "\"rolled back\"", NULL },
		{ "\xe8\xa8\xbc\xe6\x98\x8e\xe6\x9b\xb8", "error" },
		{ "time*", "back" },
		/* A word and its Japanese synonym, as the glossary widens
		 * "error": the word's places are read as words, the other's
		 * in windows. */
		{ "error", "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc", NULL },
		{ "deploy", "\xe8\xa8\xbc\xe6\x98\x8e\xe6\x9b\xb8", "time*" },
		{ "errors", "\"rolled back\"", NULL },
	};
	unsigned seed = 20261207;
	int round, bad = 0, windowed = 0;

	for (round = 0; round < 400; round++) {
		size_t q =
			(size_t)round % (sizeof(queries) / sizeof(queries[0]));
		struct pm_list l = { NULL, 0, 0 };
		struct buf body = BUF_INIT;
		size_t want = (size_t)(rand_r(&seed) % 8000), k;
		/* Mostly filler, so that keys are few enough to window. */
		int common = rand_r(&seed) % 4 == 0;
		char *a, *b;

		for (k = 0; k < 3 && queries[q][k]; k++)
			pm_list_add(&l, queries[q][k]);
		while (body.len < want) {
			int r = rand_r(&seed) % 100;

			if (r < 8 || common)
				buf_addstr(&body, words[(size_t)rand_r(&seed) %
							(sizeof(words) /
							 sizeof(words[0]))]);
			else
				buf_addstr(&body, r < 60 ? "the" : "outage");
			buf_addstr(&body,
				   seps[(size_t)rand_r(&seed) %
					(sizeof(seps) / sizeof(seps[0]))]);
		}
		a = snip_dump(&l, body.ptr, 0);
		b = snip_dump(&l, body.ptr, 1);
		windowed += !common;
		if (strcmp(a, b) && bad++ < 3)
			fprintf(stderr,
				"# windows differ for %s:\n#  %s\n#  %s\n",
				l.v[0], a, b);
		free(a);
		free(b);
		buf_release(&body);
		pm_list_release(&l);
	}
	is_int(bad, 0, "random texts: windows answer as the whole text");
	ok(windowed > 200, "random texts: most were windowed");
}

/*
 * Places are read only until the window is settled: a pair of terms at
 * every distance past a match near the 64th, within a window of it or
 * not, answers as the whole text.
 */
static void test_many_matches(void)
{
	unsigned seed = 64;
	int round, bad = 0;

	for (round = 0; round < 120; round++) {
		struct pm_list l = { NULL, 0, 0 };
		struct buf body = BUF_INIT;
		int n = 64 + rand_r(&seed) % 36, k, gap = round * 8;
		/* The pair after the pair_at-th match, near the 64th. */
		int pair_at = 56 + rand_r(&seed) % 16;
		char *a, *b;

		pm_list_add(&l, "error");
		pm_list_add(&l, "timeout");
		/* Filler of up to ~60 characters, English or Japanese. */
		for (k = 0; k < n; k++) {
			buf_addstr(&body, "error ");
			for (int f = rand_r(&seed) % 16; f >= 0; f--)
				buf_addstr(&body, round % 2 ? "the "
							   : "\xe3\x81\xae ");
			if (k != pair_at)
				continue;
			for (int g = gap; g > 0; g--)
				buf_addch(&body, g % 5 ? 'x' : ' ');
			buf_addstr(&body, " error timeout. ");
		}
		a = snip_dump(&l, body.ptr, 0);
		b = snip_dump(&l, body.ptr, 1);
		if (strcmp(a, b) && bad++ < 3)
			fprintf(stderr, "# many matches differ:\n#  %s\n#  %s\n",
				a, b);
		free(a);
		free(b);
		buf_release(&body);
		pm_list_release(&l);
	}
	is_int(bad, 0, "many matches: as the whole text, at every distance");
}

/*
 * A synonym counts as its term: a window showing "error" and its synonym
 * エラー shows one term, so the later window with "error" and "timeout"
 * is taken; without the synonym declared, the first shows two.
 */
static void test_synonyms(void)
{
	struct pm_list l = { NULL, 0, 0 };
	struct buf body = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	struct snippets *sn;

	pm_list_add(&l, "error");
	pm_list_add(&l, "timeout");
	pm_list_add(&l, "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc");
	buf_addstr(&body, "An error, \xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc.");
	for (int i = 0; i < 60; i++)
		buf_addstr(&body, " The queue drained.");
	buf_addstr(&body, " Then error after timeout.");
	sn = snippets_new(&l);
	snippets_write(sn, &b, body.ptr, "");
	snippets_free(sn);
	sn = snippets_new(&l);
	snippets_synonym(sn, "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
			 "error");
	snippets_write(sn, &c, body.ptr, "");
	snippets_free(sn);
	ok(!strstr(b.ptr, "timeout"), "synonyms apart: the first window");
	ok(strstr(c.ptr, "timeout") != NULL,
	   "a synonym counts as its term: the window with both terms");
	buf_release(&body);
	buf_release(&b);
	buf_release(&c);
	pm_list_release(&l);
}

/*
 * A word's key is the start of its stem that every word with that stem
 * surely has: random stems with two of the endings the stemmer rewrites
 * (step by step, and as they compose: -bility, -ably, -ization, a
 * doubled consonant before -ing), one the query, the other in a text
 * among filler, in three cases. Windows find it as the whole text does:
 * a key one byte too long for some word fails.
 */
static void test_stem_keys(void)
{
	static const char *const ends[] = {
		"", "s", "es", "ies", "sses", "ed", "ing", "eed", "eeds", "y",
		"ly", "bly", "ably", "ibly", "ility", "bility", "ability",
		"ibility", "ational", "tional", "ency", "ancy", "izer",
		"ization", "ation", "ator", "alism", "iveness", "fulness",
		"ousness", "ality", "ivity", "logy", "icate", "ative", "alize",
		"icity", "ical", "ful", "ness", "ment", "ement", "ence",
		"ance", "er", "ic", "able", "ible", "ant", "ent", "ion", "sion",
		"tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "e",
		"ll", "led", "ling", "bled", "bling", "ated", "ating", "ized",
		"izing", "ble", "bl", "atingly", "fully", "ities", "ied",
		"ying", "nning", "tted", "zzed", "ssing", "lled", "bilities",
	};
	static const char cons[] = "bcdfghklmnprstvwz", vow[] = "aeiouy";
	const size_t n_ends = sizeof(ends) / sizeof(ends[0]);
	unsigned seed = 20261208;
	int round, bad = 0, same = 0;

	for (round = 0; round < 6000; round++) {
		struct pm_list l = { NULL, 0, 0 };
		struct buf body = BUF_INIT, stem = BUF_INIT, word = BUF_INIT;
		int n = 1 + rand_r(&seed) % 3, k;
		char *a, *b;

		for (k = 0; k < n; k++) {
			buf_addch(&stem, cons[rand_r(&seed) % 17]);
			buf_addch(&stem, vow[rand_r(&seed) % 6]);
			if (rand_r(&seed) % 2)
				buf_addch(&stem, cons[rand_r(&seed) % 17]);
		}
		buf_addf(&word, "%s%s", stem.ptr,
			 ends[(size_t)rand_r(&seed) % n_ends]);
		pm_list_add(&l, word.ptr);
		buf_reset(&word);
		buf_addf(&word, "%s%s", stem.ptr,
			 ends[(size_t)round % n_ends]);
		if (round % 3 == 1)
			word.ptr[0] = (char)(word.ptr[0] - 'a' + 'A');
		for (k = 0; k < (round % 3 == 2 ? (int)word.len : 0); k++)
			word.ptr[k] = (char)(word.ptr[k] - 'a' + 'A');
		for (k = 0; k < 40; k++)
			buf_addstr(&body, "the outage ");
		buf_add(&body, word.ptr, word.len);
		for (k = 0; k < 40; k++)
			buf_addstr(&body, " of the outage");
		a = snip_dump(&l, body.ptr, 0);
		b = snip_dump(&l, body.ptr, 1);
		same += strstr(b, "<mark>") != NULL;
		if (strcmp(a, b) && bad++ < 3)
			fprintf(stderr, "# windows differ for %s in %s:\n#  %s\n"
				"#  %s\n", l.v[0], word.ptr, a, b);
		free(a);
		free(b);
		buf_release(&stem);
		buf_release(&word);
		buf_release(&body);
		pm_list_release(&l);
	}
	is_int(bad, 0, "stems: every word's key is in the words of its stem");
	ok(same > 600, "stems: many texts hold the query's stem");
}

int main(void)
{
	test_windowed();
	test_short_and_summary();
	test_fallbacks();
	test_prefix_and_japanese();
	test_no_match();
	test_windows_equal_whole();
	test_many_matches();
	test_synonyms();
	test_stem_keys();
	return tap_done();
}
