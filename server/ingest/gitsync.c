/*
 * Following a git repository with libgit2.
 *
 * Map: helpers → the clone (open, credentials, fetch) → trees (the
 * postmortems directory of a commit, the settings, listing the files) →
 * provenance (one history walk for a set of files) → applying a sync
 * (full or incremental) in one index batch → source links → the
 * pre-receive check, which reads the pushed objects from git's
 * quarantine through the same tree helpers.
 *
 * Paths handed to the indexer are relative to the postmortems directory,
 * as in directory mode, so that a slug does not depend on where the files
 * came from.
 */
#include <errno.h>
#include <git2.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pmkb/base/buf.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/base/log.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

/* Directories are not followed deeper than this (as in importer.c). */
#define MAX_DEPTH 16
/* Lines of "old new ref" read by the pre-receive check at most. */
#define MAX_REF_LINES 10000

static const char sql_row_origin[] =
	"SELECT first_commit_id, created_time FROM postmortems "
	"WHERE path = ?1";
/*
 * Provenance of a file whose bytes did not change (the indexer skips it)
 * but whose history did, after a force-push: the old commits may be gone,
 * so the source link must move to the new ones. A date that came from git
 * moves with them.
 */
static const char sql_touch_provenance[] =
	"UPDATE postmortems SET commit_id = ?2, commit_author = ?3, "
	"commit_time = ?4, first_commit_id = coalesce(?5, first_commit_id), "
	"created_time = coalesce(?6, created_time), "
	"started_at = CASE WHEN started_source = 'git' AND ?6 IS NOT NULL "
	"THEN ?7 ELSE started_at END, "
	"started_epoch = CASE WHEN started_source = 'git' AND ?6 IS NOT NULL "
	"THEN ?6 ELSE started_epoch END "
	"WHERE path = ?1 AND (commit_id IS NOT ?2 OR "
	"(?5 IS NOT NULL AND first_commit_id IS NOT ?5) OR "
	"(?6 IS NOT NULL AND created_time IS NOT ?6))";

struct gitsync {
	git_repository *repo; /* NULL until the first clone of a local path */
	char *clone_path;     /* data_dir/repo.git */
	char *url;
	char *public_url;
	char *branch;
	char *dir;	  /* normalised: no leading or trailing slash */
	char *remote_ref; /* refs/heads/<branch> */
	char *local_ref;  /* refs/pmkb/heads/<branch> */
	/* Credentials, read once from the environment. */
	char *token, *user, *ssh_key, *ssh_pass;
	int cred_attempts;
	atomic_int cancel;
	const struct index_listener *listener;
};

/* ---- helpers ---------------------------------------------------------- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Fills err with what libgit2 said about the last failure. */
static enum pm_status git_fail(struct pm_error *err, enum pm_status st,
			       const char *source, const char *what)
{
	const git_error *e = git_error_last();

	return pm_error_set(err, st, source, 0, "%s: %s", what,
			    e && e->message ? e->message : "unknown error");
}

/* dir without "./", leading or trailing slashes; "" for the root. Owned. */
static char *normalise_dir(const char *dir)
{
	size_t len;

	if (!dir)
		dir = "";
	while (dir[0] == '.' && dir[1] == '/')
		dir += 2;
	while (*dir == '/')
		dir++;
	if (!strcmp(dir, "."))
		dir = "";
	len = strlen(dir);
	while (len && dir[len - 1] == '/')
		len--;
	return xstrndup(dir, len);
}

/* dir + "/" + rel, or rel alone for the root. Appended to out. */
static void repo_path(struct buf *out, const char *dir, const char *rel)
{
	if (*dir)
		buf_addf(out, "%s/", dir);
	buf_addstr(out, rel);
}

/* Whether a path (relative to the postmortems directory) is indexed. */
static int wanted(const char *rel)
{
	int depth = 0;

	for (const char *p = rel; *p; p++)
		depth += *p == '/';
	if (depth > MAX_DEPTH || !strncmp(rel, "node_modules/", 13) ||
	    strstr(rel, "/node_modules/"))
		return 0;
	return importer_wants(rel);
}

/* A repository on this machine: a path, not a URL nor host:path. */
static int is_local_path(const char *url)
{
	return url[0] == '/' || url[0] == '.' || !strchr(url, ':');
}

static int oid_is_zero(const char *hex)
{
	return strspn(hex, "0") == strlen(hex);
}

/* "https://user:secret@host/x" → "https://host/x". Owned. */
static char *redact_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *at, *slash;
	struct buf b = BUF_INIT;

	if (!scheme)
		return xstrdup(url);
	at = strchr(scheme + 3, '@');
	slash = strchr(scheme + 3, '/');
	if (!at || (slash && slash < at))
		return xstrdup(url);
	buf_add(&b, url, (size_t)(scheme + 3 - url));
	buf_addstr(&b, at + 1);
	return buf_detach(&b, NULL);
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? xstrdup(v) : NULL;
}

/* mkdir -p for the data directory. */
static enum pm_status make_dirs(const char *path, struct pm_error *err)
{
	char *p = xstrdup(path);
	enum pm_status rc = PM_OK;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			break;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		rc = pm_error_set(err, PM_IO, path, 0,
				  "cannot create the data directory: %s",
				  strerror(errno));
	free(p);
	return rc;
}

/* ---- the clone -------------------------------------------------------- */

enum pm_status gitsync_open(struct gitsync **out,
			    const struct gitsync_options *o,
			    struct pm_error *err)
{
	struct gitsync *g = xcalloc(1, sizeof(*g));
	struct buf path = BUF_INIT;
	enum pm_status rc = PM_OK;

	*out = NULL;
	git_libgit2_init();
	/*
	 * libgit2 caches trees only up to 4 KiB by default; a directory of a
	 * thousand postmortems is ~40 KiB and was inflated again for every
	 * commit of the history walk (twice as slow). Process-wide, and
	 * nothing else in pmkb uses libgit2.
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
			 (size_t)(1 << 20));
	g->url = xstrdup(o->url);
	g->public_url = redact_url(o->url);
	g->branch = xstrdup(o->branch && *o->branch ? o->branch : "main");
	g->dir = normalise_dir(o->dir);
	buf_addf(&path, "refs/heads/%s", g->branch);
	g->remote_ref = buf_detach(&path, NULL);
	buf_addf(&path, "refs/pmkb/heads/%s", g->branch);
	g->local_ref = buf_detach(&path, NULL);
	if (!git_reference_is_valid_name(g->remote_ref)) {
		rc = pm_error_set(err, PM_INVALID, "--branch", 0,
				  "--branch: '%s' is not a valid branch name",
				  g->branch);
		goto out;
	}
	g->token = env_dup("PMKB_GIT_TOKEN");
	g->user = env_dup("PMKB_GIT_USER");
	g->ssh_key = env_dup("PMKB_GIT_SSH_KEY");
	g->ssh_pass = env_dup("PMKB_GIT_SSH_PASSPHRASE");
	if ((rc = make_dirs(o->data_dir, err)) != PM_OK)
		goto out;
	buf_addf(&path, "%s/repo.git", o->data_dir);
	g->clone_path = buf_detach(&path, NULL);
	if (git_repository_open_bare(&g->repo, g->clone_path) == 0 ||
	    is_local_path(g->url))
		goto done; /* a local path is cloned at the first fetch */
	if (git_repository_init(&g->repo, g->clone_path, 1) != 0) {
		rc = git_fail(err, PM_IO, g->clone_path,
			      "cannot open or create the clone");
		goto out;
	}
done:
	*out = g;
	g = NULL;
out:
	buf_release(&path);
	gitsync_free(g);
	return rc;
}

void gitsync_free(struct gitsync *g)
{
	if (!g)
		return;
	git_repository_free(g->repo);
	free(g->clone_path);
	free(g->url);
	free(g->public_url);
	free(g->branch);
	free(g->dir);
	free(g->remote_ref);
	free(g->local_ref);
	free(g->token);
	free(g->user);
	if (g->ssh_pass)
		sodium_memzero(g->ssh_pass, strlen(g->ssh_pass));
	free(g->ssh_pass);
	free(g->ssh_key);
	free(g);
	git_libgit2_shutdown();
}

void gitsync_cancel(struct gitsync *g)
{
	atomic_store(&g->cancel, 1);
}

void gitsync_set_listener(struct gitsync *g,
			  const struct index_listener *l)
{
	g->listener = l;
}

const char *gitsync_branch(const struct gitsync *g)
{
	return g->branch;
}

const char *gitsync_public_url(const struct gitsync *g)
{
	return g->public_url;
}

const char *gitsync_mode_name(enum gitsync_mode m)
{
	switch (m) {
	case GITSYNC_NOOP: return "noop";
	case GITSYNC_INCREMENTAL: return "incremental";
	case GITSYNC_FULL: return "full";
	}
	return "?";
}

/*
 * libgit2 asks again after every refusal, so a wrong token would loop
 * forever: offer what the environment has once, then give up.
 */
static int on_credentials(git_credential **out, const char *url,
			  const char *user_from_url, unsigned int allowed,
			  void *payload)
{
	struct gitsync *g = payload;

	if (g->cred_attempts++ > 0)
		return GIT_EAUTH;
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && g->ssh_key)
		return git_credential_ssh_key_new(
			out, user_from_url ? user_from_url : "git", NULL,
			g->ssh_key, g->ssh_pass);
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && g->token)
		return git_credential_userpass_plaintext_new(
			out,
			g->user ? g->user
				: user_from_url ? user_from_url
						: "x-access-token",
			g->token);
	return GIT_PASSTHROUGH;
}

static int on_progress(const git_indexer_progress *stats, void *payload)
{
	struct gitsync *g = payload;

	return atomic_load(&g->cancel) ? -1 : 0;
}

/*
 * The clone's "origin", without url.*.insteadOf rewriting: the lookup (a
 * regex over the configuration) leaks memory in libgit2 1.5 on every call.
 */
static int create_origin(git_remote **out, git_repository *repo,
			 const char *name, const char *url, void *payload)
{
	git_remote_create_options ro;

	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.name = name;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	return git_remote_create_with_opts(out, url, &ro);
}

/*
 * The first fetch from a repository on this machine: a local clone, which
 * hardlinks (or copies) its object files, where a fetch would have
 * libgit2 build a pack of the whole history (for 10,000 files written by
 * 2,000 commits, 10 to 20 seconds). Later fetches are ordinary ones.
 */
static enum pm_status clone_local(struct gitsync *g, git_oid *head,
				  struct pm_error *err)
{
	git_clone_options co;
	git_reference *ref = NULL;
	struct buf tracking = BUF_INIT;
	struct stat sb;
	enum pm_status rc = PM_OK;

	if (stat(g->url, &sb) != 0)
		return pm_error_set(err, PM_IO, g->public_url, 0,
				    "no repository at %s", g->url);
	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	co.bare = 1;
	co.local = GIT_CLONE_LOCAL_AUTO;
	co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
	co.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	co.fetch_opts.callbacks.transfer_progress = on_progress;
	co.fetch_opts.callbacks.payload = g;
	co.remote_cb = create_origin;
	if (git_clone(&g->repo, g->url, g->clone_path, &co)) {
		rc = git_fail(err, PM_IO, g->public_url, "cannot clone");
		/* Whatever is left there, fetch into it next time. */
		if (git_repository_open_bare(&g->repo, g->clone_path) &&
		    git_repository_init(&g->repo, g->clone_path, 1))
			g->repo = NULL;
		goto out;
	}
	buf_addf(&tracking, "refs/remotes/origin/%s", g->branch);
	if (git_reference_name_to_id(head, g->repo, tracking.ptr)) {
		rc = pm_error_set(err, PM_NOT_FOUND, g->public_url, 0,
				  "no branch '%s' in %s (see --branch)",
				  g->branch, g->public_url);
		goto out;
	}
	if (git_reference_create(&ref, g->repo, g->local_ref, head, 1,
				 "pmkb: clone"))
		rc = git_fail(err, PM_IO, g->public_url,
			      "cannot record the fetched branch");
out:
	git_reference_free(ref);
	buf_release(&tracking);
	return rc;
}

/*
 * Fetches the branch into local_ref and sets *head to its commit. Lists
 * the remote first so that an unchanged branch costs one round trip and
 * no pack.
 */
static enum pm_status fetch(struct gitsync *g, git_oid *head,
			    struct pm_error *err)
{
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_fetch_options fo;
	git_remote_create_options ro;
	const git_remote_head **heads = NULL;
	struct buf spec = BUF_INIT;
	char *specs[1];
	git_strarray sa = { specs, 1 };
	git_oid have;
	size_t n = 0;
	int found = 0;
	enum pm_status rc = PM_OK;

	if (atomic_load(&g->cancel))
		return pm_error_set(err, PM_UNAVAILABLE, g->public_url, 0,
				    "cancelled");
	if (!g->repo)
		return clone_local(g, head, err);
	/* The _INIT macros leave fields out: -Wmissing-field-initializers. */
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	g->cred_attempts = 0;
	fo.callbacks.credentials = on_credentials;
	fo.callbacks.transfer_progress = on_progress;
	fo.callbacks.payload = g;
	fo.proxy_opts.type = GIT_PROXY_AUTO;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	buf_addf(&spec, "+%s:%s", g->remote_ref, g->local_ref);
	specs[0] = spec.ptr;
	/* As in create_origin(). */
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = g->repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, g->url, &ro) ||
	    git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo.callbacks,
			       &fo.proxy_opts, NULL) ||
	    git_remote_ls(&heads, &n, remote)) {
		struct stat sb;

		/* libgit2 calls a missing local path an unknown protocol. */
		if (!strstr(g->url, "://") && !strchr(g->url, '@') &&
		    stat(g->url, &sb) != 0)
			rc = pm_error_set(err, PM_IO, g->public_url, 0,
					  "no repository at %s", g->url);
		else
			rc = git_fail(err, PM_IO, g->public_url,
				      "cannot reach");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(heads[i]->name, g->remote_ref)) {
			git_oid_cpy(head, &heads[i]->oid);
			found = 1;
		}
	}
	if (!found) {
		rc = pm_error_set(err, PM_NOT_FOUND, g->public_url, 0,
				  "no branch '%s' in %s (see --branch)",
				  g->branch, g->public_url);
		goto out;
	}
	if (git_reference_name_to_id(&have, g->repo, g->local_ref) == 0 &&
	    git_oid_equal(&have, head))
		goto out;
	if (git_remote_download(remote, &sa, &fo)) {
		rc = atomic_load(&g->cancel)
			     ? pm_error_set(err, PM_UNAVAILABLE, g->public_url,
					    0, "cancelled")
			     : git_fail(err, PM_IO, g->public_url,
					"cannot fetch");
		goto out;
	}
	/*
	 * Set the ref ourselves (an anonymous remote has no tracking
	 * configuration): the next fetch offers it as what we have.
	 */
	if (git_reference_create(&ref, g->repo, g->local_ref, head, 1,
				 "pmkb: fetch")) {
		rc = git_fail(err, PM_IO, g->public_url,
			      "cannot record the fetched branch");
		goto out;
	}
out:
	git_reference_free(ref);
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	buf_release(&spec);
	return rc;
}

/* ---- trees ------------------------------------------------------------ */

/*
 * The postmortems directory of commit c: sets *id and returns 1, or
 * returns 0 when the commit has no such directory (or -1 on error).
 */
static int dir_tree_id(const git_commit *c, const char *dir, git_oid *id)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int found = 0;

	if (!*dir) {
		git_oid_cpy(id, git_commit_tree_id(c));
		return 1;
	}
	if (git_commit_tree(&root, c))
		return -1;
	if (git_tree_entry_bypath(&e, root, dir) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git_oid_cpy(id, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(root);
	return found;
}

/* The postmortems directory of c as a tree (owned), or NULL if absent. */
static git_tree *dir_tree(git_repository *repo, const git_commit *c,
			  const char *dir)
{
	git_tree *t = NULL;
	git_oid id;

	if (dir_tree_id(c, dir, &id) == 1)
		git_tree_lookup(&t, repo, &id);
	return t;
}

/*
 * The settings file of commit c: dir/.pmkb.yml, else .pmkb.yml at the
 * root. Sets *blob (owned) and *path (owned), or both NULL.
 */
static void settings_blob(git_repository *repo, const git_commit *c,
			  const char *dir, git_blob **blob, char **path)
{
	git_tree *root = NULL;
	struct buf p = BUF_INIT;

	*blob = NULL;
	*path = NULL;
	if (git_commit_tree(&root, c))
		return;
	for (int i = 0; i < 2 && !*blob; i++) {
		git_tree_entry *e = NULL;

		buf_reset(&p);
		repo_path(&p, i == 0 ? dir : "", PM_SETTINGS_FILE);
		if (git_tree_entry_bypath(&e, root, p.ptr) == 0 &&
		    git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
		    git_blob_lookup(blob, repo, git_tree_entry_id(e)) == 0)
			*path = xstrdup(p.ptr);
		git_tree_entry_free(e);
	}
	buf_release(&p);
	git_tree_free(root);
}

/*
 * The settings of c: *tax (owned, the defaults when there is no file or it
 * is broken) and *salt (owned: changes when the settings do). A broken
 * file gives PM_INVALID and the reason in err.
 */
static enum pm_status read_settings(git_repository *repo, const git_commit *c,
				    const char *dir, struct taxonomy **tax,
				    char **salt, struct pm_error *err)
{
	git_blob *blob = NULL;
	char *path = NULL;
	enum pm_status rc;

	settings_blob(repo, c, dir, &blob, &path);
	rc = importer_settings_parse(
		blob ? git_blob_rawcontent(blob) : NULL,
		blob ? (size_t)git_blob_rawsize(blob) : 0, path, tax, salt,
		err);
	free(path);
	git_blob_free(blob);
	return rc;
}

/* ---- provenance ------------------------------------------------------- */

/* One file to index and what its history says about it. */
struct prov {
	char *path;  /* relative to the postmortems directory */
	char *track; /* its name in the commit being looked at */
	git_oid blob;
	int have_last, have_first;
	git_oid last, first;
	char *author;
	int64_t last_time, created;
	char first_hex[GIT_OID_HEXSZ + 1]; /* from the index, when known */
};

struct prov_set {
	struct prov *v;
	size_t n, alloc;
	struct prov **by_track; /* sorted by track, for bsearch */
	size_t unresolved;
};

static struct prov *prov_add(struct prov_set *s, const char *path,
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

static void prov_release(struct prov_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].track);
		free(s->v[i].author);
	}
	free(s->v);
	free(s->by_track);
	memset(s, 0, sizeof(*s));
}

static int cmp_track(const void *a, const void *b)
{
	return strcmp((*(struct prov *const *)a)->track,
		      (*(struct prov *const *)b)->track);
}

static void prov_sort(struct prov_set *s)
{
	qsort(s->by_track, s->n, sizeof(*s->by_track), cmp_track);
}

/* Builds the lookup table; call once all files are added. */
static void prov_index(struct prov_set *s)
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

static struct prov *prov_find(struct prov_set *s, const char *track)
{
	struct prov key = { .track = (char *)track }, *kp = &key, **hit;

	hit = bsearch(&kp, s->by_track, s->n, sizeof(*s->by_track),
		      cmp_track);
	return hit ? *hit : NULL;
}

/* Index in by_track where track is or would go. */
static size_t prov_slot(const struct prov_set *s, const char *track)
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
static void prov_retrack(struct prov_set *s, struct prov *p,
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

/* Whether path has the blob id in tree t (NULL: absent). */
static int tree_has_blob(git_tree *t, const char *path, const git_oid *id)
{
	git_tree_entry *e = NULL;
	int same = 0;

	if (t && git_tree_entry_bypath(&e, t, path) == 0)
		same = git_oid_equal(git_tree_entry_id(e), id);
	git_tree_entry_free(e);
	return same;
}

/* One file a commit changed, from tree_changes() or a libgit2 diff. */
struct tchange {
	git_delta_t status; /* ADDED, MODIFIED, DELETED or RENAMED */
	char *path;	    /* the new path (DELETED: the old one) */
	char *old_path;	    /* RENAMED: the old path; else NULL */
	git_oid id;	    /* the new blob (DELETED: the old one) */
};

struct tchanges {
	struct tchange *v;
	size_t n, alloc;
	size_t adds, dels;
};

static void tc_add(struct tchanges *t, git_delta_t st, const char *path,
		   const char *old_path, const git_oid *id)
{
	struct tchange *c;

	XGROW(t->v, t->alloc, t->n + 1);
	c = &t->v[t->n++];
	c->status = st;
	c->path = xstrdup(path);
	c->old_path = old_path ? xstrdup(old_path) : NULL;
	git_oid_cpy(&c->id, id);
	t->adds += st == GIT_DELTA_ADDED;
	t->dels += st == GIT_DELTA_DELETED;
}

static void tc_clear(struct tchanges *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].old_path);
	}
	t->n = t->adds = t->dels = 0;
}

static void tc_release(struct tchanges *t)
{
	tc_clear(t);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void tree_changes(git_repository *repo, git_tree *a, git_tree *b,
			 struct buf *prefix, int depth, struct tchanges *out);

/* Records entry e (under prefix) as added or gone, recursing into trees. */
static void entry_change(git_repository *repo, const git_tree_entry *e,
			 git_delta_t st, struct buf *prefix, int depth,
			 struct tchanges *out)
{
	size_t plen = prefix->len;
	git_tree *t = NULL;

	buf_addstr(prefix, git_tree_entry_name(e));
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		tc_add(out, st, prefix->ptr, NULL, git_tree_entry_id(e));
	} else if (git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		   depth < MAX_DEPTH &&
		   git_tree_lookup(&t, repo, git_tree_entry_id(e)) == 0) {
		buf_addch(prefix, '/');
		if (st == GIT_DELTA_ADDED)
			tree_changes(repo, NULL, t, prefix, depth + 1, out);
		else
			tree_changes(repo, t, NULL, prefix, depth + 1, out);
	}
	git_tree_free(t);
	buf_setlen(prefix, plen);
}

/*
 * The blobs that differ between trees a and b (either may be NULL), as
 * ADDED, MODIFIED or DELETED with paths under prefix: one merge of the
 * two sorted entry lists per directory, and a subtree whose id is the
 * same on both sides is skipped without being read, so a commit costs in
 * proportion to the directories it touched. (libgit2's tree diff reads
 * both trees whole: at 10,000 files and 2,000 commits it made the walk 5
 * times slower.) Renames are left to the caller.
 */
static void tree_changes(git_repository *repo, git_tree *a, git_tree *b,
			 struct buf *prefix, int depth, struct tchanges *out)
{
	size_t na = a ? git_tree_entrycount(a) : 0;
	size_t nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0, plen = prefix->len;

	while (i < na || j < nb) {
		const git_tree_entry *o = i < na ? git_tree_entry_byindex(a, i)
						 : NULL;
		const git_tree_entry *e = j < nb ? git_tree_entry_byindex(b, j)
						 : NULL;
		/* git's order: a directory sorts as if its name ended in /. */
		int c = !o ? 1 : !e ? -1 : git_tree_entry_cmp(o, e);
		git_object_t to, te;

		if (c < 0) {
			entry_change(repo, o, GIT_DELTA_DELETED, prefix, depth,
				     out);
			i++;
			continue;
		}
		if (c > 0) {
			entry_change(repo, e, GIT_DELTA_ADDED, prefix, depth,
				     out);
			j++;
			continue;
		}
		i++;
		j++;
		if (git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(e)))
			continue;
		to = git_tree_entry_type(o);
		te = git_tree_entry_type(e);
		if (to == GIT_OBJECT_BLOB && te == GIT_OBJECT_BLOB) {
			buf_addstr(prefix, git_tree_entry_name(e));
			tc_add(out, GIT_DELTA_MODIFIED, prefix->ptr, NULL,
			       git_tree_entry_id(e));
			buf_setlen(prefix, plen);
		} else if (to == GIT_OBJECT_TREE && te == GIT_OBJECT_TREE &&
			   depth < MAX_DEPTH) {
			git_tree *sa = NULL, *sb = NULL;

			buf_addstr(prefix, git_tree_entry_name(e));
			buf_addch(prefix, '/');
			if (git_tree_lookup(&sa, repo, git_tree_entry_id(o)) ==
				    0 &&
			    git_tree_lookup(&sb, repo, git_tree_entry_id(e)) ==
				    0)
				tree_changes(repo, sa, sb, prefix, depth + 1,
					     out);
			git_tree_free(sa);
			git_tree_free(sb);
			buf_setlen(prefix, plen);
		} else {
			/* A submodule became a file or the like. */
			entry_change(repo, o, GIT_DELTA_DELETED, prefix, depth,
				     out);
			entry_change(repo, e, GIT_DELTA_ADDED, prefix, depth,
				     out);
		}
	}
}

/* The same changes from libgit2, with renames found (slower). */
static void diff_changes(git_repository *repo, git_tree *a, git_tree *b,
			 struct tchanges *out)
{
	git_diff *diff = NULL;
	git_diff_options dopts;
	git_diff_find_options fopts;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&diff, repo, a, b, &dopts) == 0 &&
	    git_diff_find_similar(diff, &fopts) == 0) {
		for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			int gone = d->status == GIT_DELTA_DELETED;

			tc_add(out, d->status,
			       gone ? d->old_file.path : d->new_file.path,
			       d->status == GIT_DELTA_RENAMED
				       ? d->old_file.path
				       : NULL,
			       gone ? &d->old_file.id : &d->new_file.id);
		}
	}
	git_diff_free(diff);
}

/*
 * Pairs an added file that a tracked file still looking for its creation
 * may have been renamed from: first by identical content (git mv, the
 * common case, free), and only when that fails with libgit2's similarity
 * search over the commit, which reads and compares the blobs.
 */
static void find_renames(git_repository *repo, git_tree *a, git_tree *b,
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
		    !(p = prov_find(s, add->path)) || p->have_first)
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
		tc_clear(t);
		diff_changes(repo, a, b, t);
	}
}

/*
 * Notes what commit c did to the tracked files. For a merge, a file that
 * equals its version in another parent came from that parent: the commit
 * that changed it is found on that side.
 */
static void prov_note(struct prov_set *s, const git_commit *c,
		      const struct tchanges *t, git_tree **others,
		      unsigned n_others)
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
			from_other = tree_has_blob(others[k], p->track, &d->id);
		if (from_other)
			continue;
		was_open = !p->have_last || !p->have_first;
		if (!p->have_last) {
			p->have_last = 1;
			git_oid_cpy(&p->last, git_commit_id(c));
			p->author = xstrdup(who && who->name ? who->name : "");
			p->last_time = who ? (int64_t)who->when.time : 0;
		}
		if (!p->have_first && d->status == GIT_DELTA_RENAMED) {
			/*
			 * Follow the file back under its old name, once this
			 * commit is done: a new file may take the old name in
			 * the same commit.
			 */
			XGROW(moves, alloc_moves, n_moves + 1);
			moves[n_moves].p = p;
			moves[n_moves++].old_path = d->old_path;
		} else if (!p->have_first) {
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
 * One walk of the history from head, newest first, comparing each
 * commit's postmortems directory with its parents' (a commit that left
 * the directory alone costs a few tree lookups), until every file in s
 * knows the commit that last changed it and the one that added it.
 * Renames are looked for only in commits that add a tracked file and
 * delete another.
 */
static enum pm_status prov_walk(struct gitsync *g, const git_oid *head,
				struct prov_set *s, struct pm_error *err)
{
	git_revwalk *walk = NULL;
	struct tchanges t = { 0 };
	struct buf prefix = BUF_INIT;
	git_oid oid;
	enum pm_status rc = PM_OK;

	if (!s->unresolved)
		return PM_OK;
	if (git_revwalk_new(&walk, g->repo) ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) ||
	    git_revwalk_push(walk, head)) {
		rc = git_fail(err, PM_IO, g->public_url, "cannot walk history");
		goto out;
	}
	while (s->unresolved && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c = NULL;
		git_tree *mine = NULL, *base = NULL, *others[8] = { NULL };
		unsigned np, n_others = 0;
		git_oid sub, psub;
		int have_sub, same = 0;

		if (atomic_load(&g->cancel)) {
			rc = pm_error_set(err, PM_UNAVAILABLE, g->public_url,
					  0, "cancelled");
			break;
		}
		if (git_commit_lookup(&c, g->repo, &oid)) {
			rc = git_fail(err, PM_IO, g->public_url,
				      "cannot read a commit");
			break;
		}
		have_sub = dir_tree_id(c, g->dir, &sub) == 1;
		np = git_commit_parentcount(c);
		/* Same directory as some parent: nothing happened here. */
		for (unsigned k = 0; k < np && !same; k++) {
			git_commit *p = NULL;
			int hp;

			if (git_commit_parent(&p, c, k))
				continue;
			hp = dir_tree_id(p, g->dir, &psub) == 1;
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
			tc_clear(&t);
			buf_reset(&prefix);
			tree_changes(g->repo, base, mine, &prefix, 0, &t);
			find_renames(g->repo, base, mine, s, &t);
			prov_note(s, c, &t, others, n_others);
		}
		for (unsigned k = 0; k < n_others; k++)
			git_tree_free(others[k]);
		git_tree_free(base);
		git_tree_free(mine);
		git_commit_free(c);
	}
out:
	tc_release(&t);
	buf_release(&prefix);
	git_revwalk_free(walk);
	return rc;
}

/* ---- applying a sync -------------------------------------------------- */

struct sync_ctx {
	struct gitsync *g;
	struct index_batch *b;
	struct gitsync_result *res;
	struct pm_error *err;
};

/* Reads what the index knows of path's origin into p (for a modified or
 * renamed file, whose creation is older than the commits being read). */
static enum pm_status carry_origin(struct sync_ctx *x, const char *path,
				   struct prov *p)
{
	sqlite3_stmt *s = dbconn_stmt(index_conn(x->b), sql_row_origin);
	const char *first;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    (first = (const char *)sqlite3_column_text(s, 0)) &&
	    strlen(first) == GIT_OID_HEXSZ &&
	    sqlite3_column_type(s, 1) != SQLITE_NULL) {
		p->have_first = 1;
		snprintf(p->first_hex, sizeof(p->first_hex), "%s", first);
		p->created = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return PM_OK;
}

static enum pm_status touch_provenance(struct sync_ctx *x, const char *path,
				       const struct pm_provenance *pv)
{
	struct dbconn *c = index_conn(x->b);
	sqlite3_stmt *s = dbconn_stmt(c, sql_touch_provenance);
	struct pm_time t;
	int rc;

	if (!s)
		return PM_DB;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, pv->commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, pv->author, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, pv->commit_time);
	if (pv->first_commit)
		sqlite3_bind_text(s, 5, pv->first_commit, -1,
				  SQLITE_TRANSIENT);
	if (pv->created_time) {
		pm_time_from_epoch(&t, pv->created_time);
		sqlite3_bind_int64(s, 6, pv->created_time);
		sqlite3_bind_text(s, 7, t.text, -1, SQLITE_TRANSIENT);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return PM_OK;
	log_kv(LOG_ERROR, "sync.sql", "error", sqlite3_errmsg(dbconn_db(c)),
	       NULL);
	return PM_DB;
}

/* Puts one file (its blob at the head) with its provenance. */
static enum pm_status put_file(struct sync_ctx *x, const struct prov *p)
{
	git_blob *blob = NULL;
	struct pm_provenance pv = { 0 };
	struct index_outcome outcome;
	char last[GIT_OID_HEXSZ + 1], first[GIT_OID_HEXSZ + 1];
	enum pm_status rc;
	size_t len;

	if (git_blob_lookup(&blob, x->g->repo, &p->blob))
		return index_problem(x->b, p->path, 0,
				     "cannot read the file from git");
	if (p->have_last) {
		git_oid_tostr(last, sizeof(last), &p->last);
		pv.commit = last;
		pv.author = p->author;
		pv.commit_time = p->last_time;
	}
	if (p->have_first) {
		if (p->first_hex[0])
			snprintf(first, sizeof(first), "%s", p->first_hex);
		else
			git_oid_tostr(first, sizeof(first), &p->first);
		pv.first_commit = first;
		pv.created_time = p->created;
		pv.created_from = "git";
	}
	/* A file past the cap is recorded as too large by the indexer. */
	len = (size_t)git_blob_rawsize(blob);
	if (len > PM_MAX_FILE_SIZE + 1)
		len = PM_MAX_FILE_SIZE + 1;
	rc = index_put(x->b, p->path, git_blob_rawcontent(blob), len, &pv,
		       &outcome);
	if (rc == PM_OK && outcome.change == INDEX_UNCHANGED && pv.commit)
		rc = touch_provenance(x, p->path, &pv);
	git_blob_free(blob);
	return rc;
}

static enum pm_status put_all(struct sync_ctx *x, const git_oid *head,
			      struct prov_set *s)
{
	enum pm_status rc;

	prov_index(s);
	if ((rc = prov_walk(x->g, head, s, x->err)) != PM_OK)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		if ((i & 63) == 0 && atomic_load(&x->g->cancel))
			return pm_error_set(x->err, PM_UNAVAILABLE,
					    x->g->public_url, 0, "cancelled");
		if ((rc = put_file(x, &s->v[i])) != PM_OK)
			return rc;
	}
	x->res->files = (int)s->n;
	return PM_OK;
}

struct list_ctx {
	struct prov_set *set;
};

static int list_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct list_ctx *lc = payload;
	const char *name = git_tree_entry_name(e);
	struct buf path = BUF_INIT;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		int depth = 0;

		for (const char *p = root; *p; p++)
			depth += *p == '/';
		/* 1 skips the subtree: hidden, vendored, or too deep. */
		return name[0] == '.' || !strcmp(name, "node_modules") ||
		       depth >= MAX_DEPTH;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
		return 0;
	buf_addf(&path, "%s%s", root, name);
	if (wanted(path.ptr))
		prov_add(lc->set, path.ptr, git_tree_entry_id(e));
	buf_release(&path);
	return 0;
}

/* Every file of the head's tree, then the index pruned to match. */
static enum pm_status sync_full(struct sync_ctx *x, const git_oid *head,
				git_tree *head_dir)
{
	struct prov_set s = { 0 };
	struct list_ctx lc = { &s };
	enum pm_status rc = PM_OK;

	if (head_dir &&
	    git_tree_walk(head_dir, GIT_TREEWALK_PRE, list_cb, &lc)) {
		rc = git_fail(x->err, PM_IO, x->g->public_url,
			      "cannot list the tree");
		goto out;
	}
	if (!head_dir)
		log_kv(LOG_WARN, "sync.no_dir", "dir",
		       *x->g->dir ? x->g->dir : ".", "branch", x->g->branch,
		       "msg", "the branch has no such directory (see --dir)",
		       NULL);
	if ((rc = put_all(x, head, &s)) != PM_OK)
		goto out;
	rc = index_prune(x->b);
out:
	prov_release(&s);
	return rc;
}

/* The files changed between the last indexed commit and the head. */
static enum pm_status sync_incremental(struct sync_ctx *x,
				       const git_oid *head,
				       git_tree *last_dir, git_tree *head_dir)
{
	git_diff *diff = NULL;
	git_diff_options dopts;
	git_diff_find_options fopts;
	struct prov_set s = { 0 };
	enum pm_status rc = PM_OK;
	size_t n;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_tree_to_tree(&diff, x->g->repo, last_dir, head_dir,
				  &dopts) ||
	    git_diff_find_similar(diff, &fopts)) {
		rc = git_fail(x->err, PM_IO, x->g->public_url,
			      "cannot compare the commits");
		goto out;
	}
	/*
	 * Removals and renames first, so that a slug a removed file frees is
	 * free when the files that follow are put.
	 */
	n = git_diff_num_deltas(diff);
	for (size_t i = 0; i < n && rc == PM_OK; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *op = d->old_file.path, *np = d->new_file.path;
		int ow = wanted(op) && d->old_file.mode != GIT_FILEMODE_LINK;
		int nw = wanted(np) && d->new_file.mode != GIT_FILEMODE_LINK &&
			 d->new_file.mode != GIT_FILEMODE_COMMIT;
		struct prov *p;

		switch (d->status) {
		case GIT_DELTA_DELETED:
			if (ow)
				rc = index_remove(x->b, op, NULL);
			break;
		case GIT_DELTA_RENAMED:
			if (!nw) {
				if (ow)
					rc = index_remove(x->b, op, NULL);
				break;
			}
			p = prov_add(&s, np, &d->new_file.id);
			if (ow && (rc = carry_origin(x, op, p)) == PM_OK)
				rc = index_remove(x->b, op, np);
			break;
		case GIT_DELTA_ADDED:
		case GIT_DELTA_COPIED:
			if (nw)
				prov_add(&s, np, &d->new_file.id);
			break;
		case GIT_DELTA_MODIFIED:
		case GIT_DELTA_TYPECHANGE:
			if (nw) {
				p = prov_add(&s, np, &d->new_file.id);
				rc = carry_origin(x, np, p);
			} else if (ow) {
				rc = index_remove(x->b, op, NULL);
			}
			break;
		default:
			break;
		}
	}
	if (rc == PM_OK)
		rc = put_all(x, head, &s);
out:
	prov_release(&s);
	git_diff_free(diff);
	return rc;
}

/*
 * Whether the last indexed commit can be the base of an incremental sync:
 * it must exist and be an ancestor of the head. Otherwise *why says what
 * forces a full read.
 */
static git_commit *usable_base(struct gitsync *g, const char *last_hex,
			       const git_oid *head, const char **why)
{
	git_commit *c = NULL;
	git_oid last;

	if (!last_hex) {
		*why = "first sync";
		return NULL;
	}
	if (git_oid_fromstr(&last, last_hex) ||
	    git_commit_lookup(&c, g->repo, &last)) {
		*why = "the last indexed commit is not in the repository";
		return NULL;
	}
	if (!git_oid_equal(&last, head) &&
	    git_graph_descendant_of(g->repo, head, &last) != 1) {
		*why = "history was rewritten (force-push)";
		git_commit_free(c);
		return NULL;
	}
	return c;
}

/*
 * A broken .pmkb.yml at the head: the settings of the last indexed commit
 * stay in force (its causes and aliases), instead of the open defaults
 * read_settings() fell back to. The salt stays the head's, so that fixing
 * the file re-reads the tree with the new settings.
 */
static void keep_previous_settings(struct gitsync *g, const char *last,
				   struct taxonomy **tax)
{
	git_oid oid;
	git_commit *prev = NULL;
	struct taxonomy *ptax = NULL;
	struct pm_error perr;
	char *psalt = NULL;

	if (git_oid_fromstr(&oid, last) ||
	    git_commit_lookup(&prev, g->repo, &oid))
		goto out;
	pm_error_clear(&perr);
	if (read_settings(g->repo, prev, g->dir, &ptax, &psalt, &perr) !=
	    PM_OK)
		goto out;
	taxonomy_free(*tax);
	*tax = ptax;
	ptax = NULL;
out:
	taxonomy_free(ptax);
	free(psalt);
	git_commit_free(prev);
}

enum pm_status gitsync_run(struct gitsync *g, struct store *st, int force,
			   struct taxonomy **tax_out,
			   struct gitsync_result *res, struct pm_error *err)
{
	struct timespec t0;
	git_commit *head_c = NULL, *base_c = NULL;
	git_tree *head_dir = NULL, *base_dir = NULL;
	struct taxonomy *tax = NULL;
	struct index_batch *b = NULL;
	struct dbconn *rd;
	struct pm_error serr;
	struct buf source = BUF_INIT;
	char *salt = NULL, *last = NULL, *old_source = NULL, *old_salt = NULL;
	enum pm_status rc, src;
	git_oid head;

	memset(res, 0, sizeof(*res));
	*tax_out = NULL;
	res->why = "";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = fetch(g, &head, err)) != PM_OK)
		goto out;
	res->fetch_seconds = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	git_oid_tostr(res->commit, sizeof(res->commit), &head);
	if (git_commit_lookup(&head_c, g->repo, &head)) {
		rc = git_fail(err, PM_IO, g->public_url,
			      "cannot read the fetched commit");
		goto out;
	}
	head_dir = dir_tree(g->repo, head_c, g->dir);
	pm_error_clear(&serr);
	src = read_settings(g->repo, head_c, g->dir, &tax,
			    &salt, &serr);

	/*
	 * What was indexed, and from where (without credentials: the index
	 * holds no secrets). Only this thread writes.
	 */
	buf_addf(&source, "%s\n%s\n%s", g->public_url, g->branch, g->dir);
	if (!(rd = store_reader(st))) {
		rc = pm_error_set(err, PM_DB, "database", 0,
				  "cannot read the index");
		goto out;
	}
	last = store_meta_get(rd, GITSYNC_META_COMMIT);
	old_source = store_meta_get(rd, GITSYNC_META_SOURCE);
	old_salt = store_meta_get(rd, GITSYNC_META_SALT);
	store_reader_release(st, rd);
	snprintf(res->previous, sizeof(res->previous), "%s",
		 last ? last : "");
	if (src != PM_OK && last)
		keep_previous_settings(g, last, &tax);

	res->mode = GITSYNC_INCREMENTAL;
	if (force) {
		res->why = "forced";
	} else if (!old_source || strcmp(old_source, source.ptr)) {
		res->why = last ? "another repository, branch or directory"
				: "first sync";
	} else if (!old_salt || strcmp(old_salt, salt)) {
		res->why = "the settings or the parser changed";
	} else if ((base_c = usable_base(g, last, &head, &res->why))) {
		if (!strcmp(last, res->commit)) {
			res->mode = GITSYNC_NOOP;
			goto done;
		}
		base_dir = dir_tree(g->repo, base_c, g->dir);
	}
	if (!base_c)
		res->mode = GITSYNC_FULL;

	if ((rc = index_begin(st, tax, salt, &b)) != PM_OK) {
		pm_error_set(err, rc, "database", 0, "cannot start a batch");
		goto out;
	}
	if (res->mode == GITSYNC_INCREMENTAL)
		index_set_listener(b, g->listener);
	{
		struct sync_ctx x = { g, b, res, err };

		if (res->mode == GITSYNC_FULL && src != PM_OK) {
			log_kv(LOG_WARN, "settings.invalid", "path",
			       serr.source, "error", serr.message, NULL);
			rc = index_problem(b, PM_SETTINGS_FILE, serr.line,
					   serr.message);
			if (rc != PM_OK)
				goto out;
		}
		rc = res->mode == GITSYNC_FULL
			     ? sync_full(&x, &head, head_dir)
			     : sync_incremental(&x, &head, base_dir, head_dir);
	}
	if (rc != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_COMMIT,
				 res->commit)) != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_SOURCE,
				 source.ptr)) != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_SALT, salt)) !=
		    PM_OK)
		goto out;
	rc = index_commit(b, &res->counts);
	b = NULL;
	if (rc != PM_OK)
		goto out;
done:
	res->index_seconds = seconds_since(&t0);
	*tax_out = tax;
	tax = NULL;
	rc = PM_OK;
out:
	if (rc == PM_DB && err && !err->message[0])
		pm_error_set(err, rc, "database", 0,
			     "the database failed during the sync; nothing "
			     "was changed");
	index_abort(b);
	taxonomy_free(tax);
	git_tree_free(head_dir);
	git_tree_free(base_dir);
	git_commit_free(head_c);
	git_commit_free(base_c);
	buf_release(&source);
	free(salt);
	free(last);
	free(old_source);
	free(old_salt);
	return rc;
}

/* ---- source links ----------------------------------------------------- */

char *gitsync_source_url(const char *tmpl, const char *commit,
			 const char *branch, const char *dir,
			 const char *relpath)
{
	struct buf out = BUF_INIT, path = BUF_INIT;
	char *ndir;

	if (!tmpl || !*tmpl || (strstr(tmpl, "{commit}") && !commit))
		return NULL;
	ndir = normalise_dir(dir);
	repo_path(&path, ndir, relpath ? relpath : "");
	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "{commit}", 8)) {
			buf_addstr(&out, commit);
			p += 8;
		} else if (!strncmp(p, "{branch}", 8)) {
			buf_add_urlencoded(&out, branch ? branch : "");
			p += 8;
		} else if (!strncmp(p, "{path}", 6)) {
			/* Each segment encoded; the slashes kept. */
			char *seg = path.ptr, *slash;

			for (;;) {
				slash = strchr(seg, '/');
				if (slash)
					*slash = '\0';
				buf_add_urlencoded(&out, seg);
				if (!slash)
					break;
				*slash = '/';
				buf_addch(&out, '/');
				seg = slash + 1;
			}
			p += 6;
		} else {
			buf_addch(&out, *p++);
		}
	}
	free(ndir);
	buf_release(&path);
	return buf_detach(&out, NULL);
}

/* ---- pre-receive ------------------------------------------------------ */

/* Adds to out the paths (in dir) that commit c changed, first parent. */
static void commit_changes(git_repository *repo, git_commit *c,
			   const char *dir, struct pm_list *out)
{
	git_commit *parent = NULL;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options dopts;

	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_commit_parentcount(c) && git_commit_parent(&parent, c, 0) == 0)
		a = dir_tree(repo, parent, dir);
	b = dir_tree(repo, c, dir);
	if (b && git_diff_tree_to_tree(&diff, repo, a, b, &dopts) == 0) {
		for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);

			if (d->status != GIT_DELTA_DELETED)
				pm_list_add_unique(out, d->new_file.path);
		}
	}
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(parent);
}

/*
 * The paths under dir that a push of ref from old_hex to new changes: the
 * tree difference for an update; for a new branch, what its commits that
 * no existing ref reaches changed.
 */
static void pushed_changes(git_repository *repo, const char *old_hex,
			   git_commit *newc, const char *dir,
			   struct pm_list *out)
{
	git_oid old;
	git_commit *oldc = NULL;
	git_revwalk *walk = NULL;

	if (!oid_is_zero(old_hex) && git_oid_fromstr(&old, old_hex) == 0 &&
	    git_commit_lookup(&oldc, repo, &old) == 0) {
		git_tree *a = dir_tree(repo, oldc, dir);
		git_tree *b = dir_tree(repo, newc, dir);
		git_diff *diff = NULL;
		git_diff_options dopts;

		git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
		dopts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
		if (b && git_diff_tree_to_tree(&diff, repo, a, b, &dopts) ==
				 0) {
			for (size_t i = 0; i < git_diff_num_deltas(diff);
			     i++) {
				const git_diff_delta *d =
					git_diff_get_delta(diff, i);

				if (d->status != GIT_DELTA_DELETED)
					pm_list_add_unique(out,
							   d->new_file.path);
			}
		}
		git_diff_free(diff);
		git_tree_free(a);
		git_tree_free(b);
		git_commit_free(oldc);
		return;
	}
	if (git_revwalk_new(&walk, repo) == 0 &&
	    git_revwalk_push(walk, git_commit_id(newc)) == 0) {
		git_oid id;

		git_revwalk_hide_glob(walk, "refs/*");
		while (git_revwalk_next(&id, walk) == 0) {
			git_commit *c = NULL;

			if (git_commit_lookup(&c, repo, &id) == 0)
				commit_changes(repo, c, dir, out);
			git_commit_free(c);
		}
	}
	git_revwalk_free(walk);
}

/* Whether the settings file differs between old_hex and newc. */
static int settings_changed(git_repository *repo, const char *old_hex,
			    git_commit *newc, const char *dir)
{
	git_blob *a = NULL, *b = NULL;
	git_commit *oldc = NULL;
	char *pa = NULL, *pb = NULL;
	git_oid old;
	int changed;

	settings_blob(repo, newc, dir, &b, &pb);
	if (!oid_is_zero(old_hex) && git_oid_fromstr(&old, old_hex) == 0 &&
	    git_commit_lookup(&oldc, repo, &old) == 0)
		settings_blob(repo, oldc, dir, &a, &pa);
	changed = !a != !b ||
		  (a && b && !git_oid_equal(git_blob_id(a), git_blob_id(b)));
	git_blob_free(a);
	git_blob_free(b);
	free(pa);
	free(pb);
	git_commit_free(oldc);
	return changed;
}

/* Lints the pushed version of one file; returns its number of errors. */
static void lint_blob(git_repository *repo, git_tree *t, const char *dir,
		      const char *rel, const struct taxonomy *tax,
		      int64_t fallback, FILE *out, struct lint_result *res)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	struct postmortem pm;
	struct buf shown = BUF_INIT;
	size_t len;

	repo_path(&shown, dir, rel);
	postmortem_init(&pm);
	if (git_tree_entry_bypath(&e, t, rel) ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_blob_lookup(&blob, repo, git_tree_entry_id(e)))
		goto out;
	res->files++;
	len = (size_t)git_blob_rawsize(blob);
	if (len > PM_MAX_FILE_SIZE + 1)
		len = PM_MAX_FILE_SIZE + 1;
	postmortem_parse(&pm, rel, git_blob_rawcontent(blob), len, tax,
			 fallback);
	for (size_t i = 0; i < pm.n_diags; i++) {
		const struct pm_diag *d = &pm.diags[i];
		int is_error = d->level == PM_DIAG_ERROR;

		fprintf(out, "%s:%d: %s: %s\n", shown.ptr, d->line,
			is_error ? "error" : "warning", d->message);
		if (is_error)
			res->errors++;
		else
			res->warnings++;
	}
out:
	postmortem_release(&pm);
	git_blob_free(blob);
	git_tree_entry_free(e);
	buf_release(&shown);
}

/* Checks one pushed ref. Returns 0, or 2 when it cannot be read. */
static int check_ref(git_repository *repo, const char *old_hex,
		     const char *new_hex, const char *dir, FILE *out,
		     struct lint_result *res)
{
	git_commit *newc = NULL;
	git_tree *t = NULL;
	struct taxonomy *tax = NULL;
	struct pm_list changed = { 0 };
	struct pm_error err;
	char *salt = NULL;
	git_oid id;
	int rc = 0;

	if (git_oid_fromstr(&id, new_hex) ||
	    git_commit_lookup(&newc, repo, &id)) {
		fprintf(out, "pmkb: cannot read pushed commit %s\n", new_hex);
		rc = 2;
		goto out;
	}
	pm_error_clear(&err);
	if (read_settings(repo, newc, dir, &tax, &salt, &err) != PM_OK &&
	    settings_changed(repo, old_hex, newc, dir)) {
		fprintf(out, "%s:%d: error: %s\n", err.source, err.line,
			err.message);
		res->errors++;
	}
	if (!(t = dir_tree(repo, newc, dir)))
		goto out;
	pushed_changes(repo, old_hex, newc, dir, &changed);
	for (size_t i = 0; i < changed.n; i++) {
		const git_signature *who = git_commit_author(newc);

		if (wanted(changed.v[i]))
			lint_blob(repo, t, dir, changed.v[i], tax,
				  who ? (int64_t)who->when.time : 0, out,
				  res);
	}
out:
	pm_list_release(&changed);
	taxonomy_free(tax);
	free(salt);
	git_tree_free(t);
	git_commit_free(newc);
	return rc;
}

int gitsync_prereceive(FILE *in, FILE *out, const char *dir,
		       struct lint_result *res)
{
	git_repository *repo = NULL;
	char *line = NULL, *ndir = normalise_dir(dir);
	size_t cap = 0;
	int rc = 0, n_lines = 0;

	memset(res, 0, sizeof(*res));
	git_libgit2_init();
	if (git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV,
				    NULL)) {
		const git_error *e = git_error_last();

		fprintf(out, "pmkb: cannot open the repository (run this as "
			     "a pre-receive hook): %s\n",
			e && e->message ? e->message : "unknown error");
		rc = 2;
		goto out;
	}
	while (getline(&line, &cap, in) > 0 && n_lines++ < MAX_REF_LINES) {
		char old_hex[72], new_hex[72], ref[1024];

		if (sscanf(line, "%71s %71s %1023s", old_hex, new_hex, ref) !=
		    3) {
			fprintf(out, "pmkb: expected 'old new ref' lines on "
				     "stdin, got: %.80s\n", line);
			rc = 2;
			continue;
		}
		if (oid_is_zero(new_hex) || strncmp(ref, "refs/heads/", 11))
			continue;
		if (check_ref(repo, old_hex, new_hex, ndir, out, res))
			rc = 2;
	}
	if (!rc && res->errors)
		rc = 1;
out:
	free(line);
	free(ndir);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
