/*
 * FTS5's own records, read directly: its varints (the docsize table) and
 * the averages record that bm25() divides by.
 */
#ifndef PMKB_DB_FTSRECORD_H
#define PMKB_DB_FTSRECORD_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;

/* An SQLite varint (what FTS5 writes) from *p, which moves past it, up to
 * end; -1 when the record ends first. */
int64_t ftsrecord_varint(const unsigned char **p, const unsigned char *end);

/*
 * The rows of pm_fts and its tokens in all columns, in c's read
 * transaction: what bm25() reads through xRowCount() and
 * xColumnTotalSize(-1). An empty index has 0 of each. PM_DB when the
 * record cannot be read.
 */
enum pm_status ftsrecord_totals(struct dbconn *c, int64_t *n_row,
				int64_t *n_token);

#endif
