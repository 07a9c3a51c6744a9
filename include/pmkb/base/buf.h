/*
 * A growable byte buffer in the manner of git's strbuf.
 *
 * ptr is never NULL and always NUL-terminated (an empty buffer points at a
 * shared empty string), so a buffer can be passed as a C string at any time.
 * buf_detach() is the one way to take ownership of the bytes.
 */
#ifndef PMKB_BASE_BUF_H
#define PMKB_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b, size_t hint);
/* Frees the bytes and leaves b empty and reusable. */
void buf_release(struct buf *b);
/* Returns the bytes (owned by the caller, free()) and leaves b empty. */
char *buf_detach(struct buf *b, size_t *len);
/* Makes room for at least extra more bytes. */
void buf_grow(struct buf *b, size_t extra);
void buf_setlen(struct buf *b, size_t len);
#define buf_reset(b) buf_setlen((b), 0)

void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
/* Appends v in decimal, as "%lld" would, without printf's cost. */
void buf_add_int(struct buf *b, int64_t v);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Appends s with &, <, >, " and ' replaced by HTML entities. */
void buf_add_html(struct buf *b, const char *s, size_t len);
/* Appends s percent-encoded for a URL path segment or query value. */
void buf_add_urlencoded(struct buf *b, const char *s);
/* Removes white space at both ends. */
void buf_trim(struct buf *b);

#endif
