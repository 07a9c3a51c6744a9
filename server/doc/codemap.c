/* Code paths to services from .pmkb.yml (include/pmkb/doc/codemap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/glob.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/codemap.h"
#include "pmkb/doc/ynode.h"

void codemap_free(struct codemap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		for (size_t k = 0; k < m->v[i].n_globs; k++)
			free(m->v[i].globs[k]);
		free(m->v[i].globs);
		free(m->v[i].name);
	}
	free(m->v);
	free(m);
}

static enum pm_status read_service(struct code_service *s,
				   const struct ynode *k, const struct ynode *v,
				   const char *source, struct pm_error *err)
{
	const struct ynode *paths = v->type == YNODE_MAPPING
					    ? ynode_get(v, "paths")
					    : NULL;

	s->name = xstrdup(k->value);
	if (!paths || paths->type != YNODE_SEQUENCE)
		return pm_error_set(err, PM_INVALID, source, v->line,
			     "services.%.60s: expected 'paths: [globs]', like "
			     "paths: ['billing/**']", k->value);
	if (paths->n > CODEMAP_MAX)
		return pm_error_set(err, PM_INVALID, source, paths->line,
			     "services.%.60s.paths: more than %d", k->value,
			     CODEMAP_MAX);
	s->globs = xcalloc(paths->n ? paths->n : 1, sizeof(char *));
	for (size_t i = 0; i < paths->n; i++) {
		const struct ynode *g = paths->kids[i];

		if (g->type != YNODE_SCALAR || g->is_null || !g->len)
			return pm_error_set(err, PM_INVALID, source, g->line,
				     "services.%.60s.paths[%zu]: expected a "
				     "path or glob", k->value, i);
		/* A leading "./" or "/" means the repository root, as no prefix. */
		s->globs[s->n_globs++] =
			xstrdup(g->value + (g->value[0] == '/' ? 1
					    : !strncmp(g->value, "./", 2) ? 2
									 : 0));
	}
	return PM_OK;
}

enum pm_status codemap_parse(struct codemap **out, const struct ynode *v,
			     const char *source, struct pm_error *err)
{
	struct codemap *m = xcalloc(1, sizeof(*m));
	enum pm_status st = PM_OK;

	*out = NULL;
	if (v->type == YNODE_SCALAR && v->is_null)
		goto out;
	if (v->type != YNODE_MAPPING) {
		st = pm_error_set(err, PM_INVALID, source, v->line,
			   "services: expected service names with their "
			   "paths, got %s", ynode_type_name(v));
		goto out;
	}
	if (v->n / 2 > CODEMAP_MAX) {
		st = pm_error_set(err, PM_INVALID, source, v->line, "services: more than %d",
			   CODEMAP_MAX);
		goto out;
	}
	m->v = xcalloc(v->n / 2 + 1, sizeof(*m->v));
	for (size_t i = 0; i + 1 < v->n && !st; i += 2) {
		const struct ynode *k = v->kids[i];

		if (k->type != YNODE_SCALAR || !k->len) {
			st = pm_error_set(err, PM_INVALID, source, k->line,
				   "services: expected a service name");
			break;
		}
		st = read_service(&m->v[m->n++], k, v->kids[i + 1], source,
				  err);
	}
out:
	if (st) {
		codemap_free(m);
		return st;
	}
	*out = m;
	return PM_OK;
}

const char *codemap_match(const struct code_service *s, const char *path)
{
	for (size_t i = 0; i < s->n_globs; i++)
		if (glob_match(s->globs[i], path))
			return s->globs[i];
	return NULL;
}
