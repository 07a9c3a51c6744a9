/*
 * FTS5's records: see include/pmkb/db/ftsrecord.h. The layout is
 * fts5_index.c's: the averages record is row 1 of the %_data table, the
 * number of rows then one total per column, each a varint.
 */
#include <sqlite3.h>

#include "pmkb/db/ftsrecord.h"
#include "pmkb/db/store.h"

static const char sql_averages[] = "SELECT block FROM pm_fts_data WHERE id = 1";

int64_t ftsrecord_varint(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 9 && *p < end; i++) {
		unsigned char c = *(*p)++;

		if (i == 8)
			return (int64_t)((v << 8) | c);
		v = (v << 7) | (c & 0x7f);
		if (!(c & 0x80))
			return (int64_t)v;
	}
	return -1;
}

enum pm_status ftsrecord_totals(struct dbconn *c, int64_t *n_row,
				int64_t *n_token)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_averages);
	enum pm_status st = PM_OK;
	int rc;

	*n_row = *n_token = 0;
	if (!s)
		return PM_DB;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(s, 0);
		const unsigned char *end = p + sqlite3_column_bytes(s, 0);
		int64_t v = p ? ftsrecord_varint(&p, end) : 0;

		*n_row = v > 0 ? v : 0;
		while (p && p < end && (v = ftsrecord_varint(&p, end)) >= 0)
			*n_token += v;
	} else if (rc != SQLITE_DONE) {
		st = PM_DB;
	}
	sqlite3_reset(s);
	return st;
}
