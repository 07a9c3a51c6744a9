/*
 * A facet as the search answer lists it: values with their counts,
 * gathered in any order, then sorted and cut to FACET_MAX as JSON text
 * ([{"value", "count"}, ...], as jansson would dump it).
 */
#ifndef PMKB_SEARCH_FACETS_H
#define PMKB_SEARCH_FACETS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Values per facet in an answer. */
#define FACET_MAX 50

struct facet_val {
	char *value;
	int64_t count;
};

/* Zero-initialised is empty. */
struct facet {
	struct facet_val *v;
	size_t n, alloc;
};

enum facet_order {
	FACET_BY_COUNT,	     /* most first, then by value */
	FACET_BY_VALUE_DESC, /* by value, last first (years newest first) */
};

/* Adds n to value's count (a new value starts at n). */
void facet_add(struct facet *f, const char *value, int64_t n);
/* Adds value with count n, known not to be in f yet (no search). */
void facet_put(struct facet *f, const char *value, int64_t n);
void facet_release(struct facet *f);
/* Appends f's values in order as a JSON array, FACET_MAX at most, a
 * value that is not UTF-8 left out; empties f. */
void facet_write(struct facet *f, enum facet_order order, struct buf *out);

#endif
