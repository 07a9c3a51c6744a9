/*
 * The action items across postmortems, by period: stats_action_items()
 * (include/pmkb/stats/stats.h). The counts and the order come from the
 * items in memory (stats/ledger.h); the texts of the page shown are read
 * from the index.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/ledger.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/stats.h"

/* The page's items, one by one: the rest comes from stats/facts.h, the
 * incident's start too (in the row it comes after the body, on overflow
 * pages). */
static const char sql_item[] =
    "SELECT a.done, a.owner, a.due, a.text, a.line, p.slug, p.title, "
    "a.links, a.due_implied, a.pos, a.done_on, a.ticked_at, "
    "a.ticked_commit FROM action_items a JOIN postmortems p "
    "ON p.id = a.pm_id WHERE a.id = ?1";
enum {
	A_DONE,
	A_OWNER,
	A_DUE,
	A_TEXT,
	A_LINE,
	A_SLUG,
	A_TITLE,
	A_LINKS,
	A_IMPLIED,
	A_POS,
	A_DONE_ON,
	A_TICKED_AT,
	A_TICKED_COMMIT
};

/* What the list adds to an item: its position, whether its due date
 * is implied, and its text as parts with links (doc/learning.h). */
static void item_links(json_t *item, const struct taxonomy *tax,
                       sqlite3_stmt *s)
{
	json_object_set_new(item, "position",
	                    json_integer(sqlite3_column_int(s, A_POS) + 1));
	json_object_set_new(item, "due_implied",
	                    json_boolean(sqlite3_column_int(s, A_IMPLIED)));
	json_object_set_new(item, "done_on", column_string(s, A_DONE_ON));
	json_object_set_new(item, "ticked",
	                    column_commit(s, A_TICKED_COMMIT, A_TICKED_AT));
	json_object_set_new(
	    item, "parts",
	    learning_text_parts(tax ? tax->learning : NULL,
	                        (const char *)sqlite3_column_text(s, A_TEXT),
	                        (const char *)sqlite3_column_text(s, A_LINKS)));
}

/* The number of due texts before today's (dues sorted): an open item
 * whose due text sorts before it is overdue. */
static uint32_t today_rank(const struct stats_ledger *lg, const char *today)
{
	size_t lo = 0, hi = lg->n_dues;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(lg->dues[mid], today) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* The JSON of the item with rowid id, as the list shows it, its
 * incident started at started (as written, or NULL); NULL when it cannot
 * be read. */
static json_t *item_json(struct dbconn *c, const struct taxonomy *tax,
                         int64_t id, const char *started, int overdue)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_item);
	json_t *item = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		/* Set one by one: json_pack() parses its format per item. */
		static const struct {
			const char *key;
			int col;
		} text[] = { { "slug", A_SLUG },	{ "title", A_TITLE },
			     { "started_at", -1 },	{ "text", A_TEXT },
			     { "owner", A_OWNER },	{ "due", A_DUE } };

		item = json_object();
		for (size_t k = 0; k < sizeof(text) / sizeof(text[0]); k++)
			json_object_set_new_nocheck(
			    item, text[k].key,
			    text[k].col >= 0 ? column_string(s, text[k].col)
			    : started        ? json_string(started)
			                     : json_null());
		json_object_set_new_nocheck(
		    item, "done", json_boolean(sqlite3_column_int(s, A_DONE)));
		json_object_set_new_nocheck(item, "overdue",
		                            json_boolean(overdue));
		json_object_set_new_nocheck(
		    item, "line", json_integer(sqlite3_column_int(s, A_LINE)));
		item_links(item, tax, s);
	}
	sqlite3_reset(s);
	return item;
}

/* The number of v[0..n) (ascending) below x. */
static uint32_t count_below(const uint32_t *v, uint32_t n, uint32_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The row of counts incident k's items go to, or -1 when none (the
 * incident is filtered out, or outside the periods). */
static int64_t row_of(const struct stats_slots *sl, uint32_t k)
{
	int32_t slot = sl->slot[k];

	if (slot == STATS_SLOT_UNKNOWN)
		return (int64_t)sl->n;
	return (size_t)slot < sl->n ? slot : -1;
}

/* Whether the list shows it (as r's status asks). */
static int wanted(const struct stats_request *r, const struct stats_item *it,
                  int overdue)
{
	return r->overdue                      ? overdue
	       : r->status == STATS_ITEMS_OPEN ? !it->ticked
	       : r->status == STATS_ITEMS_DONE ? it->ticked
	                                       : 1;
}

enum pm_status stats_action_items(struct dbconn *c, const struct taxonomy *tax,
                                  const struct stats_request *r, json_t **out,
                                  struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	const struct stats_ledger *lg;
	struct stats_slots sl = {NULL, 0, 0};
	int64_t *page = NULL;
	uint8_t *pass = NULL, *overdue_of = NULL;
	size_t rows, n_page = 0, n_mine;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, total = 0;
	int64_t n_open = 0, n_done = 0, n_overdue = 0;
	int64_t *opened = NULL, *done_in = NULL;
	uint32_t owner = STRTAB_NONE, before_today, *page_inc = NULL;
	char today[16];
	json_t *res = NULL, *items = json_array(), *periods;
	enum pm_status st;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	stats_day_text(stats_today(&x), today, sizeof(today));
	if ((st = stats_facts_current(c, &f, err)) != PM_OK ||
	    (st = stats_ledger_current(c, f, &lg, err)) != PM_OK ||
	    (st = stats_run_pass(&x, f, &pass, err)) != PM_OK)
		goto out;
	if (r->owner) {
		char *lo = text_ascii_lower(xstrdup(r->owner));

		owner = strtab_get(&lg->owners, lo);
		free(lo);
	}
	before_today = today_rank(lg, today);
	stats_run_slots(&x, f, pass, &sl);
	/* Per slot, and the unknown row last: the items opened, done. */
	opened = xcalloc(sl.n + 1, sizeof(*opened));
	done_in = xcalloc(sl.n + 1, sizeof(*done_in));
	page = xmalloc(((size_t)r->limit ? (size_t)r->limit : 1) *
	               sizeof(*page));
	overdue_of = xmalloc((size_t)r->limit ? (size_t)r->limit : 1);
	page_inc = xmalloc(((size_t)r->limit ? (size_t)r->limit : 1) *
	                   sizeof(*page_inc));
	/*
	 * Without an owner, the counts come per incident and the list walks
	 * the ledger until its page is full; with one, only that owner's
	 * items are visited (none when no item has that owner).
	 */
	if (!r->owner) {
		for (uint32_t k = 0; k < f->n_inc; k++) {
			const struct stats_inc_items *b = &lg->by_inc[k];
			int64_t at = b->n ? row_of(&sl, k) : -1;

			if (at < 0)
				continue;
			opened[at] += b->n;
			done_in[at] += b->ticked;
			n_done += b->ticked;
			n_open += b->n - b->ticked;
			n_overdue += count_below(lg->open_due + b->open_at,
			                         b->n_open_due, before_today);
		}
	}
	n_mine = !r->owner              ? lg->n_items
	         : owner == STRTAB_NONE ? 0
	                                : lg->owner_at[owner + 1] -
	                                      lg->owner_at[owner];
	for (size_t j = 0, seen = 0; j < n_mine; j++) {
		size_t i = r->owner ? lg->owner_item[lg->owner_at[owner] + j] : j;
		const struct stats_item *it = &lg->items[i];
		int overdue = !it->ticked && it->due_rank < before_today;
		int64_t at = row_of(&sl, it->inc);

		if (at < 0)
			continue;
		if (r->owner) {
			opened[at]++;
			done_in[at] += it->ticked;
			n_done += it->ticked;
			n_open += !it->ticked;
			n_overdue += overdue;
		} else if (n_page >= (size_t)r->limit) {
			break;
		}
		if (!wanted(r, it, overdue) || seen++ < (size_t)r->offset ||
		    n_page >= (size_t)r->limit)
			continue;
		overdue_of[n_page] = (uint8_t)overdue;
		page_inc[n_page] = it->inc;
		page[n_page++] = lg->item_ids[i];
	}
	total = r->overdue                      ? n_overdue
	        : r->status == STATS_ITEMS_OPEN ? n_open
	        : r->status == STATS_ITEMS_DONE ? n_done
	                                        : n_open + n_done;
	/* The periods' span: those where an item was counted. */
	for (size_t k = 0; k < sl.n; k++) {
		if (!opened[k])
			continue;
		dmin = dmin == INT64_MAX ? sl.base + (int64_t)k : dmin;
		dmax = sl.base + (int64_t)k;
	}
	if ((st = stats_run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	for (size_t i = 0; i < n_page; i++) {
		uint32_t at = f->started[page_inc[i]];
		json_t *item = item_json(
		    c, tax, page[i],
		    at == STATS_NO_TEXT ? NULL : f->started_text + at,
		    overdue_of[i]);

		if (!item) {
			st = PM_DB;
			goto out;
		}
		json_array_append_new(items, item);
	}
	rows = x.n + 1;
	res = stats_result_head(&x);
	json_object_del(res, "mode");
	json_object_set_new(
	    res, "status",
	    json_string(r->overdue ? "overdue"
	                           : stats_item_status_names[r->status]));
	json_object_set_new(res, "owner",
	                    r->owner ? json_string(r->owner) : json_null());
	json_object_set_new(res, "today", json_string(today));
	json_object_set_new(res, "total", json_integer(total));
	json_object_set_new(res, "limit", json_integer(r->limit));
	json_object_set_new(res, "offset", json_integer(r->offset));
	json_object_set_new(
	    res, "counts",
	    json_pack("{s:I,s:I,s:I,s:I}", "all", (json_int_t)(n_open + n_done),
	              "open", (json_int_t)n_open, "done", (json_int_t)n_done,
	              "overdue", (json_int_t)n_overdue));
	periods = json_array();
	for (size_t row = 0; row < rows; row++) {
		int64_t ord = row == x.n ? INT64_MIN : x.lo + (int64_t)row;
		int64_t k = ord == INT64_MIN ? (int64_t)sl.n
		            : sl.n           ? ord - sl.base
		                             : -1;
		int in = k >= 0 && (k < (int64_t)sl.n || ord == INT64_MIN);
		int64_t o = in ? opened[k] : 0, d = in ? done_in[k] : 0;
		json_t *j;

		if (ord == INT64_MIN && !o)
			break;
		j = stats_row_head(&x, ord);
		json_object_set_new(j, "opened", json_integer(o));
		json_object_set_new(j, "done", json_integer(d));
		json_object_set_new(j, "still_open", json_integer(o - d));
		json_array_append_new(periods, j);
	}
	json_object_set_new(res, "periods", periods);
	json_object_set_new(res, "items", items);
	items = NULL;
	*out = res;
	res = NULL;
out:
	json_decref(items);
	json_decref(res);
	free(opened);
	free(done_in);
	free(page);
	free(page_inc);
	free(overdue_of);
	free(sl.slot);
	free(pass);
	stats_run_close(&x);
	return st;
}
