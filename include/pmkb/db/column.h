/*
 * A result column as JSON: the helpers every module that answers from the
 * index uses, so that NULL and bad JSON read the same everywhere.
 */
#ifndef PMKB_DB_COLUMN_H
#define PMKB_DB_COLUMN_H

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/buf.h"

/* The text of column i, or "" when it is NULL. Valid until the next step. */
const char *column_text(sqlite3_stmt *s, int i);

/* The text of column i, or NULL when it is NULL. Valid until the next
 * step. */
const char *column_cstr(sqlite3_stmt *s, int i);

/* The text of column i as a JSON string, or null. */
json_t *column_string(sqlite3_stmt *s, int i);

/* Column i holding a JSON array; an empty array when NULL or not one. */
json_t *column_array(sqlite3_stmt *s, int i);

/* The integer in column i, or null. */
json_t *column_integer(sqlite3_stmt *s, int i);

/* Seconds from epoch column from to epoch column to, or null when either
 * is NULL. */
json_t *column_duration(sqlite3_stmt *s, int from, int to);

/* Column i holding seconds since 1970 as an ISO 8601 time in UTC; null
 * when NULL or 0 (unknown). */
json_t *column_time(sqlite3_stmt *s, int i);

/* A commit from its id and time columns as {commit, time}; null when the
 * id is NULL. */
json_t *column_commit(sqlite3_stmt *s, int id, int time);

/*
 * The same written as JSON text onto out, byte for byte what jsonout_add()
 * writes of column_string(), column_array() and column_duration(), without
 * building jansson values (a search page writes a dozen per result).
 */
void column_write_string(struct buf *out, sqlite3_stmt *s, int i);
void column_write_array(struct buf *out, sqlite3_stmt *s, int i);
void column_write_duration(struct buf *out, sqlite3_stmt *s, int from, int to);

#endif
