/*
 * Markdown bodies through cmark-gfm with the table, tasklist, autolink and
 * strikethrough extensions. Raw HTML is never rendered and unsafe URLs
 * (javascript:, vbscript:, data: other than images) are dropped.
 */
#ifndef PMKB_DOC_MARKDOWN_H
#define PMKB_DOC_MARKDOWN_H

#include <stddef.h>

struct postmortem;

/*
 * Renders body (valid UTF-8, length len, starting on line first_line of
 * the file) and fills pm->html, pm->text (plain text for the index: block
 * per line, no markup), pm->title when it is still NULL (from the first
 * heading), and pm->actions from GFM task-list items ("- [ ] @owner
 * due:2018-03-31 text", through postmortem_add_action(); the text is the
 * item's first paragraph, nested items are actions of their own).
 * Headings get id attributes for anchors, as GitHub makes them but without
 * its "user-content-" prefix: "## Root cause / 原因" → id="root-cause--原因",
 * repeats suffixed "-1", "-2". The UI must therefore not give its own
 * elements ids that a heading could take (prefix them).
 */
void markdown_render(struct postmortem *pm, const char *body, size_t len,
		     int first_line);

/*
 * Whether s[0..len) has a shape that cmark-gfm parses in more than linear
 * time or memory (too many brackets, too wide or too many table cells);
 * when so, writes the reason to why (n bytes). Linear, allocates nothing.
 * markdown_render() then records an error on pm and keeps the body as
 * written (escaped in <pre>, its text indexed); markdown_inline_html()
 * escapes it. Every file is parsed in bounded time and memory.
 */
int markdown_costly(const char *s, size_t len, char *why, size_t n);

/*
 * Renders a Markdown snippet (a summary, an action item; need not be valid
 * UTF-8) to safe HTML, without heading anchors. Owned: free().
 */
char *markdown_inline_html(const char *md, size_t len);

#endif
