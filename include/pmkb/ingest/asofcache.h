/*
 * Indexes of the followed branch as it stood at a past commit, for reports
 * pinned to a revision (as_of in the stats API, --as-of in pmkb stats):
 * each is a full read of that commit, with the settings of that commit,
 * into a database of its own under a directory of the cache, built on
 * first use. At most `keep` are kept; the least recently used one goes
 * first. Thread-safe: one build at a time, and a view in use is never
 * dropped.
 */
#ifndef PMKB_INGEST_ASOFCACHE_H
#define PMKB_INGEST_ASOFCACHE_H

#include "pmkb/base/status.h"

struct store;
struct taxonomy;
struct asof_cache;
struct asof_entry;

/* Who the cache answers: a server keeps 4 indexes in data-dir/asof and
 * clears that directory when it starts; one command keeps 1 in a
 * directory of its own (data-dir/asof-PID), removed when it ends, so that
 * it never touches a running server's. */
enum asof_user { ASOF_SERVER, ASOF_ONE_COMMAND };

struct asof_view {
	struct store *store;	     /* the index at that commit (borrowed) */
	const struct taxonomy *tax;  /* the settings at that commit */
	char commit[41];	     /* the commit, in full */
	struct asof_entry *e;	     /* for asof_cache_release() */
};

/*
 * A cache answering for main, an index followed from git (its meta says
 * which repository, branch and directory, and which commit it is at),
 * whose clone is in data_dir. Owned.
 */
struct asof_cache *asof_cache_new(struct store *main, const char *data_dir,
				  enum asof_user who);
void asof_cache_free(struct asof_cache *a); /* a may be NULL */

/*
 * The index as of rev (a commit or a day: gitsync_resolve()) into v,
 * built when not cached. PM_INVALID when main is not followed from git
 * or rev is not a revision of its branch, PM_NOT_FOUND when none matches.
 * Release v with asof_cache_release().
 */
enum pm_status asof_cache_get(struct asof_cache *a, const char *rev,
			      struct asof_view *v, struct pm_error *err);
void asof_cache_release(struct asof_cache *a, struct asof_view *v);

#endif
