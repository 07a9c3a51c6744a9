/*
 * Postings: the ids of the postmortems a full-text MATCH expression finds,
 * ascending and read up to a cap, as similar postmortems and recurrence
 * detection count words.
 *
 * A memo remembers the answers for as long as the full-text rows do not
 * change: deciding the recurrences of a batch of new postmortems looks up
 * the same common words (deploy, データベース) for each of them, and each
 * lookup is an FTS5 query.
 */
#ifndef PMKB_SEARCH_POSTINGS_H
#define PMKB_SEARCH_POSTINGS_H

#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct pm_error;

struct postings_memo;

/* An empty memo. Owned: postings_memo_free(). */
struct postings_memo *postings_memo_new(void);
void postings_memo_free(struct postings_memo *m);

/*
 * Sets *ids (owned: free()) to the first cap (>= 1) ids that match finds
 * in c's full-text index, ascending, and *n to how many. With m (may be
 * NULL), an answer it holds for the same match and cap is copied instead
 * of read, and one read is kept: the caller drops m before the full-text
 * rows change. PM_DB when the index cannot be read (match is the caller's
 * own expression: a syntax error is a bug, reported as PM_DB too).
 */
enum pm_status postings_read(struct dbconn *c, struct postings_memo *m,
			     const char *match, int cap, int64_t **ids,
			     int *n, struct pm_error *err);

#endif
