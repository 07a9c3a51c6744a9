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
 *   filters    conditions on value ids; scan; a page in one of three
 *              orders (newest, most severe, longest to resolve)
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/log.h"
#include "pmkb/base/strtab.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
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
};

static const int column_field[3] = { DM_SEVERITY, DM_YEAR, DM_STATUS };

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
	}
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

/* An SQLite varint (what FTS5 writes) from p[0..end), or -1. */
static int64_t read_varint(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 9 && *p < end; i++) {
		unsigned char c = *(*p)++;

		if (i == 8)
			return (int64_t)((v << 8) | c);
		v = (v << 7) | (c & 0x7f);
		if (!(c & 0x80))
			return (int64_t)v;
	}
	return -1;
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
		while (p && p < end && (v = read_varint(&p, end)) >= 0)
			sum += v;
		if (p == end && sum >= 0 && sum < UINT32_MAX)
			dm->doc[d].len = (uint32_t)sum;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
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

struct dm_cond {
	enum docmeta_field field;
	uint32_t *ids; /* value ids (lower ids for nocase fields) */
	size_t n;
};

struct docmeta_filter {
	const struct docmeta *dm;
	uint8_t *allow; /* by document: 1 may pass; NULL: all may */
	struct dm_cond *cond;
	size_t n, alloc;
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
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n; i++)
		free(f->cond[i].ids);
	free(f->cond);
	free(f->allow);
	free(f);
}

void docmeta_filter_values(struct docmeta_filter *f, enum docmeta_field field,
			   const char *json)
{
	json_t *a;
	struct dm_cond *c;
	size_t i;

	if (!json)
		return;
	XGROW(f->cond, f->alloc, f->n + 1);
	c = &f->cond[f->n++];
	c->field = field;
	c->ids = NULL;
	c->n = 0;
	a = json_loads(json, 0, NULL);
	c->ids = xmalloc((json_array_size(a) + 1) * sizeof(*c->ids));
	for (i = 0; i < json_array_size(a); i++) {
		const char *v = json_string_value(json_array_get(a, i));
		uint32_t id;

		if (!v)
			continue;
		if (nocase_field(field)) {
			char *l = text_ascii_lower(xstrdup(v));

			id = strtab_get(&f->dm->lower[field], l);
			free(l);
		} else {
			id = strtab_get(&f->dm->tab[field], v);
		}
		if (id != NONE)
			c->ids[c->n++] = id;
	}
	json_decref(a);
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
	size_t i;

	free(f->allow);
	f->allow = xcalloc(f->dm->n_doc + 1, 1);
	for (i = 0; i < n; i++) {
		uint32_t d = doc_of(f->dm, ids[i]);

		if (d != NONE)
			f->allow[d] = 1;
	}
}

static int has_id(const struct dm_cond *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->ids[i] == id)
			return 1;
	return 0;
}

static int cond_holds(const struct docmeta *dm, const struct dm_doc *d,
		      const struct dm_cond *c)
{
	uint32_t i;

	if (c->field == DM_SEVERITY)
		return d->val[0] != NONE && has_id(c, d->val[0]);
	if (c->field == DM_YEAR)
		return d->val[1] != NONE && has_id(c, d->val[1]);
	if (c->field == DM_STATUS)
		return d->val[2] != NONE && has_id(c, d->val[2]);
	for (i = 0; i < d->n_lab; i++) {
		const struct dm_label *l = &dm->label[d->lab + i];

		if (l->field != c->field)
			continue;
		if (has_id(c, nocase_field(c->field)
				      ? dm->lower_of[c->field][l->val]
				      : l->val))
			return 1;
	}
	return 0;
}

static int passes(const struct docmeta_filter *f, const struct dm_doc *d)
{
	size_t i;

	if (f->allow && !f->allow[d - f->dm->doc])
		return 0;
	if (f->sev_max >= 0 && (d->sev_rank < 0 || d->sev_rank > f->sev_max))
		return 0;
	if (f->after != INT64_MIN && (!d->has_epoch || d->epoch < f->after))
		return 0;
	if (f->before != INT64_MAX && (!d->has_epoch || d->epoch >= f->before))
		return 0;
	for (i = 0; i < f->n; i++)
		if (!cond_holds(f->dm, d, &f->cond[i]))
			return 0;
	return 1;
}

/* ---- one document ---- */

int docmeta_passes(const struct docmeta_filter *f, int64_t rowid)
{
	uint32_t d = doc_of(f->dm, rowid);

	return d != NONE && passes(f, &f->dm->doc[d]);
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

void docmeta_scan(const struct docmeta *dm, const struct docmeta_filter *f,
		  int all, const int64_t *ids, size_t n, int facets, int keep,
		  struct docmeta_scan *out)
{
	static const int counted[] = { DM_SEVERITY, DM_YEAR, DM_SERVICE,
				       DM_CAUSE };
	size_t i;

	memset(out, 0, sizeof(*out));
	if (facets)
		for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
			out->count[counted[i]] = xcalloc(
				dm->tab[counted[i]].n + 1, sizeof(int64_t));
	if (all)
		n = dm->n_doc;
	for (i = 0; i < n; i++) {
		uint32_t d = all ? (uint32_t)i : doc_of(dm, ids[i]);

		if (d == NONE || !passes(f, &dm->doc[d]))
			continue;
		out->total++;
		if (facets)
			count_doc(dm, &dm->doc[d], out);
		if (keep) {
			XGROW(out->pass, out->alloc_pass, out->n_pass + 1);
			out->pass[out->n_pass++] = d;
		}
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

/* < 0 when doc a comes before doc b newest first. */
static int newer_first(const struct dm_doc *x, const struct dm_doc *y)
{
	if (x->has_epoch != y->has_epoch)
		return x->has_epoch ? -1 : 1;
	if (x->has_epoch && x->epoch != y->epoch)
		return x->epoch > y->epoch ? -1 : 1;
	return x->id == y->id ? 0 : x->id > y->id ? -1 : 1;
}

int docmeta_newer_first(const struct docmeta *dm, int64_t a, int64_t b)
{
	uint32_t x = doc_of(dm, a), y = doc_of(dm, b);

	if (x == NONE || y == NONE)
		return x == y ? 0 : x == NONE ? 1 : -1;
	return newer_first(&dm->doc[x], &dm->doc[y]);
}

struct order_ctx {
	const struct docmeta *dm;
	enum docmeta_order order;
};

/* < 0 when doc a comes before doc b in the order (see docmeta.h). */
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
		break;
	}
	return newer_first(x, y);
}

/* Moves the k first of v[0..n) in o's order to v[0..k), in order. */
static void select_first(struct order_ctx *o, uint32_t *v, size_t n, size_t k)
{
	size_t i, j;

	if (k * 8 > n) {
		qsort_r(v, n, sizeof(*v), before, o);
		return;
	}
	/* v[0..k) kept sorted; each later one displaces the last if newer. */
	qsort_r(v, k, sizeof(*v), before, o);
	for (i = k; i < n; i++) {
		uint32_t x = v[i];

		if (before(&x, &v[k - 1], o) >= 0)
			continue;
		for (j = k - 1; j > 0 && before(&x, &v[j - 1], o) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void docmeta_page(const struct docmeta *dm, struct docmeta_scan *s,
		  enum docmeta_order order, size_t offset, size_t limit,
		  int64_t *ids, size_t *n)
{
	struct order_ctx o = { dm, order };
	size_t k = offset + limit, i;

	*n = 0;
	if (offset >= s->n_pass || !limit)
		return;
	if (k > s->n_pass)
		k = s->n_pass;
	select_first(&o, s->pass, s->n_pass, k);
	for (i = offset; i < k; i++)
		ids[(*n)++] = dm->doc[s->pass[i]].id;
}
