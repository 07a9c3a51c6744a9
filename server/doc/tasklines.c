/* Ticked task-list lines: see include/pmkb/doc/tasklines.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/hash.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/tasklines.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The text after a ticked box on line s[0..n), or NULL. */
static const char *after_box(const char *s, size_t n, const char **end)
{
	const char *p = s, *e = s + n;
	size_t digits = 0;

	while (p < e && (blank(*p) || *p == '>'))
		p++;
	if (p < e && (*p == '-' || *p == '*' || *p == '+')) {
		p++;
	} else {
		while (p < e && digits < 9 && *p >= '0' && *p <= '9')
			p++, digits++;
		if (!digits || p == e || (*p != '.' && *p != ')'))
			return NULL;
		p++;
	}
	if (p == e || !blank(*p))
		return NULL;
	while (p < e && blank(*p))
		p++;
	if (e - p < 3 || p[0] != '[' || (p[1] != 'x' && p[1] != 'X') ||
	    p[2] != ']')
		return NULL;
	p += 3;
	if (p < e && !blank(*p) && *p != '\r')
		return NULL;
	*end = e;
	return p;
}

/* FNV-1a of the words of s[0..e), one blank between them; never 0. */
static uint64_t key_of(const char *s, const char *e)
{
	uint64_t h = hash_bytes("", 0);
	int gap = 0, any = 0;

	for (; s < e; s++) {
		if (blank(*s) || *s == '\r') {
			gap = any;
			continue;
		}
		if (gap)
			h = hash_more(h, " ", 1);
		h = hash_more(h, s, 1);
		gap = 0;
		any = 1;
	}
	return h ? h : 1;
}

size_t tasklines_ticked(const char *data, size_t len, struct taskline **out)
{
	const char *p = data, *e = data + len;
	size_t n = 0, alloc = 0;
	int line = 0;

	*out = NULL;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e, *text, *te;

		line++;
		if ((text = after_box(p, (size_t)(le - p), &te))) {
			XGROW(*out, alloc, n + 1);
			(*out)[n].line = line;
			(*out)[n++].key = key_of(text, te);
		}
		p = nl ? nl + 1 : e;
	}
	return n;
}

uint64_t tasklines_key_at(const char *data, size_t len, int line)
{
	const char *p = data, *e = data + len, *nl, *text, *te;

	for (int at = 1; at < line; at++) {
		if (!(nl = memchr(p, '\n', (size_t)(e - p))))
			return 0;
		p = nl + 1;
	}
	if (line < 1 || p >= e)
		return 0;
	nl = memchr(p, '\n', (size_t)(e - p));
	text = after_box(p, (size_t)((nl ? nl : e) - p), &te);
	return text ? key_of(text, te) : 0;
}
