/*
 * Snippets: see include/pmkb/search/snippet.h. The text is tokenized
 * again, the query's token sequences found in it, overlapping matches
 * merged by byte offset, and the best ~160-character window cut on
 * character (and preferably sentence) boundaries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/search/snipkeys.h"
#include "pmkb/search/snippet.h"

/* Snippet width, and how far back to look for a sentence start (chars). */
#define SNIPPET_CHARS 160
#define SNIPPET_LOOKBACK 60
/* Matches a window may start at: the first this many (best_window()). */
#define SNIPPET_STARTS 64
/* Text scanned for snippets: matches beyond this are not looked for. */
#define SNIPPET_SCAN (256 * 1024)
/*
 * Texts are not tokenized whole for snippets: the bytes that a match must
 * start with are looked for first (search/snipkeys.h), and only the tokens
 * that start there are read, or, where a token may not start cleanly,
 * windows of WINDOW_BEFORE + WINDOW_AFTER bytes around the place (see
 * find_windowed()). At most SNIPKEYS_PLACES places; more, and the whole
 * text is tokenized after all.
 */
#define WINDOW_BEFORE 64
#define WINDOW_AFTER 192
/* One way a query term can appear in text: a sequence of tokens. */
struct alt {
	struct buf toks; /* token texts, back to back */
	int *len;	 /* length of each token */
	int n;
	size_t alloc;
	int prefix_last; /* the last token only has to start the text's */
	int term;	 /* index of the term (bit in match masks) */
	/* Bytes the original text has where this alternative matches: the
	 * start of the first token (ASCII letters in any case). */
	int key_len;
};

/* Tokens of a text being searched for snippets. */
struct doc_toks {
	struct buf arena;
	int *off, *len, *start, *end;
	size_t n, alloc;
	size_t stop; /* tokens after which to stop reading; 0: read on */
};

struct match {
	int start, end;
	uint32_t terms; /* bit per term */
};

struct snippets {
	struct alt *alts;
	size_t nalts;
	struct snipkeys *keys; /* the alternatives' (struct alt) */
	int whole; /* snippets_read_whole() */
	struct doc_toks doc;
	struct match *m;
	size_t nm, allocm;
	struct match *merged; /* settled()'s */
	size_t alloc_merged;
	struct buf plain, html, hl; /* snippets_write()'s, kept for the next */
	char *term[32];
	uint32_t concept[32]; /* per term: its bit, or its synonym's */
	size_t nterms;
};

static int alt_cb(void *ctx, const char *tok, int ntok, int start, int end,
		  int flags)
{
	struct alt *a = ctx;

	(void)start;
	(void)end;
	(void)flags;
	XGROW(a->len, a->alloc, (size_t)a->n + 1);
	a->len[a->n++] = ntok;
	buf_add(&a->toks, tok, (size_t)ntok);
	return 0;
}

/*
 * How many leading bytes of a's first token the original text surely has
 * (up to ASCII case) where a matches. A CJK token or a word with other
 * characters than a-z is not stemmed: all of it. The porter stemmer
 * rewrites at most the last character of a stem that its words do not
 * have (happy → happi, conflating → conflate; -bility → -ble loses its
 * "e" again in step 5: sensibility → sensibl): all but that one, and at
 * least two (test_snippet's stems check it). A shorter key stopped
 * memchr() at every common letter: "ti" of "time" at each "-tion".
 * A prefix token is the query's own word, unstemmed: all of it. NFKC
 * variants (ＤＢ for db) are not found this way; find_windowed() falls
 * back when a term is not found.
 */
static int alt_key_len(const struct alt *a)
{
	const char *t = a->toks.ptr;
	int n = a->len[0], i;

	if (a->prefix_last && a->n == 1)
		return n;
	for (i = 0; i < n; i++)
		if (t[i] < 'a' || t[i] > 'z')
			return n;
	if (n < 3 || n > 64)
		return n; /* too short or long for the stemmer to touch */
	return n - 1 < 2 ? 2 : n - 1;
}

static void alt_add(struct snippets *sc, size_t *alloc, const char *s,
		    size_t n, int prefix, int term)
{
	struct alt *a;

	XGROW(sc->alts, *alloc, sc->nalts + 1);
	a = &sc->alts[sc->nalts];
	memset(a, 0, sizeof(*a));
	buf_init(&a->toks, 0);
	a->prefix_last = prefix;
	a->term = term;
	tokenizer_run_query(s, (int)n, prefix, 1, alt_cb, a);
	if (a->n) {
		a->key_len = alt_key_len(a);
		sc->nalts++;
	} else {
		buf_release(&a->toks);
		free(a->len);
	}
}

/*
 * The token sequences that make a term match, mirroring query.c: the
 * stemmed sequence, and the sequence with an unstemmed prefix last token
 * (which covers deploy → deployment and 鍵 → 鍵が). A highlight a little
 * wider than the match is harmless; a missing one is not.
 */
struct snippets *snippets_new(const struct pm_list *terms)
{
	struct snippets *sc = xcalloc(1, sizeof(*sc));
	size_t alloc = 0, i;

	buf_init(&sc->doc.arena, 0);
	buf_init(&sc->plain, 0);
	buf_init(&sc->html, 0);
	buf_init(&sc->hl, 0);
	for (i = 0; i < terms->n && i < 32; i++) {
		const char *t = terms->v[i];
		size_t n = strlen(t);

		sc->term[i] = xstrdup(t);
		sc->concept[i] = (uint32_t)1 << i;
		sc->nterms = i + 1;
		while (n && t[n - 1] == '*')
			n--;
		alt_add(sc, &alloc, t, n, 0, (int)i);
		alt_add(sc, &alloc, t, n, 1, (int)i);
	}
	sc->keys = snipkeys_new();
	for (i = 0; i < sc->nalts; i++)
		snipkeys_add(sc->keys, sc->alts[i].toks.ptr,
			     sc->alts[i].key_len, sc->alts[i].term,
			     sc->alts[i].n);
	return sc;
}

void snippets_synonym(struct snippets *sc, const char *term, const char *of)
{
	size_t i, j;

	for (i = 0; i < sc->nterms && strcmp(sc->term[i], term); i++)
		;
	for (j = 0; j < sc->nterms && strcmp(sc->term[j], of); j++)
		;
	if (i < sc->nterms && j < sc->nterms)
		sc->concept[i] = sc->concept[j];
}

void snippets_read_whole(struct snippets *sc)
{
	sc->whole = 1;
}

void snippets_free(struct snippets *sc)
{
	size_t i;

	if (!sc)
		return;
	for (i = 0; i < sc->nalts; i++) {
		buf_release(&sc->alts[i].toks);
		free(sc->alts[i].len);
	}
	free(sc->alts);
	snipkeys_free(sc->keys);
	buf_release(&sc->doc.arena);
	buf_release(&sc->plain);
	buf_release(&sc->html);
	buf_release(&sc->hl);
	free(sc->doc.off);
	free(sc->doc.len);
	free(sc->doc.start);
	free(sc->doc.end);
	free(sc->m);
	free(sc->merged);
	for (i = 0; i < sc->nterms; i++)
		free(sc->term[i]);
	free(sc);
}

static int doc_cb(void *ctx, const char *tok, int ntok, int start, int end,
		  int flags)
{
	struct doc_toks *d = ctx;
	size_t old = d->alloc;

	(void)flags;
	if (d->n + 1 > d->alloc) {
		XGROW(d->off, d->alloc, d->n + 1);
		d->alloc = old;
		XGROW(d->len, d->alloc, d->n + 1);
		d->alloc = old;
		XGROW(d->start, d->alloc, d->n + 1);
		d->alloc = old;
		XGROW(d->end, d->alloc, d->n + 1);
	}
	d->off[d->n] = (int)d->arena.len;
	d->len[d->n] = ntok;
	d->start[d->n] = start;
	d->end[d->n] = end;
	d->n++;
	buf_add(&d->arena, tok, (size_t)ntok);
	return d->n == d->stop;
}

/* Whether alternative a occurs at document token i. */
static int alt_at(const struct snippets *sc, const struct alt *a, size_t i)
{
	const struct doc_toks *d = &sc->doc;
	size_t off = 0;
	int j;

	if (i + (size_t)a->n > d->n)
		return 0;
	for (j = 0; j < a->n; j++) {
		const char *dt = d->arena.ptr + d->off[i + j];
		int dl = d->len[i + j], al = a->len[j];

		if (j == a->n - 1 && a->prefix_last ? dl < al : dl != al)
			return 0;
		if (memcmp(dt, a->toks.ptr + off, (size_t)al))
			return 0;
		off += (size_t)al;
	}
	return 1;
}

static int by_start(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/*
 * Finds the query's matches in text[0..len) and merges overlapping ones
 * (overlapping bigrams of ーーーー would otherwise duplicate text).
 */
static int is_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

/*
 * Adds the alternatives that occur at document token i, read from text +
 * from, to sc->m as offsets into text; not those that end past cut.
 */
static void match_token(struct snippets *sc, size_t i, int from, int cut)
{
	/* An alternative's first byte rules most of them out. */
	char first = sc->doc.len[i] ? sc->doc.arena.ptr[sc->doc.off[i]] : 0;
	size_t k;

	for (k = 0; k < sc->nalts; k++) {
		const struct alt *a = &sc->alts[k];
		int end;

		if (a->len[0] && a->toks.ptr[0] != first)
			continue;
		if (!alt_at(sc, a, i))
			continue;
		end = from + sc->doc.end[i + (size_t)a->n - 1];
		if (end > cut)
			continue;
		XGROW(sc->m, sc->allocm, sc->nm + 1);
		sc->m[sc->nm].start = from + sc->doc.start[i];
		sc->m[sc->nm].end = end;
		sc->m[sc->nm].terms = (uint32_t)1 << a->term;
		sc->nm++;
	}
}

/*
 * Tokenizes text[from..to) into sc->doc and adds the alternatives found
 * there to sc->m. Unless to is a token boundary (whole), matches that end
 * within 16 bytes of a cut end (to < len) are left out: the cut may have
 * made a token that the whole text does not have.
 */
static void scan_span(struct snippets *sc, const char *text, int from, int to,
		      int len, int whole)
{
	size_t i;

	sc->doc.n = 0;
	sc->doc.stop = 0;
	buf_reset(&sc->doc.arena);
	tokenizer_run(text + from, to - from, 1, doc_cb, &sc->doc);
	for (i = 0; i < sc->doc.n; i++)
		match_token(sc, i, from, !whole && to < len ? to - 16 : len);
}

/*
 * Adds the alternatives that start at p, where a token starts cleanly
 * (tokenizer_token_at()): only as many tokens are read as the longest
 * alternative with a key there has.
 */
static void scan_at(struct snippets *sc, const char *text,
		    struct snipkey_place p,
		    int len)
{
	int at = p.at;

	sc->doc.n = 0;
	sc->doc.stop = (size_t)p.toks;
	buf_reset(&sc->doc.arena);
	tokenizer_run(text + at, len - at, 1, doc_cb, &sc->doc);
	if (sc->doc.n)
		match_token(sc, 0, at, len);
}

/* Whether the byte can end a window's lead-in: a space or punctuation. */
static int is_break(char c)
{
	return (unsigned char)c < 0x80 && !(c >= '0' && c <= '9') &&
	       !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
}

static int step_chars(const char *t, int len, int i, int n)
{
	if (n > 0)
		return (int)utf8_skip(t, (size_t)len, (size_t)i, (size_t)n);
	while (n < 0 && i > 0) {
		i--;
		while (i > 0 && is_cont(t[i]))
			i--;
		n++;
	}
	return i;
}

/*
 * Whether a sentence ends just before offset i: after 。！？ (and their
 * full-width forms), or after . ! ? followed by white space, or at a line
 * break.
 */
static int sentence_start(const char *t, int i)
{
	const unsigned char *u = (const unsigned char *)t;

	if (i == 0)
		return 1;
	if (u[i - 1] == '\n')
		return 1;
	if (i >= 3 && u[i - 3] == 0xE3 && u[i - 2] == 0x80 &&
	    u[i - 1] == 0x82) /* 。 */
		return 1;
	if (i >= 3 && u[i - 3] == 0xEF && u[i - 2] == 0xBC &&
	    (u[i - 1] == 0x81 || u[i - 1] == 0x9F || u[i - 1] == 0x8E))
		return 1; /* ！ ？ ． */
	if (i >= 2 && (u[i - 1] == ' ' || u[i - 1] == '\t') &&
	    (u[i - 2] == '.' || u[i - 2] == '!' || u[i - 2] == '?'))
		return 1;
	return 0;
}

/* Where a window showing offset s should start. */
static int window_start(const char *t, int len, int s)
{
	int i = s, n;

	/* A sentence start shortly before the match reads best. */
	for (n = 0; n < SNIPPET_LOOKBACK && i > 0; n++) {
		if (sentence_start(t, i))
			return i;
		i = step_chars(t, len, i, -1);
	}
	if (i == 0)
		return 0;
	/* Otherwise some context, beginning after a space if one is near. */
	i = step_chars(t, len, s, -SNIPPET_LOOKBACK / 2);
	for (n = 0; n < 12 && i < s; n++) {
		if (t[i] == ' ' || t[i] == '\n' || t[i] == '\t')
			return i + 1;
		i = step_chars(t, len, i, 1);
	}
	return step_chars(t, len, s, -SNIPPET_LOOKBACK / 2);
}

/* The concepts (a term with its synonyms: snippets_synonym()) of terms. */
static uint32_t concepts(const struct snippets *sc, uint32_t terms)
{
	uint32_t c = 0;

	for (; terms; terms &= terms - 1)
		c |= sc->concept[__builtin_ctz(terms)];
	return c;
}

/*
 * The window of match k of m[0..n) (sorted, merged) into [*s, *e), and
 * the terms of the matches it shows whole.
 */
static uint32_t window_at(const struct match *m, size_t n, const char *t,
			  int len, size_t k, int *s, int *e)
{
	uint32_t terms = 0;
	size_t j;

	*s = window_start(t, len, m[k].start);
	*e = step_chars(t, len, *s, SNIPPET_CHARS);
	/* A window must show its own match whole. */
	if (*e < m[k].end)
		*e = step_chars(t, len, m[k].end, 0);
	for (j = 0; j < n && m[j].start < *e; j++)
		if (m[j].start >= *s && m[j].end <= *e)
			terms |= m[j].terms;
	return terms;
}

/*
 * Picks [*ws, *we): of the windows at the first SNIPPET_STARTS matches,
 * the earliest that shows the most of the query's terms (a term and its
 * synonyms count once).
 */
static void best_window(const struct snippets *sc, const char *t, int len,
			int *ws, int *we)
{
	int best = -1;
	size_t k;

	*ws = 0;
	*we = step_chars(t, len, 0, SNIPPET_CHARS);
	for (k = 0; k < sc->nm && k < SNIPPET_STARTS; k++) {
		int s, e, score = __builtin_popcount(concepts(
				 sc, window_at(sc->m, sc->nm, t, len, k, &s,
					       &e)));

		if (score > best) {
			best = score;
			*ws = s;
			*we = e;
		}
	}
}

/*
 * Whether best_window()'s answer is settled by the matches found so far,
 * all of those that start before offset next (found in order of their
 * starts): a window that every later match would fall past shows every
 * term of bound (no later one can show more, and the earliest is taken),
 * or the windows of all SNIPPET_STARTS first matches are whole. Windows
 * from *done on are looked at; *check is where the next one ends.
 */
static int settled(struct snippets *sc, const char *text, int len, int next,
		   uint32_t bound, size_t *done, int *check)
{
	size_t n = 0, i, k;

	/* Merged as find_matches() merges them: they come sorted. */
	XGROW(sc->merged, sc->alloc_merged, sc->nm + 1);
	for (i = 0; i < sc->nm; i++) {
		if (n && sc->m[i].start <= sc->merged[n - 1].end) {
			if (sc->m[i].end > sc->merged[n - 1].end)
				sc->merged[n - 1].end = sc->m[i].end;
			sc->merged[n - 1].terms |= sc->m[i].terms;
		} else {
			sc->merged[n++] = sc->m[i];
		}
	}
	for (k = *done; k < n && k < SNIPPET_STARTS; k++) {
		int s, e;
		uint32_t terms = window_at(sc->merged, n, text, len, k, &s,
					   &e);

		if (e >= next) {
			*check = e;
			return 0;
		}
		if (concepts(sc, terms) == bound)
			return 1;
		*done = k + 1;
	}
	*check = next;
	return *done >= SNIPPET_STARTS;
}

/*
 * Finds the matches by tokenizing only where some alternative's key
 * occurs: a 6 KB body costs ~1.4M instructions to tokenize whole (NFKC,
 * bigrams, stemming: ~230 per byte), 20 of them were most of a search's
 * time, and finding the keys costs a fraction of an instruction per byte.
 * Where a token starts cleanly, the few tokens from there are read; else
 * a window around the place. Windows alone, where keys are dense (a
 * common word and its Japanese synonyms), covered most of the text. The
 * places are read in order until best_window()'s answer is settled.
 * Returns 0, having found nothing, when no key of a term or of its
 * synonyms occurs and the text may hold an NFKC variant of one (the
 * caller tokenizes the whole text), or when keys occur too often for
 * windows to pay.
 */
static int find_windowed(struct snippets *sc, const char *text, int len)
{
	struct snipkey_place cand[SNIPKEYS_PLACES];
	uint32_t want = snipkeys_terms(sc->keys), seen = 0, bound;
	int nc = 0, i, w, early = 1, check = 0, ok;
	size_t done = 0;

	ok = snipkeys_find(sc->keys, text, len, cand, &nc, &seen);
	/*
	 * A term none of whose keys (nor its synonyms') is here is not
	 * there, unless a character may be read as another (ＤＢ for db).
	 * Where some key of a term is, its folded forms go unread, as any
	 * outside the places read (see the tests' fullwidth cases).
	 */
	bound = concepts(sc, seen);
	if (ok && bound != concepts(sc, want) && tokenizer_may_fold(text, len))
		ok = 0;
	for (i = 0; ok && i < nc; i = w) {
		int from = cand[i].at - WINDOW_BEFORE, to, n;

		w = i + 1;
		if (early && cand[i].at >= check &&
		    settled(sc, text, len, cand[i].at, bound, &done, &check))
			break;
		n = tokenizer_token_at(text, len, cand[i].at);
		if (n > 0)
			scan_at(sc, text, cand[i], len);
		if (n >= 0) /* read there, or no token starts there */
			continue;
		/* A window's matches may start before its place. */
		early = 0;
		/* Start on a character, after a break if one is near. */
		if (from <= 0) {
			from = 0;
		} else {
			while (from > 0 && is_cont(text[from]))
				from--;
			for (n = 0; n < WINDOW_BEFORE && from > 0 &&
				    !is_break(text[from - 1]);
			     n++)
				from--;
			while (from > 0 && is_cont(text[from]))
				from--;
		}
		/* Candidates whose windows overlap share one. */
		for (; w < nc && cand[w].at - cand[w - 1].at <
					 WINDOW_BEFORE + WINDOW_AFTER;
		     w++)
			;
		to = cand[w - 1].at + WINDOW_AFTER;
		if (to >= len)
			to = len;
		while (to < len && is_cont(text[to]))
			to++;
		scan_span(sc, text, from, to, len, 0);
	}
	return ok;
}

static void find_matches(struct snippets *sc, const char *text, int len)
{
	size_t i, out;

	sc->nm = 0;
	if (!sc->nalts)
		return;
	if (sc->whole || !find_windowed(sc, text, len)) {
		sc->nm = 0;
		scan_span(sc, text, 0, len, len, 1);
	}
	if (!sc->nm)
		return;
	qsort(sc->m, sc->nm, sizeof(sc->m[0]), by_start);
	for (i = 1, out = 0; i < sc->nm; i++) {
		if (sc->m[i].start <= sc->m[out].end) {
			if (sc->m[i].end > sc->m[out].end)
				sc->m[out].end = sc->m[i].end;
			sc->m[out].terms |= sc->m[i].terms;
		} else {
			sc->m[++out] = sc->m[i];
		}
	}
	sc->nm = out + 1;
}

/* The offset n characters after (n > 0) or before (n < 0) offset i. */
static int is_space_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       ((unsigned char)c < 0x20);
}

/*
 * Writes the snippet for t[ws..we) into plain, html and hl: white space
 * runs become one space, "…" marks cut ends, and matches become <mark> in
 * html and byte ranges of plain in hl, JSON pairs after the "[" it holds.
 * A match cut by the window is marked as far as it is shown.
 */
static void render(const struct snippets *sc, const char *t, int len, int ws,
		   int we, struct buf *plain, struct buf *html, struct buf *hl)
{
	size_t k = 0;
	int i = ws, mark_start = -1, space = 0;
	size_t html_from = 0; /* plain bytes already copied into html */

	while (i < we && is_space_byte(t[i]))
		i++;
	if (ws > 0 && !sentence_start(t, ws)) {
		buf_addstr(plain, "…");
		buf_addstr(html, "…");
		html_from = plain->len;
	}
	for (;;) {
		int stop, r;

		if (mark_start >= 0 && (i >= sc->m[k].end || i >= we)) {
			buf_add_html(html, plain->ptr + html_from,
				     plain->len - html_from);
			buf_addstr(html, "</mark>");
			html_from = plain->len;
			buf_addstr(hl, hl->len > 1 ? ",[" : "[");
			buf_add_int(hl, mark_start);
			buf_addch(hl, ',');
			buf_add_int(hl, (int64_t)plain->len);
			buf_addch(hl, ']');
			mark_start = -1;
			k++;
		}
		if (i >= we)
			break;
		while (mark_start < 0 && k < sc->nm && sc->m[k].end <= i)
			k++;
		if (is_space_byte(t[i])) {
			space = 1;
			i++;
			continue;
		}
		if (space) {
			buf_addch(plain, ' ');
			space = 0;
		}
		if (mark_start < 0 && k < sc->nm && sc->m[k].start <= i) {
			buf_add_html(html, plain->ptr + html_from,
				     plain->len - html_from);
			buf_addstr(html, "<mark>");
			html_from = plain->len;
			mark_start = (int)plain->len;
		}
		/* Up to the next space, mark edge or the window's end. */
		stop = we;
		if (mark_start >= 0 && sc->m[k].end < stop)
			stop = sc->m[k].end;
		else if (mark_start < 0 && k < sc->nm && sc->m[k].start < stop)
			stop = sc->m[k].start;
		for (r = i + 1; r < stop && !is_space_byte(t[r]); r++)
			;
		buf_add(plain, t + i, (size_t)(r - i));
		i = r;
	}
	buf_add_html(html, plain->ptr + html_from, plain->len - html_from);
	if (we < len) {
		buf_addstr(plain, "…");
		buf_addstr(html, "…");
	}
}

void snippets_write(struct snippets *sc, struct buf *out, const char *body,
		    const char *summary)
{
	struct buf *plain = &sc->plain, *html = &sc->html, *hl = &sc->hl;
	const char *t = body;
	int len = (int)utf8_truncate(body, strlen(body), SNIPPET_SCAN);
	int ws = 0, we;

	find_matches(sc, body, len);
	if (!sc->nm && *summary) {
		/*
		 * Matched in the title, summary or keywords: show the
		 * summary, marked where it matches.
		 */
		t = summary;
		len = (int)utf8_truncate(summary, strlen(summary),
					   SNIPPET_SCAN);
		find_matches(sc, t, len);
	}
	if (sc->nm)
		best_window(sc, t, len, &ws, &we);
	else
		we = step_chars(t, len, 0, SNIPPET_CHARS);
	buf_reset(plain);
	buf_reset(html);
	buf_reset(hl);
	buf_addch(hl, '[');
	render(sc, t, len, ws, we, plain, html, hl);
	buf_addch(hl, ']');
	buf_addstr(out, "\"snippet\":");
	jsonout_string_repaired(out, plain->ptr ? plain->ptr : "", plain->len);
	buf_addstr(out, ",\"snippet_html\":");
	jsonout_string_repaired(out, html->ptr ? html->ptr : "", html->len);
	buf_addstr(out, ",\"highlights\":");
	buf_add(out, hl->ptr, hl->len);
}

