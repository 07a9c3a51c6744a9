/*
 * The recurrence queue: see include/pmkb/ingest/recurqueue.h.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/ingest/recurqueue.h"
#include "pmkb/search/postings.h"
#include "pmkb/search/relations.h"
#include "pmkb/search/shares.h"

/*
 * Recurrences are decided once per change, not per page view or
 * statistics query: the ids put in a batch wait in temp.recur_pending,
 * and at commit (recurqueue_flush()) they and the postmortems that may
 * repeat them (started later, within the window, or flagged with one of
 * them before) are decided again.
 */
static const char sql_recur_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS recur_pending(id INTEGER PRIMARY KEY)";
static const char sql_recur_clear[] = "DELETE FROM temp.recur_pending";
static const char sql_recur_add[] =
	"INSERT OR IGNORE INTO temp.recur_pending(id) VALUES(?1)";
static const char sql_recur_affected[] =
	"WITH span AS (SELECT min(q.started_epoch) AS lo, "
	"max(q.started_epoch) + ?1 * 86400 AS hi FROM postmortems q "
	"WHERE q.id IN (SELECT id FROM temp.recur_pending)) "
	"SELECT p.id FROM postmortems p, span WHERE "
	"p.id IN (SELECT id FROM temp.recur_pending) OR "
	"(p.started_epoch > span.lo AND p.started_epoch <= span.hi) OR "
	"p.id IN (SELECT pm_id FROM recurrences WHERE earlier_id IN "
	"(SELECT id FROM temp.recur_pending)) ORDER BY p.id";
/*
 * A later postmortem's decision about an earlier one x depends on x only
 * through the words they share: one that shares too few with x to count
 * it (shares_candidates()) decides as before, and deciding again every
 * later one in the window was most of a push's time (675 of them, 4.5 s,
 * for one file on 10,000 documents). So, for a batch of a few, the later
 * ones are only those that share words with one of the batch, in
 * temp.recur_sharing. Without words (labels_similarity 0) labels alone
 * flag: then all of them.
 *
 * What one document's words do to the others' rarity (idf, the words
 * too common to count) moves every decision a little, in and out of
 * the window alike; that is left, as it is for those outside it.
 */
static const char sql_sharing_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS recur_sharing(id INTEGER PRIMARY KEY)";
static const char sql_sharing_clear[] = "DELETE FROM temp.recur_sharing";
static const char sql_sharing_add[] =
	"INSERT OR IGNORE INTO temp.recur_sharing(id) VALUES(?1)";
static const char sql_recur_ids[] = "SELECT id FROM temp.recur_pending";
static const char sql_recur_narrowed[] =
	"WITH span AS (SELECT min(q.started_epoch) AS lo, "
	"max(q.started_epoch) + ?1 * 86400 AS hi FROM postmortems q "
	"WHERE q.id IN (SELECT id FROM temp.recur_pending)) "
	"SELECT p.id FROM postmortems p, span WHERE "
	"p.id IN (SELECT id FROM temp.recur_pending) OR "
	"(p.started_epoch > span.lo AND p.started_epoch <= span.hi AND "
	"p.id IN (SELECT id FROM temp.recur_sharing)) OR "
	"p.id IN (SELECT pm_id FROM recurrences WHERE earlier_id IN "
	"(SELECT id FROM temp.recur_pending)) ORDER BY p.id";
/*
 * shares_candidates() looks up every word of a postmortem: about the cost
 * of deciding this many. Narrowing pays when the window holds more.
 */
#define RECUR_SHARING_COST 10

/* Appends the ids sql (bound to ?1 = arg when arg >= 0) returns. */
static enum pm_status read_ids(struct dbconn *c, const char *sql, int arg,
			       int64_t **ids, size_t *n, size_t *alloc)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);
	int step;

	if (!s)
		return PM_DB;
	if (arg >= 0)
		sqlite3_bind_int(s, 1, arg);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(*ids, *alloc, *n + 1);
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return step == SQLITE_DONE ? PM_OK : PM_DB;
}

/* Fills temp.recur_sharing (see sql_recur_narrowed). */
static enum pm_status sharing_fill(struct dbconn *c,
				   struct postings_memo *memo)
{
	int64_t *pending = NULL;
	size_t npending = 0, alloc = 0, i, j;
	enum pm_status rc;

	if ((rc = dbconn_exec(c, sql_sharing_clear)) != PM_OK ||
	    (rc = read_ids(c, sql_recur_ids, -1, &pending, &npending,
			   &alloc)) != PM_OK)
		goto out;
	for (i = 0; i < npending && rc == PM_OK; i++) {
		struct pm_error err;
		int64_t *ids = NULL;
		size_t n = 0;

		rc = shares_candidates(c, pending[i], memo, &ids, &n, &err);
		if (rc == PM_NOT_FOUND)
			rc = PM_OK;
		for (j = 0; j < n && rc == PM_OK; j++)
			rc = dbconn_exec_id(c, sql_sharing_add, ids[j]);
		free(ids);
	}
out:
	free(pending);
	return rc;
}

enum pm_status recurqueue_begin(struct dbconn *c)
{
	enum pm_status rc;

	if ((rc = dbconn_exec(c, sql_recur_create)) != PM_OK ||
	    (rc = dbconn_exec(c, sql_sharing_create)) != PM_OK)
		return rc;
	return dbconn_exec(c, sql_recur_clear);
}

enum pm_status recurqueue_add(struct dbconn *c, int64_t id)
{
	return dbconn_exec_id(c, sql_recur_add, id);
}

enum pm_status recurqueue_flush(struct dbconn *c, const struct learning *l,
				size_t n)
{
	struct postings_memo *memo;
	int64_t *ids = NULL;
	size_t nids = 0, alloc = 0;
	enum pm_status rc;
	struct pm_error err;

	if (!n)
		return PM_OK;
	/* The full-text rows stay as they are until the commit. */
	memo = postings_memo_new();
	rc = read_ids(c, sql_recur_affected, l->recurrence_window_days, &ids,
		      &nids, &alloc);
	if (rc == PM_OK && !relations_flagged(1, 0.0, l) &&
	    n * RECUR_SHARING_COST < nids) {
		nids = 0;
		if ((rc = sharing_fill(c, memo)) == PM_OK)
			rc = read_ids(c, sql_recur_narrowed,
				      l->recurrence_window_days, &ids, &nids,
				      &alloc);
	}
	if (rc == PM_OK)
		rc = relations_detect_many(c, ids, nids, l, memo, &err);
	postings_memo_free(memo);
	free(ids);
	return rc == PM_OK ? dbconn_exec(c, sql_recur_clear) : rc;
}
