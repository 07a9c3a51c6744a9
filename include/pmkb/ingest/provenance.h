/*
 * Provenance: one walk of a branch's history that finds, for a set of
 * files, the commit that last changed each and the one that added it,
 * following renames. A full sync and an incremental history must agree.
 */
#ifndef PMKB_INGEST_PROVENANCE_H
#define PMKB_INGEST_PROVENANCE_H

#include <git2.h>
#include <stdatomic.h>

#include "pmkb/base/status.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/tickdates.h"

/* What prov_walk() reads: the repository, the postmortems directory. */
struct prov_repo {
	git_repository *repo;
	const char *dir;        /* normalised (repopath_dir) */
	const char *public_url; /* for messages */
	atomic_int *cancel;     /* non-zero: stop */
};

/* One file to index and what its history says about it. */
struct prov {
	char *path;  /* relative to the postmortems directory */
	char *track; /* its name in the commit being looked at */
	git_oid blob;
	int have_last, have_first;
	git_oid last, first;
	char *author;
	int64_t last_time, created;
	char first_hex[GIT_OID_HEXSZ + 1]; /* from the index, when known */
	struct tickdates *ticks; /* its ticked boxes (prov_read_ticks()) */
};

struct prov_set {
	struct prov *v;
	size_t n, alloc;
	struct prov **by_track; /* sorted by track, for bsearch */
	size_t unresolved;
	size_t ticks_open; /* files with a box whose commit is not known */
};

void prov_release(struct prov_set *s);

void prov_sort(struct prov_set *s);

/* Builds the lookup table; call once all files are added. */
void prov_index(struct prov_set *s);

/*
 * Makes the walk look also for the commits that ticked each file's boxes
 * (tickdates.h), which may take it further back than the commits that
 * added the files. Call once all files are added.
 */
void prov_read_ticks(struct prov_set *s, git_repository *repo);

/* What the walk found of p's ticks, into pv (indexer.h). */
void prov_put_ticks(const struct prov *p, struct pm_provenance *pv);

/* Index in by_track where track is or would go. */
size_t prov_slot(const struct prov_set *s, const char *track);

/*
 * Renames p's tracked name, moving it within by_track (two memmoves:
 * re-sorting everything for each rename in a long history was the
 * walk's largest cost).
 */
void prov_retrack(struct prov_set *s, struct prov *p, const char *track);

/*
 * Notes what commit c did to the tracked files. For a merge, a file that
 * equals its version in another parent came from that parent: the commit
 * that changed it is found on that side.
 */
void prov_note(struct prov_set *s, git_repository *repo, const git_commit *c,
               const struct tchanges *t, git_tree **others, unsigned n_others);

/*
 * Pairs an added file that a tracked file still looking for its creation
 * may have been renamed from: first by identical content (git mv, the
 * common case, free), and only when that fails with libgit2's similarity
 * search over the commit, which reads and compares the blobs.
 */
void prov_find_renames(git_repository *repo, git_tree *a, git_tree *b,
                       struct prov_set *s, struct tchanges *t);

/*
 * One walk of the history from head, newest first, comparing each
 * commit's postmortems directory with its parents' (a commit that left
 * the directory alone costs a few tree lookups), until every file in s
 * knows the commit that last changed it and the one that added it (and,
 * after prov_read_ticks(), the commits that ticked its boxes). Renames
 * are looked for only in commits that add a tracked file and delete
 * another.
 */
enum pm_status prov_walk(const struct prov_repo *g, const git_oid *head,
                         struct prov_set *s, struct pm_error *err);

struct prov *prov_add(struct prov_set *s, const char *path,
                      const git_oid *blob);

struct prov *prov_find(struct prov_set *s, const char *track);

/*
 * Adds every file of tree t that counts (gittree_wanted), skipping hidden
 * and vendored directories and those nested too deep. -1 when the tree
 * cannot be read.
 */
int prov_add_tree(struct prov_set *s, git_tree *t);

#endif
