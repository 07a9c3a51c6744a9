/*
 * Searches evaluated in memory (search/memsearch.h over
 * search/phrasecache.h) against the same searches through FTS5: on a
 * generated corpus, through generations with additions, updates and
 * deletions, a rebuild of the full-text index and a change log trimmed
 * past what the postings knew, every query gives the same matches, the
 * same number passing its filter and the same scores to the last bit,
 * with and without a filter and a cap on the matches ranked, and the
 * same bare match set for the listings in other orders; and whole
 * answers (total, facets, the page with its snippets, by relevance and
 * by date, with a filter from the URL) are the same from the searcher
 * with the postings in memory as with FTS5 alone. Also: the
 * postings are brought forward from the log rather than read again, a
 * reader in an older snapshot gets the postings of its own snapshot, and
 * a cache too small for one query's phrases still answers rightly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/docmeta.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/memsearch.h"
#include "pmkb/search/phrasecache.h"
#include "pmkb/search/query.h"
#include "pmkb/search/ranking.h"
#include "pmkb/search/searcher.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "testdb.h"

#define N_DOCS 400

static const char *const words[] = {
	"error",    "errors",  "timeout",	 "deploy",   "deployment",
	"deployed", "memory",  "latency",	 "database", "rollback",
	"incident", "障害",    "原因",		 "影響",     "データベース",
	"エラー",   "再起動",  "証明書の期限切れ", "対応",	     "監視",
};
/* SEV1 in one document of eight: a filter fewer than a word's matches */
static const char *const sevs[] = { "SEV1", "SEV2", "SEV2", "SEV3",
				    "SEV3", "SEV3", "SEV3", "SEV3" };

/* Queries evaluated in memory, and (after them) those left to FTS5. */
static const char *const in_memory[] = {
	"error",	 "障害",	"error timeout", "dep*",
	"error OR memory", "障害 原因",	"データベース",	 "incident",
	"deploy rollback", "再起動",	"証明書",	 "memory 影響 latency",
	"absentword",	 "time*", "\"error timeout\"", "\"deploy\" memory",
	"\"Errors\"", "\"データベース\" error",
	/* a rare group beside a common one: the common one skips ahead */
	"error 17", "17 OR 230 deploy", "deploy absentword",
};
static const char *const left_to_fts5[] = { "latency -timeout" };

static unsigned next(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

#define PICK(a, s) (a[next(s) % (sizeof(a) / sizeof(a[0]))])

static void put(struct index_batch *b, int i, int gen)
{
	struct buf t = BUF_INIT;
	unsigned s = (unsigned)i * 7919u + (unsigned)gen * 31u + 1u;
	char path[64];
	int k, n = 3 + (int)(next(&s) % 60);

	buf_addf(&t, "---\ntitle: %s %s %d\nseverity: %s\n---\n",
		 PICK(words, &s), PICK(words, &s), i, PICK(sevs, &s));
	buf_addf(&t, "# Summary\n\n%s %s\n\n# Body\n\n", PICK(words, &s),
		 PICK(words, &s));
	for (k = 0; k < n; k++)
		buf_addf(&t, "%s%s", PICK(words, &s),
			 k % 9 == 8 ? "。\n" : " ");
	snprintf(path, sizeof(path), "pm-%04d.md", i);
	index_put(b, path, t.ptr, t.len, NULL, NULL);
	buf_release(&t);
}

/* Matches of queries with quoted words, over every comparison. */
static size_t exact_matches;
/* Comparisons where the walk skipped to a filter's documents. */
static int skipped;

/* A postmortem whose body is word, n times. */
static void put_repeated(struct index_batch *b, const char *path,
			 const char *word, int n)
{
	struct buf t = BUF_INIT;

	buf_addf(&t, "---\ntitle: %s\n---\n", word);
	for (int i = 0; i < n; i++)
		buf_addf(&t, "%s%s", word, i % 12 == 11 ? "\n" : " ");
	ok(index_put(b, path, t.ptr, t.len, NULL, NULL) == PM_OK, path);
	buf_release(&t);
}

/* r->n_pass as far as it is kept: past rank_max, not every one counts. */
static size_t passed(const struct ranking *r)
{
	return r->n_pass > r->rank_max ? r->rank_max + 1 : r->n_pass;
}

/* Whether r's score i can reach a page (as ranking_page() keeps it):
 * one past the cut need not be scored at all. */
static int can_rank(const struct ranking *r, size_t i)
{
	return r->n_pass <= r->rank_max || r->scored[i].id >= r->cut;
}

/* The same scores, bit for bit, of the same matches that can rank. */
static int same_scores(const struct ranking *a, const struct ranking *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->n_scored && !can_rank(a, i))
			i++;
		while (j < b->n_scored && !can_rank(b, j))
			j++;
		if (i == a->n_scored || j == b->n_scored)
			return i == a->n_scored && j == b->n_scored;
		if (a->scored[i].id != b->scored[j].id ||
		    memcmp(&a->scored[i].score, &b->scored[j].score,
			   sizeof(double)))
			return 0;
		i++;
		j++;
	}
}

static int same_ranking(const struct ranking *a, const struct ranking *b)
{
	if (a->n != b->n || passed(a) != passed(b) || a->cut != b->cut)
		return 0;
	if (a->n && memcmp(a->ids, b->ids, a->n * sizeof(*a->ids)))
		return 0;
	return same_scores(a, b);
}

/*
 * A walk that may skip to the filter's documents (every_match 0) against
 * FTS5's every match: the same newest rank_max (unless at most rank_max
 * pass: then every one that passes ranks, and the walk may skip from the
 * start), the same matches that pass f, the same counts and scores.
 */
static int same_counts(const struct ranking *a, const struct ranking *b,
		       const struct docmeta_filter *f)
{
	size_t i = 0, j = 0, k = b->rank_max < b->n ? b->rank_max : b->n;

	if (b->n_pass <= b->rank_max)
		k = 0;
	if (passed(a) != passed(b) || (k && a->cut != b->cut) || a->n < k ||
	    (k && memcmp(a->ids + a->n - k, b->ids + b->n - k,
			 k * sizeof(*a->ids))) ||
	    !same_scores(a, b))
		return 0;
	/* The passing matches, in both. */
	for (i = j = 0; i < a->n || j < b->n;) {
		if (i < a->n && !docmeta_passes(f, a->ids[i])) {
			i++;
		} else if (j < b->n && !docmeta_passes(f, b->ids[j])) {
			j++;
		} else if (i < a->n && j < b->n && a->ids[i] == b->ids[j]) {
			i++;
			j++;
		} else {
			return 0;
		}
	}
	return 1;
}

/*
 * Ranks q both ways in c's current read transaction; 1 when they agree.
 * *used: memsearch took the query.
 */
static int compare_query(struct dbconn *c, const char *text,
			 const char *severity, size_t cap, int *used)
{
	struct url_filters url = { 0 };
	struct pm_query q;
	struct filters f;
	struct pm_error err;
	const struct docmeta *dm;
	struct docmeta_filter *mf = NULL;
	struct memsearch *m = NULL;
	struct ranking mem, fts, skip;
	int64_t *ids = NULL;
	size_t n = 0;
	int agree = 0, done = 0;

	url.severity = severity;
	query_init(&q);
	memset(&f, 0, sizeof(f));
	memset(&mem, 0, sizeof(mem));
	memset(&fts, 0, sizeof(fts));
	memset(&skip, 0, sizeof(skip));
	if (query_parse(&q, text, NULL, &err) != PM_OK ||
	    filters_build(&f, &q, &url, NULL, &err) != PM_OK ||
	    docmeta_current(c, &dm, &err) != PM_OK) {
		printf("# %s: %s\n", text, err.message);
		goto out;
	}
	mf = filters_docmeta(dm, &f);
	if (memsearch_open(c, f.match, f.exact, &m, &err) != PM_OK)
		goto out;
	*used = m != NULL;
	memsearch_close(m);
	if (ranking_run(c, f.match, f.union_only, f.exact, 1, 1, dm, mf, cap,
			&mem, &err) != PM_OK ||
	    ranking_run(c, f.match, f.union_only, f.exact, 0, 1, dm, mf, cap,
			&fts, &err) != PM_OK ||
	    ranking_run(c, f.match, f.union_only, f.exact, 1, 0, dm, mf, cap,
			&skip, &err) != PM_OK)
		goto out;
	agree = same_ranking(&mem, &fts) && same_counts(&skip, &fts, mf);
	skipped += skip.n < fts.n;
	/* Caps at the number that pass, and one below: whether the matches
	 * past the cut rank turns on it. */
	for (size_t b = fts.n_pass;
	     severity && cap == 25 && b > 0 && b + 1 >= fts.n_pass; b--) {
		struct ranking all, walk;

		if (ranking_run(c, f.match, f.union_only, f.exact, 0, 1, dm,
				mf, b, &all, &err) != PM_OK ||
		    ranking_run(c, f.match, f.union_only, f.exact, 1, 0, dm,
				mf, b, &walk, &err) != PM_OK ||
		    !same_counts(&walk, &all, mf))
			agree = 0;
		ranking_release(&all);
		ranking_release(&walk);
	}
	/* The bare match set, as listings in other orders read it. */
	if (memsearch_ids(c, f.match, f.exact, &ids, &n, &done, &err) !=
		    PM_OK ||
	    done != *used || (done && (n != fts.n ||
				       (n && memcmp(ids, fts.ids,
						    n * sizeof(*ids)))))) {
		printf("# '%s': %zu matches listed, %zu ranked\n", text, n,
		       fts.n);
		agree = 0;
	}
	free(ids);
	if (f.exact)
		exact_matches += mem.n;
	if (!agree)
		printf("# '%s' (severity %s, cap %zu): %zu/%zu matches, "
		       "%zu/%zu scored\n",
		       text, severity ? severity : "any", cap, mem.n, fts.n,
		       mem.n_scored, fts.n_scored);
out:
	ranking_release(&mem);
	ranking_release(&fts);
	ranking_release(&skip);
	docmeta_filter_free(mf);
	filters_release(&f);
	query_release(&q);
	return agree;
}

/* phrase's frequencies are packed in width bytes: the fewest that
 * hold the largest. */
static void check_width(struct dbconn *c, struct phrasecache *pc,
			const char *phrase, unsigned width)
{
	const struct phrasepost *pp = NULL;
	struct pm_error err;
	uint32_t max = 0;
	int64_t pos = 0;
	char what[80];

	dbconn_snapshot(c);
	if (phrasecache_position(c, &pos) == PM_OK)
		phrasecache_get(pc, c, pos, phrase, NULL, &pp, &err);
	for (size_t i = 0; pp && i < pp->n; i++)
		if (phrasepost_wf(pp, i) > max)
			max = phrasepost_wf(pp, i);
	snprintf(what, sizeof(what), "%s: frequencies in %u bytes", phrase,
		 width);
	ok(pp && pp->wf_size == width &&
		   (width == 1 ? max <= UINT8_MAX
		    : width == 2 ? max > UINT8_MAX && max <= UINT16_MAX
				 : max > UINT16_MAX),
	   what);
	phrasecache_put(pc, pp);
	dbconn_snapshot_end(c);
}

/*
 * The whole answer (total, facets, the page with its snippets) from
 * memory and through FTS5 alone, in relevance and date order, with a
 * filter from the URL; 1 when they are the same.
 */
static int compare_answer(struct dbconn *c, const char *text)
{
	static const enum search_sort sorts[] = { SEARCH_SORT_RELEVANCE,
						  SEARCH_SORT_DATE };
	int same = 1;

	for (size_t i = 0; i < 2 * sizeof(sorts) / sizeof(*sorts); i++) {
		json_t *got[2] = { NULL, NULL };
		struct pm_error err;

		for (int fts = 0; fts < 2; fts++) {
			struct search_request r;

			memset(&r, 0, sizeof(r));
			r.q = text;
			r.limit = 20;
			r.offset = i % 2 ? 3 : 0;
			r.base_url = "";
			r.facets = 1;
			r.sort = sorts[i / 2];
			r.url.severity = i % 2 ? "SEV1,SEV3" : NULL;
			r.fts_only = fts;
			if (searcher_run(c, NULL, &r, &got[fts], &err) != PM_OK)
				printf("# %s: %s\n", text, err.message);
		}
		if (!got[0] || !got[1] || !json_equal(got[0], got[1])) {
			printf("# '%s': answers differ (sort %d, offset %d)\n",
			       text, (int)sorts[i / 2], i % 2 ? 3 : 0);
			same = 0;
		}
		json_decref(got[0]);
		json_decref(got[1]);
	}
	return same;
}

/* Every query, with and without a filter and caps, in one snapshot. */
static void compare_all(struct dbconn *c, const char *when)
{
	static const size_t caps[] = { 5000, 25, 1 };
	int bad = 0, used_mem = 0, used_fts = 0, n = 0, answers_bad = 0;
	char what[160];

	ok(dbconn_snapshot(c) == PM_OK, "snapshot");
	for (size_t i = 0; i < sizeof(in_memory) / sizeof(*in_memory); i++)
		for (int v = 0; v < 6; v++) {
			int used = 0;

			bad += !compare_query(c, in_memory[i],
					      v % 2 ? "SEV1" : NULL,
					      caps[v / 2], &used);
			used_mem += used;
			n++;
		}
	for (size_t i = 0; i < sizeof(left_to_fts5) / sizeof(*left_to_fts5);
	     i++) {
		int used = 0;

		bad += !compare_query(c, left_to_fts5[i], NULL, 5000, &used);
		used_fts += used;
	}
	dbconn_snapshot_end(c);
	/* Each search runs in a snapshot of its own. */
	for (size_t i = 0; i < sizeof(in_memory) / sizeof(*in_memory); i++)
		answers_bad += !compare_answer(c, in_memory[i]);
	snprintf(what, sizeof(what), "%s: memory and FTS5 rank alike", when);
	is_int(bad, 0, what);
	snprintf(what, sizeof(what), "%s: the same answers, facets and "
		 "snippets", when);
	is_int(answers_bad, 0, what);
	snprintf(what, sizeof(what), "%s: every query of the query's shapes "
		 "evaluated in memory", when);
	is_int(used_mem, n, what);
	snprintf(what, sizeof(what), "%s: an exclusion left to FTS5", when);
	is_int(used_fts, 0, what);
}

static void generation(struct testdb *t, int gen)
{
	struct index_batch *b = NULL;

	ok(index_begin(t->store, NULL, NULL, &b) == PM_OK, "index_begin");
	for (int i = 0; i < N_DOCS + 40 * gen; i++) {
		char path[64];

		if (gen == 0 || i >= N_DOCS + 40 * (gen - 1) ||
		    (i + gen) % 5 == 0) {
			put(b, i, gen); /* add, then update */
		} else if ((i + gen) % 7 == 0) {
			snprintf(path, sizeof(path), "pm-%04d.md", i);
			index_remove(b, path, NULL);
		}
	}
	if (gen == 0) {
		/* Frequencies past 255 and 65,535: wider packings. */
		put_repeated(b, "pm-wide2.md", "timeout", 300);
		put_repeated(b, "pm-wide4.md", "rollback", 66000);
	}
	ok(index_commit(b, NULL) == PM_OK, "index_commit");
}

/* Compares every query where each phrase must be read whole again. */
static void read_whole(struct dbconn *c, struct phrasecache *pc,
		       const char *when)
{
	struct phrasecache_stats s0, s1;
	char what[160];

	phrasecache_stats(pc, &s0);
	compare_all(c, when);
	phrasecache_stats(pc, &s1);
	snprintf(what, sizeof(what), "%s: phrases read whole", when);
	ok(s1.reads > s0.reads && s1.updates == s0.updates, what);
}

/* The shapes memsearch reads, and those it leaves to FTS5. */
static void test_shapes(void)
{
	static const struct {
		const char *match;
		int phrases;
	} cases[] = {
		{ "\"a\"", 1 },
		{ "(\"a\" OR \"a\"*) AND \"b\"", 3 },
		{ "((\"a\" OR \"a\"*) OR \"エラー\" OR \"エラー\")", 4 },
		{ "\"a\" OR \"b\"", 2 },
		{ "\"say \"\"hi\"\"\"", 1 },
		{ "(\"a\") NOT (\"b\")", 0 },
		{ "\"a\" OR \"b\" AND \"c\"", 0 },
		{ "\"a\" AND (\"b\" AND \"c\")", 0 },
		{ "title : \"a\"", 0 },
		{ "NEAR(\"a\" \"b\")", 0 },
		{ "\"a\" \"b\"", 0 },
		{ "\"unterminated", 0 },
		{ "(\"a\"", 0 },
		{ "", 0 },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (memsearch_shape(cases[i].match) != cases[i].phrases) {
			printf("# %s: %d phrases\n", cases[i].match,
			       memsearch_shape(cases[i].match));
			bad++;
		}
	is_int(bad, 0, "expressions read, or left to FTS5");
}

int main(void)
{
	struct testdb t;
	struct dbconn *c, *old, *w;
	struct phrasecache *pc;
	struct phrasecache_stats s0, s1;
	int used = 0;

	test_shapes();
	if (!testdb_open(&t, "memsearch", NULL, 0, NULL))
		return tap_done();
	c = store_reader(t.store);
	old = store_reader(t.store);
	pc = phrasecache_of(c);
	ok(pc && pc == phrasecache_of(old), "one phrase cache per store");
	ok(!phrasecache_of(NULL), "none without a store");

	generation(&t, 0);
	compare_all(c, "first generation");
	phrasecache_stats(pc, &s0);
	ok(s0.reads > 0 && s0.hits > 0 && s0.phrases > 0 && s0.bytes > 0,
	   "phrases read once, then used as they are");
	ok(exact_matches > 0, "quoted words match");
	ok(skipped > 0, "walks skipped to a filter's documents");
	check_width(c, pc, "\"timeout\"", 2);
	check_width(c, pc, "\"rollback\"", 4);
	check_width(c, pc, "\"memory\"", 1);

	for (int gen = 1; gen <= 3; gen++) {
		generation(&t, gen);
		compare_all(c, "after additions, updates and deletions");
	}
	phrasecache_stats(pc, &s1);
	ok(s1.updates > s0.updates && s1.reads == s0.reads,
	   "postings brought forward from the change log, none read again");

	/* A rebuild says every row changed: each phrase is read whole. */
	w = store_writer(t.store);
	ok(store_rebuild_fts(w) == PM_OK, "rebuild");
	store_writer_release(t.store);
	read_whole(c, pc, "after a rebuild");

	/* The log trimmed past the postings' position. */
	generation(&t, 4);
	w = store_writer(t.store);
	ok(dbconn_exec(w, "DELETE FROM fts_changes WHERE seq < "
			  "(SELECT max(seq) FROM fts_changes)") == PM_OK,
	   "log trimmed");
	store_writer_release(t.store);
	read_whole(c, pc, "with the log trimmed");

	/* A reader left in an older snapshot while the cache moves on. */
	ok(dbconn_snapshot(old) == PM_OK, "older snapshot");
	ok(compare_query(old, "error timeout", NULL, 5000, &used) && used,
	   "older snapshot pinned");
	generation(&t, 5);
	compare_all(c, "newer snapshot");
	ok(compare_query(old, "error timeout", "SEV2", 5000, &used) && used,
	   "a reader in an older snapshot ranks its own snapshot");
	ok(compare_query(old, "障害 原因", NULL, 25, &used) && used,
	   "... for phrases the cache holds newer too");
	dbconn_snapshot_end(old);

	/* Too small for one query's phrases: dropped, still right. */
	phrasecache_limit(pc, 1);
	phrasecache_stats(pc, &s1);
	ok(s1.phrases == 0 && s1.bytes == 0, "a smaller limit drops phrases");
	compare_all(c, "with no room to keep phrases");
	phrasecache_stats(pc, &s1);
	ok(s1.dropped > 0 && s1.phrases <= 1, "phrases dropped for room");
	phrasecache_limit(pc, PHRASECACHE_MAX_BYTES);

	/* Many rare words: the cache keeps the latest 16,384 phrases. */
	ok(dbconn_snapshot(c) == PM_OK, "snapshot");
	for (int i = 0; i < 17000; i++) {
		struct memsearch *m = NULL;
		struct pm_error err;
		char match[32];

		snprintf(match, sizeof(match), "\"zz%05d\"", i);
		if (memsearch_open(c, match, NULL, &m, &err) != PM_OK || !m)
			break;
		memsearch_close(m);
	}
	dbconn_snapshot_end(c);
	phrasecache_stats(pc, &s1);
	ok(s1.phrases == 16384, "at most 16,384 phrases held");
	ok(dbconn_snapshot(c) == PM_OK && compare_query(c, "error", NULL,
							 5000, &used) &&
		   used,
	   "and a search after them still right");
	dbconn_snapshot_end(c);

	store_reader_release(t.store, old);
	store_reader_release(t.store, c);
	testdb_close(&t);
	return tap_done();
}
