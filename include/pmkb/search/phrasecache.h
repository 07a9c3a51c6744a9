/*
 * Phrase postings in memory: for one FTS5 phrase as the query writes it
 * ("error", "error"*, "エラー"), every row of pm_fts that holds it,
 * ascending, with the phrase's weighted frequency in that row (bm25's,
 * with db/rankfn.h's RANK_WEIGHTS), so that a search is evaluated
 * and ranked without walking FTS5 (search/memsearch.h).
 *
 * One cache per store, shared by its readers. A phrase's postings are
 * read from FTS5 the first time a search names it and then kept current:
 * each is tagged with a position in the change log
 * (schema/013_fts_changes.sql), and a reader at a later position reads
 * again only the rows the log names since. A reader at an earlier
 * position (an older snapshot) gets postings of its own. Past
 * PHRASECACHE_MAX_BYTES (or 16,384 phrases) the phrases used least
 * recently are dropped.
 */
#ifndef PMKB_SEARCH_PHRASECACHE_H
#define PMKB_SEARCH_PHRASECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct dbconn;
struct pm_error;
struct phrasecache;

/* The memory the postings may take, by default. */
#define PHRASECACHE_MAX_BYTES ((size_t)48 << 20)

struct roaring_bitmap_s; /* CRoaring's roaring_bitmap_t */

struct phrasepost {
	size_t n;
	const uint32_t *ids; /* ascending rowids */
	/* The same rowids as a set, for unions and intersections. */
	const struct roaring_bitmap_s *set;
	/* The phrase's weighted frequency at ids[i], in as few bytes as
	 * its largest needs (1, 2 or 4): phrasepost_wf(). */
	const void *wf;
	unsigned wf_size;
};

static inline uint32_t phrasepost_wf(const struct phrasepost *p, size_t i)
{
	if (p->wf_size == 1)
		return ((const uint8_t *)p->wf)[i];
	if (p->wf_size == 2)
		return ((const uint16_t *)p->wf)[i];
	return ((const uint32_t *)p->wf)[i];
}

/* The cache of c's store; NULL when c is not a store's connection. */
struct phrasecache *phrasecache_of(struct dbconn *c);

/* The change log's position that c's read transaction sees. */
enum pm_status phrasecache_position(struct dbconn *c, int64_t *pos);

/*
 * Sets *out to the postings of phrase at pos (phrasecache_position() of
 * c, whose read transaction this reads in), to be handed back with
 * phrasecache_put(). With exact (quoted words as db/exact.h reads them),
 * phrase is a whole expression and *out the rows it matches that hold
 * the words, with frequencies of 0: a filter, kept current the same way.
 * *out is NULL when the rows cannot be held (a rowid past 32 bits, a
 * frequency that is not a whole number). PM_DB when the index cannot be
 * read.
 */
enum pm_status phrasecache_get(struct phrasecache *pc, struct dbconn *c,
			       int64_t pos, const char *phrase,
			       const char *exact,
			       const struct phrasepost **out,
			       struct pm_error *err);
void phrasecache_put(struct phrasecache *pc, const struct phrasepost *p);

/* Sets the memory the postings may take (bytes; dropping the phrases used
 * least recently at once when they take more). */
void phrasecache_limit(struct phrasecache *pc, size_t bytes);

struct phrasecache_stats {
	uint64_t hits;	  /* postings used as they were */
	uint64_t updates; /* brought to a later position from the log */
	uint64_t reads;	  /* read from FTS5 whole */
	uint64_t dropped; /* dropped for room */
	size_t phrases, bytes; /* held now */
};

void phrasecache_stats(struct phrasecache *pc, struct phrasecache_stats *out);

#endif
