/*
 * Follow-through per period: of the action items of each period's
 * incidents, how many were done on time, late, without a due date or at
 * an unknown date, how many are still open (and overdue), and the median
 * days from the incident to done. stats_follow_through()
 * (include/pmkb/stats/stats.h).
 *
 * An item's done day is, first, the one written in it (done:DATE);
 * else the earliest of the commits that closed it (Postmortem-Action
 * trailers, action_commits) and the commit that ticked its box
 * (ticked_at: git history, ingest/tickdates.h). A box ticked when its
 * file was added and never dated is done on an unknown day: it counts as
 * done, never as on time or late, and stays out of the median.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/stats.h"

/* Every item with its incident's start, its due date (written or
 * implied), and its closing commits: how many, and the first one's time.
 * The service and severity filters are JSON arrays or NULL. */
static const char sql_follow[] =
    "SELECT a.done, a.due, p.started_at, p.started_epoch, "
    "p.started_source, c.n, "
    "coalesce(min(c.first, a.ticked_at), c.first, a.ticked_at), a.done_on "
    "FROM action_items a JOIN postmortems p ON p.id = a.pm_id "
    "LEFT JOIN (SELECT slug, pos, count(*) AS n, min(commit_time) AS first "
    "FROM action_commits GROUP BY slug, pos) c "
    "ON c.slug = p.slug AND c.pos = a.pos + 1 WHERE " STATS_FILTERS_SQL;
enum {
	F_DONE,
	F_DUE,
	F_STARTED,
	F_STARTED_E,
	F_SOURCE,
	F_COMMITS,
	F_FIRST, /* the first commit that closed or ticked it */
	F_DONE_ON
};

/* What became of one item; the five outcomes are exclusive. */
enum outcome {
	ON_TIME, /* done on or before its due day */
	LATE,    /* done after its due day */
	NO_DUE,  /* done on a known day, no due date */
	UNDATED, /* done, the day unknown */
	OPEN,    /* not done (overdue or not) */
	OUTCOME__MAX
};
static const char *const outcome_keys[OUTCOME__MAX] = {
    "done_on_time", "done_late", "done_no_due", "done_undated", "still_open"};

struct item {
	int64_t ord; /* the incident's period, INT64_MIN undated */
	enum outcome what;
	int overdue;
	int has_days; /* days (incident to done) is known */
	int64_t days;
};

struct tally {
	int64_t n[OUTCOME__MAX], opened, overdue;
	int64_t *days; /* the known days to done, for the median */
	size_t k;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Classifies the current row of s; today and the zone from x. */
static void classify(const struct stats_run *x, sqlite3_stmt *s, int64_t today,
                     struct item *it)
{
	const char *due = (const char *)sqlite3_column_text(s, F_DUE);
	const char *done_on = (const char *)sqlite3_column_text(s, F_DONE_ON);
	int by_commit = sqlite3_column_int(s, F_COMMITS) > 0;
	int done = sqlite3_column_int(s, F_DONE) || by_commit;
	int64_t due_day = 0, done_day = 0, start_day;
	int has_due = due && !stats_range_day(due, 1, 0, &due_day);

	it->overdue = 0;
	it->has_days = 0;
	if (!done) {
		it->what = OPEN;
		it->overdue = has_due && due_day < today;
		return;
	}
	if (done_on && sqlite3_column_int(s, F_DONE) &&
	    !stats_range_day(done_on, 1, 0, &done_day)) {
		/* the day written in the item */
	} else if (sqlite3_column_type(s, F_FIRST) != SQLITE_NULL) {
		int64_t t = sqlite3_column_int64(s, F_FIRST);

		done_day =
		    civil_floor_div(t + stats_zone_offset(x->zone, t), 86400);
	} else {
		it->what = UNDATED;
		return;
	}
	it->what = !has_due ? NO_DUE : done_day <= due_day ? ON_TIME : LATE;
	if (it->ord != INT64_MIN &&
	    !stats_start_day(
	        x->zone, (const char *)sqlite3_column_text(s, F_STARTED),
	        sqlite3_column_int64(s, F_STARTED_E), &start_day)) {
		it->has_days = 1;
		it->days = done_day - start_day;
	}
}

static void tally_add(struct tally *t, const struct item *it)
{
	t->opened++;
	t->n[it->what]++;
	t->overdue += it->overdue;
	if (it->has_days)
		t->days[t->k++] = it->days;
}

/* The counts of t into j; sorts t->days. */
static void tally_put(json_t *j, struct tally *t)
{
	json_t *median = json_null();

	json_object_set_new(j, "opened", json_integer(t->opened));
	json_object_set_new(j, "done", json_integer(t->opened - t->n[OPEN]));
	for (int o = 0; o < OUTCOME__MAX; o++)
		json_object_set_new(j, outcome_keys[o], json_integer(t->n[o]));
	json_object_set_new(j, "overdue", json_integer(t->overdue));
	if (t->k) {
		/* The middle value, or halfway between the two middle ones:
		 * half days are kept rather than rounded away. */
		qsort(t->days, t->k, sizeof(*t->days), cmp_i64);
		median = json_real(
		    (double)(t->days[(t->k - 1) / 2] + t->days[t->k / 2]) /
		    2.0);
	}
	json_object_set_new(j, "median_days", median);
	json_object_set_new(j, "median_n", json_integer((json_int_t)t->k));
}

static int cmp_item(const void *a, const void *b)
{
	int64_t x = ((const struct item *)a)->ord;
	int64_t y = ((const struct item *)b)->ord;

	return (x > y) - (x < y);
}

/* The tally of items[0..n) into a new row with head, days room for n. */
static json_t *tally_row(json_t *head, const struct item *items, size_t n,
                         int64_t *days)
{
	struct tally t;

	memset(&t, 0, sizeof(t));
	t.days = days;
	for (size_t i = 0; i < n; i++)
		tally_add(&t, &items[i]);
	tally_put(head, &t);
	return head;
}

enum pm_status stats_follow_through(struct dbconn *c,
                                    const struct taxonomy *tax,
                                    const struct stats_request *r, json_t **out,
                                    struct pm_error *err)
{
	struct stats_run x;
	struct item *items = NULL;
	size_t n = 0, alloc = 0, i = 0, n_undated = 0;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0, today;
	int64_t *days = NULL;
	char *filters[2] = {NULL, NULL};
	char today_text[16];
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *list;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	today = stats_today(&x);
	if ((st = stats_run_prepare(&x, c, sql_follow, &s, filters, err)) !=
	    PM_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t ord;
		int in = stats_row_period(&x, s, F_STARTED, F_STARTED_E,
		                          F_SOURCE, &ord);

		/* Items of undated incidents when a range was asked for:
		 * nobody can say whether they are inside it. */
		if (in == -1)
			undated++;
		if (in != 1)
			continue;
		XGROW(items, alloc, n + 1);
		items[n].ord = ord;
		classify(&x, s, today, &items[n]);
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		} else {
			n_undated++;
		}
		n++;
	}
	if ((st = stats_run_end(&x, s, rc, dmin, dmax, err)) != PM_OK)
		goto out;
	/* By period, the undated (INT64_MIN) first; one row is a slice. */
	if (n)
		qsort(items, n, sizeof(*items), cmp_item);
	days = xcalloc(n ? n : 1, sizeof(*days));
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	stats_day_text(today, today_text, sizeof(today_text));
	json_object_set_new(res, "today", json_string(today_text));
	json_object_set_new(res, "undated", json_integer(undated));
	list = json_array();
	i = n_undated;
	for (size_t row = 0; row < x.n; row++) {
		int64_t ord = x.lo + (int64_t)row;
		size_t start = i;

		while (i < n && items[i].ord == ord)
			i++;
		json_array_append_new(list, tally_row(stats_row_head(&x, ord),
		                                      items + start, i - start,
		                                      days));
	}
	if (n_undated)
		json_array_append_new(list,
		                      tally_row(stats_row_head(&x, INT64_MIN),
		                                items, n_undated, days));
	json_object_set_new(res, "rows", list);
	list = json_pack("{s:s,s:s,s:s,s:n,s:n}", "period", "all", "label",
	                 "All", "label_ja", "全期間", "start", "end");
	json_object_set_new(res, "all", tally_row(list, items, n, days));
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(days);
	free(items);
	free(filters[0]);
	free(filters[1]);
	stats_run_close(&x);
	return st;
}
