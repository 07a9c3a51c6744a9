/*
 * A postmortem's words: see include/pmkb/search/simwords.h.
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

#include "pmkb/base/buf.h"
#include "pmkb/base/hash.h"
#include "pmkb/base/log.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/db/tokenizer.h"
#include "pmkb/doc/learning.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/glossary.h"
#include "pmkb/search/lexicon.h"
#include "pmkb/search/postings.h"
#include "pmkb/search/query.h"
#include "pmkb/search/reasons.h"
#include "pmkb/search/simwords.h"

/* Body bytes read for words: a long appendix adds cost, not meaning. */
#define SIM_BODY_SCAN (32 * 1024)
/* Words looked up in the index. */
#define SIM_LOOKUP 40
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

/* How much one occurrence counts, by field. */
static const double field_weight[F__MAX] = { 3.0, 2.0, 2.0, 1.0 };

static const char sql_source[] =
	"SELECT id, title, summary, tags, substr(body, 1, ?2)"
	" FROM postmortems WHERE slug = ?1";
static const char sql_source_id[] =
	"SELECT id, title, summary, tags, substr(body, 1, ?2)"
	" FROM postmortems WHERE id = ?1";
/* The index size for idf: max(id) costs one seek, count(*) a scan. */
static const char sql_size[] = "SELECT max(id) FROM postmortems";
static const char sql_has_phrase[] =
	"SELECT 1 FROM pm_fts WHERE pm_fts MATCH ?1 AND rowid = ?2";
/* The source as the index holds it: every column pm_fts matches on. */
static const char sql_indexed[] =
	"SELECT title, summary, keywords, body FROM postmortems WHERE id = ?1";
/* The source's people: authors and action-item owners. */
static const char sql_names[] =
	"SELECT value FROM labels WHERE pm_id = ?1 AND kind = 'author'"
	" UNION SELECT owner FROM action_items WHERE pm_id = ?1"
	" AND owner IS NOT NULL";

enum pm_status simwords_fail(struct dbconn *c, struct pm_error *err)
{
	log_kv(LOG_ERROR, "similar.sql", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "similar", 0,
			    "similar: the index could not be read");
}

void simwords_init(struct simwords *w, struct dbconn *c,
		   const struct taxonomy *tax, struct postings_memo *memo)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->memo = memo;
	buf_init(&w->arena, 0);
	w->glossary = glossary_new(tax);
}

void simwords_release(struct simwords *w)
{
	size_t i;

	for (i = 0; i < w->nterms; i++)
		free(w->terms[i].posts);
	for (i = 0; i < F__MAX; i++)
		free(w->text[i]);
	free(w->terms);
	free(w->slots);
	free(w->chosen);
	free(w->concepts);
	glossary_free(w->glossary);
	pm_list_release(&w->names);
	buf_release(&w->arena);
}

int simwords_probe(const struct simwords *w)
{
	return w->cap < SIM_PROBE ? w->cap : SIM_PROBE;
}


/* ---- the source's words ---- */

static void slots_grow(struct simwords *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024, i;

	free(s->slots);
	s->slots = xcalloc(n, sizeof(*s->slots));
	s->nslots = n;
	for (i = 0; i < s->nterms; i++) {
		const struct simword *t = &s->terms[i];
		size_t k = hash_bytes(s->arena.ptr + t->off, t->len) & (n - 1);

		while (s->slots[k])
			k = (k + 1) & (n - 1);
		s->slots[k] = (uint32_t)i + 1;
	}
}

/* Adds an occurrence of glossary group g at text[start..end). */
static void add_concept(struct simwords *s, int g, int start, int end)
{
	struct simword *t;
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
	struct simwords *s = ctx;
	struct simword *t;
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
static double lookup_key(const struct simword *t)
{
	return t->ident ? 3.0 * t->weight : t->weight;
}

static int by_weight(const void *a, const void *b)
{
	const struct simword *x = a, *y = b;
	double kx = lookup_key(x), ky = lookup_key(y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->order - y->order;
}

static int by_score(const void *a, const void *b)
{
	const struct simword *x = *(const struct simword *const *)a;
	const struct simword *y = *(const struct simword *const *)b;

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
		return simwords_fail(c, err);
	sqlite3_bind_int64(st, 1, id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		add_name(names, column_text(st, 0));
	sqlite3_reset(st);
	return step == SQLITE_DONE ? PM_OK : simwords_fail(c, err);
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

void simwords_tokenize(struct simwords *s)
{
	for (int f = 0; f < F__MAX; f++) {
		s->field = f;
		glossary_scan_init(&s->scan, s->glossary);
		tokenizer_run(s->text[f], (int)strlen(s->text[f]), 1,
			      token_cb, s);
	}
}

enum pm_status simwords_load(struct simwords *s, const char *slug,
			     int64_t id, const struct taxonomy *tax,
			     struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->c, slug ? sql_source : sql_source_id);
	enum pm_status rc = PM_OK;
	int step;
	size_t i;

	if (!st)
		return simwords_fail(s->c, err);
	if (slug)
		sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, SIM_BODY_SCAN);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? PM_NOT_FOUND
					 : simwords_fail(s->c, err);
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
out:
	sqlite3_reset(st);
	return rc;
}

enum pm_status simwords_read(struct simwords *s, const char *slug,
			     int64_t id, const struct taxonomy *tax,
			     struct pm_error *err)
{
	enum pm_status rc = simwords_load(s, slug, id, tax, err);

	if (rc == PM_OK)
		simwords_tokenize(s);
	return rc;
}
/* ---- lookups ---- */

/*
 * Appends t's MATCH expression to out: its first occurrence, quoted, or
 * for a concept any term of its group, (failover OR "fail over" OR
 * フェイルオーバー).
 */
void simwords_expr(const struct simwords *s, const struct simword *t,
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
int simwords_match(const struct simwords *s, const struct simword *t,
		   struct buf *out)
{
	const char *w = s->text[t->field] + t->start;
	int n = t->end - t->start;
	struct one_token o = { s->arena.ptr + t->off, t->len, 0, 0 };

	if (t->group >= 0) {
		buf_reset(out);
		simwords_expr(s, t, out);
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
		return simwords_fail(c, err);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = simwords_fail(c, err);
	sqlite3_reset(st);
	return rc;
}

/* How telling it is to share something df postmortems have (bm25's). */
double simwords_idf(const struct simwords *s, int df)
{
	return log(1.0 + (s->size - df + 0.5) / (df + 0.5));
}

/* Sets s->size and s->cap (see SIM_CAP_MIN). */
enum pm_status simwords_measure(struct simwords *s, struct pm_error *err)
{
	int64_t size = 0;
	enum pm_status rc = index_size(s->c, &size, err);

	s->size = size > 1 ? (double)size : 1.0;
	s->cap = size / 5 < SIM_CAP_MIN	  ? SIM_CAP_MIN
		 : size / 5 > SIM_CAP_MAX ? SIM_CAP_MAX
					  : (int)(size / 5);
	return rc;
}

/* Whether t is distinctive: some other postmortem uses it, not many. */
static int keep_term(struct simwords *s, struct simword *t, size_t *nkept)
{
	if (t->df < 2 || t->df >= s->cap)
		return 0;
	t->score = (1.0 + log(t->weight)) * simwords_idf(s, t->df);
	s->chosen[(*nkept)++] = t;
	return 1;
}

/*
 * Looks up the heaviest words and keeps in s->chosen the SIMWORDS_TERMS most
 * distinctive of those that some other postmortem uses.
 *
 * A lookup reads a word's postings until a limit. First every word is
 * read up to SIM_PROBE postings, which settles the rare ones; only when
 * too few are rare are the others read on up to s->cap, heaviest first,
 * within SIM_ROW_BUDGET postings in all (none without reread). On a
 * large index most heavy words are common, and reading each up to the cap
 * was most of the time.
 */
enum pm_status simwords_choose(struct simwords *s, int reread,
			       struct pm_error *err)
{
	struct buf match = BUF_INIT;
	struct simword **common = NULL;
	enum pm_status rc = PM_OK;
	size_t i, looked = 0, nkept = 0, ncommon = 0;
	int probe = s->cap < SIM_PROBE ? s->cap : SIM_PROBE, budget;

	/* Sorting moves the terms: the hash is not used after this. */
	if (s->nterms)
		qsort(s->terms, s->nterms, sizeof(*s->terms), by_weight);
	s->chosen = xcalloc(SIM_LOOKUP, sizeof(*s->chosen));
	common = xcalloc(SIM_LOOKUP, sizeof(*common));
	for (i = 0; i < s->nterms && looked < SIM_LOOKUP; i++) {
		struct simword *t = &s->terms[i];

		if (t->absorbed || !simwords_match(s, t, &match))
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
	     i < ncommon && nkept < SIMWORDS_TERMS && budget > 0; i++) {
		struct simword *t = common[i];

		if (!simwords_match(s, t, &match))
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
	s->nchosen = nkept < SIMWORDS_TERMS ? nkept : SIMWORDS_TERMS;
out:
	free(common);
	buf_release(&match);
	return rc;
}

/*
 * The words an overlap is measured on: the SIMWORDS_TERMS most distinctive of
 * those looked up whose postings were read whole (fewer than the cap),
 * including those only the source uses. Those count against every other
 * postmortem: a new incident that is mostly new words is not a repeat.
 */
void simwords_choose_read(struct simwords *s)
{
	size_t i, n = 0;
	int probe = simwords_probe(s);

	for (i = 0; i < s->nterms && n < SIM_LOOKUP; i++) {
		struct simword *t = &s->terms[i];

		if (t->df < 1 || t->df >= s->cap ||
		    (t->df == probe && probe < s->cap))
			continue;
		t->score = (1.0 + log(t->weight)) * simwords_idf(s, t->df);
		s->chosen[n++] = t;
	}
	if (n)
		qsort(s->chosen, n, sizeof(*s->chosen), by_score);
	s->nchosen = n < SIMWORDS_TERMS ? n : SIMWORDS_TERMS;
}

int simword_has(const struct simword *t, int64_t id)
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
json_t *simwords_shared(const struct simwords *s, int64_t id)
{
	struct pm_list names = { NULL, 0, 0 };
	struct pm_error err;
	struct shown sh[SIMWORDS_TERMS];
	json_t *a = json_array();
	size_t i, n = 0, out = 0;

	for (i = 0; i < s->nchosen; i++) {
		const struct simword *t = s->chosen[i];

		if (!simword_has(t, id))
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

/* Reads postmortem id's indexed text into s and tokenizes all of it. */
enum pm_status simwords_read_indexed(struct simwords *s, int64_t id,
				     struct pm_error *err)
{
	sqlite3_stmt *st = dbconn_stmt(s->c, sql_indexed);
	int f, step;

	if (!st)
		return simwords_fail(s->c, err);
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		sqlite3_reset(st);
		return step == SQLITE_DONE ? PM_NOT_FOUND
					   : simwords_fail(s->c, err);
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
	simwords_tokenize(s);
	return PM_OK;
}
