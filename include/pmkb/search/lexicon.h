/*
 * Which index tokens say something about a postmortem, for similar's
 * words and reasons: not English stop words (as stemmed by the
 * tokenizer), not numbers, not CJK bigrams holding hiragana.
 */
#ifndef PMKB_SEARCH_LEXICON_H
#define PMKB_SEARCH_LEXICON_H

/* Whether a word token (not CJK) tok[0..n) is worth looking up. */
int lexicon_word_counts(const char *tok, int n);

/*
 * Whether a CJK bigram is worth looking up: not when it holds hiragana.
 * Those are particles and endings (した, の障), or straddle two words;
 * Japanese content words are kanji and katakana.
 */
int lexicon_bigram_counts(const char *tok, int n);

/* Whether a word mixes letters and digits (ERR1902, host042, http2). */
int lexicon_is_ident(const char *tok, int n);

#endif
