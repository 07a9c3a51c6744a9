/* Paths inside the postmortem repository: see include/pmkb/doc/repopath.h. */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/repopath.h"

/* dir without "./", leading or trailing slashes; "" for the root. Owned. */
char *repopath_dir(const char *dir)
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
void repopath_join(struct buf *out, const char *dir, const char *rel)
{
	if (*dir)
		buf_addf(out, "%s/", dir);
	buf_addstr(out, rel);
}

char *repopath_link(const char *tmpl, const char *commit,
			 const char *branch, const char *dir,
			 const char *relpath)
{
	struct buf out = BUF_INIT, path = BUF_INIT;
	char *ndir;

	if (!tmpl || !*tmpl || (strstr(tmpl, "{commit}") && !commit))
		return NULL;
	ndir = repopath_dir(dir);
	repopath_join(&path, ndir, relpath ? relpath : "");
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

char *repopath_view_template(const char *tmpl, enum repopath_view v)
{
	/* Each forge's file segment, and what replaces it for each view. */
	static const struct {
		const char *file;
		const char *view[REPOPATH_VIEW__MAX];
	} forges[] = {
		{ "/-/blob/",
		  { "/-/edit/{branch}/", "/-/commits/{branch}/",
		    "/-/blame/{commit}/" } },
		{ "/src/commit/",
		  { "/_edit/{branch}/", "/commits/branch/{branch}/",
		    "/blame/commit/{commit}/" } },
		{ "/src/branch/",
		  { "/_edit/{branch}/", "/commits/branch/{branch}/",
		    "/blame/branch/{branch}/" } },
		{ "/blob/",
		  { "/edit/{branch}/", "/commits/{branch}/",
		    "/blame/{commit}/" } },
	};
	static const char *const revs[] = { "{commit}/", "{branch}/" };
	struct buf out = BUF_INIT;

	if (!tmpl || v < 0 || v >= REPOPATH_VIEW__MAX)
		return NULL;
	for (size_t f = 0; f < sizeof(forges) / sizeof(*forges); f++) {
		const char *at = strstr(tmpl, forges[f].file), *rest;

		if (!at)
			continue;
		rest = at + strlen(forges[f].file);
		for (size_t r = 0; r < 2; r++) {
			size_t n = strlen(revs[r]);

			if (strncmp(rest, revs[r], n) || !strstr(rest, "{path}"))
				continue;
			buf_add(&out, tmpl, (size_t)(at - tmpl));
			buf_addstr(&out, forges[f].view[v]);
			buf_addstr(&out, rest + n);
			return buf_detach(&out, NULL);
		}
		return NULL;
	}
	return NULL;
}
