/* Indexes as of a past commit: see include/pmkb/ingest/asofcache.h. */
#include <dirent.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/dirs.h"
#include "pmkb/base/log.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/ingest/asofcache.h"
#include "pmkb/ingest/gitsync.h"

struct asof_entry {
	char commit[41];
	char *path;
	struct store *store;
	struct taxonomy *tax;
	int refs;
	unsigned long used; /* a->clock when last handed out */
};

struct asof_cache {
	pthread_mutex_t lock;
	struct store *main;
	char *data_dir, *dir;
	int keep, own_dir; /* own_dir: removed at the end */
	struct gitsync *git; /* a handle of its own on the clone, per request */
	char *source;        /* what git was opened for (GITSYNC_META_SOURCE) */
	struct asof_entry **v;
	size_t n, alloc;
	unsigned long clock;
};

/* Removes path and the files SQLite keeps beside it. */
static void remove_db(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	struct buf p = BUF_INIT;

	for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
		buf_reset(&p);
		buf_addf(&p, "%s%s", path, ext[i]);
		unlink(p.ptr);
	}
	buf_release(&p);
}

/* Removes what an earlier process left in dir. */
static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf p = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strstr(e->d_name, ".db"))
			continue;
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, e->d_name);
		unlink(p.ptr);
	}
	closedir(d);
	buf_release(&p);
}

struct asof_cache *asof_cache_new(struct store *main, const char *data_dir,
				  enum asof_user who)
{
	struct asof_cache *a = xcalloc(1, sizeof(*a));
	struct buf dir = BUF_INIT;

	pthread_mutex_init(&a->lock, NULL);
	a->main = main;
	a->data_dir = xstrdup(data_dir);
	a->own_dir = who == ASOF_ONE_COMMAND;
	a->keep = a->own_dir ? 1 : 4;
	if (a->own_dir)
		buf_addf(&dir, "%s/asof-%ld", data_dir, (long)getpid());
	else
		buf_addf(&dir, "%s/asof", data_dir);
	a->dir = buf_detach(&dir, NULL);
	clear_dir(a->dir);
	return a;
}

static void entry_free(struct asof_entry *e)
{
	store_close(e->store);
	remove_db(e->path);
	taxonomy_free(e->tax);
	free(e->path);
	free(e);
}

void asof_cache_free(struct asof_cache *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		entry_free(a->v[i]);
	free(a->v);
	gitsync_free(a->git);
	if (a->own_dir)
		rmdir(a->dir);
	free(a->source);
	free(a->data_dir);
	free(a->dir);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/*
 * A handle on the clone for the repository, branch and directory that
 * main follows (source: "url\nbranch\ndir"); the url only names it, since
 * nothing is fetched.
 */
static enum pm_status open_git(struct asof_cache *a, const char *source,
			       struct pm_error *err)
{
	struct gitsync_options o = { 0 };
	char *s, *branch, *dir;
	enum pm_status rc;

	if (a->git && !strcmp(a->source, source))
		return PM_OK;
	gitsync_free(a->git);
	a->git = NULL;
	free(a->source);
	a->source = xstrdup(source);
	s = xstrdup(source);
	if (!(branch = strchr(s, '\n')) || !(dir = strchr(branch + 1, '\n'))) {
		free(s);
		return pm_error_set(err, PM_INTERNAL, "as_of", 0,
				    "the index does not say what it follows");
	}
	*branch++ = '\0';
	*dir++ = '\0';
	o.url = s;
	o.branch = branch;
	o.dir = dir;
	o.data_dir = a->data_dir;
	o.read_only = 1;
	rc = gitsync_open(&a->git, &o, err);
	free(s);
	return rc;
}

/* Drops least recently used indexes nobody uses, down to keep. */
static void evict(struct asof_cache *a)
{
	while (a->n > (size_t)a->keep) {
		size_t lru = a->n;

		for (size_t i = 0; i < a->n; i++)
			if (!a->v[i]->refs &&
			    (lru == a->n || a->v[i]->used < a->v[lru]->used))
				lru = i;
		if (lru == a->n)
			return;
		log_kv(LOG_INFO, "asof.drop", "commit", a->v[lru]->commit,
		       NULL);
		entry_free(a->v[lru]);
		a->v[lru] = a->v[--a->n];
	}
}

/* Builds the index of commit hex into a new entry. */
static enum pm_status build(struct asof_cache *a, const char *hex,
			    struct asof_entry **out, struct pm_error *err)
{
	struct asof_entry *e = xcalloc(1, sizeof(*e));
	struct buf path = BUF_INIT;
	enum pm_status rc;

	snprintf(e->commit, sizeof(e->commit), "%s", hex);
	buf_addf(&path, "%s/%s.db", a->dir, hex);
	e->path = buf_detach(&path, NULL);
	remove_db(e->path);
	if ((rc = dirs_make(a->dir, "the as_of directory", err)) != PM_OK ||
	    (rc = store_open(&e->store, e->path, err)) != PM_OK ||
	    (rc = gitsync_index_commit(a->git, e->store, hex, &e->tax,
				       err)) != PM_OK) {
		entry_free(e);
		return rc;
	}
	*out = e;
	return PM_OK;
}

enum pm_status asof_cache_get(struct asof_cache *a, const char *rev,
			      struct asof_view *v, struct pm_error *err)
{
	struct dbconn *c;
	struct asof_entry *e = NULL;
	char *last = NULL, *source = NULL, hex[41];
	enum pm_status rc;

	memset(v, 0, sizeof(*v));
	if (!(c = store_reader(a->main)))
		return pm_error_set(err, PM_UNAVAILABLE, "database", 0,
				    "cannot read the index");
	last = store_meta_get(c, GITSYNC_META_COMMIT);
	source = store_meta_get(c, GITSYNC_META_SOURCE);
	store_reader_release(a->main, c);
	pthread_mutex_lock(&a->lock);
	if (!last || !*last || !source) {
		rc = pm_error_set(err, PM_INVALID, "as_of", 0,
				  "as_of needs an index that follows a git "
				  "repository (pmkb serve --repo)");
		goto out;
	}
	if ((rc = open_git(a, source, err)) != PM_OK ||
	    (rc = gitsync_resolve(a->git, last, rev, hex, err)) != PM_OK)
		goto out;
	for (size_t i = 0; i < a->n && !e; i++)
		if (!strcmp(a->v[i]->commit, hex))
			e = a->v[i];
	if (!e) {
		rc = build(a, hex, &e, err);
		/* libgit2's object cache would keep what the read loaded. */
		gitsync_free(a->git);
		a->git = NULL;
		malloc_trim(0);
		if (rc != PM_OK)
			goto out;
		log_kv(LOG_INFO, "asof.built", "commit", hex, "rev", rev,
		       NULL);
		XGROW(a->v, a->alloc, a->n + 1);
		a->v[a->n++] = e;
	}
	e->refs++;
	e->used = ++a->clock;
	evict(a);
	v->store = e->store;
	v->tax = e->tax;
	v->e = e;
	snprintf(v->commit, sizeof(v->commit), "%s", hex);
out:
	pthread_mutex_unlock(&a->lock);
	free(last);
	free(source);
	return rc;
}

void asof_cache_release(struct asof_cache *a, struct asof_view *v)
{
	if (!v->e)
		return;
	pthread_mutex_lock(&a->lock);
	v->e->refs--;
	evict(a);
	pthread_mutex_unlock(&a->lock);
	memset(v, 0, sizeof(*v));
}
