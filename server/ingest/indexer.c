/*
 * Index writes. For each file: hash → compare with the stored hash → parse
 * → replace the row, its labels, action items, problems and full-text
 * entry (ingest/ftswrite.h: removed before the row changes, written
 * together at the end).
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/ftswrite.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/base/log.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/doc/keywords.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/tasklines.h"
#include "pmkb/ingest/recurqueue.h"
#include "pmkb/search/relations.h"
#include "pmkb/base/xalloc.h"

static const char sql_seen_create[] =
	"CREATE TEMP TABLE IF NOT EXISTS seen(path TEXT PRIMARY KEY) "
	"WITHOUT ROWID";
static const char sql_seen_clear[] = "DELETE FROM temp.seen";
static const char sql_seen_add[] =
	"INSERT OR IGNORE INTO temp.seen(path) VALUES(?1)";
static const char sql_find_path[] =
	"SELECT id, content_hash, slug, status FROM postmortems "
	"WHERE path = ?1";
static const char sql_slug_owner[] =
	"SELECT path FROM postmortems WHERE slug = ?1";
static const char sql_upsert[] =
	"INSERT INTO postmortems(path, slug, title, summary, keywords, body, "
	"html, severity, severity_rank, status, trigger, detection, "
	"primary_cause, causes, services, teams, authors, tags, "
	"started_at, started_epoch, detected_at, detected_epoch, "
	"mitigated_at, mitigated_epoch, resolved_at, resolved_epoch, "
	"started_source, content_hash, has_errors, commit_id, commit_author, "
	"commit_time, first_commit_id, created_time, indexed_at) "
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	"?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
	"?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35) "
	"ON CONFLICT(path) DO UPDATE SET slug = excluded.slug, "
	"title = excluded.title, summary = excluded.summary, "
	"keywords = excluded.keywords, body = excluded.body, "
	"html = excluded.html, severity = excluded.severity, "
	"severity_rank = excluded.severity_rank, status = excluded.status, "
	"trigger = excluded.trigger, detection = excluded.detection, "
	"primary_cause = excluded.primary_cause, causes = excluded.causes, "
	"services = excluded.services, teams = excluded.teams, "
	"authors = excluded.authors, tags = excluded.tags, "
	"started_at = excluded.started_at, "
	"started_epoch = excluded.started_epoch, "
	"detected_at = excluded.detected_at, "
	"detected_epoch = excluded.detected_epoch, "
	"mitigated_at = excluded.mitigated_at, "
	"mitigated_epoch = excluded.mitigated_epoch, "
	"resolved_at = excluded.resolved_at, "
	"resolved_epoch = excluded.resolved_epoch, "
	"started_source = excluded.started_source, "
	"content_hash = excluded.content_hash, "
	"has_errors = excluded.has_errors, commit_id = excluded.commit_id, "
	"commit_author = excluded.commit_author, "
	"commit_time = excluded.commit_time, "
	"first_commit_id = coalesce(excluded.first_commit_id, "
	"first_commit_id), "
	"created_time = coalesce(excluded.created_time, created_time), "
	"indexed_at = excluded.indexed_at "
	"RETURNING id";
static const char sql_labels_clear[] = "DELETE FROM labels WHERE pm_id = ?1";
static const char sql_label_add[] =
	"INSERT OR IGNORE INTO labels(pm_id, kind, value, pos) "
	"VALUES(?1, ?2, ?3, ?4)";
static const char sql_relations_clear[] =
	"DELETE FROM relations WHERE pm_id = ?1";
static const char sql_relation_add[] =
	"INSERT OR IGNORE INTO relations(pm_id, target, kind) "
	"VALUES(?1, ?2, ?3)";
static const char sql_actions_clear[] =
	"DELETE FROM action_items WHERE pm_id = ?1";
static const char sql_action_add[] =
	"INSERT INTO action_items(pm_id, pos, done, owner, due, text, line, "
	"links, due_implied, done_on) "
	"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_done_lines[] =
	"SELECT DISTINCT line FROM action_items WHERE pm_id = ?1 AND done = 1";
static const char sql_tick_set[] =
	"UPDATE action_items SET ticked_at = ?3, ticked_commit = ?4 "
	"WHERE pm_id = ?1 AND line = ?2 AND done = 1 "
	"AND ticked_commit IS NOT ?4";
static const char sql_problems_clear[] =
	"DELETE FROM problems WHERE path = ?1";
static const char sql_problem_add[] =
	"INSERT INTO problems(path, line, level, message) "
	"VALUES(?1, ?2, ?3, ?4)";
static const char sql_delete_row[] = "DELETE FROM postmortems WHERE id = ?1";
static const char sql_redirect_add[] =
	"INSERT INTO slug_redirects(old_slug, new_slug) VALUES(?1, ?2) "
	"ON CONFLICT(old_slug) DO UPDATE SET new_slug = excluded.new_slug";
static const char sql_redirect_clear[] =
	"DELETE FROM slug_redirects WHERE old_slug = ?1";
static const char sql_unseen[] =
	"SELECT path FROM postmortems WHERE path NOT IN "
	"(SELECT path FROM temp.seen) "
	"UNION SELECT DISTINCT path FROM problems WHERE path NOT IN "
	"(SELECT path FROM temp.seen)";

struct index_batch {
	struct store *store;
	struct dbconn *c;
	const struct taxonomy *tax;
	char *salt;
	struct index_counts counts;
	const struct index_listener *listener; /* NULL: tell nobody */
	int queued;			       /* by the listener */
	struct ftswrite fts;
	int recur_pending;		       /* ids in the recurrence queue */
	struct learning *own_learning;	       /* the defaults, without tax */
};

static enum pm_status exec_text(struct dbconn *c, const char *sql,
				const char *text)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql);

	if (s)
		sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
	return dbconn_step_done(c, s);
}

enum pm_status index_begin(struct store *st, const struct taxonomy *tax,
			   const char *salt, struct index_batch **out)
{
	struct index_batch *b = xcalloc(1, sizeof(*b));
	enum pm_status rc;

	*out = NULL;
	b->store = st;
	b->c = store_writer(st);
	b->tax = tax;
	b->salt = xstrdup(salt ? salt : "");
	if ((rc = dbconn_exec(b->c, sql_seen_create)) != PM_OK ||
	    (rc = dbconn_begin(b->c)) != PM_OK ||
	    (rc = dbconn_exec(b->c, sql_seen_clear)) != PM_OK ||
	    (rc = ftswrite_begin(&b->fts, b->c)) != PM_OK ||
	    (rc = recurqueue_begin(b->c)) != PM_OK) {
		index_abort(b);
		return rc;
	}
	*out = b;
	return PM_OK;
}

static const struct learning *batch_learning(struct index_batch *b)
{
	if (b->tax)
		return b->tax->learning;
	if (!b->own_learning)
		b->own_learning = learning_new();
	return b->own_learning;
}

/*
 * Decides the recurrences of the postmortems put in the batch, and of
 * those that may repeat them, again (ingest/recurqueue.h).
 */
static enum pm_status recur_flush(struct index_batch *b)
{
	enum pm_status rc;

	if (!b->recur_pending)
		return PM_OK;
	rc = recurqueue_flush(b->c, batch_learning(b),
			      (size_t)b->recur_pending);
	if (rc == PM_OK)
		b->recur_pending = 0;
	return rc;
}

struct dbconn *index_conn(struct index_batch *b)
{
	return b->c;
}

void index_set_listener(struct index_batch *b,
			const struct index_listener *l)
{
	b->listener = l;
}

/* hex BLAKE2b-128 of salt + data: the change detector. */
static void content_hash(const struct index_batch *b, const char *data,
			 size_t len, char hex[33])
{
	crypto_generichash_state h;
	unsigned char out[16];

	crypto_generichash_init(&h, NULL, 0, sizeof(out));
	crypto_generichash_update(&h, (const unsigned char *)b->salt,
				  strlen(b->salt) + 1);
	crypto_generichash_update(&h, (const unsigned char *)data, len);
	crypto_generichash_final(&h, out, sizeof(out));
	sodium_bin2hex(hex, 33, out, sizeof(out));
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_time(sqlite3_stmt *s, int i, const struct pm_time *t)
{
	if (t->set) {
		sqlite3_bind_text(s, i, t->text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, i + 1, t->epoch);
	} else {
		sqlite3_bind_null(s, i);
		sqlite3_bind_null(s, i + 1);
	}
}

/*
 * A slug for pm that no other path holds: the file's own, else with the
 * parent directory's name, else with a number. Owned.
 */
static char *free_slug(struct dbconn *c, const char *path, const char *slug)
{
	struct buf cand = BUF_INIT;
	const char *dir_end = strrchr(path, '/');

	buf_addstr(&cand, slug);
	for (int n = 1;; n++) {
		sqlite3_stmt *s = dbconn_stmt(c, sql_slug_owner);
		int taken;

		if (!s)
			break;
		sqlite3_bind_text(s, 1, cand.ptr, -1, SQLITE_STATIC);
		taken = sqlite3_step(s) == SQLITE_ROW &&
			strcmp((const char *)sqlite3_column_text(s, 0), path);
		sqlite3_reset(s);
		if (!taken)
			break;
		buf_reset(&cand);
		if (n == 1 && dir_end) {
			const char *dir = dir_end;

			while (dir > path && dir[-1] != '/')
				dir--;
			buf_add(&cand, dir, (size_t)(dir_end - dir));
			buf_addf(&cand, "-%s", slug);
		} else {
			buf_addf(&cand, "%s-%d", slug, n);
		}
	}
	return buf_detach(&cand, NULL);
}

static enum pm_status put_labels(struct dbconn *c, int64_t id,
				 const char *kind, const struct pm_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		sqlite3_stmt *s = dbconn_stmt(c, sql_label_add);
		enum pm_status rc;

		if (!s)
			return PM_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, l->v[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 4, (int)i);
		if ((rc = dbconn_step_done(c, s)) != PM_OK)
			return rc;
	}
	return PM_OK;
}

/* The postmortems pm names (related: and links) and recurrence_of:. */
static enum pm_status put_relations(struct dbconn *c, int64_t id,
				    const struct postmortem *pm)
{
	enum pm_status rc = dbconn_exec_id(c, sql_relations_clear, id);

	for (size_t i = 0; rc == PM_OK && i <= pm->related.n; i++) {
		const char *target = i < pm->related.n ? pm->related.v[i]
						       : pm->recurrence_of;
		sqlite3_stmt *s;

		if (!target)
			break;
		if (!(s = dbconn_stmt(c, sql_relation_add)))
			return PM_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, target, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3,
				  i < pm->related.n ? "related"
						    : "recurrence_of",
				  -1, SQLITE_STATIC);
		rc = dbconn_step_done(c, s);
	}
	return rc;
}

static enum pm_status put_problems(struct dbconn *c, const char *path,
				   const struct postmortem *pm)
{
	enum pm_status rc = exec_text(c, sql_problems_clear, path);

	for (size_t i = 0; rc == PM_OK && i < pm->n_diags; i++) {
		sqlite3_stmt *s = dbconn_stmt(c, sql_problem_add);

		if (!s)
			return PM_DB;
		sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 2, pm->diags[i].line);
		sqlite3_bind_text(s, 3,
				  pm->diags[i].level == PM_DIAG_ERROR
					  ? "error"
					  : "warning",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, pm->diags[i].message, -1,
				  SQLITE_TRANSIENT);
		rc = dbconn_step_done(c, s);
	}
	return rc;
}

/*
 * An item without a due date gets the one due_by_severity implies
 * (.pmkb.yml), marked as implied; the settings are part of the content
 * hash's salt, so a change of rule rewrites every item.
 */
static enum pm_status put_actions(struct dbconn *c, int64_t id,
				  const struct postmortem *pm,
				  const struct taxonomy *tax)
{
	enum pm_status rc = dbconn_exec_id(c, sql_actions_clear, id);
	const char *canon = NULL;
	char implied[11];
	int has_implied;

	if (pm->severity)
		taxonomy_severity(tax, pm->severity, &canon);
	has_implied = learning_implied_due(tax ? tax->learning : NULL, canon,
					   &pm->started, implied);
	for (size_t i = 0; rc == PM_OK && i < pm->n_actions; i++) {
		const struct pm_action *a = &pm->actions[i];
		sqlite3_stmt *s = dbconn_stmt(c, sql_action_add);
		int imply = !a->due && has_implied;

		if (!s)
			return PM_DB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, (int)i);
		sqlite3_bind_int(s, 3, a->done);
		bind_text_or_null(s, 4, a->owner);
		bind_text_or_null(s, 5, imply ? implied : a->due);
		sqlite3_bind_text(s, 6, a->text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 7, a->line);
		bind_text_or_null(s, 8, a->links);
		sqlite3_bind_int(s, 9, imply);
		bind_text_or_null(s, 10, a->done_on);
		rc = dbconn_step_done(c, s);
	}
	return rc;
}

/*
 * Records against the done items of postmortem id the commits that ticked
 * their boxes (prov->ticks): a tick counts for the item on its line when
 * that line of data still reads the same (tasklines_key_at()), so that a
 * work tree edited since its last commit loses a date rather than takes
 * a wrong one. Writes only what changed.
 */
static enum pm_status put_ticks(struct dbconn *c, int64_t id,
				const char *data, size_t len,
				const struct pm_provenance *prov)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_done_lines);
	int *lines = NULL;
	size_t n = 0, alloc = 0;
	enum pm_status rc = PM_OK;

	if (!prov->ticks_read)
		return PM_OK;
	if (!s)
		return PM_DB;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		XGROW(lines, alloc, n + 1);
		lines[n++] = sqlite3_column_int(s, 0);
	}
	sqlite3_reset(s);
	for (size_t i = 0; rc == PM_OK && i < n; i++) {
		const struct pm_tick *t = NULL;

		for (size_t k = 0; k < prov->n_ticks && !t; k++)
			if (prov->ticks[k].line == lines[i])
				t = &prov->ticks[k];
		if (t && t->key != tasklines_key_at(data, len, lines[i]))
			t = NULL;
		if (!(s = dbconn_stmt(c, sql_tick_set))) {
			rc = PM_DB;
			break;
		}
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int(s, 2, lines[i]);
		if (t) {
			sqlite3_bind_int64(s, 3, t->time);
			sqlite3_bind_text(s, 4, t->commit, -1,
					  SQLITE_TRANSIENT);
		}
		rc = dbconn_step_done(c, s);
	}
	free(lines);
	return rc;
}

/* Where started_at came from (doc/derive.h), "none" without one. */
static const char *started_source(const struct postmortem *pm)
{
	return pm->started.set ? pm_source_name(pm->source[PM_F_STARTED])
			       : "none";
}

/* Writes the row for pm; *id gets its rowid. */
static enum pm_status put_row(struct index_batch *b, const char *path,
			      const char *slug, const char *hash,
			      const struct postmortem *pm,
			      const struct pm_provenance *prov, int64_t *id)
{
	struct dbconn *c = b->c;
	sqlite3_stmt *s = dbconn_stmt(c, sql_upsert);
	struct buf kw = BUF_INIT;
	char *lists[5] = { NULL };
	const struct pm_list *srcs[5] = { &pm->causes, &pm->services,
					  &pm->teams, &pm->authors,
					  &pm->tags };
	const char *canon = NULL;
	int rank = -1, rc;
	enum pm_status st = PM_DB;

	if (!s)
		goto out;
	keywords_write(b->tax, pm, &kw);
	for (int i = 0; i < 5; i++)
		lists[i] = srcs[i]->n ? pm_list_dumps(srcs[i]) : xstrdup("[]");
	if (pm->severity)
		rank = taxonomy_severity(b->tax, pm->severity, &canon);
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, pm->title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, pm->summary ? pm->summary : "", -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, kw.ptr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, pm->text ? pm->text : "", -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 7, pm->html ? pm->html : "", -1,
			  SQLITE_TRANSIENT);
	bind_text_or_null(s, 8, pm->severity);
	if (rank >= 0)
		sqlite3_bind_int(s, 9, rank);
	else
		sqlite3_bind_null(s, 9);
	sqlite3_bind_text(s, 10, pm->status ? pm->status : "published", -1,
			  SQLITE_TRANSIENT);
	bind_text_or_null(s, 11, pm->trigger);
	bind_text_or_null(s, 12, pm->detection);
	sqlite3_bind_text(s, 13, pm->causes.n ? pm->causes.v[0] : "unknown",
			  -1, SQLITE_TRANSIENT);
	for (int i = 0; i < 5; i++)
		sqlite3_bind_text(s, 14 + i, lists[i], -1, SQLITE_TRANSIENT);
	bind_time(s, 19, &pm->started);
	bind_time(s, 21, &pm->detected);
	bind_time(s, 23, &pm->mitigated);
	bind_time(s, 25, &pm->resolved);
	sqlite3_bind_text(s, 27, started_source(pm), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 28, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 29, postmortem_has_errors(pm));
	bind_text_or_null(s, 30, prov->commit);
	bind_text_or_null(s, 31, prov->author);
	if (prov->commit_time)
		sqlite3_bind_int64(s, 32, prov->commit_time);
	bind_text_or_null(s, 33, prov->first_commit);
	if (prov->created_time)
		sqlite3_bind_int64(s, 34, prov->created_time);
	sqlite3_bind_int64(s, 35, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		st = PM_OK;
	} else {
		log_kv(LOG_ERROR, "index.upsert", "path", path, "error",
		       sqlite3_errmsg(dbconn_db(c)), NULL);
	}
	sqlite3_reset(s);
out:
	for (int i = 0; i < 5; i++)
		free(lists[i]);
	buf_release(&kw);
	return st;
}

void index_parsed_init(struct index_parsed *p)
{
	memset(p, 0, sizeof(*p));
	postmortem_init(&p->pm);
}

void index_parsed_release(struct index_parsed *p)
{
	postmortem_release(&p->pm);
	index_parsed_init(p);
}

void index_parse(const struct index_batch *b, const char *path,
		 const char *data, size_t len,
		 const struct pm_provenance *prov, const char *known_hash,
		 struct index_parsed *out)
{
	content_hash(b, data, len, out->hash);
	if (known_hash && !strcmp(known_hash, out->hash))
		return; /* index_put_parsed() will find it unchanged */
	out->parse_rc = postmortem_parse(&out->pm, path, data, len, b->tax,
					 prov ? prov->created_time : 0);
	out->parsed = 1;
}

static enum pm_status put(struct index_batch *b, const char *path,
			  const char *data, size_t len,
			  const struct pm_provenance *prov,
			  struct index_parsed *pre,
			  struct index_outcome *outcome);

enum pm_status index_put(struct index_batch *b, const char *path,
			 const char *data, size_t len,
			 const struct pm_provenance *prov,
			 struct index_outcome *outcome)
{
	return put(b, path, data, len, prov, NULL, outcome);
}

enum pm_status index_put_parsed(struct index_batch *b, const char *path,
				const char *data, size_t len,
				const struct pm_provenance *prov,
				struct index_parsed *pre,
				struct index_outcome *outcome)
{
	return put(b, path, data, len, prov, pre, outcome);
}

/* index_put(), with the hash and perhaps the parse done (pre, taken). */
static enum pm_status put(struct index_batch *b, const char *path,
			  const char *data, size_t len,
			  const struct pm_provenance *prov,
			  struct index_parsed *pre,
			  struct index_outcome *outcome)
{
	static const struct pm_provenance no_prov;
	struct index_outcome ignored;
	struct dbconn *c = b->c;
	struct postmortem pm;
	sqlite3_stmt *s;
	char hash[33];
	int64_t old_id = 0, id = 0;
	char *slug = NULL;
	enum pm_status rc, prc;

	if (!prov)
		prov = &no_prov;
	if (!outcome)
		outcome = &ignored;
	memset(outcome, 0, sizeof(*outcome));
	postmortem_init(&pm);
	if ((rc = exec_text(c, sql_seen_add, path)) != PM_OK)
		goto out;
	if (pre)
		memcpy(hash, pre->hash, sizeof(hash));
	else
		content_hash(b, data, len, hash);
	if (!(s = dbconn_stmt(c, sql_find_path))) {
		rc = PM_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		old_id = sqlite3_column_int64(s, 0);
		snprintf(outcome->old_status, sizeof(outcome->old_status),
			 "%s", (const char *)sqlite3_column_text(s, 3));
		if (!strcmp((const char *)sqlite3_column_text(s, 1), hash)) {
			sqlite3_reset(s);
			b->counts.unchanged++;
			outcome->change = INDEX_UNCHANGED;
			rc = put_ticks(c, old_id, data, len, prov);
			goto out;
		}
	}
	sqlite3_reset(s);

	if (pre && pre->parsed) {
		/* Take the parse: struct postmortem owns only heap data. */
		postmortem_release(&pm);
		pm = pre->pm;
		prc = pre->parse_rc;
		postmortem_init(&pre->pm);
		pre->parsed = 0;
	} else {
		prc = postmortem_parse(&pm, path, data, len, b->tax,
				       prov->created_time);
	}
	if (prc == PM_TOO_LARGE) {
		/* Keep nothing stale: the file's old version goes too. */
		if (old_id && ((rc = ftswrite_remove(&b->fts, old_id)) ||
			       (rc = dbconn_exec_id(c, sql_delete_row, old_id))))
			goto out;
		rc = put_problems(c, path, &pm);
		outcome->change = INDEX_FAILED;
		b->counts.failed++;
		b->counts.errors++;
		goto out;
	}
	for (size_t i = 0; i < pm.n_diags; i++) {
		if (pm.diags[i].level == PM_DIAG_ERROR)
			b->counts.errors++;
		else
			b->counts.warnings++;
	}
	slug = free_slug(c, path, pm.slug);
	if ((old_id && (rc = ftswrite_remove(&b->fts, old_id))) ||
	    (rc = put_row(b, path, slug, hash, &pm, prov, &id)) ||
	    (rc = ftswrite_add(&b->fts, id)) ||
	    (rc = recurqueue_add(c, id)) ||
	    (rc = dbconn_exec_id(c, sql_labels_clear, id)) ||
	    (rc = put_labels(c, id, "cause", &pm.causes)) ||
	    (rc = put_labels(c, id, "service", &pm.services)) ||
	    (rc = put_labels(c, id, "team", &pm.teams)) ||
	    (rc = put_labels(c, id, "author", &pm.authors)) ||
	    (rc = put_labels(c, id, "tag", &pm.tags)) ||
	    (rc = put_actions(c, id, &pm, b->tax)) ||
	    (rc = put_ticks(c, id, data, len, prov)) ||
	    (rc = put_relations(c, id, &pm)) ||
	    (rc = put_problems(c, path, &pm)) ||
	    (rc = exec_text(c, sql_redirect_clear, slug)))
		goto out;
	if (old_id)
		b->counts.updated++;
	else
		b->counts.added++;
	outcome->change = old_id ? INDEX_UPDATED : INDEX_ADDED;
	outcome->id = id;
	snprintf(outcome->slug, sizeof(outcome->slug), "%s", slug);
	snprintf(outcome->status, sizeof(outcome->status), "%s",
		 pm.status ? pm.status : "published");
	b->recur_pending++;
	if (b->listener) {
		int queued = 0;
		struct pm_error err;

		/*
		 * The announcement says whether this one may repeat an
		 * earlier one: decide now, with its words in the index. A
		 * batch with a listener is a push of a few files.
		 */
		if ((rc = ftswrite_flush(&b->fts)) != PM_OK ||
		    (rc = relations_detect(c, id, batch_learning(b), NULL,
					      &err)) !=
			    PM_OK)
			goto out;
		rc = b->listener->put(b->listener->ctx, b->c, path, &pm, prov,
				      data, len, outcome, &queued);
		b->queued += queued;
	}
out:
	free(slug);
	postmortem_release(&pm);
	return rc;
}

enum pm_status index_remove(struct index_batch *b, const char *path,
			    const char *new_path)
{
	struct dbconn *c = b->c;
	sqlite3_stmt *s = dbconn_stmt(c, sql_find_path);
	int64_t id = 0;
	char *old_slug = NULL, *new_slug = NULL;
	enum pm_status rc = PM_OK;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		old_slug = xstrdup((const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_reset(s);
	if ((rc = exec_text(c, sql_problems_clear, path)) != PM_OK || !id)
		goto out;
	if ((rc = ftswrite_remove(&b->fts, id)) ||
	    (rc = dbconn_exec_id(c, sql_delete_row, id)))
		goto out;
	b->counts.removed++;
	if (new_path) {
		new_slug = postmortem_slug(new_path);
		if (strcmp(new_slug, old_slug)) {
			s = dbconn_stmt(c, sql_redirect_add);
			if (!s) {
				rc = PM_DB;
				goto out;
			}
			sqlite3_bind_text(s, 1, old_slug, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, new_slug, -1, SQLITE_STATIC);
			rc = dbconn_step_done(c, s);
		}
	}
out:
	free(old_slug);
	free(new_slug);
	return rc;
}

enum pm_status index_problem(struct index_batch *b, const char *path,
			     int line, const char *message)
{
	struct postmortem pm;
	enum pm_status rc;

	postmortem_init(&pm);
	postmortem_diag(&pm, PM_DIAG_ERROR, line, "%s", message);
	rc = exec_text(b->c, sql_seen_add, path);
	if (rc == PM_OK)
		rc = put_problems(b->c, path, &pm);
	b->counts.errors++;
	postmortem_release(&pm);
	return rc;
}

enum pm_status index_prune(struct index_batch *b)
{
	sqlite3_stmt *s = dbconn_stmt(b->c, sql_unseen);
	struct pm_list gone = { 0 };
	enum pm_status rc = PM_OK;
	int step;

	if (!s)
		return PM_DB;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		pm_list_add(&gone, (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (step != SQLITE_DONE)
		rc = PM_DB;
	for (size_t i = 0; rc == PM_OK && i < gone.n; i++)
		rc = index_remove(b, gone.v[i], NULL);
	pm_list_release(&gone);
	/* Callers may rebuild or read pm_fts after a prune: make it whole. */
	return rc == PM_OK ? ftswrite_flush(&b->fts) : rc;
}

enum pm_status index_commit(struct index_batch *b, struct index_counts *counts)
{
	enum pm_status rc = ftswrite_commit(&b->fts);

	if (rc == PM_OK)
		rc = recur_flush(b);
	if (rc == PM_OK)
		rc = dbconn_commit(b->c);

	if (rc != PM_OK) {
		index_abort(b);
		return rc;
	}
	if (counts)
		*counts = b->counts;
	store_writer_release(b->store);
	/* Only now can the listener's worker see what was queued. */
	if (b->queued)
		b->listener->committed(b->listener->ctx, b->queued);
	learning_free(b->own_learning);
	free(b->salt);
	free(b);
	return PM_OK;
}

void index_abort(struct index_batch *b)
{
	if (!b)
		return;
	dbconn_rollback(b->c);
	store_writer_release(b->store);
	learning_free(b->own_learning);
	free(b->salt);
	free(b);
}
