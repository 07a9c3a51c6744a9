/*
 * The pmkb_cjk FTS5 tokenizer: see include/pmkb/db/tokenizer.h for the
 * contract and shared/SEARCH.md for why it looks like this.
 *
 * Map of the file, in the order text flows through it:
 *
 *   decode UTF-8      bad bytes and control characters become separators
 *   normalise         NFKC + case folding, one "segment" (a starter and its
 *                     combining marks) at a time, so that every normalised
 *                     character knows the original bytes it came from
 *   segment           CJK runs → overlapping bigrams + run-end character;
 *                     other letters and digits → words
 *   emit              one token is held back so that the last token of a
 *                     query string can be treated specially (prefix: not
 *                     stemmed; query: a run-end character is dropped)
 *   stem              [a-z] words through the Porter stemmer (db/porter.h),
 *                     remembered per thread
 *   FTS5 glue         registration through fts5_api
 *
 * Beside the flow, for readers of text that skip tokenizing it (snippets):
 * which characters normalising may turn into others (folding), and where
 * a token starts that tokenizing from there reads as the whole text does
 * (tokenizer_token_at).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>
#include <utf8proc.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/db/fts5api.h"
#include "pmkb/db/porter.h"
#include "pmkb/db/tokenizer.h"

/* Longest word token kept, in bytes; longer words are cut (consistently). */
#define WORD_MAX 128
/* Combining marks kept with one starter; Zalgo text beyond is split. */
#define SEG_MAX 32
/* utf8proc's longest decomposition is 18 code points (U+FDFA). */
#define DECOMP_MAX 32

/* How a held-back token may be treated at the end of the text. */
enum tk_kind {
	TK_NONE,
	TK_WORD,	 /* stemmable unless it closes a prefix query */
	TK_CJK,		 /* a bigram, or a one-character run */
	TK_RUN_END_MULTI /* run-end character of a run of ≥ 2 characters */
};

enum cp_class { CL_SEP, CL_WORD, CL_MARK, CL_CJK };

struct tk {
	int query, prefix, stem;
	pm_token_fn fn;
	void *ctx;
	int rc;

	/* The segment being normalised: a starter and its marks. */
	int32_t seg[SEG_MAX];
	uint8_t ccc[SEG_MAX];
	int nseg, seg_start, seg_end;
	int seg_has_starter;

	/* The word being collected. */
	char word[WORD_MAX];
	int nword, word_start, word_end;

	/* The CJK run: its previous character and length. */
	char prev[4];
	int nprev, prev_start, prev_end, runlen;

	/* The token held back. */
	char pend[WORD_MAX];
	int npend, pend_start, pend_end, pend_flags;
	enum tk_kind pend_kind;
};

/* Characters that form bigram runs (after normalisation). */
static int is_cjk(uint32_t c)
{
	if (c < 0x1100)
		return 0;
	return (c >= 0x3041 && c <= 0x3096) || (c >= 0x3099 && c <= 0x309F) ||
	       (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3005 && c <= 0x3007) ||
	       c == 0x303B || (c >= 0x31F0 && c <= 0x31FF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x323AF) ||
	       (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3131 && c <= 0x318E) ||
	       (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

/*
 * Characters that NFKC + case folding leave alone and that never combine
 * with what precedes them: the common case, kept away from utf8proc.
 */
static int is_fast(uint32_t c)
{
	return (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
	       (c >= 0x30FC && c <= 0x30FE) || (c >= 0x4E00 && c <= 0x9FFF) ||
	       (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xAC00 && c <= 0xD7A3);
}

static enum cp_class classify(uint32_t c)
{
	if (c < 0x80) {
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c >= 'A' && c <= 'Z'))
			return CL_WORD;
		return CL_SEP;
	}
	if (is_cjk(c))
		return CL_CJK;
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return CL_WORD;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return CL_MARK;
	default:
		return CL_SEP;
	}
}

/* c decomposed for NFKC with case folding, ignorables dropped. */
static utf8proc_ssize_t decompose(uint32_t c, utf8proc_int32_t d[DECOMP_MAX])
{
	return utf8proc_decompose_char((utf8proc_int32_t)c, d, DECOMP_MAX,
				       UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
					       UTF8PROC_CASEFOLD |
					       UTF8PROC_IGNORE,
				       NULL);
}

/* ---- folding: which characters the tokenizer reads as others ---- */

/* Code points below this have a bit in fold_bits; all above may fold. */
#define FOLD_LIMIT 0x30000

static uint8_t fold_bits[FOLD_LIMIT / 8];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

/*
 * Whether norm_cp() and seg_flush() may turn c into other characters or
 * join it to the one before: it decomposes (compatibility forms, non-ASCII
 * capitals, precomposed letters) into more than separators, is
 * ignorable, is a mark, or is a Hangul jamo. What is_fast() passes
 * through never does.
 */
static int folds(uint32_t c)
{
	const utf8proc_property_t *p;
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t n, i;

	if (c < 0x80 || is_fast(c))
		return 0;
	if (c <= 0x9F)
		return 0; /* a separator, as bad bytes are */
	if (c >= 0x1100 && c <= 0x11FF)
		return 1;
	p = utf8proc_get_property((utf8proc_int32_t)c);
	switch (p->category) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return 1;
	default:
		break;
	}
	/* Without a mapping decompose() gives c back: most code points. */
	if (p->decomp_seqindex == UINT16_MAX &&
	    p->casefold_seqindex == UINT16_MAX && !p->ignorable)
		return 0;
	n = decompose(c, d);
	if (n < 1 || n > DECOMP_MAX)
		return 1;
	if (n == 1 && d[0] == (utf8proc_int32_t)c)
		return 0;
	/* Into separators alone (fullwidth punctuation, odd spaces): no
	 * token changes. Japanese text is full of （）：！ */
	for (i = 0; i < n; i++)
		if (classify((uint32_t)d[i]) != CL_SEP ||
		    utf8proc_get_property(d[i])->combining_class)
			return 1;
	return 0;
}

static void fold_init(void)
{
	uint32_t c;

	for (c = 0x80; c < FOLD_LIMIT; c++)
		if (folds(c))
			fold_bits[c >> 3] |= (uint8_t)(1u << (c & 7));
}

int tokenizer_may_fold(const char *text, int len)
{
	const unsigned char *s = (const unsigned char *)text;
	int i = 0, n;

	pthread_once(&fold_once, fold_init);
	while (i < len) {
		uint32_t c;

		if (s[i] < 0x80) {
			/* ASCII eight bytes at a time. */
			if (i + 8 <= len && !(text_word(s + i) & TEXT_HIGHS))
				i += 8;
			else
				i++;
			continue;
		}
		/* Three bytes (kana, Han: most of a Japanese text) read in
		 * place. */
		if ((s[i] & 0xF0) == 0xE0 && i + 2 < len &&
		    (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
			c = (uint32_t)(s[i] & 0x0F) << 12 |
			    (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
			if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
				if (fold_bits[c >> 3] & (1u << (c & 7)))
					return 1;
				i += 3;
				continue;
			}
		}
		/* A bad byte is a separator to the tokenizer. */
		n = utf8_decode(text + i, (size_t)(len - i), &c);
		if (n && (c >= FOLD_LIMIT ||
			  fold_bits[c >> 3] & (1u << (c & 7))))
			return 1;
		i += n ? n : 1;
	}
	return 0;
}

/* ---- emit: the held-back token ---- */

static int stemmable(const char *w, int n)
{
	int i;

	if (n < 3 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return 0;
	return 1;
}

/*
 * Words repeat (a few hundred make most of any text) and the stemmer
 * scans suffix tables for each: each thread remembers the stems of recent
 * words, one per slot of a hash of the word.
 */
#define STEM_SLOTS 2048
#define STEM_WORD_MAX 24

struct stem_slot {
	uint8_t n, nstem; /* 0: empty */
	char word[STEM_WORD_MAX], stem[STEM_WORD_MAX];
};

static __thread struct stem_slot stem_cache[STEM_SLOTS];

/* porter_stem() of w[0..n) in place, through the cache. */
static int stem_cached(char *w, int n)
{
	struct stem_slot *e;

	if (n >= STEM_WORD_MAX)
		return porter_stem(w, n);
	e = &stem_cache[hash_bytes(w, (size_t)n) & (STEM_SLOTS - 1)];
	if (e->n == n && !memcmp(e->word, w, (size_t)n)) {
		memcpy(w, e->stem, e->nstem);
		return e->nstem;
	}
	e->n = (uint8_t)n;
	memcpy(e->word, w, (size_t)n);
	e->nstem = (uint8_t)porter_stem(w, n);
	memcpy(e->stem, w, e->nstem);
	return e->nstem;
}

/* Passes the held-back token on; final: it is the last of the text. */
static void flush_pending(struct tk *t, int final)
{
	enum tk_kind kind = t->pend_kind;
	int n = t->npend;

	t->pend_kind = TK_NONE;
	if (kind == TK_NONE || t->rc)
		return;
	/*
	 * In a query the text may continue where the query string stops, so
	 * the run-end character of a longer run would demand a run end that
	 * documents only have when the run really ends there: drop it.
	 */
	if (kind == TK_RUN_END_MULTI && final && t->query)
		return;
	if (kind == TK_WORD && t->stem && !(final && t->prefix) &&
	    stemmable(t->pend, n))
		n = stem_cached(t->pend, n);
	t->rc = t->fn(t->ctx, t->pend, n, t->pend_start, t->pend_end,
		      t->pend_flags);
}

static void emit(struct tk *t, enum tk_kind kind, const char *s, int n,
		 int start, int end, int flags)
{
	flush_pending(t, 0);
	if (t->rc)
		return;
	memcpy(t->pend, s, (size_t)n);
	t->npend = n;
	t->pend_start = start;
	t->pend_end = end;
	t->pend_flags = flags;
	t->pend_kind = kind;
}

/* ---- segment: words and CJK runs ---- */

static void word_end(struct tk *t)
{
	if (!t->nword)
		return;
	emit(t, TK_WORD, t->word, t->nword, t->word_start, t->word_end, 0);
	t->nword = 0;
}

static void run_end(struct tk *t)
{
	if (!t->runlen)
		return;
	emit(t, t->runlen > 1 ? TK_RUN_END_MULTI : TK_CJK, t->prev, t->nprev,
	     t->prev_start, t->prev_end, PM_TOKEN_CJK | PM_TOKEN_RUN_END);
	t->runlen = 0;
}

/* One normalised character, from original bytes [start, end). */
static void token_cp(struct tk *t, uint32_t cp, int start, int end)
{
	char u[4] = { 0 };
	int n;

	switch (classify(cp)) {
	case CL_CJK:
		word_end(t);
		n = utf8_encode(cp, u);
		/* Whole 4-byte copies: a call to memcpy per character costs
		 * more than the bytes past n. */
		if (t->runlen) {
			char bi[8];

			memcpy(bi, t->prev, 4);
			memcpy(bi + t->nprev, u, 4);
			emit(t, TK_CJK, bi, t->nprev + n, t->prev_start, end,
			     PM_TOKEN_CJK);
		}
		t->runlen++;
		memcpy(t->prev, u, 4);
		t->nprev = n;
		t->prev_start = start;
		t->prev_end = end;
		break;
	case CL_MARK:
		/* A mark left over after composition belongs to its base. */
		if (t->nword) {
			n = utf8_encode(cp, u);
			if (t->nword + n <= WORD_MAX) {
				memcpy(t->word + t->nword, u, (size_t)n);
				t->nword += n;
			}
			t->word_end = end;
		} else if (t->runlen) {
			t->prev_end = end;
		}
		break;
	case CL_WORD:
		run_end(t);
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		n = utf8_encode(cp, u);
		if (!t->nword)
			t->word_start = start;
		/* Cut overlong words on a character boundary. */
		if (t->nword + n <= WORD_MAX) {
			memcpy(t->word + t->nword, u, (size_t)n);
			t->nword += n;
		}
		t->word_end = end;
		break;
	case CL_SEP:
		word_end(t);
		run_end(t);
		break;
	}
}

/* ---- normalise: NFKC + case folding per segment ---- */

/* Composes the segment and hands its characters on. */
static void seg_flush(struct tk *t)
{
	int i, j, n = t->nseg;

	if (!n)
		return;
	/* Canonical ordering: marks sorted by combining class, stably. */
	for (i = t->seg_has_starter ? 2 : 1; i < n; i++) {
		int32_t c = t->seg[i];
		uint8_t k = t->ccc[i];

		for (j = i; j > (t->seg_has_starter ? 1 : 0) &&
			    t->ccc[j - 1] > k;
		     j--) {
			t->seg[j] = t->seg[j - 1];
			t->ccc[j] = t->ccc[j - 1];
		}
		t->seg[j] = c;
		t->ccc[j] = k;
	}
	if (n > 1) {
		utf8proc_ssize_t r = utf8proc_normalize_utf32(
			t->seg, n, UTF8PROC_COMPOSE);

		if (r > 0 && r <= n)
			n = (int)r;
	}
	t->nseg = 0;
	for (i = 0; i < n && !t->rc; i++)
		token_cp(t, (uint32_t)t->seg[i], t->seg_start, t->seg_end);
}

static void seg_start(struct tk *t, int32_t c, uint8_t ccc, int start,
		      int end)
{
	seg_flush(t);
	t->seg[0] = c;
	t->ccc[0] = ccc;
	t->nseg = 1;
	t->seg_has_starter = ccc == 0;
	t->seg_start = start;
	t->seg_end = end;
}

/*
 * Whether starter c combines with the segment's lone starter (Hangul LV +
 * T, some Indic vowel signs): then it joins the segment.
 */
static int combines_back(struct tk *t, int32_t c)
{
	int32_t pair[2];

	if (t->nseg != 1 || !t->seg_has_starter || c < 0x300)
		return 0;
	pair[0] = t->seg[0];
	pair[1] = c;
	if (utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE) != 1)
		return 0;
	t->seg[0] = pair[0];
	return 1;
}

/* One original code point at bytes [start, end). */
static void norm_cp(struct tk *t, uint32_t cp, int start, int end)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t n, i;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (cp < 0x20 || cp == 0x7F) {
			seg_flush(t);
			token_cp(t, ' ', start, end);
			return;
		}
		seg_start(t, (int32_t)cp, 0, start, end);
		return;
	}
	if (is_fast(cp)) {
		seg_start(t, (int32_t)cp, 0, start, end);
		return;
	}
	if (cp <= 0x9F) {
		seg_flush(t);
		token_cp(t, ' ', start, end);
		return;
	}
	n = decompose(cp, d);
	if (n < 0 || n > DECOMP_MAX) {
		seg_flush(t);
		token_cp(t, ' ', start, end);
		return;
	}
	for (i = 0; i < n; i++) {
		const utf8proc_property_t *p = utf8proc_get_property(d[i]);
		uint8_t ccc = (uint8_t)p->combining_class;

		if (ccc == 0) {
			if (combines_back(t, d[i]))
				t->seg_end = end;
			else
				seg_start(t, d[i], 0, start, end);
		} else if (!t->nseg || t->nseg == SEG_MAX) {
			seg_start(t, d[i], ccc, start, end);
		} else {
			t->seg[t->nseg] = d[i];
			t->ccc[t->nseg] = ccc;
			t->nseg++;
			t->seg_end = end;
		}
	}
}

static int is_alnum_ascii(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c >= 'A' && c <= 'Z');
}

static char lower_ascii(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/*
 * Whether character c ends what precedes a word after it: its last
 * normalised character is a separator or CJK, and no mark.
 */
static int separates(uint32_t c)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t k;

	if (c < 0x80)
		return !is_alnum_ascii((unsigned char)c);
	if (is_fast(c))
		return 1;
	k = decompose(c, d);
	if (k < 1 || k > DECOMP_MAX)
		return 0;
	c = (uint32_t)d[k - 1];
	if (utf8proc_get_property((utf8proc_int32_t)c)->combining_class)
		return 0;
	return classify(c) == CL_SEP || classify(c) == CL_CJK;
}

int tokenizer_token_at(const char *text, int len, int at)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t cp;
	int n = 1;

	if (at < 0 || at >= len)
		return -1;
	if (s[at] >= 0x80) {
		/* A starter that never combines with what precedes it. */
		n = utf8_decode(text + at, (size_t)(len - at), &cp);
		return n > 1 && is_fast(cp) ? 1 : -1;
	}
	if (!is_alnum_ascii(s[at]))
		return -1;
	if (at > 0 && s[at - 1] < 0x80 && is_alnum_ascii(s[at - 1]))
		/* Inside a word; a mark after it (a dakuten) may start one. */
		return at + 1 == len || s[at + 1] < 0x80 ? 0 : -1;
	if (at == 0 || s[at - 1] < 0x80)
		return 1;
	/* Back to the start of the character before. */
	while (n < 4 && at - n > 0 && (s[at - n] & 0xC0) == 0x80)
		n++;
	if (utf8_decode(text + at - n, (size_t)n, &cp) != n)
		return -1;
	return separates(cp) ? 1 : -1;
}

/* Whether s[i] is the last byte or followed by an ASCII one. */
static int ascii_next(const unsigned char *s, int i, int len)
{
	return i + 1 == len || s[i + 1] < 0x80;
}

static int run(const char *text, int len, int query, int prefix, int stem,
	       pm_token_fn fn, void *ctx)
{
	const unsigned char *s = (const unsigned char *)text;
	struct tk t;
	int i = 0;

	t.query = query;
	t.prefix = prefix;
	t.stem = stem;
	t.fn = fn;
	t.ctx = ctx;
	t.rc = 0;
	t.nseg = 0;
	t.seg_has_starter = 0;
	t.seg_start = t.seg_end = 0;
	t.nword = t.word_start = t.word_end = 0;
	t.nprev = t.prev_start = t.prev_end = t.runlen = 0;
	t.npend = t.pend_start = t.pend_end = t.pend_flags = 0;
	t.pend_kind = TK_NONE;
	if (!text)
		len = 0;
	while (i < len && !t.rc) {
		uint32_t cp;
		int n;

		/*
		 * ASCII followed by ASCII is a segment of its own: marks are
		 * never ASCII. A run of such letters and digits goes straight
		 * into the word, lowercased, as token_cp() would add them.
		 */
		if (is_alnum_ascii(s[i]) && ascii_next(s, i, len)) {
			seg_flush(&t);
			run_end(&t);
			if (!t.nword)
				t.word_start = i;
			do {
				if (t.nword < WORD_MAX)
					t.word[t.nword++] = lower_ascii(s[i]);
				i++;
			} while (i < len && is_alnum_ascii(s[i]) &&
				 ascii_next(s, i, len));
			t.word_end = i;
			continue;
		}
		/* Any other ASCII (space, punctuation, controls) separates. */
		if (s[i] < 0x80 && ascii_next(s, i, len)) {
			seg_flush(&t);
			word_end(&t);
			run_end(&t);
			i++;
			continue;
		}
		if (s[i] < 0x80) {
			cp = s[i];
			n = 1;
		} else {
			n = utf8_decode((const char *)s + i,
					(size_t)(len - i), &cp);
		}
		if (!n) {
			/* An invalid byte separates, like a space. */
			seg_flush(&t);
			token_cp(&t, ' ', i, i + 1);
			i++;
			continue;
		}
		norm_cp(&t, cp, i, i + n);
		i += n;
	}
	if (!t.rc)
		seg_flush(&t);
	if (!t.rc)
		word_end(&t);
	if (!t.rc)
		run_end(&t);
	flush_pending(&t, 1);
	return t.rc;
}

int tokenizer_run(const char *text, int len, int stem, pm_token_fn fn,
		  void *ctx)
{
	return run(text, len, 0, 0, stem, fn, ctx);
}

int tokenizer_run_query(const char *text, int len, int prefix, int stem,
			pm_token_fn fn, void *ctx)
{
	return run(text, len, 1, prefix, stem, fn, ctx);
}

/* ---- FTS5 glue ---- */

struct fts5_ctx {
	void *ctx;
	int (*xToken)(void *, int, const char *, int, int, int);
};

static int fts5_token(void *ctx, const char *tok, int ntok, int start,
		      int end, int flags)
{
	struct fts5_ctx *c = ctx;

	(void)flags;
	return c->xToken(c->ctx, 0, tok, ntok, start, end);
}

static int tk_create(void *ctx, const char **argv, int argc,
		     Fts5Tokenizer **out)
{
	(void)argv;
	/* No options: the output must depend on the name alone. */
	if (argc > 0)
		return SQLITE_ERROR;
	*out = (Fts5Tokenizer *)ctx;
	return SQLITE_OK;
}

static void tk_delete(Fts5Tokenizer *p)
{
	(void)p;
}

static int tk_tokenize(Fts5Tokenizer *p, void *ctx, int flags,
		       const char *text, int len,
		       int (*xToken)(void *, int, const char *, int, int, int))
{
	struct fts5_ctx c;

	(void)p;
	c.ctx = ctx;
	c.xToken = xToken;
	return run(text, len, (flags & FTS5_TOKENIZE_QUERY) != 0,
		   (flags & FTS5_TOKENIZE_PREFIX) != 0, 1, fts5_token, &c);
}

/* The tokenizer has no per-instance state; this address is its handle. */
static char tk_instance;

int tokenizer_register_as(sqlite3 *db, const char *name)
{
	static fts5_tokenizer tok = { tk_create, tk_delete, tk_tokenize };
	fts5_api *api = fts5api_of(db);

	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, name, &tk_instance, &tok, NULL);
}

int tokenizer_register(sqlite3 *db)
{
	return tokenizer_register_as(db, PM_TOKENIZER_NAME);
}

static int auto_init(sqlite3 *db, char **errmsg,
		     const struct sqlite3_api_routines *api)
{
	(void)errmsg;
	(void)api;
	return tokenizer_register(db);
}

void tokenizer_register_auto(void)
{
	sqlite3_auto_extension((void (*)(void))auto_init);
}
