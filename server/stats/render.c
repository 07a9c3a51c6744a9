/*
 * Output: every format is drawn from the JSON result through a grid of
 * text cells, so the API, the CLI and the formats cannot disagree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/csv.h"
#include "pmkb/base/jsonstr.h"
#include "pmkb/base/log.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* TZif files are a few kilobytes; anything this large is not one. */
#define TZIF_MAX_SIZE (1u << 20)
#define ZONE_NAME_MAX 128

struct grid {
	size_t cols;
	char **cells; /* row-major */
	size_t n, alloc;
	unsigned char *right; /* per column: right-aligned (numbers) */
};

static void grid_init(struct grid *g, size_t cols)
{
	memset(g, 0, sizeof(*g));
	g->cols = cols ? cols : 1;
	g->right = xcalloc(g->cols, 1);
}

static void grid_release(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->right);
	memset(g, 0, sizeof(*g));
}

static void grid_add(struct grid *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void grid_add(struct grid *g, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	XGROW(g->cells, g->alloc, g->n + 1);
	g->cells[g->n++] = buf_detach(&b, NULL);
}

static size_t grid_rows(const struct grid *g)
{
	return g->n / g->cols;
}

static void render_csv(struct buf *out, const struct grid *g)
{
	for (size_t r = 0; r < grid_rows(g); r++) {
		for (size_t c = 0; c < g->cols; c++) {
			if (c)
				buf_addch(out, ',');
			csv_cell(out, g->cells[r * g->cols + c]);
		}
		buf_addstr(out, "\r\n");
	}
}

static void render_md(struct buf *out, const struct grid *g)
{
	for (size_t r = 0; r < grid_rows(g); r++) {
		buf_addch(out, '|');
		for (size_t c = 0; c < g->cols; c++) {
			buf_addch(out, ' ');
			for (const char *p = g->cells[r * g->cols + c]; *p;
			     p++) {
				if (*p == '|' || *p == '\\')
					buf_addch(out, '\\');
				buf_addch(out, *p == '\n' || *p == '\r' ? ' '
									: *p);
			}
			buf_addstr(out, " |");
		}
		buf_addch(out, '\n');
		if (r)
			continue;
		buf_addch(out, '|');
		for (size_t c = 0; c < g->cols; c++)
			buf_addstr(out, g->right[c] ? " ---: |" : " --- |");
		buf_addch(out, '\n');
	}
}

/* Columns a string takes in a terminal (East Asian wide = 2). */
static size_t text_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t w = 0;

	while (*p) {
		n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0) {
			p++;
			w++;
			continue;
		}
		w += utf8proc_charwidth(cp) > 0 ? (size_t)utf8proc_charwidth(cp)
						: 0;
		p += n;
	}
	return w;
}

static void render_text(struct buf *out, const struct grid *g)
{
	size_t *width = xcalloc(g->cols, sizeof(*width));

	for (size_t i = 0; i < g->n; i++) {
		size_t w = text_width(g->cells[i]);

		if (w > width[i % g->cols])
			width[i % g->cols] = w;
	}
	for (size_t r = 0; r < grid_rows(g); r++) {
		size_t len0 = out->len;

		for (size_t c = 0; c < g->cols; c++) {
			const char *cell = g->cells[r * g->cols + c];
			size_t pad = width[c] - text_width(cell);

			if (c)
				buf_addstr(out, "  ");
			if (g->right[c])
				for (size_t k = 0; k < pad; k++)
					buf_addch(out, ' ');
			buf_addstr(out, cell);
			if (!g->right[c] && c + 1 < g->cols)
				for (size_t k = 0; k < pad; k++)
					buf_addch(out, ' ');
		}
		while (out->len > len0 && out->ptr[out->len - 1] == ' ')
			buf_setlen(out, out->len - 1);
		buf_addch(out, '\n');
		if (r)
			continue;
		for (size_t c = 0; c < g->cols; c++) {
			if (c)
				buf_addstr(out, "  ");
			for (size_t k = 0; k < width[c]; k++)
				buf_addch(out, '-');
		}
		buf_addch(out, '\n');
	}
	free(width);
}

static void render_grid(struct buf *out, const struct grid *g,
			enum stats_format f)
{
	if (f == STATS_CSV)
		render_csv(out, g);
	else if (f == STATS_MD)
		render_md(out, g);
	else
		render_text(out, g);
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *label_of(const json_t *o, int ja)
{
	return jstr(o, ja ? "label_ja" : "label");
}

/* A row's period: id and both labels in CSV, else its label. */
static void period_cells(struct grid *g, const json_t *row, int csv, int ja)
{
	if (csv) {
		grid_add(g, "%s", jstr(row, "period"));
		grid_add(g, "%s", jstr(row, "label"));
		grid_add(g, "%s", jstr(row, "label_ja"));
	} else {
		grid_add(g, "%s", label_of(row, ja));
	}
}

static void causes_grid(struct grid *g, const json_t *res,
			enum stats_format f, int ja)
{
	const json_t *causes = json_object_get(res, "causes");
	const json_t *rows = json_object_get(res, "rows");
	const json_t *cz, *row;
	size_t i, k, shown_n = 0, lead = f == STATS_CSV ? 4 : 2;

	/* Tables leave out causes that never occur; CSV keeps every column
	 * so that successive exports line up. */
	json_array_foreach(causes, i, cz)
		shown_n += f == STATS_CSV || jint(cz, "total") > 0;
	grid_init(g, lead + shown_n);
	for (k = 1; k < g->cols; k++)
		g->right[k] = k >= lead - 1;
	if (f == STATS_CSV) {
		grid_add(g, "period");
		grid_add(g, "label");
		grid_add(g, "label_ja");
		grid_add(g, "total");
	} else {
		grid_add(g, "%s", ja ? "期間" : "Period");
		grid_add(g, "%s", ja ? "合計" : "Total");
	}
	json_array_foreach(causes, i, cz)
		if (f == STATS_CSV || jint(cz, "total") > 0)
			grid_add(g, "%s",
				 f == STATS_CSV ? jstr(cz, "id")
						: label_of(cz, ja));
	json_array_foreach(rows, i, row) {
		const json_t *by = json_object_get(row, "by_cause");

		if (f == STATS_CSV) {
			grid_add(g, "%s", jstr(row, "period"));
			grid_add(g, "%s", jstr(row, "label"));
			grid_add(g, "%s", jstr(row, "label_ja"));
		} else {
			grid_add(g, "%s", label_of(row, ja));
		}
		grid_add(g, "%lld", jint(row, "total"));
		json_array_foreach(causes, k, cz)
			if (f == STATS_CSV || jint(cz, "total") > 0)
				grid_add(g, "%lld", jint(by, jstr(cz, "id")));
	}
	if (f == STATS_CSV)
		return;
	grid_add(g, "%s", ja ? "全期間" : "All");
	grid_add(g, "%lld", jint(res, "total"));
	json_array_foreach(causes, k, cz)
		if (jint(cz, "total") > 0)
			grid_add(g, "%lld (%.0f%%)", jint(cz, "total"),
				 100.0 * json_number_value(
						 json_object_get(cz, "share")));
}

/* 45s, 12m, 3h 05m, 2d 04h. */
static void duration_text(char *out, size_t size, long long s)
{
	if (s < 60)
		snprintf(out, size, "%llds", s);
	else if (s < 3600)
		snprintf(out, size, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(out, size, "%lldh %02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(out, size, "%lldd %02lldh", s / 86400, s / 3600 % 24);
}

/* A duration in seconds (CSV) or for people; "" or "-" when null. */
static void add_duration(struct grid *g, const json_t *v, int csv)
{
	char t[48];

	if (!json_is_integer(v)) {
		grid_add(g, "%s", csv ? "" : "-");
		return;
	}
	if (csv) {
		grid_add(g, "%lld", (long long)json_integer_value(v));
		return;
	}
	duration_text(t, sizeof(t), (long long)json_integer_value(v));
	grid_add(g, "%s", t);
}

/* Detection methods shown apart for time to detect (stats/query.c). */
static const char *const detections[] = { "alert", "customer", "internal" };

/*
 * One measure: n (marked when too few to call a trend), median, p90 and
 * the 90% interval of the median (two columns in CSV).
 */
static void spread_cells(struct grid *g, const json_t *mj, int csv, int ja)
{
	const json_t *ci = json_object_get(mj, "ci90");
	int few = json_is_true(json_object_get(mj, "too_few"));

	if (csv)
		grid_add(g, "%lld", jint(mj, "count"));
	else
		grid_add(g, "%lld%s", jint(mj, "count"),
			 few ? (ja ? " 少数" : " too few") : "");
	add_duration(g, json_object_get(mj, "median"), csv);
	add_duration(g, json_object_get(mj, "p90"), csv);
	if (csv) {
		add_duration(g, json_array_get(ci, 0), 1);
		add_duration(g, json_array_get(ci, 1), 1);
		grid_add(g, "%s", few ? "true" : "false");
	} else if (json_is_array(ci)) {
		char lo[48], hi[48];

		duration_text(lo, sizeof(lo),
			      (long long)json_integer_value(
				      json_array_get(ci, 0)));
		duration_text(hi, sizeof(hi),
			      (long long)json_integer_value(
				      json_array_get(ci, 1)));
		grid_add(g, "%s–%s", lo, hi);
	} else {
		grid_add(g, "-");
	}
}

static void durations_row(struct grid *g, const json_t *row,
			  enum stats_format f, int ja)
{
	int csv = f == STATS_CSV;
	const json_t *by = json_object_get(row, "ttd_by_detection");

	period_cells(g, row, csv, ja);
	grid_add(g, "%lld", jint(row, "incidents"));
	for (int m = 0; m < 3; m++)
		spread_cells(g, json_object_get(row, stats_metric_names[m]),
			     csv, ja);
	for (size_t d = 0; d < 3; d++) {
		const json_t *dj = json_object_get(by, detections[d]);

		grid_add(g, "%lld", jint(dj, "count"));
		add_duration(g, json_object_get(dj, "median"), csv);
	}
}

static void durations_grid(struct grid *g, const json_t *res,
			   enum stats_format f, int ja)
{
	static const char *const heads[3] = { "TTD", "TTM", "TTR" };
	const json_t *row;
	size_t i, lead = f == STATS_CSV ? 4 : 2;
	int csv = f == STATS_CSV;

	grid_init(g, lead + 3 * (csv ? 6 : 4) + 6);
	for (i = lead - 1; i < g->cols; i++)
		g->right[i] = 1;
	if (csv) {
		grid_add(g, "period");
		grid_add(g, "label");
		grid_add(g, "label_ja");
		grid_add(g, "incidents");
	} else {
		grid_add(g, "%s", ja ? "期間" : "Period");
		grid_add(g, "%s", ja ? "件数" : "Incidents");
	}
	for (int m = 0; m < 3; m++) {
		const char *k = stats_metric_names[m];

		if (csv) {
			grid_add(g, "%s_count", k);
			grid_add(g, "%s_median_seconds", k);
			grid_add(g, "%s_p90_seconds", k);
			grid_add(g, "%s_median_ci90_low_seconds", k);
			grid_add(g, "%s_median_ci90_high_seconds", k);
			grid_add(g, "%s_too_few", k);
		} else {
			grid_add(g, "%s n", heads[m]);
			grid_add(g, "%s %s", heads[m],
				 ja ? "中央値" : "median");
			grid_add(g, "%s p90", heads[m]);
			grid_add(g, "%s %s", heads[m],
				 ja ? "中央値90%区間" : "median 90% CI");
		}
	}
	for (size_t d = 0; d < 3; d++) {
		if (csv) {
			grid_add(g, "ttd_%s_count", detections[d]);
			grid_add(g, "ttd_%s_median_seconds", detections[d]);
		} else {
			grid_add(g, "TTD %s n", detections[d]);
			grid_add(g, "TTD %s %s", detections[d],
				 ja ? "中央値" : "median");
		}
	}
	json_array_foreach(json_object_get(res, "rows"), i, row)
		durations_row(g, row, f, ja);
	if (!csv)
		durations_row(g, json_object_get(res, "all"), f, ja);
}

static void periods_grid(struct grid *g, const json_t *res, int ja)
{
	const json_t *row;
	size_t i;

	grid_init(g, 4);
	g->right[1] = g->right[2] = g->right[3] = 1;
	grid_add(g, "%s", ja ? "期間" : "Period");
	grid_add(g, "%s", ja ? "起票" : "Opened");
	grid_add(g, "%s", ja ? "完了" : "Done");
	grid_add(g, "%s", ja ? "未完了" : "Still open");
	json_array_foreach(json_object_get(res, "periods"), i, row) {
		grid_add(g, "%s", label_of(row, ja));
		grid_add(g, "%lld", jint(row, "opened"));
		grid_add(g, "%lld", jint(row, "done"));
		grid_add(g, "%lld", jint(row, "still_open"));
	}
}

static void items_grid(struct grid *g, const json_t *res,
		       enum stats_format f, int ja)
{
	const json_t *it;
	size_t i;

	if (f == STATS_CSV) {
		grid_init(g, 9);
		grid_add(g, "slug");
		grid_add(g, "title");
		grid_add(g, "started_at");
		grid_add(g, "done");
		grid_add(g, "overdue");
		grid_add(g, "owner");
		grid_add(g, "due");
		grid_add(g, "text");
		grid_add(g, "line");
		json_array_foreach(json_object_get(res, "items"), i, it) {
			grid_add(g, "%s", jstr(it, "slug"));
			grid_add(g, "%s", jstr(it, "title"));
			grid_add(g, "%s", jstr(it, "started_at"));
			grid_add(g, "%d", json_is_true(json_object_get(
						  it, "done")));
			grid_add(g, "%d", json_is_true(json_object_get(
						  it, "overdue")));
			grid_add(g, "%s", jstr(it, "owner"));
			grid_add(g, "%s", jstr(it, "due"));
			grid_add(g, "%s", jstr(it, "text"));
			grid_add(g, "%lld", jint(it, "line"));
		}
		return;
	}
	grid_init(g, 5);
	grid_add(g, "%s", ja ? "期限" : "Due");
	grid_add(g, "%s", ja ? "担当" : "Owner");
	grid_add(g, "%s", ja ? "状態" : "State");
	grid_add(g, "%s", ja ? "項目" : "Item");
	grid_add(g, "%s", ja ? "ポストモーテム" : "Postmortem");
	json_array_foreach(json_object_get(res, "items"), i, it) {
		int done = json_is_true(json_object_get(it, "done"));
		int late = json_is_true(json_object_get(it, "overdue"));

		grid_add(g, "%s", *jstr(it, "due") ? jstr(it, "due") : "-");
		grid_add(g, "%s%s", *jstr(it, "owner") ? "@" : "",
			 *jstr(it, "owner") ? jstr(it, "owner") : "-");
		grid_add(g, "%s",
			 done ? (ja ? "完了" : "done")
			      : late ? (ja ? "期限切れ" : "overdue")
				     : (ja ? "未完了" : "open"));
		grid_add(g, "%s", jstr(it, "text"));
		grid_add(g, "%s", jstr(it, "slug"));
	}
}

/* The columns of a follow-through row after the period: key, heading in
 * English and Japanese. */
static const char *const follow_cols[][3] = {
	{"opened", "Opened", "起票"},
	{"done_on_time", "On time", "期限内に完了"},
	{"done_late", "Late", "期限後に完了"},
	{"done_no_due", "Done, no due date", "完了(期限なし)"},
	{"done_undated", "Done, date unknown", "完了(日付不明)"},
	{"still_open", "Still open", "未完了"},
	{"overdue", "Overdue", "期限切れ"},
};
#define N_FOLLOW_COLS (sizeof(follow_cols) / sizeof(follow_cols[0]))

static void follow_row(struct grid *g, const json_t *row, int csv, int ja)
{
	const json_t *med = json_object_get(row, "median_days");

	period_cells(g, row, csv, ja);
	for (size_t k = 0; k < N_FOLLOW_COLS; k++)
		grid_add(g, "%lld", jint(row, follow_cols[k][0]));
	if (json_is_number(med))
		grid_add(g, "%g", json_number_value(med));
	else
		grid_add(g, "%s", csv ? "" : "-");
	grid_add(g, "%lld", jint(row, "median_n"));
}

static void follow_grid(struct grid *g, const json_t *res,
			enum stats_format f, int ja)
{
	const json_t *row;
	size_t i, lead = f == STATS_CSV ? 3 : 1;
	int csv = f == STATS_CSV;

	grid_init(g, lead + N_FOLLOW_COLS + 2);
	for (i = lead; i < g->cols; i++)
		g->right[i] = 1;
	if (csv) {
		grid_add(g, "period");
		grid_add(g, "label");
		grid_add(g, "label_ja");
	} else {
		grid_add(g, "%s", ja ? "期間" : "Period");
	}
	for (size_t k = 0; k < N_FOLLOW_COLS; k++)
		grid_add(g, "%s", csv ? follow_cols[k][0]
				      : follow_cols[k][ja ? 2 : 1]);
	grid_add(g, "%s",
		 csv  ? "median_days"
		 : ja ? "完了までの日数(中央値)"
		      : "Median days to done");
	grid_add(g, "%s",
		 csv ? "median_n" : ja ? "日数の件数" : "n (days known)");
	json_array_foreach(json_object_get(res, "rows"), i, row)
		follow_row(g, row, csv, ja);
	if (!csv)
		follow_row(g, json_object_get(res, "all"), csv, ja);
}

void stats_render(struct buf *out, const json_t *result, enum stats_kind kind,
		  enum stats_format format, int ja)
{
	struct grid g;
	char *s;

	if (format == STATS_JSON) {
		s = json_dumps(result,
			       JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		if (s)
			buf_addf(out, "%s\n", s);
		free(s);
		return;
	}
	if (format == STATS_TABLE) {
		static const char *const what[] = {
			"Incidents by cause",
			"Time to detect, mitigate and resolve",
			"Action items by period of the incident",
			"Follow-through of action items by period of the "
			"incident"
		};

		buf_addf(out, "%s per %s", what[kind],
			 jstr(result, "period"));
		if (kind == STATS_CAUSES)
			buf_addf(out, " (mode %s)", jstr(result, "mode"));
		buf_addf(out, "; time zone %s, fiscal year from month %lld\n\n",
			 jstr(result, "time_zone"),
			 jint(result, "fiscal_start_month"));
	}
	if (kind == STATS_CAUSES)
		causes_grid(&g, result, format, ja);
	else if (kind == STATS_DURATIONS)
		durations_grid(&g, result, format, ja);
	else if (kind == STATS_FOLLOW)
		follow_grid(&g, result, format, ja);
	else if (format == STATS_CSV)
		items_grid(&g, result, format, ja);
	else
		periods_grid(&g, result, ja);
	render_grid(out, &g, format);
	grid_release(&g);
	if (format == STATS_TABLE && kind != STATS_ACTIONS &&
	    jint(result, "undated") &&
	    (json_is_string(json_object_get(result, "from")) ||
	     json_is_string(json_object_get(result, "to")) ||
	     kind == STATS_DURATIONS))
		buf_addf(out, "\n%lld %s%s%s not shown%s.\n",
			 jint(result, "undated"),
			 kind == STATS_FOLLOW ? "action item"
					      : "undated incident",
			 jint(result, "undated") == 1 ? "" : "s",
			 kind == STATS_FOLLOW ? " of undated incidents" : "",
			 kind == STATS_DURATIONS
				 ? " (no start to measure from)"
				 : " (no range holds them; drop --from/--to "
				   "to see them as \"Unknown\")");
	if (kind != STATS_ACTIONS || format == STATS_CSV)
		return;
	buf_addf(out, "\n");
	if (format == STATS_TABLE)
		buf_addf(out, "Action items (%s%s%s): %lld\n\n",
			 jstr(result, "status"),
			 json_is_string(json_object_get(result, "owner"))
				 ? ", owner "
				 : "",
			 jstr(result, "owner"), jint(result, "total"));
	items_grid(&g, result, format, ja);
	render_grid(out, &g, format);
	grid_release(&g);
}

static long long by_cause(const json_t *row, const char *cause)
{
	return (long long)json_integer_value(
		json_object_get(json_object_get(row, "by_cause"), cause));
}

int stats_render_recent(struct buf *out, const json_t *result,
			int max_periods, int max_causes, int ja)
{
	const json_t *rows = json_object_get(result, "rows");
	const json_t *causes = json_object_get(result, "causes");
	const json_t *shown[16];
	size_t n_rows = json_array_size(rows);
	int n_shown = 0, n_causes = (int)json_array_size(causes);
	struct grid g;

	if (max_periods > 16)
		max_periods = 16;
	/* The last periods before the "unknown" row, oldest first. */
	for (size_t i = n_rows; i > 0 && n_shown < max_periods; i--) {
		const json_t *row = json_array_get(rows, i - 1);

		if (strcmp(jstr(row, "period"), "unknown"))
			shown[n_shown++] = row;
	}
	if (!n_shown)
		return 0;
	for (int k = 0; k < n_shown / 2; k++) {
		const json_t *tmp = shown[k];

		shown[k] = shown[n_shown - 1 - k];
		shown[n_shown - 1 - k] = tmp;
	}
	grid_init(&g, 1 + (size_t)n_shown);
	for (size_t c = 1; c < g.cols; c++)
		g.right[c] = 1;
	grid_add(&g, "%s", ja ? "原因" : "cause");
	for (int k = 0; k < n_shown; k++)
		grid_add(&g, "%s", label_of(shown[k], ja));
	/* causes is sorted by total over the whole range, most first; past
	 * max_causes the rest are summed as "(other)". */
	for (int k = 0; k < n_causes && k <= max_causes; k++) {
		const json_t *cz = json_array_get(causes, (size_t)k);
		int other = k == max_causes;

		grid_add(&g, "%s",
			 other ? "(other)"
			       : jstr(cz, ja ? "label_ja" : "id"));
		for (int col = 0; col < n_shown; col++) {
			long long n = 0;

			if (other)
				for (int m = k; m < n_causes; m++)
					n += by_cause(
						shown[col],
						jstr(json_array_get(causes,
								    (size_t)m),
						     "id"));
			else
				n = by_cause(shown[col], jstr(cz, "id"));
			grid_add(&g, "%lld", n);
		}
	}
	grid_add(&g, "%s", ja ? "合計" : "total");
	for (int col = 0; col < n_shown; col++)
		grid_add(&g, "%lld", jint(shown[col], "total"));
	render_text(out, &g);
	grid_release(&g);
	return n_shown;
}
