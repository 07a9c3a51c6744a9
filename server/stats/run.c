/* What the stats queries share: see include/pmkb/stats/run.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/buf.h"
#include "pmkb/base/civil.h"
#include "pmkb/base/log.h"
#include "pmkb/base/text.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/stats/facts.h"
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
	free(x->memo);
	free(x->known);
	x->memo = NULL;
	x->known = NULL;
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

/* The row of period ord in an answer over x's span: row x->n is the
 * unknown one (ord INT64_MIN). */
size_t stats_row_of(const struct stats_run *x, int64_t ord)
{
	return ord == INT64_MIN ? x->n : (size_t)(ord - x->lo);
}

/* Days remembered on either side of the first one. */
#define MEMO_DAYS 9200

/* The period of day, remembered when near the first day seen. */
static int64_t period_of_day(struct stats_run *x, int64_t day)
{
	int64_t k;

	if (!x->memo) {
		x->memo = xmalloc((2 * MEMO_DAYS + 1) * sizeof(*x->memo));
		x->known = xcalloc(2 * MEMO_DAYS + 1, 1);
		x->memo_day = day - MEMO_DAYS;
	}
	k = day - x->memo_day;
	if (k < 0 || k > 2 * MEMO_DAYS)
		return stats_period_of(x->r->period, x->fiscal, day);
	if (!x->known[k]) {
		x->memo[k] = stats_period_of(x->r->period, x->fiscal, day);
		x->known[k] = 1;
	}
	return x->memo[k];
}

int stats_incident_period(struct stats_run *x, const struct stats_facts *f,
                          size_t i, int64_t *ord)
{
	int64_t day;

	if (f->start_kind[i] == STATS_START_NONE) {
		*ord = INT64_MIN;
		return x->has_from || x->has_to ? -1 : 1;
	}
	day = stats_incident_day(f, i, x->zone);
	if ((x->has_from && day < x->from_day) ||
	    (x->has_to && day > x->to_day))
		return 0;
	*ord = period_of_day(x, day);
	return 1;
}

void stats_run_slots(struct stats_run *x, const struct stats_facts *f,
                     const uint8_t *pass, struct stats_slots *out)
{
	int64_t *ords = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*ords));
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	out->slot = xmalloc((f->n_inc ? f->n_inc : 1) * sizeof(*out->slot));
	for (size_t i = 0; i < f->n_inc; i++) {
		int in = pass && !pass[i]
		             ? 0
		             : stats_incident_period(x, f, i, &ords[i]);

		out->slot[i] = in == -1  ? STATS_SLOT_UNSURE
		               : in == 0 ? STATS_SLOT_OUT
		               : ords[i] == INT64_MIN ? STATS_SLOT_UNKNOWN
		                                      : 0;
		if (in == 1 && ords[i] != INT64_MIN) {
			lo = ords[i] < lo ? ords[i] : lo;
			hi = ords[i] > hi ? ords[i] : hi;
		}
	}
	out->base = lo;
	out->n = lo <= hi ? (size_t)(hi - lo) + 1 : 0;
	for (size_t i = 0; i < f->n_inc; i++)
		if (!out->slot[i])
			out->slot[i] = (int32_t)(ords[i] - lo);
	free(ords);
}

/*
 * The service (which 0) or severity (1) filter of x as a JSON array of
 * the values asked for, severities canonical; NULL in *out when it is
 * not asked for. An unknown severity is PM_INVALID.
 */
static enum pm_status filter_list(const struct stats_run *x, int i,
                                  json_t **out, struct pm_error *err)
{
	const char *p = i ? x->r->severity : x->r->service;
	json_t *a;

	*out = NULL;
	if (!p)
		return PM_OK;
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
	*out = a;
	return PM_OK;
}

/* The ids in t of the values of list (lowercased first with lower); ids
 * not in t are left out. */
static uint8_t *value_set(const struct strtab *t, json_t *list, int lower)
{
	uint8_t *set = xcalloc(t->n ? t->n : 1, 1);
	json_t *v;
	size_t k;

	json_array_foreach(list, k, v)
	{
		char *s = xstrdup(json_string_value(v));
		uint32_t id = strtab_get(t, lower ? text_ascii_lower(s) : s);

		if (id != STRTAB_NONE)
			set[id] = 1;
		free(s);
	}
	return set;
}

enum pm_status stats_run_pass(const struct stats_run *x,
                              const struct stats_facts *f, uint8_t **pass,
                              struct pm_error *err)
{
	json_t *lists[2] = {NULL, NULL};
	uint8_t *svc = NULL, *sev = NULL;
	enum pm_status st;

	*pass = NULL;
	if ((st = filter_list(x, 0, &lists[0], err)) != PM_OK ||
	    (st = filter_list(x, 1, &lists[1], err)) != PM_OK)
		goto out;
	if (!lists[0] && !lists[1])
		goto out;
	if (lists[0])
		svc = value_set(&f->services, lists[0], 1);
	if (lists[1])
		sev = value_set(&f->severities, lists[1], 0);
	*pass = xmalloc(f->n_inc ? f->n_inc : 1);
	for (size_t i = 0; i < f->n_inc; i++) {
		const struct stats_incident *in = &f->inc[i];
		int ok = !sev || (in->severity != STRTAB_NONE &&
		                  sev[in->severity]);

		if (ok && svc) {
			ok = 0;
			for (uint32_t k = 0; k < in->n_service && !ok; k++)
				ok = svc[f->service_ids[in->service + k]];
		}
		(*pass)[i] = (uint8_t)ok;
	}
out:
	free(svc);
	free(sev);
	json_decref(lists[0]);
	json_decref(lists[1]);
	return st;
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

enum pm_status stats_run_read(stats_write_fn write, struct dbconn *c,
                              const struct taxonomy *tax,
                              const struct stats_request *r, json_t **out,
                              struct pm_error *err)
{
	struct buf text = BUF_INIT;
	enum pm_status st = write(c, tax, r, &text, err);

	*out = NULL;
	if (st == PM_OK && !(*out = json_loadb(text.ptr, text.len, 0, NULL)))
		st = pm_error_set(err, PM_INTERNAL, "stats", 0,
		                  "stats: the answer could not be read");
	buf_release(&text);
	return st;
}
