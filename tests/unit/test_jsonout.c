/*
 * jsonout_add() writes what json_dumps(JSON_COMPACT | JSON_ESCAPE_SLASH |
 * JSON_ENCODE_ANY) writes: every kind of value, every escape, reals at both precisions,
 * member order, nesting, the failures jansson has (a string that is not
 * UTF-8), and thousands of random trees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "randtext.h"
#include "tap.h"

/* Whether both write the same bytes for j (or both fail); takes j. */
static int same(json_t *j, int precision)
{
	size_t flags = JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_ENCODE_ANY |
		       (precision ? JSON_REAL_PRECISION((size_t)precision) : 0);
	char *want = json_dumps(j, flags);
	struct buf got = BUF_INIT;
	int rc = jsonout_add(&got, j, precision), ok;

	ok = want ? rc == 0 && !strcmp(got.ptr, want) : rc == -1;
	if (!ok)
		printf("# want %s\n#  got %s (%d)\n", want ? want : "(fails)",
		       got.ptr, rc);
	free(want);
	buf_release(&got);
	json_decref(j);
	return ok;
}

static void test_scalars(void)
{
	static const double reals[] = { 0.0, -0.0, 1.0, 0.1, 1.5, -2.25,
					1e300, 1e-300, 1e21, 1e-7, 123456.789,
					0.3, 2.0 / 3.0, 1e100, 5e-324 };
	size_t i;

	ok(same(json_null(), 0), "null");
	ok(same(json_true(), 0), "true");
	ok(same(json_false(), 0), "false");
	ok(same(json_integer(0), 0), "zero");
	ok(same(json_integer(-9223372036854775807LL - 1), 0), "min integer");
	ok(same(json_integer(9223372036854775807LL), 0), "max integer");
	for (i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
		ok(same(json_real(reals[i]), 0), "real");
		ok(same(json_real(reals[i]), 10), "real, 10 digits");
	}
}

static void test_strings(void)
{
	static const char all[] = "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f é 障害 😀";
	char bytes[64];
	int bad = 0;

	ok(same(json_string(""), 0), "empty string");
	ok(same(json_string(all), 0), "every escape and UTF-8");
	ok(same(json_string("</script>"), 0), "slashes escaped");
	ok(same(json_stringn("a\0b", 3), 0), "an embedded NUL");
	for (int c = 1; c < 0x80; c++) {
		bytes[0] = (char)c;
		bad += !same(json_stringn(bytes, 1), 0);
	}
	is_int(bad, 0, "every ASCII byte");
	ok(same(json_stringn_nocheck("\xff", 1), 0), "not UTF-8: fails");
	ok(same(json_stringn_nocheck("\xed\xa0\x80", 3), 0),
	   "a surrogate: fails");
	ok(same(json_stringn_nocheck("ab\xe3\x81", 4), 0),
	   "a cut sequence: fails");
}

/*
 * Random strings up to 80 bytes of ASCII, escapes, NUL, UTF-8 and bytes
 * that are not UTF-8, so that runs copied eight bytes at a time start,
 * stop and fail at every offset.
 */
static void test_long_strings(void)
{
	static const char *const parts[] = {
		"abcdefgh", "x", "\"", "\\", "/", "\n", "\x01", "\x1f",
		"\x7f", "\xc3\xa9", "\xe9\x9a\x9c", "\xf0\x9f\x98\x80",
		" ", "ERR000391",
		/* not UTF-8: a stray byte, a cut sequence, a surrogate */
		"\xff", "\xe3\x81", "\xed\xa0\x80",
	};
	const size_t n_parts = sizeof(parts) / sizeof(parts[0]);
	unsigned seed = 7;
	int bad = 0;

	for (int i = 0; i < 20000; i++) {
		char s[128];
		/* One string in eight may hold bytes that are not UTF-8. */
		size_t n = randtext_fill(s, sizeof(s),
					 (size_t)(rand_r(&seed) % 80), parts,
					 i % 8 ? n_parts - 3 : n_parts, 16, &seed);

		bad += !same(json_stringn_nocheck(s, n), 0);
	}
	is_int(bad, 0, "20,000 random long strings");
}

static void test_containers(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "z", json_integer(1));
	json_object_set_new(o, "a/b", json_string("x"));
	json_object_set_new(o, "m", json_array());
	json_object_set_new(o, "e", json_object());
	json_object_set_new(o, "\"q\"", json_pack("[i,s,b,n,f]", 1, "é", 1,
						  0.5));
	ok(same(o, 0), "members in insertion order, nested");
	ok(same(json_array(), 0), "empty array");
	ok(same(json_object(), 0), "empty object");
}

/* A random tree of depth at most d. */
static json_t *random_value(unsigned *seed, int d)
{
	static const char *const words[] = { "障害", "a/b", "x\"y", "\n",
					     "error", "", "é", "\t\\" };
	int kind = (int)(rand_r(seed) % (d > 0 ? 8 : 6));
	json_t *j;

	switch (kind) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rand_r(seed) % 2);
	case 2:
		return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
	case 3:
		return json_real((double)rand_r(seed) / 1000.0 - 1e6);
	case 4:
	case 5:
		return json_string(words[rand_r(seed) % 8]);
	case 6:
		j = json_array();
		for (int n = (int)(rand_r(seed) % 5); n > 0; n--)
			json_array_append_new(j, random_value(seed, d - 1));
		return j;
	default:
		j = json_object();
		for (int n = (int)(rand_r(seed) % 5); n > 0; n--)
			json_object_set_new(j, words[rand_r(seed) % 8],
					    random_value(seed, d - 1));
		return j;
	}
}

static void test_random(void)
{
	unsigned seed = 42;
	int bad = 0;

	for (int i = 0; i < 5000; i++)
		bad += !same(random_value(&seed, 5), i % 2 ? 10 : 0);
	is_int(bad, 0, "5,000 random trees");
}

static void test_deep(void)
{
	json_t *root = json_array(), *a = root;

	for (int i = 0; i < 3000; i++) {
		json_t *next = json_array();

		json_array_append_new(a, next);
		a = next;
	}
	{
		struct buf b = BUF_INIT;

		is_int(jsonout_add(&b, root, 0), -1, "too deep: fails");
		buf_release(&b);
	}
	json_decref(root);
	is_int(jsonout_add(&(struct buf)BUF_INIT, NULL, 0), -1, "NULL fails");
}

static void test_open_object(void)
{
	struct buf b = BUF_INIT;
	size_t len;

	buf_addstr(&b, "[");
	is_int(jsonout_open_object(&b, json_pack("{s:s,s:i}", "a/b", "é",
						 "n", 2)),
	       0, "open object written");
	buf_addstr(&b, ",\"more\":true}");
	is_str(b.ptr, "[{\"a\\/b\":\"é\",\"n\":2,\"more\":true}",
	       "its members, then the ones added");
	len = b.len;
	is_int(jsonout_open_object(&b, json_array()), -1, "an array fails");
	is_int(jsonout_open_object(&b, NULL), -1, "NULL fails");
	is_int(jsonout_open_object(&b, json_pack("{s:s,s:o}", "a", "b", "k",
						 json_stringn_nocheck("\xff",
								      1))),
	       -1, "a member that is not UTF-8 fails");
	is_int((int64_t)b.len, (int64_t)len, "and leaves the text as it was");
	buf_release(&b);
}

int main(void)
{
	test_scalars();
	test_strings();
	test_long_strings();
	test_containers();
	test_random();
	test_deep();
	test_open_object();
	return tap_done();
}
