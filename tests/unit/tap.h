/*
 * A tiny TAP producer for unit tests. Each check prints "ok N - what" or
 * "not ok N - what" with the file and line; tap_done() prints the plan and
 * returns the exit status.
 */
#ifndef PMKB_TAP_H
#define PMKB_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_check(int cond, const char *file, int line,
			    const char *what)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, what);
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	return cond;
}

static inline int tap_check_str(const char *got, const char *want,
				const char *file, int line, const char *what)
{
	int ok = (got == want) || (got && want && !strcmp(got, want));

	tap_check(ok, file, line, what);
	if (!ok)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return ok;
}

static inline int tap_check_int(long long got, long long want,
				const char *file, int line, const char *what)
{
	int ok = got == want;

	tap_check(ok, file, line, what);
	if (!ok)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return ok;
}

#define ok(cond, what) tap_check(!!(cond), __FILE__, __LINE__, (what))
#define is_str(got, want, what) \
	tap_check_str((got), (want), __FILE__, __LINE__, (what))
#define is_int(got, want, what) \
	tap_check_int((long long)(got), (long long)(want), __FILE__, \
		      __LINE__, (what))

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
