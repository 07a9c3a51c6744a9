/* FNV-1a and keyed SipHash: see include/pmkb/base/hash.h. */
#include <string.h>

#include <sodium.h>

#include "pmkb/base/hash.h"

_Static_assert(sizeof(((struct hash_key *)0)->bytes) ==
		       crypto_shorthash_KEYBYTES,
	       "a hash_key is a crypto_shorthash key");

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

uint64_t hash_more(uint64_t h, const void *s, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint64_t hash_bytes(const void *s, size_t n)
{
	return hash_more(FNV_OFFSET, s, n);
}

uint64_t hash_str(const char *s)
{
	uint64_t h = FNV_OFFSET;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

void hash_key_new(struct hash_key *k)
{
	/* Idempotent: the random source is ready after it. */
	if (sodium_init() < 0)
		randombytes_stir();
	crypto_shorthash_keygen(k->bytes);
}

uint64_t hash_keyed(const struct hash_key *k, const void *s, size_t n)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, s, n, k->bytes);
	memcpy(&v, h, sizeof(v));
	return v;
}
