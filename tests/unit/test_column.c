/*
 * Result columns as JSON: column_array() answers as json_loads() does for
 * every stored form, the plain arrays it reads itself and the ones it
 * leaves to jansson (escapes, spaces, numbers, broken or not arrays); the
 * column_write_*() functions write what jsonout_add() writes of the
 * values, for those forms and for text that is not UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/db/column.h"
#include "tap.h"

/* column_array() of v, as JSON text. */
static char *through_column(sqlite3 *db, const char *v)
{
	sqlite3_stmt *s;
	json_t *a;
	char *out;

	sqlite3_prepare_v2(db, "SELECT ?1", -1, &s, NULL);
	if (v)
		sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	sqlite3_step(s);
	a = column_array(s, 0);
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	sqlite3_finalize(s);
	return out;
}

/* What column_array() must answer: the array v holds, else []. */
static char *through_jansson(const char *v)
{
	json_t *a = v ? json_loads(v, 0, NULL) : NULL;
	char *out;

	if (!json_is_array(a)) {
		json_decref(a);
		a = json_array();
	}
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

/* Whether column_write_string/array() of v write jsonout_add() of the
 * column_string/array() values. */
static int writes_same(sqlite3 *db, const char *v)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	sqlite3_stmt *s;
	json_t *j;
	int same;

	sqlite3_prepare_v2(db, "SELECT ?1, ?1", -1, &s, NULL);
	if (v)
		sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	sqlite3_step(s);
	j = column_string(s, 0);
	jsonout_add(&want, j, 0);
	json_decref(j);
	j = column_array(s, 1);
	jsonout_add(&want, j, 0);
	json_decref(j);
	column_write_string(&got, s, 0);
	column_write_array(&got, s, 1);
	same = want.ptr && got.ptr && !strcmp(want.ptr, got.ptr);
	if (!same)
		fprintf(stderr, "# %s: %s, written %s\n", v ? v : "NULL",
			want.ptr, got.ptr);
	sqlite3_finalize(s);
	buf_release(&want);
	buf_release(&got);
	return same;
}

int main(void)
{
	static const char *const forms[] = {
		"[]", "[\"redis\"]", "[\"redis\",\"db\"]", "[\"\"]",
		"[\"caf\xc3\xa9\",\"\xe9\x9a\x9c\xe5\xae\xb3\"]",
		"[\"a\", \"b\"]", "[\"a\\\"b\"]", "[\"\\u00e9\"]",
		"[\"a\\\\\"]", "[1,2]", "[\"a\",1]", "[\"a\",]", "[\"a\"",
		"[\"a\"]x", "[\"a\"] ", " [\"a\"]", "[\"a\x01\"]",
		"[\"\xff\"]", "null", "", "{}", "[[\"a\"]]", "[\"a\",\"\"]",
		NULL,
	};
	sqlite3 *db;
	size_t i;
	int same = 0;

	sqlite3_open(":memory:", &db);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *a = through_column(db, forms[i]);
		char *b = through_jansson(forms[i]);

		if (a && b && !strcmp(a, b))
			same++;
		else
			fprintf(stderr, "# %s: %s, jansson %s\n",
				forms[i] ? forms[i] : "NULL", a, b);
		free(a);
		free(b);
	}
	is_int(same, (long long)(sizeof(forms) / sizeof(forms[0])),
	       "column_array: every form as jansson reads it");
	for (i = 0, same = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		same += writes_same(db, forms[i]);
	same += writes_same(db, "caf\xe9 \xff/\x01");
	is_int(same, (long long)(sizeof(forms) / sizeof(forms[0])) + 1,
	       "column_write_*: what jsonout_add() writes of the values");
	{
		/* Values that are not text: written as their text. */
		sqlite3_stmt *s;
		int k, alike = 0;

		sqlite3_prepare_v2(db, "SELECT 42, 1.5, x'6869', x'', ''", -1,
				   &s, NULL);
		sqlite3_step(s);
		for (k = 0; k < 5; k++) {
			struct buf want = BUF_INIT, got = BUF_INIT;
			json_t *j = column_string(s, k);

			jsonout_add(&want, j, 0);
			json_decref(j);
			column_write_string(&got, s, k);
			alike += want.len == got.len &&
				 !memcmp(want.ptr, got.ptr, got.len);
			buf_release(&want);
			buf_release(&got);
		}
		sqlite3_finalize(s);
		is_int(alike, 5, "column_write_string: numbers and blobs as "
				 "column_string()");
	}
	sqlite3_close(db);
	return tap_done();
}
