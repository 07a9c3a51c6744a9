/* Names for status codes and the pm_error helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pmkb/base/status.h"

static const char *const status_names[PM_STATUS__MAX] = {
	[PM_OK] = "ok",
	[PM_INVALID] = "invalid",
	[PM_UNAUTHORIZED] = "unauthorized",
	[PM_NOT_FOUND] = "not found",
	[PM_CONFLICT] = "conflict",
	[PM_TOO_LARGE] = "too large",
	[PM_UNAVAILABLE] = "unavailable",
	[PM_IO] = "i/o error",
	[PM_DB] = "database error",
	[PM_INTERNAL] = "internal error",
};

const char *pm_status_name(enum pm_status st)
{
	if ((unsigned)st >= PM_STATUS__MAX)
		return "unknown";
	return status_names[st];
}

void pm_error_clear(struct pm_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

enum pm_status pm_error_set(struct pm_error *err, enum pm_status status,
			    const char *source, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	if (source) {
		snprintf(err->source, sizeof(err->source), "%s", source);
		err->line = line;
		err->column = 0;
	}
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}
