/*
 * gitsync_prereceive(): the pre-receive check, which reads the pushed
 * objects from git's quarantine through the same tree helpers as a sync
 * and lints what the push would change.
 */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/lint.h"

/* Lines of "old new ref" read by the pre-receive check at most. */
#define MAX_REF_LINES 10000

/* Adds to out the paths (in dir) that commit c changed, first parent. */
static void commit_changes(git_repository *repo, git_commit *c,
			   const char *dir, struct pm_list *out)
{
	git_commit *parent = NULL;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_commit_parentcount(c) && git_commit_parent(&parent, c, 0) == 0)
		a = gittree_dir(repo, parent, dir);
	b = gittree_dir(repo, c, dir);
	if (b && git_diff_tree_to_tree(&diff, repo, a, b, &dopts) == 0) {
		for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);

			if (d->status != GIT_DELTA_DELETED)
				pm_list_add_unique(out, d->new_file.path);
		}
	}
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(parent);
}

/*
 * The paths under dir that a push of ref from old_hex to new changes: the
 * tree difference for an update; for a new branch, what its commits that
 * no existing ref reaches changed.
 */
static void pushed_changes(git_repository *repo, const char *old_hex,
			   git_commit *newc, const char *dir,
			   struct pm_list *out)
{
	git_oid old;
	git_commit *oldc = NULL;
	git_revwalk *walk = NULL;

	if (!gittree_oid_is_zero(old_hex) && git_oid_fromstr(&old, old_hex) == 0 &&
	    git_commit_lookup(&oldc, repo, &old) == 0) {
		git_tree *a = gittree_dir(repo, oldc, dir);
		git_tree *b = gittree_dir(repo, newc, dir);
		git_diff *diff = NULL;
		git_diff_options dopts;

		git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
		dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
		if (b && git_diff_tree_to_tree(&diff, repo, a, b, &dopts) ==
				 0) {
			for (size_t i = 0; i < git_diff_num_deltas(diff);
			     i++) {
				const git_diff_delta *d =
					git_diff_get_delta(diff, i);

				if (d->status != GIT_DELTA_DELETED)
					pm_list_add_unique(out,
							   d->new_file.path);
			}
		}
		git_diff_free(diff);
		git_tree_free(a);
		git_tree_free(b);
		git_commit_free(oldc);
		return;
	}
	if (git_revwalk_new(&walk, repo) == 0 &&
	    git_revwalk_push(walk, git_commit_id(newc)) == 0) {
		git_oid id;

		git_revwalk_hide_glob(walk, "refs/*");
		while (git_revwalk_next(&id, walk) == 0) {
			git_commit *c = NULL;

			if (git_commit_lookup(&c, repo, &id) == 0)
				commit_changes(repo, c, dir, out);
			git_commit_free(c);
		}
	}
	git_revwalk_free(walk);
}

/* Whether the settings file differs between old_hex and newc. */
static int settings_changed(git_repository *repo, const char *old_hex,
			    git_commit *newc, const char *dir)
{
	git_blob *a = NULL, *b = NULL;
	git_commit *oldc = NULL;
	char *pa = NULL, *pb = NULL;
	git_oid old;
	int changed;

	gittree_settings_blob(repo, newc, dir, &b, &pb);
	if (!gittree_oid_is_zero(old_hex) && git_oid_fromstr(&old, old_hex) == 0 &&
	    git_commit_lookup(&oldc, repo, &old) == 0)
		gittree_settings_blob(repo, oldc, dir, &a, &pa);
	changed = !a != !b ||
		  (a && b && !git_oid_equal(git_blob_id(a), git_blob_id(b)));
	git_blob_free(a);
	git_blob_free(b);
	free(pa);
	free(pb);
	git_commit_free(oldc);
	return changed;
}

/* Lints the pushed version of one file; returns its number of errors. */
static void lint_blob(git_repository *repo, git_tree *t, const char *dir,
		      const char *rel, const struct taxonomy *tax,
		      int64_t fallback, FILE *out, struct lint_result *res)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	struct postmortem pm;
	struct buf shown = BUF_INIT;
	size_t len;

	repopath_join(&shown, dir, rel);
	postmortem_init(&pm);
	if (git_tree_entry_bypath(&e, t, rel) ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&blob, repo, git_tree_entry_id(e)))
		goto out;
	res->files++;
	len = (size_t)git_blob_rawsize(blob);
	if (len > PM_MAX_FILE_SIZE + 1)
		len = PM_MAX_FILE_SIZE + 1;
	postmortem_parse(&pm, rel, git_blob_rawcontent(blob), len, tax,
			 fallback);
	for (size_t i = 0; i < pm.n_diags; i++) {
		const struct pm_diag *d = &pm.diags[i];
		int is_error = d->level == PM_DIAG_ERROR;

		fprintf(out, "%s:%d: %s: %s\n", shown.ptr, d->line,
			is_error ? "error" : "warning", d->message);
		if (is_error)
			res->errors++;
		else
			res->warnings++;
	}
out:
	postmortem_release(&pm);
	git_blob_free(blob);
	git_tree_entry_free(e);
	buf_release(&shown);
}

/* Checks one pushed ref. Returns 0, or 2 when it cannot be read. */
static int check_ref(git_repository *repo, const char *old_hex,
		     const char *new_hex, const char *dir, FILE *out,
		     struct lint_result *res)
{
	git_commit *newc = NULL;
	git_tree *t = NULL;
	struct taxonomy *tax = NULL;
	struct pm_list changed = { 0 };
	struct pm_error err;
	char *salt = NULL;
	git_oid id;
	int rc = 0;

	if (git_oid_fromstr(&id, new_hex) ||
	    git_commit_lookup(&newc, repo, &id)) {
		fprintf(out, "pmkb: cannot read pushed commit %s\n", new_hex);
		rc = 2;
		goto out;
	}
	pm_error_clear(&err);
	if (gittree_read_settings(repo, newc, dir, &tax, &salt, &err) != PM_OK &&
	    settings_changed(repo, old_hex, newc, dir)) {
		fprintf(out, "%s:%d: error: %s\n", err.source, err.line,
			err.message);
		res->errors++;
	}
	if (!(t = gittree_dir(repo, newc, dir)))
		goto out;
	pushed_changes(repo, old_hex, newc, dir, &changed);
	for (size_t i = 0; i < changed.n; i++) {
		const git_signature *who = git_commit_author(newc);

		if (gittree_wanted(changed.v[i]))
			lint_blob(repo, t, dir, changed.v[i], tax,
				  who ? (int64_t)who->when.time : 0, out,
				  res);
	}
out:
	pm_list_release(&changed);
	taxonomy_free(tax);
	free(salt);
	git_tree_free(t);
	git_commit_free(newc);
	return rc;
}

int gitsync_prereceive(FILE *in, FILE *out, const char *dir,
		       struct lint_result *res)
{
	git_repository *repo = NULL;
	char *line = NULL, *ndir = repopath_dir(dir);
	size_t cap = 0;
	int rc = 0, n_lines = 0;

	memset(res, 0, sizeof(*res));
	git_libgit2_init();
	if (git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV,
				    NULL)) {
		const git_error *e = git_error_last();

		fprintf(out, "pmkb: cannot open the repository (run this as "
			     "a pre-receive hook): %s\n",
			e && e->message ? e->message : "unknown error");
		rc = 2;
		goto out;
	}
	while (getline(&line, &cap, in) > 0 && n_lines++ < MAX_REF_LINES) {
		char old_hex[72], new_hex[72], ref[1024];

		if (sscanf(line, "%71s %71s %1023s", old_hex, new_hex, ref) !=
		    3) {
			fprintf(out, "pmkb: expected 'old new ref' lines on "
				     "stdin, got: %.80s\n", line);
			rc = 2;
			continue;
		}
		if (gittree_oid_is_zero(new_hex) || strncmp(ref, "refs/heads/", 11))
			continue;
		if (check_ref(repo, old_hex, new_hex, ndir, out, res))
			rc = 2;
	}
	if (!rc && res->errors)
		rc = 1;
out:
	free(line);
	free(ndir);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
