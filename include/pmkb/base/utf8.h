/* UTF-8 helpers. */
#ifndef PMKB_BASE_UTF8_H
#define PMKB_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Returns 1 when s[0..len) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len);
/*
 * Returns the offset of the first byte of s[0..len) that starts an invalid
 * sequence or is a NUL byte, or len when there is none.
 */
size_t utf8_first_invalid(const char *s, size_t len);
/*
 * Appends s to out with every invalid sequence replaced by U+FFFD and NUL
 * bytes dropped. Invalid sequences are replaced by maximal subparts, as
 * Unicode recommends (and browsers do): "\xe2\x82" is one U+FFFD, "\xff\xff"
 * two. Returns the number of replacements made; dropped NUL bytes are not
 * counted.
 */
size_t utf8_repair(struct buf *out, const char *s, size_t len);
/*
 * The largest n <= max such that s[0..n) does not end inside a multi-byte
 * sequence (s is valid UTF-8 of length len). Returns len when len <= max.
 */
size_t utf8_truncate(const char *s, size_t len, size_t max);
/*
 * The offset n characters past offset i of s[0..len), or len: the n-th
 * byte after i that starts a character (any byte but 10xxxxxx). i itself
 * should start one.
 */
size_t utf8_skip(const char *s, size_t len, size_t i, size_t n);

/*
 * Decodes the code point at s[0..n): its length (1 to 4), or 0 for an
 * ill-formed sequence (overlong, surrogate, beyond U+10FFFF, truncated)
 * or n == 0. NUL decodes as U+0000 of length 1.
 */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encodes cp (at most U+10FFFF) into out; returns its length, 1 to 4. */
int utf8_encode(uint32_t cp, char out[4]);

/* The scripts that Japanese, Chinese and Korean text is written in. */
enum utf8_script { UTF8_OTHER, UTF8_HAN, UTF8_KANA, UTF8_HANGUL };
enum utf8_script utf8_script(uint32_t cp);

#endif
