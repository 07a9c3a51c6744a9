/*
 * In-memory search metadata: see include/pmkb/search/docmeta.h.
 *
 * Map:
 *   generation loaded by docgen.c, kept on the connection for its
 *              snapshot (dbconn_derived)
 *   filters    conditions on values as one bitmap of the documents that
 *              meet them (so that a scan without terms visits only
 *              those), and bounds
 *   scans      totals and facet counts, document by document or, for
 *              large sets, from the sets' intersections
 *   pages      the first places of a scan in one of three orders
 *              (newest, most severe, longest to resolve)
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <roaring/roaring.h>
#include <sqlite3.h>

#include "pmkb/base/log.h"
#include "pmkb/base/strtab.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/search/docgen.h"
#include "pmkb/search/docmeta.h"

#define NONE STRTAB_NONE

/* The key of the generation on a connection. */
static const char generation_key;

static void generation_free(void *dm)
{
	docgen_free(dm);
}

static void *load(struct dbconn *c, const void *arg)
{
	(void)arg;
	return docgen_load(c);
}

enum pm_status docmeta_current(struct dbconn *c, const struct docmeta **out,
			       struct pm_error *err)
{
	*out = dbconn_derived(c, &generation_key, load, NULL, generation_free);
	if (*out)
		return PM_OK;
	log_kv(LOG_ERROR, "search.docmeta", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "search", 0,
			    "search: the index could not be read");
}

/* ---- filters ---- */

struct docmeta_filter {
	const struct docmeta *dm;
	/* documents that meet every condition on values; NULL: all do */
	roaring_bitmap_t *cand;
	int sev_max;
	int64_t after, before;
};

struct docmeta_filter *docmeta_filter_new(const struct docmeta *dm)
{
	struct docmeta_filter *f = xcalloc(1, sizeof(*f));

	f->dm = dm;
	f->sev_max = -1;
	f->after = INT64_MIN;
	f->before = INT64_MAX;
	return f;
}

void docmeta_filter_free(struct docmeta_filter *f)
{
	if (!f)
		return;
	if (f->cand)
		roaring_bitmap_free(f->cand);
	free(f);
}

/* Narrows f's candidates to set (taken). */
static void narrow(struct docmeta_filter *f, roaring_bitmap_t *set)
{
	if (!f->cand) {
		f->cand = set;
		return;
	}
	roaring_bitmap_and_inplace(f->cand, set);
	roaring_bitmap_free(set);
}

void docmeta_filter_values(struct docmeta_filter *f, enum docmeta_field field,
			   const char *json)
{
	const struct docmeta *dm = f->dm;
	const roaring_bitmap_t **sets;
	size_t i, n = 0;
	json_t *a;

	if (!json)
		return;
	a = json_loads(json, 0, NULL);
	sets = xcalloc(json_array_size(a) + 1, sizeof(*sets));
	for (i = 0; i < json_array_size(a); i++) {
		const char *v = json_string_value(json_array_get(a, i));
		uint32_t id;

		if (!v)
			continue;
		if (docgen_nocase(field)) {
			char *l = text_ascii_lower(xstrdup(v));

			id = strtab_get(&dm->lower[field], l);
			free(l);
		} else {
			id = strtab_get(&dm->tab[field], v);
		}
		if (id != NONE && id < dm->n_docs_of[field])
			sets[n++] = dm->docs_of[field][id];
	}
	json_decref(a);
	/* A copy, or a union made at once: or_inplace() into an empty
	 * bitmap costs more in this CRoaring. */
	narrow(f, n == 1   ? roaring_bitmap_copy(sets[0])
		  : n > 1 ? roaring_bitmap_or_many(n, sets)
			  : roaring_bitmap_create());
	free(sets);
}

void docmeta_filter_bounds(struct docmeta_filter *f, int sev_max,
			   int64_t after, int64_t before)
{
	f->sev_max = sev_max;
	f->after = after;
	f->before = before;
}

void docmeta_filter_only(struct docmeta_filter *f, const int64_t *ids,
			 size_t n)
{
	roaring_bitmap_t *only = roaring_bitmap_create();
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t d = docgen_doc(f->dm, ids[i]);

		if (d != NONE)
			roaring_bitmap_add(only, d);
	}
	narrow(f, only);
}

/* Whether document d meets f's bounds (its values are checked apart). */
static int in_bounds(const struct docmeta_filter *f, const struct dm_doc *d)
{
	if (f->sev_max >= 0 && (d->sev_rank < 0 || d->sev_rank > f->sev_max))
		return 0;
	if (f->after != INT64_MIN && (!d->has_epoch || d->epoch < f->after))
		return 0;
	if (f->before != INT64_MAX && (!d->has_epoch || d->epoch >= f->before))
		return 0;
	return 1;
}

static int passes(const struct docmeta_filter *f, uint32_t d)
{
	return (!f->cand || roaring_bitmap_contains(f->cand, d)) &&
	       in_bounds(f, &f->dm->doc[d]);
}

/* ---- one document ---- */

int docmeta_passes(const struct docmeta_filter *f, int64_t rowid)
{
	uint32_t d = docgen_doc(f->dm, rowid);

	return d != NONE && passes(f, d);
}

int docmeta_filter_rows(const struct docmeta_filter *f, size_t max,
			uint32_t **rows, size_t *n)
{
	uint64_t card;
	size_t i;

	*rows = NULL;
	*n = 0;
	if (!f->cand)
		return 0;
	card = roaring_bitmap_get_cardinality(f->cand);
	if (card > max)
		return 0;
	*rows = xmalloc((card ? card : 1) * sizeof(**rows));
	roaring_bitmap_to_uint32_array(f->cand, *rows);
	/* Documents are numbered in rowid order: ascending either way. */
	for (i = 0; i < card; i++) {
		const struct dm_doc *d = &f->dm->doc[(*rows)[i]];

		if (!in_bounds(f, d))
			continue;
		if (d->id < 0 || d->id > UINT32_MAX) {
			free(*rows);
			*rows = NULL;
			*n = 0;
			return 0;
		}
		(*rows)[(*n)++] = (uint32_t)d->id;
	}
	return 1;
}

uint32_t docmeta_length(const struct docmeta *dm, int64_t rowid)
{
	uint32_t d = docgen_doc(dm, rowid);

	return d == NONE ? UINT32_MAX : dm->doc[d].len;
}

/* ---- scans ---- */

static void count_doc(const struct docmeta *dm, const struct dm_doc *d,
		      struct docmeta_scan *out)
{
	uint32_t i;

	if (d->val[0] != NONE)
		out->count[DM_SEVERITY][d->val[0]]++;
	if (d->val[1] != NONE)
		out->count[DM_YEAR][d->val[1]]++;
	for (i = 0; i < d->n_lab; i++) {
		const struct dm_label *l = &dm->label[d->lab + i];

		if (out->count[l->field])
			out->count[l->field][l->val]++;
	}
}

/* Adds document d, which passed, to out. */
static void take(const struct docmeta *dm, uint32_t d, int facets, int keep,
		 struct docmeta_scan *out)
{
	out->total++;
	if (facets)
		count_doc(dm, &dm->doc[d], out);
	if (keep) {
		XGROW(out->pass, out->alloc_pass, out->n_pass + 1);
		out->pass[out->n_pass++] = d;
	}
}

/*
 * Whether a scan of every document through f is answered from the
 * candidates' set cand alone: the total is its count, the page found by
 * walking the order (docmeta_page()), and each facet count the count of
 * the candidates holding the value. Not with bounds on severity or dates,
 * which the sets do not hold. Facets only when cand's containers are
 * bitmaps: this CRoaring intersects an array container with another in
 * linear time, slower than counting document by document (a rare
 * filter, or any at 10,000 documents), where a bitmap container answers
 * for a value in the time of the value's own documents.
 */
static int by_sets(const struct docmeta *dm, const struct docmeta_filter *f,
		   const roaring_bitmap_t *cand, int facets)
{
	uint32_t c, last;

	if (f->sev_max >= 0 || f->after != INT64_MIN ||
	    f->before != INT64_MAX)
		return 0;
	if (!facets)
		return 1;
	if (!dm->countable)
		return 0;
	if (roaring_bitmap_is_empty(cand))
		return 1;
	/*
	 * A container holds the documents of one 65,536 and is an array
	 * when it holds 4,096 or fewer (or a few runs: those are left to
	 * the count too). roaring_bitmap_statistics() would say which
	 * exactly, but finds the least and greatest member by iterating
	 * over every one: 165,000 instructions at 10,000 documents.
	 */
	last = roaring_bitmap_maximum(cand) >> 16;
	for (c = roaring_bitmap_minimum(cand) >> 16; c <= last; c++) {
		uint64_t n = roaring_bitmap_range_cardinality(
			cand, (uint64_t)c << 16, (uint64_t)(c + 1) << 16);

		if (n && n <= 4096)
			return 0;
	}
	return 1;
}

/* The counts of field's values over cand, one intersection each. */
static void count_sets(const struct docmeta *dm, const roaring_bitmap_t *cand,
		       int field, struct docmeta_scan *out)
{
	size_t v, n = dm->tab[field].n;

	for (v = 0; v < n; v++) {
		uint32_t id = docgen_match_id(dm, field, (uint32_t)v);
		const roaring_bitmap_t *has;

		if (id >= dm->n_docs_of[field])
			continue;
		has = dm->docs_of[field][id];
		if (cand == dm->all)
			out->count[field][v] =
				(int64_t)roaring_bitmap_get_cardinality(has);
		else
			out->count[field][v] = (int64_t)
				roaring_bitmap_and_cardinality(cand, has);
	}
}

/* Documents waiting to be added to a set together. */
struct singles {
	uint32_t v[256];
	size_t n;
};

/*
 * Adds documents lo..hi to set: a long run as a range, a short one with
 * others (in this CRoaring add_many() costs ~90 instructions a document,
 * a range ~400 however long).
 */
static void add_run(roaring_bitmap_t *set, uint32_t lo, uint32_t hi,
		    struct singles *few)
{
	if (hi - lo >= 7) {
		roaring_bitmap_add_range_closed(set, lo, hi);
		return;
	}
	for (;;) {
		if (few->n == 256) {
			roaring_bitmap_add_many(set, few->n, few->v);
			few->n = 0;
		}
		few->v[few->n++] = lo;
		if (lo++ == hi)
			break;
	}
}

/*
 * Many matches: their documents as a set, narrowed by f's, counted and
 * faceted from the sets as by_sets() allows (a common word's 96,000
 * matches at 100,000 documents: a few intersections of bitmaps instead
 * of one count per match and label). 0 when it does not.
 */
static int by_matches(const struct docmeta *dm,
		      const struct docmeta_filter *f, const int64_t *ids,
		      size_t n, int facets, struct docmeta_scan *out)
{
	roaring_bitmap_t *set;
	struct singles few = { { 0 }, 0 };
	uint32_t lo = 0, hi = 0;
	size_t i;
	int done, run = 0;

	/*
	 * Not worth building when by_sets() will refuse it: its containers
	 * are subsets of the filter's, and none holds more than 4,096 when
	 * the set does not (facets want none that small).
	 */
	if (!by_sets(dm, f, f->cand ? f->cand : dm->all, facets) ||
	    (facets && n <= 4096))
		return 0;
	set = roaring_bitmap_create();
	for (i = 0; i < n; i++) {
		uint32_t d = docgen_doc(dm, ids[i]);

		if (d == NONE)
			continue;
		if (run && d == hi + 1) {
			hi = d;
			continue;
		}
		if (run)
			add_run(set, lo, hi, &few);
		lo = hi = d;
		run = 1;
	}
	if (run)
		add_run(set, lo, hi, &few);
	roaring_bitmap_add_many(set, few.n, few.v);
	if (f->cand)
		roaring_bitmap_and_inplace(set, f->cand);
	done = by_sets(dm, f, set, facets);
	if (done) {
		out->total = (int64_t)roaring_bitmap_get_cardinality(set);
		for (i = 0; facets && i < DOCGEN_COUNTED; i++)
			count_sets(dm, set, docgen_counted[i], out);
	}
	roaring_bitmap_free(set);
	return done;
}

void docmeta_scan(const struct docmeta *dm, const struct docmeta_filter *f,
		  int all, const int64_t *ids, size_t n, int facets, int keep,
		  struct docmeta_scan *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (facets)
		for (i = 0; i < DOCGEN_COUNTED; i++)
			out->count[docgen_counted[i]] =
				xcalloc(dm->tab[docgen_counted[i]].n + 1,
					sizeof(int64_t));
	if (all && by_sets(dm, f, f->cand ? f->cand : dm->all, facets)) {
		const roaring_bitmap_t *cand = f->cand ? f->cand : dm->all;

		out->total = (int64_t)roaring_bitmap_get_cardinality(cand);
		for (i = 0; facets && i < DOCGEN_COUNTED; i++)
			count_sets(dm, cand, docgen_counted[i], out);
		if (keep)
			out->from = cand;
		return;
	}
	if (all && f->cand) {
		/* Only the candidates: a few pages of the bitmap at a time. */
		roaring_uint32_iterator_t *it = roaring_create_iterator(f->cand);
		uint32_t buf[256], got;

		while ((got = roaring_read_uint32_iterator(it, buf, 256)))
			for (uint32_t k = 0; k < got; k++)
				if (in_bounds(f, &dm->doc[buf[k]]))
					take(dm, buf[k], facets, keep, out);
		roaring_free_uint32_iterator(it);
		return;
	}
	if (!all && !keep && n >= 1024 && n >= dm->n_doc / 16 &&
	    by_matches(dm, f, ids, n, facets, out))
		return;
	if (all)
		n = dm->n_doc;
	for (i = 0; i < n; i++) {
		uint32_t d = all ? (uint32_t)i : docgen_doc(dm, ids[i]);

		if (d != NONE && passes(f, d))
			take(dm, d, facets, keep, out);
	}
}

void docmeta_scan_release(struct docmeta_scan *s)
{
	int f;

	for (f = 0; f < DM_FIELD_MAX; f++)
		free(s->count[f]);
	free(s->pass);
	memset(s, 0, sizeof(*s));
}

size_t docmeta_values(const struct docmeta *dm, enum docmeta_field field)
{
	return dm->tab[field].n;
}

const char *docmeta_value(const struct docmeta *dm, enum docmeta_field field,
			  uint32_t id)
{
	return id < dm->tab[field].n ? dm->tab[field].s[id] : NULL;
}

/* ---- pages ---- */

int docmeta_newer_first(const struct docmeta *dm, int64_t a, int64_t b)
{
	uint32_t x = docgen_doc(dm, a), y = docgen_doc(dm, b);
	const uint32_t *place = dm->place[DM_ORDER_DATE];

	if (x == NONE || y == NONE)
		return x == y ? 0 : x == NONE ? 1 : -1;
	return place[x] == place[y] ? 0 : place[x] < place[y] ? -1 : 1;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Moves the k smallest of v[0..n) to v[0..k), in order. */
static void select_first(uint32_t *v, size_t n, size_t k)
{
	size_t i, j;

	if (k * 8 > n) {
		qsort(v, n, sizeof(*v), by_value);
		return;
	}
	/* v[0..k) kept sorted; each later one displaces the last if less. */
	qsort(v, k, sizeof(*v), by_value);
	for (i = k; i < n; i++) {
		uint32_t x = v[i];

		if (x >= v[k - 1])
			continue;
		for (j = k - 1; j > 0 && x < v[j - 1]; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * The page of a scan answered from the sets (s->from): the order walked
 * from its first place, each document looked up in the set, when that
 * visits fewer documents than the set holds; else the set becomes
 * s->pass and 0 is returned.
 */
static int page_walk(const struct docmeta *dm, struct docmeta_scan *s,
		     enum docmeta_order order, size_t offset, size_t limit,
		     int64_t *ids, size_t *n)
{
	uint64_t card = roaring_bitmap_get_cardinality(s->from);
	size_t want = offset + limit, seen = 0, p;

	if (card && (uint64_t)want * dm->n_doc / card <= card) {
		for (p = 0; p < dm->n_doc && seen < want; p++) {
			uint32_t d = dm->at[order][p];

			if (!roaring_bitmap_contains(s->from, d))
				continue;
			if (seen++ >= offset)
				ids[(*n)++] = dm->doc[d].id;
		}
		return 1;
	}
	s->n_pass = (size_t)card;
	XGROW(s->pass, s->alloc_pass, s->n_pass + 1);
	roaring_bitmap_to_uint32_array(s->from, s->pass);
	s->from = NULL;
	return 0;
}

void docmeta_page(const struct docmeta *dm, struct docmeta_scan *s,
		  enum docmeta_order order, size_t offset, size_t limit,
		  int64_t *ids, size_t *n)
{
	size_t k = offset + limit, i;

	*n = 0;
	if (s->from && page_walk(dm, s, order, offset, limit, ids, n))
		return;
	if (offset >= s->n_pass || !limit)
		return;
	if (k > s->n_pass)
		k = s->n_pass;
	/* Documents become their places, the first k places documents. */
	for (i = 0; i < s->n_pass; i++)
		s->pass[i] = dm->place[order][s->pass[i]];
	select_first(s->pass, s->n_pass, k);
	for (i = 0; i < s->n_pass; i++)
		s->pass[i] = dm->at[order][s->pass[i]];
	for (i = offset; i < k; i++)
		ids[(*n)++] = dm->doc[s->pass[i]].id;
}
