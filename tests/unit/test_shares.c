/*
 * Shares of a postmortem's words: the overlap score without an index,
 * the recurrence rule, and shares and candidates read from a real index
 * built through the store and the indexer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/doc/learning.h"
#include "pmkb/search/relations.h"
#include "pmkb/search/shares.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "simdocs.h"
#include "testdb.h"

static const struct test_doc docs[] = {
	{ "2017-04-18-redis-eviction.md", SIMDOC_REDIS_EVICTION },
	{ "2018-05-16-redis-token-eviction.md", SIMDOC_REDIS_TOKENS },
	{ "2017-06-01-migration-lock.md", SIMDOC_MIGRATION_LOCK },
	{ "2019-01-01-lonely.md",
	  "---\ntitle: Zyxwv quux\nstarted_at: 2019-01-01\n"
	  "cause: security\nservices: [vault]\n"
	  "summary: Plugh xyzzy.\n---\n# Frobnicate\n\nWombat gazump.\n" },
};

static int64_t id_of(struct dbconn *c, const char *slug)
{
	sqlite3_stmt *st = dbconn_stmt(
		c, "SELECT id FROM postmortems WHERE slug = ?1");
	int64_t id = 0;

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* The overlap score and the recurrence rule, without an index. */
static void test_overlap(void)
{
	static const int64_t a[] = { 1, 2, 3 }, b[] = { 1, 3 }, c[] = { 1, 4 },
			     d[] = { 1 };
	/* Source 1; weights 4, 3, 2, 1: total 10. */
	const struct share_posting t[] = {
		{ a, 3, 4.0 }, { b, 2, 3.0 }, { c, 2, 2.0 }, { d, 1, 1.0 }
	};
	struct share out[4];
	struct learning *l = learning_new();
	size_t n;

	n = shares_overlap(t, 4, 1, 0.0, 1, out, 4);
	is_int((long long)n, 3, "overlap: every other postmortem, not self");
	is_int(out[0].id, 3, "overlap: most shared first");
	ok(out[0].share > 0.699 && out[0].share < 0.701,
	   "overlap: (4 + 3) / 10");
	is_int((long long)out[0].nterms, 2, "overlap: two words in common");
	is_int(out[1].id, 2, "overlap: then 4 / 10");
	is_int(out[2].id, 4, "overlap: then 2 / 10");
	n = shares_overlap(t, 4, 1, 0.0, 2, out, 4);
	is_int((long long)n, 1, "overlap: one word alone is coincidence");
	n = shares_overlap(t, 4, 1, 0.5, 1, out, 4);
	is_int((long long)n, 1, "overlap: min_share");
	n = shares_overlap(t, 4, 1, 0.0, 1, out, 2);
	ok(n == 2 && out[0].id == 3 && out[1].id == 2,
	   "overlap: the best max are kept");
	n = shares_overlap(t, 0, 1, 0.0, 1, out, 4);
	is_int((long long)n, 0, "overlap: no words, nothing");

	ok(relations_flagged(0, 0.45, l), "rule: similar enough alone");
	ok(!relations_flagged(0, 0.44, l), "rule: not similar enough alone");
	ok(relations_flagged(1, 0.25, l),
	   "rule: same service and cause, and some words");
	ok(!relations_flagged(1, 0.24, l),
	   "rule: same service and cause alone is not enough");
	l->recurrence_labels_similarity = 0;
	ok(relations_flagged(1, 0.0, l),
	   "rule: labels_similarity 0 flags labels alone");
	learning_free(l);
}

/* Shares read from the index: the redis pair repeats each other. */
static void test_shares(struct dbconn *c)
{
	struct share *v = NULL;
	struct pm_error err;
	int64_t src = id_of(c, "2018-05-16-redis-token-eviction");
	int64_t other = id_of(c, "2017-04-18-redis-eviction");
	size_t n = 0, i;
	int found = 0;

	is_int(shares_find(c, src, 0.0, NULL, NULL, NULL, &v, &n, &err),
	       PM_OK, "shares: read");
	for (i = 0; i < n; i++) {
		ok(v[i].share > 0 && v[i].share <= 1 && v[i].id != src,
		   "shares: in (0, 1], never the source");
		ok(json_array_size(v[i].terms) >= SHARES_MIN_WORDS,
		   "shares: at least two words shown");
		if (v[i].id == other)
			found = i == 0;
	}
	ok(found, "shares: the other redis eviction comes first");
	shares_free(v, n);
	is_int(shares_find(c, 999999, 0.0, NULL, NULL, NULL, &v, &n, &err),
	       PM_NOT_FOUND, "shares: unknown id");
	ok(!v && !n, "shares: nothing on failure");
}

/* Candidates: those that share rare words, not the unrelated one. */
static void test_candidates(struct dbconn *c)
{
	int64_t src = id_of(c, "2018-05-16-redis-token-eviction");
	int64_t other = id_of(c, "2017-04-18-redis-eviction");
	int64_t unrelated = id_of(c, "2019-01-01-lonely");
	int64_t *ids = NULL;
	struct pm_error err;
	size_t n = 0, i;
	int has_other = 0, has_unrelated = 0, has_self = 0;

	is_int(shares_candidates(c, src, NULL, &ids, &n, &err), PM_OK,
	       "candidates: read");
	for (i = 0; i < n; i++) {
		has_other |= ids[i] == other;
		has_unrelated |= ids[i] == unrelated;
		has_self |= ids[i] == src;
		if (i)
			ok(ids[i - 1] < ids[i], "candidates: ascending");
	}
	ok(has_other, "candidates: the other redis eviction");
	ok(unrelated && !has_unrelated,
	   "candidates: not one that shares no word");
	ok(!has_self, "candidates: never the source");
	free(ids);
	is_int(shares_candidates(c, 999999, NULL, &ids, &n, &err),
	       PM_NOT_FOUND, "candidates: unknown id");
	ok(!ids && !n, "candidates: nothing on failure");
}

int main(void)
{
	struct testdb t;
	struct dbconn *c;

	test_overlap();
	if (!testdb_open(&t, "shares", docs, sizeof(docs) / sizeof(docs[0]),
			 NULL))
		return tap_done();
	c = store_reader(t.store);
	test_shares(c);
	test_candidates(c);
	store_reader_release(t.store, c);
	testdb_close(&t);
	return tap_done();
}
