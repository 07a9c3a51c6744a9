/*
 * Structured logging: one line per event on stderr, as
 *   ts=2018-02-14T09:28:00Z level=info event=sync.done key=value ...
 * Values with spaces or quotes are quoted. Never log secrets or bodies.
 */
#ifndef PMKB_BASE_LOG_H
#define PMKB_BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Sets the minimum level (process-wide; set once at startup). */
void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn", "error" or "off"; returns -1 otherwise. */
int log_parse_level(const char *s);

/*
 * Logs event with key=value pairs given as alternating NUL-terminated
 * strings and ending with NULL: log_kv(LOG_INFO, "sync.done", "commit",
 * sha, "files", n_str, NULL).
 */
void log_kv(enum log_level level, const char *event, ...);
/* Logs event with a free-form msg=... value built printf-style. */
void log_msg(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
