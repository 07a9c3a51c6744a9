/*
 * The paths a range of commits changes, for `pmkb recall --diff`.
 */
#ifndef PMKB_INGEST_GITDIFF_H
#define PMKB_INGEST_GITDIFF_H

#include "pmkb/base/status.h"
#include "pmkb/doc/postmortem.h"

/*
 * Adds to out the paths that differ between the two commits of range
 * ("A..B"; "A" alone means A..HEAD; any revision git understands) in the
 * repository found at or above dir: new and old paths of renames alike,
 * relative to the repository's root. PM_INVALID with the reason in err for
 * a range git cannot resolve, PM_NOT_FOUND when dir is in no repository.
 */
enum pm_status gitdiff_paths(const char *dir, const char *range,
			     struct pm_list *out, struct pm_error *err);

#endif
