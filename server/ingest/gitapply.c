/*
 * Applying a read of a git commit to the index, in the caller's batch:
 * every file of a tree (a full read, the index then pruned to match) or
 * the files changed since a commit already indexed. Each file put carries
 * its provenance (provenance.h); a modified or renamed file keeps the
 * origin the index already knows.
 */
#include <git2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/log.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/ingest/gitapply.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/importer.h"

static const char sql_row_origin[] =
	"SELECT first_commit_id, created_time FROM postmortems "
	"WHERE path = ?1";
/*
 * Provenance of a file whose bytes did not change (the indexer skips it)
 * but whose history did, after a force-push: the old commits may be gone,
 * so the source link must move to the new ones. A date that came from git
 * moves with them.
 */
static const char sql_touch_provenance[] =
	"UPDATE postmortems SET commit_id = ?2, commit_author = ?3, "
	"commit_time = ?4, first_commit_id = coalesce(?5, first_commit_id), "
	"created_time = coalesce(?6, created_time), "
	"started_at = CASE WHEN started_source = 'git' AND ?6 IS NOT NULL "
	"THEN ?7 ELSE started_at END, "
	"started_epoch = CASE WHEN started_source = 'git' AND ?6 IS NOT NULL "
	"THEN ?6 ELSE started_epoch END "
	"WHERE path = ?1 AND (commit_id IS NOT ?2 OR "
	"(?5 IS NOT NULL AND first_commit_id IS NOT ?5) OR "
	"(?6 IS NOT NULL AND created_time IS NOT ?6))";


/* Reads what the index knows of path's origin into p (for a modified or
 * renamed file, whose creation is older than the commits being read). */
static enum pm_status carry_origin(struct gitapply *x, const char *path,
				   struct prov *p)
{
	sqlite3_stmt *s = dbconn_stmt(index_conn(x->b), sql_row_origin);
	const char *first;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    (first = (const char *)sqlite3_column_text(s, 0)) &&
	    strlen(first) == GIT_OID_HEXSZ &&
	    sqlite3_column_type(s, 1) != SQLITE_NULL) {
		p->have_first = 1;
		snprintf(p->first_hex, sizeof(p->first_hex), "%s", first);
		p->created = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return PM_OK;
}

static enum pm_status touch_provenance(struct gitapply *x, const char *path,
				       const struct pm_provenance *pv)
{
	struct dbconn *c = index_conn(x->b);
	sqlite3_stmt *s = dbconn_stmt(c, sql_touch_provenance);
	struct pm_time t;
	int rc;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, pv->commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, pv->author, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, pv->commit_time);
	if (pv->first_commit)
		sqlite3_bind_text(s, 5, pv->first_commit, -1,
				  SQLITE_TRANSIENT);
	if (pv->created_time) {
		pm_time_from_epoch(&t, pv->created_time);
		sqlite3_bind_int64(s, 6, pv->created_time);
		sqlite3_bind_text(s, 7, t.text, -1, SQLITE_TRANSIENT);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return PM_OK;
	log_kv(LOG_ERROR, "sync.sql", "error", sqlite3_errmsg(dbconn_db(c)),
	       NULL);
	return PM_DB;
}

/* Puts one file (its blob at the head) with its provenance. */
static enum pm_status put_file(struct gitapply *x, const struct prov *p)
{
	git_blob *blob = NULL;
	struct pm_provenance pv = { 0 };
	struct index_outcome outcome;
	char last[GIT_OID_HEXSZ + 1], first[GIT_OID_HEXSZ + 1];
	enum pm_status rc;
	size_t len;

	if (git_blob_lookup(&blob, x->repo.repo, &p->blob))
		return index_problem(x->b, p->path, 0,
				     "cannot read the file from git");
	if (p->have_last) {
		git_oid_tostr(last, sizeof(last), &p->last);
		pv.commit = last;
		pv.author = p->author;
		pv.commit_time = p->last_time;
	}
	if (p->have_first) {
		if (p->first_hex[0])
			snprintf(first, sizeof(first), "%s", p->first_hex);
		else
			git_oid_tostr(first, sizeof(first), &p->first);
		pv.first_commit = first;
		pv.created_time = p->created;
		pv.created_from = "git";
	}
	prov_put_ticks(p, &pv);
	/* A file past the cap is recorded as too large by the indexer. */
	len = (size_t)git_blob_rawsize(blob);
	if (len > PM_MAX_FILE_SIZE + 1)
		len = PM_MAX_FILE_SIZE + 1;
	if (!importer_is_markdown(p->path, git_blob_rawcontent(blob), len)) {
		git_blob_free(blob);
		return PM_OK; /* a Jenkinsfile; a full sync prunes it */
	}
	rc = index_put(x->b, p->path, git_blob_rawcontent(blob), len, &pv,
		       &outcome);
	if (rc == PM_OK && outcome.change == INDEX_UNCHANGED && pv.commit)
		rc = touch_provenance(x, p->path, &pv);
	git_blob_free(blob);
	return rc;
}

static enum pm_status put_all(struct gitapply *x, const git_oid *head,
			      struct prov_set *s)
{
	enum pm_status rc;

	prov_index(s);
	prov_read_ticks(s, x->repo.repo);
	if ((rc = prov_walk(&x->repo, head, s, x->err)) != PM_OK)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		if (atomic_load(x->repo.cancel))
			return pm_error_set(x->err, PM_UNAVAILABLE,
					    x->repo.public_url, 0, "cancelled");
		if ((rc = put_file(x, &s->v[i])) != PM_OK)
			return rc;
	}
	x->files = (int)s->n;
	return PM_OK;
}

/* Every file of the head's tree, then the index pruned to match. */
enum pm_status gitapply_full(struct gitapply *x, const git_oid *head,
				git_tree *head_dir)
{
	struct prov_set s = { 0 };
	enum pm_status rc = PM_OK;

	if (head_dir && prov_add_tree(&s, head_dir)) {
		rc = gittree_fail(x->err, PM_IO, x->repo.public_url,
			      "cannot list the tree");
		goto out;
	}
	if (!head_dir)
		log_kv(LOG_WARN, "sync.no_dir", "dir",
		       *x->repo.dir ? x->repo.dir : ".", "branch", x->branch,
		       "msg", "the branch has no such directory (see --dir)",
		       NULL);
	if ((rc = put_all(x, head, &s)) != PM_OK)
		goto out;
	rc = index_prune(x->b);
out:
	prov_release(&s);
	return rc;
}

/* The files changed between the last indexed commit and the head. */
enum pm_status gitapply_incremental(struct gitapply *x,
				       const git_oid *head,
				       git_tree *last_dir, git_tree *head_dir)
{
	git_diff *diff = NULL;
	git_diff_options dopts;
	git_diff_find_options fopts;
	struct prov_set s = { 0 };
	enum pm_status rc = PM_OK;
	size_t n;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&diff, x->repo.repo, last_dir, head_dir,
				  &dopts) ||
	    git_diff_find_similar(diff, &fopts)) {
		rc = gittree_fail(x->err, PM_IO, x->repo.public_url,
			      "cannot compare the commits");
		goto out;
	}
	/*
	 * Removals and renames first, so that a slug a removed file frees is
	 * free when the files that follow are put.
	 */
	n = git_diff_num_deltas(diff);
	for (size_t i = 0; i < n && rc == PM_OK; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *op = d->old_file.path, *np = d->new_file.path;
		int ow = gittree_wanted(op) && d->old_file.mode != GIT_FILEMODE_LINK;
		int nw = gittree_wanted(np) && d->new_file.mode != GIT_FILEMODE_LINK &&
			 d->new_file.mode != GIT_FILEMODE_COMMIT;
		struct prov *p;

		switch (d->status) {
		case GIT_DELTA_DELETED:
			if (ow)
				rc = index_remove(x->b, op, NULL);
			break;
		case GIT_DELTA_RENAMED:
			if (!nw) {
				if (ow)
					rc = index_remove(x->b, op, NULL);
				break;
			}
			p = prov_add(&s, np, &d->new_file.id);
			if (ow && (rc = carry_origin(x, op, p)) == PM_OK)
				rc = index_remove(x->b, op, np);
			break;
		case GIT_DELTA_ADDED:
		case GIT_DELTA_COPIED:
			if (nw)
				prov_add(&s, np, &d->new_file.id);
			break;
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
			if (nw) {
				p = prov_add(&s, np, &d->new_file.id);
				rc = carry_origin(x, np, p);
			} else if (ow) {
				rc = index_remove(x->b, op, NULL);
			}
			break;
		default:
			break;
		}
	}
	if (rc == PM_OK)
		rc = put_all(x, head, &s);
out:
	prov_release(&s);
	git_diff_free(diff);
	return rc;
}
