/*
 * Similar postmortems: see include/pmkb/search/similar.h for the contract.
 *
 * Map:
 *   words      the source's title, summary, tags and the start of its body
 *              are tokenized as the index does; each distinct token gets a
 *              weight (how often, and where: title > summary, tags > body)
 *              and the first place it occurs. Tokens that say nothing
 *              (single CJK characters, bigrams holding hiragana, numbers,
 *              stop words, people's names) are dropped.
 *   concepts   the glossary's terms found in the same tokens (フェイルオー
 *              バー, load balancer) become one word each per group, looked
 *              up as any term of their group, so that a Japanese and an
 *              English postmortem about the same thing share it. A
 *              one-token term stands in for its token.
 *   lookups    the SIM_LOOKUP heaviest words (codes like ERR1902 count
 *              triple) are looked up in the index, reading their postings
 *              up to a limit: a word found in fewer than `cap` postmortems
 *              comes back with its exact document frequency and the list
 *              of postmortems that use it; a more common one is dropped as
 *              not distinctive. Only a few postings are read per word at
 *              first (most heavy words are common on a large index), more
 *              only when too few words were rare. This bounds the work on
 *              any index; FTS5's fts5vocab is not used because it counts a
 *              word by walking its whole posting list (25 ms for one
 *              common bigram on 100,000 documents).
 *   ranking    the SIM_TERMS words with the highest weight × idf form one
 *              OR query ranked by bm25 (at most SIM_CANDIDATES rows), taken
 *              relative to the source's own bm25; each candidate is then
 *              re-scored with the services (weighted by rarity) and causes
 *              it shares with the source, read from labels: those columns
 *              sit after the body in a postmortems row.
 *   reasons    shared words are shown as the source writes them; the
 *              overlapping bigrams of one Japanese word are merged and
 *              widened to the whole kanji or katakana word (証明 + 明書 →
 *              証明書) when the other postmortem has that word too.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "pmkb/db/column.h"
#include "pmkb/base/hash.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/search/lexicon.h"
#include "pmkb/search/postings.h"
#include "pmkb/search/query.h"
#include "pmkb/search/reasons.h"
#include "pmkb/search/similar.h"
#include "pmkb/db/store.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/glossary.h"

/* Body bytes read for words: a long appendix adds cost, not meaning. */
#define SIM_BODY_SCAN (32 * 1024)
/* Words looked up in the index, and kept for the OR query. */
#define SIM_LOOKUP 40
#define SIM_TERMS 12
/* Candidates scored (the bm25 query's limit). */
#define SIM_CANDIDATES 64
/* Words shown in a "terms" reason (their length: reasons.h). */
#define SIM_SHOWN_TERMS 6
/*
 * A word used by at least cap postmortems is too common to tell anything:
 * cap is a fifth of the index, within these bounds. The upper bound is
 * what keeps a lookup cheap on a large index.
 */
#define SIM_CAP_MIN 16
#define SIM_CAP_MAX 500
/* Postings read per word at first, and at most in all after that. */
#define SIM_PROBE 64
#define SIM_ROW_BUDGET 2000
/* Weights of the final score; they sum to 1. */
#define W_TEXT 0.6
#define W_SERVICE 0.25
#define W_CAUSE 0.15

enum field { F_TITLE, F_SUMMARY, F_TAGS, F_BODY, F__MAX };

/* How much one occurrence counts, by field. */
static const double field_weight[F__MAX] = { 3.0, 2.0, 2.0, 1.0 };

static const char sql_source[] =
	"SELECT id, title, summary, tags, substr(body, 1, ?2)"
	" FROM postmortems WHERE slug = ?1";
static const char sql_source_id[] =
	"SELECT id, title, summary, tags, substr(body, 1, ?2)"
	" FROM postmortems WHERE id = ?1";
static const char sql_renamed[] =
	"SELECT new_slug FROM slug_redirects WHERE old_slug = ?1";
/* The index size for idf: max(id) costs one seek, count(*) a scan. */
static const char sql_size[] = "SELECT max(id) FROM postmortems";
static const char sql_rank[] =
	"SELECT rowid, bm25(pm_fts, 3.0, 2.0, 2.0, 1.0) AS r FROM pm_fts"
	" WHERE pm_fts MATCH ?1 ORDER BY r LIMIT ?2";
static const char sql_service_df[] =
	"SELECT count(*) FROM (SELECT 1 FROM labels WHERE kind = 'service'"
	" AND value = ?1 LIMIT ?2)";
static const char sql_labels[] =
	"SELECT kind, value, pos FROM labels WHERE pm_id = ?1"
	" AND kind IN ('cause', 'service') ORDER BY kind, pos";
static const char sql_has_phrase[] =
	"SELECT 1 FROM pm_fts WHERE pm_fts MATCH ?1 AND rowid = ?2";
/* The source's people: authors and action-item owners. */
static const char sql_names[] =
	"SELECT value FROM labels WHERE pm_id = ?1 AND kind = 'author'"
	" UNION SELECT owner FROM action_items WHERE pm_id = ?1"
	" AND owner IS NOT NULL";
static const char sql_row[] =
	"SELECT slug, title, started_at, primary_cause, causes, severity,"
	" services FROM postmortems WHERE id = ?1";

/* One distinct word of the source. */
struct term {
	size_t off;	 /* the token, in sim.arena */
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

struct candidate {
	int64_t id;
	double bm25;	/* positive: higher is better */
	double score;
};

struct sim {
	struct dbconn *c;
	int64_t id;		   /* the source */
	char *text[F__MAX];	   /* the source's fields, owned */
	struct buf arena;	   /* token bytes */
	struct term *terms;
	size_t nterms, alloc;
	uint32_t *slots;	   /* hash of terms: index + 1, 0 empty */
	size_t nslots;
	int field;		   /* being tokenized */
	struct glossary *glossary; /* owned */
	struct postings_memo *memo; /* borrowed, may be NULL */
	struct glossary_scan scan; /* of the field being tokenized */
	size_t *concepts;	   /* terms that are concepts */
	size_t nconcepts, concepts_alloc;
	struct pm_list names;	   /* tokens of people's names */
	struct term **chosen;	   /* the OR query's words, best first */
	size_t nchosen;
	struct pm_list services;   /* the source's */
	double *service_idf;	   /* by services, how telling each is */
	double service_total;	   /* their sum */
	struct pm_list causes;	   /* the source's, primary first */
	double size;		   /* postmortems in the index, about */
	int cap;		   /* document frequency deemed common */
};

/* Logs SQLite's message; the user sees only a generic one. */
static enum pm_status db_fail(struct dbconn *c, struct pm_error *err)
{
	log_kv(LOG_ERROR, "similar.sql", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "similar", 0,
			    "similar: the index could not be read");
}

/* ---- the source's words ---- */

static void slots_grow(struct sim *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024, i;

	free(s->slots);
	s->slots = xcalloc(n, sizeof(*s->slots));
	s->nslots = n;
	for (i = 0; i < s->nterms; i++) {
		const struct term *t = &s->terms[i];
		size_t k = hash_bytes(s->arena.ptr + t->off, t->len) & (n - 1);

		while (s->slots[k])
			k = (k + 1) & (n - 1);
		s->slots[k] = (uint32_t)i + 1;
	}
}

/* Adds an occurrence of glossary group g at text[start..end). */
static void add_concept(struct sim *s, int g, int start, int end)
{
	struct term *t;
	size_t i;

	for (i = 0; i < s->nconcepts; i++) {
		t = &s->terms[s->concepts[i]];
		if (t->group == g) {
			t->weight += field_weight[s->field];
			return;
		}
	}
	XGROW(s->concepts, s->concepts_alloc, s->nconcepts + 1);
	s->concepts[s->nconcepts++] = s->nterms;
	XGROW(s->terms, s->alloc, s->nterms + 1);
	t = &s->terms[s->nterms++];
	memset(t, 0, sizeof(*t));
	t->off = s->arena.len;
	t->order = (int)s->nterms - 1;
	t->field = s->field;
	t->start = start;
	t->end = end;
	t->weight = field_weight[s->field];
	t->group = g;
}

/* A token looked up among names: not NUL-terminated. */
struct token_key {
	const char *tok;
	size_t n;
};

static int cmp_token(const void *key, const void *elem)
{
	const struct token_key *k = key;
	const char *v = *(const char *const *)elem;
	int c = strncmp(k->tok, v, k->n);

	return c ? c : v[k->n] ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts names (tokens) for is_name(). */
static void names_sort(struct pm_list *names)
{
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
}

/*
 * Whether tok is (a piece of) one of the names (their tokens, sorted):
 * .pmkb.yml may list 2,000 people, the source has thousands of tokens.
 */
static int is_name(const struct pm_list *names, const char *tok, int ntok)
{
	struct token_key k = { tok, (size_t)ntok };

	return names->n && bsearch(&k, names->v, names->n, sizeof(*names->v),
				   cmp_token);
}

static int token_cb(void *ctx, const char *tok, int ntok, int start, int end,
		    int flags)
{
	struct sim *s = ctx;
	struct term *t;
	size_t k;
	int g, gstart = 0, single;

	if (is_name(&s->names, tok, ntok))
		return 0;
	g = glossary_scan_token(&s->scan, tok, ntok, start, flags, &gstart);
	if (g >= 0)
		add_concept(s, g, gstart, end);
	single = g >= 0 && gstart == start;
	if (flags & PM_TOKEN_RUN_END)
		return 0; /* one character: in too many words to tell */
	if ((flags & PM_TOKEN_CJK) ? !lexicon_bigram_counts(tok, ntok)
				   : !lexicon_word_counts(tok, ntok))
		return 0;
	if ((s->nterms + 1) * 2 > s->nslots)
		slots_grow(s);
	k = hash_bytes(tok, ntok) & (s->nslots - 1);
	while (s->slots[k]) {
		t = &s->terms[s->slots[k] - 1];
		if (t->len == ntok &&
		    !memcmp(s->arena.ptr + t->off, tok, (size_t)ntok)) {
			t->weight += field_weight[s->field];
			t->absorbed |= single;
			return 0;
		}
		k = (k + 1) & (s->nslots - 1);
	}
	XGROW(s->terms, s->alloc, s->nterms + 1);
	t = &s->terms[s->nterms];
	memset(t, 0, sizeof(*t));
	t->off = s->arena.len;
	t->len = ntok;
	t->order = (int)s->nterms;
	t->field = s->field;
	t->start = start;
	t->end = end;
	t->weight = field_weight[s->field];
	t->ident = !(flags & PM_TOKEN_CJK) && lexicon_is_ident(tok, ntok);
	t->group = -1;
	t->absorbed = single;
	buf_add(&s->arena, tok, (size_t)ntok);
	s->slots[k] = (uint32_t)++s->nterms;
	return 0;
}

/*
 * The order of lookups: heaviest first, the earlier word winning a tie
 * (the title comes first). Codes, hosts and versions (ERR1902, db-042)
 * count triple: they are rare whatever their weight, and what two
 * incidents share when they share one; frequent words are mostly common.
 */
static double lookup_key(const struct term *t)
{
	return t->ident ? 3.0 * t->weight : t->weight;
}

static int by_weight(const void *a, const void *b)
{
	const struct term *x = a, *y = b;
	double kx = lookup_key(x), ky = lookup_key(y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->order - y->order;
}

static int by_score(const void *a, const void *b)
{
	const struct term *x = *(const struct term *const *)a;
	const struct term *y = *(const struct term *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->order - y->order;
}

/* A JSON array column as text joined by spaces (tags). */
static char *json_words(const char *v)
{
	json_t *a = v ? json_loads(v, 0, NULL) : NULL;
	struct buf b = BUF_INIT;
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e))
			continue;
		if (b.len)
			buf_addch(&b, ' ');
		buf_addstr(&b, json_string_value(e));
	}
	json_decref(a);
	return buf_detach(&b, NULL);
}

/*
 * Collects the tokens of the names of people who may be mentioned in the
 * source: its authors, its action items' owners and the people of
 * .pmkb.yml. Shared by chance, they say nothing about the incident.
 */
static int name_cb(void *ctx, const char *tok, int ntok, int start, int end,
		   int flags)
{
	struct pm_list *names = ctx;
	char *t;

	(void)start;
	(void)end;
	if (flags & PM_TOKEN_RUN_END)
		return 0;
	/* Duplicates cost nothing to a sorted lookup; checking for them would. */
	t = xstrndup(tok, (size_t)ntok);
	pm_list_add(names, t);
	free(t);
	return 0;
}

static void add_name(struct pm_list *names, const char *name)
{
	if (name[0] == '@')
		name++;
	tokenizer_run(name, (int)strlen(name), 1, name_cb, names);
}

/* Adds the tokens of postmortem id's authors and owners to names. */
static enum pm_status read_names(struct dbconn *c, int64_t id,
				 struct pm_list *names, struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_names);
	int step;

	if (!st)
		return db_fail(c, err);
	sqlite3_bind_int64(st, 1, id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		add_name(names, column_text(st, 0));
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PM_OK : db_fail(c, err);
}

/* Whether text[0..n) holds a token of names. */
struct name_hit {
	const struct pm_list *names;
	int hit;
};

static int name_hit_cb(void *ctx, const char *tok, int ntok, int start,
		       int end, int flags)
{
	struct name_hit *h = ctx;

	(void)start;
	(void)end;
	(void)flags;
	h->hit = is_name(h->names, tok, ntok);
	return h->hit;
}

static int holds_name(const struct pm_list *names, const char *text,
		      size_t n)
{
	struct name_hit h = { names, 0 };

	if (names->n)
		tokenizer_run(text, (int)n, 1, name_hit_cb, &h);
	return h.hit;
}

/*
 * Reads the source (PM_NOT_FOUND when the slug is unknown) and its
 * words; by id when slug is NULL.
 */
static enum pm_status read_source(struct sim *s, const char *slug,
				  int64_t id, const struct taxonomy *tax,
				  struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->c, slug ? sql_source : sql_source_id);
	enum pm_status rc = PM_OK;
	int f, step;
	size_t i;

	if (!st)
		return db_fail(s->c, err);
	if (slug)
		sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, SIM_BODY_SCAN);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? PM_NOT_FOUND : db_fail(s->c, err);
		goto out;
	}
	s->id = sqlite3_column_int64(st, 0);
	s->text[F_TITLE] = xstrdup(column_text(st, 1));
	s->text[F_SUMMARY] = xstrdup(column_text(st, 2));
	s->text[F_TAGS] = json_words((const char *)sqlite3_column_text(st, 3));
	/* substr() counts characters: cut the bytes too. */
	{
		const char *body = column_text(st, 4);
		size_t n = strlen(body);

		n = utf8_truncate(body, n, SIM_BODY_SCAN);
		s->text[F_BODY] = xstrndup(body, n);
	}
	sqlite3_reset(st);
	for (i = 0; tax && i < tax->learning->n_people; i++)
		add_name(&s->names, tax->learning->people[i].name);
	if ((rc = read_names(s->c, s->id, &s->names, err)) != PM_OK)
		goto out;
	names_sort(&s->names);
	for (f = 0; f < F__MAX; f++) {
		s->field = f;
		glossary_scan_init(&s->scan, s->glossary);
		tokenizer_run(s->text[f], (int)strlen(s->text[f]), 1,
			      token_cb, s);
	}
out:
	sqlite3_reset(st);
	return rc;
}

static enum pm_status read_labels(struct dbconn *c, int64_t id,
				  struct pm_list *causes,
				  struct pm_list *services,
				  struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_labels);
	int step;

	if (!st)
		return db_fail(c, err);
	sqlite3_bind_int64(st, 1, id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = column_text(st, 0);

		pm_list_add(!strcmp(kind, "cause") ? causes : services,
			    column_text(st, 1));
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PM_OK : db_fail(c, err);
}

/* ---- lookups ---- */

/*
 * Appends t's MATCH expression to out: its first occurrence, quoted, or
 * for a concept any term of its group, (failover OR "fail over" OR
 * フェイルオーバー).
 */
static void term_expr(const struct sim *s, const struct term *t,
		      struct buf *out)
{
	const struct pm_list *g;
	size_t i;

	if (t->group < 0) {
		query_quote(out, s->text[t->field] + t->start,
			    (size_t)(t->end - t->start));
		return;
	}
	g = glossary_group(s->glossary, t->group);
	buf_addch(out, '(');
	for (i = 0; g && i < g->n; i++) {
		if (i)
			buf_addstr(out, " OR ");
		query_quote(out, g->v[i], strlen(g->v[i]));
	}
	buf_addch(out, ')');
}

/* Whether a text reads back as exactly one given token. */
struct one_token {
	const char *want;
	int len;
	int n;	/* tokens seen */
	int same; /* the first one is want */
};

static int one_token_cb(void *ctx, const char *tok, int ntok, int start,
			int end, int flags)
{
	struct one_token *o = ctx;

	(void)start;
	(void)end;
	(void)flags;
	/* tok lives only during the call: compare it here. */
	if (o->n++ == 0)
		o->same = ntok == o->len &&
			  !memcmp(tok, o->want, (size_t)ntok);
	return o->n > 1;
}

/*
 * Writes the MATCH string for t: its first occurrence as written, quoted.
 * Returns 0 when that text is not read back as exactly t's token (NFKC
 * can turn one character into several), so that a lookup always counts
 * the token itself.
 */
static int term_match(const struct sim *s, const struct term *t,
		      struct buf *out)
{
	const char *w = s->text[t->field] + t->start;
	int n = t->end - t->start;
	struct one_token o = { s->arena.ptr + t->off, t->len, 0, 0 };

	if (t->group >= 0) {
		buf_reset(out);
		term_expr(s, t, out);
		return 1;
	}
	tokenizer_run_query(w, n, 0, 1, one_token_cb, &o);
	if (o.n != 1 || !o.same)
		return 0;
	buf_reset(out);
	query_quote(out, w, (size_t)n);
	return 1;
}

static enum pm_status index_size(struct dbconn *c, int64_t *n,
				 struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_size);
	enum pm_status rc = PM_OK;

	if (!st)
		return db_fail(c, err);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = db_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* How telling it is to share something df postmortems have (bm25's). */
static double idf(const struct sim *s, int df)
{
	return log(1.0 + (s->size - df + 0.5) / (df + 0.5));
}

/* Sets s->size and s->cap (see SIM_CAP_MIN). */
static enum pm_status measure(struct sim *s, struct pm_error *err)
{
	int64_t size = 0;
	enum pm_status rc = index_size(s->c, &size, err);

	s->size = size > 1 ? (double)size : 1.0;
	s->cap = size / 5 < SIM_CAP_MIN	  ? SIM_CAP_MIN
		 : size / 5 > SIM_CAP_MAX ? SIM_CAP_MAX
					  : (int)(size / 5);
	return rc;
}

/*
 * Weighs the source's services by how few postmortems list them: sharing
 * payment-api says more than sharing the web front end every incident
 * touches. Counting stops at s->cap, as for words.
 */
static enum pm_status weigh_services(struct sim *s, struct pm_error *err)
{
	enum pm_status rc = PM_OK;
	size_t i;

	s->service_idf = xcalloc(s->services.n + 1, sizeof(double));
	for (i = 0; i < s->services.n && rc == PM_OK; i++) {
		sqlite3_stmt *st = dbconn_stmt(s->c, sql_service_df);
		int df = 1;

		if (!st)
			return db_fail(s->c, err);
		sqlite3_bind_text(st, 1, s->services.v[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, s->cap);
		if (sqlite3_step(st) == SQLITE_ROW)
			df = sqlite3_column_int(st, 0);
		else
			rc = db_fail(s->c, err);
		sqlite3_reset(st);
		s->service_idf[i] = idf(s, df > 1 ? df : 1);
		s->service_total += s->service_idf[i];
	}
	return rc;
}

/* Whether t is distinctive: some other postmortem uses it, not many. */
static int keep_term(struct sim *s, struct term *t, size_t *nkept)
{
	if (t->df < 2 || t->df >= s->cap)
		return 0;
	t->score = (1.0 + log(t->weight)) * idf(s, t->df);
	s->chosen[(*nkept)++] = t;
	return 1;
}

/*
 * Looks up the heaviest words and keeps in s->chosen the SIM_TERMS most
 * distinctive of those that some other postmortem uses.
 *
 * A lookup reads a word's postings until a limit. First every word is
 * read up to SIM_PROBE postings, which settles the rare ones; only when
 * too few are rare are the others read on up to s->cap, heaviest first,
 * within SIM_ROW_BUDGET postings in all (none without reread). On a
 * large index most heavy words are common, and reading each up to the cap
 * was most of the time.
 */
static enum pm_status choose_terms(struct sim *s, int reread,
				   struct pm_error *err)
{
	struct buf match = BUF_INIT;
	struct term **common = NULL;
	enum pm_status rc = PM_OK;
	size_t i, looked = 0, nkept = 0, ncommon = 0;
	int probe = s->cap < SIM_PROBE ? s->cap : SIM_PROBE, budget;

	/* Sorting moves the terms: the hash is not used after this. */
	if (s->nterms)
		qsort(s->terms, s->nterms, sizeof(*s->terms), by_weight);
	s->chosen = xcalloc(SIM_LOOKUP, sizeof(*s->chosen));
	common = xcalloc(SIM_LOOKUP, sizeof(*common));
	for (i = 0; i < s->nterms && looked < SIM_LOOKUP; i++) {
		struct term *t = &s->terms[i];

		if (t->absorbed || !term_match(s, t, &match))
			continue;
		looked++;
		if ((rc = postings_read(s->c, s->memo, match.ptr, probe,
					 &t->posts, &t->df, err)) != PM_OK)
			goto out;
		if (t->df >= probe && probe < s->cap)
			common[ncommon++] = t;
		else
			keep_term(s, t, &nkept);
	}
	for (i = 0, budget = reread ? SIM_ROW_BUDGET : 0;
	     i < ncommon && nkept < SIM_TERMS && budget > 0; i++) {
		struct term *t = common[i];

		if (!term_match(s, t, &match))
			continue;
		free(t->posts);
		t->posts = NULL;
		t->df = 0;
		if ((rc = postings_read(s->c, s->memo, match.ptr, s->cap,
					 &t->posts, &t->df, err)) != PM_OK)
			goto out;
		budget -= t->df;
		keep_term(s, t, &nkept);
	}
	if (nkept)
		qsort(s->chosen, nkept, sizeof(*s->chosen), by_score);
	s->nchosen = nkept < SIM_TERMS ? nkept : SIM_TERMS;
out:
	free(common);
	buf_release(&match);
	return rc;
}

/* ---- ranking ---- */

static int has_id(const struct term *t, int64_t id)
{
	size_t lo = 0, hi = (size_t)t->df;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->posts[mid] == id)
			return 1;
		if (t->posts[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The best bm25 candidates, the source left out; *self its own score. */
static enum pm_status rank(struct sim *s, struct candidate **out, size_t *n,
			   double *self, struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->c, sql_rank);
	struct buf match = BUF_INIT;
	size_t i, alloc = 0;
	int step;

	*out = NULL;
	*n = 0;
	*self = 0;
	if (!st)
		return db_fail(s->c, err);
	for (i = 0; i < s->nchosen; i++) {
		const struct term *t = s->chosen[i];

		if (i)
			buf_addstr(&match, " OR ");
		term_expr(s, t, &match);
	}
	sqlite3_bind_text(st, 1, match.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, SIM_CANDIDATES + 1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		double r = -sqlite3_column_double(st, 1);

		if (id == s->id) {
			*self = r;
			continue;
		}
		XGROW(*out, alloc, *n + 1);
		(*out)[*n].id = id;
		(*out)[*n].bm25 = r;
		(*out)[*n].score = 0;
		(*n)++;
	}
	sqlite3_reset(st);
	buf_release(&match);
	if (step != SQLITE_DONE)
		return db_fail(s->c, err);
	return PM_OK;
}

static int list_has_nocase(const struct pm_list *l, const char *v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], v))
			return 1;
	return 0;
}

/*
 * What candidate id shares with the source: services (source order,
 * compared without ASCII case) and causes (primary first, "unknown"
 * never counts). *primary: both have the same first cause.
 */
static enum pm_status shared_labels(struct sim *s, int64_t id,
				    struct pm_list *services,
				    struct pm_list *causes, int *primary,
				    double *service_weight,
				    struct pm_error *err)
{
	struct pm_list cc = { NULL, 0, 0 }, cs = { NULL, 0, 0 };
	enum pm_status rc;
	size_t i;

	*primary = 0;
	*service_weight = 0;
	if ((rc = read_labels(s->c, id, &cc, &cs, err)) != PM_OK)
		goto out;
	for (i = 0; i < s->services.n; i++) {
		if (!list_has_nocase(&cs, s->services.v[i]) ||
		    pm_list_has(services, s->services.v[i]))
			continue;
		pm_list_add(services, s->services.v[i]);
		*service_weight += s->service_idf[i];
	}
	for (i = 0; i < s->causes.n; i++)
		if (strcmp(s->causes.v[i], "unknown") &&
		    pm_list_has(&cc, s->causes.v[i]))
			pm_list_add_unique(causes, s->causes.v[i]);
	*primary = s->causes.n && cc.n && !strcmp(s->causes.v[0], cc.v[0]) &&
		   strcmp(cc.v[0], "unknown");
out:
	pm_list_release(&cc);
	pm_list_release(&cs);
	return rc;
}

static double label_score(const struct sim *s, double service_weight,
			  size_t ncauses, int primary)
{
	double svc = s->service_total > 0 ? service_weight / s->service_total
					  : 0;
	double cause = primary ? 1.0 : ncauses ? 0.5 : 0.0;

	return W_SERVICE * svc + W_CAUSE * cause;
}

static int by_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->bm25 != y->bm25)
		return x->bm25 > y->bm25 ? -1 : 1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* ---- reasons ---- */

/* Whether postmortem id has the phrase t[start..end). */
static int has_phrase(struct dbconn *c, int64_t id, const char *t,
		      int start, int end)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_has_phrase);
	struct buf m = BUF_INIT;
	int found = 0;

	if (!st)
		return 0;
	query_quote(&m, t + start, (size_t)(end - start));
	sqlite3_bind_text(st, 1, m.ptr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	buf_release(&m);
	return found;
}

/* Whether v (n bytes) is already in a, without ASCII case. */
static int json_has_nocase(json_t *a, const char *v, size_t n)
{
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
	{
		if (json_string_length(e) == n &&
		    !strncasecmp(json_string_value(e), v, n))
			return 1;
	}
	return 0;
}

/*
 * The source's words that candidate id also uses, as the source writes
 * them, most distinctive first. Overlapping occurrences (the bigrams of
 * one Japanese word) are merged into one.
 */
static json_t *shared_terms(const struct sim *s, int64_t id)
{
	struct pm_list names = { NULL, 0, 0 };
	struct pm_error err;
	struct shown sh[SIM_TERMS];
	json_t *a = json_array();
	size_t i, n = 0, out = 0;

	for (i = 0; i < s->nchosen; i++) {
		const struct term *t = s->chosen[i];

		if (!has_id(t, id))
			continue;
		sh[n].field = t->field;
		sh[n].start = t->start;
		sh[n].end = t->end;
		sh[n].score = t->score;
		sh[n].whole = t->group >= 0;
		n++;
	}
	if (!n)
		return a;
	/* The other's people are no reason either (a read error: none). */
	read_names(s->c, id, &names, &err);
	names_sort(&names);
	qsort(sh, n, sizeof(*sh), reasons_by_place);
	for (i = 1; i < n; i++) {
		struct shown *m = &sh[out];

		if (sh[i].field == m->field && sh[i].start < m->end) {
			if (sh[i].end > m->end)
				m->end = sh[i].end;
			if (sh[i].score > m->score)
				m->score = sh[i].score;
			m->whole |= sh[i].whole;
		} else {
			sh[++out] = sh[i];
		}
	}
	n = out + 1;
	for (i = 0; i < n; i++) {
		struct shown w = sh[i];

		if (w.whole)
			continue;
		reasons_widen(s->text[w.field], &w);
		if (w.start == sh[i].start && w.end == sh[i].end)
			continue;
		/*
		 * Without the whole word the shared bigram is likely a
		 * coincidence (ラグ of フラグ for コンシューマラグ): not shown.
		 */
		if (has_phrase(s->c, id, s->text[w.field], w.start, w.end))
			sh[i] = w;
		else
			sh[i].score = -1;
	}
	qsort(sh, n, sizeof(*sh), reasons_by_score);
	for (i = 0; i < n && sh[i].score >= 0 &&
		    json_array_size(a) < SIM_SHOWN_TERMS; i++) {
		const char *w = s->text[sh[i].field] + sh[i].start;
		size_t len = (size_t)(sh[i].end - sh[i].start);

		if (!json_has_nocase(a, w, len) && !holds_name(&names, w, len))
			json_array_append_new(a, json_stringn(w, len));
	}
	pm_list_release(&names);
	return a;
}

/* Appends candidate k's result object to results. */
static enum pm_status add_result(struct sim *s, const struct candidate *k,
				 json_t *results, struct pm_error *err)
{
	struct pm_list services = { NULL, 0, 0 }, causes = { NULL, 0, 0 };
	sqlite3_stmt *st;
	struct buf url = BUF_INIT;
	enum pm_status rc;
	json_t *r, *reasons, *terms;
	double weight;
	int primary;

	if ((rc = shared_labels(s, k->id, &services, &causes, &primary,
				&weight, err)) != PM_OK)
		goto out;
	if (!(st = dbconn_stmt(s->c, sql_row))) {
		rc = db_fail(s->c, err);
		goto out;
	}
	sqlite3_bind_int64(st, 1, k->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		rc = db_fail(s->c, err);
		goto out;
	}
	buf_addstr(&url, "/p/");
	buf_add_urlencoded(&url, column_text(st, 0));
	reasons = json_array();
	if (services.n)
		json_array_append_new(
			reasons, json_pack("{s:s,s:o}", "kind", "service",
					   "values", pm_list_json(&services)));
	if (causes.n)
		json_array_append_new(
			reasons, json_pack("{s:s,s:o,s:b}", "kind", "cause",
					   "values", pm_list_json(&causes),
					   "primary", primary));
	terms = shared_terms(s, k->id);
	if (json_array_size(terms))
		json_array_append_new(reasons,
				      json_pack("{s:s,s:o}", "kind", "terms",
						"values", terms));
	else
		json_decref(terms);
	r = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "slug",
		      column_string(st, 0), "title", column_string(st, 1),
		      "started_at", column_string(st, 2), "cause",
		      column_string(st, 3), "causes", column_array(st, 4),
		      "severity", column_string(st, 5), "services",
		      column_array(st, 6), "url", url.ptr);
	sqlite3_reset(st);
	/* Three decimals: more would suggest a precision it does not have. */
	json_object_set_new(r, "score",
			    json_real(round(k->score * 1000.0) / 1000.0));
	json_object_set_new(r, "reasons", reasons);
	json_array_append_new(results, r);
out:
	pm_list_release(&services);
	pm_list_release(&causes);
	buf_release(&url);
	return rc;
}

/* Scores every candidate and appends the best limit to results. */
static enum pm_status score(struct sim *s, int limit, json_t *results,
			    struct pm_error *err)
{
	struct candidate *cand = NULL;
	enum pm_status rc;
	double self, best;
	size_t n = 0, i;

	if (!s->nchosen)
		return PM_OK;
	if ((rc = rank(s, &cand, &n, &self, err)) != PM_OK)
		goto out;
	/*
	 * bm25 is relative to the query: measure candidates against the
	 * source itself, which uses every word (or against the best one
	 * should the source not be ranked).
	 */
	best = self;
	for (i = 0; i < n; i++)
		if (cand[i].bm25 > best)
			best = cand[i].bm25;
	for (i = 0; i < n; i++) {
		struct pm_list services = { NULL, 0, 0 };
		struct pm_list causes = { NULL, 0, 0 };
		double text = best > 0 ? cand[i].bm25 / best : 0, weight;
		int primary;

		rc = shared_labels(s, cand[i].id, &services, &causes, &primary,
				   &weight, err);
		if (rc == PM_OK)
			cand[i].score = W_TEXT * text +
					label_score(s, weight, causes.n,
						    primary);
		pm_list_release(&services);
		pm_list_release(&causes);
		if (rc != PM_OK)
			goto out;
	}
	if (n)
		qsort(cand, n, sizeof(*cand), by_candidate);
	for (i = 0; i < n && i < (size_t)limit; i++)
		if ((rc = add_result(s, &cand[i], results, err)) != PM_OK)
			goto out;
out:
	free(cand);
	return rc;
}

/* Sets *renamed to the slug that slug was renamed to, or NULL. */
static enum pm_status find_renamed(struct dbconn *c, const char *slug,
				   char **renamed, struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(c, sql_renamed);
	int step;

	if (!st)
		return db_fail(c, err);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*renamed = xstrdup(column_text(st, 0));
	sqlite3_reset(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? PM_OK
							 : db_fail(c, err);
}

static void sim_release(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->nterms; i++)
		free(s->terms[i].posts);
	for (i = 0; i < F__MAX; i++)
		free(s->text[i]);
	free(s->terms);
	free(s->slots);
	free(s->chosen);
	free(s->service_idf);
	free(s->concepts);
	glossary_free(s->glossary);
	pm_list_release(&s->names);
	buf_release(&s->arena);
	pm_list_release(&s->services);
	pm_list_release(&s->causes);
}

/* ---- overlap: a score comparable across postmortems ---- */

struct hit {
	int64_t id;
	size_t term;
};

static int by_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->term < y->term ? -1 : x->term > y->term;
}

static int by_share(const void *a, const void *b)
{
	const struct similar_share *x = a, *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/*
 * The words an overlap is measured on: the SIM_TERMS most distinctive of
 * those looked up whose postings were read whole (fewer than the cap),
 * including those only the source uses. Those count against every other
 * postmortem: a new incident that is mostly new words is not a repeat.
 */
static void overlap_terms(struct sim *s)
{
	size_t i, n = 0;
	int probe = s->cap < SIM_PROBE ? s->cap : SIM_PROBE;

	for (i = 0; i < s->nterms && n < SIM_LOOKUP; i++) {
		struct term *t = &s->terms[i];

		if (t->df < 1 || t->df >= s->cap ||
		    (t->df == probe && probe < s->cap))
			continue;
		t->score = (1.0 + log(t->weight)) * idf(s, t->df);
		s->chosen[n++] = t;
	}
	if (n)
		qsort(s->chosen, n, sizeof(*s->chosen), by_score);
	s->nchosen = n < SIM_TERMS ? n : SIM_TERMS;
}

size_t similar_overlap(const struct similar_posting *terms, size_t nterms,
		       int64_t self, double min_share, size_t min_terms,
		       struct similar_share *out, size_t max)
{
	struct hit *hits = NULL;
	double total = 0;
	size_t nhits = 0, alloc = 0, i, j, n = 0;

	for (i = 0; i < nterms; i++) {
		if (terms[i].weight <= 0)
			continue;
		total += terms[i].weight;
		for (j = 0; j < terms[i].n; j++) {
			if (terms[i].ids[j] == self)
				continue;
			XGROW(hits, alloc, nhits + 1);
			hits[nhits].id = terms[i].ids[j];
			hits[nhits].term = i;
			nhits++;
		}
	}
	if (nhits)
		qsort(hits, nhits, sizeof(*hits), by_hit);
	/* All candidates first, then the best max of them. */
	for (i = 0; i < nhits && total > 0; i = j) {
		double sum = 0;
		size_t k = 0;

		for (j = i; j < nhits && hits[j].id == hits[i].id; j++) {
			/* A word listed twice for one postmortem counts once. */
			if (j > i && hits[j].term == hits[j - 1].term)
				continue;
			sum += terms[hits[j].term].weight;
			k++;
		}
		if (k < min_terms || sum / total < min_share)
			continue;
		/* Keeps the best max: a new one replaces the weakest. */
		if (n < max) {
			out[n].id = hits[i].id;
			out[n].share = sum / total;
			out[n].nterms = k;
			out[n].terms = NULL;
			n++;
		} else {
			size_t w = 0;

			for (size_t m = 1; m < n; m++)
				if (out[m].share < out[w].share)
					w = m;
			if (sum / total > out[w].share) {
				out[w].id = hits[i].id;
				out[w].share = sum / total;
				out[w].nterms = k;
			}
		}
	}
	if (n)
		qsort(out, n, sizeof(*out), by_share);
	free(hits);
	return n;
}

void similar_shares_free(struct similar_share *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		json_decref(v[i].terms);
	free(v);
}

enum pm_status similar_shares(struct dbconn *c, int64_t id, double min_share,
			      struct postings_memo *memo, similar_keep_fn keep,
			      void *ctx, struct similar_share **out, size_t *n,
			      struct pm_error *err)
{
	struct similar_posting *post = NULL;
	struct similar_share *v = NULL;
	enum pm_status rc;
	struct sim s;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.memo = memo;
	buf_init(&s.arena, 0);
	/* The built-in glossary: the settings are not at hand here. */
	s.glossary = glossary_new(NULL);
	/*
	 * Words that SIM_PROBE postmortems use are left out rather than
	 * counted: what makes a repeat is rarer, and counting them was most
	 * of the time of deciding recurrences at index time.
	 */
	if ((rc = read_source(&s, NULL, id, NULL, err)) != PM_OK ||
	    (rc = measure(&s, err)) != PM_OK ||
	    (rc = choose_terms(&s, 0, err)) != PM_OK)
		goto out;
	overlap_terms(&s);
	if (!s.nchosen)
		goto out;
	post = xcalloc(s.nchosen, sizeof(*post));
	for (i = 0; i < s.nchosen; i++) {
		post[i].ids = s.chosen[i]->posts;
		post[i].n = (size_t)s.chosen[i]->df;
		post[i].weight = s.chosen[i]->score;
	}
	v = xcalloc(SIMILAR_MAX_SHARES, sizeof(*v));
	k = similar_overlap(post, s.nchosen, s.id, min_share,
			    SIMILAR_MIN_SHARED, v, SIMILAR_MAX_SHARES);
	/*
	 * The bigrams of one Japanese word are several postings but one
	 * word: count what shared_terms() shows, merged.
	 */
	for (i = 0; i < k; i++) {
		json_t *t;

		/* Before the words: showing them costs queries. */
		if (keep && !keep(ctx, v[i].id, v[i].share))
			continue;
		t = shared_terms(&s, v[i].id);

		if (json_array_size(t) < SIMILAR_MIN_SHARED) {
			json_decref(t);
			continue;
		}
		v[*n] = v[i];
		v[*n].terms = t;
		v[*n].nterms = json_array_size(t);
		(*n)++;
	}
	*out = v;
	v = NULL;
out:
	similar_shares_free(v, 0);
	free(post);
	sim_release(&s);
	return rc;
}

/* The source as the index holds it: every column pm_fts matches on. */
static const char sql_indexed[] =
	"SELECT title, summary, keywords, body FROM postmortems WHERE id = ?1";

/* Reads postmortem id's indexed text into s and tokenizes all of it. */
static enum pm_status read_indexed(struct sim *s, int64_t id,
				   struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->c, sql_indexed);
	int f, step;

	if (!st)
		return db_fail(s->c, err);
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		sqlite3_reset(st);
		return step == SQLITE_DONE ? PM_NOT_FOUND : db_fail(s->c, err);
	}
	s->id = id;
	/* Keywords sit in the tags' place: which field a word is in does
	 * not matter here, only that it is in one. */
	for (f = 0; f < F__MAX; f++)
		s->text[f] = xstrdup(column_text(st, f));
	sqlite3_reset(st);
	/*
	 * No names: whether a token is a person's is decided by the other
	 * postmortem's people, unknown here; keeping them only costs
	 * lookups.
	 */
	for (f = 0; f < F__MAX; f++) {
		s->field = f;
		glossary_scan_init(&s->scan, s->glossary);
		tokenizer_run(s->text[f], (int)strlen(s->text[f]), 1,
			      token_cb, s);
	}
	return PM_OK;
}

enum pm_status similar_sharing(struct dbconn *c, int64_t id,
			       struct postings_memo *memo, int64_t **ids,
			       size_t *n, struct pm_error *err)
{
	struct buf match = BUF_INIT;
	struct hit *hits = NULL;
	enum pm_status rc;
	struct sim s;
	size_t nhits = 0, alloc = 0, nout = 0, i, j;
	int probe;

	*ids = NULL;
	*n = 0;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.memo = memo;
	buf_init(&s.arena, 0);
	/* The glossary similar_shares() uses. */
	s.glossary = glossary_new(NULL);
	if ((rc = read_indexed(&s, id, err)) != PM_OK ||
	    (rc = measure(&s, err)) != PM_OK)
		goto out;
	probe = s.cap < SIM_PROBE ? s.cap : SIM_PROBE;
	/*
	 * A word of another postmortem that this one uses is a word of this
	 * one, its postings the same from either side; a concept of the
	 * other's that this one has a term of is one of this one's concepts.
	 * So every word the other could count is among these terms, each
	 * read as similar_shares() reads it, up to the same limit.
	 */
	for (i = 0; i < s.nterms; i++) {
		struct term *t = &s.terms[i];

		if (!term_match(&s, t, &match)) {
			/* NFKC: ask for the token itself. */
			buf_reset(&match);
			query_quote(&match, s.arena.ptr + t->off,
				    (size_t)t->len);
		}
		if ((rc = postings_read(c, memo, match.ptr, probe, &t->posts,
					&t->df, err)) != PM_OK)
			goto out;
		if (t->df >= probe)
			continue; /* too common to be counted */
		for (j = 0; j < (size_t)t->df; j++) {
			if (t->posts[j] == id)
				continue;
			XGROW(hits, alloc, nhits + 1);
			hits[nhits].id = t->posts[j];
			hits[nhits].term = i;
			nhits++;
		}
	}
	if (nhits)
		qsort(hits, nhits, sizeof(*hits), by_hit);
	/* Terms are distinct: k hits on one id are k words in common. */
	for (i = 0; i < nhits; i = j) {
		for (j = i; j < nhits && hits[j].id == hits[i].id; j++)
			;
		if (j - i >= SIMILAR_MIN_SHARED)
			hits[nout++].id = hits[i].id;
	}
	if (nout) {
		*ids = xcalloc(nout, sizeof(**ids));
		for (i = 0; i < nout; i++)
			(*ids)[i] = hits[i].id;
		*n = nout;
	}
out:
	free(hits);
	buf_release(&match);
	sim_release(&s);
	return rc;
}

enum pm_status similar_run(struct dbconn *c, const struct taxonomy *tax,
			   const char *slug, int limit, json_t **out,
			   char **renamed, struct pm_error *err)
{
	struct sim s;
	enum pm_status rc;
	json_t *results = NULL;
	int in_txn = 0;

	*out = NULL;
	if (renamed)
		*renamed = NULL;
	memset(&s, 0, sizeof(s));
	s.c = c;
	buf_init(&s.arena, 0);
	s.glossary = glossary_new(tax);
	if (limit < 1 || limit > PM_SIMILAR_MAX_LIMIT) {
		rc = pm_error_set(err, PM_INVALID, "similar", 0,
				  "limit: expected a number from 1 to %d",
				  PM_SIMILAR_MAX_LIMIT);
		goto out;
	}
	/* One snapshot: the words, the ranking and the rows agree. */
	if (dbconn_exec(c, "BEGIN") != PM_OK) {
		rc = db_fail(c, err);
		goto out;
	}
	in_txn = 1;
	rc = read_source(&s, slug, 0, tax, err);
	if (rc == PM_NOT_FOUND) {
		if (renamed && (rc = find_renamed(c, slug, renamed, err)) ==
				       PM_OK)
			rc = PM_NOT_FOUND;
		if (rc == PM_NOT_FOUND)
			pm_error_set(err, PM_NOT_FOUND, "similar", 0,
				     "no such postmortem");
		goto out;
	}
	if (rc != PM_OK ||
	    (rc = read_labels(c, s.id, &s.causes, &s.services, err)) !=
		    PM_OK ||
	    (rc = measure(&s, err)) != PM_OK ||
	    (rc = weigh_services(&s, err)) != PM_OK ||
	    (rc = choose_terms(&s, 1, err)) != PM_OK)
		goto out;
	results = json_array();
	if ((rc = score(&s, limit, results, err)) != PM_OK)
		goto out;
	*out = json_pack("{s:s,s:o}", "slug", slug, "results", results);
	results = NULL;
	if (!*out)
		rc = pm_error_set(err, PM_INTERNAL, "similar", 0,
				  "similar: the answer could not be written");
out:
	if (in_txn)
		dbconn_exec(c, "COMMIT");
	json_decref(results);
	sim_release(&s);
	return rc;
}
