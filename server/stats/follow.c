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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/stats.h"

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

/*
 * The k-th smallest of v[0..n) (0-based), moving the k smaller ones
 * before it: quickselect, O(n) on average, so that a median over 100,000
 * items needs no sort.
 */
static int64_t nth(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		/* Hoare's partition: v[lo..j] <= pivot <= v[j + 1..hi]. */
		int64_t pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo - 1, j = hi + 1;

		for (;;) {
			int64_t t;

			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
		if (want <= j)
			hi = j;
		else
			lo = j + 1;
	}
	return v[want];
}

/* The largest of v[0..n), n > 0. */
static int64_t max_of(const int64_t *v, size_t n)
{
	int64_t m = v[0];

	for (size_t i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* Classifies it, of incident in; today and the zone from x. */
static void classify(const struct stats_run *x, const struct stats_item *it,
                     const struct stats_incident *in, int64_t today,
                     struct item *out)
{
	int64_t done_day;

	out->overdue = 0;
	out->has_days = 0;
	if (!it->ticked && !it->closed) {
		out->what = OPEN;
		out->overdue = it->has_due_day && it->due_day < today;
		return;
	}
	if (it->has_done_on && it->ticked) {
		done_day = it->done_on_day; /* the day written in the item */
	} else if (it->has_first) {
		done_day = civil_floor_div(
		    it->first + stats_zone_offset(x->zone, it->first), 86400);
	} else {
		out->what = UNDATED;
		return;
	}
	out->what = !it->has_due_day           ? NO_DUE
	            : done_day <= it->due_day ? ON_TIME
	                                      : LATE;
	if (out->ord != INT64_MIN) {
		out->has_days = 1;
		out->days = done_day - stats_incident_day(in, x->zone);
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
		int64_t hi = nth(t->days, t->k, t->k / 2);
		int64_t lo = t->k % 2 ? hi : max_of(t->days, t->k / 2);

		median = json_real((double)(lo + hi) / 2.0);
	}
	json_object_set_new(j, "median_days", median);
	json_object_set_new(j, "median_n", json_integer((json_int_t)t->k));
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
	const struct stats_facts *f;
	struct item *items = NULL, *by_row = NULL;
	size_t n = 0, *at = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0, today;
	int64_t *days = NULL, *ords = NULL;
	int8_t *in = NULL;
	uint8_t *pass = NULL;
	char today_text[16];
	json_t *res = NULL, *list;
	enum pm_status st;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	today = stats_today(&x);
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	/* Each incident's period (in: 1), or why its items are left out:
	 * outside the range or filtered (0), undated in a range (-1). */
	ords = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*ords));
	in = xmalloc(f->n_inc ? f->n_inc : 1);
	for (size_t i = 0; i < f->n_inc; i++)
		in[i] = (int8_t)(pass && !pass[i] ? 0
		                 : stats_incident_period(&x, &f->inc[i],
		                                         &ords[i]));
	items = xmalloc((f->n_items ? f->n_items : 1) * sizeof(*items));
	for (size_t i = 0; i < f->n_items; i++) {
		const struct stats_item *it = &f->items[i];

		/* Items of undated incidents when a range was asked for:
		 * nobody can say whether they are inside it. */
		undated += in[it->inc] == -1;
		if (in[it->inc] != 1)
			continue;
		items[n].ord = ords[it->inc];
		classify(&x, it, &f->inc[it->inc], today, &items[n]);
		if (items[n].ord != INT64_MIN) {
			dmin = items[n].ord < dmin ? items[n].ord : dmin;
			dmax = items[n].ord > dmax ? items[n].ord : dmax;
		}
		n++;
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	/* By row, the unknown one (x.n) last: one row is a slice. */
	at = xcalloc(x.n + 2, sizeof(*at));
	for (size_t i = 0; i < n; i++)
		at[stats_row_of(&x, items[i].ord) + 1]++;
	for (size_t row = 0; row <= x.n; row++)
		at[row + 1] += at[row];
	by_row = xmalloc((n ? n : 1) * sizeof(*by_row));
	{
		size_t *fill = xmalloc((x.n + 1) * sizeof(*fill));

		memcpy(fill, at, (x.n + 1) * sizeof(*fill));
		for (size_t i = 0; i < n; i++)
			by_row[fill[stats_row_of(&x, items[i].ord)]++] =
			    items[i];
		free(fill);
	}
	days = xcalloc(n ? n : 1, sizeof(*days));
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	stats_day_text(today, today_text, sizeof(today_text));
	json_object_set_new(res, "today", json_string(today_text));
	json_object_set_new(res, "undated", json_integer(undated));
	list = json_array();
	for (size_t row = 0; row <= x.n; row++) {
		int64_t ord = row == x.n ? INT64_MIN : x.lo + (int64_t)row;

		if (row == x.n && at[row + 1] == at[row])
			break;
		json_array_append_new(
		    list, tally_row(stats_row_head(&x, ord), by_row + at[row],
		                    at[row + 1] - at[row], days));
	}
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
	free(by_row);
	free(at);
	free(ords);
	free(in);
	free(pass);
	stats_run_close(&x);
	return st;
}
