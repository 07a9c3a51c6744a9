/* Provenance: see include/pmkb/ingest/provenance.h. */
#include <git2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/provenance.h"

struct prov *prov_add(struct prov_set *s, const char *path,
			     const git_oid *blob)
{
	struct prov *p;

	XGROW(s->v, s->alloc, s->n + 1);
	p = &s->v[s->n++];
	memset(p, 0, sizeof(*p));
	p->path = xstrdup(path);
	p->track = xstrdup(path);
	git_oid_cpy(&p->blob, blob);
	return p;
}

void prov_release(struct prov_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].track);
		free(s->v[i].author);
		tickdates_free(s->v[i].ticks);
	}
	free(s->v);
	free(s->by_track);
	memset(s, 0, sizeof(*s));
}

static int prov_cmp_track(const void *a, const void *b)
{
	return strcmp((*(struct prov *const *)a)->track,
		      (*(struct prov *const *)b)->track);
}

void prov_sort(struct prov_set *s)
{
	qsort(s->by_track, s->n, sizeof(*s->by_track), prov_cmp_track);
}

/* Builds the lookup table; call once all files are added. */
void prov_index(struct prov_set *s)
{
	s->by_track = xcalloc(s->n ? s->n : 1, sizeof(*s->by_track));
	s->unresolved = 0;
	for (size_t i = 0; i < s->n; i++) {
		s->by_track[i] = &s->v[i];
		if (!s->v[i].have_last || !s->v[i].have_first)
			s->unresolved++;
	}
	prov_sort(s);
}

/*
 * Below this many files the ticks are read on one thread: a second handle
 * and a thread cost about 0.3 ms, two files' worth (a file's blob takes
 * about 0.15 ms to read and scan), and a small set gains too little for
 * the extra thread.
 */
#define TICKS_SPLIT_MIN 512

/* Reads the ticks of s->v[from..to); the number of files that have some. */
static size_t read_ticks(struct prov_set *s, git_repository *repo,
			 size_t from, size_t to)
{
	size_t found = 0;

	for (size_t i = from; i < to; i++)
		if (!s->v[i].ticks &&
		    (s->v[i].ticks = tickdates_new(repo, &s->v[i].blob)))
			found++;
	return found;
}

/* The second thread's share: its own repository handle and files. */
struct ticks_half {
	struct prov_set *s;
	git_repository *repo;
	size_t from, to, found;
};

static void *ticks_thread(void *arg)
{
	struct ticks_half *h = arg;

	h->found = read_ticks(h->s, h->repo, h->from, h->to);
	return NULL;
}

/*
 * A second handle on repo's repository for another thread, or NULL: a
 * libgit2 object must not be used by two threads at once, and a handle
 * owns its caches. It is opened from repo's path, which sees the same
 * objects because every caller opens its repository from disk (worktree.c,
 * gitsync.c), with no in-memory or custom object database attached. As a
 * check, it must find the last file's blob, else one thread reads all.
 */
static git_repository *second_handle(const struct prov_set *s,
				     git_repository *repo)
{
	git_repository *r2 = NULL;
	git_odb *odb = NULL;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    !(git_libgit2_features() & GIT_FEATURE_THREADS) ||
	    git_repository_open_ext(&r2, git_repository_path(repo),
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) ||
	    git_repository_odb(&odb, r2) ||
	    !git_odb_exists(odb, &s->v[s->n - 1].blob)) {
		git_repository_free(r2);
		r2 = NULL;
	}
	git_odb_free(odb);
	return r2;
}

/*
 * Reading every file's blob (inflating it, scanning it for ticked boxes)
 * is about an eighth of importing a large repository, so with many files
 * and a second CPU, a second thread reads the second half. Each thread
 * writes only its own half of s->v and its own count, tickdates_new()
 * touches no other pmkb state, and libgit2 built with threads locks its
 * process-wide state (pack windows), so the result is the one a single
 * thread gets.
 */
void prov_read_ticks(struct prov_set *s, git_repository *repo)
{
	struct ticks_half h = { .s = s, .from = s->n, .to = s->n };
	pthread_t t;
	int split = 0;

	if (s->n >= TICKS_SPLIT_MIN && (h.repo = second_handle(s, repo))) {
		h.from = s->n / 2;
		if (!(split = !pthread_create(&t, NULL, ticks_thread, &h)))
			h.from = s->n;
	}
	s->ticks_open += read_ticks(s, repo, 0, h.from);
	if (split) {
		pthread_join(t, NULL);
		s->ticks_open += h.found;
	}
	git_repository_free(h.repo);
}

void prov_put_ticks(const struct prov *p, struct pm_provenance *pv)
{
	pv->ticks_read = 1;
	pv->ticks = p->ticks ? p->ticks->dated : NULL;
	pv->n_ticks = p->ticks ? p->ticks->n_dated : 0;
}

/* Whether the walk still looks for a commit that ticked one of p's boxes. */
static int ticks_open(const struct prov *p)
{
	return p->ticks && p->ticks->n_open;
}

struct prov *prov_find(struct prov_set *s, const char *track)
{
	struct prov key = { .track = (char *)track }, *kp = &key, **hit;

	hit = bsearch(&kp, s->by_track, s->n, sizeof(*s->by_track),
		      prov_cmp_track);
	return hit ? *hit : NULL;
}

/* Index in by_track where track is or would go. */
size_t prov_slot(const struct prov_set *s, const char *track)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->by_track[mid]->track, track) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Renames p's tracked name, moving it within by_track (two memmoves:
 * re-sorting everything for each rename in a long history was the
 * walk's largest cost).
 */
void prov_retrack(struct prov_set *s, struct prov *p,
			 const char *track)
{
	size_t at = prov_slot(s, p->track), to;

	while (at < s->n && s->by_track[at] != p)
		at++;
	if (at == s->n)
		return;
	memmove(&s->by_track[at], &s->by_track[at + 1],
		(s->n - at - 1) * sizeof(*s->by_track));
	s->n--;
	free(p->track);
	p->track = xstrdup(track);
	to = prov_slot(s, p->track);
	memmove(&s->by_track[to + 1], &s->by_track[to],
		(s->n - to) * sizeof(*s->by_track));
	s->by_track[to] = p;
	s->n++;
}

/*
 * Notes what commit c did to the tracked files. For a merge, a file that
 * equals its version in another parent came from that parent: the commit
 * that changed it is found on that side.
 */
void prov_note(struct prov_set *s, git_repository *repo, const git_commit *c,
	       const struct tchanges *t, git_tree **others, unsigned n_others)
{
	const git_signature *who = git_commit_author(c);
	struct move {
		struct prov *p;
		const char *old_path;
	} *moves = NULL;
	size_t n_moves = 0, alloc_moves = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct tchange *d = &t->v[i];
		struct prov *p;
		int was_open, from_other = 0;

		if (d->status != GIT_DELTA_ADDED &&
		    d->status != GIT_DELTA_MODIFIED &&
		    d->status != GIT_DELTA_RENAMED &&
		    d->status != GIT_DELTA_COPIED &&
		    d->status != GIT_DELTA_TYPECHANGE)
			continue;
		if (!(p = prov_find(s, d->path)))
			continue;
		for (unsigned k = 0; k < n_others && !from_other; k++)
			from_other = gittree_has_blob(others[k], p->track, &d->id);
		if (from_other)
			continue;
		if (ticks_open(p)) {
			tickdates_version(p->ticks, repo, c, &d->id,
					  d->status != GIT_DELTA_MODIFIED &&
						  d->status != GIT_DELTA_RENAMED);
			s->ticks_open -= !ticks_open(p);
		}
		was_open = !p->have_last || !p->have_first;
		if (!p->have_last) {
			p->have_last = 1;
			git_oid_cpy(&p->last, git_commit_id(c));
			p->author = xstrdup(who && who->name ? who->name : "");
			p->last_time = who ? (int64_t)who->when.time : 0;
		}
		if ((!p->have_first || ticks_open(p)) &&
		    d->status == GIT_DELTA_RENAMED) {
			/*
			 * Follow the file back under its old name, once this
			 * commit is done: a new file may take the old name in
			 * the same commit.
			 */
			XGROW(moves, alloc_moves, n_moves + 1);
			moves[n_moves].p = p;
			moves[n_moves++].old_path = d->old_path;
		} else if (!p->have_first &&
			   d->status != GIT_DELTA_MODIFIED) {
			/*
			 * An edit is not where the file came from: only an
			 * add, a copy or a type change ends the search, so
			 * a walk from any head finds the commit an
			 * incremental sync recorded when the file came.
			 */
			p->have_first = 1;
			git_oid_cpy(&p->first, git_commit_id(c));
			p->created = who ? (int64_t)who->when.time : 0;
		}
		if (was_open && p->have_last && p->have_first)
			s->unresolved--;
	}
	for (size_t i = 0; i < n_moves; i++)
		prov_retrack(s, moves[i].p, moves[i].old_path);
	free(moves);
}

/*
 * Pairs an added file that a tracked file still looking for its creation
 * may have been renamed from: first by identical content (git mv, the
 * common case, free), and only when that fails with libgit2's similarity
 * search over the commit, which reads and compares the blobs.
 */
void prov_find_renames(git_repository *repo, git_tree *a, git_tree *b,
			 struct prov_set *s, struct tchanges *t)
{
	int unmatched = 0;

	if (!t->adds || !t->dels)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct tchange *add = &t->v[i];
		struct prov *p;
		size_t k;

		if (add->status != GIT_DELTA_ADDED ||
		    !(p = prov_find(s, add->path)) ||
		    (p->have_first && !ticks_open(p)))
			continue;
		for (k = 0; k < t->n; k++)
			if (t->v[k].status == GIT_DELTA_DELETED &&
			    git_oid_equal(&t->v[k].id, &add->id))
				break;
		if (k == t->n) {
			unmatched = 1;
			break;
		}
		add->status = GIT_DELTA_RENAMED;
		add->old_path = xstrdup(t->v[k].path);
		t->v[k].status = GIT_DELTA_UNMODIFIED; /* used up */
	}
	if (unmatched) {
		tchanges_clear(t);
		gittree_diff_changes(repo, a, b, t);
	}
}

/*
 * One walk of the history from head, newest first, comparing each
 * commit's postmortems directory with its parents' (a commit that left
 * the directory alone costs a few tree lookups), until every file in s
 * knows the commit that last changed it and the one that added it.
 * Renames are looked for only in commits that add a tracked file and
 * delete another.
 */
enum pm_status prov_walk(const struct prov_repo *g, const git_oid *head,
			 struct prov_set *s, struct pm_error *err)
{
	git_revwalk *walk = NULL;
	struct tchanges t = { 0 };
	struct buf prefix = BUF_INIT;
	git_oid oid;
	enum pm_status rc = PM_OK;

	if (!s->unresolved && !s->ticks_open)
		return PM_OK;
	if (git_revwalk_new(&walk, g->repo) ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) ||
	    git_revwalk_push(walk, head)) {
		rc = gittree_fail(err, PM_IO, g->public_url, "cannot walk history");
		goto out;
	}
	while ((s->unresolved || s->ticks_open) &&
	       git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *mine = NULL, *base = NULL, *others[8] = { NULL };
		unsigned np, n_others = 0;
		git_oid sub, psub;
		int have_sub, same = 0;

		if (atomic_load(g->cancel)) {
			rc = pm_error_set(err, PM_UNAVAILABLE, g->public_url,
					  0, "cancelled");
			break;
		}
		if (git_commit_lookup(&c, g->repo, &oid)) {
			rc = gittree_fail(err, PM_IO, g->public_url,
				      "cannot read a commit");
			break;
		}
		have_sub = gittree_dir_id(c, g->dir, &sub) == 1;
		np = git_commit_parentcount(c);
		/* Same directory as some parent: nothing happened here. */
		for (unsigned k = 0; k < np && !same; k++) {
			git_commit *p = NULL;
			int hp;

			if (git_commit_parent(&p, c, k))
				continue;
			hp = gittree_dir_id(p, g->dir, &psub) == 1;
			same = hp == have_sub && (!hp || git_oid_equal(&sub,
								      &psub));
			if (k == 0 && hp)
				git_tree_lookup(&base, g->repo, &psub);
			else if (k > 0 && hp && n_others < 8)
				git_tree_lookup(&others[n_others++], g->repo,
						&psub);
			git_commit_free(p);
		}
		if (!same && have_sub &&
		    git_tree_lookup(&mine, g->repo, &sub) == 0) {
			tchanges_clear(&t);
			buf_reset(&prefix);
			gittree_changes(g->repo, base, mine, &prefix, 0, &t);
			prov_find_renames(g->repo, base, mine, s, &t);
			prov_note(s, g->repo, c, &t, others, n_others);
		}
		for (unsigned k = 0; k < n_others; k++)
			git_tree_free(others[k]);
		git_tree_free(base);
		git_tree_free(mine);
		git_commit_free(c);
	}
out:
	tchanges_release(&t);
	buf_release(&prefix);
	git_revwalk_free(walk);
	return rc;
}

static int list_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct prov_set *set = payload;
	const char *name = git_tree_entry_name(e);
	struct buf path = BUF_INIT;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		int depth = 0;

		for (const char *p = root; *p; p++)
			depth += *p == '/';
		/* 1 skips the subtree: hidden, vendored, or too deep. */
		return name[0] == '.' || !strcmp(name, "node_modules") ||
		       depth >= GITTREE_MAX_DEPTH;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
		return 0;
	buf_addf(&path, "%s%s", root, name);
	if (gittree_wanted(path.ptr))
		prov_add(set, path.ptr, git_tree_entry_id(e));
	buf_release(&path);
	return 0;
}

int prov_add_tree(struct prov_set *s, git_tree *t)
{
	return git_tree_walk(t, GIT_TREEWALK_PRE, list_cb, s) ? -1 : 0;
}
