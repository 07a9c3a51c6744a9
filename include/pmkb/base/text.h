/*
 * Small text helpers shared by the parsers: white space (ASCII and the
 * Unicode spaces Japanese text uses), trimming, lines.
 */
#ifndef PMKB_BASE_TEXT_H
#define PMKB_BASE_TEXT_H

#include <stddef.h>

/*
 * Bytes of white space at the start of s[0..n): an ASCII control or space
 * (1), U+00A0 (2) or U+3000, the ideographic space (3); 0 when s does not
 * start with white space or n is 0.
 */
size_t text_space_len(const char *s, size_t n);

/* Bytes of white space (as text_space_len) ending s[0..n), or 0. */
size_t text_space_before(const char *s, size_t n);

/* s[0..*len) without white space at either end: the start, and *len. */
const char *text_trim(const char *s, size_t *len);

/* NUL-terminated s trimmed in place (moved to its start); returns s. */
char *text_trim_inplace(char *s);

/* ASCII letters of NUL-terminated s lower-cased in place (as SQLite's
 * lower() does); other bytes kept. Returns s. */
char *text_ascii_lower(char *s);

/* Exactly n ASCII digits at *pp: their value in *out, *pp past them; 0.
 * -1 (nothing moved) when one of them is not a digit. */
int text_digits(const char **pp, int n, int *out);

/* The end of the line starting at p: its '\n', or end. */
const char *text_line_end(const char *p, const char *end);

#endif
