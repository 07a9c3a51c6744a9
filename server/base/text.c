/* Text helpers: see include/pmkb/base/text.h. */
#include <string.h>

#include "pmkb/base/text.h"

size_t text_space_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!n)
		return 0;
	if (u[0] <= 0x20 || u[0] == 0x7F)
		return 1;
	if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	return 0;
}

size_t text_space_before(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 1 && (u[n - 1] <= 0x20 || u[n - 1] == 0x7F))
		return 1;
	if (n >= 3 && u[n - 3] == 0xE3 && u[n - 2] == 0x80 && u[n - 1] == 0x80)
		return 3;
	if (n >= 2 && u[n - 2] == 0xC2 && u[n - 1] == 0xA0)
		return 2;
	return 0;
}

const char *text_trim(const char *s, size_t *len)
{
	size_t n = *len, k;

	while ((k = text_space_len(s, n))) {
		s += k;
		n -= k;
	}
	while ((k = text_space_before(s, n)))
		n -= k;
	*len = n;
	return s;
}

char *text_trim_inplace(char *s)
{
	size_t n = strlen(s);
	const char *start = text_trim(s, &n);

	memmove(s, start, n);
	s[n] = '\0';
	return s;
}

char *text_ascii_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

int text_byte_rarity(unsigned char c)
{
	static const char common[] = " e\xe3" "tnioars\x81" "dch\x82" "l\xe5"
				     "u0\nmw-p\x83" "fgy\xe9" "b12.v|:k#"
				     "35,4\xe7\xe8\xe6" "9876*x/j";
	const char *p;

	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c + ('a' - 'A'));
	p = memchr(common, c, sizeof(common) - 1);
	return p ? (int)(p - common) : (int)sizeof(common);
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

const char *text_find_nocase(const char *s, size_t n, const char *w,
			     size_t m)
{
	const unsigned char *x = NULL, *y = NULL, *h, *last;
	unsigned char lo, up;
	size_t a = 0, i;

	if (!m)
		return s;
	if (m > n)
		return NULL;
	for (i = 1; i < m; i++)
		if (text_byte_rarity((unsigned char)w[i]) >
		    text_byte_rarity((unsigned char)w[a]))
			a = i;
	lo = ascii_lower((unsigned char)w[a]);
	up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - ('a' - 'A')) : lo;
	/* The anchor of a match lies in s[a .. n - m + a]. */
	h = (const unsigned char *)s + a;
	last = (const unsigned char *)s + (n - m + a) + 1;
	x = memchr(h, lo, (size_t)(last - h));
	if (up != lo)
		y = memchr(h, up, (size_t)(last - h));
	while (x || y) {
		if (x && (!y || x < y)) {
			h = x;
			x = memchr(x + 1, lo, (size_t)(last - x - 1));
		} else {
			h = y;
			y = memchr(y + 1, up, (size_t)(last - y - 1));
		}
		h -= a; /* the match's start */
		for (i = 0; i < m; i++)
			if (ascii_lower(h[i]) != ascii_lower((unsigned char)w[i]))
				break;
		if (i == m)
			return (const char *)h;
	}
	return NULL;
}

const char *text_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

const char *text_bracket_note(const char *s, size_t len)
{
	static const char open_fw[] = "\xef\xbc\x88", close_fw[] =
		"\xef\xbc\x89"; /* （ and ） */

	if (!len || (s[len - 1] != ')' &&
		     (len < 3 || memcmp(s + len - 3, close_fw, 3))))
		return NULL;
	for (size_t i = len; i-- > 0;)
		if (s[i] == '(' || (i + 3 <= len && !memcmp(s + i, open_fw, 3)))
			return s + i;
	return NULL;
}

int text_digits(const char **pp, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*pp)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pp += n;
	*out = v;
	return 0;
}
