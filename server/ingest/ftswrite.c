/*
 * The full-text rows of an index batch: see
 * include/pmkb/ingest/ftswrite.h.
 */
#include <sqlite3.h>

#include "pmkb/db/store.h"
#include "pmkb/ingest/ftswrite.h"

static const char sql_fts_delete[] =
	"INSERT INTO pm_fts(pm_fts, rowid, title, summary, keywords, body) "
	"SELECT 'delete', id, title, summary, keywords, body "
	"FROM postmortems WHERE id = ?1";
/*
 * Full-text rows of the postmortems put in a batch are written together,
 * by one statement, at ftswrite_flush() (see there why): ids wait in
 * temp.fts_pending until then.
 */
static const char sql_pending_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS fts_pending(id INTEGER PRIMARY KEY)";
static const char sql_pending_clear[] = "DELETE FROM temp.fts_pending";
static const char sql_pending_add[] =
	"INSERT OR IGNORE INTO temp.fts_pending(id) VALUES(?1)";
static const char sql_pending_drop[] =
	"DELETE FROM temp.fts_pending WHERE id = ?1";
static const char sql_pending_has[] =
	"SELECT 1 FROM temp.fts_pending WHERE id = ?1";
static const char sql_fts_insert_pending[] =
	"INSERT INTO pm_fts(rowid, title, summary, keywords, body) "
	"SELECT p.id, p.title, p.summary, p.keywords, p.body "
	"FROM temp.fts_pending f JOIN postmortems p ON p.id = f.id "
	"ORDER BY f.id";
/*
 * The change log (schema/013_fts_changes.sql): every id whose full-text
 * row is written or removed, and the newest FTS_CHANGES_KEPT kept.
 */
#define FTS_CHANGES_KEPT "100000"
static const char sql_changed[] =
	"INSERT INTO fts_changes(pm_id) VALUES(?1)";
static const char sql_changed_pending[] =
	"INSERT INTO fts_changes(pm_id) SELECT id FROM temp.fts_pending "
	"ORDER BY id";
static const char sql_changes_trim[] =
	"DELETE FROM fts_changes WHERE seq <= "
	"(SELECT max(seq) FROM fts_changes) - " FTS_CHANGES_KEPT;

enum pm_status ftswrite_begin(struct ftswrite *w, struct dbconn *c)
{
	enum pm_status rc = dbconn_exec(c, sql_pending_create);

	w->c = c;
	w->pending = 0;
	return rc == PM_OK ? dbconn_exec(c, sql_pending_clear) : rc;
}

/*
 * Why full-text rows wait: FTS5 (SQLite 3.40) writes its pending terms out
 * as a new segment whenever a statement of the transaction opens a
 * savepoint, which the row upserts do. Inserting each document's
 * full-text row between its other writes made one tiny segment per
 * document and kept FTS5 merging them: 30% of an import's instructions
 * (callgrind, 300 documents). Written back to back by one statement, the
 * terms of many documents go out in a few large segments.
 */
enum pm_status ftswrite_flush(struct ftswrite *w)
{
	enum pm_status rc;

	if (!w->pending)
		return PM_OK;
	if ((rc = dbconn_exec(w->c, sql_fts_insert_pending)) != PM_OK ||
	    (rc = dbconn_exec(w->c, sql_changed_pending)) != PM_OK ||
	    (rc = dbconn_exec(w->c, sql_pending_clear)) != PM_OK)
		return rc;
	w->pending = 0;
	return PM_OK;
}

/* Whether id's full-text row is still waiting (so not in pm_fts yet). */
static int is_pending(struct ftswrite *w, int64_t id)
{
	sqlite3_stmt *s;
	int has;

	if (!w->pending || !(s = dbconn_stmt(w->c, sql_pending_has)))
		return 0;
	sqlite3_bind_int64(s, 1, id);
	has = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return has;
}

/*
 * Removes id's full-text row, which must be done with the row's values
 * before they change. A row still pending was never written: it only
 * leaves the queue.
 */
enum pm_status ftswrite_remove(struct ftswrite *w, int64_t id)
{
	enum pm_status rc;

	if (is_pending(w, id))
		return dbconn_exec_id(w->c, sql_pending_drop, id);
	rc = dbconn_exec_id(w->c, sql_fts_delete, id);
	return rc == PM_OK ? dbconn_exec_id(w->c, sql_changed, id) : rc;
}

enum pm_status ftswrite_add(struct ftswrite *w, int64_t id)
{
	enum pm_status rc = dbconn_exec_id(w->c, sql_pending_add, id);

	if (rc == PM_OK)
		w->pending++;
	return rc;
}

enum pm_status ftswrite_commit(struct ftswrite *w)
{
	enum pm_status rc = ftswrite_flush(w);

	return rc == PM_OK ? dbconn_exec(w->c, sql_changes_trim) : rc;
}
