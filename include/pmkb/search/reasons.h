/*
 * How similar's reasons show a shared word: in the order the source uses
 * them or best first, and widened from a CJK bigram to the whole word.
 */
#ifndef PMKB_SEARCH_REASONS_H
#define PMKB_SEARCH_REASONS_H

/* At most this many characters in a shown word. */
#define SIM_SHOWN_CHARS 16

/* A shared word's first occurrence in the source, for display. */
struct shown {
	int field, start, end;
	double score;
	int whole; /* a glossary term: shown as it is, not widened */
};

/* qsort orders: by field then offset; by score (highest first). */
int reasons_by_place(const void *a, const void *b);
int reasons_by_score(const void *a, const void *b);

/*
 * Widens m to the whole kanji or katakana word around it in t, so that
 * the bigrams レプ and リカ show as レプリカ: a shared bigram is a piece of
 * the word the reader knows. At most SIM_SHOWN_CHARS characters. The
 * caller checks that the other postmortem has the whole word (ラグ is in
 * コンシューマラグ and in フラグ).
 */
void reasons_widen(const char *t, struct shown *m);

#endif
