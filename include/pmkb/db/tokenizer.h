/*
 * The full-text tokenizer for Japanese and English (an FTS5 tokenizer).
 *
 * Runs of Han, Hiragana, Katakana (with ー) and Hangul become overlapping
 * bigrams plus a one-character token at the end of each run; other words
 * are lower-cased and porter-stemmed. Text is NFKC-normalised and
 * case-folded inside the tokenizer while every token keeps the byte offsets
 * of the original text, so highlights show what was stored. Control
 * characters (NUL included) are spaces. Deterministic.
 *
 * The name carries a version: any change to the output must bump it, and
 * store.c rebuilds the index when the stored name differs.
 */
#ifndef PMKB_DB_TOKENIZER_H
#define PMKB_DB_TOKENIZER_H

#include <sqlite3.h>

#define PM_TOKENIZER_NAME "pmkb_cjk_v1"

/* Token flags passed to the callback. */
#define PM_TOKEN_CJK 0x1	/* a bigram or single CJK character */
#define PM_TOKEN_RUN_END 0x2	/* the single character closing a CJK run */

/*
 * Called for every token: tok/ntok the normalised token (not
 * NUL-terminated), start/end its byte offsets in the original text.
 * Return non-zero to stop.
 */
typedef int (*pm_token_fn)(void *ctx, const char *tok, int ntok, int start,
			   int end, int flags);

/*
 * Tokenizes text[0..len) as the index does. stem: apply the porter stemmer
 * to words (the index does; a prefix query must not). Returns the callback's
 * non-zero value, or 0.
 */
int tokenizer_run(const char *text, int len, int stem, pm_token_fn fn,
		  void *ctx);

/*
 * Tokenizes text[0..len) as FTS5 tokenizes one quoted string of a MATCH
 * expression (prefix: the string is followed by '*'). It differs from the
 * document mode in two ways: the run-end character of a CJK run of two or
 * more characters is left out when the run ends the text (a document may
 * continue the run where the query stops), and with prefix the last word
 * is not stemmed. The searcher uses it to find a query's tokens in text.
 */
int tokenizer_run_query(const char *text, int len, int prefix, int stem,
			pm_token_fn fn, void *ctx);

/*
 * Whether the tokenizer may read some character of text[0..len) as
 * another than its bytes show: a compatibility form (ＤＢ, ｴﾗｰ), a
 * non-ASCII capital, an ignorable, or a mark or jamo joining the character
 * before. When it returns 0, every token is made of the text's own
 * characters (ASCII case aside), so a token that no byte sequence of the
 * text spells is not there. Text is taken to be valid UTF-8 (bad bytes
 * are separators to the tokenizer).
 */
int tokenizer_may_fold(const char *text, int len);

/*
 * Whether tokenizer_run() on text + at reads, as its tokens, the tokens
 * that reading text[0..len) whole gives from text[at] on (their offsets
 * less at): 1 when a token starts at text[at] cleanly, an ASCII letter
 * or digit after a separator or a kana, Han or Hangul character that
 * normalising leaves alone; 0 when none starts there (an ASCII letter or
 * digit inside a word, and ASCII after it); -1 when a character there or
 * next to it may join another (a mark, a non-ASCII letter, a form that
 * folds) and only tokenizing from further back can tell.
 */
int tokenizer_token_at(const char *text, int len, int at);

/* Registers the tokenizer on db. Returns an SQLite result code. */
int tokenizer_register(sqlite3 *db);

/*
 * Registers the tokenizer on db under another name: the name an index
 * built by an earlier version declares, which FTS5 needs to open that
 * index even only to drop it. Returns an SQLite result code.
 */
int tokenizer_register_as(sqlite3 *db, const char *name);

/*
 * Registers the tokenizer on every connection opened afterwards in this
 * process (sqlite3_auto_extension). Call once at startup.
 */
void tokenizer_register_auto(void);

#endif
