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
 * elements ids that a heading could take (prefix them). A body that
 * cmark-gfm could not parse within bounds (doc/cmarkrun.h) gets an error
 * on pm and is kept as written (escaped in <pre>, its text indexed).
 */
void markdown_render(struct postmortem *pm, const char *body, size_t len,
		     int first_line);

/*
 * Renders a Markdown snippet (a summary, an action item; need not be valid
 * UTF-8) to safe HTML, without heading anchors; escaped when cmark-gfm
 * could not parse it within bounds. Owned: free().
 */
char *markdown_inline_html(const char *md, size_t len);

#endif
