/* Result columns as JSON: see include/pmkb/db/column.h. */
#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "pmkb/db/column.h"
#include "pmkb/doc/postmortem.h"

const char *column_cstr(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

const char *column_text(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}

json_t *column_string(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	size_t n = (size_t)sqlite3_column_bytes(s, i);
	struct buf fixed = BUF_INIT;
	json_t *j;

	if (!v)
		return json_null();
	if ((j = json_stringn(v, n)))
		return j;
	/* Not UTF-8 (a file name in another encoding): shown repaired. */
	utf8_repair(&fixed, v, n);
	j = json_stringn(fixed.ptr, fixed.len);
	buf_release(&fixed);
	return j;
}

json_t *column_array(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	json_t *a = v ? json_loads(v, 0, NULL) : NULL;

	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	return a;
}

json_t *column_integer(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(s, i));
}

json_t *column_time(sqlite3_stmt *s, int i)
{
	struct pm_time t;

	if (sqlite3_column_type(s, i) == SQLITE_NULL ||
	    !sqlite3_column_int64(s, i))
		return json_null();
	pm_time_from_epoch(&t, sqlite3_column_int64(s, i));
	return json_string(t.text);
}

json_t *column_commit(sqlite3_stmt *s, int id, int time)
{
	if (sqlite3_column_type(s, id) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:o,s:o}", "commit", column_string(s, id), "time",
			 column_time(s, time));
}

json_t *column_duration(sqlite3_stmt *s, int from, int to)
{
	if (sqlite3_column_type(s, from) == SQLITE_NULL ||
	    sqlite3_column_type(s, to) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(s, to) -
			    sqlite3_column_int64(s, from));
}
