/*
 * Fuzzes the code highlighter: the first byte picks the language, the
 * rest is the code. Beyond crashes, the output must be well formed:
 * only <span class="hl-..."> and </span> tags, never nested, all closed,
 * and no other '<', '>' or '"' (the code's own are escaped).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/highlight.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int at(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

/* The output as bytes: NUL bytes in the code are copied into it. */
static void check(const char *p, size_t len)
{
	const char *end = p + len;
	int open = 0;

	while (p < end) {
		if (at(p, end, "<span class=\"hl-")) {
			if (open)
				abort();
			open = 1;
			for (p += 16; p < end && *p >= 'a' && *p <= 'z';)
				p++;
			if (!at(p, end, "\">"))
				abort();
			p += 2;
		} else if (at(p, end, "</span>")) {
			if (!open)
				abort();
			open = 0;
			p += 7;
		} else if (*p == '<' || *p == '>' || *p == '"') {
			abort();
		} else {
			p++;
		}
	}
	if (open)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;

	if (!size)
		return 0;
	highlight_html(&out, (enum hl_lang)(data[0] % HL__MAX),
		       (const char *)data + 1, size - 1);
	check(out.ptr, out.len);
	buf_release(&out);
	return 0;
}
