/* Path globs (include/pmkb/base/glob.h), by backtracking on each star. */
#include <string.h>

#include "pmkb/base/glob.h"

/*
 * Recursion happens only at "**", which a settings file writes a few
 * times; each level consumes at least one glob byte, so the depth is
 * bounded by the length of the glob.
 */
int glob_match(const char *g, const char *p)
{
	while (*g) {
		if (g[0] == '*' && g[1] == '*') {
			g += 2;
			if (!*g)
				return 1;
			if (*g == '/')
				g++;
			/* Two stars: try every suffix that starts a segment. */
			for (;;) {
				if (glob_match(g, p))
					return 1;
				p = strchr(p, '/');
				if (!p)
					return 0;
				p++;
			}
		}
		if (*g == '*') {
			g++;
			for (;;) {
				if (glob_match(g, p))
					return 1;
				if (!*p || *p == '/')
					return 0;
				p++;
			}
		}
		if (!*p || (*g == '?' ? *p == '/' : *g != *p))
			return 0;
		g++;
		p++;
	}
	return !*p;
}
