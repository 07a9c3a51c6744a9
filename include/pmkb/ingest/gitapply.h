/*
 * Applying a read of a git commit to the index (gitsync.c fetches and
 * decides which read; this puts the files). Both reads run inside the
 * caller's batch and write nothing else: the caller records the commit
 * and commits the batch.
 */
#ifndef PMKB_INGEST_GITAPPLY_H
#define PMKB_INGEST_GITAPPLY_H

#include <git2.h>

#include "pmkb/base/status.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/ingest/provenance.h"

struct gitapply {
	struct prov_repo repo;	/* the repository and postmortems directory */
	const char *branch;	/* for log lines */
	struct index_batch *b;	/* where the files go */
	struct pm_error *err;
	int files;		/* out: the files read from the tree */
};

/* Every file of head_dir (NULL: the branch has no such directory) at
 * commit head, then the index pruned to match. */
enum pm_status gitapply_full(struct gitapply *x, const git_oid *head,
			     git_tree *head_dir);

/* The files changed between last_dir (indexed) and head_dir, which must
 * descend from it: removals and renames first, then the rest. */
enum pm_status gitapply_incremental(struct gitapply *x, const git_oid *head,
				    git_tree *last_dir, git_tree *head_dir);

#endif
