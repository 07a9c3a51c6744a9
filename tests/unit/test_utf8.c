/*
 * utf8.c: validation (also against a character-at-a-time reading on
 * random text, as it skips ASCII eight bytes at a time), repair by
 * maximal subparts, truncation.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "randtext.h"
#include "tap.h"

#define S(lit) (lit), sizeof(lit) - 1

static void repaired(const char *in, size_t len, const char *want,
		     size_t want_fixes, const char *what)
{
	struct buf b = BUF_INIT;
	size_t fixes = utf8_repair(&b, in, len);

	is_str(b.ptr, want, what);
	is_int(fixes, want_fixes, what);
	ok(utf8_valid(b.ptr, b.len), what);
	buf_release(&b);
}

/* utf8_first_invalid() read one character at a time. */
static size_t first_invalid_slowly(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;
	int n;

	while (i < len) {
		if (!s[i] || !(n = utf8_decode(s + i, len - i, &cp)))
			return i;
		i += (size_t)n;
	}
	return len;
}

static void test_random(void)
{
	static const char *const parts[] = {
		"abcdefgh", "x", " ", "\xc3\xa9", "\xe9\x9a\x9c",
		"\xf0\x9f\x98\x80", "\x7f", "\xff", "\xe3\x81",
		"\xed\xa0\x80", "\xc0\x80",
	};
	unsigned seed = 11;
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		char s[128];
		/* Most strings valid but for a NUL, some with bad bytes. */
		size_t n = randtext_fill(
			s, sizeof(s), (size_t)(rand_r(&seed) % 90), parts,
			i % 4 ? 7 : sizeof(parts) / sizeof(parts[0]), 8, &seed);

		bad += utf8_first_invalid(s, n) != first_invalid_slowly(s, n);
	}
	is_int(bad, 0, "20,000 random texts: as read a character at a time");
}

/* Every three bytes led by E0-EF, between ASCII: as read slowly. */
static void test_every_three(void)
{
	int bad = 0;

	for (unsigned lead = 0xe0; lead <= 0xef; lead++)
		for (unsigned b1 = 0; b1 < 256; b1++)
			for (unsigned b2 = 0; b2 < 256; b2++) {
				char s[5] = { 'x', (char)lead, (char)b1,
					      (char)b2, 'y' };

				bad += utf8_first_invalid(s, 5) !=
				       first_invalid_slowly(s, 5);
				bad += utf8_first_invalid(s, 4) !=
				       first_invalid_slowly(s, 4);
			}
	is_int(bad, 0, "every three bytes led by E0-EF: as read slowly");
}

/* The offset n characters on, one character at a time. */
static size_t skip_slowly(const char *s, size_t len, size_t i, size_t n)
{
	while (n > 0 && i < len) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n--;
	}
	return i;
}

/* utf8_skip() against stepping one character at a time: from every
 * character of mixed texts, by every count up to past their end. */
static void test_skip(void)
{
	static const char *const parts[] = { "a", " ", "\xc3\xa9",
					     "\xe6\x97\xa5", "\xf0\x9f\x98\x80",
					     "abcdefgh" };
	unsigned seed = 12;
	int round, wrong = 0;

	for (round = 0; round < 200; round++) {
		char text[400];
		size_t len = 0, i, n;

		while (len < 300) {
			const char *p = parts[(size_t)rand_r(&seed) % 6];

			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		for (i = 0; i <= len; i = skip_slowly(text, len, i, 1)) {
			for (n = 0; n < 40; n++)
				wrong += utf8_skip(text, len, i, n) !=
					 skip_slowly(text, len, i, n);
			if (i == len)
				break;
		}
	}
	is_int(wrong, 0, "skip: as one character at a time");
	is_int(utf8_skip(S("a\xc3\xa9z"), 0, 2), 3, "skip: past é");
	is_int(utf8_skip(S("ab"), 1, 5), 2, "skip: to the end");
}

int main(void)
{
	test_random();
	test_every_three();
	ok(utf8_valid(S("")), "empty is valid");
	ok(utf8_valid(S("plain ASCII")), "ASCII");
	ok(utf8_valid(S("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
			"\xf0\x9f\x98\x80")),
	   "2, 3 and 4 bytes");
	ok(utf8_valid(S("\xef\xbb\xbf")), "BOM is valid");
	ok(!utf8_valid(S("a\0b")), "NUL is not");
	ok(!utf8_valid(S("\xc0\x80")), "overlong NUL");
	ok(!utf8_valid(S("\xe0\x80\xaf")), "overlong 3-byte");
	ok(!utf8_valid(S("\xf0\x80\x80\xaf")), "overlong 4-byte");
	ok(!utf8_valid(S("\xed\xa0\x80")), "surrogate");
	ok(!utf8_valid(S("\xf4\x90\x80\x80")), "above U+10FFFF");
	ok(!utf8_valid(S("\xf5\x80\x80\x80")), "F5 lead");
	ok(!utf8_valid(S("\x80")), "lone continuation");
	ok(!utf8_valid(S("\xe2\x82")), "truncated at the end");
	ok(utf8_valid(S("\xf4\x8f\xbf\xbf")), "U+10FFFF");
	ok(utf8_valid(S("\xed\x9f\xbf")), "U+D7FF");

	is_int(utf8_first_invalid(S("ab\xffz")), 2, "first invalid offset");
	is_int(utf8_first_invalid(S("ab\0")), 2, "first NUL offset");
	is_int(utf8_first_invalid(S("\xe6\x97\xa5")), 3, "none: len");

	repaired(S("ok"), "ok", 0, "nothing to repair");
	repaired(S("a\xe2\x82z"), "a\xef\xbf\xbdz", 1, "truncated 3-byte: one");
	repaired(S("\xff\xff"), "\xef\xbf\xbd\xef\xbf\xbd", 2, "FF FF: two");
	repaired(S("\xed\xa0\x80"),
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3, "surrogate: three");
	repaired(S("\xf0\x9f\x98"), "\xef\xbf\xbd", 1, "truncated emoji: one");
	repaired(S("a\0b\0"), "ab", 0, "NULs dropped, not counted");
	repaired(S("Caf\xe9 x"), "Caf\xef\xbf\xbd x", 1, "Latin-1 byte");

	is_int(utf8_truncate(S("abc"), 5), 3, "truncate: shorter");
	is_int(utf8_truncate(S("a\xc3\xa9"), 2), 1, "truncate: not mid é");
	is_int(utf8_truncate(S("a\xc3\xa9"), 3), 3, "truncate: whole é");
	is_int(utf8_truncate(S("\xe6\x97\xa5\xe6\x9c\xac"), 5), 3,
	       "truncate: Japanese");
	is_int(utf8_truncate(S("\xe6\x97\xa5"), 0), 0, "truncate: zero");
	test_skip();
	return tap_done();
}
