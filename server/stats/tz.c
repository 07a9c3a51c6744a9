/*
 * Time zones.
 *
 * A zone is its list of transitions (instant → UTC offset from then on),
 * the offset before the first one, and the POSIX TZ rule of the TZif
 * footer for instants after the last one (how zoneinfo describes the
 * future: "EST5EDT,M3.2.0,M11.1.0"). Only offsets matter here: names and
 * the DST flag never decide which day an incident started on.
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
#include "pmkb/base/text.h"
#include "pmkb/base/xalloc.h"

/* TZif files are a few kilobytes; anything this large is not one. */
#define TZIF_MAX_SIZE (1u << 20)
#define ZONE_NAME_MAX 128

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
		return jan1 + r->n - 1 + (civil_is_leap(y) && r->n >= 60);
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
int stats_zone_name_ok(const char *name)
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
	if (!stats_zone_name_ok(name))
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

int stats_date_only(const char *s, int64_t *day)
{
	const char *p = s;
	int y, m, d;

	if (strlen(p) == 10 && !text_digits(&p, 4, &y) && *p++ == '-' &&
	    !text_digits(&p, 2, &m) && *p++ == '-' && !text_digits(&p, 2, &d) &&
	    m >= 1 && m <= 12 && d >= 1 && d <= civil_days_in_month(y, m)) {
		*day = civil_to_days(y, m, d);
		return 0;
	}
	return -1;
}

int stats_start_day(const struct stats_zone *z, const char *started_at,
		    int64_t started_epoch, int64_t *day)
{
	if (!started_at)
		return -1;
	/* A date alone is a calendar day as written, in no zone. */
	if (!stats_date_only(started_at, day))
		return 0;
	*day = civil_floor_div(started_epoch + stats_zone_offset(z, started_epoch),
			 86400);
	return 0;
}
