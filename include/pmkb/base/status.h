/*
 * Status codes and parse errors shared by every module.
 *
 * Fallible functions return enum pm_status; only the routing layer turns a
 * status into an HTTP code. Parsers also fill a caller-owned struct pm_error
 * so that reporting a problem never needs an allocation.
 */
#ifndef PMKB_BASE_STATUS_H
#define PMKB_BASE_STATUS_H

enum pm_status {
	PM_OK = 0,
	PM_INVALID,	 /* the caller's input is wrong: 400 */
	PM_UNAUTHORIZED, /* missing or bad credentials: 401 */
	PM_NOT_FOUND,	 /* 404 */
	PM_CONFLICT,	 /* 409 */
	PM_TOO_LARGE,	 /* 413 */
	PM_UNAVAILABLE,	 /* not ready, try later: 503 */
	PM_IO,		 /* the file system or network failed */
	PM_DB,		 /* SQLite failed */
	PM_INTERNAL,	 /* a bug */
	PM_STATUS__MAX
};

/* Where and why parsing failed. source is a path or a label like "query". */
struct pm_error {
	char source[256];
	int line;   /* 1-based, 0 when unknown */
	int column; /* 1-based, 0 when unknown */
	char message[256];
};

/* A short lower-case name for the status ("invalid", "not found"...). */
const char *pm_status_name(enum pm_status st);

/* Clears err (may be NULL). */
void pm_error_clear(struct pm_error *err);

/*
 * Fills err (which may be NULL) with a printf-style message and returns
 * status, so that callers can write `return pm_error_set(err, PM_INVALID,
 * ...)`. source and line are kept as they are when source is NULL.
 */
enum pm_status pm_error_set(struct pm_error *err, enum pm_status status,
			    const char *source, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
