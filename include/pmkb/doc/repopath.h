/*
 * Paths inside the postmortem repository: the postmortems directory as
 * configured (--dir), a file's path from the repository's root, and the
 * forge link to that file. Plain strings: no git here.
 */
#ifndef PMKB_DOC_REPOPATH_H
#define PMKB_DOC_REPOPATH_H

struct buf;

/* dir without "./", leading or trailing slashes; "" for the root. Owned. */
char *repopath_dir(const char *dir);

/* dir + "/" + rel, or rel alone for the root (dir from repopath_dir).
 * Appended to out. */
void repopath_join(struct buf *out, const char *dir, const char *rel);

/*
 * The source link for a file from a template such as
 * "https://github.com/org/repo/blob/{commit}/{path}": {commit} is
 * replaced by commit, {branch} by branch and {path} by the file's path in
 * the repository (dir + "/" + relpath, each segment percent-encoded).
 * Returns owned, or NULL when tmpl is NULL or empty, or when it uses
 * {commit} and commit is NULL.
 */
char *repopath_link(const char *tmpl, const char *commit, const char *branch,
		    const char *dir, const char *relpath);

/* A forge's other views of a file. */
enum repopath_view { REPOPATH_EDIT, REPOPATH_HISTORY, REPOPATH_BLAME,
		     REPOPATH_VIEW__MAX };

/*
 * The template of view v (for repopath_link()) derived from tmpl, a file
 * link of a forge pmkb knows: GitHub ".../blob/REV/{path}", GitLab
 * ".../-/blob/REV/{path}" or Gitea and Forgejo ".../src/commit/REV/{path}"
 * or ".../src/branch/REV/{path}", REV being {commit} or {branch}. Edit and
 * history name the branch, blame the commit. Owned; NULL for any other
 * template.
 */
char *repopath_view_template(const char *tmpl, enum repopath_view v);

#endif
