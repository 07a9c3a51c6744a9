/*
 * Files of the postmortems directory other than postmortems (the images a
 * postmortem shows, the Markdown source), read for the web UI from the
 * directory (--dir) or from the indexed commit (--repo). Confined to the
 * directory: no "..", no absolute path, no part starting with "." and no
 * symbolic link anywhere on the way.
 */
#ifndef PMKB_INGEST_REPOFILE_H
#define PMKB_INGEST_REPOFILE_H

#include <stddef.h>

#include "pmkb/base/status.h"

/* Largest file repofile_read() returns. */
#define REPOFILE_MAX (8u << 20)

/*
 * The media type pmkb serves rel as (an image or a Markdown source), or
 * NULL for any other kind of file, which is not served.
 */
const char *repofile_type(const char *rel);

/*
 * Reads dir/rel into *data (owned) and *len. Every failure, including a
 * refused path, is PM_NOT_FOUND with the reason in err: a file that may
 * not be read looks like one that does not exist. A file over REPOFILE_MAX
 * is PM_TOO_LARGE.
 */
enum pm_status repofile_read(const char *dir, const char *rel, char **data,
			     size_t *len, struct pm_error *err);

/*
 * The same from git (--repo): rel inside the postmortems directory dir of
 * the tree of commit (hex, the indexed one) in the bare clone at clone.
 * Only a blob is read: a symbolic link, a submodule or a directory is
 * refused like a missing file, and so is any path the rules above refuse.
 */
enum pm_status repofile_read_git(const char *clone, const char *commit,
				 const char *dir, const char *rel,
				 char **data, size_t *len,
				 struct pm_error *err);

#endif
