/*
 * Following a git repository (libgit2).
 *
 * pmkb keeps its own bare clone of the repository under its data
 * directory. A sync fetches one branch, compares its head with the last
 * indexed commit (kept in the meta table) and applies the difference to the
 * index in ONE transaction that also records the new last indexed commit:
 *
 *   same commit, same settings          nothing to do
 *   head descends from the last commit  the changed files only: added,
 *                                       modified, deleted, renamed (the
 *                                       old slug then redirects)
 *   anything else (first sync, force-   every file of the tree, and the
 *   push, missing commit, new settings, index pruned to match it
 *   other --repo/--branch/--dir)
 *
 * Each file put in the index carries its provenance: the commit that last
 * changed it, that commit's author and time, and the commit that added it
 * (its creation date stands in for started_at when the front matter has
 * none). Renames are followed back through history. Provenance for a
 * whole tree comes from one walk of the history with tree diffs, not from
 * a walk per file.
 *
 * A struct gitsync is used by one thread at a time (the syncer's).
 */
#ifndef PMKB_INGEST_GITSYNC_H
#define PMKB_INGEST_GITSYNC_H

#include <stdio.h>

#include "pmkb/ingest/indexer.h"
#include "pmkb/ingest/lint.h"
#include "pmkb/base/status.h"

struct pm_config;
struct store;
struct taxonomy;
struct gitsync;
struct index_listener;

/* Meta keys (the meta table), for tests and tools. */
#define GITSYNC_META_COMMIT "git.last_indexed"
#define GITSYNC_META_SOURCE "git.source"
#define GITSYNC_META_SALT "git.salt"
/* The settings file the index was built with: "path@blob", or "". */
#define GITSYNC_META_SETTINGS "git.settings"

struct gitsync_options {
	const char *url;      /* a path, file://, https:// or ssh:// URL */
	const char *branch;   /* the branch to follow, such as "main" */
	const char *dir;      /* the postmortems directory in the tree; */
			      /* "", "." or "/" for the root */
	const char *data_dir; /* where the bare clone is kept (created) */
	/*
	 * Only read an existing clone (reports as of a past commit): create
	 * nothing and leave every lock alone, since the syncer of this or
	 * another process may hold one. Such a handle is never run.
	 */
	int read_only;
};

/* Where the bare clone lives in data_dir. Owned. */
char *gitsync_clone_path(const char *data_dir);

/*
 * Opens (creating it when missing) the bare clone for o (borrowed; the
 * strings are copied) at data_dir/repo.git. Credentials come from the
 * environment only: PMKB_GIT_TOKEN (and PMKB_GIT_USER, default
 * "x-access-token") for https, PMKB_GIT_SSH_KEY (a private key file, with
 * PMKB_GIT_SSH_PASSPHRASE when it has one) for ssh. Returns owned
 * (gitsync_free()).
 */
enum pm_status gitsync_open(struct gitsync **out,
			    const struct gitsync_options *o,
			    struct pm_error *err);
void gitsync_free(struct gitsync *g); /* g may be NULL */

/*
 * Asks a running gitsync_run() (on another thread) to give up at the next
 * chance: the fetch is cancelled and nothing is written. Every later run
 * fails at once (this is for shutting down). Thread-safe.
 */
void gitsync_cancel(struct gitsync *g);

/*
 * Tells l about what incremental syncs write (borrowed for as long as g
 * lives; NULL: nobody). A first sync or any other full read tells nobody:
 * it would announce the whole history.
 */
void gitsync_set_listener(struct gitsync *g,
			  const struct index_listener *l);

/* The branch followed, and the URL without any user:password@ part. */
const char *gitsync_branch(const struct gitsync *g);
const char *gitsync_public_url(const struct gitsync *g);

enum gitsync_mode { GITSYNC_NOOP, GITSYNC_INCREMENTAL, GITSYNC_FULL };

struct gitsync_result {
	enum gitsync_mode mode;
	const char *why;	    /* static: why a full read, or "" */
	char commit[41];	    /* the head now indexed (hex) */
	char previous[41];	    /* the commit indexed before, or "" */
	int files;		    /* files read from the tree */
	struct index_counts counts;
	double fetch_seconds;	    /* fetching */
	double index_seconds;	    /* diffing, provenance and indexing */
};

/*
 * Fetches the branch and brings the index of st in line with its head, as
 * described above. force: read the whole tree even when nothing changed.
 * On success *tax (owned; taxonomy_free()) is set to the settings of the
 * head (.pmkb.yml in the postmortems directory, else at the root of the
 * tree; the defaults without one). A broken .pmkb.yml is recorded as a
 * problem (with its line) and the settings of the last indexed commit stay
 * in force (the defaults on a first sync). On failure nothing was written,
 * *tax is NULL and err says why (PM_IO: fetch or repository, PM_NOT_FOUND:
 * no such branch, PM_DB, PM_UNAVAILABLE: cancelled).
 */
enum pm_status gitsync_run(struct gitsync *g, struct store *st, int force,
			   struct taxonomy **tax, struct gitsync_result *res,
			   struct pm_error *err);

/* "noop", "incremental" or "full". */
const char *gitsync_mode_name(enum gitsync_mode m);

/*
 * The commit rev names on the line indexed up to last_hex (the index's
 * GITSYNC_META_COMMIT), into hex: a commit (4 to 40 hex digits, a prefix
 * naming one commit) that is last_hex or one of its ancestors, or a day
 * YYYY-MM-DD: the newest commit on last_hex's first-parent line committed
 * by the end of that day in UTC. PM_INVALID when rev is neither or names
 * a commit off that line, PM_NOT_FOUND when no commit matches. Reads the
 * clone only: nothing is fetched.
 */
enum pm_status gitsync_resolve(struct gitsync *g, const char *last_hex,
			       const char *rev, char hex[41],
			       struct pm_error *err);

/*
 * Reads commit hex (already fetched) into st, an index of its own, as a
 * full sync of that commit would: its files, provenance from its history,
 * and its settings, whose taxonomy goes to *tax (owned). For reports as the
 * repository stood at that commit (asofcache.h).
 */
enum pm_status gitsync_index_commit(struct gitsync *g, struct store *st,
				    const char *hex, struct taxonomy **tax,
				    struct pm_error *err);

/*
 * The pre-receive check: reads git's "old new ref" lines from in, and for
 * each branch pushed (deletions and tags are skipped) lints the
 * postmortems under dir that the push adds or changes, as they are in the
 * pushed commits (read from the repository of the environment: GIT_DIR and
 * git's quarantine directories). Prints "path:line: error|warning: message"
 * to out, with paths relative to the repository root. Returns 0 when no
 * file has errors, 1 when some do (the push must be rejected), 2 when the
 * repository or the input cannot be read.
 */
int gitsync_prereceive(FILE *in, FILE *out, const char *dir,
		       struct lint_result *res);


#endif
