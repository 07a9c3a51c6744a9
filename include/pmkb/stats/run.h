/*
 * What the stats queries share (stats/run.c): the request resolved into a
 * zone, a fiscal year and a span of periods; an incident's period; the
 * filters applied to the facts (stats/facts.h); the heads of results and
 * of their rows. For the queries in stats/ only.
 */
#ifndef PMKB_STATS_RUN_H
#define PMKB_STATS_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pmkb/base/status.h"
#include "pmkb/stats/stats.h"

struct stats_facts;
struct stats_incident;
struct taxonomy;

/* The settings and parameters of one query, resolved. */
struct stats_run {
	const struct taxonomy *tax;
	const struct stats_request *r;
	struct stats_zone *zone;
	int fiscal;
	int has_from, has_to;
	int64_t from_day, to_day;
	/* The periods to answer for: lo..hi, none when n is 0. */
	int64_t lo, hi;
	size_t n;
	/* Periods of the days around the first one asked for, as found:
	 * memo[d - memo_day] when known[...] (stats_incident_period). */
	int64_t *memo, memo_day;
	uint8_t *known;
};

/*
 * Resolves r with the settings tax: its zone (a bad tz parameter is
 * PM_INVALID), fiscal year and from/to days. Close with stats_run_close.
 */
enum pm_status stats_run_open(struct stats_run *x, const struct taxonomy *tax,
                              const struct stats_request *r,
                              struct pm_error *err);

void stats_run_close(struct stats_run *x);

/*
 * The period of incident i of f: 1 and *ord, 0 when it is outside from/to,
 * -1 when it is undated and a range was asked for (nobody can say
 * whether it is inside). Without a range, an undated one is 1 with *ord
 * INT64_MIN. Remembers the period of each day it sees in x: incidents
 * share few days.
 */
int stats_incident_period(struct stats_run *x, const struct stats_facts *f,
                          size_t i, int64_t *ord);

/*
 * Where every incident of f falls in x (stats_incident_period() of each
 * that passes the filters pass, NULL: all): slot[i] is its period minus
 * base, 0..n-1, or one of the values below. Owned: free(slot).
 */
#define STATS_SLOT_UNKNOWN INT32_MAX	   /* undated, no range: unknown */
#define STATS_SLOT_OUT (INT32_MAX - 1)	   /* filtered, or out of range */
#define STATS_SLOT_UNSURE (INT32_MAX - 2) /* undated, a range asked for */
struct stats_slots {
	int32_t *slot;
	int64_t base;
	size_t n;
};
void stats_run_slots(struct stats_run *x, const struct stats_facts *f,
                     const uint8_t *pass, struct stats_slots *out);

/*
 * Which incidents of f pass the service and severity filters of x: any
 * of the services asked for (without ASCII case, as SQLite's lower()) and
 * any of the severities (canonical). *pass is NULL when every one does,
 * else one byte per incident, 1 passing (owned). An unknown severity is
 * PM_INVALID.
 */
enum pm_status stats_run_pass(const struct stats_run *x,
                              const struct stats_facts *f, uint8_t **pass,
                              struct pm_error *err);

/*
 * The answer of write read back as jansson values (*out owned), for the
 * CSV, Markdown, command-line and Slack forms of a written answer.
 */
enum pm_status stats_run_read(stats_write_fn write, struct dbconn *c,
                              const struct taxonomy *tax,
                              const struct stats_request *r, json_t **out,
                              struct pm_error *err);

/*
 * Fixes the periods to answer for: from/to when given, else the first and
 * last period with data (dmin > dmax: none).
 */
enum pm_status stats_run_span(struct stats_run *x, int64_t dmin, int64_t dmax,
                              struct pm_error *err);

/* The row of period ord in an answer over x's span: row x->n is the
 * unknown one (ord INT64_MIN). */
size_t stats_row_of(const struct stats_run *x, int64_t ord);

/* {"period", "label", "label_ja", "start", "end"} for ord (or unknown). */
json_t *stats_row_head(const struct stats_run *x, int64_t ord);

/* The common head of every result. */
json_t *stats_result_head(const struct stats_run *x);

/* Today in x's zone, in days since 1970 (civil_now(): PMKB_NOW honoured). */
int64_t stats_today(const struct stats_run *x);

/* day as "YYYY-MM-DD" into out (16 bytes are enough). */
void stats_day_text(int64_t day, char *out, size_t size);

#endif
