/*
 * pmkb backup, pmkb check and the database size cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/config.h"
#include "pmkb/ops.h"
#include "pmkb/slack/outbox.h"
#include "pmkb/db/store.h"
#include "pmkb/base/xalloc.h"

static const char sql_digest_pm[] =
	"SELECT path, slug, title, summary, coalesce(started_at, ''), "
	"coalesce(detected_at, ''), coalesce(mitigated_at, ''), "
	"coalesce(resolved_at, ''), causes, services, tags, "
	"coalesce(severity, ''), status, body, html, has_errors "
	"FROM postmortems ORDER BY path";
static const char sql_digest_labels[] =
	"SELECT m.path, l.kind, l.value, l.pos FROM labels l "
	"JOIN postmortems m ON m.id = l.pm_id ORDER BY m.path, l.kind, l.pos, "
	"l.value";
static const char sql_digest_actions[] =
	"SELECT m.path, a.pos, a.done, coalesce(a.owner, ''), "
	"coalesce(a.due, ''), a.text, a.line FROM action_items a "
	"JOIN postmortems m ON m.id = a.pm_id ORDER BY m.path, a.pos";
static const char sql_digest_problems[] =
	"SELECT path, line, level, message FROM problems "
	"ORDER BY path, line, level, message";
static const char sql_count_pm[] = "SELECT count(*) FROM postmortems";
static const char sql_count_problems[] = "SELECT count(*) FROM problems";
static const char sql_integrity[] = "PRAGMA integrity_check";
static const char sql_foreign_keys[] = "PRAGMA foreign_key_check";
static const char sql_fts_check[] =
	"INSERT INTO pm_fts(pm_fts) VALUES('integrity-check')";
static const char sql_page_size[] = "PRAGMA page_size";
/*
 * pm_fts indexes postmortems as external content. SQLite before 3.44
 * checks only the index's own structure in 'integrity-check', not that
 * it covers the content table, so the rows are compared here too: one
 * docsize row per indexed document, and none for a missing one.
 */
static const char sql_fts_rows[] =
	"SELECT (SELECT count(*) FROM postmortems p WHERE NOT EXISTS "
	"(SELECT 1 FROM pm_fts_docsize d WHERE d.id = p.id)) + "
	"(SELECT count(*) FROM pm_fts_docsize d WHERE NOT EXISTS "
	"(SELECT 1 FROM postmortems p WHERE p.id = d.id))";

/* --- backup ----------------------------------------------------------- */

enum pm_status ops_backup(const char *src, const char *dest,
			  struct pm_error *err)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b = NULL;
	struct buf tmp = BUF_INIT;
	struct stat sb;
	enum pm_status rc = PM_OK;
	int step, fd;

	if (stat(src, &sb) || !S_ISREG(sb.st_mode))
		return pm_error_set(err, PM_NOT_FOUND, src, 0,
				    "no database here");
	buf_addf(&tmp, "%s.tmp-%ld", dest, (long)getpid());
	/*
	 * Read-write so that a WAL database can be read without a server
	 * running (SQLite may have to create the -shm file); nothing is
	 * written to it.
	 */
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK &&
	    (sqlite3_close(from),
	     sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) !=
		     SQLITE_OK)) {
		rc = pm_error_set(err, PM_IO, src, 0, "cannot open: %s",
				  sqlite3_errmsg(from));
		goto out;
	}
	sqlite3_busy_timeout(from, 10000);
	unlink(tmp.ptr);
	if (sqlite3_open_v2(tmp.ptr, &to,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rc = pm_error_set(err, PM_IO, dest, 0, "cannot create: %s",
				  sqlite3_errmsg(to));
		goto out;
	}
	if (!(b = sqlite3_backup_init(to, "main", from, "main"))) {
		rc = pm_error_set(err, PM_DB, dest, 0, "cannot copy: %s",
				  sqlite3_errmsg(to));
		goto out;
	}
	/*
	 * All pages in one step: one read snapshot, so the copy is
	 * consistent however the server writes meanwhile (in WAL mode the
	 * writer is never blocked by it). Steps of a few pages would start
	 * over after every write by another process.
	 */
	do {
		step = sqlite3_backup_step(b, -1);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			sqlite3_sleep(100);
	} while (step == SQLITE_BUSY || step == SQLITE_LOCKED ||
		 step == SQLITE_OK);
	sqlite3_backup_finish(b);
	b = NULL;
	if (step != SQLITE_DONE) {
		rc = pm_error_set(err, (step & 0xff) == SQLITE_FULL ? PM_IO
								    : PM_DB,
				  dest, 0, "the copy failed: %s",
				  sqlite3_errstr(step));
		goto out;
	}
	/* A single file, complete without a -wal beside it. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL,
			 NULL) != SQLITE_OK) {
		rc = pm_error_set(err, PM_DB, dest, 0, "the copy failed: %s",
				  sqlite3_errmsg(to));
		goto out;
	}
	sqlite3_close(to);
	to = NULL;
	if ((fd = open(tmp.ptr, O_RDONLY | O_CLOEXEC)) >= 0) {
		int synced = fsync(fd) == 0;

		close(fd);
		if (!synced) {
			rc = pm_error_set(err, PM_IO, dest, 0,
					  "cannot sync the copy: %s",
					  strerror(errno));
			goto out;
		}
	}
	if (rename(tmp.ptr, dest)) {
		rc = pm_error_set(err, PM_IO, dest, 0, "cannot rename: %s",
				  strerror(errno));
		goto out;
	}
	chmod(dest, 0600);
out:
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(to);
	sqlite3_close(from);
	if (rc != PM_OK)
		unlink(tmp.ptr);
	buf_release(&tmp);
	return rc;
}

/* --- check ------------------------------------------------------------ */

/* Hashes every column of every row of sql into h; -1 on error. */
static long long hash_rows(struct dbconn *c, const char *sql,
			   crypto_generichash_state *h)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	long long n = 0;
	int rc;

	if (!s)
		return -1;
	crypto_generichash_update(h, (const unsigned char *)sql, strlen(sql));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int cols = sqlite3_column_count(s);

		for (int i = 0; i < cols; i++) {
			const unsigned char *v = sqlite3_column_text(s, i);
			int len = sqlite3_column_bytes(s, i);
			unsigned char sep = 0x1f;

			if (v)
				crypto_generichash_update(h, v, (size_t)len);
			crypto_generichash_update(h, &sep, 1);
		}
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : -1;
}

static long long count(struct dbconn *c, const char *sql)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	long long n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return n;
}

/* The first column of the first row of sql as text, or the error. */
static void first_text(struct dbconn *c, const char *sql, char *out,
		       size_t size)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	int rc;

	if (!s) {
		snprintf(out, size, "%s", sqlite3_errmsg(dbconn_db(c)));
		return;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, size, "%s",
			 (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_DONE)
		snprintf(out, size, "ok");
	else
		snprintf(out, size, "%s", sqlite3_errmsg(dbconn_db(c)));
	sqlite3_reset(s);
}

enum pm_status ops_check(struct store *st, struct ops_check *out)
{
	struct dbconn *w, *c = NULL;
	crypto_generichash_state h;
	unsigned char d[32];
	char text[256];
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	w = store_writer(st);
	first_text(w, sql_integrity, text, sizeof(text));
	out->integrity_ok = !strcmp(text, "ok");
	if (!out->integrity_ok)
		snprintf(out->message, sizeof(out->message),
			 "integrity_check: %.200s", text);
	/* A row means a dangling reference; no row is "ok". */
	first_text(w, sql_foreign_keys, text, sizeof(text));
	out->foreign_keys_ok = !strcmp(text, "ok");
	if (!out->foreign_keys_ok && !out->message[0])
		snprintf(out->message, sizeof(out->message),
			 "foreign_key_check: a row of %.180s points nowhere",
			 text);
	/*
	 * FTS5's check compares the index with the postmortems table (its
	 * external content), so a crash between the two would show here.
	 */
	s = dbconn_stmt(w, sql_fts_check);
	rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	out->fts_ok = rc == SQLITE_DONE;
	if (!out->fts_ok && !out->message[0])
		snprintf(out->message, sizeof(out->message),
			 "pm_fts integrity-check: %s",
			 sqlite3_errmsg(dbconn_db(w)));
	if (s)
		sqlite3_reset(s);
	if (out->fts_ok && count(w, sql_fts_rows) != 0) {
		out->fts_ok = 0;
		if (!out->message[0])
			snprintf(out->message, sizeof(out->message),
				 "pm_fts does not index exactly the "
				 "postmortems");
	}
	store_writer_release(st);

	if (!(c = store_reader(st))) {
		snprintf(out->message, sizeof(out->message),
			 "cannot open a reader");
		return PM_DB;
	}
	out->postmortems = count(c, sql_count_pm);
	out->problems = count(c, sql_count_problems);
	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	if (hash_rows(c, sql_digest_pm, &h) < 0 ||
	    hash_rows(c, sql_digest_labels, &h) < 0 ||
	    hash_rows(c, sql_digest_actions, &h) < 0 ||
	    hash_rows(c, sql_digest_problems, &h) < 0) {
		if (!out->message[0])
			snprintf(out->message, sizeof(out->message),
				 "cannot read the index: %s",
				 sqlite3_errmsg(dbconn_db(c)));
		out->integrity_ok = 0;
	}
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out->digest, sizeof(out->digest), d, sizeof(d));
	store_reader_release(st, c);
	return out->integrity_ok && out->fts_ok && out->foreign_keys_ok
		       ? PM_OK
		       : PM_DB;
}

enum pm_status ops_limit_db(struct store *st, long bytes)
{
	struct dbconn *w;
	long long page;
	char pragma[64];
	enum pm_status rc;

	if (bytes <= 0)
		return PM_OK;
	w = store_writer(st);
	page = count(w, sql_page_size);
	if (page <= 0) {
		rc = PM_DB;
		goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count = %lld",
		 (long long)bytes / page > 1 ? (long long)bytes / page : 1);
	rc = dbconn_exec(w, pragma);
out:
	store_writer_release(st);
	return rc;
}

/* --- commands --------------------------------------------------------- */

int ops_backup_command(const struct pm_config *cfg, const char *dest)
{
	struct pm_error err;
	int64_t t0;
	struct stat sb;

	pm_error_clear(&err);
	t0 = clock_ns();
	if (ops_backup(cfg->db, dest, &err) != PM_OK) {
		fprintf(stderr, "pmkb backup: %s: %s\n", err.source,
			err.message);
		return 1;
	}
	fprintf(stderr, "pmkb: copied %s to %s (%lld bytes) in %.2f s\n",
		cfg->db, dest, stat(dest, &sb) ? 0LL : (long long)sb.st_size,
		clock_seconds_since(t0));
	return 0;
}

int ops_check_command(const struct pm_config *cfg)
{
	struct store *st = NULL;
	struct pm_error err;
	struct ops_check r;
	struct outbox_counts oc;
	struct dbconn *c;
	struct stat sb;
	int rc = 1;

	pm_error_clear(&err);
	if (sodium_init() < 0) {
		fprintf(stderr, "pmkb: libsodium cannot start\n");
		return 1;
	}
	/* Checking must not create a database where there was none. */
	if (stat(cfg->db, &sb)) {
		fprintf(stderr, "pmkb check: %s: %s\n", cfg->db,
			strerror(errno));
		return 1;
	}
	if (store_open(&st, cfg->db, &err) != PM_OK) {
		fprintf(stderr, "pmkb check: %s: %s\n", cfg->db, err.message);
		return 1;
	}
	ops_check(st, &r);
	printf("integrity_check: %s\n", r.integrity_ok ? "ok" : "FAILED");
	printf("fts_integrity_check: %s\n", r.fts_ok ? "ok" : "FAILED");
	printf("foreign_key_check: %s\n", r.foreign_keys_ok ? "ok" : "FAILED");
	printf("postmortems: %lld\n", r.postmortems);
	printf("problems: %lld\n", r.problems);
	if ((c = store_reader(st))) {
		if (outbox_count(c, &oc) == PM_OK)
			printf("outbox: queued=%lld sending=%lld sent=%lld "
			       "failed=%lld\n",
			       (long long)oc.queued, (long long)oc.sending,
			       (long long)oc.sent, (long long)oc.failed);
		store_reader_release(st, c);
	}
	printf("digest: %s\n", r.digest);
	if (r.integrity_ok && r.fts_ok && r.foreign_keys_ok) {
		printf("pmkb check: ok\n");
		rc = 0;
	} else {
		printf("pmkb check: FAILED: %s\n", r.message);
	}
	store_close(st);
	return rc;
}
