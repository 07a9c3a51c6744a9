/*
 * Result columns as JSON: column_array() answers as json_loads() does for
 * every stored form, the plain arrays it reads itself and the ones it
 * leaves to jansson (escapes, spaces, numbers, broken or not arrays).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

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
	sqlite3_close(db);
	return tap_done();
}
