/*
 * The Porter stemmer, for the words the FTS5 tokenizer indexes
 * (db/tokenizer.h): "deployed", "deploying" and "deploys" all become
 * "deploi", so that a search for one finds the others. The classic
 * algorithm of 1980, not Porter2 (Snowball English): its stems are what
 * the index holds, so changing it means reindexing.
 */
#ifndef PMKB_DB_PORTER_H
#define PMKB_DB_PORTER_H

/* Stems the word b[0..len) in place ([a-z] only; words of one or two
 * letters are left as they are); returns the stem's length. */
int porter_stem(char *b, int len);

#endif
