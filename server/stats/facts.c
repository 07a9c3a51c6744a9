/*
 * The incident facts in memory: see include/pmkb/stats/facts.h.
 *
 * Map:
 *   load        the covering index postmortems_facts in rowid order, the
 *               service labels, the recurrence flags; then, per metric,
 *               the incidents sorted by duration
 *   items       the action items with their first closing commits, their
 *               due texts ranked, sorted in the ledger's order
 *   generation  kept on the connection for its snapshot
 *               (dbconn_derived)
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/log.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/search/relations.h"
#include "pmkb/stats/facts.h"
#include "pmkb/stats/stats.h"

static const char sql_incidents[] =
	"SELECT id, started_at, started_epoch, started_source, primary_cause,"
	" causes, severity, detection, detected_at, detected_epoch,"
	" mitigated_at, mitigated_epoch, resolved_at, resolved_epoch"
	" FROM postmortems INDEXED BY postmortems_facts ORDER BY id";
enum {
	C_ID,
	C_STARTED,
	C_STARTED_E,
	C_SOURCE,
	C_PRIMARY,
	C_CAUSES,
	C_SEVERITY,
	C_DETECTION,
	C_DETECTED /* then its epoch, mitigated, resolved likewise */
};
static const char sql_services[] =
	"SELECT pm_id, value FROM labels WHERE kind = 'service'";
static const char sql_recurrences[] = RELATIONS_RECURRENT_IDS_SQL;

static const char sql_items[] =
	"SELECT id, pm_id, pos, done, owner, due, done_on, ticked_at"
	" FROM action_items";
/* Commits that closed an item (pos is 1-based there): the first one. */
static const char sql_commits[] =
	"SELECT p.id, c.pos, min(c.commit_time) FROM action_commits c"
	" JOIN postmortems p ON p.slug = c.slug GROUP BY c.slug, c.pos";

const char *const stats_detection_names[STATS_DETECTED__MAX] = {
	"alert", "customer", "internal", "other"
};

/* A generation and the rowids of its incidents, ascending. */
struct generation {
	struct stats_facts f;
	int64_t *ids;
	size_t alloc_inc, alloc_causes;
};

/* The key of the generation on a connection. */
static const char generation_key;

static void generation_free(void *p)
{
	struct generation *g = p;

	free(g->f.inc);
	strtab_release(&g->f.causes);
	strtab_release(&g->f.severities);
	strtab_release(&g->f.services);
	free(g->f.cause_ids);
	free(g->f.service_ids);
	for (int m = 0; m < STATS_METRICS; m++) {
		free(g->f.by_dur[m]);
		free(g->f.dur_sorted[m]);
	}
	free(g->ids);
	free(g->f.items);
	free(g->f.item_ids);
	strtab_release(&g->f.owners);
	for (size_t i = 0; i < g->f.n_dues; i++)
		free(g->f.dues[i]);
	free(g->f.dues);
	free(g);
}

/* The incident with rowid id, or SIZE_MAX. */
static size_t incident_of(const struct generation *g, int64_t id)
{
	size_t lo = 0, hi = g->f.n_inc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->f.n_inc && g->ids[lo] == id ? lo : SIZE_MAX;
}

static uint32_t cause_id(struct generation *g, const char *raw)
{
	return strtab_add(&g->f.causes, raw && *raw ? raw : "unknown");
}

static const char *text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

/* Seconds from the start to the timestamp in columns at and at + 1, as
 * the durations count them (stats.h), or -1. */
static int64_t duration(sqlite3_stmt *s, int at)
{
	const char *start = text(s, C_STARTED), *src = text(s, C_SOURCE);
	const char *t = text(s, at);
	int64_t d;

	if (!start || !t || !src || strcmp(src, "front-matter") ||
	    strlen(start) <= 10 || strlen(t) <= 10)
		return -1;
	d = sqlite3_column_int64(s, at + 1) -
	    sqlite3_column_int64(s, C_STARTED_E);
	return d >= 0 ? d : -1;
}

static enum stats_detection detection_of(const char *d)
{
	for (int i = 0; d && i < STATS_DETECTED_OTHER; i++)
		if (!strcmp(d, stats_detection_names[i]))
			return (enum stats_detection)i;
	return STATS_DETECTED_OTHER;
}

/* The causes list of the row (JSON), after the ones before it. */
static void load_causes(struct generation *g, struct stats_incident *in,
			const char *json)
{
	json_t *list = json ? json_loads(json, 0, NULL) : NULL, *v;
	size_t k;

	in->cause = (uint32_t)g->f.cause_ids_n;
	json_array_foreach(list, k, v)
	{
		XGROW(g->f.cause_ids, g->alloc_causes, g->f.cause_ids_n + 1);
		g->f.cause_ids[g->f.cause_ids_n++] =
			cause_id(g, json_string_value(v));
		in->n_cause++;
	}
	json_decref(list);
}

static int load_incidents(struct dbconn *c, struct generation *g)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_incidents);
	int rc;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *at = text(s, C_STARTED), *src = text(s, C_SOURCE);
		const char *sev = text(s, C_SEVERITY);
		struct stats_incident *in;
		int64_t day;

		XGROW(g->f.inc, g->alloc_inc, g->f.n_inc + 1);
		g->ids = xrealloc(g->ids, g->alloc_inc * sizeof(*g->ids));
		g->ids[g->f.n_inc] = sqlite3_column_int64(s, C_ID);
		in = &g->f.inc[g->f.n_inc++];
		memset(in, 0, sizeof(*in));
		in->epoch = sqlite3_column_int64(s, C_STARTED_E);
		in->has_epoch =
			sqlite3_column_type(s, C_STARTED_E) != SQLITE_NULL;
		in->dated = at && src && strcmp(src, "none") &&
			    strcmp(src, "mtime");
		if (at && !stats_date_only(at, &day)) {
			in->date_only = 1;
			in->day = (int32_t)day;
		}
		for (int m = 0; m < STATS_METRICS; m++)
			in->dur[m] = duration(s, C_DETECTED + 2 * m);
		in->detection = (uint8_t)detection_of(text(s, C_DETECTION));
		in->severity = sev ? strtab_add(&g->f.severities, sev)
				   : STRTAB_NONE;
		in->primary = cause_id(g, text(s, C_PRIMARY));
		load_causes(g, in, text(s, C_CAUSES));
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct pair {
	uint32_t inc, val;
};

/* Services: labels come in no particular order, so they are collected
 * and then laid out by incident (a counting sort). */
static int load_services(struct dbconn *c, struct generation *g)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_services);
	struct pair *p = NULL;
	size_t n = 0, alloc = 0, i;
	uint32_t *at;
	int rc;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = incident_of(g, sqlite3_column_int64(s, 0));
		const char *v = text(s, 1);
		char *l;

		if (k == SIZE_MAX || !v)
			continue;
		l = text_ascii_lower(xstrdup(v));
		XGROW(p, alloc, n + 1);
		p[n].inc = (uint32_t)k;
		p[n++].val = strtab_add(&g->f.services, l);
		free(l);
		g->f.inc[k].n_service++;
	}
	sqlite3_reset(s);
	g->f.service_ids = xmalloc((n ? n : 1) * sizeof(*g->f.service_ids));
	at = xcalloc(g->f.n_inc + 1, sizeof(*at));
	for (i = 0; i < g->f.n_inc; i++) {
		g->f.inc[i].service = at[i];
		at[i + 1] = at[i] + g->f.inc[i].n_service;
	}
	for (i = 0; i < n; i++)
		g->f.service_ids[at[p[i].inc]++] = p[i].val;
	free(at);
	free(p);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int load_recurrences(struct dbconn *c, struct generation *g)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_recurrences);
	int rc;

	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = incident_of(g, sqlite3_column_int64(s, 0));

		if (k != SIZE_MAX)
			g->f.inc[k].recurrence = 1;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Incidents as (duration, index) keys, to sort by duration. */
struct keyed {
	int64_t v;
	uint32_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static void sort_durations(struct generation *g)
{
	struct keyed *k = xmalloc((g->f.n_inc ? g->f.n_inc : 1) * sizeof(*k));

	for (int m = 0; m < STATS_METRICS; m++) {
		size_t n = 0;

		for (size_t i = 0; i < g->f.n_inc; i++)
			if (g->f.inc[i].dur[m] >= 0) {
				k[n].v = g->f.inc[i].dur[m];
				k[n++].i = (uint32_t)i;
			}
		qsort(k, n, sizeof(*k), cmp_keyed);
		g->f.by_dur[m] = xmalloc((n ? n : 1) * sizeof(uint32_t));
		g->f.dur_sorted[m] = xmalloc((n ? n : 1) * sizeof(int64_t));
		for (size_t i = 0; i < n; i++) {
			g->f.by_dur[m][i] = k[i].i;
			g->f.dur_sorted[m][i] = k[i].v;
		}
		g->f.n_by_dur[m] = n;
	}
	free(k);
}

/* An item while loading, with what orders the list: see struct
 * stats_facts. */
struct loading {
	struct stats_item it;
	int64_t id;
	int64_t epoch, pm, pos; /* its incident's start and rowid */
	int has_epoch;
	uint32_t due; /* id in the loader's table of due texts */
};

/* A closing commit's (incident, position) and the first time. */
struct closing {
	uint32_t inc;
	int64_t pos;
	int64_t first;
	int has_first;
};

static int cmp_closing(const void *a, const void *b)
{
	const struct closing *x = a, *y = b;

	if (x->inc != y->inc)
		return x->inc < y->inc ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The closing commits of (inc, pos), or NULL. */
static const struct closing *closing_of(const struct closing *cl, size_t n,
					uint32_t inc, int64_t pos)
{
	struct closing key = { inc, pos, 0, 0 };

	return n ? bsearch(&key, cl, n, sizeof(*cl), cmp_closing) : NULL;
}

static int load_closings(struct dbconn *c, struct generation *g,
			 struct closing **out, size_t *n_out)
{
	sqlite3_stmt *s = dbconn_stmt(c, sql_commits);
	struct closing *cl = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (!s)
		return SQLITE_ERROR;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = incident_of(g, sqlite3_column_int64(s, 0));

		if (k == SIZE_MAX)
			continue;
		XGROW(cl, alloc, n + 1);
		cl[n].inc = (uint32_t)k;
		cl[n].pos = sqlite3_column_int64(s, 1);
		cl[n].has_first = sqlite3_column_type(s, 2) != SQLITE_NULL;
		cl[n++].first = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (n)
		qsort(cl, n, sizeof(*cl), cmp_closing);
	*out = cl;
	*n_out = n;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ORDER BY due IS NULL, due, started_epoch DESC, rowid, pos. */
static int cmp_loading(const void *a, const void *b)
{
	const struct loading *x = a, *y = b;

	/* UINT32_MAX (no due) sorts last of itself. */
	if (x->it.due_rank != y->it.due_rank)
		return x->it.due_rank < y->it.due_rank ? -1 : 1;
	/* A missing start is NULL: last when descending. */
	if (x->has_epoch != y->has_epoch)
		return x->has_epoch ? -1 : 1;
	if (x->epoch != y->epoch)
		return x->epoch > y->epoch ? -1 : 1;
	if (x->pm != y->pm)
		return x->pm < y->pm ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the distinct due texts into g->f.dues and ranks each item's. */
static void rank_dues(struct generation *g, struct strtab *dues,
		      struct loading *l, size_t n)
{
	uint32_t *rank = xmalloc((dues->n ? dues->n : 1) * sizeof(*rank));

	g->f.dues = xmalloc((dues->n ? dues->n : 1) * sizeof(char *));
	g->f.n_dues = dues->n;
	for (size_t i = 0; i < dues->n; i++)
		g->f.dues[i] = dues->s[i];
	qsort(g->f.dues, dues->n, sizeof(char *), cmp_text);
	for (size_t i = 0; i < dues->n; i++)
		rank[strtab_get(dues, g->f.dues[i])] = (uint32_t)i;
	for (size_t i = 0; i < n; i++)
		l[i].it.due_rank = l[i].due == STRTAB_NONE ? UINT32_MAX
							   : rank[l[i].due];
	/* The texts now belong to g->f.dues. */
	for (size_t i = 0; i < dues->n; i++)
		g->f.dues[i] = xstrdup(g->f.dues[i]);
	free(rank);
}

static int load_items(struct dbconn *c, struct generation *g)
{
	sqlite3_stmt *s;
	struct loading *l = NULL;
	struct closing *cl = NULL;
	struct strtab dues = { 0 };
	size_t n = 0, alloc = 0, n_cl = 0;
	int rc;

	if ((rc = load_closings(c, g, &cl, &n_cl)) != SQLITE_OK)
		return rc;
	if (!(s = dbconn_stmt(c, sql_items))) {
		free(cl);
		return SQLITE_ERROR;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t k = incident_of(g, sqlite3_column_int64(s, 1));
		const char *owner = text(s, 4), *due = text(s, 5);
		const char *done_on = text(s, 6);
		const struct closing *by;
		struct stats_item *it;
		int64_t day;

		if (k == SIZE_MAX)
			continue;
		XGROW(l, alloc, n + 1);
		memset(&l[n], 0, sizeof(l[n]));
		it = &l[n].it;
		l[n].pos = sqlite3_column_int64(s, 2);
		l[n].pm = g->ids[k];
		l[n].epoch = g->f.inc[k].epoch;
		l[n].has_epoch = g->f.inc[k].has_epoch;
		l[n].due = due ? strtab_add(&dues, due) : STRTAB_NONE;
		l[n].id = sqlite3_column_int64(s, 0);
		it->inc = (uint32_t)k;
		it->ticked = sqlite3_column_int(s, 3) != 0;
		it->owner = STRTAB_NONE;
		if (owner) {
			char *lo = text_ascii_lower(xstrdup(owner));

			it->owner = strtab_add(&g->f.owners, lo);
			free(lo);
		}
		if (due && !stats_range_day(due, 1, 0, &day)) {
			it->has_due_day = 1;
			it->due_day = (int32_t)day;
		}
		if (done_on && !stats_range_day(done_on, 1, 0, &day)) {
			it->has_done_on = 1;
			it->done_on_day = (int32_t)day;
		}
		if (sqlite3_column_type(s, 7) != SQLITE_NULL) {
			it->has_first = 1;
			it->first = sqlite3_column_int64(s, 7);
		}
		by = closing_of(cl, n_cl, (uint32_t)k, l[n].pos + 1);
		if (by) {
			it->closed = 1;
			/* The earlier of the commit and the tick. */
			if (by->has_first &&
			    (!it->has_first || by->first < it->first)) {
				it->has_first = 1;
				it->first = by->first;
			}
		}
		n++;
	}
	sqlite3_reset(s);
	free(cl);
	if (rc == SQLITE_DONE) {
		rank_dues(g, &dues, l, n);
		if (n)
			qsort(l, n, sizeof(*l), cmp_loading);
		g->f.items = xmalloc((n ? n : 1) * sizeof(*g->f.items));
		g->f.item_ids = xmalloc((n ? n : 1) * sizeof(*g->f.item_ids));
		for (size_t i = 0; i < n; i++) {
			g->f.items[i] = l[i].it;
			g->f.item_ids[i] = l[i].id;
		}
		g->f.n_items = n;
	}
	strtab_release(&dues);
	free(l);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void *load(struct dbconn *c)
{
	struct generation *g = xcalloc(1, sizeof(*g));

	if (load_incidents(c, g) != SQLITE_OK ||
	    load_services(c, g) != SQLITE_OK ||
	    load_recurrences(c, g) != SQLITE_OK ||
	    load_items(c, g) != SQLITE_OK) {
		generation_free(g);
		return NULL;
	}
	sort_durations(g);
	return g;
}

enum pm_status stats_facts_current(struct dbconn *c,
				   const struct stats_facts **out,
				   struct pm_error *err)
{
	struct generation *g =
		dbconn_derived(c, &generation_key, load, generation_free);

	*out = g ? &g->f : NULL;
	if (g)
		return PM_OK;
	log_kv(LOG_ERROR, "stats.facts", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "stats", 0,
			    "stats: the index could not be read");
}

int64_t stats_incident_day(const struct stats_incident *inc,
			   const struct stats_zone *z)
{
	if (inc->date_only)
		return inc->day;
	return civil_floor_div(inc->epoch + stats_zone_offset(z, inc->epoch),
			       86400);
}
