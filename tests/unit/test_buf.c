/* buf.c: growth, ownership, formatting, escaping, trimming. */
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <stdio.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/strtab.h"
#include "pmkb/base/text.h"
#include "tap.h"

static void escaped_html(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	buf_add_html(&b, in, strlen(in));
	is_str(b.ptr, want, in);
	buf_release(&b);
}

static void escaped_url(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	buf_add_urlencoded(&b, in);
	is_str(b.ptr, want, in);
	buf_release(&b);
}

static void trimmed(const char *in, const char *want, const char *what)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, in);
	buf_trim(&b);
	is_str(b.ptr, want, what);
	is_int(b.len, strlen(want), what);
	buf_release(&b);
}

int main(void)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *p;

	ok(b.ptr != NULL, "an empty buffer is never NULL");
	is_str(b.ptr, "", "an empty buffer is a C string");
	buf_reset(&b);
	is_int(b.len, 0, "reset of an empty buffer");

	p = buf_detach(&b, &len);
	ok(p != NULL && p != buf_empty, "detach of an empty buffer owns");
	is_str(p, "", "and is empty");
	is_int(len, 0, "its length");
	free(p);

	buf_add(&b, "ab\0cd", 5);
	is_int(b.len, 5, "add keeps NUL bytes");
	ok(!memcmp(b.ptr, "ab\0cd", 6), "and terminates");
	buf_addch(&b, 'e');
	buf_addstr(&b, "fg");
	is_int(b.len, 8, "addch and addstr");
	ok(b.ptr[b.len] == '\0', "still terminated");
	buf_setlen(&b, 2);
	is_str(b.ptr, "ab", "setlen cuts and terminates");

	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_addch(&b, 'a' + i % 26);
	is_int(b.len, 10000, "grows past many reallocations");
	ok(b.alloc > b.len, "room for the terminator");
	ok(b.ptr[9999] == 'a' + 9999 % 26 && b.ptr[10000] == '\0',
	   "the last byte and the terminator");

	buf_reset(&b);
	buf_addf(&b, "%s=%d", "n", 42);
	buf_addf(&b, "/%05.1f", 2.25);
	is_str(b.ptr, "n=42/002.2", "addf appends");
	buf_reset(&b);
	buf_addf(&b, "%4000s|", "x");
	is_int(b.len, 4001, "addf longer than the first guess");
	ok(b.ptr[3999] == 'x' && b.ptr[4000] == '|', "all of it");

	p = buf_detach(&b, &len);
	is_int(len, 4001, "detach gives the length");
	ok(b.ptr == buf_empty && b.len == 0 && b.alloc == 0,
	   "detach leaves the buffer empty");
	buf_addstr(&b, "again");
	is_str(b.ptr, "again", "and reusable");
	ok(p[4000] == '|' && p[4001] == '\0', "the detached bytes");
	free(p);
	buf_release(&b);
	ok(b.ptr == buf_empty && b.len == 0, "release leaves it empty");
	buf_release(&b);
	ok(b.len == 0, "release twice is harmless");

	escaped_html("plain", "plain");
	escaped_html("<a href=\"x\">&'</a>",
		     "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	escaped_html("&amp;", "&amp;amp;");
	escaped_html("\xe6\x97\xa5<", "\xe6\x97\xa5&lt;");
	buf_add_html(&b, "a<b", 1);
	is_str(b.ptr, "a", "html: only len bytes");
	buf_release(&b);

	escaped_url("AZaz09-_.~", "AZaz09-_.~");
	escaped_url("a b&c=d/e?f#g%", "a%20b%26c%3Dd%2Fe%3Ff%23g%25");
	escaped_url("\xe6\x97\xa5", "%E6%97%A5");
	escaped_url("+", "%2B");

	{
		static const int64_t v[] = { 0, 7, -7, 10, 1234567890123LL,
					     INT64_MAX, INT64_MIN };
		char want[32];

		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			buf_reset(&b);
			buf_add_int(&b, v[i]);
			snprintf(want, sizeof(want), "%lld", (long long)v[i]);
			is_str(b.ptr, want, "add_int: as %%lld prints it");
		}
		buf_release(&b);
	}
	{
		char s[] = "Payments-API \xc3\x89t\xc3\xa9 Z";

		is_str(text_ascii_lower(s), "payments-api \xc3\x89t\xc3\xa9 z",
		       "ascii_lower: ASCII letters only, as SQLite's lower()");
	}
	{
		static const char hay[] = "an ERROR, then error_rate; qaq";
		size_t n = sizeof(hay) - 1;
		const char *at = text_find_nocase(hay, n, "error", 5);
		unsigned seed = 7;
		int same = 1;

		is_int(at ? (int)(at - hay) : -1, 3, "find_nocase: either case");
		at = text_find_nocase(hay + 4, n - 4, "error", 5);
		is_int(at ? (int)(at - hay) : -1, 15, "find_nocase: the next");
		is_int(text_find_nocase(hay, n, "aq", 2) == hay + 28, 1,
		       "find_nocase: not before the anchor's place");
		ok(!text_find_nocase(hay, n, "errors", 6), "find_nocase: none");
		ok(!text_find_nocase("ab", 2, "abc", 3), "find_nocase: longer");
		ok(text_find_nocase(hay, n, "", 0) == hay,
		   "find_nocase: empty at the start");
		/* Against strcasestr on random text of a few letters. */
		for (int t = 0; t < 2000 && same; t++) {
			char s[40], w[5];
			size_t ns = 1 + (size_t)t % 39, nw = 1 + (size_t)t % 4;

			for (size_t k = 0; k < ns; k++) {
				seed = seed * 1103515245u + 12345u;
				s[k] = "aAbB\xc3"[(seed >> 16) % 5];
			}
			s[ns] = '\0';
			for (size_t k = 0; k < nw; k++) {
				seed = seed * 1103515245u + 12345u;
				w[k] = "abAB"[(seed >> 16) % 4];
			}
			w[nw] = '\0';
			same = text_find_nocase(s, ns, w, nw) == strcasestr(s, w);
		}
		ok(same, "find_nocase: as strcasestr finds");
	}
	{
		struct strtab t = { 0 };

		ok(strtab_get(&t, "a") == STRTAB_NONE, "strtab: empty");
		for (int i = 0; i < 1000; i++) {
			char k[16];

			snprintf(k, sizeof(k), "k%d", i);
			if (strtab_add(&t, k) != (uint32_t)i)
				break;
		}
		is_int(t.n, 1000, "strtab: dense ids in order of first sight");
		is_int(strtab_add(&t, "k17"), 17, "strtab: a string seen");
		is_int(strtab_get(&t, "k999"), 999, "strtab: get");
		ok(strtab_get(&t, "k1000") == STRTAB_NONE, "strtab: unseen");
		strtab_release(&t);
		ok(t.n == 0 && strtab_get(&t, "k1") == STRTAB_NONE,
		   "strtab: empty after release");
	}

	trimmed("", "", "trim: empty");
	trimmed(" \t\r\n", "", "trim: only white space");
	trimmed("  a b  ", "a b", "trim: both ends, not inside");
	trimmed("\na\n", "a", "trim: newlines");
	trimmed("x", "x", "trim: nothing to do");
	trimmed("\xe3\x80\x80x", "\xe3\x80\x80x",
		"trim: an ideographic space is text");
	{
		/* 再発防止（Action Items）, 検知までの時間 (TTD) */
		const char *fw = "\xe5\x86\x8d\xef\xbc\x88" "Action Items"
				 "\xef\xbc\x89";
		const char *ascii = "time to detect (TTD)";
		const char *two = "a (b) c (d)";

		ok(text_bracket_note(fw, strlen(fw)) == fw + 3,
		   "bracket note: full-width, after its name");
		ok(text_bracket_note(ascii, strlen(ascii)) == ascii + 15,
		   "bracket note: ASCII");
		ok(text_bracket_note(two, strlen(two)) == two + 8,
		   "bracket note: the last one");
		ok(!text_bracket_note("a (b) c", 7),
		   "bracket note: none at the end");
		ok(!text_bracket_note("b)", 2), "bracket note: no opening");
		ok(!text_bracket_note("\xef\xbc\x89", 3),
		   "bracket note: a closing bracket alone");
		ok(!text_bracket_note("", 0), "bracket note: empty");
	}
	return tap_done();
}
