/*
 * Facets counted from sets against facets counted document by document:
 * docmeta_scan() counts a large match set (more than a sixteenth of the
 * documents, at least 1,024) from the sets when its documents fill
 * bitmap containers, and one by one when asked to keep the passing
 * documents. On 9,000 generated postmortems (so that a container holds
 * more than 4,096 documents), for match sets of several sizes and
 * filters, the totals and every facet count agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/docmeta.h"
#include "pmkb/search/filters.h"
#include "pmkb/search/query.h"
#include "pmkb/db/store.h"
#include "tap.h"
#include "testdb.h"

#define N_DOCS 9000

static const char *const causes[] = { "infrastructure", "deploy", "capacity",
				      "process" };
static const char *const services[] = { "api", "db", "cdn", "queue",
					"auth" };
static const char *const sevs[] = { "SEV1", "SEV2", "SEV3" };

static void fill(struct testdb *t)
{
	struct index_batch *b = NULL;
	struct buf text = BUF_INIT;
	char path[32];

	ok(index_begin(t->store, NULL, NULL, &b) == PM_OK, "index_begin");
	for (int i = 0; i < N_DOCS; i++) {
		buf_reset(&text);
		buf_addf(&text,
			 "---\ntitle: t%d\nseverity: %s\nstarted_at: %d-03-01\n"
			 "cause: [%s]\nservices: [%s, %s]\n---\nword%d\n",
			 i, sevs[i % 3], 2015 + i % 7, causes[i % 4],
			 services[i % 5], services[(i / 5) % 5], i % 10);
		snprintf(path, sizeof(path), "p%05d.md", i);
		index_put(b, path, text.ptr, text.len, NULL, NULL);
	}
	ok(index_commit(b, NULL) == PM_OK, "index_commit");
	buf_release(&text);
}

/* Every count of a and b alike. */
static int same_scan(const struct docmeta *dm, const struct docmeta_scan *a,
		     const struct docmeta_scan *b)
{
	if (a->total != b->total)
		return 0;
	for (int f = 0; f < DM_FIELD_MAX; f++) {
		if (!a->count[f] != !b->count[f])
			return 0;
		for (size_t v = 0; a->count[f] && v < docmeta_values(dm, f);
		     v++)
			if (a->count[f][v] != b->count[f][v])
				return 0;
	}
	return 1;
}

int main(void)
{
	static const char *const filters[] = { "", "cause:deploy",
					       "service:db severity:SEV2",
					       "after:2018-01-01" };
	struct testdb t;
	struct dbconn *c;
	const struct docmeta *dm;
	struct pm_error err;
	int64_t *ids = malloc(N_DOCS * sizeof(*ids));
	int bad = 0, compared = 0;

	if (!testdb_open(&t, "facetsets", NULL, 0, NULL))
		return tap_done();
	fill(&t);
	c = store_reader(t.store);
	ok(dbconn_snapshot(c) == PM_OK && docmeta_current(c, &dm, &err) ==
						  PM_OK,
	   "metadata");
	/* Every document, every other, every seventh, the first 1,200. */
	for (int step = 1; step <= 4; step++) {
		size_t n = 0;

		for (int64_t id = 1; id <= N_DOCS; id++)
			if (step == 4 ? id <= 1200
				      : id % (step == 3 ? 7 : step) == 0)
				ids[n++] = id;
		for (size_t k = 0; k < sizeof(filters) / sizeof(*filters);
		     k++) {
			struct pm_query q;
			struct filters f;
			struct url_filters url = { 0 };
			struct docmeta_filter *mf;
			struct docmeta_scan sets, one;

			query_init(&q);
			memset(&f, 0, sizeof(f));
			if (query_parse(&q, filters[k], NULL, &err) != PM_OK ||
			    filters_build(&f, &q, &url, NULL, &err) != PM_OK) {
				bad++;
				continue;
			}
			mf = filters_docmeta(dm, &f);
			docmeta_scan(dm, mf, 0, ids, n, 1, 0, &sets);
			docmeta_scan(dm, mf, 0, ids, n, 1, 1, &one);
			compared++;
			if (!same_scan(dm, &sets, &one)) {
				bad++;
				printf("# %zu matches, filter '%s': %lld / "
				       "%lld\n", n, filters[k],
				       (long long)sets.total,
				       (long long)one.total);
			}
			docmeta_scan_release(&sets);
			docmeta_scan_release(&one);
			docmeta_filter_free(mf);
			filters_release(&f);
			query_release(&q);
		}
	}
	dbconn_snapshot_end(c);
	is_int(bad, 0, "facets from sets equal facets counted one by one");
	is_int(compared, 16, "match sets and filters compared");
	store_reader_release(t.store, c);
	free(ids);
	testdb_close(&t);
	return tap_done();
}
