/*
 * Points in time: see include/pmkb/doc/pmtime.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/text.h"
#include "pmkb/doc/pmtime.h"

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Parses a UTC offset: Z, +HH:MM, +HHMM or +HH. */
static int parse_offset(const char **pp, int *off)
{
	const char *p = *pp;
	int sign, h, m = 0;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*pp = p + 1;
		return 1;
	}
	if (*p != '+' && *p != '-')
		return 0;
	sign = *p++ == '-' ? -1 : 1;
	if (text_digits(&p, 2, &h))
		return 0;
	if (*p == ':') {
		p++;
		if (text_digits(&p, 2, &m))
			return 0;
	} else if (*p >= '0' && *p <= '9') {
		if (text_digits(&p, 2, &m))
			return 0;
	}
	if (h > 23 || m > 59)
		return 0;
	*off = sign * (h * 60 + m);
	*pp = p;
	return 1;
}

/*
 * Writes t->text. The fields are range-checked by the callers, but the
 * compiler cannot know that, so the text goes through a buffer it can see
 * is large enough.
 */
static void set_text(struct pm_time *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_text(struct pm_time *t, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(t->text, sizeof(t->text), "%.31s", tmp);
}

/* Reads 1 to max ASCII digits at *p into *out and advances *p. */
static int some_digits(const char **p, int max, int *out)
{
	int v = 0, n = 0;

	while (n < max && (*p)[n] >= '0' && (*p)[n] <= '9')
		v = v * 10 + ((*p)[n++] - '0');
	if (!n)
		return 0;
	*p += n;
	*out = v;
	return 1;
}

/* Skips the UTF-8 text lit at *p; 1 if it was there. */
static int skip_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n))
		return 0;
	*p += n;
	return 1;
}

/*
 * Skips an opening bracket at *p, "(" or "（", and returns the closing
 * one that goes with it; NULL (nothing skipped) when there is none.
 */
static const char *open_bracket(const char **p)
{
	if (skip_lit(p, "("))
		return ")";
	if (skip_lit(p, "\xef\xbc\x88")) /* （ */
		return "\xef\xbc\x89";
	return NULL;
}

/*
 * After a Japanese date: an optional weekday in brackets, "(水)" or
 * "（水）", which says nothing the date does not.
 */
static void skip_weekday(const char **pp)
{
	const char *p = *pp;
	const char *close;

	while (*p == ' ')
		p++;
	if (!(close = open_bracket(&p)))
		return;
	for (int i = 0; i < 16 && *p; i++, p++)
		if (skip_lit(&p, close)) {
			*pp = p;
			return;
		}
}

/*
 * A zone name after a time, "JST", also in brackets, "(JST)" or "（JST）",
 * and after 頃 ("about": "00:00 頃 (JST)"). Only names with one meaning
 * in incident reports; a zone that changes with the season (PT, ET) has
 * none.
 */
static int zone_name(const char **pp, int *off)
{
	static const struct {
		const char *name;
		int off;
	} names[] = {
		{ "UTC", 0 },	    { "GMT", 0 },	{ "JST", 540 },
		{ "KST", 540 },	    { "CET", 60 },	{ "CEST", 120 },
		{ "PST", -480 },    { "PDT", -420 },	{ "MST", -420 },
		{ "MDT", -360 },    { "EST", -300 },	{ "EDT", -240 },
		{ "AEST", 600 },    { "AEDT", 660 },
	};
	const char *p = *pp, *close;

	while (*p == ' ')
		p++;
	/* 頃, ごろ */
	if (skip_lit(&p, "\xe9\xa0\x83") ||
	    skip_lit(&p, "\xe3\x81\x94\xe3\x82\x8d"))
		while (*p == ' ')
			p++;
	close = open_bracket(&p);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		const char *e = p + n;

		if (strncmp(p, names[i].name, n) || isalnum((unsigned char)*e))
			continue;
		if (close && !skip_lit(&e, close))
			continue;
		*off = names[i].off;
		*pp = e;
		return 1;
	}
	return 0;
}

/* ASCII letters at p: how many. */
static size_t letters(const char *p)
{
	size_t n = 0;

	while (isalpha((unsigned char)p[n]))
		n++;
	return n;
}

/* Whether p[0..n) is name, or its first three letters (and Sept). */
static int names(const char *p, size_t n, const char *name)
{
	size_t len = strlen(name);

	return (n == len || n == 3 || (n == 4 && !strncmp(name, "sept", 4))) &&
	       n <= len && !strncasecmp(p, name, n);
}

/* The month named at *pp ("Jan", "January", "Sept."): 1 to 12, or 0. */
static int month_at(const char **pp)
{
	static const char *const months[12] = {
		"january", "february", "march",	    "april",
		"may",	   "june",     "july",	    "august",
		"september", "october", "november", "december",
	};
	size_t n = letters(*pp);

	for (int i = 0; i < 12; i++)
		if (n >= 3 && names(*pp, n, months[i])) {
			*pp += n;
			if (**pp == '.')
				(*pp)++;
			return i + 1;
		}
	return 0;
}

static void skip_blanks(const char **pp)
{
	while (**pp == ' ' || **pp == '\t')
		(*pp)++;
}

/* A weekday's name ("Wed", "Wednesday,") at *pp, skipped with blanks. */
static void skip_day_name(const char **pp)
{
	static const char *const days[7] = { "monday", "tuesday",
					     "wednesday", "thursday",
					     "friday", "saturday",
					     "sunday" };
	size_t n = letters(*pp);

	for (int i = 0; i < 7; i++)
		if (names(*pp, n, days[i])) {
			*pp += n;
			if (**pp == '.')
				(*pp)++;
			if (**pp == ',')
				(*pp)++;
			skip_blanks(pp);
			return;
		}
}

/* A day of the month at *pp, "2" or "2nd": 1 read (advanced), else 0. */
static int day_at(const char **pp, int *d)
{
	static const char *const suffix[] = { "st", "nd", "rd", "th" };

	if (!some_digits(pp, 2, d))
		return 0;
	for (int i = 0; i < 4; i++)
		if (!strncasecmp(*pp, suffix[i], 2) &&
		    !isalpha((unsigned char)(*pp)[2]))
			*pp += 2;
	return 1;
}

/*
 * An English date at *pp: "January 2, 2024", "Jan 2 2024", "2 Jan 2024",
 * "2nd January, 2024", "Wednesday, 4 December 2019", and git's "Wed Nov
 * 15 22:30:21 2017", whose time of day comes before the year (then
 * *timed is set, with *h, *mi and *sec). 0 and *pp advanced, or -1.
 */
static int english_date(const char **pp, int *y, int *mo, int *d, int *h,
			int *mi, int *sec, int *timed)
{
	const char *p = *pp, *r;

	skip_day_name(&p);
	if ((*mo = month_at(&p))) {
		skip_blanks(&p);
		if (!day_at(&p, d))
			return -1;
		if (*p == ',')
			p++;
		skip_blanks(&p);
		r = p;
		if (some_digits(&r, 2, h) && *r == ':') {
			r++;
			if (text_digits(&r, 2, mi))
				return -1;
			if (*r == ':' && (r++, text_digits(&r, 2, sec)))
				return -1;
			*timed = 1;
			p = r;
			skip_blanks(&p);
		}
	} else {
		if (!day_at(&p, d) || (*p != ' ' && *p != '\t'))
			return -1;
		skip_blanks(&p);
		if (!(*mo = month_at(&p)))
			return -1;
		if (*p == ',')
			p++;
		skip_blanks(&p);
	}
	if (text_digits(&p, 4, y) || isdigit((unsigned char)*p))
		return -1;
	*pp = p;
	return 0;
}

/* "AM" or "PM" (also "a.m.") at *pp: 0 or 1, advanced; -1 when neither. */
static int meridiem(const char **pp)
{
	static const char *const forms[] = { "am", "a.m.", "pm", "p.m." };

	for (int i = 3; i >= 0; i--) {
		size_t n = strlen(forms[i]);

		if (!strncasecmp(*pp, forms[i], n) &&
		    !isalnum((unsigned char)(*pp)[n])) {
			*pp += n;
			return i >= 2;
		}
	}
	return -1;
}

/* Whether a clock time, "9:05" or "19:47", starts at p. */
static int clock_at(const char *p)
{
	int v;

	return some_digits(&p, 2, &v) && *p == ':' &&
	       isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]);
}

/*
 * The zone written after the end of a range that starts at p, "〜 19:47
 * (JST)", "- 2026-03-23 18:00 JST", "-12:30 (JST)": it is the start's
 * too. Sets *off when there is one.
 */
static int range_zone(const char *p, int *off)
{
	static const char *const seps[] = {
		"-", "~", "\xe3\x80\x9c" /* 〜 */, "\xef\xbd\x9e" /* ～ */,
		"\xe2\x80\x93" /* – */, "\xe2\x80\x94" /* — */, "to ",
	};
	size_t i;
	int v;

	skip_blanks(&p);
	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++)
		if (skip_lit(&p, seps[i]))
			break;
	if (i == sizeof(seps) / sizeof(seps[0]))
		return 0;
	skip_blanks(&p);
	/* The end's own date, if it has one. */
	if (!text_digits(&p, 4, &v)) {
		while (*p && *p != ' ' && *p != 'T')
			p++;
		if (*p == 'T')
			p++;
		skip_blanks(&p);
	}
	if (!clock_at(p))
		return 0;
	while (isdigit((unsigned char)*p) || *p == ':')
		p++;
	return zone_name(&p, off);
}

int pm_time_scan(struct pm_time *t, const char *s, const char **end)
{
	const char *p = skip_space(s), *q;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, date_only = 1;
	int n, aoff, ja = 0, timed = 0, english = 0, ja_pm = -1, iso = 0;
	int zoned = 0;
	char sep;

	memset(t, 0, sizeof(*t));
	if (text_digits(&p, 4, &y)) {
		if (english_date(&p, &y, &mo, &d, &h, &mi, &sec, &timed))
			return -1;
		english = 1;
	} else if (skip_lit(&p, "\xe5\xb9\xb4")) { /* 年 */
		ja = 1;
		if (!some_digits(&p, 2, &mo) ||
		    !skip_lit(&p, "\xe6\x9c\x88") || /* 月 */
		    !some_digits(&p, 2, &d) ||
		    !skip_lit(&p, "\xe6\x97\xa5")) /* 日 */
			return -1;
		skip_weekday(&p);
	} else {
		sep = *p;
		if ((sep != '-' && sep != '/') || !(p++, some_digits(&p, 2, &mo)) ||
		    *p++ != sep || !some_digits(&p, 2, &d))
			return -1;
	}
	/*
	 * A time: T or blanks (in English also ", " and "at"), then
	 * H:MM[:SS] or (Japanese) H時M分.
	 */
	q = p;
	if (english) {
		if (*q == ',')
			q++;
		skip_blanks(&q);
		if (!strncasecmp(q, "at ", 3))
			q += 3;
		skip_blanks(&q);
	} else if (*q == 'T' || *q == 't') {
		q++;
		iso = 1;
	} else {
		skip_blanks(&q);
		/* 午前 (a.m.) and 午後 (p.m.) before a Japanese time */
		if (ja && skip_lit(&q, "\xe5\x8d\x88\xe5\x89\x8d"))
			ja_pm = 0;
		else if (ja && skip_lit(&q, "\xe5\x8d\x88\xe5\xbe\x8c"))
			ja_pm = 1;
	}
	if (timed) {
		q = p; /* git's order: the time was before the year */
	} else if (q != p && some_digits(&q, 2, &h)) {
		timed = 1;
		if (*q == ':') {
			q++;
			if (text_digits(&q, 2, &mi))
				return -1;
			if (*q == ':') {
				q++;
				iso = 1; /* seconds: an offset may follow */
				if (text_digits(&q, 2, &sec))
					return -1;
				if (*q == '.' || *q == ',') {
					q++;
					for (n = 0; *q >= '0' && *q <= '9'; n++)
						q++;
					if (!n)
						return -1;
				}
			}
		} else if (ja && skip_lit(&q, "\xe6\x99\x82")) { /* 時 */
			if (some_digits(&q, 2, &mi) &&
			    !skip_lit(&q, "\xe5\x88\x86")) /* 分 */
				return -1;
		} else {
			/* Not a time of day: the date stands alone. */
			h = 0;
			timed = 0;
		}
	}
	if (timed) {
		date_only = 0;
		p = q;
		q = p;
		skip_blanks(&q);
		if (ja_pm >= 0)
			n = ja_pm;
		else
			n = meridiem(&q);
		if (n >= 0) {
			/* 12 a.m. is midnight; 午前0時 is too */
			if ((h < 1 && ja_pm < 0) || h > 12)
				return -1;
			h = h % 12 + 12 * n;
			p = q;
		}
		/*
		 * "12:20-12:30" is a range, not a time at offset -12:30, when
		 * the time has neither T nor seconds (RFC 3339's have both).
		 */
		if (iso || *p != '-' || !clock_at(p + 1)) {
			/*
			 * YAML 1.1 timestamps allow a space before the zone;
			 * " - 2026-03-23" is a range's dash, not one.
			 */
			q = p + 1;
			if (*p == ' ' &&
			    (p[1] == 'Z' || p[1] == '+' || p[1] == '-') &&
			    parse_offset(&q, &off))
				p = q, zoned = 1;
			else if ((*p == 'Z' || *p == 'z' || *p == '+' ||
				  *p == '-') &&
				 !(zoned = parse_offset(&p, &off)))
				return -1;
		}
		if (!off && zone_name(&p, &off))
			zoned = 1;
		else if (!off && range_zone(p, &off))
			zoned = 1;
	}
	if (y < 1000 || mo < 1 || mo > 12 || d < 1 ||
	    d > civil_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;

	t->set = 1;
	t->date_only = date_only;
	t->zoned = zoned;
	t->offset_min = off;
	t->epoch = civil_to_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
		   sec - (int64_t)off * 60;
	aoff = off < 0 ? -off : off;
	if (date_only)
		set_text(t, "%04d-%02d-%02d", y, mo, d);
	else
		set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo,
			 d, h, mi, sec, off < 0 ? '-' : '+', aoff / 60,
			 aoff % 60);
	if (end)
		*end = p;
	return 0;
}

int pm_time_parse(struct pm_time *t, const char *s)
{
	const char *end;

	if (pm_time_scan(t, s, &end))
		return -1;
	if (*skip_space(end)) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	return 0;
}

void pm_time_from_epoch(struct pm_time *t, int64_t epoch)
{
	int64_t days = civil_floor_div(epoch, 86400);
	int64_t rem = epoch - days * 86400, y;
	int m, d;

	memset(t, 0, sizeof(*t));
	civil_from_days(days, &y, &m, &d);
	t->set = 1;
	t->epoch = epoch;
	set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", (int)y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

void pm_time_at_offset(struct pm_time *t, int off)
{
	int64_t local = t->epoch + (int64_t)t->offset_min * 60, y;
	int64_t secs = local - civil_floor_div(local, 86400) * 86400;
	int mo, d, aoff = off < 0 ? -off : off;

	if (!t->set || t->date_only)
		return;
	civil_from_days(civil_floor_div(local, 86400), &y, &mo, &d);
	t->epoch = local - (int64_t)off * 60;
	t->offset_min = off;
	t->zoned = 1;
	set_text(t, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (int)y, mo, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 off < 0 ? '-' : '+', aoff / 60, aoff % 60);
}

int64_t pm_time_local_day(const struct pm_time *t)
{
	return civil_floor_div(t->epoch + (int64_t)t->offset_min * 60, 86400);
}

int pm_time_before(const struct pm_time *a, const struct pm_time *b)
{
	if (a->date_only || b->date_only)
		return pm_time_local_day(a) < pm_time_local_day(b);
	return a->epoch < b->epoch;
}

int pm_time_zone_in(const char *s, size_t len, int *off)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		const char *p = s + i;

		if (i && isalnum((unsigned char)s[i - 1]))
			continue;
		if (*p >= 'A' && *p <= 'Z' && zone_name(&p, off) &&
		    p <= s + len)
			return 1;
	}
	return 0;
}

/* Longer than a year is no incident's: a typo, or not a duration. */
#define DURATION_MAX ((int64_t)366 * 86400)

/* The seconds in a unit as written after a number, and its length. */
static int64_t duration_unit(const char *p, size_t *len)
{
	static const struct {
		const char *name;
		int64_t seconds;
	} units[] = {
		{ "seconds", 1 },   { "second", 1 },	 { "secs", 1 },
		{ "sec", 1 },	    { "s", 1 },		 { "minutes", 60 },
		{ "minute", 60 },   { "mins", 60 },	 { "min", 60 },
		{ "m", 60 },	    { "hours", 3600 },	 { "hour", 3600 },
		{ "hrs", 3600 },    { "hr", 3600 },	 { "h", 3600 },
		{ "days", 86400 },  { "day", 86400 },	 { "d", 86400 },
		{ "\xe7\xa7\x92", 1 },		      /* 秒 */
		{ "\xe5\x88\x86\xe9\x96\x93", 60 },     /* 分間 */
		{ "\xe5\x88\x86", 60 },		      /* 分 */
		{ "\xe6\x99\x82\xe9\x96\x93", 3600 },   /* 時間 */
		{ "\xe6\x97\xa5\xe9\x96\x93", 86400 },  /* 日間 */
		{ "\xe6\x97\xa5", 86400 },		      /* 日 */
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (strncasecmp(p, units[i].name, n) ||
		    isalpha((unsigned char)p[n]))
			continue;
		*len = n;
		return units[i].seconds;
	}
	return 0;
}

int pm_duration_parse(const char *s, int64_t *seconds)
{
	const char *p = skip_space(s);
	int64_t total = 0, unit;
	int pairs = 0;
	size_t n;

	if (!strncasecmp(p, "about ", 6))
		p += 6;
	else if (*p == '~')
		p++;
	else if (!strncmp(p, "\xe7\xb4\x84", 3)) /* 約 */
		p += 3;
	for (;;) {
		const char *q;
		long long v = 0;

		p = skip_space(p);
		if (!isdigit((unsigned char)*p))
			break;
		for (q = p; isdigit((unsigned char)*q) && v < 10000000; q++)
			v = v * 10 + (*q - '0');
		if (isdigit((unsigned char)*q))
			return -1;
		q = skip_space(q);
		if (!(unit = duration_unit(q, &n)))
			return -1;
		total += v * unit;
		pairs++;
		p = q + n;
		if (*p == ',')
			p++;
	}
	p = skip_space(p);
	if (!pairs || total > DURATION_MAX ||
	    (*p && *p != '(' && *p != '.' &&
	     strncmp(p, "\xef\xbc\x88", 3))) /* （ */
		return -1;
	*seconds = total;
	return 0;
}
