/*
 * Writing JSON: see include/pmkb/base/jsonout.h. The output follows
 * jansson 2.14's dump.c: "," and ":" without spaces, members in insertion
 * order, strings escaped as it escapes them ("\/" included, other
 * characters below U+0020 as \b \f \n \r \t or \u00XX), reals as
 * jsonp_dtostr() prints them.
 */
#include <stdio.h>
#include <string.h>

#include "pmkb/base/jsonout.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"

#define DEPTH_MAX 2048

/* ASCII bytes that a string cannot hold as they are: escaped. */
static int escaped(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == '/';
}

static int add_string(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	/* The escapes with a letter of their own, and those letters. */
	static const char from[] = "\"\\/\b\f\n\r\t", to[] = "\"\\/bfnrt";
	const char *e;
	size_t i = 0, run;

	buf_addch(out, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i], high = 0;

		/*
		 * A run without escapes goes in one copy; valid UTF-8 goes as
		 * it is (an escape is ASCII, so it never splits a character),
		 * and jansson refuses the rest.
		 */
		for (run = i; run < n;) {
			uint64_t w;

			/* Eight bytes at a time while none needs an escape. */
			if (run + 8 <= n &&
			    !text_word_below(w = text_word(s + run), 0x20) &&
			    !text_word_has(w, '"') && !text_word_has(w, '\\') &&
			    !text_word_has(w, '/')) {
				if (w & TEXT_HIGHS)
					high = 0x80;
				run += 8;
			} else if (!escaped((unsigned char)s[run])) {
				high |= (unsigned char)s[run++];
			} else {
				break;
			}
		}
		if (run > i) {
			if (high >= 0x80 && !utf8_valid(s + i, run - i))
				return -1;
			buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		buf_addch(out, '\\');
		if ((e = memchr(from, c, sizeof(from) - 1))) {
			buf_addch(out, to[e - from]);
		} else {
			buf_add(out, "u00", 3);
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 0xF]);
		}
		i++;
	}
	buf_addch(out, '"');
	return 0;
}

int jsonout_string(struct buf *out, const char *s, size_t n)
{
	size_t len = out->len;

	if (!add_string(out, s, n))
		return 0;
	buf_setlen(out, len);
	return -1;
}

void jsonout_string_repaired(struct buf *out, const char *s, size_t n)
{
	struct buf fixed = BUF_INIT;

	if (!jsonout_string(out, s, n))
		return;
	utf8_repair(&fixed, s, n);
	add_string(out, fixed.ptr ? fixed.ptr : "", fixed.len);
	buf_release(&fixed);
}

/* As jansson's jsonp_dtostr() in the C locale. */
static void add_real(struct buf *out, double v, int precision)
{
	char s[100];
	char *e, *from;
	int n = snprintf(s, sizeof(s), "%.*g", precision ? precision : 17, v);

	if (n < 0 || n >= (int)sizeof(s) - 3)
		return;
	if (!strchr(s, '.') && !strchr(s, 'e')) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	/* No '+' and no leading zeros in the exponent. */
	if ((e = strchr(s, 'e'))) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, (size_t)(s + n + 1 - from));
			n -= (int)(from - e);
		}
	}
	buf_add(out, s, (size_t)n);
}

static int add_value(struct buf *out, const json_t *j, int precision,
		     int depth)
{
	void *it;
	json_t *v;
	size_t i;

	if (!j || depth > DEPTH_MAX)
		return -1;
	switch (json_typeof(j)) {
	case JSON_NULL:
		buf_add(out, "null", 4);
		return 0;
	case JSON_TRUE:
		buf_add(out, "true", 4);
		return 0;
	case JSON_FALSE:
		buf_add(out, "false", 5);
		return 0;
	case JSON_INTEGER:
		buf_add_int(out, json_integer_value(j));
		return 0;
	case JSON_REAL:
		add_real(out, json_real_value(j), precision);
		return 0;
	case JSON_STRING:
		return add_string(out, json_string_value(j),
				  json_string_length(j));
	case JSON_ARRAY:
		buf_addch(out, '[');
		json_array_foreach(j, i, v)
		{
			if (i)
				buf_addch(out, ',');
			if (add_value(out, v, precision, depth + 1))
				return -1;
		}
		buf_addch(out, ']');
		return 0;
	case JSON_OBJECT:
		buf_addch(out, '{');
		for (i = 0, it = json_object_iter((json_t *)j); it;
		     i++, it = json_object_iter_next((json_t *)j, it)) {
			if (i)
				buf_addch(out, ',');
			if (add_string(out, json_object_iter_key(it),
				       json_object_iter_key_len(it)))
				return -1;
			buf_addch(out, ':');
			if (add_value(out, json_object_iter_value(it),
				      precision, depth + 1))
				return -1;
		}
		buf_addch(out, '}');
		return 0;
	}
	return -1;
}

int jsonout_add(struct buf *out, const json_t *j, int precision)
{
	return add_value(out, j, precision, 0);
}

int jsonout_open_object(struct buf *out, json_t *obj)
{
	size_t len = out->len;
	int rc = json_is_object(obj) ? add_value(out, obj, 0, 0) : -1;

	json_decref(obj);
	buf_setlen(out, rc ? len : out->len - 1); /* the closing brace */
	return rc;
}
