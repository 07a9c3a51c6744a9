/*
 * Small text helpers shared by the parsers: white space (ASCII and the
 * Unicode spaces Japanese text uses), trimming, lines, finding words
 * without regard to ASCII case.
 */
#ifndef PMKB_BASE_TEXT_H
#define PMKB_BASE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * How rare byte c is in postmortems, the higher the rarer: its place in a
 * list of the bytes common in English and Japanese ones (an ASCII letter
 * counted in both cases), most common first, measured on real and
 * generated postmortems. Bytes not on the list (most UTF-8 continuation
 * bytes, rare letters, punctuation) are rarer than all on it.
 */
int text_byte_rarity(unsigned char c);

/*
 * The first place in s[0..n) where w[0..m) occurs, ASCII letters in
 * either case (strcasestr() in the C locale, without the NUL), or NULL.
 * memchr() looks for w's rarest byte in its two cases, and only there is
 * w compared. An empty w is found at s.
 */
const char *text_find_nocase(const char *s, size_t n, const char *w,
			     size_t m);

/*
 * Where a note in brackets that ends s[0..len) opens, the last "(" or
 * "（" before the closing ")" or "）": "再発防止（Action Items）" and
 * "検知までの時間 (TTD)" give the full-width and the ASCII one. NULL when
 * s does not end with a closing bracket or holds no opening one.
 */
const char *text_bracket_note(const char *s, size_t len);
/* Exactly n ASCII digits at *pp: their value in *out, *pp past them; 0.
 * -1 (nothing moved) when one of them is not a digit. */
int text_digits(const char **pp, int n, int *out);

/*
 * Eight bytes at a time: the eight bytes at p as one word (any
 * alignment), whether a word holds the byte c, and whether it holds a
 * byte below n (n at most 0x80). Exact for "holds", not for "where".
 */
static inline uint64_t text_word(const void *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

#define TEXT_ONES 0x0101010101010101ull
#define TEXT_HIGHS 0x8080808080808080ull

static inline int text_word_below(uint64_t w, unsigned n)
{
	return ((w - TEXT_ONES * n) & ~w & TEXT_HIGHS) != 0;
}

static inline int text_word_has(uint64_t w, unsigned char c)
{
	return text_word_below(w ^ (TEXT_ONES * c), 1);
}

/* The end of the line starting at p: its '\n', or end. */
const char *text_line_end(const char *p, const char *end);

#endif
