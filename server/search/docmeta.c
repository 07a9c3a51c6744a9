/*
 * In-memory search metadata: see include/pmkb/search/docmeta.h.
 *
 * Map:
 *   values     one table of distinct strings per field (dense ids), with
 *              each value's ASCII-lowercased id for the fields compared
 *              without case
 *   load       two ordered scans (the covering index of postmortems, the
 *              labels table) inside the caller's read transaction
 *   generation kept on the connection for its snapshot
 *              (dbconn_derived)
 *   sets       per field value, the documents that hold it (CRoaring
 *              bitmaps of document indexes); a filter's conditions on
 *              values become one bitmap, so that a scan without terms
 *              visits only the documents in it
 *   orders     per page order, every document's place in it, computed
 *              once per generation: a page compares two integers
 *   filters    conditions on values, and bounds; scan; a page in one of
 *              three orders (newest, most severe, longest to resolve)
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
#include "pmkb/db/ftsrecord.h"
#include "pmkb/db/store.h"
#include "pmkb/search/docmeta.h"

#define NONE STRTAB_NONE

static const char sql_docs[] =
	"SELECT id, severity, substr(started_at, 1, 4), status,"
	" severity_rank, started_epoch, resolved_epoch"
	" FROM postmortems INDEXED BY postmortems_meta ORDER BY id";
static const char sql_labels[] =
	"SELECT pm_id, kind, value FROM labels ORDER BY pm_id";
/* FTS5's token counts per column, as varints (fts5_index.c's docsize). */
static const char sql_sizes[] = "SELECT id, sz FROM pm_fts_docsize";

struct dm_doc {
	int64_t id;
	int64_t epoch;
	int64_t ttr;	  /* seconds from start to resolved; -1: unknown */
	int32_t sev_rank; /* -1: none */
	uint32_t len;	  /* tokens in all columns; UINT32_MAX unknown */
	uint8_t has_epoch;
	uint32_t val[3];  /* severity, year, status ids (NONE: NULL) */
	uint32_t lab, n_lab;
};

struct dm_label {
	uint32_t val;
	uint8_t field;
};

struct docmeta {
	struct strtab tab[DM_FIELD_MAX];
	struct strtab lower[DM_FIELD_MAX]; /* lowercased values */
	uint32_t *lower_of[DM_FIELD_MAX];  /* value id → lower id */
	struct dm_doc *doc;
	size_t n_doc, alloc_doc;
	struct dm_label *label;
	size_t n_label, alloc_label;
	uint32_t *by_rowid; /* rowid → doc index, NONE */
	size_t n_rowid;
	/* by value id (lowered id for the fields compared without case) */
	roaring_bitmap_t **docs_of[DM_FIELD_MAX];
	size_t n_docs_of[DM_FIELD_MAX];
	uint32_t *place[DM_ORDER_MAX]; /* doc index → place in the order */
	uint32_t *at[DM_ORDER_MAX];    /* place → doc index */
	roaring_bitmap_t *all; /* every document */
	/* Whether each value of a counted field has a set of its own (a
	 * case-blind field may spell one value two ways: then it does not). */
	int countable;
};

static const int column_field[3] = { DM_SEVERITY, DM_YEAR, DM_STATUS };
/* The fields a scan counts for facets. */
static const int counted[] = { DM_SEVERITY, DM_YEAR, DM_SERVICE, DM_CAUSE };

static int nocase_field(enum docmeta_field f)
{
	return f == DM_SERVICE || f == DM_TAG || f == DM_AUTHOR ||
	       f == DM_TEAM;
}

/* ---- load ---- */

static void docmeta_free(struct docmeta *dm)
{
	int f;

	if (!dm)
		return;
	for (f = 0; f < DM_FIELD_MAX; f++) {
		strtab_release(&dm->tab[f]);
		strtab_release(&dm->lower[f]);
		free(dm->lower_of[f]);
		for (size_t v = 0; v < dm->n_docs_of[f]; v++)
			roaring_bitmap_free(dm->docs_of[f][v]);
		free(dm->docs_of[f]);
	}
	for (f = 0; f < DM_ORDER_MAX; f++) {
		free(dm->place[f]);
		free(dm->at[f]);
	}
	if (dm->all)
		roaring_bitmap_free(dm->all);
	free(dm->doc);
	free(dm->label);
	free(dm->by_rowid);
	free(dm);
}

static enum docmeta_field label_field(const char *kind)
{
	static const char *const kinds[] = { "cause", "service", "tag",
					     "author", "team" };
	int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(kind, kinds[i]))
			return (enum docmeta_field)i;
	return DM_FIELD_MAX;
}

static uint32_t doc_of(const struct docmeta *dm, int64_t rowid)
{
	if (rowid < 0 || (uint64_t)rowid >= dm->n_rowid)
		return NONE;
	return dm->by_rowid[rowid];
}

static int load_docs(struct dbconn *c, struct docmeta *dm)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_docs);
	int64_t max = -1;
	size_t i;
	int rc, k;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct dm_doc *d;

		XGROW(dm->doc, dm->alloc_doc, dm->n_doc + 1);
		d = &dm->doc[dm->n_doc++];
		memset(d, 0, sizeof(*d));
		d->id = sqlite3_column_int64(s, 0);
		d->len = UINT32_MAX;
		for (k = 0; k < 3; k++) {
			const char *v = (const char *)sqlite3_column_text(
				s, k == 0 ? 1 : k == 1 ? 2 : 3);

			d->val[k] = v ? strtab_add(&dm->tab[column_field[k]],
						   v)
				      : NONE;
		}
		d->sev_rank = sqlite3_column_type(s, 4) == SQLITE_NULL
				      ? -1
				      : sqlite3_column_int(s, 4);
		d->has_epoch = sqlite3_column_type(s, 5) != SQLITE_NULL;
		d->epoch = sqlite3_column_int64(s, 5);
		/* Resolved before it started is a mistake, not a duration. */
		d->ttr = -1;
		if (d->has_epoch && sqlite3_column_type(s, 6) != SQLITE_NULL &&
		    sqlite3_column_int64(s, 6) >= d->epoch)
			d->ttr = sqlite3_column_int64(s, 6) - d->epoch;
		if (d->id > max)
			max = d->id;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return rc;
	dm->n_rowid = (size_t)(max + 1);
	dm->by_rowid = xmalloc((dm->n_rowid ? dm->n_rowid : 1) *
			       sizeof(*dm->by_rowid));
	memset(dm->by_rowid, 0xff, dm->n_rowid * sizeof(*dm->by_rowid));
	for (i = 0; i < dm->n_doc; i++)
		if (dm->doc[i].id >= 0)
			dm->by_rowid[dm->doc[i].id] = (uint32_t)i;
	return SQLITE_OK;
}

static int load_labels(struct dbconn *c, struct docmeta *dm)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_labels);
	int rc, f;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint32_t d = doc_of(dm, sqlite3_column_int64(s, 0));
		enum docmeta_field field =
			label_field((const char *)sqlite3_column_text(s, 1));
		const char *v = (const char *)sqlite3_column_text(s, 2);
		struct dm_doc *doc;

		if (d == NONE || field == DM_FIELD_MAX || !v)
			continue;
		doc = &dm->doc[d];
		/* Rows come by pm_id: a document's labels are contiguous. */
		if (!doc->n_lab)
			doc->lab = (uint32_t)dm->n_label;
		XGROW(dm->label, dm->alloc_label, dm->n_label + 1);
		dm->label[dm->n_label].val = strtab_add(&dm->tab[field], v);
		dm->label[dm->n_label].field = (uint8_t)field;
		dm->n_label++;
		doc->n_lab++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return rc;
	for (f = 0; f < DM_FIELD_MAX; f++) {
		size_t i;

		if (!nocase_field((enum docmeta_field)f))
			continue;
		dm->lower_of[f] = xmalloc((dm->tab[f].n + 1) *
					  sizeof(*dm->lower_of[f]));
		for (i = 0; i < dm->tab[f].n; i++) {
			char *l = text_ascii_lower(xstrdup(dm->tab[f].s[i]));

			dm->lower_of[f][i] = strtab_add(&dm->lower[f], l);
			free(l);
		}
	}
	return SQLITE_OK;
}

static int load_sizes(struct dbconn *c, struct docmeta *dm)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_sizes);
	int rc;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint32_t d = doc_of(dm, sqlite3_column_int64(s, 0));
		const unsigned char *p = sqlite3_column_blob(s, 1);
		const unsigned char *end = p + sqlite3_column_bytes(s, 1);
		int64_t sum = 0, v;

		if (d == NONE)
			continue;
		while (p && p < end && (v = ftsrecord_varint(&p, end)) >= 0)
			sum += v;
		if (p == end && sum >= 0 && sum < UINT32_MAX)
			dm->doc[d].len = (uint32_t)sum;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- sets and orders ---- */

/* The id a filter on field f looks value id v up by. */
static uint32_t match_id(const struct docmeta *dm, int f, uint32_t v)
{
	return nocase_field((enum docmeta_field)f) ? dm->lower_of[f][v] : v;
}

static void build_sets(struct docmeta *dm)
{
	uint32_t d, i;
	int f, k;

	for (f = 0; f < DM_FIELD_MAX; f++) {
		size_t n = nocase_field((enum docmeta_field)f) ? dm->lower[f].n
							       : dm->tab[f].n;

		dm->docs_of[f] = xcalloc(n + 1, sizeof(*dm->docs_of[f]));
		dm->n_docs_of[f] = n;
		for (size_t v = 0; v < n; v++)
			dm->docs_of[f][v] = roaring_bitmap_create();
	}
	/* Documents in index order: each bitmap grows at its end. */
	for (d = 0; d < dm->n_doc; d++) {
		const struct dm_doc *doc = &dm->doc[d];

		for (k = 0; k < 3; k++)
			if (doc->val[k] != NONE)
				roaring_bitmap_add(
					dm->docs_of[column_field[k]][doc->val[k]],
					d);
		for (i = 0; i < doc->n_lab; i++) {
			const struct dm_label *l = &dm->label[doc->lab + i];

			roaring_bitmap_add(
				dm->docs_of[l->field][match_id(dm, l->field,
							       l->val)],
				d);
		}
	}
	for (f = 0; f < DM_FIELD_MAX; f++)
		for (size_t v = 0; v < dm->n_docs_of[f]; v++)
			roaring_bitmap_run_optimize(dm->docs_of[f][v]);
	dm->all = dm->n_doc ? roaring_bitmap_from_range(0, dm->n_doc, 1)
			    : roaring_bitmap_create();
	dm->countable = 1;
	for (k = 0; k < (int)(sizeof(counted) / sizeof(counted[0])); k++)
		if (nocase_field((enum docmeta_field)counted[k]) &&
		    dm->lower[counted[k]].n != dm->tab[counted[k]].n)
			dm->countable = 0;
}

/* < 0 when doc x comes before doc y newest first. */
static int newer_first(const struct dm_doc *x, const struct dm_doc *y)
{
	if (x->has_epoch != y->has_epoch)
		return x->has_epoch ? -1 : 1;
	if (x->has_epoch && x->epoch != y->epoch)
		return x->epoch > y->epoch ? -1 : 1;
	return x->id == y->id ? 0 : x->id > y->id ? -1 : 1;
}

struct order_ctx {
	const struct docmeta *dm;
	enum docmeta_order order;
};

/* < 0 when doc *a comes before doc *b in the order (see docmeta.h). */
static int before(const void *a, const void *b, void *ctx)
{
	const struct order_ctx *o = ctx;
	const struct dm_doc *x = &o->dm->doc[*(const uint32_t *)a];
	const struct dm_doc *y = &o->dm->doc[*(const uint32_t *)b];

	switch (o->order) {
	case DM_ORDER_SEVERITY:
		if ((x->sev_rank < 0) != (y->sev_rank < 0))
			return x->sev_rank < 0 ? 1 : -1;
		if (x->sev_rank != y->sev_rank)
			return x->sev_rank < y->sev_rank ? -1 : 1;
		break;
	case DM_ORDER_TTR:
		if (x->ttr != y->ttr)
			return x->ttr > y->ttr ? -1 : 1;
		break;
	case DM_ORDER_DATE:
	case DM_ORDER_MAX:
		break;
	}
	return newer_first(x, y);
}

/*
 * What orders d in o before its date (see before()), as a number that
 * sorts first when smaller; -1 when it does not fit in 32 bits (a time to
 * resolve of over 136 years).
 */
static int64_t order_key(const struct dm_doc *d, enum docmeta_order o)
{
	if (o == DM_ORDER_SEVERITY)
		return d->sev_rank < 0 ? (int64_t)UINT32_MAX
				       : (int64_t)d->sev_rank;
	if (d->ttr < 0)
		return UINT32_MAX;
	return d->ttr < UINT32_MAX - 1 ? UINT32_MAX - 1 - d->ttr : -1;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Sorts at[0..n) into order o. The date order compares documents; the
 * others sort (key, place by date) pairs packed in 64 bits, a third of
 * the time, unless a key does not fit.
 */
static void sort_order(struct docmeta *dm, enum docmeta_order o, uint32_t *at)
{
	struct order_ctx ctx = { dm, o };
	uint64_t *key = NULL;
	uint32_t d;

	for (d = 0; d < dm->n_doc; d++)
		at[d] = d;
	if (o != DM_ORDER_DATE)
		key = xmalloc((dm->n_doc ? dm->n_doc : 1) * sizeof(*key));
	for (d = 0; key && d < dm->n_doc; d++) {
		int64_t k = order_key(&dm->doc[d], o);

		if (k < 0) {
			free(key);
			key = NULL;
			break;
		}
		key[d] = (uint64_t)k << 32 | dm->place[DM_ORDER_DATE][d];
	}
	if (!key) {
		qsort_r(at, dm->n_doc, sizeof(*at), before, &ctx);
		return;
	}
	qsort(key, dm->n_doc, sizeof(*key), by_u64);
	for (d = 0; d < dm->n_doc; d++)
		at[d] = dm->at[DM_ORDER_DATE][(uint32_t)key[d]];
	free(key);
}

/* Every order, the date first: the others break ties by it. */
static void build_orders(struct docmeta *dm)
{
	size_t n = dm->n_doc ? dm->n_doc : 1;

	for (int o = 0; o < DM_ORDER_MAX; o++) {
		uint32_t *at = xmalloc(n * sizeof(*at));
		uint32_t *place = xmalloc(n * sizeof(*place));

		sort_order(dm, (enum docmeta_order)o, at);
		for (uint32_t i = 0; i < dm->n_doc; i++)
			place[at[i]] = i;
		dm->at[o] = at;
		dm->place[o] = place;
	}
}

/* The key of the generation on a connection. */
static const char generation_key;

static void generation_free(void *dm)
{
	docmeta_free(dm);
}

static void *load(struct dbconn *c, const void *arg)
{
	struct docmeta *dm = xcalloc(1, sizeof(*dm));

	(void)arg;
	if (load_docs(c, dm) != SQLITE_OK || load_labels(c, dm) != SQLITE_OK ||
	    load_sizes(c, dm) != SQLITE_OK) {
		docmeta_free(dm);
		return NULL;
	}
	build_sets(dm);
	build_orders(dm);
	return dm;
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
		if (nocase_field(field)) {
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
		uint32_t d = doc_of(f->dm, ids[i]);

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
	uint32_t d = doc_of(f->dm, rowid);

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
	uint32_t d = doc_of(dm, rowid);

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
 * bitmaps (or runs): this CRoaring intersects an array container with
 * another in linear time, slower than counting document by document
 * (a rare filter, or any at 10,000 documents), where a bitmap container
 * answers for a value in the time of the value's own documents.
 */
static int by_sets(const struct docmeta *dm, const struct docmeta_filter *f,
		   const roaring_bitmap_t *cand, int facets)
{
	roaring_statistics_t st;

	if (f->sev_max >= 0 || f->after != INT64_MIN ||
	    f->before != INT64_MAX)
		return 0;
	if (!facets)
		return 1;
	if (!dm->countable)
		return 0;
	roaring_bitmap_statistics(cand, &st);
	return st.n_array_containers == 0;
}

/* The counts of field's values over cand, one intersection each. */
static void count_sets(const struct docmeta *dm, const roaring_bitmap_t *cand,
		       int field, struct docmeta_scan *out)
{
	size_t v, n = dm->tab[field].n;

	for (v = 0; v < n; v++) {
		uint32_t id = match_id(dm, field, (uint32_t)v);
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
	roaring_bitmap_t *set = roaring_bitmap_create();
	uint32_t buf[256];
	size_t i, k = 0;
	int done;

	for (i = 0; i < n; i++) {
		uint32_t d = doc_of(dm, ids[i]);

		if (d != NONE)
			buf[k++] = d;
		if (k == 256 || (i + 1 == n && k)) {
			roaring_bitmap_add_many(set, k, buf);
			k = 0;
		}
	}
	if (f->cand)
		roaring_bitmap_and_inplace(set, f->cand);
	done = by_sets(dm, f, set, facets);
	if (done) {
		out->total = (int64_t)roaring_bitmap_get_cardinality(set);
		for (i = 0; facets && i < sizeof(counted) / sizeof(counted[0]);
		     i++)
			count_sets(dm, set, counted[i], out);
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
		for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
			out->count[counted[i]] = xcalloc(
				dm->tab[counted[i]].n + 1, sizeof(int64_t));
	if (all && by_sets(dm, f, f->cand ? f->cand : dm->all, facets)) {
		const roaring_bitmap_t *cand = f->cand ? f->cand : dm->all;

		out->total = (int64_t)roaring_bitmap_get_cardinality(cand);
		for (i = 0; facets && i < sizeof(counted) / sizeof(counted[0]);
		     i++)
			count_sets(dm, cand, counted[i], out);
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
		uint32_t d = all ? (uint32_t)i : doc_of(dm, ids[i]);

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
	uint32_t x = doc_of(dm, a), y = doc_of(dm, b);
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
