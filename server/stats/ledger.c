/*
 * The action items in memory: see include/pmkb/stats/ledger.h.
 *
 * Map:
 *   load        the first closing commit of each (incident, position),
 *               then every item, its due texts ranked, sorted in the
 *               ledger's order
 *   indexes     per incident its items counted, per owner its items
 *   generation  kept on the connection for its snapshot
 *               (dbconn_derived), beside the incidents' generation
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/log.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/ledger.h"
#include "pmkb/stats/stats.h"

static const char sql_items[] =
	"SELECT id, pm_id, pos, done, owner, due, done_on, ticked_at"
	" FROM action_items";
/* Commits that closed an item (pos is 1-based there): the first one. */
static const char sql_commits[] =
	"SELECT p.id, c.pos, min(c.commit_time) FROM action_commits c"
	" JOIN postmortems p ON p.slug = c.slug GROUP BY c.slug, c.pos";

/* An item while loading, with what orders the list: see struct
 * stats_ledger. */
struct loading {
	struct stats_item it;
	int64_t id;
	int64_t epoch, pm, pos; /* its incident's start and rowid */
	int has_epoch;
	uint32_t due; /* id in the loader's table of due texts */
};

/* A closing commit's (incident, position) and the first time. */
struct closing {
	uint32_t inc;
	int64_t pos;
	int64_t first;
	int has_first;
};

static int cmp_closing(const void *a, const void *b)
{
	const struct closing *x = a, *y = b;

	if (x->inc != y->inc)
		return x->inc < y->inc ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The closing commits of (inc, pos), or NULL. */
static const struct closing *closing_of(const struct closing *cl, size_t n,
					uint32_t inc, int64_t pos)
{
	struct closing key = { inc, pos, 0, 0 };

	return n ? bsearch(&key, cl, n, sizeof(*cl), cmp_closing) : NULL;
}

static int load_closings(struct dbconn *c, const struct stats_facts *f,
			 struct closing **out, size_t *n_out)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_commits);
	struct closing *cl = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = stats_facts_find(f, sqlite3_column_int64(s, 0));

		if (k == SIZE_MAX)
			continue;
		XGROW(cl, alloc, n + 1);
		cl[n].inc = (uint32_t)k;
		cl[n].pos = sqlite3_column_int64(s, 1);
		cl[n].has_first = sqlite3_column_type(s, 2) != SQLITE_NULL;
		cl[n++].first = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (n)
		qsort(cl, n, sizeof(*cl), cmp_closing);
	*out = cl;
	*n_out = n;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ORDER BY due IS NULL, due, started_epoch DESC, rowid, pos. */
static int cmp_loading(const void *a, const void *b)
{
	const struct loading *x = a, *y = b;

	/* UINT32_MAX (no due) sorts last of itself. */
	if (x->it.due_rank != y->it.due_rank)
		return x->it.due_rank < y->it.due_rank ? -1 : 1;
	/* A missing start is NULL: last when descending. */
	if (x->has_epoch != y->has_epoch)
		return x->has_epoch ? -1 : 1;
	if (x->epoch != y->epoch)
		return x->epoch > y->epoch ? -1 : 1;
	if (x->pm != y->pm)
		return x->pm < y->pm ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the distinct due texts into lg->dues and ranks each item's. */
static void rank_dues(struct stats_ledger *lg, struct strtab *dues,
		      struct loading *l, size_t n)
{
	uint32_t *rank = xmalloc((dues->n ? dues->n : 1) * sizeof(*rank));

	lg->dues = xmalloc((dues->n ? dues->n : 1) * sizeof(char *));
	lg->n_dues = dues->n;
	for (size_t i = 0; i < dues->n; i++)
		lg->dues[i] = dues->s[i];
	qsort(lg->dues, dues->n, sizeof(char *), cmp_text);
	for (size_t i = 0; i < dues->n; i++)
		rank[strtab_get(dues, lg->dues[i])] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		l[i].it.due_rank = l[i].due == STRTAB_NONE ? UINT32_MAX
							   : rank[l[i].due];
	/* The texts now belong to lg->dues. */
	for (size_t i = 0; i < dues->n; i++)
		lg->dues[i] = xstrdup(lg->dues[i]);
	free(rank);
}

static int load_items(struct dbconn *c, const struct stats_facts *f,
		      struct stats_ledger *lg)
{
	sqlite3_stmt *s;
	struct loading *l = NULL;
	struct closing *cl = NULL;
	struct strtab dues = { 0 };
	size_t n = 0, alloc = 0, n_cl = 0;
	int rc;

	if ((rc = load_closings(c, f, &cl, &n_cl)) != SQLITE_OK)
		return rc;
	if (!(s = dbconn_stmt(c, sql_items))) {
		free(cl);
		return SQLITE_ERROR;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = stats_facts_find(f, sqlite3_column_int64(s, 1));
		const char *owner = column_cstr(s, 4), *due = column_cstr(s, 5);
		const char *done_on = column_cstr(s, 6);
		const struct closing *by;
		struct stats_item *it;
		int64_t day;

		if (k == SIZE_MAX)
			continue;
		XGROW(l, alloc, n + 1);
		memset(&l[n], 0, sizeof(l[n]));
		it = &l[n].it;
		l[n].pos = sqlite3_column_int64(s, 2);
		l[n].pm = f->ids[k];
		l[n].epoch = f->inc[k].epoch;
		l[n].has_epoch = f->inc[k].has_epoch;
		l[n].due = due ? strtab_add(&dues, due) : STRTAB_NONE;
		l[n].id = sqlite3_column_int64(s, 0);
		it->inc = (uint32_t)k;
		it->ticked = sqlite3_column_int(s, 3) != 0;
		it->owner = STRTAB_NONE;
		if (owner) {
			char *lo = text_ascii_lower(xstrdup(owner));

			it->owner = strtab_add(&lg->owners, lo);
			free(lo);
		}
		if (due && !stats_range_day(due, 1, 0, &day)) {
			it->has_due_day = 1;
			it->due_day = (int32_t)day;
		}
		if (done_on && !stats_range_day(done_on, 1, 0, &day)) {
			it->has_done_on = 1;
			it->done_on_day = (int32_t)day;
		}
		if (sqlite3_column_type(s, 7) != SQLITE_NULL) {
			it->has_first = 1;
			it->first = sqlite3_column_int64(s, 7);
		}
		by = closing_of(cl, n_cl, (uint32_t)k, l[n].pos + 1);
		if (by) {
			it->closed = 1;
			/* The earlier of the commit and the tick. */
			if (by->has_first &&
			    (!it->has_first || by->first < it->first)) {
				it->has_first = 1;
				it->first = by->first;
			}
		}
		n++;
	}
	sqlite3_reset(s);
	free(cl);
	if (rc == SQLITE_DONE) {
		rank_dues(lg, &dues, l, n);
		if (n)
			qsort(l, n, sizeof(*l), cmp_loading);
		lg->items = xmalloc((n ? n : 1) * sizeof(*lg->items));
		lg->item_ids = xmalloc((n ? n : 1) * sizeof(*lg->item_ids));
		for (size_t i = 0; i < n; i++) {
			lg->items[i] = l[i].it;
			lg->item_ids[i] = l[i].id;
		}
		lg->n_items = n;
	}
	strtab_release(&dues);
	free(l);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* lg->by_inc and lg->open_due over n_inc incidents. */
static void index_incidents(struct stats_ledger *lg, size_t n_inc)
{
	struct stats_inc_items *b = xcalloc(n_inc + 1, sizeof(*b));
	uint32_t at = 0, *fill;

	for (size_t i = 0; i < lg->n_items; i++) {
		const struct stats_item *it = &lg->items[i];

		b[it->inc].n++;
		b[it->inc].ticked += it->ticked;
		b[it->inc].n_open_due +=
			!it->ticked && it->due_rank != UINT32_MAX;
	}
	for (size_t k = 0; k < n_inc; k++) {
		b[k].open_at = at;
		at += b[k].n_open_due;
	}
	/* Items come by due rank first (the ledger's order), so each
	 * incident's ranks are written in ascending order. */
	lg->open_due = xmalloc((at ? at : 1) * sizeof(*lg->open_due));
	fill = xcalloc(n_inc + 1, sizeof(*fill));
	for (size_t i = 0; i < lg->n_items; i++) {
		const struct stats_item *it = &lg->items[i];

		if (!it->ticked && it->due_rank != UINT32_MAX)
			lg->open_due[b[it->inc].open_at + fill[it->inc]++] =
				it->due_rank;
	}
	free(fill);
	lg->by_inc = b;
}

/* lg->owner_at and lg->owner_item. */
static void index_owners(struct stats_ledger *lg)
{
	size_t n_own = lg->owners.n;
	uint32_t *at = xcalloc(n_own + 2, sizeof(*at)), *fill;

	for (size_t i = 0; i < lg->n_items; i++)
		if (lg->items[i].owner != STRTAB_NONE)
			at[lg->items[i].owner + 1]++;
	for (size_t o = 0; o < n_own; o++)
		at[o + 1] += at[o];
	lg->owner_item = xmalloc((at[n_own] ? at[n_own] : 1) *
				 sizeof(*lg->owner_item));
	fill = xcalloc(n_own + 1, sizeof(*fill));
	for (size_t i = 0; i < lg->n_items; i++) {
		uint32_t o = lg->items[i].owner;

		if (o != STRTAB_NONE)
			lg->owner_item[at[o] + fill[o]++] = (uint32_t)i;
	}
	free(fill);
	lg->owner_at = at;
}

static void ledger_free(void *p)
{
	struct stats_ledger *lg = p;

	free(lg->items);
	free(lg->item_ids);
	free(lg->by_inc);
	free(lg->open_due);
	free(lg->owner_at);
	free(lg->owner_item);
	strtab_release(&lg->owners);
	for (size_t i = 0; i < lg->n_dues; i++)
		free(lg->dues[i]);
	free(lg->dues);
	free(lg);
}

/* The key of the generation on a connection. */
static const char generation_key;

/* arg: the incidents' facts of the same snapshot. */
static void *load(struct dbconn *c, const void *arg)
{
	struct stats_ledger *lg = xcalloc(1, sizeof(*lg));

	if (load_items(c, arg, lg) != SQLITE_OK) {
		ledger_free(lg);
		return NULL;
	}
	index_incidents(lg, ((const struct stats_facts *)arg)->n_inc);
	index_owners(lg);
	return lg;
}

enum pm_status stats_ledger_current(struct dbconn *c,
				    const struct stats_facts *f,
				    const struct stats_ledger **out,
				    struct pm_error *err)
{
	*out = dbconn_derived(c, &generation_key, load, f, ledger_free);
	if (*out)
		return PM_OK;
	log_kv(LOG_ERROR, "stats.ledger", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "stats", 0,
			    "stats: the index could not be read");
}
