/*
 * Path globs as people write them in settings files: '*' matches within
 * one path segment, two stars any number of segments (billing
 * followed by slash and two stars matches billing/a/b.c), '?' one character of a segment. Everything else matches
 * itself; there are no character classes.
 */
#ifndef PMKB_BASE_GLOB_H
#define PMKB_BASE_GLOB_H

/* Whether path (relative, '/'-separated) matches glob. */
int glob_match(const char *glob, const char *path);

#endif
