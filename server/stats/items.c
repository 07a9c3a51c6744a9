/*
 * The action items across postmortems, by period: stats_action_items()
 * (include/pmkb/stats/stats.h). The counts and the order come from the
 * items in memory (stats/ledger.h); the texts of the page shown are read
 * from the index.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/jsonout.h"
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

/* Appends "," and name as a member's key. */
static void key(struct buf *out, const char *name)
{
	buf_addstr(out, ",\"");
	buf_addstr(out, name);
	buf_addstr(out, "\":");
}

static void write_bool(struct buf *out, const char *name, int v)
{
	key(out, name);
	buf_addstr(out, v ? "true" : "false");
}

static void write_int(struct buf *out, const char *name, int64_t v)
{
	key(out, name);
	buf_add_int(out, v);
}

/* Appends the item with rowid id as the list shows it, its incident
 * started at started (as written, or NULL); -1 when it cannot be read.
 * The parts are its text with links (doc/learning.h). */
static int write_item(struct buf *out, struct dbconn *c,
                      const struct taxonomy *tax, int64_t id,
                      const char *started, int overdue)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_item);
	json_t *ticked;
	int rc = -1;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		buf_addstr(out, "{\"slug\":");
		column_write_string(out, s, A_SLUG);
		key(out, "title");
		column_write_string(out, s, A_TITLE);
		key(out, "started_at");
		if (started)
			jsonout_string_repaired(out, started, strlen(started));
		else
			buf_addstr(out, "null");
		key(out, "text");
		column_write_string(out, s, A_TEXT);
		key(out, "owner");
		column_write_string(out, s, A_OWNER);
		key(out, "due");
		column_write_string(out, s, A_DUE);
		write_bool(out, "done", sqlite3_column_int(s, A_DONE));
		write_bool(out, "overdue", overdue);
		write_int(out, "line", sqlite3_column_int(s, A_LINE));
		write_int(out, "position", sqlite3_column_int(s, A_POS) + 1);
		write_bool(out, "due_implied",
		           sqlite3_column_int(s, A_IMPLIED));
		key(out, "done_on");
		column_write_string(out, s, A_DONE_ON);
		key(out, "ticked");
		ticked = column_commit(s, A_TICKED_COMMIT, A_TICKED_AT);
		jsonout_add(out, ticked, 0);
		json_decref(ticked);
		key(out, "parts");
		learning_write_parts(
		    out, tax ? tax->learning : NULL,
		    (const char *)sqlite3_column_text(s, A_TEXT),
		    (const char *)sqlite3_column_text(s, A_LINKS));
		buf_addch(out, '}');
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
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

enum pm_status stats_action_items_write(struct dbconn *c,
                                        const struct taxonomy *tax,
                                        const struct stats_request *r,
                                        struct buf *out,
                                        struct pm_error *err)
{
	struct stats_run x;
	const struct stats_facts *f;
	const struct stats_ledger *lg;
	struct stats_slots sl = {NULL, 0, 0};
	int64_t *page = NULL;
	uint8_t *pass = NULL, *overdue_of = NULL;
	size_t rows, n_page = 0, n_mine, from = out->len;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, total = 0;
	int64_t n_open = 0, n_done = 0, n_overdue = 0;
	int64_t *opened = NULL, *done_in = NULL;
	uint32_t owner = STRTAB_NONE, before_today, *page_inc = NULL;
	char today[16];
	json_t *head;
	enum pm_status st;

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
	rows = x.n + 1;
	head = stats_result_head(&x);
	json_object_del(head, "mode");
	json_object_set_new(
	    head, "status",
	    json_string(r->overdue ? "overdue"
	                           : stats_item_status_names[r->status]));
	json_object_set_new(head, "owner",
	                    r->owner ? json_string(r->owner) : json_null());
	json_object_set_new(head, "today", json_string(today));
	if (jsonout_open_object(out, head))
		goto unwritable;
	write_int(out, "total", total);
	write_int(out, "limit", r->limit);
	write_int(out, "offset", r->offset);
	key(out, "counts");
	buf_addstr(out, "{\"all\":");
	buf_add_int(out, n_open + n_done);
	write_int(out, "open", n_open);
	write_int(out, "done", n_done);
	write_int(out, "overdue", n_overdue);
	buf_addstr(out, "},\"periods\":[");
	for (size_t row = 0; row < rows; row++) {
		int64_t ord = row == x.n ? INT64_MIN : x.lo + (int64_t)row;
		int64_t k = ord == INT64_MIN ? (int64_t)sl.n
		            : sl.n           ? ord - sl.base
		                             : -1;
		int in = k >= 0 && (k < (int64_t)sl.n || ord == INT64_MIN);
		int64_t o = in ? opened[k] : 0, d = in ? done_in[k] : 0;

		if (ord == INT64_MIN && !o)
			break;
		if (row)
			buf_addch(out, ',');
		if (jsonout_open_object(out, stats_row_head(&x, ord)))
			goto unwritable;
		write_int(out, "opened", o);
		write_int(out, "done", d);
		write_int(out, "still_open", o - d);
		buf_addch(out, '}');
	}
	buf_addstr(out, "],\"items\":[");
	for (size_t i = 0; i < n_page; i++) {
		uint32_t at = f->started[page_inc[i]];

		if (i)
			buf_addch(out, ',');
		if (write_item(out, c, tax, page[i],
		               at == STATS_NO_TEXT ? NULL
		                                   : f->started_text + at,
		               overdue_of[i])) {
			st = PM_DB;
			goto out;
		}
	}
	buf_addstr(out, "]}");
	goto out;
unwritable:
	st = pm_error_set(err, PM_INTERNAL, "stats", 0,
	                  "action items: the answer could not be written");
out:
	if (st != PM_OK)
		buf_setlen(out, from);
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

enum pm_status stats_action_items(struct dbconn *c, const struct taxonomy *tax,
                                  const struct stats_request *r, json_t **out,
                                  struct pm_error *err)
{
	return stats_run_read(stats_action_items_write, c, tax, r, out, err);
}
