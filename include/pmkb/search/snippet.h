/*
 * The snippet of a search result: a window of its body (or of its
 * summary when only the title, summary or keywords matched) around the
 * query's terms, as plain text, as HTML with <mark>, and as highlight
 * offsets. Of the windows at the first 64 matches, the earliest that
 * shows the most of the terms is taken; a term and its synonyms count as
 * one.
 */
#ifndef PMKB_SEARCH_SNIPPET_H
#define PMKB_SEARCH_SNIPPET_H

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"

struct snippets;

/* Snippets for the query terms (the first 32); owned: snippets_free(). */
struct snippets *snippets_new(const struct pm_list *terms);

/* term is searched as a synonym of of (both among the terms): a window
 * showing either shows the same term. */
void snippets_synonym(struct snippets *sn, const char *term, const char *of);

/*
 * Writes the members "snippet", "snippet_html" and "highlights" of a
 * result (no braces, no comma before) as JSON text onto out.
 */
void snippets_write(struct snippets *sn, struct buf *out, const char *body,
		    const char *summary);

/*
 * Reads every text whole from now on, not only windows around the places
 * where a term's leading bytes occur: the answer must be the same (the
 * tests compare the two).
 */
void snippets_read_whole(struct snippets *sn);

void snippets_free(struct snippets *sn);

#endif
