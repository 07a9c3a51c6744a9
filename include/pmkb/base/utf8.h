/* UTF-8 helpers. */
#ifndef PMKB_UTF8_H
#define PMKB_UTF8_H

#include <stddef.h>

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

#endif
