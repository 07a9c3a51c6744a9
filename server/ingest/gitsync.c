/*
 * Following a git repository with libgit2.
 *
 * Map: helpers → the clone (open, credentials, fetch) → which read a
 * commit needs (nothing, the changed files, or the whole tree; gitapply.c
 * puts the files) → reading a past commit for as_of, which shares the
 * clone but never fetches.
 *
 * Paths handed to the indexer are relative to the postmortems directory,
 * as in directory mode, so that a slug does not depend on where the files
 * came from.
 */
#include <dirent.h>
#include <git2.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/clock.h"
#include "pmkb/base/dirs.h"
#include "pmkb/ingest/gitapply.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/ingest/gitsync.h"
#include "pmkb/ingest/gittree.h"
#include "pmkb/ingest/provenance.h"
#include "pmkb/base/log.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"

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

/* "path@blob" of the settings file of commit c, or "" (into out). */
static const char *settings_revision(git_repository *repo, const git_commit *c,
				     const char *dir, struct buf *out)
{
	git_blob *blob = NULL;
	char *path = NULL, hex[GIT_OID_HEXSZ + 1];

	buf_reset(out);
	gittree_settings_blob(repo, c, dir, &blob, &path);
	if (blob) {
		git_oid_tostr(hex, sizeof(hex), git_blob_id(blob));
		buf_addf(out, "%s@%s", path, hex);
	}
	git_blob_free(blob);
	free(path);
	return out->ptr;
}

/* A repository on this machine: a path, not a URL nor host:path. */
static int is_local_path(const char *url)
{
	return url[0] == '/' || url[0] == '.' || !strchr(url, ':');
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

/* ---- the clone -------------------------------------------------------- */

static int older(const struct stat *sb, const struct timespec *t)
{
	return sb->st_mtim.tv_sec < t->tv_sec ||
	       (sb->st_mtim.tv_sec == t->tv_sec &&
		sb->st_mtim.tv_nsec < t->tv_nsec);
}

/*
 * Removes the lock files ("x.lock" beside x) that libgit2 leaves when the
 * process holding them is killed: the clone belongs to this process alone,
 * so a lock older than its start can have no owner, and while it stays
 * every later sync fails to update the ref. Looks at the top of the clone
 * and under refs/, never follows a link, never descends into objects/.
 */
static void remove_stale_locks(const char *dir, int depth,
			       const struct timespec *start)
{
	struct buf path = BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, e->d_name);
		if (lstat(path.ptr, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth < GITTREE_MAX_DEPTH &&
		    (depth > 0 || !strcmp(e->d_name, "refs")))
			remove_stale_locks(path.ptr, depth + 1, start);
		else if (S_ISREG(sb.st_mode) && n > 5 &&
			 !strcmp(e->d_name + n - 5, ".lock") &&
			 older(&sb, start) && unlink(path.ptr) == 0)
			log_kv(LOG_WARN, "sync.stale_lock", "path", path.ptr,
			       "msg", "removed a lock left by a process that "
			       "ended while syncing", NULL);
	}
	closedir(d);
	buf_release(&path);
}

char *gitsync_clone_path(const char *data_dir)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/repo.git", data_dir);
	return buf_detach(&p, NULL);
}

enum pm_status gitsync_open(struct gitsync **out,
			    const struct gitsync_options *o,
			    struct pm_error *err)
{
	struct gitsync *g = xcalloc(1, sizeof(*g));
	struct buf path = BUF_INIT;
	struct timespec now;
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
	g->dir = repopath_dir(o->dir);
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
	if (o->read_only) {
		g->clone_path = gitsync_clone_path(o->data_dir);
		if (git_repository_open_bare(&g->repo, g->clone_path))
			rc = pm_error_set(err, PM_UNAVAILABLE, g->clone_path, 0,
					  "no clone to read yet");
		else
			goto done;
		goto out;
	}
	g->token = env_dup("PMKB_GIT_TOKEN");
	g->user = env_dup("PMKB_GIT_USER");
	g->ssh_key = env_dup("PMKB_GIT_SSH_KEY");
	g->ssh_pass = env_dup("PMKB_GIT_SSH_PASSPHRASE");
	if ((rc = dirs_make(o->data_dir, "the data directory", err)) != PM_OK)
		goto out;
	g->clone_path = gitsync_clone_path(o->data_dir);
	clock_gettime(CLOCK_REALTIME, &now);
	remove_stale_locks(g->clone_path, 0, &now);
	if (git_repository_open_bare(&g->repo, g->clone_path) == 0 ||
	    is_local_path(g->url))
		goto done; /* a local path is cloned at the first fetch */
	if (git_repository_init(&g->repo, g->clone_path, 1) != 0) {
		rc = gittree_fail(err, PM_IO, g->clone_path,
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
		rc = gittree_fail(err, PM_IO, g->public_url, "cannot clone");
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
		rc = gittree_fail(err, PM_IO, g->public_url,
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
			rc = gittree_fail(err, PM_IO, g->public_url,
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
			     : gittree_fail(err, PM_IO, g->public_url,
					"cannot fetch");
		goto out;
	}
	/*
	 * Set the ref ourselves (an anonymous remote has no tracking
	 * configuration): the next fetch offers it as what we have.
	 */
	if (git_reference_create(&ref, g->repo, g->local_ref, head, 1,
				 "pmkb: fetch")) {
		rc = gittree_fail(err, PM_IO, g->public_url,
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
 * gittree_read_settings() fell back to. The salt stays the head's, so
 * that fixing the file re-reads the tree with the new settings.
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
	if (gittree_read_settings(g->repo, prev, g->dir, &ptax, &psalt, &perr) !=
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

/*
 * Brings the index of st in line with commit head (see gitsync_run()); l
 * hears of what an incremental read writes.
 */
static enum pm_status index_head(struct gitsync *g, struct store *st,
				 int force, const git_oid *head,
				 const struct index_listener *l,
				 struct taxonomy **tax_out,
				 struct gitsync_result *res,
				 struct pm_error *err)
{
	int64_t t0;
	git_commit *head_c = NULL, *base_c = NULL;
	git_tree *head_dir = NULL, *base_dir = NULL;
	struct taxonomy *tax = NULL;
	struct index_batch *b = NULL;
	struct dbconn *rd;
	struct pm_error serr;
	struct buf source = BUF_INIT, settings_rev = BUF_INIT;
	char *salt = NULL, *last = NULL, *old_source = NULL, *old_salt = NULL;
	enum pm_status rc, src;

	t0 = clock_ns();
	git_oid_tostr(res->commit, sizeof(res->commit), head);
	if (git_commit_lookup(&head_c, g->repo, head)) {
		rc = gittree_fail(err, PM_IO, g->public_url,
			      "cannot read the fetched commit");
		goto out;
	}
	head_dir = gittree_dir(g->repo, head_c, g->dir);
	pm_error_clear(&serr);
	src = gittree_read_settings(g->repo, head_c, g->dir, &tax,
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
	} else if ((base_c = usable_base(g, last, head, &res->why))) {
		if (!strcmp(last, res->commit)) {
			res->mode = GITSYNC_NOOP;
			goto done;
		}
		base_dir = gittree_dir(g->repo, base_c, g->dir);
	}
	if (!base_c)
		res->mode = GITSYNC_FULL;

	if ((rc = index_begin(st, tax, salt, &b)) != PM_OK) {
		pm_error_set(err, rc, "database", 0, "cannot start a batch");
		goto out;
	}
	if (res->mode == GITSYNC_INCREMENTAL)
		index_set_listener(b, l);
	{
		struct gitapply x = {
			{ g->repo, g->dir, g->public_url, &g->cancel },
			g->branch, b, err, 0
		};

		if (res->mode == GITSYNC_FULL && src != PM_OK) {
			log_kv(LOG_WARN, "settings.invalid", "path",
			       serr.source, "error", serr.message, NULL);
			rc = index_problem(b, PM_SETTINGS_FILE, serr.line,
					   serr.message);
			if (rc != PM_OK)
				goto out;
		}
		rc = res->mode == GITSYNC_FULL
			     ? gitapply_full(&x, head, head_dir)
			     : gitapply_incremental(&x, head, base_dir,
						    head_dir);
		res->files = x.files;
	}
	if (rc != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_COMMIT,
				 res->commit)) != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_SOURCE,
				 source.ptr)) != PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_SALT, salt)) !=
		    PM_OK ||
	    (rc = store_meta_set(index_conn(b), GITSYNC_META_SETTINGS,
				 settings_revision(g->repo, head_c, g->dir,
						   &settings_rev))) != PM_OK)
		goto out;
	rc = index_commit(b, &res->counts);
	b = NULL;
	if (rc != PM_OK)
		goto out;
done:
	res->index_seconds = clock_seconds_since(t0);
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
	buf_release(&settings_rev);
	free(salt);
	free(last);
	free(old_source);
	free(old_salt);
	return rc;
}

/* Seconds since 1970 of the end of day "YYYY-MM-DD" in UTC; -1 if not one. */
static int64_t day_end(const char *s)
{
	struct pm_time t;

	if (strlen(s) != 10 || pm_time_parse(&t, s) || !t.date_only)
		return -1;
	return t.epoch + 86400;
}

enum pm_status gitsync_resolve(struct gitsync *g, const char *last_hex,
			       const char *rev, char hex[41],
			       struct pm_error *err)
{
	git_oid last, oid;
	git_commit *c = NULL;
	git_object *obj = NULL;
	int64_t end = day_end(rev);
	size_t n = strspn(rev, "0123456789abcdefABCDEF");
	enum pm_status rc = PM_OK;

	if (!last_hex || git_oid_fromstr(&last, last_hex))
		return pm_error_set(err, PM_UNAVAILABLE, "as_of", 0,
				    "nothing is indexed from git yet");
	if (end >= 0) {
		if (git_commit_lookup(&c, g->repo, &last))
			return gittree_fail(err, PM_IO, g->public_url,
					    "cannot read the indexed commit");
		while (c && (int64_t)git_commit_time(c) >= end) {
			git_commit *p = NULL;

			if (git_commit_parentcount(c) == 0 ||
			    git_commit_parent(&p, c, 0))
				p = NULL;
			git_commit_free(c);
			c = p;
		}
		if (!c)
			return pm_error_set(err, PM_NOT_FOUND, "as_of", 0,
					    "no commit on %s by the end of %s "
					    "(UTC)",
					    g->branch, rev);
		git_oid_tostr(hex, 41, git_commit_id(c));
		git_commit_free(c);
		return PM_OK;
	}
	if (n < 4 || n > GIT_OID_HEXSZ || rev[n])
		return pm_error_set(err, PM_INVALID, "as_of", 0,
				    "expected a commit (4 to 40 hex digits) "
				    "or a day YYYY-MM-DD, got '%.40s'",
				    rev);
	git_oid_fromstrn(&oid, rev, n);
	switch (git_object_lookup_prefix(&obj, g->repo, &oid, n,
					 GIT_OBJECT_COMMIT)) {
	case 0:
		break;
	case GIT_EAMBIGUOUS:
		return pm_error_set(err, PM_INVALID, "as_of", 0,
				    "'%s' names more than one commit: give "
				    "more digits",
				    rev);
	default:
		return pm_error_set(err, PM_NOT_FOUND, "as_of", 0,
				    "no commit '%s' in the repository", rev);
	}
	git_oid_cpy(&oid, git_object_id(obj));
	git_object_free(obj);
	if (!git_oid_equal(&oid, &last) &&
	    git_graph_descendant_of(g->repo, &last, &oid) != 1)
		rc = pm_error_set(err, PM_INVALID, "as_of", 0,
				  "commit '%s' is not on %s as indexed", rev,
				  g->branch);
	else
		git_oid_tostr(hex, 41, &oid);
	return rc;
}

enum pm_status gitsync_index_commit(struct gitsync *g, struct store *st,
				    const char *hex, struct taxonomy **tax,
				    struct pm_error *err)
{
	struct gitsync_result res;
	git_oid oid;

	memset(&res, 0, sizeof(res));
	*tax = NULL;
	if (git_oid_fromstr(&oid, hex))
		return pm_error_set(err, PM_INVALID, "as_of", 0,
				    "not a commit id: '%.40s'", hex);
	return index_head(g, st, 1, &oid, NULL, tax, &res, err);
}

enum pm_status gitsync_run(struct gitsync *g, struct store *st, int force,
			   struct taxonomy **tax_out,
			   struct gitsync_result *res, struct pm_error *err)
{
	int64_t t0;
	enum pm_status rc;
	git_oid head;

	memset(res, 0, sizeof(*res));
	*tax_out = NULL;
	res->why = "";
	t0 = clock_ns();
	if ((rc = fetch(g, &head, err)) != PM_OK)
		return rc;
	res->fetch_seconds = clock_seconds_since(t0);
	return index_head(g, st, force, &head, g->listener, tax_out, res, err);
}
