/* Shown words of similar's reasons: see include/pmkb/search/reasons.h. */
#include <stdint.h>
#include <string.h>

#include "pmkb/base/utf8.h"
#include "pmkb/search/reasons.h"

int reasons_by_place(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;

	if (x->field != y->field)
		return x->field - y->field;
	return x->start - y->start;
}

int reasons_by_score(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return reasons_by_place(a, b);
}

/* The script of the character at t[i..n), and its length in *len. */
static enum utf8_script script_at(const char *t, size_t i, size_t n,
				  size_t *len)
{
	uint32_t c;
	int k = utf8_decode(t + i, n - i, &c);

	*len = k > 0 ? (size_t)k : 1;
	return k > 0 ? utf8_script(c) : UTF8_OTHER;
}

void reasons_widen(const char *t, struct shown *m)
{
	size_t n = strlen(t), len, j;
	size_t start = (size_t)m->start, end = (size_t)m->end;
	enum utf8_script first = script_at(t, start, n, &len), last = UTF8_OTHER;
	int chars = 0;

	for (j = start; j < end; j += len, chars++)
		last = script_at(t, j, n, &len);
	if (first == UTF8_OTHER)
		return;
	while (start > 0 && chars < SIM_SHOWN_CHARS) {
		j = start - 1;
		while (j > 0 && ((unsigned char)t[j] & 0xC0) == 0x80)
			j--;
		if (script_at(t, j, n, &len) != first)
			break;
		start = j;
		chars++;
	}
	while (end < n && chars < SIM_SHOWN_CHARS &&
	       script_at(t, end, n, &len) == last) {
		end += len;
		chars++;
	}
	m->start = (int)start;
	m->end = (int)end;
}
