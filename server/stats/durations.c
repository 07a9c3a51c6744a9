/*
 * Time to detect, mitigate and resolve per period: stats_durations()
 * (include/pmkb/stats/stats.h). The facts hold each duration's values
 * sorted once per generation; an answer walks them in that order and
 * shows each value to its period's summaries (stats/spread.h), which keep
 * only the ranks they read and the values they list. The answer is
 * written as JSON text from the start: a default answer at 100,000
 * incidents lists some 20,000 values, and building them as jansson
 * values, writing and freeing them cost twice the walk.
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

/* Appends the three metrics of s (stats/spread.h), and time to detect per
 * detection method, as members of an object already open. */
static void put_metrics(struct buf *out, const struct spread_pick *s,
                        int min_n)
{
	for (int m = 0; m < STATS_METRICS; m++) {
		buf_addstr(out, ",\"");
		buf_addstr(out, stats_metric_names[m]);
		buf_addstr(out, "\":");
		spread_write(out, &s[m], min_n);
	}
	buf_addstr(out, ",\"ttd_by_detection\":{");
	for (int d = 0; d < STATS_DETECTED__MAX; d++) {
		buf_addstr(out, d ? ",\"" : "\"");
		buf_addstr(out, stats_detection_names[d]);
		buf_addstr(out, "\":");
		spread_write(out, &s[STATS_METRICS + d], min_n);
	}
	buf_addch(out, '}');
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

/* Shows the samples of each row (N_SAMPLES per row) and of all rows
 * metric m's values in duration order, and with m 0 (time to detect) the
 * samples per detection method as well. */
static void walk_metric(struct spread_pick *rows, struct spread_pick *all,
                        const struct stats_facts *f, const uint16_t *pl,
                        int m)
{
	const uint32_t *idx = f->by_dur[m];
	const int64_t *val = f->dur_sorted[m];

	for (size_t k = 0; k < f->n_by_dur[m]; k++) {
		uint16_t p = pl[idx[k]];
		struct spread_pick *row;

		if (p == LEFT_OUT)
			continue;
		row = &rows[PLACE_ROW(p) * N_SAMPLES];
		spread_pick_see(&row[m], val[k]);
		spread_pick_see(&all[m], val[k]);
		if (!m) {
			int d = STATS_METRICS + PLACE_DETECTION(p);

			spread_pick_see(&row[d], val[k]);
			spread_pick_see(&all[d], val[k]);
		}
	}
}

enum pm_status stats_durations_write(struct dbconn *c,
                                     const struct taxonomy *tax,
                                     const struct stats_request *r,
                                     struct buf *out, struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	struct spread_pick all[N_SAMPLES], *rows = NULL;
	struct stats_slots sl = { 0 };
	uint16_t *pl = NULL;
	size_t n = 0, *incidents = NULL, *sizes = NULL, from = out->len;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0;
	uint8_t *pass = NULL;
	json_t *head;
	enum pm_status st;

	memset(all, 0, sizeof(all));
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	stats_run_slots(&x, f, pass, &sl);
	if (sl.n) {
		dmin = sl.base;
		dmax = sl.base + (int64_t)sl.n - 1;
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	/* Places, and the samples' sizes per row, in one pass in order. */
	pl = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*pl));
	incidents = xcalloc(x.n ? x.n : 1, sizeof(*incidents));
	sizes = xcalloc((x.n + 1) * N_SAMPLES, sizeof(*sizes));
	for (size_t i = 0; i < f->n_inc; i++) {
		const struct stats_incident *in = &f->inc[i];
		size_t row;

		if ((size_t)sl.slot[i] >= sl.n) {
			/* Without a start there is nothing to measure from. */
			undated += sl.slot[i] == STATS_SLOT_UNKNOWN ||
			           sl.slot[i] == STATS_SLOT_UNSURE;
			pl[i] = LEFT_OUT;
			continue;
		}
		row = (size_t)(sl.base + sl.slot[i] - x.lo);
		pl[i] = (uint16_t)(row << 2 | in->detection);
		incidents[row]++;
		n++;
		for (int m = 0; m < STATS_METRICS; m++)
			sizes[row * N_SAMPLES + m] += in->dur[m] >= 0;
		sizes[row * N_SAMPLES + STATS_METRICS + in->detection] +=
		    in->dur[0] >= 0;
	}
	/* The last row of sizes sums the others: the sizes of all. */
	for (size_t row = 0; row < x.n; row++)
		for (int k = 0; k < N_SAMPLES; k++)
			sizes[x.n * N_SAMPLES + k] += sizes[row * N_SAMPLES + k];
	rows = xmalloc((x.n ? x.n : 1) * N_SAMPLES * sizeof(*rows));
	for (size_t i = 0; i < x.n * N_SAMPLES; i++)
		spread_pick_open(&rows[i], sizes[i], i % N_SAMPLES <
		                                         STATS_METRICS);
	for (int k = 0; k < N_SAMPLES; k++)
		spread_pick_open(&all[k], sizes[x.n * N_SAMPLES + k], 0);
	for (int m = 0; m < STATS_METRICS; m++)
		walk_metric(rows, all, f, pl, m);
	head = stats_result_head(&x);
	json_object_del(head, "mode");
	if (jsonout_open_object(out, head))
		goto unwritable;
	buf_addstr(out, ",\"min_n\":");
	buf_add_int(out, r->min_n);
	buf_addstr(out, ",\"undated\":");
	buf_add_int(out, undated);
	buf_addstr(out, ",\"rows\":[");
	for (size_t row = 0; row < x.n; row++) {
		if (row)
			buf_addch(out, ',');
		head = stats_row_head(&x, x.lo + (int64_t)row);
		if (jsonout_open_object(out, head))
			goto unwritable;
		buf_addstr(out, ",\"incidents\":");
		buf_add_int(out, (int64_t)incidents[row]);
		put_metrics(out, &rows[row * N_SAMPLES], r->min_n);
		buf_addch(out, '}');
	}
	buf_addstr(out, "],\"all\":{\"period\":\"all\",\"label\":\"All\","
	                "\"label_ja\":\"全期間\",\"start\":null,"
	                "\"end\":null,\"incidents\":");
	buf_add_int(out, (int64_t)n);
	put_metrics(out, all, r->min_n);
	buf_addstr(out, "}}");
	goto out;
unwritable:
	st = pm_error_set(err, PM_INTERNAL, "stats", 0,
	                  "durations: the answer could not be written");
out:
	if (st != PM_OK)
		buf_setlen(out, from);
	for (size_t i = 0; rows && i < x.n * N_SAMPLES; i++)
		spread_pick_close(&rows[i]);
	for (int k = 0; k < N_SAMPLES; k++)
		spread_pick_close(&all[k]);
	free(rows);
	free(sizes);
	free(incidents);
	free(pl);
	free(sl.slot);
	free(pass);
	stats_run_close(&x);
	return st;
}

enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
                               const struct stats_request *r, json_t **out,
                               struct pm_error *err)
{
	return stats_run_read(stats_durations_write, c, tax, r, out, err);
}
