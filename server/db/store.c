/*
 * The SQLite database.
 *
 * Map: process-wide setup (memory statistics off, tokenizer on every
 * connection) → connections with a statement cache → the store: one
 * writer behind a mutex, readers in a pool, and the sessions database
 * beside it → schema: migrations, then the full-text table, which is
 * created here because its definition names the tokenizer's version.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/dirs.h"
#include "pmkb/base/embedded.h"
#include "pmkb/base/log.h"
#include "pmkb/db/exact.h"
#include "pmkb/db/migrate.h"
#include "pmkb/db/rankfn.h"
#include "pmkb/db/store.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/base/xalloc.h"

/* How long a connection waits for SQLite's lock. */
#define BUSY_TIMEOUT_MS 10000

/*
 * The full-text table indexes columns of postmortems (external content),
 * so the text is stored once. Weights for bm25 are given by searcher.c.
 */
static const char sql_create_fts[] =
	"CREATE VIRTUAL TABLE pm_fts USING fts5(title, summary, keywords, "
	"body, content='postmortems', content_rowid='id', "
	"tokenize='" PM_TOKENIZER_NAME "')";
/* Every full-text row changed: one change without an id says so. */
static const char sql_rebuild_fts[] =
	"INSERT INTO pm_fts(pm_fts) VALUES('rebuild');"
	"INSERT INTO fts_changes(pm_id) VALUES(NULL)";
static const char sql_orphans[] =
	"DELETE FROM labels WHERE pm_id NOT IN (SELECT id FROM postmortems);"
	"DELETE FROM action_items WHERE pm_id NOT IN "
	"(SELECT id FROM postmortems)";
static const char sql_meta_get[] = "SELECT value FROM meta WHERE key = ?1";
static const char sql_meta_set[] =
	"INSERT INTO meta(key, value) VALUES(?1, ?2) "
	"ON CONFLICT(key) DO UPDATE SET value = excluded.value";
static const char sql_count[] = "SELECT count(*) FROM postmortems";

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

/* Data a higher layer derived from the snapshot named snap. */
struct derived {
	const void *key;
	void *data;
	void (*free_fn)(void *data);
	int64_t snap[2];
};

struct dbconn {
	sqlite3 *db;
	struct store *store; /* NULL: not a store's connection */
	struct cached_stmt *cache;
	size_t n_cache, alloc_cache;
	struct derived derived[DBCONN_DERIVED_MAX];
};

struct store {
	char *path;
	struct dbconn *writer;
	pthread_mutex_t write_lock;
	pthread_mutex_t pool_lock;
	struct dbconn **idle; /* readers not in use */
	size_t n_idle, alloc_idle;
	struct dbconn *sessions; /* the file path + SESSIONS_SUFFIX */
	pthread_mutex_t sessions_lock;
	struct dbconn *sessions_read; /* the same file, read only */
	pthread_mutex_t sessions_read_lock;
	pthread_mutex_t shared_lock;
	struct derived shared[DBCONN_DERIVED_MAX]; /* see dbconn_shared */
};

#define SESSIONS_SUFFIX "-sessions"
#define SESSIONS_SCHEMA "schema/sessions.sql"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/*
 * The health of writes. Process-wide because SQLite's error log is: the
 * last error meaning the database cannot be written, and the last commit,
 * ordered by one counter.
 */
static struct {
	pthread_mutex_t lock;
	uint64_t seq, error_seq, commit_seq;
	int code;
	char message[160];
} write_health = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_sqlite_log(void *cls, int code, const char *msg)
{
	int primary = code & 0xff;

	if (primary != SQLITE_FULL && primary != SQLITE_IOERR &&
	    primary != SQLITE_READONLY && primary != SQLITE_CORRUPT)
		return;
	pthread_mutex_lock(&write_health.lock);
	write_health.error_seq = ++write_health.seq;
	write_health.code = primary;
	snprintf(write_health.message, sizeof(write_health.message), "%s",
		 sqlite3_errstr(primary));
	pthread_mutex_unlock(&write_health.lock);
	(void)msg; /* may name a path or a statement: not for /readyz */
}

/*
 * Called after every commit of the writer (WAL mode). Installing a WAL
 * hook replaces SQLite's automatic checkpoint, so this does what that
 * did: a passive checkpoint once the log has 1000 pages.
 */
static int on_commit(void *cls, sqlite3 *db, const char *name, int pages)
{
	pthread_mutex_lock(&write_health.lock);
	write_health.commit_seq = ++write_health.seq;
	pthread_mutex_unlock(&write_health.lock);
	if (pages >= 1000)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	return SQLITE_OK;
}

int store_write_failure(char *msg, size_t size)
{
	int code = 0;

	pthread_mutex_lock(&write_health.lock);
	if (write_health.error_seq > write_health.commit_seq) {
		code = write_health.code;
		snprintf(msg, size, "%s", write_health.message);
	}
	pthread_mutex_unlock(&write_health.lock);
	return code;
}

/*
 * Before SQLite initialises: memory statistics take a global mutex on every
 * allocation, which serialises reader threads (PERF.md: 1.5–2.1× with it
 * off). The tokenizer must be on every connection, including ones that a
 * later reader opens, or statements on pm_fts fail.
 */
static void global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
	sqlite3_initialize();
	tokenizer_register_auto();
	rankfn_register_auto();
}

/*
 * pm_exact(words, text, ...): db/exact.h's test as an SQL function, a
 * postmortem's columns (at most 8) given apart so that none is copied to
 * join them (search/searcher.c, search/ranking.c).
 */
static void sql_pm_exact(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const char *text[8];
	size_t len[8];
	int n = argc - 1 < 8 ? argc - 1 : 8;

	if (argc < 1) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	for (int i = 0; i < n; i++) {
		text[i] = (const char *)sqlite3_value_text(v[i + 1]);
		len[i] = (size_t)sqlite3_value_bytes(v[i + 1]);
	}
	sqlite3_result_int(ctx,
			   exact_holds((const char *)sqlite3_value_text(v[0]),
				       text, len, n));
}

static void conn_close(struct dbconn *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_cache; i++)
		sqlite3_finalize(c->cache[i].stmt);
	free(c->cache);
	for (size_t i = 0; i < DBCONN_DERIVED_MAX; i++)
		if (c->derived[i].data)
			c->derived[i].free_fn(c->derived[i].data);
	sqlite3_close(c->db);
	free(c);
}

static enum pm_status conn_open(struct dbconn **out, const char *path,
				int writer, struct pm_error *err)
{
	struct dbconn *c = xcalloc(1, sizeof(*c));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_CREATE : 0);
	enum pm_status st = PM_OK;

	*out = NULL;
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		st = pm_error_set(err, PM_IO, path, 0,
				  "cannot open the database: %s",
				  c->db ? sqlite3_errmsg(c->db) : "no memory");
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_create_function(c->db, "pm_exact", -1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_pm_exact, NULL, NULL);
	st = dbconn_exec(c, writer ? "PRAGMA journal_mode = WAL;"
				     "PRAGMA synchronous = NORMAL;"
				     "PRAGMA foreign_keys = ON;"
				     /*
				      * The readers' 16 MB: the indexer reads
				      * the full-text index back to decide
				      * recurrences, and with the default
				      * 2 MB most of that went to pread.
				      */
				     "PRAGMA cache_size = -16384"
				   : "PRAGMA foreign_keys = ON;"
				     "PRAGMA query_only = 1;"
				     /*
				      * A 16 MB page cache per reader, and no
				      * mmap: facets and filters read the
				      * covering index postmortems_meta now,
				      * not the overflow pages of long rows,
				      * so the hot pages are few. A 256 MB map
				      * cost the same CPU (tests/bench, 10k
				      * documents) but put every page it
				      * touched in the RSS: 127 MB against 23.
				      */
				     "PRAGMA cache_size = -16384");
	if (st != PM_OK) {
		pm_error_set(err, st, path, 0,
			     "cannot set up the database: %s",
			     sqlite3_errmsg(c->db));
		goto out;
	}
	*out = c;
	c = NULL;
out:
	conn_close(c);
	return st;
}

sqlite3 *dbconn_db(struct dbconn *c)
{
	return c->db;
}

/* The snapshot c's read transaction sees, named: see dbconn_derived. */
static int snapshot(struct dbconn *c, int64_t name[2])
{
	sqlite3_stmt *s = dbconn_stmt(c, "PRAGMA data_version");
	int rc;

	if (!s)
		return -1;
	/* Also starts the read transaction: the version is the snapshot's. */
	rc = sqlite3_step(s);
	name[0] = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	name[1] = sqlite3_total_changes64(c->db);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

void *dbconn_derived(struct dbconn *c, const void *key,
		     void *(*load)(struct dbconn *c, const void *arg),
		     const void *arg,
		     void (*free_fn)(void *data))
{
	struct derived *d = NULL;
	int64_t snap[2];

	if (snapshot(c, snap))
		return NULL;
	for (size_t i = 0; i < DBCONN_DERIVED_MAX && !d; i++)
		if (c->derived[i].key == key || !c->derived[i].key)
			d = &c->derived[i];
	/* More owners than slots is a programming error. */
	if (!d)
		abort();
	if (d->key == key && d->data && d->snap[0] == snap[0] &&
	    d->snap[1] == snap[1])
		return d->data;
	if (d->data)
		d->free_fn(d->data);
	d->key = key;
	d->free_fn = free_fn;
	d->data = load(c, arg);
	d->snap[0] = snap[0];
	d->snap[1] = snap[1];
	return d->data;
}

void *dbconn_shared(struct dbconn *c, const void *key, void *(*make)(void),
		    void (*free_fn)(void *data))
{
	struct store *st = c ? c->store : NULL;
	struct derived *d = NULL;

	if (!st)
		return NULL;
	pthread_mutex_lock(&st->shared_lock);
	for (size_t i = 0; i < DBCONN_DERIVED_MAX && !d; i++)
		if (st->shared[i].key == key || !st->shared[i].key)
			d = &st->shared[i];
	/* More owners than slots is a programming error. */
	if (!d)
		abort();
	if (!d->key) {
		d->key = key;
		d->free_fn = free_fn;
		d->data = make();
	}
	pthread_mutex_unlock(&st->shared_lock);
	return d->data;
}

sqlite3_stmt *dbconn_stmt(struct dbconn *c, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_cache; i++) {
		if (c->cache[i].sql == sql) {
			stmt = c->cache[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &stmt, NULL) != SQLITE_OK) {
		log_kv(LOG_ERROR, "db.prepare", "error", sqlite3_errmsg(c->db),
		       "sql", sql, NULL);
		return NULL;
	}
	XGROW(c->cache, c->alloc_cache, c->n_cache + 1);
	c->cache[c->n_cache].sql = sql;
	c->cache[c->n_cache].stmt = stmt;
	c->n_cache++;
	return stmt;
}

enum pm_status dbconn_exec(struct dbconn *c, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_kv(LOG_ERROR, "db.exec", "error",
		       msg ? msg : sqlite3_errmsg(c->db), NULL);
		sqlite3_free(msg);
		return PM_DB;
	}
	return PM_OK;
}

enum pm_status dbconn_snapshot(struct dbconn *c)
{
	return dbconn_step_done(c, dbconn_stmt(c, "BEGIN"));
}

void dbconn_snapshot_end(struct dbconn *c)
{
	dbconn_step_done(c, dbconn_stmt(c, "COMMIT"));
}

enum pm_status dbconn_step_done(struct dbconn *c, sqlite3_stmt *s)
{
	int rc;

	if (!s)
		return PM_DB;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return PM_OK;
	log_kv(LOG_ERROR, "db.step", "error", sqlite3_errmsg(c->db), NULL);
	return PM_DB;
}

enum pm_status dbconn_exec_id(struct dbconn *c, const char *sql, int64_t id)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);

	if (s)
		sqlite3_bind_int64(s, 1, id);
	return dbconn_step_done(c, s);
}

enum pm_status dbconn_begin(struct dbconn *c)
{
	return dbconn_exec(c, "BEGIN IMMEDIATE");
}

enum pm_status dbconn_commit(struct dbconn *c)
{
	return dbconn_exec(c, "COMMIT");
}

void dbconn_rollback(struct dbconn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

char *store_meta_get(struct dbconn *c, const char *key)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_meta_get);
	char *v = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return v;
}

enum pm_status store_meta_set(struct dbconn *c, const char *key,
			      const char *value)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_meta_set);
	int rc;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : PM_DB;
}

enum pm_status store_rebuild_fts(struct dbconn *c)
{
	return dbconn_exec(c, sql_rebuild_fts);
}

enum pm_status store_repair(struct dbconn *c)
{
	enum pm_status rc = dbconn_exec(c, sql_orphans);

	return rc == PM_OK ? store_rebuild_fts(c) : rc;
}

int64_t store_count(struct dbconn *c)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_count);
	int64_t n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return n;
}

/* Creates the directory that will hold path, when it has one. */
static enum pm_status make_parent_dir(const char *path, struct pm_error *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	enum pm_status st = PM_OK;

	if (slash && slash != dir) {
		*slash = '\0';
		st = dirs_make(dir, "the database directory", err);
	}
	free(dir);
	return st;
}

/*
 * SQLite must have FTS5: without it nothing can be indexed, so say so at
 * once rather than on the first search.
 */
static int have_fts5(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int ok = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) ==
		 SQLITE_OK;

	sqlite3_finalize(s);
	return ok;
}

/* (Re)creates pm_fts when it is missing or was built by another tokenizer. */
static enum pm_status ensure_fts(struct dbconn *w, struct pm_error *err)
{
	char *have = store_meta_get(w, "tokenizer");
	enum pm_status st = PM_OK;
	int begun = 0;

	if (have && !strcmp(have, PM_TOKENIZER_NAME))
		goto out;
	log_kv(LOG_INFO, "index.rebuild", "reason",
	       have ? "tokenizer changed" : "new index", "tokenizer",
	       PM_TOKENIZER_NAME, NULL);
	/* FTS5 opens the old index to drop it, with the tokenizer it names:
	 * lend it ours under that name (it only has to construct). */
	if (have && tokenizer_register_as(dbconn_db(w), have) != SQLITE_OK) {
		st = PM_DB;
		goto fail;
	}
	if ((st = dbconn_begin(w)) != PM_OK)
		goto fail;
	begun = 1;
	if ((st = dbconn_exec(w, "DROP TABLE IF EXISTS pm_fts")) != PM_OK ||
	    (st = dbconn_exec(w, sql_create_fts)) != PM_OK ||
	    (st = dbconn_exec(w, sql_rebuild_fts)) != PM_OK ||
	    (st = store_meta_set(w, "tokenizer", PM_TOKENIZER_NAME)) !=
		    PM_OK ||
	    (st = dbconn_commit(w)) != PM_OK)
		goto fail;
	goto out;
fail:
	/* The reason first: the rollback would replace it. */
	pm_error_set(err, st, "database", 0,
		     "cannot create the full-text index: %s",
		     sqlite3_errmsg(dbconn_db(w)));
	if (begun)
		dbconn_rollback(w);
out:
	free(have);
	return st;
}

enum pm_status store_open(struct store **out, const char *path,
			  struct pm_error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	enum pm_status rc;

	*out = NULL;
	pthread_once(&global_once, global_init);
	st->path = xstrdup(path);
	pthread_mutex_init(&st->write_lock, NULL);
	pthread_mutex_init(&st->pool_lock, NULL);
	pthread_mutex_init(&st->sessions_lock, NULL);
	pthread_mutex_init(&st->sessions_read_lock, NULL);
	pthread_mutex_init(&st->shared_lock, NULL);
	if ((rc = make_parent_dir(path, err)) != PM_OK ||
	    (rc = conn_open(&st->writer, path, 1, err)) != PM_OK)
		goto out;
	st->writer->store = st;
	sqlite3_wal_hook(st->writer->db, on_commit, NULL);
	if (!have_fts5(st->writer->db)) {
		rc = pm_error_set(err, PM_INTERNAL, "sqlite", 0,
				  "this SQLite (%s) was built without FTS5, "
				  "which pmkb needs for search",
				  sqlite3_libversion());
		goto out;
	}
	if ((rc = migrate_apply(st->writer->db, err)) != PM_OK ||
	    (rc = ensure_fts(st->writer, err)) != PM_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_idle; i++)
		conn_close(st->idle[i]);
	free(st->idle);
	conn_close(st->writer);
	conn_close(st->sessions);
	conn_close(st->sessions_read);
	for (size_t i = 0; i < DBCONN_DERIVED_MAX; i++)
		if (st->shared[i].key)
			st->shared[i].free_fn(st->shared[i].data);
	pthread_mutex_destroy(&st->shared_lock);
	pthread_mutex_destroy(&st->write_lock);
	pthread_mutex_destroy(&st->pool_lock);
	pthread_mutex_destroy(&st->sessions_lock);
	pthread_mutex_destroy(&st->sessions_read_lock);
	free(st->path);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

struct dbconn *store_writer(struct store *st)
{
	pthread_mutex_lock(&st->write_lock);
	return st->writer;
}

struct dbconn *store_writer_try(struct store *st)
{
	return pthread_mutex_trylock(&st->write_lock) ? NULL : st->writer;
}

void store_writer_release(struct store *st)
{
	pthread_mutex_unlock(&st->write_lock);
}

/* The sessions database beside the index, its schema applied. */
static enum pm_status open_sessions(struct store *st, struct pm_error *err)
{
	const struct embedded_file *schema = embedded_find(SESSIONS_SCHEMA);
	struct buf path = BUF_INIT;
	struct dbconn *c = NULL;
	enum pm_status rc;

	buf_addf(&path, "%s%s", st->path, SESSIONS_SUFFIX);
	if ((rc = conn_open(&c, path.ptr, 1, err)) == PM_OK &&
	    (rc = dbconn_exec(c, schema->data)) != PM_OK)
		pm_error_set(err, rc, path.ptr, 0,
			     "cannot set up the sessions database: %s",
			     sqlite3_errmsg(c->db));
	if (rc == PM_OK)
		st->sessions = c;
	else
		conn_close(c);
	buf_release(&path);
	return rc;
}

/*
 * Opened on first use: commands that never log anyone in (lint, check,
 * search) leave no file beside a database they only read.
 */
struct dbconn *store_sessions(struct store *st)
{
	struct pm_error err;

	pthread_mutex_lock(&st->sessions_lock);
	if (!st->sessions && open_sessions(st, &err) != PM_OK)
		log_kv(LOG_ERROR, "db.open_sessions", "error", err.message,
		       NULL);
	return st->sessions;
}

void store_sessions_release(struct store *st)
{
	pthread_mutex_unlock(&st->sessions_lock);
}

/*
 * Opened once the file exists: before anyone has logged in there is no
 * session to find. In WAL mode this connection reads the last commit
 * while a login writes, so it never waits for one.
 */
struct dbconn *store_sessions_reader(struct store *st)
{
	struct buf path = BUF_INIT;
	struct pm_error err;

	pthread_mutex_lock(&st->sessions_read_lock);
	if (!st->sessions_read) {
		buf_addf(&path, "%s%s", st->path, SESSIONS_SUFFIX);
		if (!access(path.ptr, F_OK) &&
		    conn_open(&st->sessions_read, path.ptr, 0, &err) != PM_OK)
			log_kv(LOG_ERROR, "db.open_sessions", "error",
			       err.message, NULL);
		buf_release(&path);
	}
	return st->sessions_read;
}

void store_sessions_reader_release(struct store *st)
{
	pthread_mutex_unlock(&st->sessions_read_lock);
}

/*
 * Needs new pages (the value overflows several), so a database that has
 * reached its size limit, or whose file cannot be written, fails here;
 * the transaction is rolled back, so nothing is ever kept.
 */
static const char sql_probe[] =
	"INSERT INTO meta(key, value) VALUES('readyz.probe', "
	"hex(randomblob(8192)))";

int store_probe_write(struct store *st, char *msg, size_t msgsz)
{
	struct dbconn *w;
	sqlite3_stmt *s;
	int rc;

	msg[0] = '\0';
	/* Someone writes right now: the database takes writes. */
	if (!(w = store_writer_try(st)))
		return SQLITE_OK;
	/*
	 * Another process writing (pmkb import) holds SQLite's lock: that
	 * is a database taking writes, and no reason to make a probe wait.
	 */
	sqlite3_busy_timeout(w->db, 0);
	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(w->db, BUSY_TIMEOUT_MS);
	if ((rc & 0xff) == SQLITE_BUSY) {
		rc = SQLITE_OK;
		goto out;
	}
	if (rc != SQLITE_OK) {
		snprintf(msg, msgsz, "%s", sqlite3_errmsg(w->db));
		goto out;
	}
	s = dbconn_stmt(w, sql_probe);
	rc = s ? sqlite3_step(s) : SQLITE_ERROR;
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	else
		snprintf(msg, msgsz, "%s", sqlite3_errmsg(w->db));
	if (s)
		sqlite3_reset(s);
	dbconn_rollback(w);
out:
	store_writer_release(st);
	return rc;
}

struct dbconn *store_reader(struct store *st)
{
	struct dbconn *c = NULL;
	struct pm_error err;

	pthread_mutex_lock(&st->pool_lock);
	if (st->n_idle)
		c = st->idle[--st->n_idle];
	pthread_mutex_unlock(&st->pool_lock);
	if (c)
		return c;
	if (conn_open(&c, st->path, 0, &err) != PM_OK) {
		log_kv(LOG_ERROR, "db.open_reader", "error", err.message, NULL);
		return NULL;
	}
	c->store = st;
	return c;
}

void store_reader_release(struct store *st, struct dbconn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&st->pool_lock);
	XGROW(st->idle, st->alloc_idle, st->n_idle + 1);
	st->idle[st->n_idle++] = c;
	pthread_mutex_unlock(&st->pool_lock);
}

int64_t store_read_int(struct store *st, const char *sql, int64_t dflt)
{
	struct dbconn *c = store_reader(st);
	sqlite3_stmt *s;
	int64_t v = dflt;

	if (!c)
		return dflt;
	if ((s = dbconn_stmt(c, sql))) {
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_type(s, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	store_reader_release(st, c);
	return v;
}
