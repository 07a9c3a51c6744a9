/*
 * Search quality on the evaluation set: tests/fixtures/search-eval/docs is
 * imported into a fresh index and every query of queries.json is run; the
 * expected sets come from substring matching (check_truth.py verifies
 * them). Fails below recall 0.98 or precision 0.95 overall, and on any
 * query that finds nothing where something is expected.
 *
 * Run from tests/ (the meson workdir), or with PMKB_SOURCE_ROOT set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/search/searcher.h"
#include "pmkb/db/store.h"
#include "tap.h"

#define MIN_RECALL 0.98
#define MIN_PRECISION 0.95

static int has_slug(json_t *list, const char *slug, const char *key)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		const char *s = key ? json_string_value(json_object_get(v, key))
				    : json_string_value(v);

		if (s && !strcmp(s, slug))
			return 1;
	}
	return 0;
}

static void path_of(struct buf *b, const char *rel)
{
	const char *root = getenv("PMKB_SOURCE_ROOT");

	buf_reset(b);
	if (root)
		buf_addf(b, "%s/tests/%s", root, rel);
	else
		buf_addstr(b, rel);
}

int main(void)
{
	char dir[] = "/tmp/pmkb-eval-XXXXXX";
	struct buf db = BUF_INIT, p = BUF_INIT;
	struct store *s = NULL;
	struct dbconn *c = NULL;
	struct import_result res;
	struct pm_error err;
	json_error_t jerr;
	json_t *queries = NULL, *e;
	long tp = 0, expected = 0, returned = 0;
	size_t i;

	if (!mkdtemp(dir))
		return 1;
	buf_addf(&db, "%s/eval.db", dir);
	if (!ok(store_open(&s, db.ptr, &err) == PM_OK, "store_open"))
		goto out;
	path_of(&p, "fixtures/search-eval/docs");
	if (!ok(importer_run(s, p.ptr, 0, NULL, &res, &err) == PM_OK, "import")) {
		printf("# %s\n", err.message);
		goto out;
	}
	ok(res.files >= 30, "at least 30 documents");
	path_of(&p, "fixtures/search-eval/queries.json");
	queries = json_load_file(p.ptr, 0, &jerr);
	if (!ok(json_array_size(queries) >= 40, "at least 40 queries"))
		goto out;
	c = store_reader(s);
	json_array_foreach(queries, i, e)
	{
		struct search_request r;
		const char *q = json_string_value(json_object_get(e, "q"));
		json_t *want = json_object_get(e, "expected"), *out = NULL;
		json_t *got, *v;
		long qtp = 0, qret;
		size_t j;
		char what[256];

		memset(&r, 0, sizeof(r));
		r.q = q;
		r.limit = PM_SEARCH_MAX_LIMIT;
		r.base_url = "";
		if (searcher_run(c, NULL, &r, &out, &err) != PM_OK) {
			snprintf(what, sizeof(what), "query %.100s: %.140s", q,
				 err.message);
			ok(0, what);
			continue;
		}
		got = json_object_get(out, "results");
		qret = (long)json_array_size(got);
		json_array_foreach(got, j, v)
		{
			const char *slug = json_string_value(
				json_object_get(v, "slug"));

			if (has_slug(want, slug, NULL))
				qtp++;
			else
				printf("# %s: unexpected %s\n", q, slug);
		}
		json_array_foreach(want, j, v)
		{
			if (!has_slug(got, json_string_value(v), "slug"))
				printf("# %s: missed %s\n", q,
				       json_string_value(v));
		}
		tp += qtp;
		expected += (long)json_array_size(want);
		returned += qret;
		snprintf(what, sizeof(what), "%s finds something", q);
		ok(!json_array_size(want) || qret > 0, what);
		json_decref(out);
	}
	printf("# recall %.3f (%ld/%ld), precision %.3f (%ld/%ld)\n",
	       expected ? (double)tp / (double)expected : 1.0, tp, expected,
	       returned ? (double)tp / (double)returned : 1.0, tp, returned);
	ok(!expected || (double)tp / (double)expected >= MIN_RECALL,
	   "overall recall");
	ok(!returned || (double)tp / (double)returned >= MIN_PRECISION,
	   "overall precision");
out:
	json_decref(queries);
	if (c)
		store_reader_release(s, c);
	store_close(s);
	unlink(db.ptr);
	buf_addstr(&db, "-wal");
	unlink(db.ptr);
	buf_setlen(&db, db.len - 4);
	buf_addstr(&db, "-shm");
	unlink(db.ptr);
	rmdir(dir);
	buf_release(&db);
	buf_release(&p);
	return tap_done();
}
