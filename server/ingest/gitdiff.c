/* Changed paths between two commits (include/pmkb/ingest/gitdiff.h). */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "pmkb/ingest/gitdiff.h"
#include "pmkb/ingest/gittree.h"

static int each_delta(const git_diff_delta *d, float progress, void *ctx)
{
	struct pm_list *out = ctx;

	(void)progress;
	if (d->old_file.path)
		pm_list_add_unique(out, d->old_file.path);
	if (d->new_file.path)
		pm_list_add_unique(out, d->new_file.path);
	return 0;
}

/* The tree of the commit rev names, into *tree (owned). */
static enum pm_status tree_of(const git_object *o, git_tree **tree,
			      struct pm_error *err)
{
	git_object *peeled = NULL;

	if (git_object_peel(&peeled, o, GIT_OBJECT_TREE))
		return gittree_fail(err, PM_INVALID, "git", "not a commit");
	*tree = (git_tree *)peeled;
	return PM_OK;
}

enum pm_status gitdiff_paths(const char *dir, const char *range,
			     struct pm_list *out, struct pm_error *err)
{
	git_repository *repo = NULL;
	git_revspec spec;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_object *head = NULL;
	enum pm_status st;

	memset(&spec, 0, sizeof(spec));
	pm_error_clear(err);
	git_libgit2_init();
	if (git_repository_open_ext(&repo, dir, 0, NULL)) {
		st = gittree_fail(err, PM_NOT_FOUND, dir, "no git repository");
		goto out;
	}
	if (git_revparse(&spec, repo, range)) {
		st = gittree_fail(err, PM_INVALID, range, "not a revision range");
		goto out;
	}
	if (!(spec.flags & GIT_REVSPEC_RANGE)) {
		/* One revision: what it changed up to HEAD. */
		if (git_revparse_single(&head, repo, "HEAD")) {
			st = gittree_fail(err, PM_INVALID, "HEAD", "no HEAD");
			goto out;
		}
		spec.to = head;
		head = NULL;
	}
	if ((st = tree_of(spec.from, &a, err)) ||
	    (st = tree_of(spec.to, &b, err)))
		goto out;
	if (git_diff_tree_to_tree(&diff, repo, a, b, NULL) ||
	    git_diff_find_similar(diff, NULL)) {
		st = gittree_fail(err, PM_IO, range, "diff");
		goto out;
	}
	git_diff_foreach(diff, each_delta, NULL, NULL, NULL, out);
	st = PM_OK;
out:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_object_free(spec.from);
	git_object_free(spec.to);
	git_object_free(head);
	git_repository_free(repo);
	return st;
}
