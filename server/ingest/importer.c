/*
 * Directory import: list → settings → one index batch → prune.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/clock.h"
#include "pmkb/ingest/importer.h"
#include "pmkb/base/log.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/xalloc.h"

/* Bump when parsing changes, so that every file is parsed again. */
#define PARSER_GENERATION "parser-8"

/* Directories are not followed deeper than this (symlink loops). */
#define MAX_DEPTH 16

static int has_prefix_ci(const char *s, const char *prefix)
{
	return !strncasecmp(s, prefix, strlen(prefix));
}

/* Whether the name, without its extension, starts or ends with word. */
static int names_a(const char *name, const char *word)
{
	const char *dot = strrchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name);
	size_t wl = strlen(word);

	return len >= wl && (!strncasecmp(name, word, wl) ||
			     !strncasecmp(name + len - wl, word, wl));
}

int importer_wants(const char *relpath)
{
	const char *name = strrchr(relpath, '/');
	const char *dot;
	static const char *const skip[] = { "readme", "changelog", "license",
					    "licence", "contributing",
					    "code_of_conduct" };

	name = name ? name + 1 : relpath;
	if (relpath[0] == '.' || strstr(relpath, "/."))
		return 0;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (has_prefix_ci(name, skip[i]))
			return 0;
	/* TEMPLATE.md, TEMPLATE.ja.md, "PMyyyy-nnn - Postmortem template.md",
	 * 障害報告テンプレート.md, ひな形.md */
	if (has_prefix_ci(name, "template") || names_a(name, "template") ||
	    strstr(name, "テンプレート") || strstr(name, "ひな形") ||
	    strstr(name, "雛形"))
		return 0;
	/* A Hugo site's page templates and section pages. */
	if (!strncmp(relpath, "archetypes/", 11) ||
	    strstr(relpath, "/archetypes/") || !strcasecmp(name, "_index.md"))
		return 0;
	dot = strrchr(name, '.');
	if (!dot)
		return 1;
	return !strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown");
}

/*
 * Build and tooling files without an extension whose comments look like
 * Markdown headings ("# syntax=docker/dockerfile:1", "# Owners of src/").
 */
static int tooling_name(const char *name)
{
	static const char *const names[] = {
		"dockerfile", "containerfile", "makefile",  "gnumakefile",
		"codeowners", "owners",	       "vagrantfile", "procfile",
		"brewfile",   "rakefile",      "gemfile",    "jenkinsfile",
		"podfile",    "caddyfile",     "tiltfile",   "justfile",
		"earthfile",  "snakefile",     "build",	     "workspace",
		"pipfile",    "guardfile",     "capfile",    "dangerfile",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i]))
			return 1;
	return 0;
}

int importer_is_markdown(const char *relpath, const char *data, size_t len)
{
	const char *name = strrchr(relpath, '/');
	const char *p = data, *end = data + len, *eol, *h;

	name = name ? name + 1 : relpath;
	if (strrchr(name, '.'))
		return 1;
	if (tooling_name(name))
		return 0;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	if (end - p >= 3 && !memcmp(p, "---", 3))
		return 1;
	/* The first line that is not blank is a heading. */
	while (p < end && (*p == '\n' || *p == '\r' || *p == ' '))
		p++;
	if (p == end)
		return 0;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	/* "# Title" (ATX; not "#!/bin/sh"), */
	for (h = p; h < eol && *h == '#'; h++)
		;
	if (h > p && h - p <= 6 && (h == eol || *h == ' ' || *h == '\t'))
		return 1;
	/* or "Title" over "===" or "---" (setext). */
	if (eol < end && (eol[1] == '=' || eol[1] == '-')) {
		const char *u = eol + 1;

		for (h = u; h < end && *h == *u; h++)
			;
		while (h < end && (*h == ' ' || *h == '\r'))
			h++;
		return h - u >= 3 && (h == end || *h == '\n');
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum pm_status walk(const char *root, const char *rel, int depth,
			   struct pm_list *out, struct pm_error *err)
{
	struct buf path = BUF_INIT;
	DIR *d;
	struct dirent *e;
	enum pm_status rc = PM_OK;

	buf_addstr(&path, root);
	if (*rel)
		buf_addf(&path, "/%s", rel);
	if (!(d = opendir(path.ptr))) {
		rc = pm_error_set(err, PM_IO, path.ptr, 0,
				  "cannot read the directory: %s",
				  strerror(errno));
		goto out;
	}
	while (rc == PM_OK && (e = readdir(d))) {
		struct buf child = BUF_INIT;
		struct stat sb;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "node_modules"))
			continue;
		if (*rel)
			buf_addf(&child, "%s/", rel);
		buf_addstr(&child, e->d_name);
		buf_reset(&path);
		buf_addf(&path, "%s/%s", root, child.ptr);
		if (lstat(path.ptr, &sb) != 0) {
			/* Gone since readdir: nothing to list. */
		} else if (S_ISLNK(sb.st_mode)) {
			/*
			 * A link is never followed (it may lead out of the
			 * directory: /etc, /proc/self/environ, a secret),
			 * but one that looks like a postmortem or leads to a
			 * directory is listed, so that reading it fails and
			 * says why, as a problem, in the index and in lint.
			 */
			if (importer_wants(child.ptr) ||
			    (stat(path.ptr, &sb) == 0 && S_ISDIR(sb.st_mode)))
				pm_list_add(out, child.ptr);
		} else {
			if (S_ISDIR(sb.st_mode) && depth < MAX_DEPTH)
				rc = walk(root, child.ptr, depth + 1, out, err);
			else if (S_ISREG(sb.st_mode) &&
				 importer_wants(child.ptr))
				pm_list_add(out, child.ptr);
		}
		buf_release(&child);
	}
	closedir(d);
out:
	buf_release(&path);
	return rc;
}

enum pm_status importer_list(const char *dir, struct pm_list *out,
			     struct pm_error *err)
{
	enum pm_status rc = walk(dir, "", 0, out, err);

	if (rc == PM_OK && out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return rc;
}

enum pm_status importer_read(const char *path, char **data, size_t *len,
			     struct pm_error *err)
{
	struct buf b = BUF_INIT;
	/* No FIFO or device may block the reader: regular files only. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	enum pm_status rc = PM_OK;
	struct stat sb;

	*data = NULL;
	*len = 0;
	if (fd < 0 && errno == ELOOP)
		return pm_error_set(err, PM_INVALID, path, 0,
				    "a symbolic link: not followed, so "
				    "nothing outside the directory is read");
	if (fd < 0)
		return pm_error_set(err, errno == ENOENT ? PM_NOT_FOUND : PM_IO,
				    path, 0, "cannot read: %s",
				    strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return pm_error_set(err, PM_INVALID, path, 0,
				    "not a regular file: not read");
	}
	while (b.len <= PM_MAX_FILE_SIZE) {
		ssize_t n;

		buf_grow(&b, 65536);
		n = read(fd, b.ptr + b.len, b.alloc - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pm_error_set(err, PM_IO, path, 0,
					  "cannot read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		buf_setlen(&b, b.len + (size_t)n);
	}
	close(fd);
	if (rc != PM_OK) {
		buf_release(&b);
		return rc;
	}
	*data = buf_detach(&b, len);
	return PM_OK;
}

/* The root of the git work tree holding dir (owned), or NULL. */
static char *work_tree_root(const char *dir)
{
	char *p = realpath(dir, NULL);

	while (p && *p) {
		struct buf git = BUF_INIT;
		struct stat sb;
		char *slash;
		int found;

		buf_addf(&git, "%s/.git", p);
		found = stat(git.ptr, &sb) == 0;
		buf_release(&git);
		if (found)
			return p;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
	return NULL;
}

enum pm_status importer_settings_parse(const char *data, size_t len,
				       const char *source,
				       struct taxonomy **tax, char **salt,
				       struct pm_error *err)
{
	struct buf s = BUF_INIT;
	enum pm_status rc = PM_OK;
	unsigned char h[16];
	char hex[33];

	*tax = NULL;
	buf_addstr(&s, PARSER_GENERATION);
	if (data) {
		rc = taxonomy_parse(tax, data, len, source, err);
		crypto_generichash(h, sizeof(h), (const unsigned char *)data,
				   len, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		buf_addf(&s, ":%s", hex);
	}
	if (!*tax)
		*tax = taxonomy_default();
	*salt = buf_detach(&s, NULL);
	return rc;
}

enum pm_status importer_settings(const char *dir, struct taxonomy **tax,
				 char **path_out, char **salt,
				 struct pm_error *err)
{
	struct buf path = BUF_INIT;
	char *root = NULL, *data = NULL;
	size_t len = 0;
	enum pm_status rc;

	*path_out = NULL;
	buf_addf(&path, "%s/%s", dir, PM_SETTINGS_FILE);
	rc = importer_read(path.ptr, &data, &len, err);
	if (rc == PM_NOT_FOUND && (root = work_tree_root(dir))) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", root, PM_SETTINGS_FILE);
		rc = importer_read(path.ptr, &data, &len, err);
	}
	if (rc == PM_OK) {
		*path_out = xstrdup(path.ptr);
	} else if (rc == PM_NOT_FOUND) {
		pm_error_clear(err);
		free(data);
		data = NULL;
	}
	rc = importer_settings_parse(data, len, path.ptr, tax, salt, err);
	free(data);
	free(root);
	buf_release(&path);
	return rc;
}

/*
 * The import is a pipeline of two threads: a reader reads, hashes and
 * parses the files (index_parse()) up to QUEUE_SLOTS ahead, while this
 * thread writes them into the index in order. On two cores the parse
 * (front matter, Markdown, HTML: a third of an import's instructions) then
 * costs no time, and the writer, which tokenizes for FTS5, sets the pace.
 */
#define QUEUE_SLOTS 64

struct job {
	char *data;
	size_t len;
	struct pm_provenance prov;
	enum pm_status read_rc;
	int not_markdown; /* an extension-less file that is not Markdown */
	char message[256]; /* why the file could not be read */
	struct index_parsed parsed;
};

/* What the index knows of one path: its change detector's hash. */
struct known {
	char *path;
	char hash[33];
};

struct pipeline {
	const char *dir;
	const struct pm_list *files;
	const struct index_batch *b;
	const struct import_history *history; /* NULL outside git */
	struct known *known;
	size_t n_known;
	struct job jobs[QUEUE_SLOTS];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t produced, consumed; /* files handed over, files taken */
	size_t not_markdown;	   /* files without an extension skipped */
	int stop;
};

static int by_known_path(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->path,
		      ((const struct known *)b)->path);
}

/* Loads the stored hashes, so that the reader skips unchanged files. */
static enum pm_status load_known(struct pipeline *p, struct dbconn *c)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int rc;

	if (sqlite3_prepare_v2(dbconn_db(c),
			       "SELECT path, content_hash FROM postmortems",
			       -1, &s, NULL) != SQLITE_OK)
		return PM_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(s, 1);

		XGROW(p->known, alloc, p->n_known + 1);
		p->known[p->n_known].path =
			xstrdup((const char *)sqlite3_column_text(s, 0));
		snprintf(p->known[p->n_known].hash,
			 sizeof(p->known[0].hash), "%s", h ? h : "");
		p->n_known++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return PM_DB;
	if (p->n_known)
		qsort(p->known, p->n_known, sizeof(*p->known), by_known_path);
	return PM_OK;
}

static const char *known_hash(const struct pipeline *p, const char *path)
{
	struct known key = { (char *)path, "" }, *k;

	k = p->n_known ? bsearch(&key, p->known, p->n_known,
				 sizeof(*p->known), by_known_path)
		       : NULL;
	return k ? k->hash : NULL;
}

static void *reader_main(void *arg)
{
	struct pipeline *p = arg;

	for (size_t i = 0; i < p->files->n; i++) {
		struct job *j = &p->jobs[i % QUEUE_SLOTS];
		const char *rel = p->files->v[i];
		struct buf path = BUF_INIT;
		struct pm_error e;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && i - p->consumed >= QUEUE_SLOTS)
			pthread_cond_wait(&p->cond, &p->lock);
		pthread_mutex_unlock(&p->lock);
		if (p->stop)
			break;
		memset(j, 0, sizeof(*j));
		index_parsed_init(&j->parsed);
		buf_addf(&path, "%s/%s", p->dir, rel);
		/* Git history dates a file; its mtime never does. */
		if (p->history)
			p->history->get(p->history->ctx, rel, &j->prov);
		pm_error_clear(&e);
		j->read_rc = importer_read(path.ptr, &j->data, &j->len, &e);
		if (j->read_rc == PM_OK &&
		    !importer_is_markdown(rel, j->data, j->len))
			j->not_markdown = 1;
		else if (j->read_rc == PM_OK)
			index_parse(p->b, rel, j->data, j->len, &j->prov,
				    known_hash(p, rel), &j->parsed);
		else
			snprintf(j->message, sizeof(j->message), "%s",
				 e.message);
		buf_release(&path);
		pthread_mutex_lock(&p->lock);
		p->produced = i + 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* Writes every file of p into b, in order, as the reader delivers them. */
static enum pm_status write_all(struct pipeline *p, struct index_batch *b,
				struct pm_error *err)
{
	enum pm_status rc = PM_OK;
	pthread_t reader;
	size_t i;

	if (pthread_create(&reader, NULL, reader_main, p))
		return pm_error_set(err, PM_INTERNAL, p->dir, 0,
				    "cannot start the import's reader");
	for (i = 0; i < p->files->n && rc == PM_OK; i++) {
		struct job *j = &p->jobs[i % QUEUE_SLOTS];
		const char *rel = p->files->v[i];

		pthread_mutex_lock(&p->lock);
		while (p->produced <= i)
			pthread_cond_wait(&p->cond, &p->lock);
		pthread_mutex_unlock(&p->lock);
		if (j->not_markdown)
			p->not_markdown++; /* pruned if indexed before */
		else if (j->read_rc == PM_OK)
			rc = index_put_parsed(b, rel, j->data, j->len, &j->prov,
					      &j->parsed, NULL);
		else if (j->read_rc != PM_DB)
			/* Vanished or unreadable: say so, keep the rest. */
			rc = index_problem(b, rel, 0, j->message);
		else
			rc = PM_DB;
		free(j->data);
		index_parsed_release(&j->parsed);
		pthread_mutex_lock(&p->lock);
		p->consumed = i + 1;
		if (rc != PM_OK)
			p->stop = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_join(reader, NULL);
	/* After a failure, jobs the reader filled ahead were never taken. */
	for (; i < p->produced; i++) {
		free(p->jobs[i % QUEUE_SLOTS].data);
		index_parsed_release(&p->jobs[i % QUEUE_SLOTS].parsed);
	}
	return rc;
}

enum pm_status importer_run(struct store *st, const char *dir, int force,
			    const struct import_history *history,
			    struct import_result *res, struct pm_error *err)
{
	struct pipeline pipe;
	struct pm_list files = { 0 };
	struct taxonomy *tax = NULL;
	struct index_batch *b = NULL;
	struct pm_error terr;
	int64_t t0;
	char *settings_path = NULL, *salt = NULL;
	enum pm_status rc, trc;

	memset(res, 0, sizeof(*res));
	t0 = clock_ns();
	if ((rc = importer_list(dir, &files, err)) != PM_OK)
		goto out;
	pm_error_clear(&terr);
	trc = importer_settings(dir, &tax, &settings_path, &salt, &terr);
	if (force) {
		/* A salt never used before makes every file look changed. */
		char *forced = xmalloc(strlen(salt) + 32);

		sprintf(forced, "%s:force:%08x%08x", salt, randombytes_random(),
			randombytes_random());
		free(salt);
		salt = forced;
	}
	if ((rc = index_begin(st, tax, salt, &b)) != PM_OK) {
		pm_error_set(err, rc, dir, 0, "cannot start the import");
		goto out;
	}
	if (trc != PM_OK) {
		log_kv(LOG_WARN, "settings.invalid", "path", terr.source,
		       "error", terr.message, NULL);
		if ((rc = index_problem(b, PM_SETTINGS_FILE, terr.line,
					terr.message)) != PM_OK)
			goto out;
	}
	memset(&pipe, 0, sizeof(pipe));
	pipe.dir = dir;
	pipe.files = &files;
	pipe.b = b;
	pipe.history = history;
	pthread_mutex_init(&pipe.lock, NULL);
	pthread_cond_init(&pipe.cond, NULL);
	rc = force ? PM_OK : load_known(&pipe, index_conn(b));
	if (rc == PM_OK)
		rc = write_all(&pipe, b, err);
	for (size_t i = 0; i < pipe.n_known; i++)
		free(pipe.known[i].path);
	free(pipe.known);
	pthread_cond_destroy(&pipe.cond);
	pthread_mutex_destroy(&pipe.lock);
	if (rc != PM_OK)
		goto out;
	if ((rc = index_prune(b)) != PM_OK ||
	    (force && (rc = store_repair(index_conn(b))) != PM_OK))
		goto out;
	rc = index_commit(b, &res->counts);
	b = NULL;
	res->files = (int)(files.n - pipe.not_markdown);
out:
	if (rc == PM_DB)
		pm_error_set(err, rc, dir, 0, "the database failed during "
			     "the import; nothing was changed");
	index_abort(b);
	res->seconds = clock_seconds_since(t0);
	taxonomy_free(tax);
	free(settings_path);
	free(salt);
	pm_list_release(&files);
	return rc;
}
