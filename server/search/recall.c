/*
 * Recall (include/pmkb/search/recall.h). Map:
 *
 *   clean_paths()   the changed paths, normalised and capped
 *   map_services()  services whose globs own a changed path
 *   scan_row()      one pass over the index: services and mentions
 *   open_items()    the open action items of the services involved and
 *                   of the recalled postmortems
 *   recall_render() text or Markdown for people
 *
 * The index is read whole (title, date, severity, services, body): recall
 * runs once per push or pull request, and a substring test per path is
 * the only way to find a path written anywhere in a postmortem.
 */
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/jsonstr.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/codemap.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/search/recall.h"

static const char sql_all[] =
	"SELECT slug, title, started_at, severity, services, body, "
	"coalesce(started_epoch, -9223372036854775807), "
	"coalesce(severity_rank, 1000) FROM postmortems";
static const char sql_open_items[] =
	"SELECT m.slug, a.owner, a.due, a.text, m.services "
	"FROM action_items a JOIN postmortems m ON m.id = a.pm_id "
	"WHERE a.done = 0 ORDER BY a.due IS NULL, a.due, m.slug, a.pos";

/* A recalled postmortem while the answer is built. */
struct match {
	json_t *obj; /* the answer's object; "why" grows */
	long long started, rank;
};

struct recall {
	struct pm_list paths;
	size_t ignored;
	json_t *services;	  /* [{"name", "paths"}] from the code map */
	struct pm_list matched; /* slugs of the recalled postmortems */
	struct match *m;
	size_t n, alloc;
};

static void clean_paths(struct recall *r, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];

		while (*p == ' ' || *p == '\t')
			p++;
		while (!strncmp(p, "./", 2))
			p += 2;
		while (*p == '/')
			p++;
		if (!*p)
			continue;
		if (r->paths.n >= RECALL_MAX_PATHS) {
			r->ignored++;
			continue;
		}
		pm_list_add_unique(&r->paths, p);
	}
}

static void map_services(struct recall *r, const struct codemap *map)
{
	for (size_t i = 0; map && i < map->n; i++) {
		json_t *hits = NULL;

		for (size_t k = 0; k < r->paths.n; k++) {
			const char *g = codemap_match(&map->v[i], r->paths.v[k]);

			if (!g)
				continue;
			if (!hits)
				hits = json_array();
			if (json_array_size(hits) < 20)
				json_array_append_new(
					hits, json_pack("{s:s,s:s}", "path",
							r->paths.v[k], "glob",
							g));
		}
		if (hits)
			json_array_append_new(r->services,
					      json_pack("{s:s,s:o}", "name",
							map->v[i].name,
							"paths", hits));
	}
}

/* The code-map entry for service name, or NULL. */
static const json_t *mapped(const struct recall *r, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach(r->services, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")),
			    name))
			return s;
	return NULL;
}

static json_t *new_match(struct recall *r, sqlite3_stmt *s)
{
	struct match *m;

	XGROW(r->m, r->alloc, r->n + 1);
	m = &r->m[r->n++];
	m->obj = json_pack("{s:o,s:o,s:o,s:o,s:o,s:[]}", "slug",
			   column_string(s, 0), "title", column_string(s, 1),
			   "started_at", column_string(s, 2), "severity",
			   column_string(s, 3), "services", column_array(s, 4),
			   "why");
	pm_list_add(&r->matched, column_text(s, 0));
	m->started = sqlite3_column_int64(s, 6);
	m->rank = sqlite3_column_int64(s, 7);
	return json_object_get(m->obj, "why");
}

/* Whether a path is specific enough to look for in prose. */
static int mentionable(const char *p)
{
	return strlen(p) >= 4 && (strchr(p, '/') || strchr(p, '.'));
}

static void scan_row(struct recall *r, sqlite3_stmt *s)
{
	json_t *services = column_array(s, 4), *why = NULL, *v;
	const char *body = column_text(s, 5);
	size_t i;

	json_array_foreach(services, i, v) {
		const json_t *svc = mapped(r, json_string_value(v));
		const json_t *first;

		if (!svc)
			continue;
		first = json_array_get(json_object_get(svc, "paths"), 0);
		if (!why)
			why = new_match(r, s);
		json_array_append_new(
			why, json_sprintf("service %s owns %s (%s)",
					  json_string_value(v),
					  json_string_value(json_object_get(
						  first, "path")),
					  json_string_value(json_object_get(
						  first, "glob"))));
	}
	for (size_t k = 0; k < r->paths.n; k++) {
		if (!mentionable(r->paths.v[k]) || !strstr(body, r->paths.v[k]))
			continue;
		if (!why)
			why = new_match(r, s);
		json_array_append_new(why, json_sprintf("mentions %s",
							r->paths.v[k]));
		break;
	}
	json_decref(services);
}

static int by_date_then_severity(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	if (x->started != y->started)
		return x->started > y->started ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x->obj, "slug")),
		      json_string_value(json_object_get(y->obj, "slug")));
}


static enum pm_status open_items(struct recall *r, struct dbconn *c,
				 json_t *items)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_open_items);
	int rc;

	if (!s)
		return PM_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *services = column_array(s, 4), *v;
		int mine = pm_list_has(&r->matched, column_text(s, 0));
		size_t i;

		/* A recalled postmortem's items, and those of mapped services. */
		json_array_foreach(services, i, v) {
			if (!mine && !mapped(r, json_string_value(v)))
				continue;
			json_array_append_new(
				items,
				json_pack("{s:o,s:o,s:o,s:o,s:O}", "slug",
					  column_string(s, 0), "owner",
					  column_string(s, 1), "due",
					  column_string(s, 2), "text",
					  column_string(s, 3), "service", v));
			break;
		}
		json_decref(services);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : PM_DB;
}

static enum pm_status pass(struct recall *r, struct dbconn *c)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_all);
	int rc;

	if (!s)
		return PM_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		scan_row(r, s);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? PM_OK : PM_DB;
}

enum pm_status recall_run(struct dbconn *c, const struct taxonomy *tax,
			  const char *const *paths, size_t n, json_t **out,
			  struct pm_error *err)
{
	struct recall r = { 0 };
	json_t *matches = json_array(), *items = json_array();
	enum pm_status st;

	*out = NULL;
	pm_error_clear(err);
	r.services = json_array();
	clean_paths(&r, paths, n);
	map_services(&r, tax ? tax->codemap : NULL);
	st = pass(&r, c);
	if (!st)
		st = open_items(&r, c, items);
	if (st) {
		snprintf(err->message, sizeof(err->message),
			 "cannot read the index: %s",
			 sqlite3_errmsg(dbconn_db(c)));
		goto out;
	}
	if (r.n)
		qsort(r.m, r.n, sizeof(*r.m), by_date_then_severity);
	for (size_t i = 0; i < r.n && i < RECALL_MAX_MATCHES; i++)
		json_array_append(matches, r.m[i].obj);
	*out = json_pack("{s:I,s:I,s:O,s:O,s:O}", "paths",
			 (json_int_t)r.paths.n, "ignored_paths",
			 (json_int_t)r.ignored, "services", r.services,
			 "matches", matches, "action_items", items);
out:
	for (size_t i = 0; i < r.n; i++)
		json_decref(r.m[i].obj);
	free(r.m);
	json_decref(matches);
	json_decref(items);
	json_decref(r.services);
	pm_list_release(&r.paths);
	pm_list_release(&r.matched);
	return st;
}

void recall_render(struct buf *out, const json_t *res, int markdown,
		   const char *base_url)
{
	const json_t *matches = json_object_get(res, "matches");
	const json_t *items = json_object_get(res, "action_items");
	json_int_t paths = json_integer_value(json_object_get(res, "paths"));
	size_t i, k;
	json_t *m, *w;

	if (!json_array_size(matches)) {
		buf_addf(out, "No past incidents recalled for %lld changed "
			      "path%s.\n",
			 (long long)paths, paths == 1 ? "" : "s");
		return;
	}
	buf_addf(out, "%s%zu past incident%s recalled for %lld changed "
		      "path%s (newest first)%s\n\n",
		 markdown ? "### " : "", json_array_size(matches),
		 json_array_size(matches) == 1 ? "" : "s", (long long)paths,
		 paths == 1 ? "" : "s", markdown ? "" : ":");
	json_array_foreach(matches, i, m) {
		const char *sev = jstr(m, "severity"), *date = jstr(m, "started_at");

		if (markdown && base_url && *base_url)
			buf_addf(out, "- **[%s](%s/p/%s)**", jstr(m, "title"),
				 base_url, jstr(m, "slug"));
		else if (markdown)
			buf_addf(out, "- **%s** (`%s`)", jstr(m, "title"),
				 jstr(m, "slug"));
		else
			buf_addf(out, "%.10s  %-5s %s  %s", *date ? date : "unknown",
				 *sev ? sev : "-", jstr(m, "slug"),
				 jstr(m, "title"));
		if (markdown)
			buf_addf(out, " %.10s%s%s", *date ? date : "",
				 *sev ? " " : "", sev);
		buf_addch(out, '\n');
		json_array_foreach(json_object_get(m, "why"), k, w)
			buf_addf(out, markdown ? "  - why: %s\n"
					       : "    why: %s\n",
				 json_string_value(w));
	}
	if (!json_array_size(items))
		return;
	buf_addf(out, markdown ? "\n**Open action items of these services**\n\n"
			       : "\nOpen action items of these services:\n");
	json_array_foreach(items, i, m) {
		const char *owner = jstr(m, "owner"), *due = jstr(m, "due");

		buf_addf(out, "%s- [ ] %s%s%s%s%s %s (%s, %s)\n",
			 markdown ? "" : "  ", *owner ? "@" : "", owner,
			 *owner ? " " : "", *due ? "due:" : "", due,
			 jstr(m, "text"), jstr(m, "service"), jstr(m, "slug"));
	}
}
