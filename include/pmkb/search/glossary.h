/*
 * The SRE glossary: groups of words that mean the same thing in an
 * incident report, English and Japanese (failover, フェイルオーバー), so
 * that a query finds postmortems written in the other language and similar
 * links them.
 *
 * The built-in groups are server/search/glossary.txt, compiled into the
 * binary and read once; a repository adds its own in .pmkb.yml
 * (synonyms:, doc/taxonomy.h). Two terms are the same when the index reads
 * them the same (db/tokenizer.h): case, NFKC forms and English inflections
 * do not matter (Failovers = failover, ﾌｪｲﾙｵｰﾊﾞｰ = フェイルオーバー).
 */
#ifndef PMKB_SEARCH_GLOSSARY_H
#define PMKB_SEARCH_GLOSSARY_H

#include <stddef.h>
#include <stdint.h>

struct pm_list;
struct taxonomy;

/* At most this many tokens in a term that can be recognised in text. */
#define GLOSSARY_MAX_TOKENS 16

struct glossary;

/*
 * The built-in groups and those of tax's synonyms: (tax may be NULL: the
 * built-in ones only). Terms that the index cannot read (*, an emoji) are
 * left out. Costs the tokenizing of tax's synonyms only. Owned:
 * glossary_free().
 */
struct glossary *glossary_new(const struct taxonomy *tax);
void glossary_free(struct glossary *g);

/* How many groups and terms the built-in glossary holds. */
void glossary_builtin_size(size_t *groups, size_t *terms);

/*
 * Appends to out (unique, as written in the glossary, at most max) the
 * terms that share a group with s[0..n), other than those the index reads
 * as s itself. Returns how many were appended.
 */
size_t glossary_synonyms(const struct glossary *g, const char *s, size_t n,
			 struct pm_list *out, size_t max);

/* The terms of group id (from glossary_scan_token()), as written. */
const struct pm_list *glossary_group(const struct glossary *g, int id);

/*
 * Recognises glossary terms in a stream of index tokens (tokenizer_run()
 * with stem, one text at a time). Run-end characters are skipped: a term
 * that ends in a one-character CJK run (鍵) is never recognised in text.
 */
struct glossary_scan {
	const struct glossary *g;
	int n; /* tokens held */
	struct {
		char tok[48];
		int len, start;
		uint64_t hash; /* of tok */
	} ring[GLOSSARY_MAX_TOKENS];
};

/* Starts (or restarts, for the next text) a scan of g (borrowed). */
void glossary_scan_init(struct glossary_scan *sc, const struct glossary *g);

/*
 * Feeds the next token. When it ends a glossary term, returns the group
 * of the longest such term (>= 0) and sets *start to the byte offset
 * where the term begins in the text; else returns -1.
 */
int glossary_scan_token(struct glossary_scan *sc, const char *tok, int ntok,
			int start, int flags, int *term_start);

#endif
