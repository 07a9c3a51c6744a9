/*
 * Quoted words as written: see include/pmkb/db/exact.h.
 */
#include <string.h>

#include "pmkb/base/text.h"
#include "pmkb/db/exact.h"

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Whether text[0..n) holds w[0..wl) with no ASCII letter or digit glued
 * to its ends. */
static int holds(const char *text, size_t n, const char *w, size_t wl)
{
	const char *end = text + n;

	for (const char *p = text;
	     (p = text_find_nocase(p, (size_t)(end - p), w, wl)); p++) {
		int left = p == text || !word_char((unsigned char)p[-1]) ||
			   !word_char((unsigned char)w[0]);
		int right = p + wl == end ||
			    !word_char((unsigned char)p[wl]) ||
			    !word_char((unsigned char)w[wl - 1]);

		if (left && right)
			return 1;
	}
	return 0;
}

int exact_holds(const char *words, const char *const *text,
		const size_t *len, int n)
{
	int all = words != NULL;

	for (const char *w = words; all && *w;) {
		const char *e = strchr(w, '\x1f');
		size_t wl = e ? (size_t)(e - w) : strlen(w);

		all = 0;
		for (int i = 0; wl && !all && i < n; i++)
			all = text[i] && holds(text[i], len[i], w, wl);
		w += wl + (e ? 1 : 0);
	}
	return all;
}
