/* Facet values and counts: see include/pmkb/search/facets.h. */
#include <stdlib.h>
#include <string.h>

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

json_t *facet_json(struct facet *f, enum facet_order order)
{
	json_t *a = json_array();
	size_t i;

	if (f->n)
		qsort(f->v, f->n, sizeof(f->v[0]),
		      order == FACET_BY_COUNT ? by_count : by_value_desc);
	/* Built directly: json_pack() parses its format for each. */
	for (i = 0; i < f->n && i < FACET_MAX; i++) {
		json_t *s = json_string(f->v[i].value), *v;

		if (!s)
			continue; /* not UTF-8: json_pack() left it out */
		v = json_object();
		json_object_set_new(v, "value", s);
		json_object_set_new(v, "count",
				    json_integer((json_int_t)f->v[i].count));
		json_array_append_new(a, v);
	}
	facet_release(f);
	return a;
}
