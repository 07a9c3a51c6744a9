/* The action items across postmortems, by period: stats_action_items()
 * (include/pmkb/stats/stats.h). */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/run.h"
#include "pmkb/stats/stats.h"

static const char sql_items[] =
    "SELECT a.done, a.owner, a.due, a.text, a.line, p.slug, p.title, "
    "p.started_at, p.started_epoch, p.started_source, a.links, "
    "a.due_implied, a.pos, a.done_on, a.ticked_at, a.ticked_commit "
    "FROM action_items a JOIN postmortems p ON p.id = a.pm_id "
    "WHERE " STATS_FILTERS_SQL " AND (?3 IS NULL OR lower(a.owner) = lower(?3)) "
    "ORDER BY a.due IS NULL, a.due, p.started_epoch DESC, p.id, a.pos";
enum {
	A_DONE,
	A_OWNER,
	A_DUE,
	A_TEXT,
	A_LINE,
	A_SLUG,
	A_TITLE,
	A_STARTED,
	A_STARTED_E,
	A_SOURCE,
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

struct item_period {
	int64_t ord;
	int done;
};

enum pm_status stats_action_items(struct dbconn *c, const struct taxonomy *tax,
                                  const struct stats_request *r, json_t **out,
                                  struct pm_error *err)
{
	struct stats_run x;
	struct item_period *ip = NULL;
	size_t n = 0, alloc = 0, rows;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, total = 0;
	int64_t n_open = 0, n_done = 0, n_overdue = 0;
	int64_t *opened = NULL, *done_in = NULL;
	char today[16], *filters[2] = {NULL, NULL};
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *items = json_array(), *periods;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = stats_run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	stats_day_text(stats_today(&x), today, sizeof(today));
	if ((st = stats_run_prepare(&x, c, sql_items, &s, filters, err)) !=
	    PM_OK)
		goto out;
	if (r->owner)
		sqlite3_bind_text(s, 3, r->owner, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *due = (const char *)sqlite3_column_text(s, A_DUE);
		int done = sqlite3_column_int(s, A_DONE);
		int overdue = !done && due && strcmp(due, today) < 0;
		int64_t ord;
		int want;

		if (stats_row_period(&x, s, A_STARTED, A_STARTED_E, A_SOURCE,
		                     &ord) != 1)
			continue;
		n_done += done;
		n_open += !done;
		n_overdue += overdue;
		XGROW(ip, alloc, n + 1);
		ip[n].ord = ord;
		ip[n++].done = done;
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		}
		want = r->overdue                      ? overdue
		       : r->status == STATS_ITEMS_OPEN ? !done
		       : r->status == STATS_ITEMS_DONE ? done
		                                       : 1;
		if (!want || total++ < r->offset ||
		    json_array_size(items) >= (size_t)r->limit)
			continue;
		json_array_append_new(
		    items,
		    json_pack(
		        "{s:s,s:s,s:s?,s:s,s:s?,s:s?,s:b,s:b,s:i}", "slug",
		        (const char *)sqlite3_column_text(s, A_SLUG), "title",
		        (const char *)sqlite3_column_text(s, A_TITLE),
		        "started_at",
		        (const char *)sqlite3_column_text(s, A_STARTED), "text",
		        (const char *)sqlite3_column_text(s, A_TEXT), "owner",
		        (const char *)sqlite3_column_text(s, A_OWNER), "due",
		        due, "done", done, "overdue", overdue, "line",
		        sqlite3_column_int(s, A_LINE)));
		item_links(json_array_get(items, json_array_size(items) - 1),
		           tax, s);
	}
	if ((st = stats_run_end(&x, s, rc, dmin, dmax, err)) != PM_OK)
		goto out;
	rows = x.n + 1;
	opened = xcalloc(rows, sizeof(*opened));
	done_in = xcalloc(rows, sizeof(*done_in));
	for (size_t i = 0; i < n; i++) {
		size_t row = stats_row_of(&x, ip[i].ord);

		opened[row]++;
		done_in[row] += ip[i].done;
	}
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
		json_t *j;

		if (row == x.n && !opened[row])
			break;
		j = stats_row_head(&x, row == x.n ? INT64_MIN
		                                  : x.lo + (int64_t)row);
		json_object_set_new(j, "opened", json_integer(opened[row]));
		json_object_set_new(j, "done", json_integer(done_in[row]));
		json_object_set_new(j, "still_open",
		                    json_integer(opened[row] - done_in[row]));
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
	free(ip);
	free(filters[0]);
	free(filters[1]);
	stats_run_close(&x);
	return st;
}
