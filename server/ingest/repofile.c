/*
 * Files of the postmortems directory for the web UI: see
 * include/pmkb/ingest/repofile.h.
 *
 * The path is walked one directory at a time with openat() and
 * O_NOFOLLOW, so that neither the file nor any directory on the way may
 * be a symbolic link, whatever it points at.
 */
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"
#include "pmkb/ingest/repofile.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".gif", "image/gif" },
	{ ".webp", "image/webp" },
	{ ".svg", "image/svg+xml" },
	{ ".md", "text/plain; charset=utf-8" },
	{ ".markdown", "text/plain; charset=utf-8" },
};

const char *repofile_type(const char *rel)
{
	const char *dot = strrchr(rel, '.');

	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

/* Whether rel is a plain relative path: parts that are not empty and do
 * not start with "." (which also rules out "." and ".."). */
static int plain_path(const char *rel)
{
	const char *p = rel;

	if (!*rel)
		return 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!n || p[0] == '.' || memchr(p, '\\', n))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

static enum pm_status refuse(struct pm_error *err, const char *rel,
			     const char *why)
{
	return pm_error_set(err, PM_NOT_FOUND, rel, 0, "not served: %s", why);
}

/* Opens rel below the directory dirfd (which it closes), one part at a
 * time, never through a symbolic link. Returns the file's descriptor, or
 * -1 with errno set. */
static int open_below(int dirfd, const char *rel)
{
	char *part = xstrdup(rel), *p = part;
	int fd = dirfd;

	for (;;) {
		char *slash = strchr(p, '/');
		int next, saved;

		if (slash)
			*slash = '\0';
		next = openat(fd, p,
			      O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
				      (slash ? O_DIRECTORY : 0));
		saved = errno;
		close(fd);
		errno = saved;
		if (next < 0 || !slash) {
			free(part);
			return next;
		}
		fd = next;
		p = slash + 1;
	}
}

/* What both readers ask of rel; PM_OK when it may be read. */
static enum pm_status servable(const char *rel, struct pm_error *err)
{
	if (!plain_path(rel))
		return refuse(err, rel, "a path inside the postmortems "
					"directory, without \"..\" or "
					"hidden parts, is needed");
	if (!repofile_type(rel))
		return refuse(err, rel, "only images and Markdown are served");
	return PM_OK;
}

static enum pm_status too_large(struct pm_error *err, const char *rel)
{
	return pm_error_set(err, PM_TOO_LARGE, rel, 0,
			    "larger than %u bytes: not served", REPOFILE_MAX);
}

enum pm_status repofile_read(const char *dir, const char *rel, char **data,
			     size_t *len, struct pm_error *err)
{
	struct buf b = BUF_INIT;
	struct stat sb;
	ssize_t n = 0;
	int dirfd, fd;
	enum pm_status st;

	*data = NULL;
	*len = 0;
	if ((st = servable(rel, err)) != PM_OK)
		return st;
	dirfd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (dirfd < 0)
		return refuse(err, rel, "the postmortems directory is gone");
	fd = open_below(dirfd, rel);
	if (fd < 0)
		return refuse(err, rel,
			      errno == ELOOP || errno == ENOTDIR
				      ? "a symbolic link is never followed"
				      : "no such file");
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return refuse(err, rel, "not a regular file");
	}
	if (sb.st_size > (off_t)REPOFILE_MAX) {
		close(fd);
		return too_large(err, rel);
	}
	while (b.len <= REPOFILE_MAX) {
		buf_grow(&b, 65536);
		n = read(fd, b.ptr + b.len, b.alloc - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_setlen(&b, b.len + (size_t)n);
	}
	close(fd);
	if (n < 0) {
		buf_release(&b);
		return refuse(err, rel, "cannot be read");
	}
	if (b.len > REPOFILE_MAX) {
		buf_release(&b);
		return too_large(err, rel);
	}
	*data = buf_detach(&b, len);
	return PM_OK;
}

enum pm_status repofile_read_git(const char *clone, const char *commit,
				 const char *dir, const char *rel,
				 char **data, size_t *len,
				 struct pm_error *err)
{
	git_repository *repo = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	struct buf path = BUF_INIT;
	char *ndir = NULL;
	git_oid oid;
	enum pm_status st;

	*data = NULL;
	*len = 0;
	if ((st = servable(rel, err)) != PM_OK)
		return st;
	if (!commit || git_oid_fromstr(&oid, commit))
		return refuse(err, rel, "nothing is indexed from git yet");
	ndir = repopath_dir(dir);
	repopath_join(&path, ndir, rel);
	if (git_repository_open_bare(&repo, clone) ||
	    git_commit_lookup(&c, repo, &oid) || git_commit_tree(&tree, c)) {
		st = refuse(err, rel, "the repository cannot be read");
		goto out;
	}
	/* A blob in the tree: never a link, a submodule or a directory. */
	if (git_tree_entry_bypath(&e, tree, path.ptr) ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(e) == GIT_FILEMODE_LINK ||
	    git_blob_lookup(&blob, repo, git_tree_entry_id(e))) {
		st = refuse(err, rel,
			    e && git_tree_entry_filemode(e) == GIT_FILEMODE_LINK
				    ? "a symbolic link is never followed"
				    : "no such file at the indexed commit");
		goto out;
	}
	if ((size_t)git_blob_rawsize(blob) > REPOFILE_MAX) {
		st = too_large(err, rel);
		goto out;
	}
	*len = (size_t)git_blob_rawsize(blob);
	*data = xmalloc(*len + 1);
	memcpy(*data, git_blob_rawcontent(blob), *len);
	(*data)[*len] = '\0';
	st = PM_OK;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(c);
	git_repository_free(repo);
	buf_release(&path);
	free(ndir);
	return st;
}
