/*
 * Interned strings: each distinct string gets a dense id (0, 1, 2 ... in
 * order of first sight), so that tables of many rows keep 32-bit ids and
 * compare them instead of strings. Open addressing on hash_str().
 */
#ifndef PMKB_BASE_STRTAB_H
#define PMKB_BASE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#define STRTAB_NONE UINT32_MAX

struct strtab {
	char **s;	/* s[id]: the strings, owned */
	size_t n, alloc;
	uint32_t *slot; /* id + 1, 0 empty */
	size_t cap;	/* power of two */
};

/* s's id, adding a copy of s when it is new. */
uint32_t strtab_add(struct strtab *t, const char *s);
/* s's id, or STRTAB_NONE when t does not hold it. */
uint32_t strtab_get(const struct strtab *t, const char *s);
/* Frees the strings and the slots; t is empty again after. */
void strtab_release(struct strtab *t);

#endif
