/*
 * A postmortem's distinctive words, as similar postmortems (similar.h)
 * and recurrence detection (shares.h) weigh them.
 *
 * The source's title, summary, tags and the start of its body are
 * tokenized as the index reads them; each distinct token is a word with a
 * weight (how often, and where) and the place it first occurs. The
 * glossary's terms found there are words too, one per group (concepts).
 * Tokens that say nothing (single CJK characters, stop words, people's
 * names) are not words. The heaviest words are then looked up in the
 * index: how many postmortems use each, and which, up to a limit.
 *
 * The structures are open: their users read the words and their postings
 * directly. Everything here reads c in the caller's transaction.
 */
#ifndef PMKB_SEARCH_SIMWORDS_H
#define PMKB_SEARCH_SIMWORDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/base/status.h"
#include "pmkb/search/glossary.h"

struct dbconn;
struct postings_memo;
struct taxonomy;

/* Where a word can occur, in the order a postmortem row has them. */
enum simwords_field { F_TITLE, F_SUMMARY, F_TAGS, F_BODY, F__MAX };

/* Words kept for a query or an overlap, the most distinctive first. */
#define SIMWORDS_TERMS 12

/* One distinct word of the source. */
struct simword {
	size_t off;	 /* the token, in simwords.arena */
	int len;
	int order;	 /* rank of its first occurrence */
	int field;	 /* where it first occurs */
	int start, end;	 /* byte offsets there */
	double weight;	 /* occurrences × field weights */
	int ident;	 /* letters and digits: a code, host or version */
	int group;	 /* a glossary group (a concept), or -1 */
	int absorbed;	 /* a one-token concept stands in for it */
	double score;	 /* weight × idf, once looked up */
	int df;		 /* postmortems using it, the source included */
	int64_t *posts;	 /* their ids, ascending (df of them) */
};

struct simwords {
	struct dbconn *c;
	int64_t id;		    /* the source */
	char *text[F__MAX];	    /* the source's fields, owned */
	struct buf arena;	    /* token bytes */
	struct simword *terms;
	size_t nterms, alloc;
	uint32_t *slots;	    /* hash of terms: index + 1, 0 empty */
	size_t nslots;
	int field;		    /* being tokenized */
	struct glossary *glossary;  /* owned */
	struct postings_memo *memo; /* borrowed, may be NULL */
	struct glossary_scan scan;  /* of the field being tokenized */
	size_t *concepts;	    /* terms that are concepts */
	size_t nconcepts, concepts_alloc;
	struct pm_list names;	    /* tokens of people's names */
	struct simword **chosen;    /* the kept words, best first */
	size_t nchosen;
	double size;		    /* postmortems in the index, about */
	int cap;		    /* document frequency deemed common */
};

/*
 * Starts w on c with the glossary of tax (may be NULL: the built-in one)
 * and memo (may be NULL, borrowed: search/postings.h). Release with
 * simwords_release().
 */
void simwords_init(struct simwords *w, struct dbconn *c,
		   const struct taxonomy *tax, struct postings_memo *memo);
void simwords_release(struct simwords *w);

/*
 * Reads the source, by slug or (slug NULL) by id, and its words; the
 * people of tax (may be NULL), its authors and its action items' owners
 * are names. PM_NOT_FOUND when there is no such postmortem.
 */
enum pm_status simwords_read(struct simwords *w, const char *slug,
			     int64_t id, const struct taxonomy *tax,
			     struct pm_error *err);

/*
 * simwords_read() in two steps: simwords_load() reads the source's text
 * and names from the index; simwords_tokenize() finds its words, touching
 * nothing but w, so that it may run on another thread while the caller
 * goes on with the connection.
 */
enum pm_status simwords_load(struct simwords *w, const char *slug,
			     int64_t id, const struct taxonomy *tax,
			     struct pm_error *err);
void simwords_tokenize(struct simwords *w);

/*
 * Reads postmortem id's words from all of its indexed text (title,
 * summary, keywords, the whole body), no names left out: every word the
 * index could match it on. PM_NOT_FOUND when there is no such postmortem.
 */
enum pm_status simwords_read_indexed(struct simwords *w, int64_t id,
				     struct pm_error *err);

/* Sets w->size and w->cap from the index (once the source is read). */
enum pm_status simwords_measure(struct simwords *w, struct pm_error *err);

/* How telling it is to share something df postmortems have (bm25's). */
double simwords_idf(const struct simwords *w, int df);

/* Postings read per word at first: a word with that many is common. */
int simwords_probe(const struct simwords *w);

/*
 * Looks up the heaviest words and keeps in w->chosen the SIMWORDS_TERMS
 * most distinctive that some other postmortem uses. With reread, words
 * found common at first are read on, within a budget; without, they are
 * left out. Sorts w->terms.
 */
enum pm_status simwords_choose(struct simwords *w, int reread,
			       struct pm_error *err);

/*
 * After simwords_choose(w, 0): keeps in w->chosen the SIMWORDS_TERMS most
 * distinctive words whose postings were read whole, those only the source
 * uses included.
 */
void simwords_choose_read(struct simwords *w);

/*
 * Appends t's MATCH expression to out: its first occurrence, quoted, or
 * for a concept any term of its group.
 */
void simwords_expr(const struct simwords *w, const struct simword *t,
		   struct buf *out);

/*
 * Writes into out the MATCH string that counts t itself; 0 when its first
 * occurrence is not read back as exactly t's token (NFKC).
 */
int simwords_match(const struct simwords *w, const struct simword *t,
		   struct buf *out);

/* Whether postmortem id is among t's postings. */
int simword_has(const struct simword *t, int64_t id);

/*
 * The chosen words that postmortem id also uses, as the source writes
 * them, most distinctive first, the bigrams of one Japanese word merged;
 * never id's people. Owned.
 */
json_t *simwords_shared(const struct simwords *w, int64_t id);

/* Logs SQLite's message; err gets a generic one for the user. PM_DB. */
enum pm_status simwords_fail(struct dbconn *c, struct pm_error *err);

#endif
