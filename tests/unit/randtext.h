/*
 * Random texts for tests that compare a fast reading with a slow one:
 * pieces drawn from a list, back to back, and now and then a NUL.
 */
#ifndef PMKB_TESTS_RANDTEXT_H
#define PMKB_TESTS_RANDTEXT_H

#include <stdlib.h>
#include <string.h>

/*
 * Fills s (cap bytes) with up to want bytes of pieces drawn from
 * parts[0..kinds); one text in nul_every gets a NUL at a random place.
 * Returns the length.
 */
static inline size_t randtext_fill(char *s, size_t cap, size_t want,
				   const char *const *parts, size_t kinds,
				   unsigned nul_every, unsigned *seed)
{
	size_t n = 0;

	while (n < want) {
		const char *p = parts[(size_t)rand_r(seed) % kinds];
		size_t m = strlen(p);

		if (n + m > cap)
			break;
		memcpy(s + n, p, m);
		n += m;
	}
	if (rand_r(seed) % nul_every == 0 && n)
		s[(size_t)rand_r(seed) % n] = '\0';
	return n;
}

#endif
