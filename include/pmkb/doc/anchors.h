/*
 * Heading anchors, as GitHub makes them: a heading's text lower-cased,
 * letters, marks, numbers, '-' and '_' kept (Japanese included), each
 * space a '-', everything else dropped ("section" when nothing is left);
 * a repeat gets "-1", "-2"... The anchors of a document are named in
 * order as its headings are read, then spliced into its HTML as the
 * headings' ids.
 */
#ifndef PMKB_DOC_ANCHORS_H
#define PMKB_DOC_ANCHORS_H

#include <stddef.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"

/* One anchor given, and the next suffix to try when it repeats. */
struct anchor_slot {
	char *id;
	size_t next;
};

/*
 * The anchors of one document (start from ANCHORS_INIT). ids lists them in
 * document order. The rest is private: a hash set of those given, as a
 * 4 MiB body can hold a million headings that are mostly the same ("#"
 * alone gives "section").
 */
struct anchors {
	struct pm_list ids;
	struct anchor_slot *slots;
	size_t n, cap; /* cap is 0 or a power of two */
	struct buf scratch;
};
#define ANCHORS_INIT { { 0 }, NULL, 0, 0, BUF_INIT }

/* Names the next heading, whose text is s[0..len), and adds its anchor
 * to a->ids. */
void anchors_add(struct anchors *a, const char *s, size_t len);

/*
 * Copies html onto out with id="..." added to each "<hN>" in order. When
 * their count is not the number of anchors (it always should be), the
 * HTML is copied without ids rather than with wrong ones.
 */
void anchors_splice(const struct anchors *a, struct buf *out,
		    const char *html);

void anchors_release(struct anchors *a);

#endif
