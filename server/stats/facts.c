/*
 * The incident facts in memory: see include/pmkb/stats/facts.h.
 *
 * Map:
 *   load        the covering index postmortems_facts in rowid order, the
 *               service labels, the recurrence flags; then, per metric,
 *               the incidents sorted by duration
 *   generation  kept on the connection for its snapshot
 *               (dbconn_derived)
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/log.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/column.h"
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

const char *const stats_detection_names[STATS_DETECTED__MAX] = {
	"alert", "customer", "internal", "other"
};

/* A generation, and the room of its growing arrays while it loads. */
struct generation {
	struct stats_facts f;
	size_t alloc_inc, alloc_causes;
	struct buf started; /* becomes f.started_text */
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
	free(g->f.ids);
	free(g->f.started);
	free(g->f.start);
	free(g->f.start_kind);
	free(g->f.started_text);
	buf_release(&g->started);
	free(g);
}

size_t stats_facts_find(const struct stats_facts *f, int64_t id)
{
	size_t lo = 0, hi = f->n_inc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n_inc && f->ids[lo] == id ? lo : SIZE_MAX;
}

static uint32_t cause_id(struct generation *g, const char *raw)
{
	return strtab_add(&g->f.causes, raw && *raw ? raw : "unknown");
}

/*
 * Whether a start is the postmortem's own: written in the file (front
 * matter, metadata, timeline, file name, byline), not when git first saw
 * it nor a file's mtime (doc/derive.h).
 */
static int own_start(const char *src)
{
	return src && strcmp(src, "git") && strcmp(src, "mtime") &&
	       strcmp(src, "none");
}

/* Seconds from the start to the timestamp in columns at and at + 1, as
 * the durations count them (stats.h), or -1. */
static int64_t duration(sqlite3_stmt *s, int at)
{
	const char *start = column_cstr(s, C_STARTED), *src = column_cstr(s, C_SOURCE);
	const char *t = column_cstr(s, at);
	int64_t d;

	if (!start || !t || !own_start(src) || strlen(start) <= 10 ||
	    strlen(t) <= 10)
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

/*
 * The causes list of the row (a JSON array in column i), after the ones
 * before it: column_array() reads the plain arrays pmkb writes without
 * jansson's parser, a quarter of loading 100,000 incidents.
 */
static void load_causes(struct generation *g, struct stats_incident *in,
			sqlite3_stmt *s, int i)
{
	json_t *list = column_array(s, i), *v;
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
		const char *at = column_cstr(s, C_STARTED), *src = column_cstr(s, C_SOURCE);
		const char *sev = column_cstr(s, C_SEVERITY);
		struct stats_incident *in;
		int64_t day;
		size_t k;

		XGROW(g->f.inc, g->alloc_inc, g->f.n_inc + 1);
		g->f.ids = xrealloc(g->f.ids, g->alloc_inc * sizeof(*g->f.ids));
		g->f.started = xrealloc(g->f.started,
					g->alloc_inc * sizeof(*g->f.started));
		g->f.start = xrealloc(g->f.start,
				      g->alloc_inc * sizeof(*g->f.start));
		g->f.start_kind = xrealloc(g->f.start_kind, g->alloc_inc);
		k = g->f.n_inc++;
		g->f.ids[k] = sqlite3_column_int64(s, C_ID);
		g->f.started[k] = STATS_NO_TEXT;
		if (at && g->started.len < STATS_NO_TEXT - 4096) {
			g->f.started[k] = (uint32_t)g->started.len;
			buf_add(&g->started, at, strlen(at) + 1);
		}
		in = &g->f.inc[k];
		memset(in, 0, sizeof(*in));
		in->epoch = sqlite3_column_int64(s, C_STARTED_E);
		in->has_epoch =
			sqlite3_column_type(s, C_STARTED_E) != SQLITE_NULL;
		/* A start from the file's mtime, or none, places nothing. */
		g->f.start[k] = in->epoch;
		g->f.start_kind[k] = STATS_START_NONE;
		if (at && src && strcmp(src, "none") && strcmp(src, "mtime"))
			g->f.start_kind[k] = stats_date_only(at, &day)
						     ? STATS_START_TIME
						     : STATS_START_DAY;
		if (g->f.start_kind[k] == STATS_START_DAY)
			g->f.start[k] = day;
		for (int m = 0; m < STATS_METRICS; m++)
			in->dur[m] = duration(s, C_DETECTED + 2 * m);
		in->detection = (uint8_t)detection_of(column_cstr(s, C_DETECTION));
		in->severity = sev ? strtab_add(&g->f.severities, sev)
				   : STRTAB_NONE;
		in->primary = cause_id(g, column_cstr(s, C_PRIMARY));
		load_causes(g, in, s, C_CAUSES);
	}
	sqlite3_reset(s);
	g->f.started_text = buf_detach(&g->started, NULL);
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
		size_t k = stats_facts_find(&g->f, sqlite3_column_int64(s, 0));
		const char *v = column_cstr(s, 1);
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
		size_t k = stats_facts_find(&g->f, sqlite3_column_int64(s, 0));

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

static void *load(struct dbconn *c, const void *arg)
{
	struct generation *g = xcalloc(1, sizeof(*g));

	(void)arg;
	buf_init(&g->started, 0);
	if (load_incidents(c, g) != SQLITE_OK ||
	    load_services(c, g) != SQLITE_OK ||
	    load_recurrences(c, g) != SQLITE_OK) {
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
		dbconn_derived(c, &generation_key, load, NULL, generation_free);

	*out = g ? &g->f : NULL;
	if (g)
		return PM_OK;
	log_kv(LOG_ERROR, "stats.facts", "error",
	       sqlite3_errmsg(dbconn_db(c)), NULL);
	return pm_error_set(err, PM_DB, "stats", 0,
			    "stats: the index could not be read");
}

int64_t stats_incident_day(const struct stats_facts *f, size_t i,
			   const struct stats_zone *z)
{
	int64_t t = f->start[i];

	if (f->start_kind[i] == STATS_START_DAY)
		return t;
	return civil_floor_div(t + stats_zone_offset(z, t), 86400);
}
