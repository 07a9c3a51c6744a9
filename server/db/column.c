/* Result columns as JSON: see include/pmkb/db/column.h. */
#include <string.h>

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
	/* Checked here (ASCII eight bytes at a time), not again by jansson. */
	if (utf8_valid(v, n))
		return json_stringn_nocheck(v, n);
	if ((j = json_stringn(v, n)))
		return j; /* a NUL in valid text */
	/* Not UTF-8 (a file name in another encoding): shown repaired. */
	utf8_repair(&fixed, v, n);
	j = json_stringn(fixed.ptr, fixed.len);
	buf_release(&fixed);
	return j;
}

/*
 * The array v when it is strings without escapes (["redis","db"], as
 * most are), else NULL: a search result has three such columns, and
 * json_loads() took more time than the rest of a row.
 */
static json_t *plain_strings(const char *v)
{
	json_t *a, *str;
	const char *p = v, *q;

	if (*p++ != '[')
		return NULL;
	a = json_array();
	while (*p != ']') {
		if (*p != '"')
			goto fail;
		for (q = p + 1; (unsigned char)*q >= 0x20 && *q != '"' &&
				*q != '\\';
		     q++)
			;
		if (*q != '"' ||
		    !(str = json_stringn(p + 1, (size_t)(q - p - 1))))
			goto fail;
		json_array_append_new(a, str);
		p = q + 1;
		if (*p == ',' && p[1] == '"')
			p++;
		else if (*p != ']')
			goto fail;
	}
	if (!p[1])
		return a;
fail:
	json_decref(a);
	return NULL;
}

json_t *column_array(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	json_t *a = v ? plain_strings(v) : NULL;

	if (v && !a)
		a = json_loads(v, 0, NULL);
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
