/*
 * Reading git trees with libgit2 for the git follower (gitsync.c), its
 * provenance walk and the pre-receive check: the postmortems directory of
 * a commit, its settings, which paths count, and the files two trees
 * differ in.
 */
#ifndef PMKB_INGEST_GITTREE_H
#define PMKB_INGEST_GITTREE_H

#include <git2.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/status.h"

struct taxonomy;

/* Directories are not followed deeper than this (as in importer.c). */
#define GITTREE_MAX_DEPTH 16

/* One file a commit changed, from gittree_changes() or a libgit2 diff. */
struct tchange {
	git_delta_t status; /* ADDED, MODIFIED, DELETED or RENAMED */
	char *path;         /* the new path (DELETED: the old one) */
	char *old_path;     /* RENAMED: the old path; else NULL */
	git_oid id;         /* the new blob (DELETED: the old one) */
};

struct tchanges {
	struct tchange *v;
	size_t n, alloc;
	size_t adds, dels;
};

/* Fills err with what libgit2 said about the last failure. */
enum pm_status gittree_fail(struct pm_error *err, enum pm_status st,
                            const char *source, const char *what);

/* Whether a path (relative to the postmortems directory) is indexed. */
int gittree_wanted(const char *rel);

int gittree_oid_is_zero(const char *hex);

/*
 * The postmortems directory of commit c: sets *id and returns 1, or
 * returns 0 when the commit has no such directory (or -1 on error).
 */
int gittree_dir_id(const git_commit *c, const char *dir, git_oid *id);

/*
 * The settings file of commit c: dir/.pmkb.yml, else .pmkb.yml at the
 * root. Sets *blob (owned) and *path (owned), or both NULL.
 */
void gittree_settings_blob(git_repository *repo, const git_commit *c,
                           const char *dir, git_blob **blob, char **path);

/*
 * The settings of c: *tax (owned, the defaults when there is no file or it
 * is broken) and *salt (owned: changes when the settings do). A broken
 * file gives PM_INVALID and the reason in err.
 */
enum pm_status gittree_read_settings(git_repository *repo, const git_commit *c,
                                     const char *dir, struct taxonomy **tax,
                                     char **salt, struct pm_error *err);

/* Whether path has the blob id in tree t (NULL: absent). */
int gittree_has_blob(git_tree *t, const char *path, const git_oid *id);

void tchanges_add(struct tchanges *t, git_delta_t st, const char *path,
                  const char *old_path, const git_oid *id);

void tchanges_clear(struct tchanges *t);

void tchanges_release(struct tchanges *t);

/*
 * The blobs that differ between trees a and b (either may be NULL), as
 * ADDED, MODIFIED or DELETED with paths under prefix: one merge of the
 * two sorted entry lists per directory, and a subtree whose id is the
 * same on both sides is skipped without being read, so a commit costs in
 * proportion to the directories it touched. (libgit2's tree diff reads
 * both trees whole: at 10,000 files and 2,000 commits it made the walk 5
 * times slower.) Renames are left to the caller.
 */
void gittree_changes(git_repository *repo, git_tree *a, git_tree *b,
                     struct buf *prefix, int depth, struct tchanges *out);

/* The same changes from libgit2, with renames found (slower). */
void gittree_diff_changes(git_repository *repo, git_tree *a, git_tree *b,
                          struct tchanges *out);

/* The postmortems directory of c as a tree (owned), or NULL if absent. */
git_tree *gittree_dir(git_repository *repo, const git_commit *c,
                      const char *dir);

#endif
