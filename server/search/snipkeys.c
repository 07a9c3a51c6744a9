/*
 * Snippet keys and their places: see include/pmkb/search/snipkeys.h.
 * Testing every byte of a body for a key's first two bytes took a sixth
 * of a rare code's search, as they are often common ones: the "er" of
 * err000100 is everywhere in English; its rarest byte is not.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/search/snipkeys.h"

struct probe {
	const char *key;
	int key_len;
	int anchor;	 /* offset in key of the byte memchr() looks for */
	uint32_t terms;	 /* terms of the alternatives with this key */
	int toks;	 /* the most tokens one of them has */
	/*
	 * The probe with the shortest key that starts this one's, whose
	 * places this one's are among ("err" of "error"), or -1: a key is
	 * looked for by memchr() once, whichever keys extend it.
	 */
	int root;
	int n_hits; /* of the last text, in snipkeys.hits */
};

struct snipkeys {
	struct probe *v; /* one per distinct key; roots first once rooted */
	size_t n, alloc;
	int rooted;
	int *hits; /* per probe, SNIPKEYS_PLACES + 1 places */
	size_t alloc_hits;
};

struct snipkeys *snipkeys_new(void)
{
	return xcalloc(1, sizeof(struct snipkeys));
}

void snipkeys_free(struct snipkeys *ks)
{
	if (!ks)
		return;
	free(ks->v);
	free(ks->hits);
	free(ks);
}

/*
 * The anchor is the key's rarest byte: the fewer places memchr() stops
 * at, the fewer keys are compared. A key of one byte is anchored on it.
 */
void snipkeys_add(struct snipkeys *ks, const char *key, int len, int term,
		  int toks)
{
	struct probe *p = NULL;
	size_t k;
	int j;

	for (k = 0; k < ks->n && !p; k++)
		if (ks->v[k].key_len == len &&
		    !memcmp(ks->v[k].key, key, (size_t)len))
			p = &ks->v[k];
	if (!p) {
		XGROW(ks->v, ks->alloc, ks->n + 1);
		p = &ks->v[ks->n++];
		memset(p, 0, sizeof(*p));
		p->key = key;
		p->key_len = len;
		for (j = 1; j < len; j++)
			if (text_byte_rarity((unsigned char)key[j]) >
			    text_byte_rarity((unsigned char)key[p->anchor]))
				p->anchor = j;
	}
	p->terms |= (uint32_t)1 << term;
	if (toks > p->toks)
		p->toks = toks;
	ks->rooted = 0;
}

uint32_t snipkeys_terms(const struct snipkeys *ks)
{
	uint32_t t = 0;

	for (size_t k = 0; k < ks->n; k++)
		t |= ks->v[k].terms;
	return t;
}

static int by_key_len(const void *a, const void *b)
{
	const struct probe *x = a, *y = b;

	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/*
 * Gives each probe its root, the probe with the shortest key that starts
 * its key, if another does; shorter keys first, so that a root is scanned
 * before the probes it is the root of.
 */
static void rooted(struct snipkeys *ks)
{
	size_t k, j;

	if (ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), by_key_len);
	for (k = 0; k < ks->n; k++) {
		struct probe *p = &ks->v[k];

		p->root = -1;
		for (j = 0; j < k && p->root < 0; j++)
			if (ks->v[j].key_len < p->key_len &&
			    !memcmp(ks->v[j].key, p->key,
				    (size_t)ks->v[j].key_len))
				p->root = (int)j;
	}
	XGROW(ks->hits, ks->alloc_hits, (ks->n ? ks->n : 1) *
						(SNIPKEYS_PLACES + 1));
	ks->rooted = 1;
}

static unsigned upper(unsigned c)
{
	return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* Whether p's key occurs at text[i] (ASCII letters in any case). */
static int key_at(const struct probe *p, const char *text, int len, int i)
{
	const char *k = p->key;
	int j;

	if (i + p->key_len > len)
		return 0;
	for (j = 0; j < p->key_len; j++) {
		char c = text[i + j];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		if (c != k[j])
			return 0;
	}
	return 1;
}

/*
 * Adds the places where probe k's key occurs in text to cand[0..*nc),
 * and its terms to *seen if there is one; the places are kept for the
 * probes it is the root of, which come later. Returns 0 when that makes
 * more than SNIPKEYS_PLACES places.
 */
static int scan(struct snipkeys *ks, size_t k, const char *text, int len,
		struct snipkey_place *cand, int *nc, uint32_t *seen)
{
	const struct probe *p = &ks->v[k];
	struct snipkey_place merged[SNIPKEYS_PLACES + 1];
	int *hit = ks->hits + k * (SNIPKEYS_PLACES + 1);
	unsigned lo = (unsigned char)p->key[p->anchor], up = upper(lo);
	const char *end = text + len, *a = NULL, *b = NULL, *h;
	int nh = 0, nm = 0, i = 0, j = 0;

	if (p->root >= 0) {
		/* At most the root's places: all of them were kept. */
		const int *at = ks->hits + (size_t)p->root *
						   (SNIPKEYS_PLACES + 1);

		for (i = 0; i < ks->v[p->root].n_hits; i++)
			if (key_at(p, text, len, at[i]))
				hit[nh++] = at[i];
	} else if (p->anchor < len) {
		h = text + p->anchor;
		a = memchr(h, (int)lo, (size_t)(end - h));
		if (up != lo)
			b = memchr(h, (int)up, (size_t)(end - h));
	}
	/* The places come in order: the anchor's two cases merged. */
	while ((a || b) && nh <= SNIPKEYS_PLACES) {
		if (a && (!b || a < b)) {
			h = a;
			a = memchr(a + 1, (int)lo, (size_t)(end - a - 1));
		} else {
			h = b;
			b = memchr(b + 1, (int)up, (size_t)(end - b - 1));
		}
		i = (int)(h - text) - p->anchor;
		if (i + 1 < len && key_at(p, text, len, i))
			hit[nh++] = i;
	}
	ks->v[k].n_hits = nh;
	if (nh)
		*seen |= p->terms;
	/* Merged with the other keys' places, each place once. */
	i = 0;
	while (nm <= SNIPKEYS_PLACES && (i < *nc || j < nh)) {
		if (j == nh || (i < *nc && cand[i].at <= hit[j])) {
			merged[nm] = cand[i++];
			if (j < nh && merged[nm].at == hit[j]) {
				if (p->toks > merged[nm].toks)
					merged[nm].toks = p->toks;
				j++;
			}
			nm++;
		} else {
			merged[nm].at = hit[j++];
			merged[nm++].toks = p->toks;
		}
	}
	if (nm <= SNIPKEYS_PLACES) {
		memcpy(cand, merged, (size_t)nm * sizeof(cand[0]));
		*nc = nm;
	}
	return nm <= SNIPKEYS_PLACES;
}

int snipkeys_find(struct snipkeys *ks, const char *text, int len,
		  struct snipkey_place *cand, int *nc, uint32_t *seen)
{
	int ok = 1;

	if (!ks->rooted)
		rooted(ks);
	*nc = 0;
	for (size_t k = 0; k < ks->n && ok; k++)
		ok = scan(ks, k, text, len, cand, nc, seen);
	return ok;
}
