/* What the stats queries share: see include/pmkb/stats/run.h. */
#include <stdio.h>
#include <string.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/log.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/run.h"

enum pm_status stats_run_open(struct stats_run *x, const struct taxonomy *tax,
                              const struct stats_request *r,
                              struct pm_error *err)
{
	const char *tz = r->time_zone;
	enum pm_status st;

	memset(x, 0, sizeof(*x));
	x->tax = tax;
	x->r = r;
	x->fiscal = r->fiscal_start_month ? r->fiscal_start_month
	            : tax && tax->fiscal_start_month >= 1 &&
	                    tax->fiscal_start_month <= 12
	                ? tax->fiscal_start_month
	                : 1;
	if (!tz)
		tz = tax && tax->time_zone ? tax->time_zone : "UTC";
	if ((st = stats_zone_load(&x->zone, tz, err)) != PM_OK) {
		/* The parameter is the user's mistake; the settings were
		 * checked when read, so a failure there is ours. */
		if (r->time_zone) {
			char why[sizeof(err->message)];

			/* Not err->message itself: it is being rewritten. */
			memcpy(why, err->message, sizeof(why));
			return pm_error_set(err, PM_INVALID, "tz", 0, "tz: %s",
			                    why);
		}
		log_kv(LOG_ERROR, "stats.zone", "zone", tz, "error",
		       err->message, NULL);
		return PM_INTERNAL;
	}
	if (r->from) {
		x->has_from = 1;
		stats_range_day(r->from, x->fiscal, 0, &x->from_day);
	}
	if (r->to) {
		x->has_to = 1;
		stats_range_day(r->to, x->fiscal, 1, &x->to_day);
	}
	if (x->has_from && x->has_to && x->from_day > x->to_day)
		return pm_error_set(err, PM_INVALID, "from", 0,
		                    "from (%s) is after to (%s)", r->from,
		                    r->to);
	return PM_OK;
}

void stats_run_close(struct stats_run *x)
{
	stats_zone_free(x->zone);
	x->zone = NULL;
}

/* Whether a row's start counts as the incident's date (see stats.h). */
int stats_row_dated(sqlite3_stmt *s, int col_at, int col_source)
{
	const char *src = (const char *)sqlite3_column_text(s, col_source);

	return sqlite3_column_type(s, col_at) != SQLITE_NULL && src &&
	       strcmp(src, "none") && strcmp(src, "mtime");
}

/*
 * The period of a row: 1 and *ord, 0 when it is outside from/to, -1 for an
 * undated row when a range was asked for (nobody can say whether it is
 * inside). Without a range, an undated row is 1 with *ord INT64_MIN.
 */
int stats_row_period(const struct stats_run *x, sqlite3_stmt *s, int col_at,
                     int col_epoch, int col_source, int64_t *ord)
{
	int64_t day;

	if (!stats_row_dated(s, col_at, col_source)) {
		*ord = INT64_MIN;
		return x->has_from || x->has_to ? -1 : 1;
	}
	stats_start_day(x->zone, (const char *)sqlite3_column_text(s, col_at),
	                sqlite3_column_int64(s, col_epoch), &day);
	if ((x->has_from && day < x->from_day) ||
	    (x->has_to && day > x->to_day))
		return 0;
	*ord = stats_period_of(x->r->period, x->fiscal, day);
	return 1;
}

/*
 * Fixes the periods to answer for: from/to when given, else the first and
 * last period with data (dmin > dmax: none).
 */
enum pm_status stats_run_span(struct stats_run *x, int64_t dmin, int64_t dmax,
                              struct pm_error *err)
{
	int have = dmin <= dmax;
	uint64_t n;

	x->lo = x->has_from
	            ? stats_period_of(x->r->period, x->fiscal, x->from_day)
	            : dmin;
	x->hi = x->has_to ? stats_period_of(x->r->period, x->fiscal, x->to_day)
	                  : dmax;
	if (!have && x->has_from != x->has_to) {
		if (x->has_from)
			x->hi = x->lo;
		else
			x->lo = x->hi;
	}
	x->n = 0;
	if ((!have && !x->has_from && !x->has_to) || x->lo > x->hi)
		return PM_OK;
	n = (uint64_t)(x->hi - x->lo) + 1;
	if (n > STATS_MAX_PERIODS)
		return pm_error_set(err, PM_INVALID, "period", 0,
		                    "%llu periods of a %s: more than %d; "
		                    "narrow from/to or use a longer period",
		                    (unsigned long long)n,
		                    stats_period_name(x->r->period),
		                    STATS_MAX_PERIODS);
	x->n = (size_t)n;
	return PM_OK;
}

enum pm_status stats_run_end(struct stats_run *x, sqlite3_stmt *s, int rc,
                             int64_t dmin, int64_t dmax,
                             struct pm_error *err)
{
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return PM_DB;
	return stats_run_span(x, dmin, dmax, err);
}

/* The row of period ord in an answer over x's span: row x->n is the
 * unknown one (ord INT64_MIN). */
size_t stats_row_of(const struct stats_run *x, int64_t ord)
{
	return ord == INT64_MIN ? x->n : (size_t)(ord - x->lo);
}

/* Binds the service and severity filters as JSON arrays. */
enum pm_status stats_bind_filters(const struct stats_run *x, sqlite3_stmt *s,
                                  char **owned, struct pm_error *err)
{
	const char *lists[2] = {x->r->service, x->r->severity};

	for (int i = 0; i < 2; i++) {
		json_t *a;
		const char *p = lists[i];

		owned[i] = NULL;
		if (!p)
			continue;
		a = json_array();
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			char *v = xstrndup(p, n);
			const char *canon = NULL;

			if (i == 1 && *v &&
			    taxonomy_severity(x->tax, v, &canon) < 0) {
				enum pm_status st = pm_error_set(
				    err, PM_INVALID, "severity", 0,
				    "severity: unknown '%.*s'",
				    (int)utf8_truncate(v, strlen(v), 40), v);

				free(v);
				json_decref(a);
				return st;
			}
			if (*v)
				json_array_append_new(
				    a, json_string(i == 1 ? canon : v));
			free(v);
			p += n + (comma != NULL);
		}
		owned[i] = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		sqlite3_bind_text(s, i + 1, owned[i], -1, SQLITE_TRANSIENT);
	}
	return PM_OK;
}

enum pm_status stats_run_prepare(const struct stats_run *x, struct dbconn *c,
                                 const char *sql, sqlite3_stmt **s,
                                 char **owned, struct pm_error *err)
{
	owned[0] = owned[1] = NULL;
	if (!(*s = dbconn_stmt(c, sql)))
		return PM_DB;
	return stats_bind_filters(x, *s, owned, err);
}

/* {"period", "label", "label_ja", "start", "end"} for ord (or unknown). */
json_t *stats_row_head(const struct stats_run *x, int64_t ord)
{
	char id[48], label[48], ja[48], a[16], b[16];
	int64_t first, last;

	if (ord == INT64_MIN)
		return json_pack("{s:s,s:s,s:s,s:n,s:n}", "period", "unknown",
		                 "label", "Unknown", "label_ja", "不明",
		                 "start", "end");
	stats_period_names(x->r->period, x->fiscal, ord, id, label, ja,
	                   sizeof(id));
	stats_period_bounds(x->r->period, x->fiscal, ord, &first, &last);
	stats_day_text(first, a, sizeof(a));
	stats_day_text(last, b, sizeof(b));
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "period", id, "label", label,
	                 "label_ja", ja, "start", a, "end", b);
}

/* The common head of every result. */
json_t *stats_result_head(const struct stats_run *x)
{
	return json_pack("{s:s,s:s,s:i,s:s,s:s?,s:s?}", "period",
	                 stats_period_name(x->r->period), "mode",
	                 stats_mode_names[x->r->mode], "fiscal_start_month",
	                 x->fiscal, "time_zone", stats_zone_name(x->zone),
	                 "from", x->r->from, "to", x->r->to);
}

int64_t stats_today(const struct stats_run *x)
{
	int64_t now = civil_now();

	return civil_floor_div(now + stats_zone_offset(x->zone, now), 86400);
}

void stats_day_text(int64_t day, char *out, size_t size)
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, size, "%04lld-%02d-%02d", (long long)y, m, d);
}
