/* Incidents by cause per period: stats_causes()
 * (include/pmkb/stats/stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/strtab.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/stats.h"

/*
 * Stored causes mapped to canonical ones under the settings in force. The
 * same few spellings recur on every row, and the taxonomy's lookup walks
 * every alias, so each spelling is looked up once.
 */
struct cause_map {
	struct strtab *cs; /* canonical ids */
	const struct taxonomy *tax;
	const struct strtab *raw; /* the facts' spellings */
	uint32_t *canon;	  /* raw id → cs id, STRTAB_NONE: not yet */
};

static uint32_t cause_of(struct cause_map *m, uint32_t raw)
{
	char buf[256];
	const char *id;

	if (m->canon[raw] != STRTAB_NONE)
		return m->canon[raw];
	id = taxonomy_cause(m->tax, m->raw->s[raw], buf, sizeof(buf));
	m->canon[raw] = strtab_add(m->cs, id ? id : m->raw->s[raw]);
	return m->canon[raw];
}

struct incident {
	int64_t ord;       /* INT64_MIN: undated */
	size_t first, n;   /* its causes in the flat list */
	int recurrence;    /* flagged as a possible recurrence */
};

static double share_of(int64_t part, int64_t whole)
{
	return round((double)part * 10000.0 / (double)whole) / 10000.0;
}

struct order_ctx {
	const struct strtab *cs;
	const int64_t *totals;
};

/* Output order of causes past the taxonomy's: most frequent first,
 * "unknown" last. qsort has no context argument, hence the sort below. */
static int cause_before(const struct order_ctx *o, size_t a, size_t b)
{
	int ua = !strcmp(o->cs->s[a], "unknown");
	int ub = !strcmp(o->cs->s[b], "unknown");

	if (ua != ub)
		return ub;
	if (o->totals[a] != o->totals[b])
		return o->totals[a] > o->totals[b];
	return strcmp(o->cs->s[a], o->cs->s[b]) < 0;
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
	const struct stats_facts *f;
	struct strtab cs = {0};
	struct cause_map map = {&cs, tax, NULL, NULL};
	struct incident *inc = NULL;
	size_t n_inc = 0, n_flat = 0, ntax = 0, rows, *order = NULL;
	uint32_t *flat = NULL;
	int64_t *counts = NULL, *totals = NULL, *row_total = NULL;
	int64_t *recurrences = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, grand = 0, undated = 0;
	uint8_t *pass = NULL;
	json_t *res = NULL, *jrows, *jcauses;
	enum pm_status st;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	for (size_t i = 0; tax && i < tax->n_causes; i++)
		strtab_add(&cs, tax->causes[i].id);
	ntax = cs.n;
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	map.raw = &f->causes;
	map.canon = xmalloc((f->causes.n ? f->causes.n : 1) *
	                    sizeof(*map.canon));
	memset(map.canon, 0xff, f->causes.n * sizeof(*map.canon));
	/* At most one entry per incident, and its causes listed. */
	inc = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*inc));
	flat = xmalloc((f->n_inc + (r->mode == STATS_ANY
	                                ? f->cause_ids_n : 0) + 1) *
	               sizeof(*flat));
	for (size_t i = 0; i < f->n_inc; i++) {
		const struct stats_incident *fi = &f->inc[i];
		struct incident *it;
		int64_t ord;
		int in;

		if (pass && !pass[i])
			continue;
		if ((in = stats_incident_period(&x, f, i, &ord)) != 1) {
			undated += in == -1;
			continue;
		}
		it = &inc[n_inc++];
		it->ord = ord;
		it->first = n_flat;
		it->n = 0;
		it->recurrence = fi->recurrence;
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		}
		if (r->mode != STATS_ANY || !fi->n_cause) {
			flat[n_flat++] = cause_of(&map, fi->primary);
			it->n = 1;
			continue;
		}
		for (uint32_t k = 0; k < fi->n_cause; k++) {
			uint32_t id = cause_of(&map,
			                       f->cause_ids[fi->cause + k]);
			int dup = 0;

			for (size_t j = it->first; j < n_flat; j++)
				dup |= flat[j] == id;
			if (dup)
				continue;
			flat[n_flat++] = id;
			it->n++;
		}
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
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
		const struct pm_cause *pc = taxonomy_find(tax, cs.s[i]);
		int unknown = !strcmp(cs.s[i], "unknown");
		const char *label = pc && pc->label ? pc->label
		                    : unknown       ? "Unknown"
		                                    : cs.s[i];
		const char *ja = pc && pc->label_ja ? pc->label_ja
		                 : unknown          ? "不明"
		                                    : label;

		json_array_append_new(
		    jcauses,
		    json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:I,s:o}", "id",
		              cs.s[i], "label", label, "label_ja", ja,
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

			json_object_set_new(by, cs.s[i], json_integer(v));
			json_object_set_new(
			    sh, cs.s[i],
			    row_total[row]
			        ? json_real(share_of(v, row_total[row]))
			        : json_null());
			json_object_set_new(ch, cs.s[i],
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
	free(pass);
	free(flat);
	free(inc);
	free(map.canon);
	strtab_release(&cs);
	stats_run_close(&x);
	return st;
}
