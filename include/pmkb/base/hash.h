/*
 * The hashes of pmkb's in-memory tables. FNV-1a for keys the server
 * itself produced (words of indexed documents, settings, ids); SipHash
 * under a random key (libsodium's crypto_shorthash) for tables keyed by
 * what a request sends (queries, client addresses), so that nobody can
 * pick keys that crowd one place of the table.
 */
#ifndef PMKB_BASE_HASH_H
#define PMKB_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a (64 bits) of s[0..n). */
uint64_t hash_bytes(const void *s, size_t n);

/* h, the hash of some bytes, carried on over s[0..n): the hash of a
 * value made of pieces, without joining them first. */
uint64_t hash_more(uint64_t h, const void *s, size_t n);

/* FNV-1a (64 bits) of NUL-terminated s. */
uint64_t hash_str(const char *s);

/* A key for hash_keyed(): 16 random bytes, drawn by hash_key_new(). */
struct hash_key {
	unsigned char bytes[16];
};

void hash_key_new(struct hash_key *k);

/* SipHash-2-4 (64 bits) of s[0..n) under k. */
uint64_t hash_keyed(const struct hash_key *k, const void *s, size_t n);

#endif
