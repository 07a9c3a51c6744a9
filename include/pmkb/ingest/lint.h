/*
 * `pmkb lint`: checks postmortem files without touching the index and
 * prints one line per problem, "path:line: error: message", for editors,
 * CI logs and git hooks.
 */
#ifndef PMKB_INGEST_LINT_H
#define PMKB_INGEST_LINT_H

#include <stdio.h>

struct lint_result {
	int files, errors, warnings;
};

/*
 * Lints each path in paths (files, or directories of postmortems) with the
 * settings found beside them, printing problems to out. In an open taxonomy
 * it also warns about causes that look like the same thing spelled twice
 * (config / configuration). Returns 0 when no file has errors, 1 otherwise
 * and 2 when a path cannot be read.
 */
int lint_run(const char *const *paths, int n, FILE *out,
	     struct lint_result *res);

/*
 * Whether two cause names are probably the same cause: equal ignoring case
 * and punctuation, one a prefix (≥ 4 letters) of the other, a plural, or
 * one edit apart (≥ 5 letters).
 */
int lint_near_duplicate(const char *a, const char *b);

#endif
