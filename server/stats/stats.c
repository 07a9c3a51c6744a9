/*
 * Statistics: see include/pmkb/stats/stats.h.
 *
 * Map: time zones (a TZif reader and the POSIX rule of its footer) →
 * calendar days and periods (pure arithmetic, fiscal years) → request
 * parameters → queries (one pass over the rows, counts in C because the
 * period of a row depends on the zone) → output (CSV, Markdown, text
 * tables built from the JSON result) → the `pmkb stats` command.
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
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "pmkb/base/utf8.h"
#include "pmkb/base/xalloc.h"

/* TZif files are a few kilobytes; anything this large is not one. */
#define TZIF_MAX_SIZE (1u << 20)
#define ZONE_NAME_MAX 128

static int is_leap(int64_t y)
{
	return civil_days_in_month(y, 2) == 29;
}

/* Exactly n digits at *pp; the value in *out. */
static int digits_n(const char **pp, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*pp)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pp += n;
	*out = v;
	return 0;
}

/* ================================================================
 * Time zones.
 *
 * A zone is its list of transitions (instant → UTC offset from then on),
 * the offset before the first one, and the POSIX TZ rule of the TZif
 * footer for instants after the last one (how zoneinfo describes the
 * future: "EST5EDT,M3.2.0,M11.1.0"). Only offsets matter here: names and
 * the DST flag never decide which day an incident started on.
 */

/* A day of the year in a POSIX rule: Jn, n or Mm.w.d, and a time. */
struct rule_day {
	char kind;    /* 'J', 'n' or 'M' */
	int n;	      /* Jn: 1..365 (no Feb 29); n: 0..365 */
	int m, w, d;  /* Mm.w.d: month, week 1..5 (5: last), weekday */
	int32_t time; /* seconds after local midnight; may be < 0 or > 24 h */
};

struct zone_rule {
	int32_t std_off, dst_off; /* seconds east of UTC */
	int has_dst;
	struct rule_day start, end;
};

struct stats_zone {
	char name[ZONE_NAME_MAX];
	int64_t *times; /* transitions, ascending */
	int32_t *offs;	/* the offset from times[i] on */
	size_t n;
	int32_t first_off; /* before times[0] (time type 0) */
	int has_rule;
	struct zone_rule rule;
};

struct stats_zone *stats_zone_utc(void)
{
	struct stats_zone *z = xcalloc(1, sizeof(*z));

	strcpy(z->name, "UTC");
	return z;
}

void stats_zone_free(struct stats_zone *z)
{
	if (!z)
		return;
	free(z->times);
	free(z->offs);
	free(z);
}

const char *stats_zone_name(const struct stats_zone *z)
{
	return z->name;
}

/* The day (days since 1970) of rule day r in year y. */
static int64_t rule_day_of(const struct rule_day *r, int64_t y)
{
	int64_t jan1 = civil_to_days(y, 1, 1), first, day;
	int wday;

	switch (r->kind) {
	case 'J':
		/* Jn never counts Feb 29: from March on, skip it. */
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	case 'n':
		return jan1 + r->n;
	default:
		first = civil_to_days(y, r->m, 1);
		/* 1970-01-01 was a Thursday (4). */
		wday = (int)((first % 7 + 7 + 4) % 7);
		day = first + (r->d - wday + 7) % 7 + (int64_t)(r->w - 1) * 7;
		while (day >= first + civil_days_in_month(y, r->m))
			day -= 7;
		return day;
	}
}

static int32_t rule_offset(const struct zone_rule *r, int64_t t)
{
	int64_t y, start, end;
	int m, d;

	if (!r->has_dst)
		return r->std_off;
	/* The year as local standard time sees it. */
	civil_from_days(civil_floor_div(t + r->std_off, 86400), &y, &m, &d);
	/* The start is written in standard time, the end in DST. */
	start = rule_day_of(&r->start, y) * 86400 + r->start.time - r->std_off;
	end = rule_day_of(&r->end, y) * 86400 + r->end.time - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	/* Southern hemisphere: DST spans the new year. */
	return t >= end && t < start ? r->std_off : r->dst_off;
}

int32_t stats_zone_offset(const struct stats_zone *z, int64_t t)
{
	size_t lo = 0, hi = z->n;

	if (!z->n)
		return z->has_rule ? rule_offset(&z->rule, t) : z->first_off;
	if (t < z->times[0])
		return z->first_off;
	if (t >= z->times[z->n - 1] && z->has_rule)
		return rule_offset(&z->rule, t);
	/* The last transition at or before t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offs[lo];
}

/* [+-]hh[:mm[:ss]] with hours up to max_h; seconds, sign applied. */
static int posix_hms(const char **pp, int max_h, int32_t *out)
{
	const char *p = *pp;
	int sign = 1, part[3] = { 0, 0, 0 };

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		int digits = 0, v = 0;

		if (i && *p != ':')
			break;
		if (i)
			p++;
		while (*p >= '0' && *p <= '9' && digits < 3) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits || (i && v > 59) || (!i && v > max_h))
			return -1;
		part[i] = v;
	}
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*pp = p;
	return 0;
}

/* A zone abbreviation: letters, or anything but '>' inside <...>. */
static int posix_name(const char **pp)
{
	const char *p = *pp;
	int n = 0;

	if (*p == '<') {
		for (p++; *p && *p != '>'; p++)
			n++;
		if (*p != '>')
			return -1;
		p++;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			p++;
			n++;
		}
	}
	if (n < 1)
		return -1;
	*pp = p;
	return 0;
}

static int posix_num(const char **pp, int min, int max, int *out)
{
	const char *p = *pp;
	int v = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || v < min || v > max)
		return -1;
	*out = v;
	*pp = p;
	return 0;
}

static int posix_rule_day(const char **pp, struct rule_day *r)
{
	const char *p = *pp;

	memset(r, 0, sizeof(*r));
	if (*p == 'J') {
		p++;
		r->kind = 'J';
		if (posix_num(&p, 1, 365, &r->n))
			return -1;
	} else if (*p == 'M') {
		p++;
		r->kind = 'M';
		if (posix_num(&p, 1, 12, &r->m) || *p++ != '.' ||
		    posix_num(&p, 1, 5, &r->w) || *p++ != '.' ||
		    posix_num(&p, 0, 6, &r->d))
			return -1;
	} else {
		r->kind = 'n';
		if (posix_num(&p, 0, 365, &r->n))
			return -1;
	}
	r->time = 7200;
	/* RFC 8536 allows -167..167 hours here (POSIX only 0..24). */
	if (*p == '/') {
		p++;
		if (posix_hms(&p, 167, &r->time))
			return -1;
	}
	*pp = p;
	return 0;
}

/*
 * A POSIX TZ string: std offset [dst [offset] [,start[/time],end[/time]]].
 * POSIX offsets count west of Greenwich, hence the minus signs.
 */
static int posix_parse(const char *s, struct zone_rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (posix_name(&p) || posix_hms(&p, 24, &off))
		return -1;
	r->std_off = r->dst_off = -off;
	if (!*p)
		return 0;
	if (posix_name(&p))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (posix_hms(&p, 24, &off))
			return -1;
		r->dst_off = -off;
	}
	if (!*p) {
		/* No rule: POSIX leaves it to the implementation; the US one
		 * is what glibc and the tz code assume. */
		const char *def = "M3.2.0,M11.1.0";

		if (posix_rule_day(&def, &r->start) || *def++ != ',' ||
		    posix_rule_day(&def, &r->end))
			return -1;
		return 0;
	}
	if (*p++ != ',' || posix_rule_day(&p, &r->start) || *p++ != ',' ||
	    posix_rule_day(&p, &r->end) || *p)
		return -1;
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_header {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int tzif_header(const unsigned char *p, size_t len,
		       struct tzif_header *h)
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return -1;
	h->version = (char)p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (!h->typecnt || (h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

/* Bytes of the data block after a header, for times of tsize bytes. */
static uint64_t tzif_block(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * tsize + h->timecnt +
	       (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

enum pm_status stats_zone_parse(struct stats_zone **out, const char *name,
				const unsigned char *data, size_t len,
				struct pm_error *err)
{
	struct stats_zone *z = xcalloc(1, sizeof(*z));
	struct tzif_header h;
	const unsigned char *p = data, *idx, *types;
	size_t left = len;
	unsigned tsize = 4;
	enum pm_status st = PM_INVALID;
	const char *why = "not a TZif file";

	*out = NULL;
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (tzif_header(p, left, &h))
		goto fail;
	if (h.version >= '2') {
		/* Skip the 32-bit data: version 2+ repeats it in 64 bits. */
		uint64_t skip = 44 + tzif_block(&h, 4);

		if (skip > left)
			goto fail;
		p += skip;
		left -= (size_t)skip;
		if (tzif_header(p, left, &h))
			goto fail;
		tsize = 8;
	}
	p += 44;
	left -= 44;
	why = "truncated TZif file";
	if (tzif_block(&h, tsize) > left)
		goto fail;
	idx = p + (size_t)h.timecnt * tsize;
	types = idx + h.timecnt;
	why = "corrupt TZif file";
	z->n = h.timecnt;
	z->times = xcalloc(z->n ? z->n : 1, sizeof(*z->times));
	z->offs = xcalloc(z->n ? z->n : 1, sizeof(*z->offs));
	for (size_t i = 0; i < z->n; i++) {
		z->times[i] = tsize == 8 ? be64(p + i * 8)
					 : (int32_t)be32(p + i * 4);
		if (idx[i] >= h.typecnt ||
		    (i && z->times[i] <= z->times[i - 1]))
			goto fail;
		z->offs[i] = (int32_t)be32(types + (size_t)idx[i] * 6);
	}
	z->first_off = (int32_t)be32(types);
	p += tzif_block(&h, tsize);
	left -= (size_t)tzif_block(&h, tsize);
	/* The footer: "\nTZ string\n", possibly empty. */
	if (tsize == 8 && left >= 2 && p[0] == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', left - 1);
		char tz[128];
		size_t n;

		why = "bad TZ string in the TZif footer";
		if (!nl || (n = (size_t)(nl - p - 1)) >= sizeof(tz))
			goto fail;
		memcpy(tz, p + 1, n);
		tz[n] = '\0';
		if (n) {
			if (posix_parse(tz, &z->rule))
				goto fail;
			z->has_rule = 1;
		}
	}
	*out = z;
	return PM_OK;
fail:
	stats_zone_free(z);
	return pm_error_set(err, st, name, 0, "time zone %s: %s", name, why);
}

/* IANA names: components of [A-Za-z0-9_+-], none starting with '.'. */
static int zone_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= ZONE_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (const char *p = name; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '/' && p[1] == '/')
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		      c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

enum pm_status stats_zone_load(struct stats_zone **out, const char *name,
			       struct pm_error *err)
{
	struct buf path = BUF_INIT;
	unsigned char *data = NULL;
	struct stat sb;
	ssize_t got;
	size_t len = 0;
	int fd = -1;
	enum pm_status st;

	*out = NULL;
	if (!strcmp(name, "UTC")) {
		*out = stats_zone_utc();
		return PM_OK;
	}
	if (!zone_name_ok(name))
		return pm_error_set(err, PM_INVALID, name, 0,
				    "'%.60s' is not a time zone name (such as "
				    "Asia/Tokyo or UTC)",
				    name);
	buf_addf(&path, "%s/%s", STATS_ZONEINFO, name);
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		st = pm_error_set(err, PM_NOT_FOUND, name, 0,
				  "unknown time zone '%s' (not in %s)", name,
				  STATS_ZONEINFO);
		goto out;
	}
	if (sb.st_size > (off_t)TZIF_MAX_SIZE) {
		st = pm_error_set(err, PM_INVALID, name, 0,
				  "time zone %s: file too large", name);
		goto out;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		got = read(fd, data + len, (size_t)sb.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	st = stats_zone_parse(out, name, data, len, err);
out:
	if (fd >= 0)
		close(fd);
	free(data);
	buf_release(&path);
	return st;
}

int stats_start_day(const struct stats_zone *z, const char *started_at,
		    int64_t started_epoch, int64_t *day)
{
	const char *p = started_at;
	int y, m, d;

	if (!started_at)
		return -1;
	/* A date alone is a calendar day as written, in no zone. */
	if (strlen(p) == 10 && !digits_n(&p, 4, &y) && *p++ == '-' &&
	    !digits_n(&p, 2, &m) && *p++ == '-' && !digits_n(&p, 2, &d) &&
	    m >= 1 && m <= 12 && d >= 1 && d <= civil_days_in_month(y, m)) {
		*day = civil_to_days(y, m, d);
		return 0;
	}
	*day = civil_floor_div(started_epoch + stats_zone_offset(z, started_epoch),
			 86400);
	return 0;
}

/* ================================================================
 * Periods.
 */

static const char *const period_names[STATS_PERIOD__MAX] = {
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
		if (s && !strcmp(s, period_names[i]))
			return i;
	return -1;
}

const char *stats_period_name(enum stats_period p)
{
	return p < STATS_PERIOD__MAX ? period_names[p] : "?";
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
	if (digits_n(&p, 4, &y))
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
	if (fy_prefix || digits_n(&p, 2, &m) || m < 1 || m > 12)
		return -1;
	if (!*p) {
		*day = end ? civil_to_days(y, m, civil_days_in_month(y, m))
			   : civil_to_days(y, m, 1);
		return 0;
	}
	if (*p++ != '-' || digits_n(&p, 2, &d) || *p || d < 1 ||
	    d > civil_days_in_month(y, m))
		return -1;
	*day = civil_to_days(y, m, d);
	return 0;
period:
	stats_period_bounds(kind, fy_prefix ? fiscal : 1, ord, &first, &last);
	*day = end ? last : first;
	return 0;
}

int64_t stats_quantile(const int64_t *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)floor(h);
	double x;

	if (lo + 1 >= n)
		return v[n - 1];
	x = (double)v[lo] + (h - (double)lo) * (double)(v[lo + 1] - v[lo]);
	return (int64_t)llround(x);
}

/* ================================================================
 * Request parameters.
 */

static const char *const mode_names[STATS_MODE__MAX] = { "primary", "any" };
static const char *const format_names[STATS_FORMAT__MAX] = { "json", "csv",
							      "md", "table" };
static const char *const item_status_names[] = { "open", "done", "all" };

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
	choice = r->period;
	if ((st = get_choice(arg, ctx, "period", period_names,
			     STATS_PERIOD__MAX, ~0u, &choice, err)) != PM_OK)
		return st;
	r->period = (enum stats_period)choice;
	choice = r->mode;
	if ((st = get_choice(arg, ctx, "mode", mode_names, STATS_MODE__MAX,
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
	if ((st = get_choice(arg, ctx, "status", item_status_names, 3, ~0u,
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
			  err)) != PM_OK)
		return st;
	if ((st = get_arg(arg, ctx, "tz", &r->time_zone, err)) != PM_OK)
		return st;
	if (r->time_zone && strcmp(r->time_zone, "UTC") &&
	    !zone_name_ok(r->time_zone))
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

/* ================================================================
 * Queries.
 */

/* Rows that count as incidents, with the service and severity filters
 * (JSON arrays, NULL for none) applied in SQL. */
static const char sql_incidents[] =
	"SELECT p.started_at, p.started_epoch, p.started_source, "
	"p.primary_cause, p.causes, p.detected_at, p.detected_epoch, "
	"p.mitigated_at, p.mitigated_epoch, p.resolved_at, p.resolved_epoch "
	"FROM postmortems p WHERE "
	"(?1 IS NULL OR EXISTS (SELECT 1 FROM labels l WHERE l.pm_id = p.id "
	"AND l.kind = 'service' AND lower(l.value) IN "
	"(SELECT lower(value) FROM json_each(?1)))) "
	"AND (?2 IS NULL OR p.severity IN (SELECT value FROM json_each(?2)))";
enum {
	I_STARTED, I_STARTED_E, I_SOURCE, I_PRIMARY, I_CAUSES, I_DETECTED,
	I_DETECTED_E, I_MITIGATED, I_MITIGATED_E, I_RESOLVED, I_RESOLVED_E
};

static const char sql_items[] =
	"SELECT a.done, a.owner, a.due, a.text, a.line, p.slug, p.title, "
	"p.started_at, p.started_epoch, p.started_source "
	"FROM action_items a JOIN postmortems p ON p.id = a.pm_id "
	"WHERE (?1 IS NULL OR lower(a.owner) = lower(?1)) "
	"ORDER BY a.due IS NULL, a.due, p.started_epoch DESC, p.id, a.pos";
enum {
	A_DONE, A_OWNER, A_DUE, A_TEXT, A_LINE, A_SLUG, A_TITLE, A_STARTED,
	A_STARTED_E, A_SOURCE
};

/* The settings and parameters of one query, resolved. */
struct run {
	const struct taxonomy *tax;
	const struct stats_request *r;
	struct stats_zone *zone;
	int fiscal;
	int has_from, has_to;
	int64_t from_day, to_day;
	/* The periods to answer for: lo..hi, none when n is 0. */
	int64_t lo, hi;
	size_t n;
};

static enum pm_status run_open(struct run *x, const struct taxonomy *tax,
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

static void run_close(struct run *x)
{
	stats_zone_free(x->zone);
	x->zone = NULL;
}

/* Whether a row's start counts as the incident's date (see stats.h). */
static int row_dated(sqlite3_stmt *s, int col_at, int col_source)
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
static int row_period(const struct run *x, sqlite3_stmt *s, int col_at,
		      int col_epoch, int col_source, int64_t *ord)
{
	int64_t day;

	if (!row_dated(s, col_at, col_source)) {
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
static enum pm_status run_span(struct run *x, int64_t dmin, int64_t dmax,
			       struct pm_error *err)
{
	int have = dmin <= dmax;
	uint64_t n;

	x->lo = x->has_from ? stats_period_of(x->r->period, x->fiscal,
					      x->from_day)
			    : dmin;
	x->hi = x->has_to ? stats_period_of(x->r->period, x->fiscal,
					    x->to_day)
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

/* Binds the service and severity filters as JSON arrays. */
static enum pm_status bind_filters(const struct run *x, sqlite3_stmt *s,
				   char **owned, struct pm_error *err)
{
	const char *lists[2] = { x->r->service, x->r->severity };

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
					shown(v, 40), v);

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

/* Cause ids, interned: the taxonomy's first, in its order. */
struct cause_set {
	char **ids;
	size_t n, alloc;
	size_t *slots; /* index + 1, 0 empty; open addressing */
	size_t nslots;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t cause_intern(struct cause_set *cs, const char *id)
{
	size_t i;

	if ((cs->n + 1) * 2 > cs->nslots) {
		size_t ns = cs->nslots ? cs->nslots * 2 : 64;

		free(cs->slots);
		cs->slots = xcalloc(ns, sizeof(*cs->slots));
		cs->nslots = ns;
		for (size_t k = 0; k < cs->n; k++) {
			i = hash_str(cs->ids[k]) & (ns - 1);
			while (cs->slots[i])
				i = (i + 1) & (ns - 1);
			cs->slots[i] = k + 1;
		}
	}
	i = hash_str(id) & (cs->nslots - 1);
	while (cs->slots[i]) {
		if (!strcmp(cs->ids[cs->slots[i] - 1], id))
			return cs->slots[i] - 1;
		i = (i + 1) & (cs->nslots - 1);
	}
	XGROW(cs->ids, cs->alloc, cs->n + 1);
	cs->ids[cs->n] = xstrdup(id);
	cs->slots[i] = cs->n + 1;
	return cs->n++;
}

static void cause_set_release(struct cause_set *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->ids[i]);
	free(cs->ids);
	free(cs->slots);
	memset(cs, 0, sizeof(*cs));
}

/*
 * Stored causes mapped to canonical ones under the settings in force. The
 * same few spellings recur on every row, and the taxonomy's lookup walks
 * every alias, so each spelling is looked up once.
 */
struct cause_map {
	struct cause_set *cs; /* canonical ids */
	const struct taxonomy *tax;
	struct cause_set raw; /* spellings seen */
	size_t *canon;	      /* raw index → cs index */
	size_t alloc;
};

static size_t cause_of(struct cause_map *m, const char *raw)
{
	char buf[256];
	const char *id;
	size_t r = cause_intern(&m->raw, raw && *raw ? raw : "unknown");

	if (r < m->alloc && m->canon[r] != SIZE_MAX)
		return m->canon[r];
	if (r >= m->alloc) {
		size_t old = m->alloc;

		XGROW(m->canon, m->alloc, r + 1);
		for (size_t i = old; i < m->alloc; i++)
			m->canon[i] = SIZE_MAX;
	}
	id = taxonomy_cause(m->tax, m->raw.ids[r], buf, sizeof(buf));
	m->canon[r] = cause_intern(m->cs, id ? id : m->raw.ids[r]);
	return m->canon[r];
}

static void cause_map_release(struct cause_map *m)
{
	cause_set_release(&m->raw);
	free(m->canon);
}

struct incident {
	int64_t ord; /* INT64_MIN: undated */
	size_t first, n; /* its causes in the flat list */
};

static double share_of(int64_t part, int64_t whole)
{
	return round((double)part * 10000.0 / (double)whole) / 10000.0;
}

/* {"period", "label", "label_ja", "start", "end"} for ord (or unknown). */
static json_t *row_head(const struct run *x, int64_t ord)
{
	char id[48], label[48], ja[48], a[16], b[16];
	int64_t first, last, y;
	int m, d;

	if (ord == INT64_MIN)
		return json_pack("{s:s,s:s,s:s,s:n,s:n}", "period", "unknown",
				 "label", "Unknown", "label_ja", "不明",
				 "start", "end");
	stats_period_names(x->r->period, x->fiscal, ord, id, label, ja,
			   sizeof(id));
	stats_period_bounds(x->r->period, x->fiscal, ord, &first, &last);
	civil_from_days(first, &y, &m, &d);
	snprintf(a, sizeof(a), "%04lld-%02d-%02d", (long long)y, m, d);
	civil_from_days(last, &y, &m, &d);
	snprintf(b, sizeof(b), "%04lld-%02d-%02d", (long long)y, m, d);
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "period", id, "label",
			 label, "label_ja", ja, "start", a, "end", b);
}

/* The common head of every result. */
static json_t *result_head(const struct run *x)
{
	return json_pack("{s:s,s:s,s:i,s:s,s:s?,s:s?}", "period",
			 stats_period_name(x->r->period), "mode",
			 mode_names[x->r->mode], "fiscal_start_month",
			 x->fiscal, "time_zone", stats_zone_name(x->zone),
			 "from", x->r->from, "to", x->r->to);
}

struct order_ctx {
	const struct cause_set *cs;
	const int64_t *totals;
};

/* Output order of causes past the taxonomy's: most frequent first,
 * "unknown" last. qsort has no context argument, hence the sort below. */
static int cause_before(const struct order_ctx *o, size_t a, size_t b)
{
	int ua = !strcmp(o->cs->ids[a], "unknown");
	int ub = !strcmp(o->cs->ids[b], "unknown");

	if (ua != ub)
		return ub;
	if (o->totals[a] != o->totals[b])
		return o->totals[a] > o->totals[b];
	return strcmp(o->cs->ids[a], o->cs->ids[b]) < 0;
}

/* Insertion sort: the list is short and this keeps it stable. */
static void order_causes(size_t *idx, size_t n, const struct order_ctx *o)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;

		while (j > 0 && cause_before(o, v, idx[j - 1])) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

enum pm_status stats_causes(struct dbconn *c, const struct taxonomy *tax,
			    const struct stats_request *r, json_t **out,
			    struct pm_error *err)
{
	struct run x;
	struct cause_set cs = { 0 };
	struct cause_map map = { &cs, tax, { 0 }, NULL, 0 };
	struct incident *inc = NULL;
	size_t n_inc = 0, alloc_inc = 0, *flat = NULL, n_flat = 0,
	       alloc_flat = 0, *order = NULL, ntax = 0, rows;
	int64_t *counts = NULL, *totals = NULL, *row_total = NULL;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, grand = 0, undated = 0;
	char *filters[2] = { NULL, NULL };
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *jrows, *jcauses;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	for (size_t i = 0; tax && i < tax->n_causes; i++)
		cause_intern(&cs, tax->causes[i].id);
	ntax = cs.n;
	if (!(s = dbconn_stmt(c, sql_incidents))) {
		st = PM_DB;
		goto out;
	}
	if ((st = bind_filters(&x, s, filters, err)) != PM_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct incident *it;
		json_t *list = NULL, *v;
		size_t k;
		int64_t ord;
		int in = row_period(&x, s, I_STARTED, I_STARTED_E, I_SOURCE,
				    &ord);

		if (in != 1) {
			undated += in == -1;
			continue;
		}
		XGROW(inc, alloc_inc, n_inc + 1);
		it = &inc[n_inc++];
		it->ord = ord;
		it->first = n_flat;
		it->n = 0;
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		}
		if (r->mode == STATS_ANY)
			list = json_loads((const char *)sqlite3_column_text(
						  s, I_CAUSES),
					  0, NULL);
		if (!json_is_array(list) || !json_array_size(list)) {
			XGROW(flat, alloc_flat, n_flat + 1);
			flat[n_flat++] = cause_of(
				&map, (const char *)sqlite3_column_text(
					      s, I_PRIMARY));
			it->n = 1;
		}
		json_array_foreach(list, k, v) {
			const char *raw = json_string_value(v);
			size_t id = cause_of(&map, raw);
			int dup = 0;

			for (size_t j = it->first; j < n_flat; j++)
				dup |= flat[j] == id;
			if (dup)
				continue;
			XGROW(flat, alloc_flat, n_flat + 1);
			flat[n_flat++] = id;
			it->n++;
		}
		json_decref(list);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		st = PM_DB;
		goto out;
	}
	if ((st = run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;

	/* Row x.n is the unknown one. */
	rows = x.n + 1;
	counts = xcalloc(rows * (cs.n ? cs.n : 1), sizeof(*counts));
	row_total = xcalloc(rows, sizeof(*row_total));
	totals = xcalloc(cs.n ? cs.n : 1, sizeof(*totals));
	for (size_t i = 0; i < n_inc; i++) {
		size_t row = inc[i].ord == INT64_MIN
				     ? x.n
				     : (size_t)(inc[i].ord - x.lo);

		row_total[row]++;
		grand++;
		undated += inc[i].ord == INT64_MIN;
		for (size_t j = 0; j < inc[i].n; j++) {
			counts[row * cs.n + flat[inc[i].first + j]]++;
			totals[flat[inc[i].first + j]]++;
		}
	}
	order = xcalloc(cs.n ? cs.n : 1, sizeof(*order));
	for (size_t i = 0; i < cs.n; i++)
		order[i] = i;
	{
		struct order_ctx o = { &cs, totals };

		order_causes(order + ntax, cs.n - ntax, &o);
	}

	res = result_head(&x);
	json_object_set_new(res, "total", json_integer(grand));
	json_object_set_new(res, "undated", json_integer(undated));
	jcauses = json_array();
	for (size_t k = 0; k < cs.n; k++) {
		size_t i = order[k];
		const struct pm_cause *pc = taxonomy_find(tax, cs.ids[i]);
		int unknown = !strcmp(cs.ids[i], "unknown");
		const char *label = pc && pc->label ? pc->label
				    : unknown	     ? "Unknown"
						     : cs.ids[i];
		const char *ja = pc && pc->label_ja ? pc->label_ja
				 : unknown	    ? "不明"
						    : label;

		json_array_append_new(
			jcauses,
			json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:I,s:o}", "id",
				  cs.ids[i], "label", label, "label_ja", ja,
				  "group", pc ? pc->group : NULL, "color",
				  pc ? pc->color : NULL, "total",
				  (json_int_t)totals[i], "share",
				  grand ? json_real(share_of(totals[i], grand))
					: json_null()));
	}
	json_object_set_new(res, "causes", jcauses);
	jrows = json_array();
	for (size_t row = 0; row < rows; row++) {
		int unknown_row = row == x.n;
		int first = row == 0 || unknown_row;
		json_t *j, *by, *sh, *ch;

		if (unknown_row && !row_total[row])
			break;
		by = json_object();
		sh = json_object();
		ch = json_object();
		j = row_head(&x, unknown_row ? INT64_MIN
					     : x.lo + (int64_t)row);
		json_object_set_new(j, "total", json_integer(row_total[row]));
		for (size_t k = 0; k < cs.n; k++) {
			size_t i = order[k];
			int64_t v = counts[row * cs.n + i];
			int64_t before =
				first ? 0 : counts[(row - 1) * cs.n + i];

			json_object_set_new(by, cs.ids[i], json_integer(v));
			json_object_set_new(
				sh, cs.ids[i],
				row_total[row]
					? json_real(share_of(v, row_total[row]))
					: json_null());
			json_object_set_new(
				ch, cs.ids[i],
				first ? json_null() : json_integer(v - before));
		}
		json_object_set_new(j, "by_cause", by);
		json_object_set_new(j, "share", sh);
		json_object_set_new(j, "change", ch);
		json_object_set_new(j, "total_change",
				    first ? json_null()
					  : json_integer(row_total[row] -
							 row_total[row - 1]));
		json_array_append_new(jrows, j);
	}
	json_object_set_new(res, "rows", jrows);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(order);
	free(totals);
	free(row_total);
	free(counts);
	free(filters[0]);
	free(filters[1]);
	free(flat);
	free(inc);
	cause_map_release(&map);
	cause_set_release(&cs);
	run_close(&x);
	return st;
}

/* Seconds from the start to the timestamp in columns at/epoch, or -1 when
 * either lacks a time of day or the start is not the postmortem's own. */
static int64_t row_duration(sqlite3_stmt *s, int at, int epoch)
{
	const char *start = (const char *)sqlite3_column_text(s, I_STARTED);
	const char *src = (const char *)sqlite3_column_text(s, I_SOURCE);
	const char *t = (const char *)sqlite3_column_text(s, at);
	int64_t d;

	if (!start || !t || !src || strcmp(src, "front-matter") ||
	    strlen(start) <= 10 || strlen(t) <= 10)
		return -1;
	d = sqlite3_column_int64(s, epoch) -
	    sqlite3_column_int64(s, I_STARTED_E);
	return d >= 0 ? d : -1;
}

struct timing {
	int64_t ord;
	int64_t v[3]; /* ttd, ttm, ttr; -1 unknown */
};

static int cmp_timing(const void *a, const void *b)
{
	int64_t x = ((const struct timing *)a)->ord;
	int64_t y = ((const struct timing *)b)->ord;

	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static const char *const metric_names[3] = { "ttd", "ttm", "ttr" };

/* Sets the three metrics of t[0..n) into j; vals has room for n. */
static void put_metrics(json_t *j, const struct timing *t, size_t n,
			int64_t *vals)
{
	for (int m = 0; m < 3; m++) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (t[i].v[m] >= 0)
				vals[k++] = t[i].v[m];
		qsort(vals, k, sizeof(*vals), cmp_i64);
		json_object_set_new(
			j, metric_names[m],
			k ? json_pack("{s:I,s:I,s:I}", "count", (json_int_t)k,
				      "median",
				      (json_int_t)stats_quantile(vals, k, 0.5),
				      "p90",
				      (json_int_t)stats_quantile(vals, k, 0.9))
			  : json_pack("{s:i,s:n,s:n}", "count", 0, "median",
				      "p90"));
	}
}

enum pm_status stats_durations(struct dbconn *c, const struct taxonomy *tax,
			       const struct stats_request *r, json_t **out,
			       struct pm_error *err)
{
	static const int cols[3][2] = { { I_DETECTED, I_DETECTED_E },
					{ I_MITIGATED, I_MITIGATED_E },
					{ I_RESOLVED, I_RESOLVED_E } };
	struct run x;
	struct timing *t = NULL;
	size_t n = 0, alloc = 0, i = 0;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, undated = 0, *vals = NULL;
	char *filters[2] = { NULL, NULL };
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *rows, *all;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	if (!(s = dbconn_stmt(c, sql_incidents))) {
		st = PM_DB;
		goto out;
	}
	if ((st = bind_filters(&x, s, filters, err)) != PM_OK)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t ord;
		int in = row_period(&x, s, I_STARTED, I_STARTED_E, I_SOURCE,
				    &ord);

		/* Without a start there is nothing to measure from. */
		if (in == -1 || (in == 1 && ord == INT64_MIN)) {
			undated++;
			continue;
		}
		if (!in)
			continue;
		XGROW(t, alloc, n + 1);
		t[n].ord = ord;
		for (int m = 0; m < 3; m++)
			t[n].v[m] = row_duration(s, cols[m][0], cols[m][1]);
		dmin = ord < dmin ? ord : dmin;
		dmax = ord > dmax ? ord : dmax;
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		st = PM_DB;
		goto out;
	}
	if ((st = run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	if (n)
		qsort(t, n, sizeof(*t), cmp_timing);
	vals = xcalloc(n ? n : 1, sizeof(*vals));
	res = result_head(&x);
	json_object_del(res, "mode");
	json_object_set_new(res, "undated", json_integer(undated));
	rows = json_array();
	for (size_t row = 0; row < x.n; row++) {
		int64_t ord = x.lo + (int64_t)row;
		size_t start;
		json_t *j = row_head(&x, ord);

		while (i < n && t[i].ord < ord)
			i++;
		start = i;
		while (i < n && t[i].ord == ord)
			i++;
		json_object_set_new(j, "incidents",
				    json_integer((json_int_t)(i - start)));
		put_metrics(j, t + start, i - start, vals);
		json_array_append_new(rows, j);
	}
	json_object_set_new(res, "rows", rows);
	all = json_pack("{s:s,s:s,s:s,s:n,s:n,s:I}", "period", "all", "label",
			"All", "label_ja", "全期間", "start", "end",
			"incidents", (json_int_t)n);
	put_metrics(all, t, n, vals);
	json_object_set_new(res, "all", all);
	*out = res;
	res = NULL;
out:
	json_decref(res);
	free(vals);
	free(filters[0]);
	free(filters[1]);
	free(t);
	run_close(&x);
	return st;
}

static void day_text(int64_t day, char *out, size_t size)
{
	int64_t y;
	int m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, size, "%04lld-%02d-%02d", (long long)y, m, d);
}

struct item_period {
	int64_t ord;
	int done;
};

enum pm_status stats_action_items(struct dbconn *c,
				  const struct taxonomy *tax,
				  const struct stats_request *r, json_t **out,
				  struct pm_error *err)
{
	struct run x;
	struct item_period *ip = NULL;
	size_t n = 0, alloc = 0, rows;
	int64_t dmin = INT64_MAX, dmax = INT64_MIN, total = 0, now;
	int64_t n_open = 0, n_done = 0, n_overdue = 0;
	int64_t *opened = NULL, *done_in = NULL;
	char today[16];
	sqlite3_stmt *s = NULL;
	json_t *res = NULL, *items = json_array(), *periods;
	enum pm_status st;
	int rc;

	*out = NULL;
	if ((st = run_open(&x, tax, r, err)) != PM_OK)
		goto out;
	now = (int64_t)time(NULL);
	day_text(civil_floor_div(now + stats_zone_offset(x.zone, now), 86400),
		 today, sizeof(today));
	if (!(s = dbconn_stmt(c, sql_items))) {
		st = PM_DB;
		goto out;
	}
	if (r->owner)
		sqlite3_bind_text(s, 1, r->owner, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *due = (const char *)sqlite3_column_text(s, A_DUE);
		int done = sqlite3_column_int(s, A_DONE);
		int overdue = !done && due && strcmp(due, today) < 0;
		int64_t ord;
		int want;

		if (row_period(&x, s, A_STARTED, A_STARTED_E, A_SOURCE,
			       &ord) != 1)
			continue;
		n_done += done;
		n_open += !done;
		n_overdue += overdue;
		XGROW(ip, alloc, n + 1);
		ip[n].ord = ord;
		ip[n++].done = done;
		if (ord != INT64_MIN) {
			dmin = ord < dmin ? ord : dmin;
			dmax = ord > dmax ? ord : dmax;
		}
		want = r->overdue ? overdue
		       : r->status == STATS_ITEMS_OPEN ? !done
		       : r->status == STATS_ITEMS_DONE ? done
						       : 1;
		if (!want || total++ < r->offset ||
		    json_array_size(items) >= (size_t)r->limit)
			continue;
		json_array_append_new(
			items,
			json_pack("{s:s,s:s,s:s?,s:s,s:s?,s:s?,s:b,s:b,s:i}",
				  "slug",
				  (const char *)sqlite3_column_text(s, A_SLUG),
				  "title",
				  (const char *)sqlite3_column_text(s, A_TITLE),
				  "started_at",
				  (const char *)sqlite3_column_text(s,
								    A_STARTED),
				  "text",
				  (const char *)sqlite3_column_text(s, A_TEXT),
				  "owner",
				  (const char *)sqlite3_column_text(s,
								    A_OWNER),
				  "due", due, "done", done, "overdue", overdue,
				  "line", sqlite3_column_int(s, A_LINE)));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		st = PM_DB;
		goto out;
	}
	if ((st = run_span(&x, dmin, dmax, err)) != PM_OK)
		goto out;
	rows = x.n + 1;
	opened = xcalloc(rows, sizeof(*opened));
	done_in = xcalloc(rows, sizeof(*done_in));
	for (size_t i = 0; i < n; i++) {
		size_t row = ip[i].ord == INT64_MIN
				     ? x.n
				     : (size_t)(ip[i].ord - x.lo);

		opened[row]++;
		done_in[row] += ip[i].done;
	}
	res = result_head(&x);
	json_object_del(res, "mode");
	json_object_set_new(res, "status",
			    json_string(r->overdue ? "overdue"
						   : item_status_names
							     [r->status]));
	json_object_set_new(res, "owner",
			    r->owner ? json_string(r->owner) : json_null());
	json_object_set_new(res, "today", json_string(today));
	json_object_set_new(res, "total", json_integer(total));
	json_object_set_new(res, "limit", json_integer(r->limit));
	json_object_set_new(res, "offset", json_integer(r->offset));
	json_object_set_new(res, "counts",
			    json_pack("{s:I,s:I,s:I,s:I}", "all",
				      (json_int_t)(n_open + n_done), "open",
				      (json_int_t)n_open, "done",
				      (json_int_t)n_done, "overdue",
				      (json_int_t)n_overdue));
	periods = json_array();
	for (size_t row = 0; row < rows; row++) {
		json_t *j;

		if (row == x.n && !opened[row])
			break;
		j = row_head(&x, row == x.n ? INT64_MIN : x.lo + (int64_t)row);
		json_object_set_new(j, "opened", json_integer(opened[row]));
		json_object_set_new(j, "done", json_integer(done_in[row]));
		json_object_set_new(j, "still_open",
				    json_integer(opened[row] - done_in[row]));
		json_array_append_new(periods, j);
	}
	json_object_set_new(res, "periods", periods);
	json_object_set_new(res, "items", items);
	items = NULL;
	*out = res;
	res = NULL;
out:
	json_decref(items);
	json_decref(res);
	free(opened);
	free(done_in);
	free(ip);
	run_close(&x);
	return st;
}

/* ================================================================
 * Output: every format is drawn from the JSON result through a grid of
 * text cells, so the API, the CLI and the formats cannot disagree.
 */

struct grid {
	size_t cols;
	char **cells; /* row-major */
	size_t n, alloc;
	unsigned char *right; /* per column: right-aligned (numbers) */
};

static void grid_init(struct grid *g, size_t cols)
{
	memset(g, 0, sizeof(*g));
	g->cols = cols ? cols : 1;
	g->right = xcalloc(g->cols, 1);
}

static void grid_release(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->right);
	memset(g, 0, sizeof(*g));
}

static void grid_add(struct grid *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void grid_add(struct grid *g, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	XGROW(g->cells, g->alloc, g->n + 1);
	g->cells[g->n++] = buf_detach(&b, NULL);
}

static size_t grid_rows(const struct grid *g)
{
	return g->n / g->cols;
}

static int is_number(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	(void)strtod(s, &end);
	return !*end;
}

static void csv_cell(struct buf *out, const char *s)
{
	/* A leading = + - @ makes spreadsheets run the cell as a formula:
	 * cause ids come from anybody's front matter. */
	int guard = strchr("=+-@\t\r", s[0]) && s[0] && !is_number(s);
	int quote = guard || strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		buf_addch(out, '"');
	if (guard)
		buf_addch(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_addch(out, '"');
		buf_addch(out, *p);
	}
	if (quote)
		buf_addch(out, '"');
}

static void render_csv(struct buf *out, const struct grid *g)
{
	for (size_t r = 0; r < grid_rows(g); r++) {
		for (size_t c = 0; c < g->cols; c++) {
			if (c)
				buf_addch(out, ',');
			csv_cell(out, g->cells[r * g->cols + c]);
		}
		buf_addstr(out, "\r\n");
	}
}

static void render_md(struct buf *out, const struct grid *g)
{
	for (size_t r = 0; r < grid_rows(g); r++) {
		buf_addch(out, '|');
		for (size_t c = 0; c < g->cols; c++) {
			buf_addch(out, ' ');
			for (const char *p = g->cells[r * g->cols + c]; *p;
			     p++) {
				if (*p == '|' || *p == '\\')
					buf_addch(out, '\\');
				buf_addch(out, *p == '\n' || *p == '\r' ? ' '
									: *p);
			}
			buf_addstr(out, " |");
		}
		buf_addch(out, '\n');
		if (r)
			continue;
		buf_addch(out, '|');
		for (size_t c = 0; c < g->cols; c++)
			buf_addstr(out, g->right[c] ? " ---: |" : " --- |");
		buf_addch(out, '\n');
	}
}

/* Columns a string takes in a terminal (East Asian wide = 2). */
static size_t text_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t w = 0;

	while (*p) {
		n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0) {
			p++;
			w++;
			continue;
		}
		w += utf8proc_charwidth(cp) > 0 ? (size_t)utf8proc_charwidth(cp)
						: 0;
		p += n;
	}
	return w;
}

static void render_text(struct buf *out, const struct grid *g)
{
	size_t *width = xcalloc(g->cols, sizeof(*width));

	for (size_t i = 0; i < g->n; i++) {
		size_t w = text_width(g->cells[i]);

		if (w > width[i % g->cols])
			width[i % g->cols] = w;
	}
	for (size_t r = 0; r < grid_rows(g); r++) {
		size_t len0 = out->len;

		for (size_t c = 0; c < g->cols; c++) {
			const char *cell = g->cells[r * g->cols + c];
			size_t pad = width[c] - text_width(cell);

			if (c)
				buf_addstr(out, "  ");
			if (g->right[c])
				for (size_t k = 0; k < pad; k++)
					buf_addch(out, ' ');
			buf_addstr(out, cell);
			if (!g->right[c] && c + 1 < g->cols)
				for (size_t k = 0; k < pad; k++)
					buf_addch(out, ' ');
		}
		while (out->len > len0 && out->ptr[out->len - 1] == ' ')
			buf_setlen(out, out->len - 1);
		buf_addch(out, '\n');
		if (r)
			continue;
		for (size_t c = 0; c < g->cols; c++) {
			if (c)
				buf_addstr(out, "  ");
			for (size_t k = 0; k < width[c]; k++)
				buf_addch(out, '-');
		}
		buf_addch(out, '\n');
	}
	free(width);
}

static void render_grid(struct buf *out, const struct grid *g,
			enum stats_format f)
{
	if (f == STATS_CSV)
		render_csv(out, g);
	else if (f == STATS_MD)
		render_md(out, g);
	else
		render_text(out, g);
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static long long jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *label_of(const json_t *o, int ja)
{
	return jstr(o, ja ? "label_ja" : "label");
}

static void causes_grid(struct grid *g, const json_t *res,
			enum stats_format f, int ja)
{
	const json_t *causes = json_object_get(res, "causes");
	const json_t *rows = json_object_get(res, "rows");
	const json_t *cz, *row;
	size_t i, k, shown_n = 0, lead = f == STATS_CSV ? 4 : 2;

	/* Tables leave out causes that never occur; CSV keeps every column
	 * so that successive exports line up. */
	json_array_foreach(causes, i, cz)
		shown_n += f == STATS_CSV || jint(cz, "total") > 0;
	grid_init(g, lead + shown_n);
	for (k = 1; k < g->cols; k++)
		g->right[k] = k >= lead - 1;
	if (f == STATS_CSV) {
		grid_add(g, "period");
		grid_add(g, "label");
		grid_add(g, "label_ja");
		grid_add(g, "total");
	} else {
		grid_add(g, "%s", ja ? "期間" : "Period");
		grid_add(g, "%s", ja ? "合計" : "Total");
	}
	json_array_foreach(causes, i, cz)
		if (f == STATS_CSV || jint(cz, "total") > 0)
			grid_add(g, "%s",
				 f == STATS_CSV ? jstr(cz, "id")
						: label_of(cz, ja));
	json_array_foreach(rows, i, row) {
		const json_t *by = json_object_get(row, "by_cause");

		if (f == STATS_CSV) {
			grid_add(g, "%s", jstr(row, "period"));
			grid_add(g, "%s", jstr(row, "label"));
			grid_add(g, "%s", jstr(row, "label_ja"));
		} else {
			grid_add(g, "%s", label_of(row, ja));
		}
		grid_add(g, "%lld", jint(row, "total"));
		json_array_foreach(causes, k, cz)
			if (f == STATS_CSV || jint(cz, "total") > 0)
				grid_add(g, "%lld", jint(by, jstr(cz, "id")));
	}
	if (f == STATS_CSV)
		return;
	grid_add(g, "%s", ja ? "全期間" : "All");
	grid_add(g, "%lld", jint(res, "total"));
	json_array_foreach(causes, k, cz)
		if (jint(cz, "total") > 0)
			grid_add(g, "%lld (%.0f%%)", jint(cz, "total"),
				 100.0 * json_number_value(
						 json_object_get(cz, "share")));
}

/* 45s, 12m, 3h 05m, 2d 04h. */
static void add_duration(struct grid *g, const json_t *v)
{
	long long s;

	if (!json_is_integer(v)) {
		grid_add(g, "-");
		return;
	}
	s = (long long)json_integer_value(v);
	if (s < 60)
		grid_add(g, "%llds", s);
	else if (s < 3600)
		grid_add(g, "%lldm", s / 60);
	else if (s < 86400)
		grid_add(g, "%lldh %02lldm", s / 3600, s / 60 % 60);
	else
		grid_add(g, "%lldd %02lldh", s / 86400, s / 3600 % 24);
}

static void durations_row(struct grid *g, const json_t *row,
			  enum stats_format f, int ja)
{
	if (f == STATS_CSV) {
		grid_add(g, "%s", jstr(row, "period"));
		grid_add(g, "%s", jstr(row, "label"));
		grid_add(g, "%s", jstr(row, "label_ja"));
	} else {
		grid_add(g, "%s", label_of(row, ja));
	}
	grid_add(g, "%lld", jint(row, "incidents"));
	for (int m = 0; m < 3; m++) {
		const json_t *mj = json_object_get(row, metric_names[m]);

		grid_add(g, "%lld", jint(mj, "count"));
		for (int q = 0; q < 2; q++) {
			const json_t *v =
				json_object_get(mj, q ? "p90" : "median");

			if (f != STATS_CSV)
				add_duration(g, v);
			else if (json_is_integer(v))
				grid_add(g, "%lld",
					 (long long)json_integer_value(v));
			else
				grid_add(g, "%s", "");
		}
	}
}

static void durations_grid(struct grid *g, const json_t *res,
			   enum stats_format f, int ja)
{
	static const char *const heads[3] = { "TTD", "TTM", "TTR" };
	const json_t *row;
	size_t i, lead = f == STATS_CSV ? 4 : 2;

	grid_init(g, lead + 9);
	for (i = lead - 1; i < g->cols; i++)
		g->right[i] = 1;
	if (f == STATS_CSV) {
		grid_add(g, "period");
		grid_add(g, "label");
		grid_add(g, "label_ja");
		grid_add(g, "incidents");
	} else {
		grid_add(g, "%s", ja ? "期間" : "Period");
		grid_add(g, "%s", ja ? "件数" : "Incidents");
	}
	for (int m = 0; m < 3; m++) {
		if (f == STATS_CSV) {
			grid_add(g, "%s_count", metric_names[m]);
			grid_add(g, "%s_median_seconds", metric_names[m]);
			grid_add(g, "%s_p90_seconds", metric_names[m]);
		} else {
			grid_add(g, "%s n", heads[m]);
			grid_add(g, "%s %s", heads[m],
				 ja ? "中央値" : "median");
			grid_add(g, "%s p90", heads[m]);
		}
	}
	json_array_foreach(json_object_get(res, "rows"), i, row)
		durations_row(g, row, f, ja);
	if (f != STATS_CSV)
		durations_row(g, json_object_get(res, "all"), f, ja);
}

static void periods_grid(struct grid *g, const json_t *res, int ja)
{
	const json_t *row;
	size_t i;

	grid_init(g, 4);
	g->right[1] = g->right[2] = g->right[3] = 1;
	grid_add(g, "%s", ja ? "期間" : "Period");
	grid_add(g, "%s", ja ? "起票" : "Opened");
	grid_add(g, "%s", ja ? "完了" : "Done");
	grid_add(g, "%s", ja ? "未完了" : "Still open");
	json_array_foreach(json_object_get(res, "periods"), i, row) {
		grid_add(g, "%s", label_of(row, ja));
		grid_add(g, "%lld", jint(row, "opened"));
		grid_add(g, "%lld", jint(row, "done"));
		grid_add(g, "%lld", jint(row, "still_open"));
	}
}

static void items_grid(struct grid *g, const json_t *res,
		       enum stats_format f, int ja)
{
	const json_t *it;
	size_t i;

	if (f == STATS_CSV) {
		grid_init(g, 9);
		grid_add(g, "slug");
		grid_add(g, "title");
		grid_add(g, "started_at");
		grid_add(g, "done");
		grid_add(g, "overdue");
		grid_add(g, "owner");
		grid_add(g, "due");
		grid_add(g, "text");
		grid_add(g, "line");
		json_array_foreach(json_object_get(res, "items"), i, it) {
			grid_add(g, "%s", jstr(it, "slug"));
			grid_add(g, "%s", jstr(it, "title"));
			grid_add(g, "%s", jstr(it, "started_at"));
			grid_add(g, "%d", json_is_true(json_object_get(
						  it, "done")));
			grid_add(g, "%d", json_is_true(json_object_get(
						  it, "overdue")));
			grid_add(g, "%s", jstr(it, "owner"));
			grid_add(g, "%s", jstr(it, "due"));
			grid_add(g, "%s", jstr(it, "text"));
			grid_add(g, "%lld", jint(it, "line"));
		}
		return;
	}
	grid_init(g, 5);
	grid_add(g, "%s", ja ? "期限" : "Due");
	grid_add(g, "%s", ja ? "担当" : "Owner");
	grid_add(g, "%s", ja ? "状態" : "State");
	grid_add(g, "%s", ja ? "項目" : "Item");
	grid_add(g, "%s", ja ? "ポストモーテム" : "Postmortem");
	json_array_foreach(json_object_get(res, "items"), i, it) {
		int done = json_is_true(json_object_get(it, "done"));
		int late = json_is_true(json_object_get(it, "overdue"));

		grid_add(g, "%s", *jstr(it, "due") ? jstr(it, "due") : "-");
		grid_add(g, "%s%s", *jstr(it, "owner") ? "@" : "",
			 *jstr(it, "owner") ? jstr(it, "owner") : "-");
		grid_add(g, "%s",
			 done ? (ja ? "完了" : "done")
			      : late ? (ja ? "期限切れ" : "overdue")
				     : (ja ? "未完了" : "open"));
		grid_add(g, "%s", jstr(it, "text"));
		grid_add(g, "%s", jstr(it, "slug"));
	}
}

void stats_render(struct buf *out, const json_t *result, enum stats_kind kind,
		  enum stats_format format, int ja)
{
	struct grid g;
	char *s;

	if (format == STATS_JSON) {
		s = json_dumps(result,
			       JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		if (s)
			buf_addf(out, "%s\n", s);
		free(s);
		return;
	}
	if (format == STATS_TABLE) {
		static const char *const what[] = {
			"Incidents by cause", "Time to detect, mitigate "
					      "and resolve",
			"Action items by period of the incident"
		};

		buf_addf(out, "%s per %s", what[kind],
			 jstr(result, "period"));
		if (kind == STATS_CAUSES)
			buf_addf(out, " (mode %s)", jstr(result, "mode"));
		buf_addf(out, "; time zone %s, fiscal year from month %lld\n\n",
			 jstr(result, "time_zone"),
			 jint(result, "fiscal_start_month"));
	}
	if (kind == STATS_CAUSES)
		causes_grid(&g, result, format, ja);
	else if (kind == STATS_DURATIONS)
		durations_grid(&g, result, format, ja);
	else if (format == STATS_CSV)
		items_grid(&g, result, format, ja);
	else
		periods_grid(&g, result, ja);
	render_grid(out, &g, format);
	grid_release(&g);
	if (format == STATS_TABLE && kind != STATS_ACTIONS &&
	    jint(result, "undated") &&
	    (json_is_string(json_object_get(result, "from")) ||
	     json_is_string(json_object_get(result, "to")) ||
	     kind == STATS_DURATIONS))
		buf_addf(out, "\n%lld undated incident%s not shown%s.\n",
			 jint(result, "undated"),
			 jint(result, "undated") == 1 ? "" : "s",
			 kind == STATS_DURATIONS
				 ? " (no start to measure from)"
				 : " (no range holds them; drop --from/--to "
				   "to see them as \"Unknown\")");
	if (kind != STATS_ACTIONS || format == STATS_CSV)
		return;
	buf_addf(out, "\n");
	if (format == STATS_TABLE)
		buf_addf(out, "Action items (%s%s%s): %lld\n\n",
			 jstr(result, "status"),
			 json_is_string(json_object_get(result, "owner"))
				 ? ", owner "
				 : "",
			 jstr(result, "owner"), jint(result, "total"));
	items_grid(&g, result, format, ja);
	render_grid(out, &g, format);
	grid_release(&g);
}
