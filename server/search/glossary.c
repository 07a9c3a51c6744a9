/*
 * The SRE glossary: see include/pmkb/search/glossary.h.
 *
 * Map:
 *   key        a term's key is what the index reads: its stemmed tokens
 *              as a query has them (tokenizer_run_query), joined by
 *              spaces. A document's tokens spell the same key where the
 *              term occurs, run-end characters aside: the scan skips those,
 *              so a term ending in a one-character CJK run (鍵, DB鍵) is
 *              found by a query only.
 *   table      the terms of a set of groups, sorted by key, with a hash
 *              of the keys for lookups, plus three filters for the scan: which token
 *              counts occur, a bit per hash of each key's last token, and
 *              a bit per hash of (first token, last token, count), so that
 *              a window of text is looked up only when a term could span
 *              it: most tokens end some term of one token or another, few
 *              windows are the start and end of one.
 *   built-in   glossary.txt, compiled in (base/embedded.h), read on first
 *              use under pthread_once and never changed after: every
 *              thread shares it without a lock.
 *   glossary   the built-in table and one for the repository's synonyms:
 *              group ids run on from the built-in ones.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/embedded.h"
#include "pmkb/base/hash.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/glossary.h"

#define BUILTIN_PATH "server/search/glossary.txt"
#define LAST_BITS 4096
#define WIN_BITS 65536
#define BITS_BYTES (LAST_BITS / 8 + WIN_BITS / 8)

struct gterm {
	char *key;
	int group; /* index in the table */
};

struct table {
	struct pm_list *groups; /* terms as written */
	size_t ngroups, galloc;
	struct gterm *terms;	/* sorted by key once finished */
	size_t nterms, talloc;
	uint32_t *slots;	/* hash of keys: first term's index + 1 */
	size_t nslots;
	unsigned lengths;	/* bit k: a key of k + 1 tokens */
	/* The filter bits, once a key is added: LAST_BITS, then WIN_BITS. */
	unsigned char *bits;
};

struct glossary {
	const struct table *builtin;
	struct table user;
	unsigned lengths;
	/* Both tables' bits: the built-in table's own when the settings
	 * add no synonyms (most queries), else merged. */
	const unsigned char *bits;
	unsigned char *merged; /* BITS_BYTES, or NULL */
};

/* ---- keys ---- */

struct keyer {
	struct buf *b;
	int ntok;
};

static int key_cb(void *ctx, const char *tok, int ntok, int start, int end,
		  int flags)
{
	struct keyer *k = ctx;

	(void)start;
	(void)end;
	(void)flags;
	if (k->ntok++)
		buf_addch(k->b, ' ');
	buf_add(k->b, tok, (size_t)ntok);
	return 0;
}

/* Writes s[0..n)'s key into b; returns its tokens (0: nothing indexed). */
static int make_key(struct buf *b, const char *s, size_t n)
{
	struct keyer k = { b, 0 };

	buf_reset(b);
	tokenizer_run_query(s, (int)n, 0, 1, key_cb, &k);
	return k.ntok;
}

static const char *last_token(const char *key)
{
	const char *sp = strrchr(key, ' ');

	return sp ? sp + 1 : key;
}

/* The filter bits: of a last token's hash, and of a window's. */
static unsigned last_bit(uint64_t h)
{
	return (unsigned)(h & (LAST_BITS - 1));
}

static unsigned win_bit(uint64_t first, uint64_t last, int ntok)
{
	uint64_t h = first * 0x9e3779b97f4a7c15u ^ last ^ (uint64_t)ntok << 56;

	h *= 0xff51afd7ed558ccdu;
	return (unsigned)(h >> 48) & (WIN_BITS - 1);
}

static void set_bit(unsigned char *bits, unsigned b)
{
	bits[b / 8] |= (unsigned char)(1u << (b % 8));
}

static int has_bit(const unsigned char *bits, unsigned b)
{
	return bits[b / 8] & (1u << (b % 8));
}

/* ---- tables ---- */

/* Adds a group of terms (NUL-terminated, as written) to t. */
static void table_add_group(struct table *t, const char *const *v, size_t n)
{
	struct buf key = BUF_INIT;
	struct pm_list *g;
	size_t i;
	int ntok;

	XGROW(t->groups, t->galloc, t->ngroups + 1);
	g = &t->groups[t->ngroups];
	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++) {
		ntok = make_key(&key, v[i], strlen(v[i]));
		if (!ntok || ntok > GLOSSARY_MAX_TOKENS)
			continue;
		XGROW(t->terms, t->talloc, t->nterms + 1);
		t->terms[t->nterms].key = xstrdup(key.ptr);
		t->terms[t->nterms].group = (int)t->ngroups;
		t->nterms++;
		t->lengths |= 1u << (ntok - 1);
		{
			const char *last = last_token(key.ptr);
			uint64_t hl = hash_str(last);
			uint64_t hf = hash_bytes(key.ptr, strcspn(key.ptr, " "));

			if (!t->bits)
				t->bits = xcalloc(1, BITS_BYTES);
			set_bit(t->bits, last_bit(hl));
			set_bit(t->bits + LAST_BITS / 8,
				win_bit(hf, hl, ntok));
		}
		pm_list_add(g, v[i]);
	}
	t->ngroups++;
	buf_release(&key);
}

static int by_key(const void *a, const void *b)
{
	const struct gterm *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->group - y->group;
}

static void table_finish(struct table *t)
{
	size_t i, k;

	if (!t->nterms)
		return;
	qsort(t->terms, t->nterms, sizeof(*t->terms), by_key);
	for (t->nslots = 16; t->nslots < t->nterms * 2; t->nslots *= 2)
		;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (i = 0; i < t->nterms; i++) {
		if (i && !strcmp(t->terms[i].key, t->terms[i - 1].key))
			continue;
		k = hash_str(t->terms[i].key) & (t->nslots - 1);
		while (t->slots[k])
			k = (k + 1) & (t->nslots - 1);
		t->slots[k] = (uint32_t)i + 1;
	}
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nterms; i++)
		free(t->terms[i].key);
	for (i = 0; i < t->ngroups; i++)
		pm_list_release(&t->groups[i]);
	free(t->terms);
	free(t->groups);
	free(t->slots);
	free(t->bits);
	memset(t, 0, sizeof(*t));
}

/* The first term of t with key key[0..n), its hash h, or t->nterms. */
static size_t table_find(const struct table *t, const char *key, size_t n,
			 uint64_t h)
{
	size_t k;

	if (!t->nslots)
		return t->nterms;
	for (k = h & (t->nslots - 1); t->slots[k];
	     k = (k + 1) & (t->nslots - 1)) {
		const char *v = t->terms[t->slots[k] - 1].key;

		if (!strncmp(v, key, n) && !v[n])
			return t->slots[k] - 1;
	}
	return t->nterms;
}

/* ---- the built-in glossary ---- */

static struct table builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

/* One line of glossary.txt: terms separated by '|'; '#' starts a comment. */
static void builtin_line(const char *p, const char *end)
{
	char *terms[GLOSSARY_MAX_TOKENS * 2];
	size_t n = 0, i;

	while (p < end && n < sizeof(terms) / sizeof(*terms)) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *stop = bar ? bar : end;
		size_t len = (size_t)(stop - p);
		const char *s = text_trim(p, &len);

		if (len)
			terms[n++] = xstrndup(s, len);
		p = bar ? bar + 1 : end;
	}
	if (n >= 2)
		table_add_group(&builtin, (const char *const *)terms, n);
	for (i = 0; i < n; i++)
		free(terms[i]);
}

static void builtin_load(void)
{
	const struct embedded_file *f = embedded_find(BUILTIN_PATH);
	const char *p, *end, *eol;

	if (!f)
		return;
	for (p = f->data, end = f->data + f->len; p < end; p = eol + 1) {
		size_t len;
		const char *s;

		eol = text_line_end(p, end);
		len = (size_t)(eol - p);
		s = text_trim(p, &len);
		if (len && s[0] != '#')
			builtin_line(s, s + len);
		if (eol >= end)
			break;
	}
	table_finish(&builtin);
}

static const struct table *builtin_table(void)
{
	pthread_once(&builtin_once, builtin_load);
	return &builtin;
}

void glossary_builtin_size(size_t *groups, size_t *terms)
{
	const struct table *t = builtin_table();

	*groups = t->ngroups;
	*terms = t->nterms;
}

/* ---- a glossary ---- */

struct glossary *glossary_new(const struct taxonomy *tax)
{
	struct glossary *g = xcalloc(1, sizeof(*g));
	size_t i;

	g->builtin = builtin_table();
	for (i = 0; tax && i < tax->n_synonyms; i++)
		table_add_group(&g->user,
				(const char *const *)tax->synonyms[i].v,
				tax->synonyms[i].n);
	table_finish(&g->user);
	g->lengths = g->builtin->lengths | g->user.lengths;
	g->bits = g->builtin->bits;
	if (!g->user.bits)
		return g;
	g->merged = xmalloc(BITS_BYTES);
	for (i = 0; i < BITS_BYTES; i++)
		g->merged[i] = g->builtin->bits[i] | g->user.bits[i];
	g->bits = g->merged;
	return g;
}

void glossary_free(struct glossary *g)
{
	if (!g)
		return;
	table_release(&g->user);
	free(g->merged);
	free(g);
}

const struct pm_list *glossary_group(const struct glossary *g, int id)
{
	size_t b = g->builtin->ngroups;

	if (id < 0)
		return NULL;
	if ((size_t)id < b)
		return &g->builtin->groups[id];
	if ((size_t)id - b < g->user.ngroups)
		return &g->user.groups[(size_t)id - b];
	return NULL;
}

/* Appends the synonyms key has in t to out; returns how many. */
static size_t table_synonyms(const struct table *t, const char *key,
			     struct pm_list *out, size_t max)
{
	struct buf k = BUF_INIT;
	size_t i, j, added = 0;

	for (i = table_find(t, key, strlen(key), hash_str(key));
	     i < t->nterms && !strcmp(t->terms[i].key, key); i++) {
		const struct pm_list *grp = &t->groups[t->terms[i].group];

		for (j = 0; j < grp->n && out->n < max; j++) {
			if (pm_list_has(out, grp->v[j]))
				continue;
			make_key(&k, grp->v[j], strlen(grp->v[j]));
			if (!strcmp(k.ptr, key))
				continue;
			pm_list_add(out, grp->v[j]);
			added++;
		}
	}
	buf_release(&k);
	return added;
}

size_t glossary_synonyms(const struct glossary *g, const char *s, size_t n,
			 struct pm_list *out, size_t max)
{
	struct buf key = BUF_INIT;
	size_t added = 0;

	if (make_key(&key, s, n)) {
		added = table_synonyms(g->builtin, key.ptr, out, max);
		added += table_synonyms(&g->user, key.ptr, out, max);
	}
	buf_release(&key);
	return added;
}

/* ---- recognising terms in text ---- */

void glossary_scan_init(struct glossary_scan *sc, const struct glossary *g)
{
	sc->g = g;
	sc->n = 0;
}

int glossary_scan_token(struct glossary_scan *sc, const char *tok, int ntok,
			int start, int flags, int *term_start)
{
	const struct glossary *g = sc->g;
	char key[GLOSSARY_MAX_TOKENS * (sizeof(sc->ring[0].tok) + 1)];
	int slot, len, found = -1;
	uint64_t h, kh;
	size_t i, n;

	if (flags & PM_TOKEN_RUN_END)
		return -1;
	slot = sc->n % GLOSSARY_MAX_TOKENS;
	/* Too long for any term: holds a place, matches nothing. */
	sc->ring[slot].len = ntok < (int)sizeof(sc->ring[slot].tok) ? ntok : -1;
	if (sc->ring[slot].len > 0)
		memcpy(sc->ring[slot].tok, tok, (size_t)ntok);
	sc->ring[slot].start = start;
	sc->n++;
	if (sc->ring[slot].len < 0)
		return -1;
	sc->ring[slot].hash = h = hash_bytes(tok, (size_t)ntok);
	if (!g->bits || !has_bit(g->bits, last_bit(h)))
		return -1;
	for (len = 1; len <= GLOSSARY_MAX_TOKENS && len <= sc->n; len++) {
		int s = (sc->n - len) % GLOSSARY_MAX_TOKENS;

		if (sc->ring[s].len < 0)
			break;
		if (!(g->lengths & (1u << (len - 1))) ||
		    !has_bit(g->bits + LAST_BITS / 8,
			     win_bit(sc->ring[s].hash, h, len)))
			continue;
		/* The key of the last len tokens: built from the front. */
		n = 0;
		for (int k = len; k >= 1; k--) {
			int r = (sc->n - k) % GLOSSARY_MAX_TOKENS;

			if (k != len)
				key[n++] = ' ';
			memcpy(key + n, sc->ring[r].tok,
			       (size_t)sc->ring[r].len);
			n += (size_t)sc->ring[r].len;
		}
		kh = hash_bytes(key, n);
		if ((i = table_find(g->builtin, key, n, kh)) <
		    g->builtin->nterms) {
			found = g->builtin->terms[i].group;
			*term_start = sc->ring[s].start;
		} else if ((i = table_find(&g->user, key, n, kh)) <
			   g->user.nterms) {
			found = (int)g->builtin->ngroups + g->user.terms[i].group;
			*term_start = sc->ring[s].start;
		}
	}
	return found;
}
