/* mrkdwn escaping: see include/pmkb/slack/mrkdwn.h. */
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "pmkb/slack/mrkdwn.h"

void slack_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			buf_addstr(out, "&amp;");
		else if (c == '<')
			buf_addstr(out, "&lt;");
		else if (c == '>')
			buf_addstr(out, "&gt;");
		else if ((c < 0x20 && c != '\n') || c == 0x7f)
			buf_addch(out, ' ');
		else
			buf_addch(out, (char)c);
	}
}

void slack_escape_max(struct buf *out, const char *s, size_t max)
{
	size_t len = strlen(s), n = utf8_truncate(s, len, max);

	slack_escape(out, s, n);
	if (n < len)
		buf_addstr(out, "…");
}
