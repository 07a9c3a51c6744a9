/* Facet values and counts: see include/pmkb/search/facets.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/search/facets.h"

void facet_put(struct facet *f, const char *value, int64_t n)
{
	XGROW(f->v, f->alloc, f->n + 1);
	f->v[f->n].value = xstrdup(value);
	f->v[f->n].count = n;
	f->n++;
}

void facet_add(struct facet *f, const char *value, int64_t n)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->v[i].value, value)) {
			f->v[i].count += n;
			return;
		}
	}
	facet_put(f, value, n);
}

static int by_count(const void *a, const void *b)
{
	const struct facet_val *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int by_value_desc(const void *a, const void *b)
{
	const struct facet_val *x = a, *y = b;

	return strcmp(y->value, x->value);
}

void facet_release(struct facet *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].value);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

void facet_write(struct facet *f, enum facet_order order, struct buf *out)
{
	size_t i, k = 0;

	if (f->n)
		qsort(f->v, f->n, sizeof(f->v[0]),
		      order == FACET_BY_COUNT ? by_count : by_value_desc);
	buf_addch(out, '[');
	for (i = 0; i < f->n && i < FACET_MAX; i++) {
		size_t at = out->len;

		buf_addstr(out, k ? ",{\"value\":" : "{\"value\":");
		if (jsonout_string(out, f->v[i].value,
				   strlen(f->v[i].value))) {
			buf_setlen(out, at); /* not UTF-8: left out */
			continue;
		}
		buf_addstr(out, ",\"count\":");
		buf_add_int(out, f->v[i].count);
		buf_addch(out, '}');
		k++;
	}
	buf_addch(out, ']');
	facet_release(f);
}
