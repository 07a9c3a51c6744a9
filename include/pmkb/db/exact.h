/*
 * Quoted search words as written: whether a postmortem's texts hold each
 * of them ASCII case aside, unstemmed, and not as part of a longer ASCII
 * word ("balancer" is not in "balance"). The index finds the stemmed
 * candidates; this keeps those that hold the words as typed. Used by the
 * SQL function pm_exact(words, text, ...) (db/store.c) and by the ranking
 * pass (db/rankfn.h).
 */
#ifndef PMKB_DB_EXACT_H
#define PMKB_DB_EXACT_H

#include <stddef.h>

/*
 * 1 when each of words (separated by U+001F; NULL holds nothing) is held
 * by one of text[0..n) (each len[i] bytes; NULL ones skipped), else 0.
 */
int exact_holds(const char *words, const char *const *text,
		const size_t *len, int n);

/*
 * SQL: whether postmortem x holds the words bound to param (as above),
 * through pm_exact().
 */
#define EXACT_X(param)                                                     \
	"pm_exact(" param ", x.title, x.summary, x.keywords, x.body)"

#endif
