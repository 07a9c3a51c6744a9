/*
 * Incidents by cause and their durations, per period: stats_causes() and
 * stats_durations() (include/pmkb/stats/stats.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/strtab.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/spread.h"
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
		if ((in = stats_incident_period(&x, fi, &ord)) != 1) {
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

const char *const stats_metric_names[3] = {"ttd", "ttm", "ttr"};

/* The samples of a period: the three durations, then time to detect by
 * each way of detection. */
#define N_SAMPLES (STATS_METRICS + STATS_DETECTED__MAX)

/* One sample, sorted ascending. */
struct sample {
	const int64_t *v;
	size_t n;
};

/* Sets the three metrics of s into j (stats/spread.h), and time to detect
 * per detection method. */
static void put_metrics(json_t *j, const struct sample *s, int min_n,
                        int with_values)
{
	json_t *by = json_object();

	for (int m = 0; m < STATS_METRICS; m++)
		json_object_set_new(
		    j, stats_metric_names[m],
		    spread_json(s[m].v, s[m].n, min_n, with_values));
	for (int d = 0; d < STATS_DETECTED__MAX; d++) {
		const struct sample *t = &s[STATS_METRICS + d];

		json_object_set_new(by, stats_detection_names[d],
		                    spread_json(t->v, t->n, min_n, 0));
	}
	json_object_set_new(j, "ttd_by_detection", by);
}

/*
 * Where an incident goes in this answer, packed in 16 bits so that the
 * walks in duration order touch a small array: its row << 2 | how it was
 * detected, or LEFT_OUT. Rows are fewer than STATS_MAX_PERIODS.
 */
#define LEFT_OUT UINT16_MAX
#define PLACE_ROW(p) ((p) >> 2)
#define PLACE_DETECTION(p) ((p)&3)
_Static_assert(STATS_MAX_PERIODS * 4 < LEFT_OUT, "rows fit a place");

/*
 * One kind of sample over every row: the values of the incidents placed,
 * in duration order, both by row (at[row]..at[row + 1] in by_row) and all
 * together (in all). Both come out sorted, as the facts are.
 */
struct spread {
	size_t *at; /* rows + 1 offsets; first the counts, at[row + 1] */
	int64_t *by_row, *all;
	size_t n, fill_all, *fill;
};

/* Turns the counts per row in at into offsets and makes room. */
static void spread_open(struct spread *sp, size_t rows)
{
	for (size_t r = 0; r < rows; r++)
		sp->at[r + 1] += sp->at[r];
	sp->n = sp->at[rows];
	sp->by_row = xmalloc((sp->n ? sp->n : 1) * 2 * sizeof(int64_t));
	sp->all = sp->by_row + sp->n;
	sp->fill = xmalloc((rows ? rows : 1) * sizeof(*sp->fill));
	memcpy(sp->fill, sp->at, rows * sizeof(*sp->fill));
}

static void spread_put(struct spread *sp, size_t row, int64_t v)
{
	sp->by_row[sp->fill[row]++] = v;
	sp->all[sp->fill_all++] = v;
}

/* Fills sp[m] from metric m's facts in duration order, and with m 0
 * (time to detect) the samples per detection method as well. */
static void spread_metric(struct spread *sp, const struct stats_facts *f,
                          const uint16_t *pl, int m)
{
	const uint32_t *idx = f->by_dur[m];
	const int64_t *val = f->dur_sorted[m];

	for (size_t k = 0; k < f->n_by_dur[m]; k++) {
		uint16_t p = pl[idx[k]];

		if (p == LEFT_OUT)
			continue;
		spread_put(&sp[m], PLACE_ROW(p), val[k]);
		if (!m)
			spread_put(&sp[STATS_METRICS + PLACE_DETECTION(p)],
			           PLACE_ROW(p), val[k]);
	}
}

enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
                               const struct stats_request *r, json_t **out,
                               struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	struct spread sp[N_SAMPLES];
	struct sample all_s[N_SAMPLES];
	uint16_t *pl = NULL;
	int64_t *ords = NULL;
	size_t n = 0, *incidents = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0;
	uint8_t *pass = NULL;
	json_t *res = NULL, *rows, *all;
	enum pm_status st;

	*out = NULL;
	memset(sp, 0, sizeof(sp));
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	ords = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*ords));
	for (size_t i = 0; i < f->n_inc; i++) {
		int64_t ord;
		int in = pass && !pass[i]
		             ? 0
		             : stats_incident_period(&x, &f->inc[i], &ord);

		ords[i] = INT64_MIN;
		/* Without a start there is nothing to measure from. */
		if (in == -1 || (in == 1 && ord == INT64_MIN)) {
			undated++;
			continue;
		}
		if (!in)
			continue;
		ords[i] = ord;
		dmin = ord < dmin ? ord : dmin;
		dmax = ord > dmax ? ord : dmax;
		n++;
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	/* Places, and the samples' sizes per row, in one pass in order. */
	pl = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*pl));
	incidents = xcalloc(x.n ? x.n : 1, sizeof(*incidents));
	for (int k = 0; k < N_SAMPLES; k++)
		sp[k].at = xcalloc(x.n + 1, sizeof(*sp[k].at));
	for (size_t i = 0; i < f->n_inc; i++) {
		const struct stats_incident *in = &f->inc[i];
		size_t row;

		if (ords[i] == INT64_MIN) {
			pl[i] = LEFT_OUT;
			continue;
		}
		row = (size_t)(ords[i] - x.lo);
		pl[i] = (uint16_t)(row << 2 | in->detection);
		incidents[row]++;
		for (int m = 0; m < STATS_METRICS; m++)
			sp[m].at[row + 1] += in->dur[m] >= 0;
		sp[STATS_METRICS + in->detection].at[row + 1] +=
		    in->dur[0] >= 0;
	}
	for (int k = 0; k < N_SAMPLES; k++)
		spread_open(&sp[k], x.n);
	for (int m = 0; m < STATS_METRICS; m++)
		spread_metric(sp, f, pl, m);
	for (int k = 0; k < N_SAMPLES; k++) {
		all_s[k].v = sp[k].all;
		all_s[k].n = sp[k].n;
	}
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	json_object_set_new(res, "min_n", json_integer(r->min_n));
	json_object_set_new(res, "undated", json_integer(undated));
	rows = json_array();
	for (size_t row = 0; row < x.n; row++) {
		struct sample s[N_SAMPLES];
		json_t *j = stats_row_head(&x, x.lo + (int64_t)row);

		for (int k = 0; k < N_SAMPLES; k++) {
			s[k].v = sp[k].by_row + sp[k].at[row];
			s[k].n = sp[k].at[row + 1] - sp[k].at[row];
		}
		json_object_set_new(
		    j, "incidents", json_integer((json_int_t)incidents[row]));
		put_metrics(j, s, r->min_n, 1);
		json_array_append_new(rows, j);
	}
	json_object_set_new(res, "rows", rows);
	all = json_pack("{s:s,s:s,s:s,s:n,s:n,s:I}", "period", "all", "label",
	                "All", "label_ja", "全期間", "start", "end",
	                "incidents", (json_int_t)n);
	put_metrics(all, all_s, r->min_n, 0);
	json_object_set_new(res, "all", all);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	for (int k = 0; k < N_SAMPLES; k++) {
		free(sp[k].at);
		free(sp[k].by_row);
		free(sp[k].fill);
	}
	free(incidents);
	free(pl);
	free(ords);
	free(pass);
	stats_run_close(&x);
	return st;
}
