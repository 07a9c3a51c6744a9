/* When boxes were ticked: see include/pmkb/ingest/tickdates.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/ingest/tickdates.h"

/* The ticked boxes of blob into *out; 0 when none or unreadable. */
static size_t read_boxes(git_repository *repo, const git_oid *blob,
			 struct taskline **out)
{
	git_blob *b = NULL;
	size_t n;

	*out = NULL;
	if (git_blob_lookup(&b, repo, blob))
		return 0;
	n = tasklines_ticked(git_blob_rawcontent(b),
			     (size_t)git_blob_rawsize(b), out);
	git_blob_free(b);
	return n;
}

struct tickdates *tickdates_new(git_repository *repo, const git_oid *blob)
{
	struct taskline *box;
	struct tickdates *d;
	size_t n = read_boxes(repo, blob, &box);

	if (!n)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->box = box;
	d->n = d->n_open = n;
	d->open = xcalloc(n, 1);
	memset(d->open, 1, n);
	d->track = xcalloc(n, sizeof(*d->track));
	for (size_t i = 0; i < n; i++)
		d->track[i] = box[i].key;
	return d;
}

static void date_box(struct tickdates *d, size_t i)
{
	struct pm_tick *t;

	XGROW(d->dated, d->dated_alloc, d->n_dated + 1);
	t = &d->dated[d->n_dated++];
	t->line = d->box[i].line;
	t->key = d->box[i].key;
	t->time = d->cur_time;
	git_oid_tostr(t->commit, sizeof(t->commit), &d->cur);
}

/* The first entry of v[0..n) with key that is not used yet, or n. */
static size_t find_key(const struct taskline *v, const unsigned char *used,
		       size_t n, uint64_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!used[i] && v[i].key == key)
			break;
	return i;
}

/*
 * Compares the open boxes with the ticked ones of the older version
 * older[0..n): a box with the same text there was ticked already. A box
 * whose text is not there is paired, in order, with a ticked box of the
 * older version that is not in the newer one: a ticked item whose text
 * was edited (a link added, a typo fixed) keeps looking under its older
 * text. Any other box was ticked by the newer commit (cur).
 */
static void compare(struct tickdates *d, const struct taskline *older,
		    size_t n)
{
	unsigned char *used = xcalloc(n + 1, 1);
	unsigned char *missing = xcalloc(d->n + 1, 1);
	size_t i, k, next = 0;

	for (i = 0; i < d->n; i++) {
		if (!d->open[i])
			continue;
		if ((k = find_key(older, used, n, d->track[i])) < n)
			used[k] = 1;
		else
			missing[i] = 1;
	}
	for (i = 0; i < d->n; i++) {
		if (!missing[i])
			continue;
		while (next < n && used[next])
			next++;
		if (next < n) {
			used[next] = 1;
			d->track[i] = older[next].key;
			continue;
		}
		date_box(d, i);
		d->open[i] = 0;
		d->n_open--;
	}
	free(used);
	free(missing);
}

void tickdates_version(struct tickdates *d, git_repository *repo,
		       const git_commit *c, const git_oid *blob, int created)
{
	const git_signature *who = git_commit_author(c);

	if (!d->n_open)
		return;
	if (d->seen) {
		struct taskline *older;
		size_t n = read_boxes(repo, blob, &older);

		compare(d, older, n);
		free(older);
	}
	d->seen = 1;
	git_oid_cpy(&d->cur, git_commit_id(c));
	d->cur_time = who ? (int64_t)who->when.time : 0;
	if (created) {
		/* Ticked when written down: no commit ticked these. */
		memset(d->open, 0, d->n);
		d->n_open = 0;
	}
}

void tickdates_free(struct tickdates *d)
{
	if (!d)
		return;
	free(d->box);
	free(d->open);
	free(d->track);
	free(d->dated);
	free(d);
}
