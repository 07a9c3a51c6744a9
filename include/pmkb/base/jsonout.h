/*
 * Writing JSON: the compact text of a jansson value, byte for byte what
 * json_dumps(j, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(p))
 * writes, at a fraction of the cost (jansson checks every container for
 * cycles through a hash table and hands every token to a callback: a
 * fifth of answering a search).
 */
#ifndef PMKB_BASE_JSONOUT_H
#define PMKB_BASE_JSONOUT_H

#include <jansson.h>

#include "pmkb/base/buf.h"

/*
 * Appends j (any type, as with JSON_ENCODE_ANY) to out; reals with
 * precision significant digits (0: 17, as jansson). Returns 0, or -1 when jansson's would fail too (NULL, a
 * string that is not UTF-8) or j nests deeper than 2,048; out then holds
 * what came before, and some of j.
 */
int jsonout_add(struct buf *out, const json_t *j, int precision);

/*
 * Appends the object obj (owned: released; with at least one member)
 * without its closing brace, so that members written as text can follow
 * ("," then "key":value) before the caller closes it. Returns 0, or -1 (out unchanged) when obj
 * is not an object or cannot be written.
 */
int jsonout_open_object(struct buf *out, json_t *obj);

/*
 * Appends s[0..n) as a JSON string, escaped as jsonout_add() escapes
 * one, so that text can be written without building jansson values.
 * Returns 0, or -1 (out unchanged) when s is not UTF-8.
 */
int jsonout_string(struct buf *out, const char *s, size_t n);

/* Appends s[0..n) as a JSON string, its bytes that are not UTF-8
 * replaced (utf8_repair()). */
void jsonout_string_repaired(struct buf *out, const char *s, size_t n);

#endif
