/*
 * One generation of the search metadata: see
 * include/pmkb/search/docgen.h.
 *
 * Map:
 *   values     one table of distinct strings per field (dense ids), with
 *              each value's ASCII-lowercased id for the fields compared
 *              without case
 *   load       two ordered scans (the covering index of postmortems, the
 *              labels table) and FTS5's docsize table, inside the
 *              caller's read transaction
 *   sets       per field value, the documents that hold it (CRoaring
 *              bitmaps of document indexes)
 *   orders     per page order, every document's place in it, computed
 *              once per generation: a page compares two integers
 */
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>
#include <sqlite3.h>

#include "pmkb/base/strtab.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/ftsrecord.h"
#include "pmkb/db/store.h"
#include "pmkb/search/docgen.h"

#define NONE STRTAB_NONE

static const char sql_docs[] =
	"SELECT id, severity, substr(started_at, 1, 4), status,"
	" severity_rank, started_epoch, resolved_epoch"
	" FROM postmortems INDEXED BY postmortems_meta ORDER BY id";
static const char sql_labels[] =
	"SELECT pm_id, kind, value FROM labels ORDER BY pm_id";
/* FTS5's token counts per column, as varints (fts5_index.c's docsize). */
static const char sql_sizes[] = "SELECT id, sz FROM pm_fts_docsize";

const int docgen_counted[DOCGEN_COUNTED] = { DM_SEVERITY, DM_YEAR, DM_SERVICE,
					     DM_CAUSE };

static const int column_field[3] = { DM_SEVERITY, DM_YEAR, DM_STATUS };

int docgen_nocase(enum docmeta_field f)
{
	return f == DM_SERVICE || f == DM_TAG || f == DM_AUTHOR ||
	       f == DM_TEAM;
}

/* ---- load ---- */

void docgen_free(struct docmeta *dm)
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

uint32_t docgen_doc(const struct docmeta *dm, int64_t rowid)
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
		uint32_t d = docgen_doc(dm, sqlite3_column_int64(s, 0));
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

		if (!docgen_nocase((enum docmeta_field)f))
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
		uint32_t d = docgen_doc(dm, sqlite3_column_int64(s, 0));
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
uint32_t docgen_match_id(const struct docmeta *dm, int f, uint32_t v)
{
	return docgen_nocase((enum docmeta_field)f) ? dm->lower_of[f][v] : v;
}

static void build_sets(struct docmeta *dm)
{
	uint32_t d, i;
	int f, k;

	for (f = 0; f < DM_FIELD_MAX; f++) {
		size_t n = docgen_nocase((enum docmeta_field)f) ? dm->lower[f].n
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
				dm->docs_of[l->field][docgen_match_id(dm, l->field,
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
	for (k = 0; k < (int)(DOCGEN_COUNTED); k++)
		if (docgen_nocase((enum docmeta_field)docgen_counted[k]) &&
		    dm->lower[docgen_counted[k]].n != dm->tab[docgen_counted[k]].n)
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


struct docmeta *docgen_load(struct dbconn *c)
{
	struct docmeta *dm = xcalloc(1, sizeof(*dm));

	if (load_docs(c, dm) != SQLITE_OK || load_labels(c, dm) != SQLITE_OK ||
	    load_sizes(c, dm) != SQLITE_OK) {
		docgen_free(dm);
		return NULL;
	}
	build_sets(dm);
	build_orders(dm);
	return dm;
}
