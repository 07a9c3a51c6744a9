/*
 * Fuzzes Markdown rendering: markdown_render() on the input (repaired to
 * valid UTF-8, as ingest does) and markdown_inline_html() on it as it is.
 * run.py gives this target a short per-input -timeout: a shape cmark-gfm
 * parses in more than linear time that cmarkrun_costly() lets through is
 * a finding, like a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/utf8.h"
#include "pmkb/doc/markdown.h"
#include "pmkb/doc/postmortem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf body = BUF_INIT;
	struct postmortem pm;

	utf8_repair(&body, (const char *)data, size);
	postmortem_init(&pm);
	markdown_render(&pm, body.ptr, body.len, 1);
	postmortem_release(&pm);
	free(markdown_inline_html((const char *)data, size));
	buf_release(&body);
	return 0;
}
