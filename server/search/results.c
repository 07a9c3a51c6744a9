/*
 * A search result: see include/pmkb/search/results.h. One row of
 * postmortems, its members written in the order searcher.h lists them.
 */
#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/search/results.h"
#include "pmkb/search/snippet.h"

static const char sql_row[] =
	"SELECT slug, title, summary, started_at, primary_cause, causes,"
	" severity, services, tags, status, body, resolved_at,"
	" started_epoch, resolved_epoch"
	" FROM postmortems WHERE id = ?1";

enum pm_status results_write(struct dbconn *c, struct snippets *sc, int64_t id,
			     const char *base_url, struct buf *out)
{
	/* The members read from sql_row's columns, in order: each key
	 * written with what comes before it and its colon. */
#define KEY(first, name) first "\"" name "\":", sizeof(first name) + 2
	static const struct result_field {
		const char *key;
		size_t key_len;
		enum { RF_STRING, RF_ARRAY, RF_SECONDS } kind;
		int col; /* RF_SECONDS: from col to col + 1 */
	} fields[] = {
		{ KEY("{", "slug"), RF_STRING, 0 },
		{ KEY(",", "title"), RF_STRING, 1 },
		{ KEY(",", "summary"), RF_STRING, 2 },
		{ KEY(",", "started_at"), RF_STRING, 3 },
		{ KEY(",", "resolved_at"), RF_STRING, 11 },
		{ KEY(",", "ttr_seconds"), RF_SECONDS, 12 },
		{ KEY(",", "cause"), RF_STRING, 4 },
		{ KEY(",", "causes"), RF_ARRAY, 5 },
		{ KEY(",", "severity"), RF_STRING, 6 },
		{ KEY(",", "services"), RF_ARRAY, 7 },
		{ KEY(",", "tags"), RF_ARRAY, 8 },
		{ KEY(",", "status"), RF_STRING, 9 },
	};
#undef KEY
	sqlite3_stmt *s = dbconn_stmt(c, sql_row);
	struct buf url = BUF_INIT;
	enum pm_status st = PM_OK;
	const char *slug;
	size_t k;

	if (!s)
		return PM_DB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		st = PM_DB;
		goto out;
	}
	slug = (const char *)sqlite3_column_text(s, 0);
	buf_addstr(&url, base_url ? base_url : "");
	buf_addstr(&url, "/p/");
	buf_add_urlencoded(&url, slug ? slug : "");
	for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		const struct result_field *fd = &fields[k];

		buf_add(out, fd->key, fd->key_len);
		if (fd->kind == RF_STRING)
			column_write_string(out, s, fd->col);
		else if (fd->kind == RF_ARRAY)
			column_write_array(out, s, fd->col);
		else
			column_write_duration(out, s, fd->col, fd->col + 1);
	}
	buf_addstr(out, ",\"url\":");
	jsonout_string_repaired(out, url.ptr, url.len);
	if (sc) {
		buf_addch(out, ',');
		snippets_write(sc, out, column_text(s, 10), column_text(s, 2));
	}
	buf_addch(out, '}');
out:
	sqlite3_reset(s);
	buf_release(&url);
	return st;
}
