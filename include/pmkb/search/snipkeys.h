/*
 * Where a query's keys occur in a text, for snippets (search/snippet.c):
 * a key is the bytes a match of some alternative of a term must start
 * with. memchr() finds each key's rarest byte (its anchor) at SIMD speed,
 * and only there is the whole key compared (ASCII letters in any case);
 * a key that starts with another key is looked for only at that one's
 * places. The places come sorted, each once, with the most tokens an
 * alternative with a key there has.
 */
#ifndef PMKB_SEARCH_SNIPKEYS_H
#define PMKB_SEARCH_SNIPKEYS_H

#include <stdint.h>

/* At most this many places are found; more, and snipkeys_find() fails. */
#define SNIPKEYS_PLACES 128

struct snipkey_place {
	int at;
	int toks; /* the most tokens an alternative with a key there has */
};

struct snipkeys;

struct snipkeys *snipkeys_new(void);
/*
 * Adds key[0..len) (lower case; kept by the caller until snipkeys_free)
 * for an alternative of term (0..31) of toks tokens; the same key again
 * adds its term and tokens to the first.
 */
void snipkeys_add(struct snipkeys *ks, const char *key, int len, int term,
		  int toks);
/* The terms of every key added. */
uint32_t snipkeys_terms(const struct snipkeys *ks);
/*
 * The places of every key in text[0..len) (not at its last byte) into
 * cand[0..*nc) (room for SNIPKEYS_PLACES), the terms of the keys found
 * into *seen. Returns 0 when there are more than SNIPKEYS_PLACES.
 */
int snipkeys_find(struct snipkeys *ks, const char *text, int len,
		  struct snipkey_place *cand, int *nc, uint32_t *seen);
void snipkeys_free(struct snipkeys *ks);

#endif
