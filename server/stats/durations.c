/*
 * Time to detect, mitigate and resolve per period: stats_durations()
 * (include/pmkb/stats/stats.h). The answer is written as JSON text from
 * the start: a default answer at 100,000 incidents lists some 20,000
 * values, and building them as jansson values, writing and freeing them
 * cost twice the walk that finds them.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/jsonout.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"

const char *const stats_metric_names[3] = {"ttd", "ttm", "ttr"};

/* The samples of a period: the three durations, then time to detect by
 * each way of detection. */
#define N_SAMPLES (STATS_METRICS + STATS_DETECTED__MAX)

/* One sample, sorted ascending. */
struct sample {
	const int64_t *v;
	size_t n;
};

/* Appends the three metrics of s (stats/spread.h), and time to detect per
 * detection method, as members of an object already open. */
static void put_metrics(struct buf *out, const struct sample *s, int min_n,
                        int with_values)
{
	for (int m = 0; m < STATS_METRICS; m++) {
		buf_addstr(out, ",\"");
		buf_addstr(out, stats_metric_names[m]);
		buf_addstr(out, "\":");
		spread_write(out, s[m].v, s[m].n, min_n, with_values);
	}
	buf_addstr(out, ",\"ttd_by_detection\":{");
	for (int d = 0; d < STATS_DETECTED__MAX; d++) {
		const struct sample *t = &s[STATS_METRICS + d];

		buf_addstr(out, d ? ",\"" : "\"");
		buf_addstr(out, stats_detection_names[d]);
		buf_addstr(out, "\":");
		spread_write(out, t->v, t->n, min_n, 0);
	}
	buf_addch(out, '}');
}

/* Appends the members of head (owned) as an object left open, so that
 * more members can follow. -1 when jsonout_add() cannot write it. */
static int open_object(struct buf *out, json_t *head)
{
	int rc = head ? jsonout_add(out, head, 0) : -1;

	json_decref(head);
	if (rc)
		return -1;
	buf_setlen(out, out->len - 1); /* the closing brace */
	return 0;
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

enum pm_status stats_durations_write(struct dbconn *c,
                                     const struct taxonomy *tax,
                                     const struct stats_request *r,
                                     struct buf *out, struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	struct spread sp[N_SAMPLES];
	struct sample all_s[N_SAMPLES];
	uint16_t *pl = NULL;
	int64_t *ords = NULL;
	size_t n = 0, *incidents = NULL, from = out->len;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0;
	uint8_t *pass = NULL;
	json_t *head;
	enum pm_status st;

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
	head = stats_result_head(&x);
	json_object_del(head, "mode");
	if (open_object(out, head))
		goto unwritable;
	buf_addstr(out, ",\"min_n\":");
	buf_add_int(out, r->min_n);
	buf_addstr(out, ",\"undated\":");
	buf_add_int(out, undated);
	buf_addstr(out, ",\"rows\":[");
	for (size_t row = 0; row < x.n; row++) {
		struct sample s[N_SAMPLES];

		for (int k = 0; k < N_SAMPLES; k++) {
			s[k].v = sp[k].by_row + sp[k].at[row];
			s[k].n = sp[k].at[row + 1] - sp[k].at[row];
		}
		if (row)
			buf_addch(out, ',');
		if (open_object(out, stats_row_head(&x, x.lo + (int64_t)row)))
			goto unwritable;
		buf_addstr(out, ",\"incidents\":");
		buf_add_int(out, (int64_t)incidents[row]);
		put_metrics(out, s, r->min_n, 1);
		buf_addch(out, '}');
	}
	buf_addstr(out, "],\"all\":{\"period\":\"all\",\"label\":\"All\","
	                "\"label_ja\":\"全期間\",\"start\":null,"
	                "\"end\":null,\"incidents\":");
	buf_add_int(out, (int64_t)n);
	put_metrics(out, all_s, r->min_n, 0);
	buf_addstr(out, "}}");
	goto out;
unwritable:
	st = pm_error_set(err, PM_INTERNAL, "stats", 0,
	                  "durations: the answer could not be written");
out:
	if (st != PM_OK)
		buf_setlen(out, from);
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

enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
                               const struct stats_request *r, json_t **out,
                               struct pm_error *err)
{
	struct buf text = BUF_INIT;
	enum pm_status st = stats_durations_write(c, tax, r, &text, err);

	*out = NULL;
	if (st == PM_OK &&
	    !(*out = json_loadb(text.ptr, text.len, 0, NULL)))
		st = pm_error_set(err, PM_INTERNAL, "stats", 0,
		                  "durations: the answer could not be read");
	buf_release(&text);
	return st;
}
