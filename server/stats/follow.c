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
#include "pmkb/stats/ledger.h"
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

/* Classifies it, of its incident in f (whose start counts when dated);
 * today and the zone from x. */
static void classify(const struct stats_run *x, const struct stats_item *it,
                     const struct stats_facts *f, int dated,
                     int64_t today, struct item *out)
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
	if (dated) {
		out->has_days = 1;
		out->days = done_day - stats_incident_day(f, it->inc, x->zone);
	}
}

static void tally_add(struct tally *t, const struct item *it)
{
	t->opened++;
	t->n[it->what]++;
	t->overdue += it->overdue;
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

enum pm_status stats_follow_through(struct dbconn *c,
                                    const struct taxonomy *tax,
                                    const struct stats_request *r, json_t **out,
                                    struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	const struct stats_ledger *lg;
	struct stats_slots sl = {NULL, 0, 0};
	struct tally *t = NULL, all, none;
	size_t nd = 0, *at = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0, today;
	int64_t *days = NULL, *by_slot = NULL;
	uint32_t *day_slot = NULL;
	uint8_t *pass = NULL;
	char today_text[16];
	json_t *res = NULL, *list;
	enum pm_status st;

	*out = NULL;
	memset(&all, 0, sizeof(all));
	memset(&none, 0, sizeof(none));
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	today = stats_today(&x);
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_ledger_current(c, f, &lg, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	stats_run_slots(&x, f, pass, &sl);
	/* A tally per slot, the unknown row's last; the known days to done
	 * with their slots, to be laid out by slot after. */
	t = xcalloc(sl.n + 1, sizeof(*t));
	days = xmalloc((lg->n_items ? lg->n_items : 1) * sizeof(*days));
	day_slot = xmalloc((lg->n_items ? lg->n_items : 1) * sizeof(*day_slot));
	for (size_t i = 0; i < lg->n_items; i++) {
		const struct stats_item *it = &lg->items[i];
		int32_t slot = sl.slot[it->inc];
		int dated = slot != STATS_SLOT_UNKNOWN;
		size_t k = dated ? (size_t)slot : sl.n;
		struct item one;

		/* Items of undated incidents when a range was asked for:
		 * nobody can say whether they are inside it. */
		undated += slot == STATS_SLOT_UNSURE;
		if (dated && (size_t)slot >= sl.n)
			continue;
		classify(&x, it, f, dated, today, &one);
		tally_add(&t[k], &one);
		tally_add(&all, &one);
		if (one.has_days) {
			days[nd] = one.days;
			day_slot[nd++] = (uint32_t)k;
		}
	}
	/* The periods' span: those where an item was counted. */
	for (size_t k = 0; k < sl.n; k++) {
		if (!t[k].opened)
			continue;
		dmin = dmin == INT64_MAX ? sl.base + (int64_t)k : dmin;
		dmax = sl.base + (int64_t)k;
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	/* The days by slot (a counting sort), each tally its slice. */
	at = xcalloc(sl.n + 2, sizeof(*at));
	for (size_t i = 0; i < nd; i++)
		at[day_slot[i] + 1]++;
	for (size_t k = 0; k <= sl.n; k++) {
		at[k + 1] += at[k];
		t[k].days = NULL;
		t[k].k = 0;
	}
	by_slot = xmalloc((nd ? nd : 1) * sizeof(*by_slot));
	for (size_t i = 0; i < nd; i++) {
		struct tally *u = &t[day_slot[i]];

		if (!u->days)
			u->days = by_slot + at[day_slot[i]];
		u->days[u->k++] = days[i];
	}
	all.days = days;
	all.k = nd;
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	stats_day_text(today, today_text, sizeof(today_text));
	json_object_set_new(res, "today", json_string(today_text));
	json_object_set_new(res, "undated", json_integer(undated));
	list = json_array();
	for (size_t row = 0; row <= x.n; row++) {
		int64_t ord = row == x.n ? INT64_MIN : x.lo + (int64_t)row;
		int64_t k = ord == INT64_MIN ? (int64_t)sl.n
		            : sl.n           ? ord - sl.base
		                             : -1;
		struct tally *u = k >= 0 && (k < (int64_t)sl.n ||
		                             ord == INT64_MIN)
		                      ? &t[k]
		                      : &none;
		json_t *head;

		if (ord == INT64_MIN && !u->opened)
			break;
		head = stats_row_head(&x, ord);
		tally_put(head, u);
		json_array_append_new(list, head);
	}
	json_object_set_new(res, "rows", list);
	list = json_pack("{s:s,s:s,s:s,s:n,s:n}", "period", "all", "label",
	                 "All", "label_ja", "全期間", "start", "end");
	tally_put(list, &all);
	json_object_set_new(res, "all", list);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(days);
	free(day_slot);
	free(by_slot);
	free(at);
	free(t);
	free(sl.slot);
	free(pass);
	stats_run_close(&x);
	return st;
}
