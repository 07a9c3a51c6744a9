/*
 * key=value logging on stderr. Each event is formatted into one buffer and
 * written with a single write() so that lines from different threads never
 * interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error",
					   "off" };

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_parse_level(const char *s)
{
	for (int i = 0; i <= LOG_OFF; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

static void add_value(struct buf *b, const char *v)
{
	if (*v && !strpbrk(v, " \"=\t\r\n")) {
		buf_addstr(b, v);
		return;
	}
	buf_addch(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			buf_addch(b, '\\');
		if (*v == '\n' || *v == '\r')
			buf_addstr(b, "\\n");
		else
			buf_addch(b, *v);
	}
	buf_addch(b, '"');
}

static void begin(struct buf *b, enum log_level level, const char *event)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_addf(b, "ts=%s level=%s event=", ts, level_names[level]);
	add_value(b, event);
}

static void emit(struct buf *b)
{
	ssize_t n;

	buf_addch(b, '\n');
	n = write(STDERR_FILENO, b->ptr, b->len);
	(void)n;
	buf_release(b);
}

void log_kv(enum log_level level, const char *event, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	const char *k;

	if (level < min_level)
		return;
	begin(&b, level, event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		buf_addf(&b, " %s=", k);
		add_value(&b, v ? v : "");
	}
	va_end(ap);
	emit(&b);
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	struct buf b = BUF_INIT, msg = BUF_INIT;
	va_list ap;

	if (level < min_level)
		return;
	begin(&b, level, event);
	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	buf_addstr(&b, " msg=");
	add_value(&b, msg.ptr);
	buf_release(&msg);
	emit(&b);
}
