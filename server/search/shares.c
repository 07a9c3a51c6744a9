/*
 * Shares of a postmortem's words: see include/pmkb/search/shares.h.
 *
 * Map:
 *   overlap    every posting of the source's kept words, sorted by the
 *              other postmortem: a run of one id is the words they share,
 *              their weights summed over the weight of all kept words.
 *   find       the words are those simwords_choose() keeps without reading
 *              common words on (simwords_choose_read()): what makes a
 *              repeat is rarer, and reading them was most of the time of
 *              deciding recurrences at index time.
 *   candidates the same lookups from the other side, for every word of the
 *              source's indexed text, to bound which later postmortems a
 *              change can move.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/search/postings.h"
#include "pmkb/search/query.h"
#include "pmkb/search/shares.h"
#include "pmkb/search/simwords.h"

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
	const struct share *x = a, *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

size_t shares_overlap(const struct share_posting *terms, size_t nterms,
		       int64_t self, double min_share, size_t min_terms,
		       struct share *out, size_t max)
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

void shares_free(struct share *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		json_decref(v[i].terms);
	free(v);
}

enum pm_status shares_of(struct simwords *w, double min_share,
			 shares_keep_fn keep, void *ctx, struct share **out,
			 size_t *n, struct pm_error *err)
{
	struct share_posting *post = NULL;
	struct share *v = NULL;
	enum pm_status rc;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	/*
	 * Words that simwords_probe() postmortems use are left out rather
	 * than counted: what makes a repeat is rarer, and counting them was
	 * most of the time of deciding recurrences at index time.
	 */
	if ((rc = simwords_measure(w, err)) != PM_OK ||
	    (rc = simwords_choose(w, 0, err)) != PM_OK)
		goto out;
	simwords_choose_read(w);
	if (!w->nchosen)
		goto out;
	post = xcalloc(w->nchosen, sizeof(*post));
	for (i = 0; i < w->nchosen; i++) {
		post[i].ids = w->chosen[i]->posts;
		post[i].n = (size_t)w->chosen[i]->df;
		post[i].weight = w->chosen[i]->score;
	}
	v = xcalloc(SHARES_MAX, sizeof(*v));
	k = shares_overlap(post, w->nchosen, w->id, min_share,
			   SHARES_MIN_WORDS, v, SHARES_MAX);
	/*
	 * The bigrams of one Japanese word are several postings but one
	 * word: count what simwords_shared() shows, merged.
	 */
	for (i = 0; i < k; i++) {
		json_t *t;

		/* Before the words: showing them costs queries. */
		if (keep && !keep(ctx, v[i].id, v[i].share))
			continue;
		t = simwords_shared(w, v[i].id);

		if (json_array_size(t) < SHARES_MIN_WORDS) {
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
	shares_free(v, 0);
	free(post);
	return rc;
}

enum pm_status shares_find(struct dbconn *c, int64_t id, double min_share,
			   struct postings_memo *memo, shares_keep_fn keep,
			   void *ctx, struct share **out, size_t *n,
			   struct pm_error *err)
{
	struct simwords w;
	enum pm_status rc;

	*out = NULL;
	*n = 0;
	/* The built-in glossary: the settings are not at hand here. */
	simwords_init(&w, c, NULL, memo);
	if ((rc = simwords_read(&w, NULL, id, NULL, err)) == PM_OK)
		rc = shares_of(&w, min_share, keep, ctx, out, n, err);
	simwords_release(&w);
	return rc;
}

enum pm_status shares_candidates(struct dbconn *c, int64_t id,
				 struct postings_memo *memo, int64_t **ids,
				 size_t *n, struct pm_error *err)
{
	struct buf match = BUF_INIT;
	struct hit *hits = NULL;
	enum pm_status rc;
	struct simwords s;
	size_t nhits = 0, alloc = 0, nout = 0, i, j;
	int probe;

	*ids = NULL;
	*n = 0;
	/* The glossary shares_find() uses. */
	simwords_init(&s, c, NULL, memo);
	if ((rc = simwords_read_indexed(&s, id, err)) != PM_OK ||
	    (rc = simwords_measure(&s, err)) != PM_OK)
		goto out;
	probe = simwords_probe(&s);
	/*
	 * A word of another postmortem that this one uses is a word of this
	 * one, its postings the same from either side; a concept of the
	 * other's that this one has a term of is one of this one's concepts.
	 * So every word the other could count is among these terms, each
	 * read as shares_find() reads it, up to the same limit.
	 */
	for (i = 0; i < s.nterms; i++) {
		struct simword *t = &s.terms[i];

		if (!simwords_match(&s, t, &match)) {
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
		if (j - i >= SHARES_MIN_WORDS)
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
	simwords_release(&s);
	return rc;
}
