/*
 * store.c: opening and migrating, the writer lock, readers, meta, the
 * refusal of a newer schema or a foreign file, repair and the write probe.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "pmkb/db/migrate.h"
#include "tap.h"
#include "testdb.h"

static const struct test_doc docs[] = {
	{ "a.md", "---\ntitle: Disk full on db1\nstarted: 2024-01-02\n"
		  "cause: capacity\nservices: [db]\n---\n\n"
		  "## Action items\n\n- [ ] add an alert\n" },
	{ "b.md", "---\ntitle: Certificate expired\nstarted: 2024-02-03\n"
		  "cause: expiry\n---\n\nThe certificate expired.\n" },
};

static long long one_int(struct dbconn *c, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(dbconn_db(c), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Sets PRAGMA user_version of the file at path with a plain connection. */
static void set_version(const char *path, int v)
{
	sqlite3 *db = NULL;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	ok(sqlite3_open(path, &db) == SQLITE_OK &&
		   sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
	   "set user_version from outside");
	sqlite3_close(db);
}

static void reopen_and_refuse(const char *dir)
{
	struct store *st = NULL;
	struct pm_error err;
	struct buf path = BUF_INIT;
	FILE *f;

	buf_addf(&path, "%s/newer/pmkb.db", dir);
	ok(store_open(&st, path.ptr, &err) == PM_OK,
	   "store_open creates the missing directory");
	store_close(st);
	set_version(path.ptr, migrate_latest() + 1);
	st = NULL;
	is_int(store_open(&st, path.ptr, &err), PM_INVALID,
	       "a newer schema is refused");
	ok(st == NULL, "and no store is returned");
	ok(strstr(err.message, "upgrade pmkb") != NULL,
	   "the message says what to do");
	set_version(path.ptr, migrate_latest());
	ok(store_open(&st, path.ptr, &err) == PM_OK,
	   "the same file at the known version opens");
	store_close(st);

	buf_reset(&path);
	buf_addf(&path, "%s/not-a-db", dir);
	f = fopen(path.ptr, "w");
	fputs("this is a text file, not a database, and it is long enough "
	      "to fill SQLite's header of one hundred bytes or so....\n", f);
	fclose(f);
	st = NULL;
	ok(store_open(&st, path.ptr, &err) != PM_OK,
	   "a file that is not a database is refused");
	ok(st == NULL && err.message[0], "with a message");
	unlink(path.ptr);
	buf_reset(&path);
	buf_addf(&path, "%s/newer/pmkb.db", dir);
	unlink(path.ptr);
	buf_reset(&path);
	buf_addf(&path, "%s/newer", dir);
	rmdir(path.ptr);
	buf_release(&path);
}

int main(void)
{
	struct testdb t;
	struct dbconn *w, *r1, *r2;
	char *v, msg[256];

	if (!testdb_open(&t, "store", docs, 2, NULL))
		return tap_done();
	w = store_writer(t.store);
	ok(w != NULL, "the writer");
	is_int(one_int(w, "PRAGMA user_version"), migrate_latest(),
	       "every migration applied");
	is_int(one_int(w, "SELECT count(*) FROM pragma_journal_mode "
			  "WHERE journal_mode = 'wal'"),
	       1, "WAL mode");
	is_int(store_count(w), 2, "store_count on the writer");
	ok(store_writer_try(t.store) == NULL,
	   "store_writer_try while the writer is held");

	ok(store_meta_get(w, "nonesuch") == NULL, "meta: a missing key");
	is_int(store_meta_set(w, "k", "one"), PM_OK, "meta: set");
	is_int(store_meta_set(w, "k", "two"), PM_OK, "meta: set again");
	v = store_meta_get(w, "k");
	is_str(v, "two", "meta: the last value");
	free(v);

	is_int(dbconn_begin(w), PM_OK, "begin");
	is_int(store_meta_set(w, "k", "rolled back"), PM_OK, "set inside");
	dbconn_rollback(w);
	v = store_meta_get(w, "k");
	is_str(v, "two", "rollback keeps the old value");
	free(v);
	is_int(dbconn_begin(w), PM_OK, "begin");
	is_int(store_meta_set(w, "k", "three"), PM_OK, "set inside");
	is_int(dbconn_commit(w), PM_OK, "commit");
	ok(dbconn_exec(w, "THIS IS NOT SQL") != PM_OK,
	   "dbconn_exec reports bad SQL");

	r1 = store_reader(t.store);
	r2 = store_reader(t.store);
	ok(r1 && r2 && r1 != r2 && r1 != w, "two readers of their own");
	v = store_meta_get(r1, "k");
	is_str(v, "three", "a reader sees the committed value");
	free(v);
	is_int(store_count(r2), 2, "store_count on a reader");
	ok(dbconn_stmt(r1, "SELECT 1") == dbconn_stmt(r1, "SELECT 1"),
	   "statements are cached per connection");
	store_reader_release(t.store, r2);
	store_reader_release(t.store, r1);
	ok(store_reader(t.store) != NULL, "a released reader is reused");
	store_reader_release(t.store, r1);

	/* Orphans as a hand-edited database might hold them. */
	ok(dbconn_exec(w, "PRAGMA foreign_keys = OFF") == PM_OK &&
		   dbconn_exec(w, "INSERT INTO labels(pm_id, kind, value, "
				  "pos) VALUES (99999, 'tag', 'orphan', 0)") ==
			   PM_OK &&
		   dbconn_exec(w, "PRAGMA foreign_keys = ON") == PM_OK,
	   "an orphan label");
	is_int(one_int(w, "SELECT count(*) FROM labels WHERE pm_id = 99999"),
	       1, "is there");
	is_int(dbconn_exec(w, "DELETE FROM pm_fts"), PM_OK,
	       "the full-text index emptied");
	is_int(dbconn_begin(w), PM_OK, "begin");
	is_int(store_repair(w), PM_OK, "store_repair");
	is_int(dbconn_commit(w), PM_OK, "commit");
	is_int(one_int(w, "SELECT count(*) FROM labels WHERE pm_id = 99999"),
	       0, "repair deletes the orphan");
	ok(one_int(w, "SELECT count(*) FROM labels") > 0,
	   "and keeps the other labels");
	is_int(one_int(w, "SELECT count(*) FROM pm_fts WHERE pm_fts MATCH "
			  "'certificate'"),
	       1, "and rebuilds the full-text index");
	store_writer_release(t.store);

	w = store_writer_try(t.store);
	ok(w != NULL, "store_writer_try when free");
	store_writer_release(t.store);
	is_int(store_probe_write(t.store, msg, sizeof(msg)), SQLITE_OK,
	       "the write probe");
	w = store_writer(t.store);
	ok(store_meta_get(w, "readyz.probe") == NULL,
	   "the probe leaves nothing");
	store_writer_release(t.store);
	is_int(store_write_failure(msg, sizeof(msg)), 0,
	       "no write failure seen");

	reopen_and_refuse(t.dir);
	testdb_close(&t);
	return tap_done();
}
