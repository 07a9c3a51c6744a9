/*
 * A scratch index for unit tests: a temporary directory with one database
 * holding the given documents, indexed in one batch the way imports do.
 * Include after tap.h.
 */
#ifndef PMKB_TESTDB_H
#define PMKB_TESTDB_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/db/store.h"

struct test_doc {
	const char *path, *text;
};

struct testdb {
	char dir[64];
	struct store *store;
};

/*
 * Creates /tmp/pmkb-<name>-XXXXXX, opens a store there and indexes docs
 * with tax (may be NULL), each step a TAP check. Returns 0 (having said
 * why) when the index could not be made.
 */
static inline int testdb_open(struct testdb *t, const char *name,
			      const struct test_doc *docs, size_t n,
			      const struct taxonomy *tax)
{
	struct buf path = BUF_INIT;
	struct index_batch *b = NULL;
	struct pm_error err;
	int made = 0;

	t->store = NULL;
	snprintf(t->dir, sizeof(t->dir), "/tmp/pmkb-%s-XXXXXX", name);
	if (!ok(mkdtemp(t->dir) != NULL, "temporary directory"))
		return 0;
	buf_addf(&path, "%s/pmkb.db", t->dir);
	if (!ok(store_open(&t->store, path.ptr, &err) == PM_OK,
		"store_open")) {
		printf("# %s\n", err.message);
		goto out;
	}
	ok(index_begin(t->store, tax, NULL, &b) == PM_OK, "index_begin");
	for (size_t i = 0; i < n; i++)
		ok(index_put(b, docs[i].path, docs[i].text,
			     strlen(docs[i].text), NULL, NULL) == PM_OK,
		   docs[i].path);
	made = ok(index_commit(b, NULL) == PM_OK, "index_commit");
out:
	buf_release(&path);
	return made;
}

/* Closes the store and removes the database and its directory. */
static inline void testdb_close(struct testdb *t)
{
	static const char *const files[] = { "pmkb.db", "pmkb.db-wal",
					     "pmkb.db-shm" };
	struct buf path = BUF_INIT;

	store_close(t->store);
	t->store = NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", t->dir, files[i]);
		unlink(path.ptr);
	}
	rmdir(t->dir);
	buf_release(&path);
}

/*
 * The string values of key in the objects of out's array, comma-separated
 * in order ("a,b,c"). Owned: free().
 */
static inline char *testdb_join(json_t *out, const char *array,
				const char *key)
{
	struct buf b = BUF_INIT;
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(out, array), i, o)
	{
		if (b.len)
			buf_addch(&b, ',');
		buf_addstr(&b, json_string_value(json_object_get(o, key)));
	}
	return buf_detach(&b, NULL);
}

#endif
