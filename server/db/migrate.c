/*
 * Applies the embedded schema/NNN_*.sql migrations. The number is the
 * file's three-digit prefix; numbers must be contiguous from 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/embedded.h"
#include "pmkb/db/migrate.h"

/* The migration number of an embedded file, or 0 if it is not one. */
static int migration_number(const char *path)
{
	const char *name;

	if (strncmp(path, "schema/", 7))
		return 0;
	name = path + 7;
	if (strlen(name) < 8 || strcmp(name + strlen(name) - 4, ".sql"))
		return 0;
	if (name[0] < '0' || name[0] > '9' || name[1] < '0' ||
	    name[1] > '9' || name[2] < '0' || name[2] > '9' || name[3] != '_')
		return 0;
	return atoi(name);
}

static const struct embedded_file *find_migration(int n)
{
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		if (migration_number(f->path) == n)
			return f;
	return NULL;
}

int migrate_latest(void)
{
	int n = 0;

	while (find_migration(n + 1))
		n++;
	return n;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

enum pm_status migrate_apply(sqlite3 *db, struct pm_error *err)
{
	int have = user_version(db), latest = migrate_latest();

	if (have < 0)
		return pm_error_set(err, PM_DB, "database", 0,
				    "cannot read the schema version: %s",
				    sqlite3_errmsg(db));
	if (have > latest)
		return pm_error_set(err, PM_INVALID, "database", 0,
				    "the database has schema version %d but "
				    "this pmkb knows only up to %d: upgrade "
				    "pmkb or use another --db",
				    have, latest);
	for (int n = have + 1; n <= latest; n++) {
		const struct embedded_file *f = find_migration(n);
		char *msg = NULL;
		char pragma[48];

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) !=
			    SQLITE_OK ||
		    sqlite3_exec(db, f->data, NULL, NULL, &msg) != SQLITE_OK) {
			pm_error_set(err, PM_DB, f->path, 0,
				     "migration failed: %s",
				     msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return PM_DB;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", n);
		if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return pm_error_set(err, PM_DB, f->path, 0,
					    "migration failed: %s",
					    sqlite3_errmsg(db));
		}
	}
	return PM_OK;
}
