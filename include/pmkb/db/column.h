/*
 * A result column as JSON: the helpers every module that answers from the
 * index uses, so that NULL and bad JSON read the same everywhere.
 */
#ifndef PMKB_DB_COLUMN_H
#define PMKB_DB_COLUMN_H

#include <jansson.h>
#include <sqlite3.h>

/* The text of column i, or "" when it is NULL. Valid until the next step. */
const char *column_text(sqlite3_stmt *s, int i);

/* The text of column i as a JSON string, or null. */
json_t *column_string(sqlite3_stmt *s, int i);

/* Column i holding a JSON array; an empty array when NULL or not one. */
json_t *column_array(sqlite3_stmt *s, int i);

/* The integer in column i, or null. */
json_t *column_integer(sqlite3_stmt *s, int i);

#endif
