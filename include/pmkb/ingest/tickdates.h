/*
 * When each ticked box of a postmortem was ticked, read from the file's
 * versions in git: the commit that ticked a box is the first one whose
 * version has it ticked after a version that had it open. A box already
 * ticked when the file was added has no such commit: that only says the
 * item was done by the time it was written down. A box is known by its
 * text (tasklines.h); a ticked item whose text was edited later keeps
 * its box (see compare() in tickdates.c). provenance.c drives this
 * during its walk, which sees a file's versions newest first.
 */
#ifndef PMKB_INGEST_TICKDATES_H
#define PMKB_INGEST_TICKDATES_H

#include <git2.h>

#include "pmkb/doc/tasklines.h"
#include "pmkb/ingest/indexer.h"

struct tickdates {
	struct taskline *box; /* the ticked boxes of the newest version */
	unsigned char *open;  /* per box: its commit not found yet */
	uint64_t *track;      /* per box: its key in the version looked at */
	size_t n, n_open;
	struct pm_tick *dated; /* the boxes whose commit was found */
	size_t n_dated, dated_alloc;
	int seen;        /* the newest version's commit was seen */
	git_oid cur;     /* the oldest commit seen that changed the file */
	int64_t cur_time;
};

/* The ticked boxes of blob, the newest version of a file; NULL when it
 * has none or cannot be read. */
struct tickdates *tickdates_new(git_repository *repo, const git_oid *blob);

/*
 * Commit c made the file's version blob (versions come newest first);
 * created: c added the file. A box ticked in the version after this one
 * and not in this one was ticked by the commit after c. Nothing is
 * looked up once n_open is 0.
 */
void tickdates_version(struct tickdates *d, git_repository *repo,
                       const git_commit *c, const git_oid *blob,
                       int created);

void tickdates_free(struct tickdates *d); /* d may be NULL */

#endif
