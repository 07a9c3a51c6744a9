/*
 * Directories pmkb creates for its own files: the database's folder and
 * the data directory, private to the user running pmkb.
 */
#ifndef PMKB_BASE_DIRS_H
#define PMKB_BASE_DIRS_H

#include "pmkb/base/status.h"

/*
 * mkdir -p path with mode 0700 for what is created (what exists is left
 * as it is). On failure err says "cannot create <what>: <reason>".
 */
enum pm_status dirs_make(const char *path, const char *what,
			 struct pm_error *err);

#endif
