/*
 * UTF-8 validation and repair: see include/pmkb/base/utf8.h for the contract.
 *
 * Everything downstream of ingest (libyaml, cmark-gfm, SQLite, JSON) wants
 * valid UTF-8, so a file is checked and repaired once, here, and nothing
 * later has to care.
 */
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"

/*
 * The length of the well-formed sequence at s (1..4), or 0 when it is
 * ill-formed, in which case *bad is the length of its maximal subpart: the
 * bytes that could begin a valid sequence before it went wrong (at least
 * 1). The ranges are Table 3-7 of the Unicode standard, which excludes
 * overlong forms, surrogates and code points above U+10FFFF.
 */
static size_t seq_len(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	*bad = 1;
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		/* Only the second byte has a narrowed range. */
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

size_t utf8_first_invalid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, bad;

	while (i < len) {
		/* Eight ASCII bytes without NUL at a time. */
		if (i + 8 <= len) {
			uint64_t w = text_word(u + i);

			if (!(w & TEXT_HIGHS) && !text_word_below(w, 1)) {
				i += 8;
				continue;
			}
		}
		if (u[i] >= 0x01 && u[i] < 0x80) {
			i++;
			continue;
		}
		/*
		 * Most of a Japanese text: three bytes whose lead (E1-EC,
		 * EE, EF) takes any continuation bytes, which seq_len()
		 * would check against its table one by one.
		 */
		if (i + 3 <= len && u[i] >= 0xe1 && u[i] != 0xed &&
		    u[i] <= 0xef && (u[i + 1] & 0xc0) == 0x80 &&
		    (u[i + 2] & 0xc0) == 0x80) {
			i += 3;
			continue;
		}
		n = seq_len(u + i, len - i, &bad);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

int utf8_valid(const char *s, size_t len)
{
	return utf8_first_invalid(s, len) == len;
}

size_t utf8_repair(struct buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, n, bad, fixes = 0;

	buf_grow(out, len);
	while (i < len) {
		if (u[i] >= 0x01 && u[i] < 0x80) {
			i++;
			continue;
		}
		n = seq_len(u + i, len - i, &bad);
		if (n) {
			i += n;
			continue;
		}
		buf_add(out, s + start, i - start);
		if (u[i]) {
			buf_add(out, "\xef\xbf\xbd", 3);
			fixes++;
		}
		i += bad;
		start = i;
	}
	buf_add(out, s + start, i - start);
	return fixes;
}

size_t utf8_truncate(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = max;

	if (len <= max)
		return len;
	/* Back up over continuation bytes to the start of a sequence. */
	while (n > 0 && (u[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t utf8_skip(const char *s, size_t len, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t p = i + 1;

	if (!n || i >= len)
		return i < len ? i : len;
	/* Eight bytes at a time while they start fewer characters than are
	 * left: a continuation byte has bit 7 and not bit 6. */
	while (p + 8 <= len) {
		uint64_t w = text_word(u + p);
		uint64_t cont = (w & ~(w << 1) & TEXT_HIGHS) >> 7;
		/* One bit per byte, summed into the top byte. */
		size_t starts = 8 - (size_t)((cont * TEXT_ONES) >> 56);

		if (starts >= n)
			break;
		n -= starts;
		p += 8;
	}
	for (; p < len; p++)
		if ((u[p] & 0xc0) != 0x80 && !--n)
			return p;
	return len;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t bad, len, i;
	uint32_t c;

	if (!n)
		return 0;
	if (!u[0]) {
		*cp = 0;
		return 1;
	}
	if (!(len = seq_len(u, n, &bad)))
		return 0;
	c = len == 1 ? u[0] : u[0] & (0x7F >> len);
	for (i = 1; i < len; i++)
		c = c << 6 | (u[i] & 0x3F);
	*cp = c;
	return (int)len;
}

int utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

enum utf8_script utf8_script(uint32_t c)
{
	if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x323AF) ||
	    c == 0x3005)
		return UTF8_HAN;
	if ((c >= 0x30A1 && c <= 0x30FA) || (c >= 0x30FC && c <= 0x30FF) ||
	    (c >= 0x31F0 && c <= 0x31FF) || (c >= 0xFF66 && c <= 0xFF9F))
		return UTF8_KANA;
	if (c >= 0xAC00 && c <= 0xD7A3)
		return UTF8_HANGUL;
	return UTF8_OTHER;
}
