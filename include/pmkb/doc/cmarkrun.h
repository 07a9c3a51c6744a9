/*
 * cmark-gfm within bounds: every Markdown parse and render goes through
 * here, with the table, tasklist, autolink and strikethrough extensions
 * and never CMARK_OPT_UNSAFE.
 *
 * Shapes that cmark-gfm 0.29 parses in more than linear time or memory
 * are refused before parsing (cmarkrun_costly()). Whatever the shape, the
 * parse and render run on a budget of memory and CPU time: past it cmark
 * is left by a jump and everything it allocated is freed, so every file
 * is parsed in bounded time and memory. Code blocks in a language
 * doc/highlight.h knows are rendered highlighted: a custom block that
 * keeps the code block it replaced as its user data, for a walk that
 * reads the code.
 */
#ifndef PMKB_DOC_CMARKRUN_H
#define PMKB_DOC_CMARKRUN_H

#include <stddef.h>

#include <cmark-gfm.h>

struct md_budget;

/* One parse: its tree may be walked until cmarkrun_release(). */
struct cmarkrun {
	cmark_parser *parser;
	cmark_node *doc;  /* NULL when the budget stopped the run */
	const char *over; /* why it did ("more than 5 s of CPU time") */
	struct md_budget *budget, *outer; /* private */
};

/*
 * Parses s[0..len) and renders it to safe HTML (owned: free()); NULL when
 * over budget, with r->over saying why. Call cmarkrun_release(r) in both
 * cases, once done with r->doc.
 */
char *cmarkrun_html(struct cmarkrun *r, const char *s, size_t len);
void cmarkrun_release(struct cmarkrun *r);

/*
 * Whether s[0..len) has a shape that cmark-gfm parses in more than linear
 * time or memory (too many brackets, too wide or too many table cells, a
 * long line of '@'); when so, writes the reason to why (n bytes). Linear,
 * allocates nothing.
 */
int cmarkrun_costly(const char *s, size_t len, char *why, size_t n);

#endif
