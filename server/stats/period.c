/*
 * Periods.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"

/* TZif files are a few kilobytes; anything this large is not one. */
#define TZIF_MAX_SIZE (1u << 20)
#define ZONE_NAME_MAX 128

const char *const stats_period_ids[STATS_PERIOD__MAX] = {
	[STATS_MONTH] = "month",
	[STATS_QUARTER] = "quarter",
	[STATS_HALF] = "half",
	[STATS_YEAR] = "year",
};
/* Periods per year, for all but months. */
static const int per_year[STATS_PERIOD__MAX] = {
	[STATS_MONTH] = 12, [STATS_QUARTER] = 4, [STATS_HALF] = 2,
	[STATS_YEAR] = 1,
};

int stats_period_parse(const char *s)
{
	for (int i = 0; i < STATS_PERIOD__MAX; i++)
		if (s && !strcmp(s, stats_period_ids[i]))
			return i;
	return -1;
}

const char *stats_period_name(enum stats_period p)
{
	return p < STATS_PERIOD__MAX ? stats_period_ids[p] : "?";
}

int64_t stats_period_of(enum stats_period p, int fiscal, int64_t day)
{
	int64_t y, fy;
	int m, d, k;

	civil_from_days(day, &y, &m, &d);
	if (p == STATS_MONTH)
		return y * 12 + m - 1;
	k = (m - fiscal + 12) % 12;
	fy = m >= fiscal ? y : y - 1;
	return fy * per_year[p] + k / (12 / per_year[p]);
}

/* The year and month period ord starts in, and its length in months. */
static void period_start(enum stats_period p, int fiscal, int64_t ord,
			 int64_t *y, int *m, int *months)
{
	int64_t fy;
	int off;

	if (p == STATS_MONTH) {
		*y = civil_floor_div(ord, 12);
		*m = (int)(ord - *y * 12) + 1;
		*months = 1;
		return;
	}
	fy = civil_floor_div(ord, per_year[p]);
	*months = 12 / per_year[p];
	off = fiscal - 1 + (int)(ord - fy * per_year[p]) * *months;
	*y = fy + off / 12;
	*m = off % 12 + 1;
}

void stats_period_bounds(enum stats_period p, int fiscal, int64_t ord,
			 int64_t *first, int64_t *last)
{
	int64_t y;
	int m, months, em;

	period_start(p, fiscal, ord, &y, &m, &months);
	*first = civil_to_days(y, m, 1);
	em = m - 1 + months;
	*last = civil_to_days(y + em / 12, em % 12 + 1, 1) - 1;
}

void stats_period_names(enum stats_period p, int fiscal, int64_t ord,
			char *id, char *label, char *label_ja, size_t size)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec" };
	int64_t y, fy;
	int m, months, i;
	long long yy;

	if (p == STATS_MONTH) {
		period_start(p, fiscal, ord, &y, &m, &months);
		yy = (long long)y;
		snprintf(id, size, "%04lld-%02d", yy, m);
		snprintf(label, size, "%s %04lld", mon[m - 1], yy);
		snprintf(label_ja, size, "%04lld年%d月", yy, m);
		return;
	}
	fy = civil_floor_div(ord, per_year[p]);
	i = (int)(ord - fy * per_year[p]) + 1;
	yy = (long long)fy;
	if (fiscal == 1) {
		switch (p) {
		case STATS_QUARTER:
			snprintf(id, size, "%04lld-Q%d", yy, i);
			snprintf(label, size, "%04lld Q%d", yy, i);
			snprintf(label_ja, size, "%04lld年第%d四半期", yy, i);
			break;
		case STATS_HALF:
			snprintf(id, size, "%04lld-H%d", yy, i);
			snprintf(label, size, "%04lld H%d", yy, i);
			snprintf(label_ja, size, "%04lld年%s期", yy,
				 i == 1 ? "上" : "下");
			break;
		default:
			snprintf(id, size, "%04lld", yy);
			snprintf(label, size, "%04lld", yy);
			snprintf(label_ja, size, "%04lld年", yy);
		}
		return;
	}
	switch (p) {
	case STATS_QUARTER:
		snprintf(id, size, "FY%04lld-Q%d", yy, i);
		snprintf(label_ja, size, "%04lld年度第%d四半期", yy, i);
		break;
	case STATS_HALF:
		snprintf(id, size, "FY%04lld-H%d", yy, i);
		snprintf(label_ja, size, "%04lld年度%s期", yy,
			 i == 1 ? "上" : "下");
		break;
	default:
		snprintf(id, size, "FY%04lld", yy);
		snprintf(label_ja, size, "%04lld年度", yy);
	}
	snprintf(label, size, "%s", id);
}

int stats_range_day(const char *s, int fiscal, int end, int64_t *day)
{
	const char *p = s;
	int fy_prefix = 0, y, m, d, n;
	enum stats_period kind = STATS_YEAR;
	int64_t ord, first, last;

	if (!strncmp(p, "FY", 2) || !strncmp(p, "fy", 2)) {
		fy_prefix = 1;
		p += 2;
	}
	if (text_digits(&p, 4, &y))
		return -1;
	if (!*p) {
		ord = y;
		goto period;
	}
	if (*p++ != '-')
		return -1;
	if ((*p == 'H' || *p == 'h' || *p == 'Q' || *p == 'q') &&
	    p[1] >= '1' && p[1] <= '4' && !p[2]) {
		kind = (*p == 'H' || *p == 'h') ? STATS_HALF : STATS_QUARTER;
		n = p[1] - '0';
		if (n > per_year[kind])
			return -1;
		ord = (int64_t)y * per_year[kind] + n - 1;
		goto period;
	}
	if (fy_prefix || text_digits(&p, 2, &m) || m < 1 || m > 12)
		return -1;
	if (!*p) {
		*day = end ? civil_to_days(y, m, civil_days_in_month(y, m))
			   : civil_to_days(y, m, 1);
		return 0;
	}
	if (*p++ != '-' || text_digits(&p, 2, &d) || *p || d < 1 ||
	    d > civil_days_in_month(y, m))
		return -1;
	*day = civil_to_days(y, m, d);
	return 0;
period:
	stats_period_bounds(kind, fy_prefix ? fiscal : 1, ord, &first, &last);
	*day = end ? last : first;
	return 0;
}
