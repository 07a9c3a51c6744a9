/*
 * Incidents by cause and their durations, per period: stats_causes() and
 * stats_durations() (include/pmkb/stats/stats.h).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/hash.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/relations.h"
#include "pmkb/base/xalloc.h"

/* Rows that count as incidents, with the service and severity filters
 * (JSON arrays, NULL for none) applied in SQL. */
static const char sql_incidents[] =
    "SELECT p.started_at, p.started_epoch, p.started_source, "
    "p.primary_cause, p.causes, p.detected_at, p.detected_epoch, "
    "p.mitigated_at, p.mitigated_epoch, p.resolved_at, p.resolved_epoch, "
    "p.detection, " RELATIONS_IS_RECURRENCE_SQL " FROM postmortems p WHERE "
    STATS_FILTERS_SQL;
enum {
	I_STARTED,
	I_STARTED_E,
	I_SOURCE,
	I_PRIMARY,
	I_CAUSES,
	I_DETECTED,
	I_DETECTED_E,
	I_MITIGATED,
	I_MITIGATED_E,
	I_RESOLVED,
	I_RESOLVED_E,
	I_DETECTION,
	I_RECURRENCE
};

/* Cause ids, interned: the taxonomy's first, in its order. */
struct cause_set {
	char **ids;
	size_t n, alloc;
	size_t *slots; /* index + 1, 0 empty; open addressing */
	size_t nslots;
};

static size_t cause_intern(struct cause_set *cs, const char *id)
{
	size_t i;

	if ((cs->n + 1) * 2 > cs->nslots) {
		size_t ns = cs->nslots ? cs->nslots * 2 : 64;

		free(cs->slots);
		cs->slots = xcalloc(ns, sizeof(*cs->slots));
		cs->nslots = ns;
		for (size_t k = 0; k < cs->n; k++) {
			i = hash_str(cs->ids[k]) & (ns - 1);
			while (cs->slots[i])
				i = (i + 1) & (ns - 1);
			cs->slots[i] = k + 1;
		}
	}
	i = hash_str(id) & (cs->nslots - 1);
	while (cs->slots[i]) {
		if (!strcmp(cs->ids[cs->slots[i] - 1], id))
			return cs->slots[i] - 1;
		i = (i + 1) & (cs->nslots - 1);
	}
	XGROW(cs->ids, cs->alloc, cs->n + 1);
	cs->ids[cs->n] = xstrdup(id);
	cs->slots[i] = cs->n + 1;
	return cs->n++;
}

static void cause_set_release(struct cause_set *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->ids[i]);
	free(cs->ids);
	free(cs->slots);
	memset(cs, 0, sizeof(*cs));
}

/*
 * Stored causes mapped to canonical ones under the settings in force. The
 * same few spellings recur on every row, and the taxonomy's lookup walks
 * every alias, so each spelling is looked up once.
 */
struct cause_map {
	struct cause_set *cs; /* canonical ids */
	const struct taxonomy *tax;
	struct cause_set raw; /* spellings seen */
	size_t *canon;        /* raw index → cs index */
	size_t alloc;
};

static size_t cause_of(struct cause_map *m, const char *raw)
{
	char buf[256];
	const char *id;
	size_t r = cause_intern(&m->raw, raw && *raw ? raw : "unknown");

	if (r < m->alloc && m->canon[r] != SIZE_MAX)
		return m->canon[r];
	if (r >= m->alloc) {
		size_t old = m->alloc;

		XGROW(m->canon, m->alloc, r + 1);
		for (size_t i = old; i < m->alloc; i++)
			m->canon[i] = SIZE_MAX;
	}
	id = taxonomy_cause(m->tax, m->raw.ids[r], buf, sizeof(buf));
	m->canon[r] = cause_intern(m->cs, id ? id : m->raw.ids[r]);
	return m->canon[r];
}

static void cause_map_release(struct cause_map *m)
{
	cause_set_release(&m->raw);
	free(m->canon);
}

struct incident {
	int64_t ord;     /* INT64_MIN: undated */
	size_t first, n; /* its causes in the flat list */
	int recurrence;  /* flagged as a possible recurrence */
};

static double share_of(int64_t part, int64_t whole)
{
	return round((double)part * 10000.0 / (double)whole) / 10000.0;
}

struct order_ctx {
	const struct cause_set *cs;
	const int64_t *totals;
};

/* Output order of causes past the taxonomy's: most frequent first,
 * "unknown" last. qsort has no context argument, hence the sort below. */
static int cause_before(const struct order_ctx *o, size_t a, size_t b)
{
	int ua = !strcmp(o->cs->ids[a], "unknown");
	int ub = !strcmp(o->cs->ids[b], "unknown");

	if (ua != ub)
		return ub;
	if (o->totals[a] != o->totals[b])
		return o->totals[a] > o->totals[b];
	return strcmp(o->cs->ids[a], o->cs->ids[b]) < 0;
}

/* Insertion sort: the list is short and this keeps it stable. */
static void order_causes(size_t *idx, size_t n, const struct order_ctx *o)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;

		while (j > 0 && cause_before(o, v, idx[j - 1])) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

enum pm_status stats_causes(struct dbconn *c, const struct taxonomy *tax,
                            const struct stats_request *r, json_t **out,
                            struct pm_error *err)
{
	struct stats_run x;
	struct cause_set cs = {0};
	struct cause_map map = {&cs, tax, {0}, NULL, 0};
	struct incident *inc = NULL;
	size_t n_inc = 0, alloc_inc = 0, *flat = NULL, n_flat = 0,
	       alloc_flat = 0, *order = NULL, ntax = 0, rows;
	int64_t *counts = NULL, *totals = NULL, *row_total = NULL;
	int64_t *recurrences = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, grand = 0, undated = 0;
	char *filters[2] = {NULL, NULL};
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *jrows, *jcauses;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	for (size_t i = 0; tax && i < tax->n_causes; i++)
		cause_intern(&cs, tax->causes[i].id);
	ntax = cs.n;
	if ((st = stats_run_prepare(&x, c, sql_incidents, &s, filters,
	                               err)) != PM_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct incident *it;
		json_t *list = NULL, *v;
		size_t k;
		int64_t ord;
		int in = stats_row_period(&x, s, I_STARTED, I_STARTED_E,
		                          I_SOURCE, &ord);

		if (in != 1) {
			undated += in == -1;
			continue;
		}
		XGROW(inc, alloc_inc, n_inc + 1);
		it = &inc[n_inc++];
		it->ord = ord;
		it->first = n_flat;
		it->n = 0;
		it->recurrence = sqlite3_column_int(s, I_RECURRENCE);
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		}
		if (r->mode == STATS_ANY)
			list = json_loads(
			    (const char *)sqlite3_column_text(s, I_CAUSES), 0,
			    NULL);
		if (!json_is_array(list) || !json_array_size(list)) {
			XGROW(flat, alloc_flat, n_flat + 1);
			flat[n_flat++] = cause_of(
			    &map,
			    (const char *)sqlite3_column_text(s, I_PRIMARY));
			it->n = 1;
		}
		json_array_foreach(list, k, v)
		{
			const char *raw = json_string_value(v);
			size_t id = cause_of(&map, raw);
			int dup = 0;

			for (size_t j = it->first; j < n_flat; j++)
				dup |= flat[j] == id;
			if (dup)
				continue;
			XGROW(flat, alloc_flat, n_flat + 1);
			flat[n_flat++] = id;
			it->n++;
		}
		json_decref(list);
	}
	if ((st = stats_run_end(&x, s, rc, dmin, dmax, err)) != PM_OK)
		goto out;

	/* Row x.n is the unknown one. */
	rows = x.n + 1;
	counts = xcalloc(rows * (cs.n ? cs.n : 1), sizeof(*counts));
	row_total = xcalloc(rows, sizeof(*row_total));
	recurrences = xcalloc(rows, sizeof(*recurrences));
	totals = xcalloc(cs.n ? cs.n : 1, sizeof(*totals));
	for (size_t i = 0; i < n_inc; i++) {
		size_t row = stats_row_of(&x, inc[i].ord);

		row_total[row]++;
		recurrences[row] += inc[i].recurrence;
		grand++;
		undated += inc[i].ord == INT64_MIN;
		for (size_t j = 0; j < inc[i].n; j++) {
			counts[row * cs.n + flat[inc[i].first + j]]++;
			totals[flat[inc[i].first + j]]++;
		}
	}
	order = xcalloc(cs.n ? cs.n : 1, sizeof(*order));
	for (size_t i = 0; i < cs.n; i++)
		order[i] = i;
	{
		struct order_ctx o = {&cs, totals};

		order_causes(order + ntax, cs.n - ntax, &o);
	}

	res = stats_result_head(&x);
	json_object_set_new(res, "total", json_integer(grand));
	json_object_set_new(res, "undated", json_integer(undated));
	jcauses = json_array();
	for (size_t k = 0; k < cs.n; k++) {
		size_t i = order[k];
		const struct pm_cause *pc = taxonomy_find(tax, cs.ids[i]);
		int unknown = !strcmp(cs.ids[i], "unknown");
		const char *label = pc && pc->label ? pc->label
		                    : unknown       ? "Unknown"
		                                    : cs.ids[i];
		const char *ja = pc && pc->label_ja ? pc->label_ja
		                 : unknown          ? "不明"
		                                    : label;

		json_array_append_new(
		    jcauses,
		    json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:I,s:o}", "id",
		              cs.ids[i], "label", label, "label_ja", ja,
		              "group", pc ? pc->group : NULL, "color",
		              pc ? pc->color : NULL, "total",
		              (json_int_t)totals[i], "share",
		              grand ? json_real(share_of(totals[i], grand))
		                    : json_null()));
	}
	json_object_set_new(res, "causes", jcauses);
	jrows = json_array();
	for (size_t row = 0; row < rows; row++) {
		int unknown_row = row == x.n;
		int first = row == 0 || unknown_row;
		json_t *j, *by, *sh, *ch;

		if (unknown_row && !row_total[row])
			break;
		by = json_object();
		sh = json_object();
		ch = json_object();
		j = stats_row_head(&x, unknown_row ? INT64_MIN
		                                   : x.lo + (int64_t)row);
		json_object_set_new(j, "total", json_integer(row_total[row]));
		json_object_set_new(j, "recurrences",
		                    json_integer(recurrences[row]));
		for (size_t k = 0; k < cs.n; k++) {
			size_t i = order[k];
			int64_t v = counts[row * cs.n + i];
			int64_t before =
			    first ? 0 : counts[(row - 1) * cs.n + i];

			json_object_set_new(by, cs.ids[i], json_integer(v));
			json_object_set_new(
			    sh, cs.ids[i],
			    row_total[row]
			        ? json_real(share_of(v, row_total[row]))
			        : json_null());
			json_object_set_new(ch, cs.ids[i],
			                    first ? json_null()
			                          : json_integer(v - before));
		}
		json_object_set_new(j, "by_cause", by);
		json_object_set_new(j, "share", sh);
		json_object_set_new(j, "change", ch);
		json_object_set_new(
		    j, "total_change",
		    first ? json_null()
		          : json_integer(row_total[row] - row_total[row - 1]));
		json_array_append_new(jrows, j);
	}
	json_object_set_new(res, "rows", jrows);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(order);
	free(totals);
	free(row_total);
	free(recurrences);
	free(counts);
	free(filters[0]);
	free(filters[1]);
	free(flat);
	free(inc);
	cause_map_release(&map);
	cause_set_release(&cs);
	stats_run_close(&x);
	return st;
}

/* Seconds from the start to the timestamp in columns at/epoch, or -1 when
 * either lacks a time of day or the start is not the postmortem's own. */
static int64_t row_duration(sqlite3_stmt *s, int at, int epoch)
{
	const char *start = (const char *)sqlite3_column_text(s, I_STARTED);
	const char *src = (const char *)sqlite3_column_text(s, I_SOURCE);
	const char *t = (const char *)sqlite3_column_text(s, at);
	int64_t d;

	if (!start || !t || !src || strcmp(src, "front-matter") ||
	    strlen(start) <= 10 || strlen(t) <= 10)
		return -1;
	d = sqlite3_column_int64(s, epoch) -
	    sqlite3_column_int64(s, I_STARTED_E);
	return d >= 0 ? d : -1;
}

struct timing {
	int64_t ord;
	int64_t v[3];  /* ttd, ttm, ttr; -1 unknown */
	int detection; /* index in detection_names */
};

/* Time to detect is split by how the incident was noticed. */
static const char *const detection_names[] = {"alert", "customer", "internal",
                                              "other"};
#define N_DETECTIONS 4

static int detection_of(sqlite3_stmt *s)
{
	const char *d = (const char *)sqlite3_column_text(s, I_DETECTION);

	for (int i = 0; d && i < N_DETECTIONS - 1; i++)
		if (!strcmp(d, detection_names[i]))
			return i;
	return N_DETECTIONS - 1;
}

static int cmp_timing(const void *a, const void *b)
{
	int64_t x = ((const struct timing *)a)->ord;
	int64_t y = ((const struct timing *)b)->ord;

	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

const char *const stats_metric_names[3] = {"ttd", "ttm", "ttr"};

/* The metric m of t[0..n) (of one detection, or all: -1), sorted. */
static size_t collect(const struct timing *t, size_t n, int m, int det,
                      int64_t *vals)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].v[m] >= 0 && (det < 0 || t[i].detection == det))
			vals[k++] = t[i].v[m];
	qsort(vals, k, sizeof(*vals), cmp_i64);
	return k;
}

/*
 * Sets the three metrics of t[0..n) into j (doc/spread.h), and time to
 * detect per detection method; vals has room for n.
 */
static void put_metrics(json_t *j, const struct timing *t, size_t n,
                        int64_t *vals, int min_n, int with_values)
{
	json_t *by = json_object();

	for (int m = 0; m < 3; m++) {
		size_t k = collect(t, n, m, -1, vals);

		json_object_set_new(j, stats_metric_names[m],
		                    spread_json(vals, k, min_n, with_values));
	}
	for (int d = 0; d < N_DETECTIONS; d++) {
		size_t k = collect(t, n, 0, d, vals);

		json_object_set_new(by, detection_names[d],
		                    spread_json(vals, k, min_n, 0));
	}
	json_object_set_new(j, "ttd_by_detection", by);
}

enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
                               const struct stats_request *r, json_t **out,
                               struct pm_error *err)
{
	static const int cols[3][2] = {{I_DETECTED, I_DETECTED_E},
	                               {I_MITIGATED, I_MITIGATED_E},
	                               {I_RESOLVED, I_RESOLVED_E}};
	struct stats_run x;
	struct timing *t = NULL;
	size_t n = 0, alloc = 0, i = 0;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0, *vals = NULL;
	char *filters[2] = {NULL, NULL};
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *rows, *all;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	if ((st = stats_run_prepare(&x, c, sql_incidents, &s, filters,
	                               err)) != PM_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t ord;
		int in = stats_row_period(&x, s, I_STARTED, I_STARTED_E,
		                          I_SOURCE, &ord);

		/* Without a start there is nothing to measure from. */
		if (in == -1 || (in == 1 && ord == INT64_MIN)) {
			undated++;
			continue;
		}
		if (!in)
			continue;
		XGROW(t, alloc, n + 1);
		t[n].ord = ord;
		for (int m = 0; m < 3; m++)
			t[n].v[m] = row_duration(s, cols[m][0], cols[m][1]);
		t[n].detection = detection_of(s);
		dmin = ord < dmin ? ord : dmin;
		dmax = ord > dmax ? ord : dmax;
		n++;
	}
	if ((st = stats_run_end(&x, s, rc, dmin, dmax, err)) != PM_OK)
		goto out;
	if (n)
		qsort(t, n, sizeof(*t), cmp_timing);
	vals = xcalloc(n ? n : 1, sizeof(*vals));
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	json_object_set_new(res, "min_n", json_integer(r->min_n));
	json_object_set_new(res, "undated", json_integer(undated));
	rows = json_array();
	for (size_t row = 0; row < x.n; row++) {
		int64_t ord = x.lo + (int64_t)row;
		size_t start;
		json_t *j = stats_row_head(&x, ord);

		while (i < n && t[i].ord < ord)
			i++;
		start = i;
		while (i < n && t[i].ord == ord)
			i++;
		json_object_set_new(j, "incidents",
		                    json_integer((json_int_t)(i - start)));
		put_metrics(j, t + start, i - start, vals, r->min_n, 1);
		json_array_append_new(rows, j);
	}
	json_object_set_new(res, "rows", rows);
	all = json_pack("{s:s,s:s,s:s,s:n,s:n,s:I}", "period", "all", "label",
	                "All", "label_ja", "全期間", "start", "end",
	                "incidents", (json_int_t)n);
	put_metrics(all, t, n, vals, r->min_n, 0);
	json_object_set_new(res, "all", all);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(vals);
	free(filters[0]);
	free(filters[1]);
	free(t);
	stats_run_close(&x);
	return st;
}
