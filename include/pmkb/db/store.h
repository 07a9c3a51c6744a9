/*
 * The SQLite database: one file in WAL mode, one writer connection guarded
 * by a mutex, and a pool of reader connections (one per worker thread at a
 * time), and login sessions in a second file (store_sessions()). Every
 * connection caches its prepared statements and has the tokenizer
 * registered.
 *
 * Opening applies the numbered migrations in schema/ (embedded in the
 * binary, tracked with PRAGMA user_version) and (re)creates the full-text
 * table when the tokenizer's version changed.
 */
#ifndef PMKB_DB_STORE_H
#define PMKB_DB_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct store;
struct dbconn;

/*
 * Opens (creating the file and its directory when missing) the database at
 * path. Fails with a clear message in err when SQLite lacks FTS5, the file
 * is not a pmkb database, or its schema is newer than this program.
 */
enum pm_status store_open(struct store **out, const char *path,
			  struct pm_error *err);
/* Closes every connection. st may be NULL. */
void store_close(struct store *st);
const char *store_path(const struct store *st);

/*
 * The writer connection, locked for the caller until store_writer_release.
 * Only one thread writes at a time; readers are never blocked (WAL).
 */
struct dbconn *store_writer(struct store *st);
void store_writer_release(struct store *st);
/*
 * The writer if no one holds it, else NULL at once: for work that may be
 * skipped while a sync writes (readiness probes, usage timestamps).
 * Release with store_writer_release.
 */
struct dbconn *store_writer_try(struct store *st);

/*
 * The sessions database (schema/sessions.sql): a file of its own beside
 * the index (path + "-sessions", created on first use) for what requests
 * write, so that none waits for a sync holding the writer. One connection
 * for reading and writing, locked for the caller until
 * store_sessions_release (also when this returns NULL: the file cannot
 * be opened, which is logged); its statements autocommit.
 */
struct dbconn *store_sessions(struct store *st);
void store_sessions_release(struct store *st);
/*
 * A connection that only reads the sessions database, under a lock of its
 * own, so that a session lookup never waits behind a login or a logout
 * holding store_sessions() for SQLite's write lock. NULL when no one has
 * logged in yet (no file) or the file cannot be opened (logged); release
 * with store_sessions_reader_release either way.
 */
struct dbconn *store_sessions_reader(struct store *st);
void store_sessions_reader_release(struct store *st);

/*
 * Whether the database takes writes now: writes a probe row in a
 * transaction that is rolled back, so nothing is kept. Another writer
 * holding the lock (this process or another) counts as taking writes.
 * Returns SQLITE_OK, or the failing SQLite result code with SQLite's
 * message in msg (size msgsz).
 */
int store_probe_write(struct store *st, char *msg, size_t msgsz);

/* A reader connection for this thread; give it back when done. */
struct dbconn *store_reader(struct store *st);
void store_reader_release(struct store *st, struct dbconn *c);

sqlite3 *dbconn_db(struct dbconn *c);

/*
 * Data a higher layer derives from the database and keeps with the
 * connection (search's metadata, the statistics' facts), one per key (the
 * address of something of its owner's; at most DBCONN_DERIVED_MAX keys).
 * Returns the data for the snapshot c's read transaction sees (c must be
 * inside BEGIN; this starts the snapshot when nothing has read yet): the
 * one kept when the database has not changed since it was loaded (no
 * other connection committed, PRAGMA data_version; c wrote nothing,
 * sqlite3_total_changes64), else load(c, arg)'s, which replaces it. NULL
 * when load fails (it returns NULL; nothing is kept) or the snapshot
 * cannot be read. Closing the connection frees what it keeps with
 * free_fn.
 */
#define DBCONN_DERIVED_MAX 4
void *dbconn_derived(struct dbconn *c, const void *key,
		     void *(*load)(struct dbconn *c, const void *arg),
		     const void *arg,
		     void (*free_fn)(void *data));

/*
 * Data a higher layer keeps for the whole store, across snapshots and
 * shared by all its connections (search's phrase postings): made by make()
 * on the first call for key (the address of something of its owner's; at
 * most DBCONN_DERIVED_MAX keys), freed by free_fn at store_close(). It
 * must be safe to use from several threads. NULL for a connection that
 * is not a store's (none is made).
 */
void *dbconn_shared(struct dbconn *c, const void *key, void *(*make)(void),
		    void (*free_fn)(void *data));

/*
 * A prepared statement for sql (a string constant: the pointer is the cache
 * key), reset and with its bindings cleared. Owned by the connection: never
 * finalise it. Returns NULL (and logs) when it fails to prepare, and when
 * c is NULL (a connection that could not be opened).
 */
sqlite3_stmt *dbconn_stmt(struct dbconn *c, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on the writer. */
enum pm_status dbconn_begin(struct dbconn *c);
enum pm_status dbconn_commit(struct dbconn *c);
void dbconn_rollback(struct dbconn *c);
/*
 * BEGIN / COMMIT of a read snapshot on a reader, from statements prepared
 * once (sqlite3_exec() parses them on every call).
 */
enum pm_status dbconn_snapshot(struct dbconn *c);
void dbconn_snapshot_end(struct dbconn *c);
/* Runs SQL with no results and no parameters (schema, pragmas). */
enum pm_status dbconn_exec(struct dbconn *c, const char *sql);

/*
 * Steps s (from dbconn_stmt(), may be NULL) once and resets it: for
 * statements that write. PM_DB when s is NULL or the step fails (logged).
 */
enum pm_status dbconn_step_done(struct dbconn *c, sqlite3_stmt *s);

/* dbconn_step_done() of sql with ?1 bound to id. */
enum pm_status dbconn_exec_id(struct dbconn *c, const char *sql, int64_t id);

/*
 * The integer in the first column of the first row of sql (a constant
 * without parameters) on a reader; dflt when there is no row, it is NULL
 * or the index cannot be read.
 */
int64_t store_read_int(struct store *st, const char *sql, int64_t dflt);

/* meta table: the value for key (owned, free()) or NULL. */
char *store_meta_get(struct dbconn *c, const char *key);
enum pm_status store_meta_set(struct dbconn *c, const char *key,
			      const char *value);

/* Rebuilds the full-text index from the postmortems table (writer). */
enum pm_status store_rebuild_fts(struct dbconn *c);

/*
 * What `pmkb reindex` does once every file was put again: deletes labels
 * and action items that belong to no postmortem (left by a hand-edited or
 * damaged database) and rebuilds the full-text index (writer, inside the
 * caller's transaction).
 */
enum pm_status store_repair(struct dbconn *c);

/*
 * Whether writes work, as far as this process has seen: 0 when no
 * statement has failed for lack of space (SQLITE_FULL), an I/O error,
 * a read-only or a damaged file since the last commit on a writer
 * connection; else that error's primary SQLite code, with SQLite's
 * message copied into msg (size bytes). For /readyz: a node that cannot
 * write cannot follow its repository.
 */
int store_write_failure(char *msg, size_t size);

/* Number of indexed postmortems (readers and writer alike). */
int64_t store_count(struct dbconn *c);

#endif
