/*
 * Index batches: full-text rows are written at prune/commit time, so every
 * way a batch can touch a row before then (put twice, put then remove,
 * rename, update of a row indexed earlier) must leave pm_fts exactly in
 * step with postmortems. FTS5's integrity-check compares the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/db/store.h"
#include "tap.h"

static const char doc_fmt[] = "---\ntitle: %s\nstarted_at: 2020-01-02\n"
			      "cause: infrastructure\n---\n# %s\n\n%s\n";

static enum pm_status put(struct index_batch *b, const char *path,
			  const char *title, const char *body)
{
	struct buf d = BUF_INIT;
	enum pm_status rc;

	buf_addf(&d, doc_fmt, title, title, body);
	rc = index_put(b, path, d.ptr, d.len, NULL, NULL);
	buf_release(&d);
	return rc;
}

/* Documents matching an FTS5 query, or -1 on an error. */
static long long hits(struct store *st, const char *match)
{
	struct dbconn *c = store_reader(st);
	sqlite3_stmt *s = NULL;
	long long n = -1;

	if (c && sqlite3_prepare_v2(dbconn_db(c),
				    "SELECT count(*) FROM pm_fts "
				    "WHERE pm_fts MATCH ?1",
				    -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	store_reader_release(st, c);
	return n;
}

static int integrity(struct store *st)
{
	struct dbconn *w = store_writer(st);
	enum pm_status rc = dbconn_exec(
		w, "INSERT INTO pm_fts(pm_fts) VALUES('integrity-check')");

	store_writer_release(st);
	return rc == PM_OK;
}

int main(void)
{
	char dir[] = "/tmp/pmkb-indexer-XXXXXX";
	struct buf path = BUF_INIT;
	struct store *st = NULL;
	struct index_batch *b = NULL;
	struct pm_error err;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	buf_addf(&path, "%s/t.db", dir);
	pm_error_clear(&err);
	if (!ok(store_open(&st, path.ptr, &err) == PM_OK, "store_open"))
		return tap_done();

	/* Batch 1: rows that later batches update and remove. */
	ok(index_begin(st, NULL, NULL, &b) == PM_OK, "begin 1");
	ok(put(b, "old.md", "Old one", "alpha kept") == PM_OK, "put old");
	ok(put(b, "gone.md", "Gone", "bravo removed") == PM_OK, "put gone");
	ok(index_commit(b, NULL) == PM_OK, "commit 1");
	is_int(hits(st, "alpha"), 1, "a committed row is searchable");

	/* Batch 2: every mix of a pending row with other changes. */
	ok(index_begin(st, NULL, NULL, &b) == PM_OK, "begin 2");
	ok(put(b, "twice.md", "Twice", "charlie first") == PM_OK,
	   "put a new file");
	ok(put(b, "twice.md", "Twice", "delta second") == PM_OK,
	   "put it again in the same batch");
	ok(put(b, "brief.md", "Brief", "echo brief") == PM_OK, "put brief");
	ok(index_remove(b, "brief.md", NULL) == PM_OK,
	   "remove it in the same batch");
	ok(put(b, "a.md", "Renamed", "foxtrot moved") == PM_OK, "put a");
	ok(index_remove(b, "a.md", "b.md") == PM_OK, "rename a to b");
	ok(put(b, "b.md", "Renamed", "foxtrot moved") == PM_OK, "put b");
	ok(put(b, "old.md", "Old one", "golf changed") == PM_OK,
	   "update a row indexed by an earlier batch");
	ok(put(b, "old.md", "Old one", "hotel changed again") == PM_OK,
	   "and again");
	ok(index_remove(b, "gone.md", NULL) == PM_OK, "remove an old row");
	ok(index_commit(b, NULL) == PM_OK, "commit 2");

	ok(integrity(st), "pm_fts agrees with postmortems");
	is_int(hits(st, "charlie"), 0, "the first version is gone");
	is_int(hits(st, "delta"), 1, "the second version is found");
	is_int(hits(st, "echo"), 0, "a removed pending row is not found");
	is_int(hits(st, "foxtrot"), 1, "a renamed file is found once");
	is_int(hits(st, "alpha OR golf"), 0, "old versions are gone");
	is_int(hits(st, "hotel"), 1, "the last update is found");
	is_int(hits(st, "bravo"), 0, "a removed row is gone");

	/* Batch 3: prune writes pending rows before its caller rebuilds. */
	ok(index_begin(st, NULL, NULL, &b) == PM_OK, "begin 3");
	ok(put(b, "twice.md", "Twice", "india") == PM_OK, "put");
	ok(put(b, "b.md", "Renamed", "foxtrot moved") == PM_OK, "unchanged");
	ok(index_prune(b) == PM_OK, "prune");
	is_int(hits(st, "india"), 0, "readers see nothing before commit");
	ok(store_rebuild_fts(index_conn(b)) == PM_OK, "rebuild after prune");
	ok(index_commit(b, NULL) == PM_OK, "commit 3");
	ok(integrity(st), "pm_fts agrees after a rebuild");
	is_int(hits(st, "india"), 1, "found once after the rebuild");
	is_int(hits(st, "hotel"), 0, "a pruned row is gone");

	store_close(st);
	unlink(path.ptr);
	buf_reset(&path);
	buf_addf(&path, "%s/t.db-wal", dir);
	unlink(path.ptr);
	buf_reset(&path);
	buf_addf(&path, "%s/t.db-shm", dir);
	unlink(path.ptr);
	rmdir(dir);
	buf_release(&path);
	return tap_done();
}
