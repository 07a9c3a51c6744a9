/* Slack's mrkdwn text: escaping what users wrote. */
#ifndef PMKB_SLACK_MRKDWN_H
#define PMKB_SLACK_MRKDWN_H

#include <stddef.h>

struct buf;

/*
 * Appends s[0..len) as mrkdwn text: &, < and > become &amp;, &lt; and
 * &gt; (the three characters Slack requires escaped), control characters
 * other than newline become spaces. Other bytes, UTF-8 included, are kept.
 */
void slack_escape(struct buf *out, const char *s, size_t len);

/*
 * Appends NUL-terminated s escaped as by slack_escape, cut to at most max
 * bytes (never inside a UTF-8 sequence) and followed by "…" when cut.
 */
void slack_escape_max(struct buf *out, const char *s, size_t max);

#endif
