/* Relations between postmortems: see include/pmkb/search/relations.h. */
#include <stdio.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/text.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/search/relations.h"

static const char sql_links_to[] =
	"SELECT r.target, r.kind, p.title FROM relations r "
	"LEFT JOIN postmortems p ON p.slug = r.target "
	"WHERE r.pm_id = ?1 ORDER BY r.kind DESC, r.target";
static const char sql_referenced_by[] =
	"SELECT p.slug, r.kind, p.title FROM relations r "
	"JOIN postmortems p ON p.id = r.pm_id "
	"WHERE r.target = ?1 AND p.id != ?2 "
	"ORDER BY p.started_epoch DESC, p.slug";

/*
 * The candidates: named by recurrence_of:, or earlier within the window
 * with a service (any case) and a known cause in common.
 */
static const char sql_recurrences[] =
	"SELECT * FROM (SELECT e.slug, e.title, e.started_at, "
	"(n.started_epoch - e.started_epoch) / 86400 AS days, "
	"(SELECT json_group_array(l1.value) FROM labels l1 "
	" WHERE l1.pm_id = e.id AND l1.kind = 'service' AND lower(l1.value) "
	" IN (SELECT lower(l2.value) FROM labels l2 WHERE l2.pm_id = n.id "
	"     AND l2.kind = 'service')) AS services, "
	"(SELECT json_group_array(l1.value) FROM labels l1 "
	" WHERE l1.pm_id = e.id AND l1.kind = 'cause' AND l1.value != "
	" 'unknown' AND l1.value IN (SELECT l2.value FROM labels l2 "
	" WHERE l2.pm_id = n.id AND l2.kind = 'cause')) AS causes, "
	"EXISTS (SELECT 1 FROM relations r WHERE r.pm_id = n.id AND "
	" r.kind = 'recurrence_of' AND r.target = e.slug) AS explicit, "
	"(SELECT count(*) FROM action_items a WHERE a.pm_id = e.id AND "
	" a.done = 0 AND NOT EXISTS (SELECT 1 FROM action_commits ac "
	" WHERE ac.slug = e.slug AND ac.pos = a.pos + 1 AND "
	" ac.commit_time < n.started_epoch)) AS open_items, "
	"e.started_epoch AS started, n.started_epoch AS n_started "
	"FROM postmortems e JOIN postmortems n ON n.id = ?1 "
	"WHERE e.id != n.id AND (e.started_epoch >= n.started_epoch - "
	"?2 * 86400 OR e.slug IN (SELECT target FROM relations WHERE "
	"pm_id = n.id AND kind = 'recurrence_of'))) "
	"WHERE explicit OR (started < n_started AND "
	" days <= ?2 AND services != '[]' AND causes != '[]') "
	"ORDER BY started DESC LIMIT ?3";
enum { R_SLUG, R_TITLE, R_STARTED, R_DAYS, R_SERVICES, R_CAUSES,
       R_EXPLICIT, R_OPEN };

static json_t *pairs(struct dbconn *c, const char *sql, int64_t id,
		     const char *slug)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	json_t *a = json_array();

	if (!s)
		return a;
	if (slug)
		sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, id);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o}", "slug",
				     column_string(s, 0), "kind",
				     column_string(s, 1), "title",
				     column_string(s, 2)));
	sqlite3_reset(s);
	return a;
}

json_t *relations_of(struct dbconn *c, int64_t id, const char *slug)
{
	return json_pack("{s:o,s:o}", "links_to",
			 pairs(c, sql_links_to, id, NULL), "referenced_by",
			 pairs(c, sql_referenced_by, id, slug));
}

/* "db, api" from a JSON array of strings. */
static void add_list(struct buf *b, json_t *a)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i)
			buf_addstr(b, ", ");
		buf_addstr(b, json_string_value(v));
	}
}

static json_t *reasons(json_t *services, json_t *causes, int explicit,
		       int64_t days, int64_t open)
{
	json_t *r = json_array();
	struct buf b = BUF_INIT;

	if (explicit)
		json_array_append_new(r, json_string("named in recurrence_of:"));
	if (json_array_size(services) && json_array_size(causes)) {
		buf_addstr(&b, "same service (");
		add_list(&b, services);
		buf_addstr(&b, ") and cause (");
		add_list(&b, causes);
		buf_addf(&b, ") %lld days earlier", (long long)days);
		json_array_append_new(r, json_string(b.ptr));
	}
	if (open) {
		buf_reset(&b);
		buf_addf(&b, "recurred with %lld action item%s still open",
			 (long long)open, open == 1 ? "" : "s");
		json_array_append_new(r, json_string(b.ptr));
	}
	buf_release(&b);
	return r;
}

json_t *relations_recurrences(struct dbconn *c, int64_t id,
			      int window_days)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_recurrences);
	json_t *a = json_array();

	if (!s)
		return a;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, window_days);
	sqlite3_bind_int(s, 3, RELATIONS_MAX_RECURRENCES);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *services = column_array(s, R_SERVICES);
		json_t *causes = column_array(s, R_CAUSES);
		int explicit = sqlite3_column_int(s, R_EXPLICIT);
		int64_t days = sqlite3_column_int64(s, R_DAYS);
		int64_t open = sqlite3_column_int64(s, R_OPEN);

		json_array_append_new(
			a, json_pack("{s:o,s:o,s:o,s:o,s:O,s:O,s:b,s:I,s:o}",
				     "slug", column_string(s, R_SLUG),
				     "title", column_string(s, R_TITLE),
				     "started_at",
				     column_string(s, R_STARTED),
				     "days_before",
				     column_integer(s, R_DAYS), "services",
				     services, "causes", causes, "explicit",
				     explicit, "open_items", (json_int_t)open,
				     "reasons",
				     reasons(services, causes, explicit, days,
					     open)));
		json_decref(services);
		json_decref(causes);
	}
	sqlite3_reset(s);
	return a;
}

static const char sql_related_rows[] =
	"SELECT p.slug, p.title, p.started_at, p.primary_cause, p.causes, "
	"p.severity, p.services, min(x.why) FROM ("
	" SELECT r.target AS slug, CASE r.kind WHEN 'recurrence_of' THEN "
	" 'recurrence' ELSE 'links to' END AS why FROM relations r "
	" JOIN postmortems n ON n.id = r.pm_id WHERE n.slug = ?1 "
	" UNION ALL SELECT s.slug, CASE r.kind WHEN 'recurrence_of' THEN "
	" 'recurrence' ELSE 'referenced by' END FROM relations r "
	" JOIN postmortems s ON s.id = r.pm_id WHERE r.target = ?1) x "
	"JOIN postmortems p ON p.slug = x.slug WHERE p.slug != ?1 "
	"GROUP BY p.id ORDER BY p.started_epoch DESC LIMIT ?2";

/* The index of the result for slug in results, or -1. */
static long find_result(json_t *results, const char *slug)
{
	json_t *r;
	size_t i;

	json_array_foreach(results, i, r) {
		const char *s = json_string_value(json_object_get(r, "slug"));

		if (s && !strcmp(s, slug))
			return (long)i;
	}
	return -1;
}

void relations_similar_first(struct dbconn *c, json_t *out, int limit)
{
	const char *slug = json_string_value(json_object_get(out, "slug"));
	json_t *results = json_object_get(out, "results");
	json_t *front;
	sqlite3_stmt *s;
	size_t i;

	if (!slug || !json_is_array(results) ||
	    !(s = dbconn_stmt(c, sql_related_rows)))
		return;
	front = json_array();
	sqlite3_bind_text(s, 1, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, limit);
	/* Newest first, taken out of results, then put in front. */
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *rel = column_text(s, 0);
		long at = find_result(results, rel);
		json_t *reason = json_pack("{s:s,s:[s]}", "kind", "related",
					   "values", column_text(s, 7));
		json_t *r;

		if (at >= 0) {
			r = json_incref(json_array_get(results, (size_t)at));
			json_array_remove(results, (size_t)at);
		} else {
			struct buf url = BUF_INIT;

			buf_addstr(&url, "/p/");
			buf_add_urlencoded(&url, rel);
			r = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:f,"
				      "s:[]}",
				      "slug", column_string(s, 0), "title",
				      column_string(s, 1), "started_at",
				      column_string(s, 2), "cause",
				      column_string(s, 3), "causes",
				      column_array(s, 4), "severity",
				      column_string(s, 5), "services",
				      column_array(s, 6), "url", url.ptr,
				      "score", 1.0, "reasons");
			buf_release(&url);
		}
		json_array_insert_new(json_object_get(r, "reasons"), 0,
				      reason);
		json_array_append_new(front, r);
	}
	sqlite3_reset(s);
	for (i = json_array_size(front); i > 0; i--)
		json_array_insert(results, 0, json_array_get(front, i - 1));
	json_decref(front);
	while (json_array_size(results) > (size_t)limit)
		json_array_remove(results, json_array_size(results) - 1);
}
