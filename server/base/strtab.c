/* Interned strings: see include/pmkb/base/strtab.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/strtab.h"
#include "pmkb/base/xalloc.h"

/* The slot holding s, or the empty slot where it would go. */
static uint32_t *find(const struct strtab *t, const char *s)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = hash_str(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		uint32_t *p = &t->slot[i];

		if (!*p || !strcmp(t->s[*p - 1], s))
			return p;
	}
}

uint32_t strtab_get(const struct strtab *t, const char *s)
{
	uint32_t *p = find(t, s);

	return p && *p ? *p - 1 : STRTAB_NONE;
}

static void grow(struct strtab *t)
{
	size_t i, cap = t->cap ? t->cap * 2 : 64;

	free(t->slot);
	t->slot = xcalloc(cap, sizeof(*t->slot));
	t->cap = cap;
	for (i = 0; i < t->n; i++)
		*find(t, t->s[i]) = (uint32_t)i + 1;
}

uint32_t strtab_add(struct strtab *t, const char *s)
{
	uint32_t *p;

	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	p = find(t, s);
	if (!*p) {
		XGROW(t->s, t->alloc, t->n + 1);
		t->s[t->n++] = xstrdup(s);
		*p = (uint32_t)t->n;
	}
	return *p - 1;
}

void strtab_release(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
