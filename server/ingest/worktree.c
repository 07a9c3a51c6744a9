/*
 * The history of the postmortems in a git work tree, for directory imports
 * (pmkb import, serve --dir): see include/pmkb/ingest/worktree.h.
 */
#include <git2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/provenance.h"
#include "pmkb/ingest/worktree.h"

struct worktree_history {
	struct prov_set set;
	struct prov **by_path; /* sorted by path, for lookups */
	char (*last_hex)[GIT_OID_HEXSZ + 1];
	char (*first_hex)[GIT_OID_HEXSZ + 1];
};

/* dir relative to the work tree's root (owned), or NULL when outside. */
static char *dir_in_worktree(git_repository *repo, const char *dir)
{
	const char *wd = git_repository_workdir(repo);
	char *real_wd = wd ? realpath(wd, NULL) : NULL;
	char *real_dir = realpath(dir, NULL);
	char *rel = NULL;
	size_t n;

	if (!real_wd || !real_dir)
		goto out;
	n = strlen(real_wd);
	if (!strncmp(real_dir, real_wd, n) &&
	    (real_dir[n] == '/' || !real_dir[n]))
		rel = repopath_dir(real_dir + n);
out:
	free(real_wd);
	free(real_dir);
	return rel;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp((*(struct prov *const *)a)->path,
		      (*(struct prov *const *)b)->path);
}

enum pm_status worktree_history_load(struct worktree_history **out,
				    const char *dir, struct pm_error *err)
{
	struct worktree_history *h = NULL;
	struct prov_repo g;
	atomic_int cancel = 0;
	git_commit *head_commit = NULL;
	git_tree *tree = NULL;
	git_oid head;
	enum pm_status rc = PM_NOT_FOUND;
	char *ndir = NULL;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	git_libgit2_init();
	if (git_repository_open_ext(&g.repo, dir, 0, NULL) ||
	    git_repository_is_bare(g.repo) ||
	    !(ndir = dir_in_worktree(g.repo, dir)) ||
	    git_reference_name_to_id(&head, g.repo, "HEAD") ||
	    git_commit_lookup(&head_commit, g.repo, &head) ||
	    !(tree = gittree_dir(g.repo, head_commit, ndir)))
		goto out;
	g.dir = ndir;
	g.public_url = dir;
	g.cancel = &cancel;
	h = xcalloc(1, sizeof(*h));
	if (prov_add_tree(&h->set, tree)) {
		rc = gittree_fail(err, PM_IO, dir, "cannot list the tree");
		goto out;
	}
	prov_index(&h->set);
	prov_read_ticks(&h->set, g.repo);
	if ((rc = prov_walk(&g, &head, &h->set, err)) != PM_OK)
		goto out;
	h->by_path = xcalloc(h->set.n + 1, sizeof(*h->by_path));
	h->last_hex = xcalloc(h->set.n + 1, sizeof(*h->last_hex));
	h->first_hex = xcalloc(h->set.n + 1, sizeof(*h->first_hex));
	for (size_t i = 0; i < h->set.n; i++) {
		h->by_path[i] = &h->set.v[i];
		git_oid_tostr(h->last_hex[i], sizeof(h->last_hex[i]),
			      &h->set.v[i].last);
		git_oid_tostr(h->first_hex[i], sizeof(h->first_hex[i]),
			      &h->set.v[i].first);
	}
	qsort(h->by_path, h->set.n, sizeof(*h->by_path), cmp_path);
	*out = h;
	h = NULL;
	rc = PM_OK;
out:
	worktree_history_free(h);
	git_tree_free(tree);
	git_commit_free(head_commit);
	git_repository_free(g.repo);
	free(ndir);
	return rc;
}

void worktree_history_get(void *ctx, const char *relpath,
			 struct pm_provenance *prov)
{
	const struct worktree_history *h = ctx;
	struct prov key = { .path = (char *)relpath }, *kp = &key, **hit;
	size_t i;

	memset(prov, 0, sizeof(*prov));
	if (!h || !(hit = bsearch(&kp, h->by_path, h->set.n,
				  sizeof(*h->by_path), cmp_path)))
		return;
	i = (size_t)(*hit - h->set.v);
	if ((*hit)->have_last) {
		prov->commit = h->last_hex[i];
		prov->author = (*hit)->author;
		prov->commit_time = (*hit)->last_time;
	}
	if ((*hit)->have_first) {
		prov->first_commit = h->first_hex[i];
		prov->created_time = (*hit)->created;
		prov->created_from = "git";
	}
	prov_put_ticks(*hit, prov);
}

void worktree_history_free(struct worktree_history *h)
{
	if (!h)
		return;
	prov_release(&h->set);
	free(h->by_path);
	free(h->last_hex);
	free(h->first_hex);
	free(h);
}
