/* Result columns as JSON: see include/pmkb/db/column.h. */
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
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
 * Reads v when it is an array of strings without escapes (["redis","db"],
 * as most are) into a and, written as JSON, onto out (either may be
 * NULL); returns 0, or -1 for any other text (out then unchanged, a
 * partly filled). A search result has three such columns, and
 * json_loads() took more time than the rest of a row.
 */
static int plain_strings(const char *v, json_t *a, struct buf *out)
{
	size_t len = out ? out->len : 0;
	const char *p = v, *q;
	json_t *str;

	if (*p++ != '[')
		return -1;
	if (out)
		buf_addch(out, '[');
	while (*p != ']') {
		if (*p != '"')
			goto fail;
		for (q = p + 1; (unsigned char)*q >= 0x20 && *q != '"' &&
				*q != '\\';
		     q++)
			;
		if (*q != '"')
			goto fail;
		if (out) {
			if (p != v + 1)
				buf_addch(out, ',');
			if (jsonout_string(out, p + 1, (size_t)(q - p - 1)))
				goto fail;
		}
		if (a) {
			if (!(str = json_stringn(p + 1, (size_t)(q - p - 1))))
				goto fail;
			json_array_append_new(a, str);
		}
		p = q + 1;
		if (*p == ',' && p[1] == '"')
			p++;
		else if (*p != ']')
			goto fail;
	}
	if (!p[1]) {
		if (out)
			buf_addch(out, ']');
		return 0;
	}
fail:
	if (out)
		buf_setlen(out, len);
	return -1;
}

json_t *column_array(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	json_t *a = NULL;

	if (v) {
		a = json_array();
		if (plain_strings(v, a, NULL)) {
			json_decref(a);
			a = json_loads(v, 0, NULL);
		}
	}
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

void column_write_string(struct buf *out, sqlite3_stmt *s, int i)
{
	const char *v;

	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		buf_add(out, "null", 4);
		return;
	}
	/*
	 * Read as a blob, whose length is all JSON needs: as text, a value
	 * read from an overflow page (every column stored after the body)
	 * was first copied into a buffer one NUL longer.
	 */
	v = sqlite3_column_blob(s, i);
	jsonout_string_repaired(out, v ? v : "",
				v ? (size_t)sqlite3_column_bytes(s, i) : 0);
}

void column_write_array(struct buf *out, sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	json_t *a;

	if (v && !plain_strings(v, NULL, out))
		return;
	a = column_array(s, i);
	if (jsonout_add(out, a, 0))
		buf_add(out, "[]", 2);
	json_decref(a);
}

void column_write_duration(struct buf *out, sqlite3_stmt *s, int from, int to)
{
	if (sqlite3_column_type(s, from) == SQLITE_NULL ||
	    sqlite3_column_type(s, to) == SQLITE_NULL)
		buf_add(out, "null", 4);
	else
		buf_add_int(out, sqlite3_column_int64(s, to) -
					 sqlite3_column_int64(s, from));
}
