/*
 * The tables' hashes: FNV-1a against its published values, hash_more()
 * as a hash of the joined bytes, and SipHash-2-4 against the vector of
 * its paper (Aumasson and Bernstein, 2012, appendix A).
 */
#include <stdint.h>
#include <string.h>

#include "pmkb/base/hash.h"
#include "tap.h"

static void test_fnv(void)
{
	ok(hash_bytes("", 0) == 0xcbf29ce484222325ull, "FNV-1a of nothing");
	ok(hash_str("a") == 0xaf63dc4c8601ec8cull, "FNV-1a of a");
	ok(hash_str("foobar") == 0x85944171f73967e8ull, "FNV-1a of foobar");
	ok(hash_more(hash_str("foo"), "bar", 3) == hash_str("foobar"),
	   "carried on over a second piece: the hash of both");
}

static void test_keyed(void)
{
	struct hash_key k, a, b;
	unsigned char msg[15];

	for (int i = 0; i < 16; i++)
		k.bytes[i] = (unsigned char)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (unsigned char)i;
	ok(hash_keyed(&k, msg, sizeof(msg)) == 0xa129ca6149be45e5ull,
	   "SipHash-2-4: the paper's vector");
	hash_key_new(&a);
	hash_key_new(&b);
	ok(memcmp(a.bytes, b.bytes, sizeof(a.bytes)),
	   "two keys drawn differ");
	ok(hash_keyed(&a, "query", 5) == hash_keyed(&a, "query", 5),
	   "one key: the same hash");
	ok(hash_keyed(&a, "query", 5) != hash_keyed(&b, "query", 5),
	   "another key: another hash");
}

int main(void)
{
	test_fnv();
	test_keyed();
	return tap_done();
}
