/*
 * A cache of search and listing responses, valid until the index changes.
 *
 * Totals and facets of a query that matches most of 100,000 documents
 * cost tens of milliseconds to count, and people repeat queries (the UI
 * searches as they type, reloads, pages back). Between two commits the
 * answer to the same request is the same bytes, so the cache keeps the
 * JSON body of recent requests and serves it until any connection, in this
 * process or another, commits to the database (PRAGMA data_version on a
 * connection of its own sees every commit).
 *
 * Fixed size: a direct-mapped table of slots (a new entry replaces the one
 * in its slot), and bodies above a size limit are not kept. Thread-safe.
 */
#ifndef PMKB_SEARCH_SEARCHCACHE_H
#define PMKB_SEARCH_SEARCHCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/status.h"

struct search_cache;

/* Bodies larger than this are answered but not kept. */
#define SEARCH_CACHE_MAX_BODY (128u << 10)

/*
 * Opens a cache of `slots` entries for the database at db_path. Sets *out
 * to NULL (no cache, every call below a no-op) when slots is 0. Returns
 * owned (search_cache_free()).
 */
enum pm_status search_cache_open(struct search_cache **out,
				 const char *db_path, size_t slots,
				 struct pm_error *err);
void search_cache_free(struct search_cache *c);

/*
 * Looks key up. Returns the body (owned: free()) and its length in *len,
 * or NULL. Either way *gen gets the generation that a body computed now
 * must be stored under (search_cache_put). c may be NULL.
 */
char *search_cache_get(struct search_cache *c, const char *key, size_t *len,
		       uint64_t *gen);

/*
 * Keeps a copy of body for key, unless the index changed since the
 * search_cache_get() that returned gen. c may be NULL.
 */
void search_cache_put(struct search_cache *c, const char *key, uint64_t gen,
		      const char *body, size_t len);

#endif
