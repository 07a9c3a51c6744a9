/*
 * Operations on the database from the command line: `pmkb backup` (an
 * online copy through SQLite's backup API, consistent while a server
 * writes), `pmkb check` (integrity of the file, of the full-text index
 * and of the foreign keys, plus a digest of the indexed content for
 * comparing two databases), and the --max-db-size limit.
 */
#ifndef PMKB_OPS_H
#define PMKB_OPS_H

#include <stdio.h>

#include "pmkb/base/status.h"

struct pm_config;
struct store;

/*
 * Copies the database at src to dest in one consistent snapshot: the
 * copy is written to a temporary file beside dest, synced and renamed
 * over dest, so dest is never a partial file. A server may keep reading
 * and writing src meanwhile (WAL: the copy holds a read snapshot).
 */
enum pm_status ops_backup(const char *src, const char *dest,
			  struct pm_error *err);

struct ops_check {
	int integrity_ok;	/* PRAGMA integrity_check */
	int fts_ok;		/* pm_fts 'integrity-check' */
	int foreign_keys_ok;	/* PRAGMA foreign_key_check */
	long long postmortems;
	long long problems;
	/*
	 * BLAKE2b-256 (hex) over every postmortem's path, slug, title,
	 * dates, causes, severity, status and text, its labels and action
	 * items, and every problem, in a fixed order: two databases built
	 * from the same files have the same digest.
	 */
	char digest[65];
	char message[256]; /* the first failure, or "" */
};

/* Runs the checks on st (writer and a reader). PM_DB when one fails. */
enum pm_status ops_check(struct store *st, struct ops_check *out);

/*
 * Caps the database at bytes (PRAGMA max_page_count; 0: no cap): writes
 * that would grow it further fail as on a full disk (SQLITE_FULL).
 */
enum pm_status ops_limit_db(struct store *st, long bytes);

/* `pmkb backup PATH` and `pmkb check`; return the exit status. */
int ops_backup_command(const struct pm_config *cfg, const char *dest);
int ops_check_command(const struct pm_config *cfg);

#endif
