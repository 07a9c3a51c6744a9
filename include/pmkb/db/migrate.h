/*
 * Schema migrations: schema/NNN_name.sql files embedded in the binary,
 * applied in order inside one transaction each, PRAGMA user_version holding
 * the number of the last one applied.
 */
#ifndef PMKB_DB_MIGRATE_H
#define PMKB_DB_MIGRATE_H

#include <sqlite3.h>

#include "pmkb/base/status.h"

/* The highest migration number this program knows. */
int migrate_latest(void);

/*
 * Brings db up to migrate_latest(). Fails (PM_INVALID) when the database is
 * newer than this program, or PM_DB when a migration fails (rolled back).
 */
enum pm_status migrate_apply(sqlite3 *db, struct pm_error *err);

#endif
