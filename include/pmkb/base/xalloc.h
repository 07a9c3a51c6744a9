/*
 * Allocation that never returns NULL: on exhaustion the process prints a
 * message and aborts. That is safe because every input-driven size in pmkb
 * is capped before it is allocated (request bodies, files, queries).
 */
#ifndef PMKB_BASE_XALLOC_H
#define PMKB_BASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies at most n bytes of s and NUL-terminates the copy. */
char *xstrndup(const char *s, size_t n);
/* Grows *array (of *alloc elements of size) to hold at least n elements. */
void xgrow(void **array, size_t *alloc, size_t n, size_t size);

/* The same, the call made only when the array must grow. */
#define XGROW(array, alloc, n)                                        \
	do {                                                          \
		if ((size_t)(n) > (alloc))                            \
			xgrow((void **)&(array), &(alloc), (n),       \
			      sizeof(*(array)));                      \
	} while (0)

#endif
