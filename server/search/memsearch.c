/*
 * A search evaluated in memory: see include/pmkb/search/memsearch.h.
 *
 * Map:
 *   parse   the expression into phrases, in FTS5's order (as written),
 *           each with its group; AND only between top-level items, OR
 *           anywhere; anything else gives up
 *   walk    one cursor per phrase from its highest rowid down: the next
 *           candidate is the lowest of the groups' highest rows left (no
 *           higher row is in every group), every cursor skips to it, and
 *           it is a match when every group has a phrase there; the
 *           phrases there give their weighted frequencies, the others 0
 *           (bm25() counts no instances of a phrase a row lacks)
 *   score   rankfn_bm25() with each phrase's IDF from its postings' length
 *           and the averages FTS5 keeps (db/ftsrecord.h)
 *   rest    the matches not walked, for listing only: each group's union
 *           of its phrases' sets, intersected (CRoaring)
 */
#include <stdlib.h>
#include <string.h>

#include <roaring/roaring.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/db/ftsrecord.h"
#include "pmkb/db/rankfn.h"
#include "pmkb/search/memsearch.h"
#include "pmkb/search/phrasecache.h"

/* Groups are a bit each in a mask. */
#define GROUPS_MAX 64

struct memsearch {
	struct phrasecache *pc;
	int n, alloc;			/* phrases */
	char **text;			/* per phrase, as FTS5 reads it */
	int *group;			/* per phrase */
	const struct phrasepost **post; /* per phrase */
	const struct phrasepost *only;	/* with exact words: the matches */
	long k_only;
	const uint32_t *rows;		/* memsearch_restrict()'s, or NULL */
	long k_rows;
	roaring_bitmap_t *left;		/* left_set()'s, at left_k */
	long left_k;
	long *k;			/* per phrase: its cursor, or -1 */
	/* per phrase: an earlier one of its group with the same postings
	 * (the query writes a Japanese term twice): its cursor is that
	 * one's; or -1 */
	int *same;
	unsigned char *here;		/* per phrase: in the last match */
	int64_t last;			/* the walk's last match; past it: -1 */
	double *idf, *freq;		/* per phrase */
	int n_group;
	uint64_t all;			/* every group's bit */
	double avgdl;
};

/* ---- parse ---- */

struct parser {
	const char *s;
	size_t i;
	struct memsearch *m;
};

static void skip_spaces(struct parser *p)
{
	while (p->s[p->i] == ' ')
		p->i++;
}

/* Whether the operator word w (followed by a space) is next; skips it. */
static int op(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	skip_spaces(p);
	if (strncmp(p->s + p->i, w, n) || p->s[p->i + n] != ' ')
		return 0;
	p->i += n;
	return 1;
}

/* A quoted string with an optional '*' after it, into group g. */
static int phrase(struct parser *p, int g)
{
	struct memsearch *m = p->m;
	size_t start = p->i;

	if (p->s[p->i++] != '"')
		return 0;
	for (;;) {
		if (!p->s[p->i])
			return 0;
		if (p->s[p->i++] != '"')
			continue;
		if (p->s[p->i] != '"')
			break;
		p->i++; /* a doubled quote */
	}
	if (p->s[p->i] == '*')
		p->i++;
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? 2 * m->alloc : 8;
		m->text = xrealloc(m->text,
				   (size_t)m->alloc * sizeof(*m->text));
		m->group = xrealloc(m->group,
				    (size_t)m->alloc * sizeof(*m->group));
	}
	m->text[m->n] = xstrndup(p->s + start, p->i - start);
	m->group[m->n++] = g;
	return 1;
}

static int or_list(struct parser *p, int g, int depth);

/* A phrase or a parenthesised OR list, into group g. */
static int item(struct parser *p, int g, int depth)
{
	skip_spaces(p);
	if (p->s[p->i] != '(')
		return phrase(p, g);
	if (depth > 32)
		return 0;
	p->i++;
	if (!or_list(p, g, depth + 1))
		return 0;
	skip_spaces(p);
	return p->s[p->i++] == ')';
}

static int or_list(struct parser *p, int g, int depth)
{
	if (!item(p, g, depth))
		return 0;
	while (op(p, "OR"))
		if (!item(p, g, depth))
			return 0;
	return 1;
}

/* The whole expression: items joined by AND (a group each) or by OR. */
static int parse(struct parser *p)
{
	int g = 0, ands = 0, ors = 0;

	if (!item(p, g, 0))
		return 0;
	for (;;) {
		skip_spaces(p);
		if (!p->s[p->i])
			break;
		if (op(p, "AND")) {
			if (ors || g + 1 == GROUPS_MAX)
				return 0;
			ands = 1;
			g++;
		} else if (op(p, "OR")) {
			if (ands)
				return 0;
			ors = 1;
		} else {
			return 0;
		}
		if (!item(p, g, 0))
			return 0;
	}
	p->m->n_group = g + 1;
	return 1;
}

/* Parses match into m's phrases; 0 when it is not a shape evaluated. */
static int parse_into(struct memsearch *m, const char *match)
{
	struct parser p = { match, 0, m };

	return parse(&p) && m->n;
}

int memsearch_shape(const char *match)
{
	struct memsearch *m = xcalloc(1, sizeof(*m));
	int n = parse_into(m, match) ? m->n : 0;

	memsearch_close(m);
	return n;
}

/* ---- open, walk, score ---- */

enum pm_status memsearch_open(struct dbconn *c, const char *match,
			      const char *exact, struct memsearch **out,
			      struct pm_error *err)
{
	struct phrasecache *pc = phrasecache_of(c);
	struct memsearch *m;
	int64_t pos, n_row, n_token;
	enum pm_status st = PM_OK;
	int i;

	*out = NULL;
	if (!pc || !match)
		return PM_OK;
	m = xcalloc(1, sizeof(*m));
	m->pc = pc;
	if (!parse_into(m, match))
		goto give_up;
	if (phrasecache_position(c, &pos) != PM_OK ||
	    ftsrecord_totals(c, &n_row, &n_token) != PM_OK) {
		st = pm_error_set(err, PM_DB, "search", 0,
				  "search: the index could not be read");
		goto give_up;
	}
	m->post = xcalloc((size_t)m->n, sizeof(*m->post));
	m->k = xmalloc((size_t)m->n * sizeof(*m->k));
	m->same = xmalloc((size_t)m->n * sizeof(*m->same));
	m->here = xcalloc((size_t)m->n, sizeof(*m->here));
	m->idf = xmalloc((size_t)m->n * sizeof(*m->idf));
	m->freq = xmalloc((size_t)m->n * sizeof(*m->freq));
	for (i = 0; i < m->n; i++) {
		st = phrasecache_get(pc, c, pos, m->text[i], NULL, &m->post[i],
				     err);
		if (st != PM_OK || !m->post[i])
			goto give_up;
		m->k[i] = (long)m->post[i]->n - 1;
		m->idf[i] = rankfn_idf(n_row, (int64_t)m->post[i]->n);
		m->same[i] = -1;
		for (int j = 0; j < i && m->same[i] < 0; j++)
			if (m->post[j] == m->post[i] &&
			    m->group[j] == m->group[i])
				m->same[i] = j;
	}
	if (exact) {
		st = phrasecache_get(pc, c, pos, match, exact, &m->only, err);
		if (st != PM_OK || !m->only)
			goto give_up;
		m->k_only = (long)m->only->n - 1;
	}
	m->last = (int64_t)UINT32_MAX + 1;
	m->avgdl = n_row ? (double)n_token / (double)n_row : 0.0;
	m->all = m->n_group == GROUPS_MAX ? UINT64_MAX
					  : ((uint64_t)1 << m->n_group) - 1;
	*out = m;
	return PM_OK;
give_up:
	memsearch_close(m);
	return st;
}

/*
 * The cursor at k moved down to the last posting at or below id (-1:
 * none): galloping, so that a group far behind the others skips its
 * postings in a few probes.
 */
static long seek(const uint32_t *ids, long k, uint32_t id)
{
	long lo, hi, step = 1;

	if (k < 0 || ids[k] <= id)
		return k;
	hi = k; /* ids[hi] > id */
	while (hi - step >= 0 && ids[hi - step] > id) {
		hi -= step;
		step *= 2;
	}
	lo = hi - step; /* ids[lo] <= id, or before the first */
	if (lo < -1)
		lo = -1;
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;

		if (ids[mid] > id)
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

/*
 * Phrase i's cursor moved down to row cur: its frequency there (0 when
 * the phrase is not in it) into freq[i]; 1 when it is, and the cursor
 * then moves past it. A twin (same[]) copies its first's, taken before.
 */
static int take(struct memsearch *m, int i, uint32_t cur)
{
	const struct phrasepost *pp = m->post[i];
	long k;

	if (m->same[i] >= 0) { /* its twin's cursor has moved already */
		m->freq[i] = m->freq[m->same[i]];
		return m->here[i] = m->here[m->same[i]];
	}
	k = seek(pp->ids, m->k[i], cur);
	if (k < 0 || pp->ids[k] != cur) {
		m->k[i] = k;
		m->freq[i] = 0.0;
		return m->here[i] = 0;
	}
	m->freq[i] = (double)phrasepost_wf(pp, (size_t)k);
	m->k[i] = k - 1;
	return m->here[i] = 1;
}

/* Whether row cur may be a match under memsearch_restrict(). */
static int allowed(struct memsearch *m, uint32_t cur)
{
	if (!m->rows)
		return 1;
	m->k_rows = seek(m->rows, m->k_rows, cur);
	return m->k_rows >= 0 && m->rows[m->k_rows] == cur;
}

/* The next of the rows holding the exact words: each is a match. */
static int next_holding(struct memsearch *m, int64_t *rowid)
{
	uint32_t cur;

	do {
		if (m->k_only < 0)
			return 0;
		cur = m->only->ids[m->k_only--];
	} while (!allowed(m, cur));
	for (int i = 0; i < m->n; i++)
		take(m, i, cur);
	*rowid = m->last = cur;
	return 1;
}

int memsearch_next(struct memsearch *m, int64_t *rowid)
{
	int64_t top[GROUPS_MAX];

	if (m->last < 0)
		return 0;
	if (m->only)
		return next_holding(m, rowid);
	for (;;) {
		uint64_t hits = 0;
		int64_t cand = INT64_MAX;
		int i, g;

		/* The highest row each group has left; the lowest of those
		 * is the highest row that can be in every group. */
		for (g = 0; g < m->n_group; g++)
			top[g] = -1;
		for (i = 0; i < m->n; i++)
			if (m->k[i] >= 0 && m->same[i] < 0 &&
			    m->post[i]->ids[m->k[i]] > top[m->group[i]])
				top[m->group[i]] = m->post[i]->ids[m->k[i]];
		for (g = 0; g < m->n_group; g++)
			if (top[g] < cand)
				cand = top[g];
		if (m->rows) {
			m->k_rows = seek(m->rows, m->k_rows, (uint32_t)cand);
			if (m->k_rows < 0)
				return 0;
			if (m->rows[m->k_rows] < cand)
				cand = m->rows[m->k_rows];
		}
		if (cand < 0)
			return 0;
		for (i = 0; i < m->n; i++)
			if (take(m, i, (uint32_t)cand))
				hits |= (uint64_t)1 << m->group[i];
		if (hits == m->all && allowed(m, (uint32_t)cand)) {
			*rowid = m->last = cand;
			return 1;
		}
	}
}

size_t memsearch_most(const struct memsearch *m)
{
	size_t fewest = SIZE_MAX, sum[GROUPS_MAX] = { 0 };
	int i, g;

	if (m->only)
		return m->only->n;
	for (i = 0; i < m->n; i++)
		if (m->same[i] < 0)
			sum[m->group[i]] += m->post[i]->n;
	for (g = 0; g < m->n_group; g++)
		if (sum[g] < fewest)
			fewest = sum[g];
	return fewest;
}

enum pm_status memsearch_ids(struct dbconn *c, const char *match,
			     const char *exact, int64_t **ids, size_t *n,
			     int *done, struct pm_error *err)
{
	struct memsearch *m;
	enum pm_status st = memsearch_open(c, match, exact, &m, err);
	uint32_t *rows;
	size_t k;

	*ids = NULL;
	*n = 0;
	*done = m != NULL;
	if (st != PM_OK || !m)
		return st;
	*n = memsearch_every(m, &rows);
	*ids = xmalloc((*n ? *n : 1) * sizeof(**ids));
	for (k = 0; k < *n; k++)
		(*ids)[k] = rows[k];
	free(rows);
	memsearch_close(m);
	return PM_OK;
}

/* The rows that match, as a set: the groups' unions intersected. */
static roaring_bitmap_t *match_set(const struct memsearch *m)
{
	const roaring_bitmap_t **sets;
	roaring_bitmap_t *all = NULL;
	int g, i;
	size_t n;

	if (m->only)
		return roaring_bitmap_copy(m->only->set);
	sets = xmalloc((size_t)m->n * sizeof(*sets));
	for (g = 0; g < m->n_group; g++) {
		roaring_bitmap_t *u;

		for (i = 0, n = 0; i < m->n; i++)
			if (m->group[i] == g)
				sets[n++] = m->post[i]->set;
		u = n == 1 ? roaring_bitmap_copy(sets[0])
			   : roaring_bitmap_or_many(n, sets);
		if (all) {
			roaring_bitmap_and_inplace(all, u);
			roaring_bitmap_free(u);
		} else {
			all = u;
		}
	}
	free(sets);
	return all ? all : roaring_bitmap_create();
}

/* The members of set, ascending, into *rows (owned); how many. */
static size_t set_rows(const roaring_bitmap_t *set, uint32_t **rows)
{
	uint64_t card = roaring_bitmap_get_cardinality(set);

	*rows = xmalloc((card ? card : 1) * sizeof(**rows));
	roaring_bitmap_to_uint32_array(set, *rows);
	return (size_t)card;
}

size_t memsearch_every(const struct memsearch *m, uint32_t **rows)
{
	roaring_bitmap_t *set = match_set(m);
	size_t n = set_rows(set, rows);

	roaring_bitmap_free(set);
	return n;
}

/*
 * The matches left to a walk that has not ended, and some above them
 * (borrowed: kept until the walk moves on, for memsearch_rest() after
 * memsearch_left()).
 */
static const roaring_bitmap_t *left_set(struct memsearch *m)
{
	if (m->left && m->left_k == m->k_rows)
		return m->left;
	if (m->left)
		roaring_bitmap_free(m->left);
	m->left = match_set(m);
	m->left_k = m->k_rows;
	if (m->rows) {
		roaring_bitmap_t *only =
			roaring_bitmap_of_ptr((size_t)(m->k_rows + 1), m->rows);

		roaring_bitmap_and_inplace(m->left, only);
		roaring_bitmap_free(only);
	}
	return m->left;
}

size_t memsearch_left(struct memsearch *m)
{
	if (m->last <= 0)
		return 0;
	return (size_t)roaring_bitmap_rank(left_set(m),
					   (uint32_t)(m->last - 1));
}

size_t memsearch_rest(struct memsearch *m, uint32_t **rows)
{
	size_t lo = 0, hi;

	*rows = NULL;
	if (m->last < 0)
		return 0;
	/* Those below the walk's last match. */
	for (hi = set_rows(left_set(m), rows); lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if ((int64_t)(*rows)[mid] < m->last)
			lo = mid + 1;
		else
			hi = mid;
	}
	m->last = -1;
	return lo;
}

void memsearch_restrict(struct memsearch *m, const uint32_t *rows, size_t n)
{
	m->rows = rows;
	m->k_rows = (long)n - 1;
	if (m->left)
		roaring_bitmap_free(m->left);
	m->left = NULL;
}

double memsearch_score(const struct memsearch *m, uint32_t len)
{
	return rankfn_bm25(m->idf, m->freq, m->n, (double)len, m->avgdl);
}

void memsearch_close(struct memsearch *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n; i++) {
		if (m->post)
			phrasecache_put(m->pc, m->post[i]);
		free(m->text[i]);
	}
	phrasecache_put(m->pc, m->only);
	free(m->text);
	free(m->group);
	free(m->post);
	free(m->k);
	if (m->left)
		roaring_bitmap_free(m->left);
	free(m->same);
	free(m->here);
	free(m->idf);
	free(m->freq);
	free(m);
}
