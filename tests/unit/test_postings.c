/*
 * Postings of a MATCH expression against a real index: ascending ids,
 * the cap, an expression that finds nothing; the memo answers a repeated
 * lookup without reading the index (shown by changing the index under
 * it), keeps the cap apart, and copies what it hands out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/db/store.h"
#include "pmkb/search/postings.h"
#include "tap.h"
#include "testdb.h"

static const struct test_doc docs[] = {
	{ "2017-01-01-a.md", "---\ntitle: Redis failover one\n"
			     "started_at: 2017-01-01\n---\nredis failover\n" },
	{ "2017-01-02-b.md", "---\ntitle: Redis failover two\n"
			     "started_at: 2017-01-02\n---\nredis failover\n" },
	{ "2017-01-03-c.md", "---\ntitle: Redis three\n"
			     "started_at: 2017-01-03\n---\nredis only\n" },
	{ "2017-01-04-d.md", "---\ntitle: Disk full\n"
			     "started_at: 2017-01-04\n---\nthe disk filled\n" },
};

static int ascending(const int64_t *ids, int n)
{
	for (int i = 1; i < n; i++)
		if (ids[i - 1] >= ids[i])
			return 0;
	return 1;
}

static void test_read(struct dbconn *c)
{
	struct pm_error err;
	int64_t *ids = NULL;
	int n = -1;

	is_int(postings_read(c, NULL, "redis", 10, &ids, &n, &err), PM_OK,
	       "read: redis");
	is_int(n, 3, "read: three postmortems say redis");
	ok(ascending(ids, n), "read: ascending ids");
	free(ids);
	is_int(postings_read(c, NULL, "redis", 2, &ids, &n, &err), PM_OK,
	       "read: capped");
	is_int(n, 2, "read: the cap holds");
	free(ids);
	is_int(postings_read(c, NULL, "\"redis failover\"", 10, &ids, &n,
			     &err),
	       PM_OK, "read: a phrase");
	is_int(n, 2, "read: two have the phrase");
	free(ids);
	is_int(postings_read(c, NULL, "zyxwvut", 10, &ids, &n, &err), PM_OK,
	       "read: an unknown word");
	is_int(n, 0, "read: finds nothing");
	free(ids);
}

static int64_t first_id(struct dbconn *c, const char *match)
{
	struct pm_error err;
	int64_t *ids = NULL, id = 0;
	int n = 0;

	if (postings_read(c, NULL, match, 1, &ids, &n, &err) == PM_OK && n)
		id = ids[0];
	free(ids);
	return id;
}

static void test_memo(struct dbconn *c)
{
	struct postings_memo *m = postings_memo_new();
	struct pm_error err;
	int64_t *a = NULL, *b = NULL, gone = first_id(c, "disk");
	int na = 0, nb = 0;
	char sql[96];

	is_int(postings_read(c, m, "disk", 10, &a, &na, &err), PM_OK,
	       "memo: first read");
	is_int(na, 1, "memo: one says disk");
	is_int(postings_read(c, m, "redis", 10, &b, &nb, &err), PM_OK,
	       "memo: another word");
	is_int(nb, 3, "memo: three say redis");
	free(b);
	/* The index changes under the memo: it still answers as before. */
	snprintf(sql, sizeof(sql), "DELETE FROM pm_fts WHERE rowid = %lld",
		 (long long)gone);
	is_int(dbconn_exec(c, sql), PM_OK, "memo: a row leaves the index");
	is_int(first_id(c, "disk"), 0, "memo: the index no longer has it");
	free(a);
	a = NULL;
	is_int(postings_read(c, m, "disk", 10, &a, &na, &err), PM_OK,
	       "memo: read again");
	ok(na == 1 && a && a[0] == gone, "memo: the remembered answer");
	a[0] = -1; /* a copy: the memo's own is untouched */
	free(a);
	is_int(postings_read(c, m, "disk", 10, &a, &na, &err), PM_OK,
	       "memo: and again");
	ok(na == 1 && a[0] == gone, "memo: hands out copies");
	free(a);
	/* Another cap is another question: read from the index. */
	is_int(postings_read(c, m, "disk", 5, &a, &na, &err), PM_OK,
	       "memo: another cap");
	is_int(na, 0, "memo: read from the index");
	free(a);
	postings_memo_free(m);
	postings_memo_free(NULL);
}

int main(void)
{
	struct testdb t;
	struct dbconn *c;

	if (testdb_open(&t, "postings", docs, sizeof(docs) / sizeof(*docs),
			NULL)) {
		c = store_writer(t.store);
		test_read(c);
		test_memo(c);
		store_writer_release(t.store);
	}
	testdb_close(&t);
	return tap_done();
}
