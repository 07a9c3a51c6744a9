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

const char *text_line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
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
