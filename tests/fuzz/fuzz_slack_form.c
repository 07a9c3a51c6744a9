/*
 * Fuzzes what the Slack slash command does with a request before and
 * after verifying it: the timestamp check, the signature check (a fixed
 * secret; the input is the body, and its first line the timestamp and the
 * signature), the form parser, and mrkdwn escaping of every value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/form.h"
#include "pmkb/slack/mrkdwn.h"
#include "pmkb/slack/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	const char *nl = memchr(body, '\n', size);
	struct form form = { 0 };
	struct pm_error err;
	struct buf out = BUF_INIT;
	char head[256] = "", *sp;
	size_t hl = nl ? (size_t)(nl - body) : 0;

	/* "TIMESTAMP SIGNATURE\n" then the body, when there is a newline. */
	if (nl && hl < sizeof(head)) {
		memcpy(head, body, hl);
		head[hl] = '\0';
		sp = strchr(head, ' ');
		if (sp)
			*sp++ = '\0';
		slack_check_timestamp(head, 1700000000);
		slack_verify("fuzz-signing-secret", head, sp, nl + 1,
			     size - hl - 1, 1700000000, &err);
	}
	if (form_parse(&form, body, size, &err) == PM_OK) {
		for (size_t i = 0; i < form.n; i++) {
			slack_escape(&out, form.v[i].value,
				     strlen(form.v[i].value));
			slack_escape_max(&out, form.v[i].name, 100);
		}
		form_get(&form, "text");
		form_get(&form, "command");
	}
	form_release(&form);
	buf_release(&out);
	return 0;
}
