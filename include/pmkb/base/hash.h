/*
 * FNV-1a, the hash of pmkb's in-memory tables (slot tables, caches,
 * limiter buckets). Not for anything an attacker chooses the keys of and
 * gains from colliding: tables that hold such keys bound their probing.
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

#endif
