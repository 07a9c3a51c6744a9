/*
 * Recurrences decided again after a push of one file, against a real
 * index: a batch of a few files decides again only the later postmortems
 * that share words with it (indexer.c, shares_candidates()), and what it
 * writes must be what deciding everything from scratch writes. The
 * window holds more later postmortems than that narrowing skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/learning.h"
#include "pmkb/ingest/indexer.h"
#include "pmkb/search/relations.h"
#include "tap.h"
#include "testdb.h"

/*
 * Later postmortems in the window: well over the narrowing's threshold,
 * and more than one chunk of relations_detect_many(). They come in pairs
 * that tell the same story: the later of each pair repeats the earlier.
 */
#define NFILL 40
#define NDOCS (NFILL + 2)

/* The words the later postmortem B shares with nothing, at first. */
#define B_BODY                                                             \
	"The quenchfire relay dropped every mirrowax frame after the "    \
	"kelpdrift rollout; zorblat retries piled up in the thrumwick "   \
	"queue until the vexlan pool ran dry. We pinned kelpdrift and "   \
	"drained the thrumwick queue by hand.\n"

static const char a_plain[] =
	"---\ntitle: Log volume filled the disk\nstarted_at: 2017-01-10\n"
	"cause: capacity\nservices: [relay]\n---\n"
	"# Summary\n\nThe log partition of one host filled up and the "
	"service stopped writing. We rotated the logs.\n";
/* A after an edit: it now tells B's story, a month before B. */
static const char a_like_b[] =
	"---\ntitle: Quenchfire relay dropped mirrowax frames\n"
	"started_at: 2017-01-10\ncause: capacity\nservices: [relay]\n---\n"
	"# Summary\n\n" B_BODY;
static const char b_doc[] =
	"---\ntitle: Quenchfire relay dropped mirrowax frames\n"
	"started_at: 2017-02-15\ncause: capacity\nservices: [relay]\n---\n"
	"# Summary\n\n" B_BODY;

struct docs {
	struct test_doc v[NDOCS];
	char paths[NDOCS][48];
	char texts[NDOCS][512];
};

/* A, B and NFILL later ones about other things, all within a year. */
static void make_docs(struct docs *d, const char *a_text)
{
	d->v[0].path = "2017-01-10-a.md";
	d->v[0].text = a_text;
	d->v[1].path = "2017-02-15-b.md";
	d->v[1].text = b_doc;
	for (int i = 0; i < NFILL; i++) {
		int k = i + 2, month = 3 + i % 9, day = 1 + i % 28, p = i / 2;

		snprintf(d->paths[k], sizeof(d->paths[k]),
			 "2017-%02d-%02d-fill%d.md", month, day, i);
		snprintf(d->texts[k], sizeof(d->texts[k]),
			 "---\ntitle: Fill%d job stalled\nstarted_at: "
			 "2017-%02d-%02d\ncause: capacity\nservices: [relay]\n"
			 "---\n# Summary\n\nThe fill%d worker stalled on "
			 "batch%d and the relay waited; fill%d restarted "
			 "after item%d.\n",
			 p, month, day, p, p, p, p);
		d->v[k].path = d->paths[k];
		d->v[k].text = d->texts[k];
	}
}

/* The recurrences table as c reads it: later>earlier score, sorted. */
static char *recurrences_on(struct dbconn *c)
{
	sqlite3_stmt *s = NULL;
	struct buf b = BUF_INIT;

	buf_addstr(&b, "");
	if (sqlite3_prepare_v2(
		    dbconn_db(c),
		    "SELECT n.slug, e.slug, printf('%.4f', r.score) FROM "
		    "recurrences r JOIN postmortems n ON n.id = r.pm_id "
		    "JOIN postmortems e ON e.id = r.earlier_id ORDER BY 1, 2",
		    -1, &s, NULL) == SQLITE_OK)
		while (sqlite3_step(s) == SQLITE_ROW)
			buf_addf(&b, "%s>%s %s\n", sqlite3_column_text(s, 0),
				 sqlite3_column_text(s, 1),
				 sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	return buf_detach(&b, NULL);
}

static char *recurrences(struct store *st)
{
	struct dbconn *c = store_reader(st);
	char *r = recurrences_on(c);

	store_reader_release(st, c);
	return r;
}

/*
 * What deciding each postmortem on its own writes, in a transaction that
 * is rolled back: the batch, with its chunks and two threads, must agree.
 */
static void same_one_by_one(struct store *st)
{
	struct dbconn *c = store_writer(st);
	struct learning *l = learning_new();
	char *batch = recurrences_on(c), *single = NULL;
	sqlite3_stmt *s = NULL;
	struct pm_error err;
	int rc = PM_OK;

	ok(dbconn_begin(c) == PM_OK, "one by one: begin");
	if (sqlite3_prepare_v2(dbconn_db(c), "SELECT id FROM postmortems",
			       -1, &s, NULL) == SQLITE_OK)
		while (rc == PM_OK && sqlite3_step(s) == SQLITE_ROW)
			rc = relations_detect(c, sqlite3_column_int64(s, 0),
					      l, NULL, &err);
	sqlite3_finalize(s);
	is_int(rc, PM_OK, "one by one: decided");
	single = recurrences_on(c);
	dbconn_rollback(c);
	ok(strstr(batch, "fill") != NULL, "one by one: pairs repeat");
	ok(!strcmp(batch, single), "one by one: as the batch decided");
	free(batch);
	free(single);
	learning_free(l);
	store_writer_release(st);
}

/* Pushes one file: a batch of its own, as a sync of one commit. */
static void push(struct store *st, const char *path, const char *text)
{
	struct index_batch *b = NULL;

	ok(index_begin(st, NULL, NULL, &b) == PM_OK, "push: begin");
	ok(index_put(b, path, text, strlen(text), NULL, NULL) == PM_OK,
	   "push: put");
	ok(index_commit(b, NULL) == PM_OK, "push: commit");
}

/* Whether the index of st says what a fresh one of the same files says. */
static void same_as_fresh(struct store *st, const char *a_text,
			  const char *what)
{
	static struct docs d;
	struct testdb fresh;
	char *got = recurrences(st), *want = NULL;

	make_docs(&d, a_text);
	if (testdb_open(&fresh, "recur-fresh", d.v, NDOCS, NULL))
		want = recurrences(fresh.store);
	testdb_close(&fresh);
	printf("# %s\n", what);
	ok(want && !strcmp(got, want), "as decided from scratch");
	if (want && strcmp(got, want))
		printf("# got:\n%s# want:\n%s", got, want);
	free(got);
	free(want);
}

int main(void)
{
	static struct docs d;
	struct testdb t;
	char *r;

	make_docs(&d, a_plain);
	if (!testdb_open(&t, "recur", d.v, NDOCS, NULL))
		return tap_done();
	r = recurrences(t.store);
	ok(!strstr(r, "2017-02-15-b>2017-01-10-a"),
	   "before: B repeats nothing");
	free(r);
	same_one_by_one(t.store);

	/* A now shares B's words: B, a later one, repeats it. */
	push(t.store, "2017-01-10-a.md", a_like_b);
	r = recurrences(t.store);
	ok(strstr(r, "2017-02-15-b>2017-01-10-a") != NULL,
	   "edit: the later postmortem that shares words repeats it");
	free(r);
	same_as_fresh(t.store, a_like_b, "edit");

	/* And back: the flag goes with the words. */
	push(t.store, "2017-01-10-a.md", a_plain);
	r = recurrences(t.store);
	ok(!strstr(r, "2017-02-15-b>2017-01-10-a"),
	   "revert: the flag is gone");
	free(r);
	same_as_fresh(t.store, a_plain, "revert");
	testdb_close(&t);
	return tap_done();
}
