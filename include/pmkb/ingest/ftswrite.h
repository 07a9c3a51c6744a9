/*
 * The full-text rows of an index batch, on the writer connection inside
 * the batch's transaction. pm_fts is an external-content table over
 * postmortems: a row's entry is removed with the row's values before they
 * change, and written from them after. Rows put wait in a temporary table
 * and are written together; every write and removal is also logged in
 * fts_changes (schema/013_fts_changes.sql), which keeps the phrase
 * postings in memory current (search/phrasecache.h).
 */
#ifndef PMKB_INGEST_FTSWRITE_H
#define PMKB_INGEST_FTSWRITE_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;

struct ftswrite {
	struct dbconn *c; /* borrowed: the batch's writer */
	int pending;	  /* ids waiting in temp.fts_pending */
};

/* Starts w on c, inside its transaction, with no row waiting. */
enum pm_status ftswrite_begin(struct ftswrite *w, struct dbconn *c);

/* Postmortem id's row, as it now is, is to be written. */
enum pm_status ftswrite_add(struct ftswrite *w, int64_t id);

/* Removes id's entry; call before its row changes or goes. */
enum pm_status ftswrite_remove(struct ftswrite *w, int64_t id);

/* Writes the rows waiting: pm_fts is then whole for reading. */
enum pm_status ftswrite_flush(struct ftswrite *w);

/* Flushes, then keeps the newest 100,000 entries of the change log (the
 * batch commits next). */
enum pm_status ftswrite_commit(struct ftswrite *w);

#endif
