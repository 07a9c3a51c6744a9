/*
 * A severity as people write it, read against a list of levels (most
 * severe first): "sev1", "SEV1", "Sev 1", "sev-1" and "1" all name SEV1,
 * "P2" names P2, and a note after the level ("SEV-3（一部機能の誤動作）",
 * "Sev 1 (customers could not pay)") does not hide it. The list is the
 * settings' (doc/taxonomy.h), which wraps these for its callers.
 */
#ifndef PMKB_DOC_SEVERITY_H
#define PMKB_DOC_SEVERITY_H

#include <stddef.h>

/* A list of levels, most severe first. */
struct severity_list {
	const char *const *v;
	size_t n;
};

/*
 * s reduced to what matters for matching: upper-case ASCII without
 * spaces, hyphens and underscores ("Sev 1" → "SEV1"), into out (size
 * outsz). 0 when it does not fit.
 */
int severity_compact(const char *s, char *out, size_t outsz);

/*
 * The rank of raw in l (0 = most severe) and the level's spelling in
 * *canon (may be NULL; NULL when unknown); -1 when unknown. Digits alone
 * match the digits that end a level after letters (SEV1, P1).
 */
int severity_rank(const struct severity_list *l, const char *raw,
		  const char **canon);

/*
 * severity_rank() of a value with a note after the level. *lead_len (may
 * be NULL) gets the length of the part that names it; when none does, -1,
 * and the length of the value before its note (a bracket, " - ", a colon
 * or a comma; the whole value without one), trimmed.
 */
int severity_rank_lead(const struct severity_list *l, const char *raw,
		       const char **canon, size_t *lead_len);

/*
 * The spelling a severity is kept under, into out (size outsz): the
 * level's when l knows it, else raw trimmed and ASCII upper-cased (a
 * status page's "down" is DOWN) unless closed. NULL for an empty raw, one
 * longer than outsz, and an unknown one when closed.
 */
const char *severity_stored(const struct severity_list *l, int closed,
			    const char *raw, char *out, size_t outsz);

#endif
