/*
 * Request parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/buf.h"
#include "pmkb/base/log.h"
#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* TZif files are a few kilobytes; anything this large is not one. */
#define TZIF_MAX_SIZE (1u << 20)
#define ZONE_NAME_MAX 128

const char *const stats_mode_names[STATS_MODE__MAX] = { "primary", "any" };
static const char *const format_names[STATS_FORMAT__MAX] = { "json", "csv",
							      "md", "table" };
const char *const stats_item_status_names[3] = { "open", "done", "all" };

/* Longest parameter value read; longer ones are a 400. */
#define ARG_MAX 256
/* Values of a list parameter (service=a,b,c) at most. */
#define LIST_MAX 32

/* Up to max bytes of s, cut on a character boundary, for messages. */
static int shown(const char *s, size_t max)
{
	return (int)utf8_truncate(s, strlen(s), max);
}

/* Reads parameter name: NULL when absent; PM_INVALID when unusable. */
static enum pm_status get_arg(stats_arg_fn arg, void *ctx, const char *name,
			      const char **out, struct pm_error *err)
{
	const char *v = arg(ctx, name);
	size_t n;

	*out = NULL;
	if (!v)
		return PM_OK;
	n = strlen(v);
	if (!n)
		return pm_error_set(err, PM_INVALID, name, 0,
				    "%s: empty value", name);
	if (n > ARG_MAX || !utf8_valid(v, n))
		return pm_error_set(err, PM_INVALID, name, 0,
				    "%s: expected at most %d bytes of UTF-8",
				    name, ARG_MAX);
	*out = v;
	return PM_OK;
}

/* Which of names[0..n) v is, or a 400 listing them. */
static enum pm_status get_choice(stats_arg_fn arg, void *ctx,
				 const char *name, const char *const *names,
				 int n, unsigned allowed, int *out,
				 struct pm_error *err)
{
	const char *v;
	struct buf list = BUF_INIT;
	enum pm_status st;
	int k = 0, count = 0;

	if ((st = get_arg(arg, ctx, name, &v, err)) != PM_OK || !v)
		return st;
	for (int i = 0; i < n; i++) {
		if ((allowed >> i & 1) && !strcmp(v, names[i])) {
			*out = i;
			return PM_OK;
		}
	}
	for (int i = 0; i < n; i++)
		count += allowed >> i & 1;
	for (int i = 0; i < n; i++) {
		if (!(allowed >> i & 1))
			continue;
		buf_addf(&list, "%s%s", k ? (k == count - 1 ? " or " : ", ")
					  : "",
			 names[i]);
		k++;
	}
	st = pm_error_set(err, PM_INVALID, name, 0,
			  "%s: expected %s, got '%.*s'", name, list.ptr,
			  shown(v, 40), v);
	buf_release(&list);
	return st;
}

static enum pm_status get_int(stats_arg_fn arg, void *ctx, const char *name,
			      int min, int max, int *out,
			      struct pm_error *err)
{
	const char *v;
	char *end;
	long n;
	enum pm_status st;

	if ((st = get_arg(arg, ctx, name, &v, err)) != PM_OK || !v)
		return st;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return pm_error_set(err, PM_INVALID, name, 0,
				    "%s: expected a number from %d to %d, "
				    "got '%.*s'",
				    name, min, max, shown(v, 40), v);
	*out = (int)n;
	return PM_OK;
}

/* A comma-separated list of at most LIST_MAX non-empty values. */
static enum pm_status check_list(const char *name, const char *v,
				 struct pm_error *err)
{
	int n = 1;

	if (!v)
		return PM_OK;
	for (const char *p = v; *p; p++)
		n += *p == ',';
	if (n > LIST_MAX)
		return pm_error_set(err, PM_INVALID, name, 0,
				    "%s: at most %d values", name, LIST_MAX);
	return PM_OK;
}

enum pm_status stats_request_parse(struct stats_request *r, stats_arg_fn arg,
				   void *ctx, unsigned formats,
				   struct pm_error *err)
{
	const char *v = NULL;
	int choice;
	int64_t day;
	enum pm_status st;

	memset(r, 0, sizeof(*r));
	r->period = STATS_HALF;
	r->mode = STATS_PRIMARY;
	r->format = STATS_JSON;
	r->status = STATS_ITEMS_OPEN;
	r->limit = 500;
	r->min_n = SPREAD_MIN_N;
	choice = r->period;
	if ((st = get_choice(arg, ctx, "period", stats_period_ids,
			     STATS_PERIOD__MAX, ~0u, &choice, err)) != PM_OK)
		return st;
	r->period = (enum stats_period)choice;
	choice = r->mode;
	if ((st = get_choice(arg, ctx, "mode", stats_mode_names, STATS_MODE__MAX,
			     ~0u, &choice, err)) != PM_OK)
		return st;
	r->mode = (enum stats_mode)choice;
	choice = r->format;
	if ((st = get_choice(arg, ctx, "format", format_names,
			     STATS_FORMAT__MAX, formats, &choice, err)) !=
	    PM_OK)
		return st;
	r->format = (enum stats_format)choice;
	choice = 0;
	if ((st = get_choice(arg, ctx, "lang",
			     (const char *const[]){ "en", "ja" }, 2, ~0u,
			     &choice, err)) != PM_OK)
		return st;
	r->ja = choice;
	choice = r->status;
	if ((st = get_choice(arg, ctx, "status", stats_item_status_names, 3, ~0u,
			     &choice, err)) != PM_OK)
		return st;
	r->status = (enum stats_item_status)choice;
	choice = 0;
	if ((st = get_choice(arg, ctx, "overdue",
			     (const char *const[]){ "false", "true", "0",
						    "1" },
			     4, ~0u, &choice, err)) != PM_OK)
		return st;
	r->overdue = choice & 1;
	if (r->overdue && r->status == STATS_ITEMS_DONE)
		return pm_error_set(err, PM_INVALID, "overdue", 0,
				    "overdue: only open items are overdue; "
				    "drop status=done");
	if ((st = get_int(arg, ctx, "fiscal_start_month", 1, 12,
			  &r->fiscal_start_month, err)) != PM_OK ||
	    (st = get_int(arg, ctx, "limit", 1, STATS_MAX_ITEMS, &r->limit,
			  err)) != PM_OK ||
	    (st = get_int(arg, ctx, "offset", 0, 10000000, &r->offset,
			  err)) != PM_OK ||
	    (st = get_int(arg, ctx, "min_n", 1, 1000, &r->min_n, err)) !=
		    PM_OK)
		return st;
	if ((st = get_arg(arg, ctx, "tz", &r->time_zone, err)) != PM_OK)
		return st;
	if (r->time_zone && strcmp(r->time_zone, "UTC") &&
	    !stats_zone_name_ok(r->time_zone))
		return pm_error_set(err, PM_INVALID, "tz", 0,
				    "tz: expected a time zone name such as "
				    "Asia/Tokyo or UTC, got '%.*s'",
				    shown(r->time_zone, 40), r->time_zone);
	for (int end = 0; end < 2; end++) {
		const char *name = end ? "to" : "from";

		if ((st = get_arg(arg, ctx, name, &v, err)) != PM_OK)
			return st;
		if (v && stats_range_day(v, 1, end, &day))
			return pm_error_set(
				err, PM_INVALID, name, 0,
				"%s: expected a date (2017, 2017-07, "
				"2017-07-01) or a period (2017-H2, 2017-Q3, "
				"FY2017, FY2017-H1), got '%.*s'",
				name, shown(v, 40), v);
		*(end ? &r->to : &r->from) = v;
	}
	if ((st = get_arg(arg, ctx, "service", &r->service, err)) != PM_OK ||
	    (st = check_list("service", r->service, err)) != PM_OK ||
	    (st = get_arg(arg, ctx, "severity", &r->severity, err)) !=
		    PM_OK ||
	    (st = check_list("severity", r->severity, err)) != PM_OK ||
	    (st = get_arg(arg, ctx, "owner", &r->owner, err)) != PM_OK)
		return st;
	if (r->owner && r->owner[0] == '@')
		r->owner++;
	if (r->owner && !*r->owner)
		return pm_error_set(err, PM_INVALID, "owner", 0,
				    "owner: empty value");
	return PM_OK;
}
