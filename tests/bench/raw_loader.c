/*
 * The anchor for ingest: the same files loaded straight into an FTS5 table
 * with pmkb's tokenizer, and nothing else: no front matter, no Markdown,
 * no metadata tables. pmkb's import is compared with this in the same run.
 *
 *   raw_loader DB DIR
 *
 * Lists and reads the files with pmkb's own importer functions (so that
 * both sides pay the same for the file system), inserts each file's bytes
 * as one row of fts5(body) in one transaction, with the pragmas and
 * process settings that pmkb's store uses. Prints one JSON object:
 * {"docs": N, "bytes": B, "seconds": S}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/db/tokenizer.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "raw_loader: %s: %s\n", sql,
			msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pm_list files = { 0 };
	struct pm_error err;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	long long bytes = 0;
	double t0;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: raw_loader DB DIR\n");
		return 2;
	}
	t0 = now_s();
	/* As store.c does: no allocation statistics, tokenizer everywhere. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
	tokenizer_register_auto();
	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "raw_loader: cannot open %s\n", argv[1]);
		goto out;
	}
	if (exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		     "DROP TABLE IF EXISTS raw;"
		     "CREATE VIRTUAL TABLE raw USING fts5(body, tokenize='"
		     PM_TOKENIZER_NAME "');"
		     "BEGIN IMMEDIATE") ||
	    sqlite3_prepare_v2(db, "INSERT INTO raw(body) VALUES(?1)", -1,
			       &ins, NULL) != SQLITE_OK)
		goto out;
	pm_error_clear(&err);
	if (importer_list(argv[2], &files, &err) != PM_OK) {
		fprintf(stderr, "raw_loader: %s: %s\n", err.source,
			err.message);
		goto out;
	}
	for (size_t i = 0; i < files.n; i++) {
		struct buf path = BUF_INIT;
		char *data = NULL;
		size_t len = 0;
		int step;

		buf_addf(&path, "%s/%s", argv[2], files.v[i]);
		if (importer_read(path.ptr, &data, &len, &err) != PM_OK) {
			fprintf(stderr, "raw_loader: %s\n", err.message);
			buf_release(&path);
			goto out;
		}
		bytes += (long long)len;
		sqlite3_bind_text(ins, 1, data, (int)len, SQLITE_STATIC);
		step = sqlite3_step(ins);
		sqlite3_reset(ins);
		free(data);
		buf_release(&path);
		if (step != SQLITE_DONE) {
			fprintf(stderr, "raw_loader: insert: %s\n",
				sqlite3_errmsg(db));
			goto out;
		}
	}
	if (exec(db, "COMMIT"))
		goto out;
	printf("{\"docs\": %zu, \"bytes\": %lld, \"seconds\": %.3f}\n",
	       files.n, bytes, now_s() - t0);
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_close(db);
	pm_list_release(&files);
	return rc;
}
