/* Git history for directory imports. */
#ifndef PMKB_INGEST_WORKTREE_H
#define PMKB_INGEST_WORKTREE_H

#include "pmkb/base/status.h"
#include "pmkb/ingest/indexer.h"

/*
 * The history of the postmortems in a git work tree, for directory
 * imports: when dir is inside a work tree with commits, *out (owned:
 * worktree_history_free()) knows, for each file of dir at HEAD, the commit
 * that last changed it and the one that added it (renames followed), from
 * one walk of the history. PM_NOT_FOUND (and *out NULL) when dir is not in
 * a work tree or it has no commit; PM_IO when the history cannot be read.
 */
struct worktree_history;
enum pm_status worktree_history_load(struct worktree_history **out,
				    const char *dir, struct pm_error *err);
/*
 * The provenance of relpath (relative to dir; all zero when git does not
 * know it), with strings that live as long as ctx, a struct
 * worktree_history: the shape of struct import_history's get.
 */
void worktree_history_get(void *ctx, const char *relpath,
			 struct pm_provenance *prov);
void worktree_history_free(struct worktree_history *h); /* h may be NULL */

#endif
