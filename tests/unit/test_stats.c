/*
 * Statistics: calendar arithmetic, the TZif reader (checked against the C
 * library's localtime_r, which a single-threaded test may use), period
 * bucketing at the edges, range bounds, quantiles, parameters, and counts
 * over a small index written directly.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pmkb/base/civil.h"
#include "pmkb/base/buf.h"
#include "pmkb/doc/postmortem.h"
#include "pmkb/base/jsonout.h"
#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"
#include "pmkb/db/store.h"
#include "pmkb/doc/taxonomy.h"
#include "tap.h"
#include "testdb.h"

static int64_t day_of(int y, int m, int d)
{
	return civil_to_days(y, m, d);
}

/* The period id of an incident that started at text, in zone. */
static const char *bucket(const struct stats_zone *z, const char *text,
			  enum stats_period p, int fiscal)
{
	static char id[48];
	char label[48], ja[48];
	struct pm_time t;
	int64_t day;

	if (pm_time_parse(&t, text))
		return "(bad date)";
	if (stats_start_day(z, t.text, t.epoch, &day))
		return "unknown";
	stats_period_names(p, fiscal, stats_period_of(p, fiscal, day), id,
			   label, ja, sizeof(id));
	return id;
}

static struct stats_zone *zone(const char *name)
{
	struct stats_zone *z = NULL;
	struct pm_error err;

	if (stats_zone_load(&z, name, &err) != PM_OK) {
		printf("# cannot load %s: %s\n", name, err.message);
		return stats_zone_utc();
	}
	return z;
}

static void test_calendar(void)
{
	int64_t y;
	int m, d, bad = 0;

	is_int(day_of(1970, 1, 1), 0, "1970-01-01 is day 0");
	is_int(day_of(1969, 12, 31), -1, "1969-12-31 is day -1");
	is_int(day_of(2000, 3, 1) - day_of(2000, 2, 28), 2,
	       "2000 is a leap year");
	is_int(day_of(2100, 3, 1) - day_of(2100, 2, 28), 1,
	       "2100 is not a leap year");
	is_int(day_of(1900, 3, 1) - day_of(1900, 2, 28), 1,
	       "1900 is not a leap year");
	for (int64_t k = -1000000; k <= 1000000; k += 997) {
		civil_from_days(k, &y, &m, &d);
		bad += day_of((int)y, m, d) != k;
	}
	is_int(bad, 0, "days ↔ civil round trip over ±2700 years");
	civil_from_days(day_of(1628, 8, 10), &y, &m, &d);
	ok(y == 1628 && m == 8 && d == 10, "1628-08-10 round trip");
}

static void test_zone_basics(void)
{
	struct stats_zone *tokyo = zone("Asia/Tokyo"), *utc = zone("UTC");
	struct stats_zone *z = NULL;
	struct pm_error err;

	is_int(stats_zone_offset(tokyo, 1498834799), 9 * 3600,
	       "Tokyo is UTC+9 in 2017");
	is_int(stats_zone_offset(utc, 1498834799), 0, "UTC is UTC");
	is_str(stats_zone_name(tokyo), "Asia/Tokyo", "zone name kept");
	is_int(stats_zone_load(&z, "../../etc/passwd", &err), PM_INVALID,
	       "a path that climbs out is refused");
	ok(z == NULL, "and nothing is returned");
	is_int(stats_zone_load(&z, "/etc/localtime", &err), PM_INVALID,
	       "an absolute path is refused");
	is_int(stats_zone_load(&z, "Nowhere/Atlantis", &err), PM_NOT_FOUND,
	       "an unknown zone is not found");
	ok(strstr(err.message, "Nowhere/Atlantis") != NULL,
	   "the message names the zone");
	is_int(stats_zone_load(&z, "Asia", &err), PM_NOT_FOUND,
	       "a directory is not a zone");
	is_int(stats_zone_parse(&z, "x", (const unsigned char *)"TZif2", 5,
				&err),
	       PM_INVALID, "a truncated header is refused");
	is_int(stats_zone_parse(&z, "x", (const unsigned char *)"hello", 5,
				&err),
	       PM_INVALID, "a non-TZif file is refused");
	stats_zone_free(tokyo);
	stats_zone_free(utc);
}

/* A version 2 TZif with no transitions and footer tz, built here. */
static size_t synth_tzif(unsigned char *out, const char *tz, int32_t off0)
{
	unsigned char *p = out;

	for (int v = 0; v < 2; v++) {
		memcpy(p, "TZif2", 5);
		memset(p + 5, 0, 15);
		memset(p + 20, 0, 24);
		p[39] = 1; /* typecnt */
		p[43] = 4; /* charcnt */
		p += 44;
		p[0] = (unsigned char)((uint32_t)off0 >> 24);
		p[1] = (unsigned char)((uint32_t)off0 >> 16);
		p[2] = (unsigned char)((uint32_t)off0 >> 8);
		p[3] = (unsigned char)off0;
		p[4] = 0;
		p[5] = 0;
		memcpy(p + 6, "STD", 4);
		p += 10;
	}
	p += sprintf((char *)p, "\n%s\n", tz);
	return (size_t)(p - out);
}

static int32_t synth_offset(const char *tz, int64_t t)
{
	unsigned char data[512];
	struct stats_zone *z = NULL;
	struct pm_error err;
	int32_t off;
	size_t n = synth_tzif(data, tz, 0);

	if (stats_zone_parse(&z, "synthetic", data, n, &err) != PM_OK) {
		printf("# %s: %s\n", tz, err.message);
		return INT32_MIN;
	}
	off = stats_zone_offset(z, t);
	stats_zone_free(z);
	return off;
}

static void test_posix_rules(void)
{
	int64_t mar14 = day_of(2100, 3, 14) * 86400;
	int64_t jan = day_of(2101, 1, 15) * 86400;
	int64_t jul = day_of(2101, 7, 15) * 86400;
	unsigned char data[512];
	struct stats_zone *z = NULL;
	struct pm_error err;
	size_t n;

	/* 2100-03-14 is the second Sunday of March; DST starts 02:00 EST. */
	is_int(synth_offset("EST5EDT,M3.2.0,M11.1.0", mar14 + 7 * 3600 - 1),
	       -5 * 3600, "New York rule: 01:59:59 EST before the switch");
	is_int(synth_offset("EST5EDT,M3.2.0,M11.1.0", mar14 + 7 * 3600),
	       -4 * 3600, "New York rule: EDT from 07:00 UTC");
	is_int(synth_offset("EST5EDT", mar14 + 7 * 3600), -4 * 3600,
	       "no rule: the US default");
	is_int(synth_offset("AEST-10AEDT,M10.1.0,M4.1.0/3", jan), 11 * 3600,
	       "Sydney: summer in January");
	is_int(synth_offset("AEST-10AEDT,M10.1.0,M4.1.0/3", jul), 10 * 3600,
	       "Sydney: winter in July");
	is_int(synth_offset("<+0530>-5:30", jul), 5 * 3600 + 1800,
	       "a quoted name and minutes");
	is_int(synth_offset("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", jul),
	       -2 * 3600, "negative rule times (RFC 8536)");
	is_int(synth_offset("XXX3YYY,J60/0,J300/0",
			    day_of(2100, 3, 1) * 86400 + 3 * 3600),
	       -2 * 3600, "J60 is March 1, even in a leap year");
	is_int(synth_offset("XXX3YYY,J60/0,J300/0",
			    day_of(2096, 2, 29) * 86400 + 12 * 3600),
	       -3 * 3600, "J60 skips February 29");
	is_int(synth_offset("XXX3YYY,59/0,300/0",
			    day_of(2096, 2, 29) * 86400 + 12 * 3600),
	       -2 * 3600, "zero-based n counts February 29");
	is_int(synth_offset("JST-9", jul), 9 * 3600, "no DST");
	n = synth_tzif(data, "EST5EDT,M13.1.0,M11.1.0", 0);
	is_int(stats_zone_parse(&z, "bad", data, n, &err), PM_INVALID,
	       "month 13 in a rule is refused");
	n = synth_tzif(data, "", 3600);
	ok(stats_zone_parse(&z, "empty", data, n, &err) == PM_OK &&
		   stats_zone_offset(z, jul) == 3600,
	   "an empty footer keeps the last type");
	stats_zone_free(z);
	{
		int odd = 0;

		for (size_t cut = 0; cut < n; cut += 3) {
			enum pm_status rc;

			z = NULL;
			rc = stats_zone_parse(&z, "cut", data, cut, &err);
			/* Short of the 44-byte header nothing can be read. */
			if ((rc != PM_OK && rc != PM_INVALID) ||
			    (cut < 44 && rc != PM_INVALID))
				odd++;
			if (rc == PM_OK)
				stats_zone_free(z);
		}
		is_int(odd, 0, "truncated files are read or refused as "
			       "invalid, at every length");
	}
}

/*
 * Our offsets against glibc's for real zones over 1890–2200, every few
 * days at a shifting time of day. glibc reads the same TZif files.
 */
static void test_against_libc(void)
{
	static const char *const zones[] = {
		"Asia/Tokyo",	    "America/New_York", "Europe/London",
		"Europe/Dublin",    "Australia/Sydney", "America/Sao_Paulo",
		"Pacific/Apia",	    "Africa/Casablanca", "Asia/Kolkata",
		"Pacific/Chatham",  "Antarctica/Troll", "America/Santiago",
		"Australia/Lord_Howe", "Asia/Tehran",	"Europe/Moscow",
	};
	int64_t start = day_of(1890, 1, 1) * 86400;
	int64_t end = day_of(2200, 1, 1) * 86400;

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct stats_zone *z = NULL;
		struct pm_error err;
		char what[160];
		long bad = 0, checked = 0;
		int64_t first_bad = 0;

		if (stats_zone_load(&z, zones[i], &err) != PM_OK) {
			printf("# skip %s: %s\n", zones[i], err.message);
			continue;
		}
		setenv("TZ", zones[i], 1);
		tzset();
		for (int64_t t = start; t < end; t += 3 * 86400 + 3607) {
			time_t tt = (time_t)t;
			struct tm tm;

			if (!localtime_r(&tt, &tm))
				continue;
			checked++;
			if (tm.tm_gmtoff != stats_zone_offset(z, t)) {
				if (!bad++)
					first_bad = t;
			}
		}
		snprintf(what, sizeof(what),
			 "%s agrees with localtime_r (%ld instants)", zones[i],
			 checked);
		if (!ok(bad == 0, what)) {
			time_t tt = (time_t)first_bad;
			struct tm tm;

			localtime_r(&tt, &tm);
			printf("#   %ld differ; first at %lld: libc %ld, "
			       "ours %d\n",
			       bad, (long long)first_bad, (long)tm.tm_gmtoff,
			       stats_zone_offset(z, first_bad));
		}
		stats_zone_free(z);
	}
	unsetenv("TZ");
	tzset();
}

static void test_buckets(void)
{
	struct stats_zone *tokyo = zone("Asia/Tokyo"), *utc = zone("UTC");
	struct stats_zone *ny = zone("America/New_York");

	/* The edge: the last second of June in Tokyo. */
	is_str(bucket(tokyo, "2017-06-30T23:59:59+09:00", STATS_HALF, 1),
	       "2017-H1", "23:59:59+09:00 on June 30: H1 in Tokyo");
	is_str(bucket(utc, "2017-06-30T23:59:59+09:00", STATS_HALF, 1),
	       "2017-H1", "… and H1 in UTC (14:59:59Z)");
	is_str(bucket(tokyo, "2017-07-01T00:00:00+09:00", STATS_HALF, 1),
	       "2017-H2", "midnight July 1 in Tokyo: H2 in Tokyo");
	is_str(bucket(utc, "2017-07-01T00:00:00+09:00", STATS_HALF, 1),
	       "2017-H1", "… but still June 30 (H1) in UTC");
	is_str(bucket(tokyo, "2017-06-30T15:00:00Z", STATS_HALF, 1),
	       "2017-H2", "15:00Z on June 30 is July 1 in Tokyo");
	is_str(bucket(utc, "2017-06-30T15:00:00Z", STATS_HALF, 1), "2017-H1",
	       "… and June 30 in UTC");
	is_str(bucket(tokyo, "2017-06-30", STATS_HALF, 1), "2017-H1",
	       "a date only is the day as written (Tokyo)");
	is_str(bucket(ny, "2017-07-01", STATS_HALF, 1), "2017-H2",
	       "a date only is the day as written (New York)");
	is_str(bucket(ny, "2017-07-01T01:00:00Z", STATS_HALF, 1), "2017-H1",
	       "01:00Z July 1 is June 30 in New York (EDT)");
	is_str(bucket(tokyo, "2017-06-30T23:59:59+09:00", STATS_QUARTER, 1),
	       "2017-Q2", "quarter");
	is_str(bucket(tokyo, "2017-06-30T23:59:59+09:00", STATS_MONTH, 1),
	       "2017-06", "month");
	is_str(bucket(tokyo, "2017-06-30T23:59:59+09:00", STATS_YEAR, 1),
	       "2017", "year");

	/* Fiscal year from April (Japan): FY2017 = April 2017–March 2018. */
	is_str(bucket(tokyo, "2017-03-31T23:59:59+09:00", STATS_HALF, 4),
	       "FY2016-H2", "March 31 closes FY2016");
	is_str(bucket(tokyo, "2017-04-01T00:00:00+09:00", STATS_HALF, 4),
	       "FY2017-H1", "April 1 opens FY2017 (上期)");
	is_str(bucket(utc, "2017-04-01T00:00:00+09:00", STATS_HALF, 4),
	       "FY2016-H2", "… which is still March 31 in UTC");
	is_str(bucket(tokyo, "2017-09-30", STATS_HALF, 4), "FY2017-H1",
	       "September 30: FY2017-H1");
	is_str(bucket(tokyo, "2017-10-01", STATS_HALF, 4), "FY2017-H2",
	       "October 1: FY2017-H2 (下期)");
	is_str(bucket(tokyo, "2018-03-31", STATS_HALF, 4), "FY2017-H2",
	       "March 31 2018: still FY2017-H2");
	is_str(bucket(tokyo, "2018-01-15", STATS_QUARTER, 4), "FY2017-Q4",
	       "January: fiscal Q4 of the year before");
	is_str(bucket(tokyo, "2018-01-15", STATS_YEAR, 4), "FY2017",
	       "fiscal year named after its first month's year");
	is_str(bucket(tokyo, "2018-01-15", STATS_MONTH, 4), "2018-01",
	       "months ignore the fiscal year");

	/* Leap days. */
	is_str(bucket(utc, "2016-02-29", STATS_MONTH, 1), "2016-02",
	       "Feb 29 2016 (date only)");
	is_str(bucket(tokyo, "2016-02-29T23:30:00+09:00", STATS_HALF, 1),
	       "2016-H1", "Feb 29 2016 late evening in Tokyo");
	is_str(bucket(utc, "2016-02-29T20:00:00-05:00", STATS_MONTH, 1),
	       "2016-03", "Feb 29 20:00-05:00 is March 1 in UTC");
	is_str(bucket(utc, "2000-02-29", STATS_QUARTER, 3), "FY1999-Q4",
	       "fiscal March start: Feb 29 2000 ends FY1999");
	is_str(bucket(utc, "2100-02-29", STATS_MONTH, 1), "(bad date)",
	       "2100-02-29 does not exist");

	/* Before 1970 and far ahead. */
	is_str(bucket(utc, "1969-12-31T23:59:59Z", STATS_HALF, 1), "1969-H2",
	       "the last second of 1969 (negative epoch)");
	is_str(bucket(tokyo, "1969-12-31T23:59:59Z", STATS_HALF, 1),
	       "1970-H1", "… is 1970 in Tokyo");
	is_str(bucket(tokyo, "1969-07-20", STATS_HALF, 4), "FY1969-H1",
	       "a 1969 date in fiscal halves");
	is_str(bucket(ny, "1969-07-21T02:56:00Z", STATS_MONTH, 1), "1969-07",
	       "July 1969 in New York");
	is_str(bucket(tokyo, "2100-12-31T15:00:00Z", STATS_HALF, 1),
	       "2101-H1", "2100-12-31T15:00Z is 2101 in Tokyo");
	is_str(bucket(ny, "2100-07-01T03:59:59Z", STATS_HALF, 1), "2100-H1",
	       "2100: New York's DST from the zone's rule (EDT)");
	is_str(bucket(ny, "2100-07-01T04:00:00Z", STATS_HALF, 1), "2100-H2",
	       "… 04:00Z is midnight EDT");
	is_str(bucket(utc, "2100-03-01", STATS_QUARTER, 1), "2100-Q1",
	       "2100-03-01");

	/* Missing dates. */
	{
		int64_t day = 42;

		is_int(stats_start_day(tokyo, NULL, 0, &day), -1,
		       "no started_at: undated");
		is_int(day, 42, "and the day is left alone");
	}
	stats_zone_free(tokyo);
	stats_zone_free(utc);
	stats_zone_free(ny);
}

static void test_names_and_bounds(void)
{
	char id[48], label[48], ja[48];
	int64_t first, last;

	stats_period_names(STATS_HALF, 1, 2017 * 2, id, label, ja, 48);
	is_str(id, "2017-H1", "calendar half id");
	is_str(label, "2017 H1", "calendar half label");
	is_str(ja, "2017年上期", "calendar half in Japanese");
	stats_period_names(STATS_HALF, 1, 2017 * 2 + 1, id, label, ja, 48);
	is_str(ja, "2017年下期", "second half in Japanese");
	stats_period_names(STATS_HALF, 4, 2017 * 2, id, label, ja, 48);
	is_str(id, "FY2017-H1", "fiscal half id");
	is_str(label, "FY2017-H1", "fiscal half label");
	is_str(ja, "2017年度上期", "fiscal half in Japanese");
	stats_period_names(STATS_QUARTER, 1, 2017 * 4 + 2, id, label, ja, 48);
	is_str(label, "2017 Q3", "quarter label");
	is_str(ja, "2017年第3四半期", "quarter in Japanese");
	stats_period_names(STATS_MONTH, 4, 2017 * 12 + 5, id, label, ja, 48);
	is_str(id, "2017-06", "month id");
	is_str(label, "Jun 2017", "month label");
	is_str(ja, "2017年6月", "month in Japanese");
	stats_period_names(STATS_YEAR, 4, 2017, id, label, ja, 48);
	is_str(ja, "2017年度", "fiscal year in Japanese");

	stats_period_bounds(STATS_HALF, 4, 2017 * 2 + 1, &first, &last);
	ok(first == day_of(2017, 10, 1) && last == day_of(2018, 3, 31),
	   "FY2017-H2 runs from 2017-10-01 to 2018-03-31");
	stats_period_bounds(STATS_MONTH, 1, 2016 * 12 + 1, &first, &last);
	is_int(last - first + 1, 29, "February 2016 has 29 days");
	stats_period_bounds(STATS_MONTH, 1, 2100 * 12 + 1, &first, &last);
	is_int(last - first + 1, 28, "February 2100 has 28 days");
	stats_period_bounds(STATS_YEAR, 3, 2015, &first, &last);
	ok(first == day_of(2015, 3, 1) && last == day_of(2016, 2, 29),
	   "a fiscal year from March ends on Feb 29 in a leap year");
	stats_period_bounds(STATS_QUARTER, 12, 1969 * 4, &first, &last);
	ok(first == day_of(1969, 12, 1) && last == day_of(1970, 2, 28),
	   "fiscal December start: Q1 crosses 1970");
	/* Every day belongs to the period whose bounds hold it. */
	{
		int bad = 0;

		for (int p = 0; p < STATS_PERIOD__MAX; p++)
			for (int f = 1; f <= 12; f++)
				for (int64_t d = day_of(1968, 1, 1);
				     d < day_of(1972, 1, 1); d += 3) {
					int64_t o = stats_period_of(
						(enum stats_period)p, f, d);

					stats_period_bounds(
						(enum stats_period)p, f, o,
						&first, &last);
					bad += d < first || d > last;
				}
		is_int(bad, 0, "each day lies inside its period's bounds");
	}
}

static void test_ranges(void)
{
	int64_t d = 0;

	ok(!stats_range_day("2017", 1, 0, &d) && d == day_of(2017, 1, 1),
	   "from=2017");
	ok(!stats_range_day("2017", 1, 1, &d) && d == day_of(2017, 12, 31),
	   "to=2017");
	ok(!stats_range_day("2016-02", 1, 1, &d) && d == day_of(2016, 2, 29),
	   "to=2016-02 covers the leap day");
	ok(!stats_range_day("2017-07-01", 1, 1, &d) &&
		   d == day_of(2017, 7, 1),
	   "a day");
	ok(!stats_range_day("2017-H2", 4, 0, &d) && d == day_of(2017, 7, 1),
	   "2017-H2 is a calendar half whatever the fiscal year");
	ok(!stats_range_day("FY2017-H1", 4, 1, &d) &&
		   d == day_of(2017, 9, 30),
	   "FY2017-H1 ends in September with an April fiscal year");
	ok(!stats_range_day("FY2017", 4, 1, &d) && d == day_of(2018, 3, 31),
	   "FY2017 ends in March 2018");
	ok(!stats_range_day("2017-Q4", 1, 0, &d) && d == day_of(2017, 10, 1),
	   "2017-Q4");
	ok(stats_range_day("2017-13", 1, 0, &d), "month 13 is refused");
	ok(stats_range_day("2017-02-30", 1, 0, &d), "Feb 30 is refused");
	ok(stats_range_day("2100-02-29", 1, 0, &d), "2100-02-29 is refused");
	ok(stats_range_day("17", 1, 0, &d), "a short year is refused");
	ok(stats_range_day("2017-H3", 1, 0, &d), "H3 is refused");
	ok(stats_range_day("2017-Q5", 1, 0, &d), "Q5 is refused");
	ok(stats_range_day("FY2017-05", 4, 0, &d), "FY with a month refused");
	ok(stats_range_day("", 1, 0, &d), "empty is refused");
	ok(stats_range_day("2017-07-01x", 1, 0, &d), "trailing junk refused");
}

/* What spread_write() appends for v[0..k), seen in order. */
static const char *spread_text(struct buf *b, const int64_t *v, size_t k,
			       int min_n, int with_values)
{
	struct spread_pick p;

	spread_pick_open(&p, k, with_values);
	for (size_t i = 0; i < k; i++)
		spread_pick_see(&p, v[i]);
	buf_reset(b);
	spread_write(b, &p, min_n);
	spread_pick_close(&p);
	return b->ptr;
}

/* Member name of the summary of v[0..k). */
static int64_t summary_of(const int64_t *v, size_t k, const char *name)
{
	struct buf b = BUF_INIT;
	json_t *j = json_loads(spread_text(&b, v, k, 1, 0), 0, NULL);
	int64_t x = json_integer_value(json_object_get(j, name));

	json_decref(j);
	buf_release(&b);
	return x;
}

static void test_quantiles(void)
{
	int64_t v[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	int64_t one[1] = { 300 };
	int64_t two[2] = { 60, 120 };

	is_int(summary_of(v, 10, "median"), 6, "median of 1..10 (5.5 → 6)");
	is_int(summary_of(v, 10, "p90"), 9, "p90 of 1..10 (9.1 → 9)");
	is_int(summary_of(v, 9, "median"), 5, "median of 1..9");
	is_int(summary_of(one, 1, "p90"), 300, "one value");
	is_int(summary_of(two, 2, "median"), 90, "two values: the mean");
	is_int(summary_of(two, 2, "p90"), 114, "two values: p90");
}

static void test_spread(void)
{
	static int64_t v[1000];
	int64_t two[2] = { 60, 120 };
	struct buf b = BUF_INIT;
	json_t *j;
	const char *t;

	for (size_t i = 0; i < 1000; i++)
		v[i] = (int64_t)i + 1;
	is_str(spread_text(&b, v, 0, 5, 1),
	       "{\"count\":0,\"median\":null,\"p90\":null,\"ci90\":null,"
	       "\"too_few\":true,\"values\":[]}",
	       "spread: no values");
	is_str(spread_text(&b, two, 1, 1, 0),
	       "{\"count\":1,\"median\":60,\"p90\":60,\"ci90\":null,"
	       "\"too_few\":false}",
	       "spread: one value has no interval");
	is_str(spread_text(&b, two, 2, 5, 1),
	       "{\"count\":2,\"median\":90,\"p90\":114,\"ci90\":[60,120],"
	       "\"too_few\":true,\"values\":[60,120]}",
	       "spread: two values, their range");
	/* 1..1000: the interval's low rank is 474 (binomial tail 0.05). */
	is_str(spread_text(&b, v, 1000, 5, 0),
	       "{\"count\":1000,\"median\":501,\"p90\":900,"
	       "\"ci90\":[474,527],\"too_few\":false}",
	       "spread: 1000 values");
	t = spread_text(&b, v, 1000, 5, 1);
	j = json_loads(t, 0, NULL);
	is_int((int64_t)json_array_size(json_object_get(j, "values")), 500,
	       "spread: 1000 values listed as 500");
	is_int(json_integer_value(json_array_get(json_object_get(j, "values"),
						 499)),
	       999, "spread: every second one, from the first");
	buf_reset(&b);
	jsonout_add(&b, j, 0);
	is_str(b.ptr, t, "spread: the text as jansson writes it");
	json_decref(j);
	buf_release(&b);
}

/* The quantile of sorted v[0..n) as numpy's default, rounded. */
static int64_t quantile_of(const int64_t *v, size_t n, double q)
{
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return v[n - 1];
	return (int64_t)llround((double)v[lo] +
				(h - (double)lo) * (double)(v[lo + 1] - v[lo]));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * A summary picked while the values go by against one read from the
 * whole sorted sample: sizes around the listing's step changes, values
 * with many ties; the interval's low ranks from the exact binomial tail.
 */
static void test_picks(void)
{
	static const size_t sizes[] = { 1, 2, 3, 5, 11, 100, 499, 500, 501,
					1000, 1001, 3457, 20000 };
	static const size_t lows[] = { 0, 1, 1, 1, 3, 42, 0, 0, 0, 474, 0,
				       1680, 0 };
	int64_t *v = malloc(20000 * sizeof(*v));
	struct buf b = BUF_INIT;
	unsigned seed = 7;

	for (size_t t = 0; t < sizeof(sizes) / sizeof(*sizes); t++) {
		size_t k = sizes[t], step = (k + SPREAD_MAX_VALUES - 1) /
					    SPREAD_MAX_VALUES, bad = 0, n;
		json_t *j, *vals, *ci;

		for (size_t i = 0; i < k; i++)
			v[i] = rand_r(&seed) % (k < 50 ? 5 : 86400);
		qsort(v, k, sizeof(*v), cmp_i64);
		j = json_loads(spread_text(&b, v, k, 5, 1), 0, NULL);
		vals = json_object_get(j, "values");
		ci = json_object_get(j, "ci90");
		if (json_integer_value(json_object_get(j, "median")) !=
			    quantile_of(v, k, 0.5) ||
		    json_integer_value(json_object_get(j, "p90")) !=
			    quantile_of(v, k, 0.9))
			bad++;
		n = json_array_size(vals);
		if (n != (k + step - 1) / step)
			bad++;
		for (size_t i = 0; i < n; i++)
			bad += json_integer_value(json_array_get(vals, i)) !=
			       v[i * step];
		if (k > 1 && lows[t] &&
		    (json_integer_value(json_array_get(ci, 0)) !=
			     v[lows[t] - 1] ||
		     json_integer_value(json_array_get(ci, 1)) !=
			     v[k - lows[t]]))
			bad++;
		if (k == 1 && !json_is_null(ci))
			bad++;
		char what[80];

		snprintf(what, sizeof(what), "picks of %zu values: median, "
			 "p90, interval, %zu listed", k, n);
		ok(!bad, what);
		json_decref(j);
	}
	free(v);
	buf_release(&b);
}

/* Query parameters from a NULL-terminated name, value list. */
static const char *list_arg(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (; kv[0]; kv += 2)
		if (!strcmp(kv[0], name))
			return kv[1];
	return NULL;
}

static enum pm_status parse(const char *const *kv, struct stats_request *r,
			    struct pm_error *err)
{
	pm_error_clear(err);
	return stats_request_parse(r, list_arg, (void *)kv,
				   1u << STATS_JSON | 1u << STATS_CSV |
					   1u << STATS_MD,
				   err);
}

static void test_params(void)
{
	struct stats_request r;
	struct pm_error err;
	const char *none[] = { NULL };
	const char *good[] = { "period", "quarter", "mode", "any", "format",
			       "csv", "from", "FY2017-H1", "to", "2018",
			       "owner", "@tanaka", "overdue", "true", NULL };
	const char *bad_period[] = { "period", "week", NULL };
	const char *table[] = { "format", "table", NULL };
	const char *both[] = { "status", "done", "overdue", "true", NULL };
	const char *bad_from[] = { "from", "yesterday", NULL };
	const char *bad_tz[] = { "tz", "../x", NULL };
	const char *bad_month[] = { "fiscal_start_month", "13", NULL };
	const char *empty[] = { "service", "", NULL };
	const char *bad_utf8[] = { "service", "\xff\xfe", NULL };

	ok(parse(none, &r, &err) == PM_OK && r.period == STATS_HALF &&
		   r.mode == STATS_PRIMARY && r.format == STATS_JSON &&
		   r.status == STATS_ITEMS_OPEN && r.limit == 500,
	   "defaults: half, primary, json, open, 500");
	ok(parse(good, &r, &err) == PM_OK && r.period == STATS_QUARTER &&
		   r.mode == STATS_ANY && r.format == STATS_CSV &&
		   !strcmp(r.owner, "tanaka") && r.overdue,
	   "every parameter read; @ dropped from the owner");
	is_int(parse(bad_period, &r, &err), PM_INVALID, "period=week");
	is_str(err.message,
	       "period: expected month, quarter, half or year, got 'week'",
	       "the message lists the choices");
	is_int(parse(table, &r, &err), PM_INVALID,
	       "format=table is for the terminal only");
	is_int(parse(both, &r, &err), PM_INVALID, "overdue with status=done");
	is_int(parse(bad_from, &r, &err), PM_INVALID, "from=yesterday");
	ok(strstr(err.message, "from: expected a date") != NULL,
	   "the message says what from takes");
	is_int(parse(bad_tz, &r, &err), PM_INVALID, "tz=../x");
	is_int(parse(bad_month, &r, &err), PM_INVALID,
	       "fiscal_start_month=13");
	is_int(parse(empty, &r, &err), PM_INVALID, "an empty service");
	is_int(parse(bad_utf8, &r, &err), PM_INVALID, "invalid UTF-8");
}

/* Writes one postmortem row and its service label straight into SQL. */
static void put(struct dbconn *w, int id, const char *started,
		long long epoch, const char *source, const char *causes,
		const char *service)
{
	char sql[1024], at[64], num[32];

	snprintf(at, sizeof(at), started ? "'%s'" : "NULL",
		 started ? started : "");
	snprintf(num, sizeof(num), started ? "%lld" : "NULL", epoch);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO postmortems(id, slug, path, title, "
		 "primary_cause, causes, services, started_at, started_epoch, "
		 "started_source, content_hash, indexed_at) VALUES(%d, 's%d', "
		 "'p%d.md', 't', json_extract('%s', '$[0]'), '%s', "
		 "json_array('%s'), %s, %s, '%s', 'h', 0);"
		 "INSERT INTO labels(pm_id, kind, value, pos) "
		 "VALUES(%d, 'service', '%s', 0);",
		 id, id, id, causes, causes, service, at, num, source, id,
		 service);
	if (dbconn_exec(w, sql) != PM_OK)
		printf("# insert %d failed\n", id);
}

static long long count_of(json_t *res, const char *period, const char *key)
{
	size_t i;
	json_t *row;

	json_array_foreach(json_object_get(res, "rows"), i, row) {
		if (strcmp(json_string_value(json_object_get(row, "period")),
			   period))
			continue;
		if (!strcmp(key, "total"))
			return json_integer_value(json_object_get(row, key));
		return json_integer_value(json_object_get(
			json_object_get(row, "by_cause"), key));
	}
	return -1;
}

/* Whether text is what jsonout_add() (as jansson) writes of it read
 * back: valid JSON, in the compact form and escapes of the other
 * answers. */
static int as_jansson_writes(const struct buf *text)
{
	struct buf again = BUF_INIT;
	json_t *j = json_loadb(text->ptr, text->len, 0, NULL);
	int same = j && !jsonout_add(&again, j, 0) &&
		   again.len == text->len &&
		   !memcmp(again.ptr, text->ptr, text->len);

	json_decref(j);
	buf_release(&again);
	return same;
}

static void test_counts(void)
{
	char path[] = "/tmp/pmkb-test-stats-XXXXXX";
	struct store *st = NULL;
	struct dbconn *w, *c;
	struct taxonomy *tax = taxonomy_default();
	struct stats_request r;
	struct pm_error err;
	json_t *res = NULL;
	const char *any[] = { "mode", "any", NULL };
	const char *svc[] = { "service", "API", NULL };
	const char *range[] = { "from", "2017-01", "to", "2018-H1", NULL };
	const char *none[] = { NULL };
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	unlink(path);
	if (!ok(store_open(&st, path, &err) == PM_OK, "a scratch index"))
		return;
	w = store_writer(st);
	/* 2017-06-30T23:59:59+09:00: H1 in Tokyo and in UTC. */
	put(w, 1, "2017-06-30T23:59:59+09:00", 1498834799, "front-matter",
	    "[\"infra\", \"app\"]", "api");
	/* 2017-07-01T00:30+09:00: H2 in Tokyo, H1 in UTC. */
	put(w, 2, "2017-07-01T00:30:00+09:00", 1498836600, "front-matter",
	    "[\"app\", \"app\"]", "web");
	put(w, 3, "2017-12-31", 1514678400, "front-matter", "[\"infra\"]",
	    "api");
	put(w, 4, NULL, 0, "none", "[\"app\"]", "api");
	put(w, 5, "2020-01-01T00:00:00+00:00", 1577836800, "mtime",
	    "[\"infra\"]", "api");
	put(w, 6, "2018-05-01T00:00:00+00:00", 1525132800, "git",
	    "[\"infra\"]", "web");
	store_writer_release(st);
	c = store_reader(st);

	parse(none, &r, &err);
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "causes (UTC)");
	is_int(count_of(res, "2017-H1", "total"), 2,
	       "UTC: both edge incidents in 2017 H1");
	is_int(count_of(res, "2017-H2", "total"), 1, "UTC: 2017 H2");
	is_int(count_of(res, "2018-H1", "total"), 1,
	       "a start from git history counts as dated");
	is_int(count_of(res, "unknown", "total"), 2,
	       "no start and an mtime start are undated");
	is_int(json_integer_value(json_object_get(res, "total")), 6,
	       "every incident counted once");
	json_decref(res);

	r.time_zone = "Asia/Tokyo";
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "causes (Tokyo)");
	is_int(count_of(res, "2017-H1", "total"), 1, "Tokyo: one in 2017 H1");
	is_int(count_of(res, "2017-H2", "total"), 2, "Tokyo: two in 2017 H2");
	is_int(count_of(res, "2017-H1", "infra"), 1, "primary: infra");
	is_int(count_of(res, "2017-H1", "app"), 0,
	       "primary: the second cause is not counted");
	json_decref(res);

	parse(any, &r, &err);
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "mode=any");
	is_int(count_of(res, "2017-H1", "app"), 2,
	       "any: both causes of each incident");
	is_int(count_of(res, "2017-H1", "total"), 2,
	       "any: the total stays the number of incidents");
	json_decref(res);

	parse(svc, &r, &err);
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "service=API");
	is_int(json_integer_value(json_object_get(res, "total")), 4,
	       "service filter, case-insensitive");
	json_decref(res);

	/* Undated incidents have no row in durations and are counted. */
	parse(none, &r, &err);
	{
		struct buf text = BUF_INIT;

		ok(stats_durations_write(c, tax, &r, &text, &err) == PM_OK,
		   "durations written as text");
		ok(as_jansson_writes(&text),
		   "durations: the text is what jansson writes of it");
		buf_release(&text);
	}
	ok(stats_durations(c, tax, &r, &res, &err) == PM_OK,
	   "durations with undated incidents");
	is_int(json_integer_value(json_object_get(res, "undated")), 2,
	       "durations: the two undated ones counted apart");
	is_int(json_integer_value(json_object_get(
		       json_object_get(res, "all"), "incidents")), 4,
	       "durations: the four dated ones in all");
	json_decref(res);
	ok(stats_follow_through(c, tax, &r, &res, &err) == PM_OK,
	   "follow-through with undated incidents and no items");
	json_decref(res);

	parse(range, &r, &err);
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "from/to");
	is_int(json_array_size(json_object_get(res, "rows")), 3,
	       "2017-H1 to 2018-H1: three rows, no unknown row");
	is_int(json_integer_value(json_object_get(res, "total")), 4,
	       "only dated incidents in the range");
	json_decref(res);

	r.period = STATS_MONTH;
	r.from = "1000";
	r.to = "9999";
	is_int(stats_causes(c, tax, &r, &res, &err), PM_INVALID,
	       "a range of too many periods is refused");
	ok(strstr(err.message, "narrow from/to") != NULL,
	   "and the message says what to do");

	/* The reader keeps its facts until the index changes: a new
	 * incident, a new service and a new action item are counted on the
	 * next query. */
	{
		const char *sato[] = { "owner", "@Sato", "status", "all",
				       NULL };

		parse(sato, &r, &err);
		ok(stats_action_items(c, tax, &r, &res, &err) == PM_OK,
		   "action items before the write");
		is_int(json_integer_value(json_object_get(res, "total")), 0,
		       "nobody's items yet");
		json_decref(res);
	}
	store_reader_release(st, c);
	w = store_writer(st);
	put(w, 7, "2017-03-01", 1488326400, "front-matter", "[\"infra\"]",
	    "Billing");
	if (dbconn_exec(w, "INSERT INTO action_items(pm_id, pos, done, "
			   "owner, due, text, line) VALUES(7, 0, 0, 'sato', "
			   "'2017-04-01', 'Add an alert', 12)") != PM_OK)
		printf("# insert of the item failed\n");
	store_writer_release(st);
	c = store_reader(st);
	parse(none, &r, &err);
	dbconn_exec(c, "BEGIN");
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "after a write");
	is_int(count_of(res, "2017-H1", "total"), 3,
	       "the new incident is counted at once");
	json_decref(res);
	r.service = "billing";
	ok(stats_causes(c, tax, &r, &res, &err) == PM_OK, "its service");
	is_int(json_integer_value(json_object_get(res, "total")), 1,
	       "and its service is known to the filter");
	json_decref(res);
	{
		const char *sato[] = { "owner", "@Sato", "status", "all",
				       NULL };
		json_t *counts;

		parse(sato, &r, &err);
		struct buf text = BUF_INIT;

		ok(stats_action_items_write(c, tax, &r, &text, &err) ==
			   PM_OK && as_jansson_writes(&text),
		   "action items as text: what jansson writes of it");
		buf_release(&text);
		ok(stats_action_items(c, tax, &r, &res, &err) == PM_OK,
		   "action items after the write");
		counts = json_object_get(res, "counts");
		is_int(json_integer_value(json_object_get(res, "total")), 1,
		       "the new item is listed, its owner without case");
		is_int(json_integer_value(json_object_get(counts, "overdue")),
		       1, "open past its due: overdue");
		is_str(json_string_value(json_object_get(
			       json_array_get(json_object_get(res, "items"), 0),
			       "text")),
		       "Add an alert", "its text read for the page");
		json_decref(res);
	}
	dbconn_exec(c, "COMMIT");

	store_reader_release(st, c);
	store_close(st);
	taxonomy_free(tax);
	unlink(path);
	{
		struct buf wal = BUF_INIT;

		buf_addf(&wal, "%s-wal", path);
		unlink(wal.ptr);
		buf_reset(&wal);
		buf_addf(&wal, "%s-shm", path);
		unlink(wal.ptr);
		buf_release(&wal);
	}
}

static void test_render(void)
{
	json_t *res = json_loads(
		"{\"period\":\"half\",\"mode\":\"primary\","
		"\"time_zone\":\"UTC\","
		"\"fiscal_start_month\":1,\"total\":3,"
		"\"causes\":[{\"id\":\"=cmd\",\"label\":\"A|B\","
		"\"label_ja\":\"インフラ\",\"total\":3,\"share\":1},"
		"{\"id\":\"none\",\"label\":\"None\",\"label_ja\":\"なし\","
		"\"total\":0,\"share\":0}],"
		"\"rows\":[{\"period\":\"2017-H1\",\"label\":\"2017 H1\","
		"\"label_ja\":\"2017年上期\",\"total\":3,"
		"\"by_cause\":{\"=cmd\":3,\"none\":0}}]}",
		0, NULL);
	struct buf b = BUF_INIT;

	stats_render(&b, res, STATS_CAUSES, STATS_CSV, 0);
	is_str(b.ptr,
	       "period,label,label_ja,total,\"'=cmd\",none\r\n"
	       "2017-H1,2017 H1,2017年上期,3,3,0\r\n",
	       "CSV: every cause, formula cells defused");
	buf_reset(&b);
	stats_render(&b, res, STATS_CAUSES, STATS_MD, 0);
	is_str(b.ptr,
	       "| Period | Total | A\\|B |\n"
	       "| --- | ---: | ---: |\n"
	       "| 2017 H1 | 3 | 3 |\n"
	       "| All | 3 | 3 (100%) |\n",
	       "Markdown: pipes escaped, empty causes left out");
	buf_reset(&b);
	stats_render(&b, res, STATS_CAUSES, STATS_TABLE, 1);
	ok(strstr(b.ptr, "期間        合計  インフラ\n") != NULL,
	   "text table: wide characters take two columns");
	buf_release(&b);
	json_decref(res);
}

/*
 * A duration counts from a start the file wrote, wherever in it (front
 * matter, metadata, timeline), not from when git first saw the file.
 */
static void test_duration_sources(void)
{
	static const char *const src[] = { "front-matter", "body",
					   "timeline", "git" };
	struct testdb t;
	struct dbconn *w, *c;
	struct taxonomy *tax = taxonomy_default();
	struct stats_request r;
	struct pm_error err;
	json_t *res = NULL, *ttd;
	const char *none[] = { NULL };

	if (!testdb_open(&t, "stats-sources", NULL, 0, NULL))
		return;
	w = store_writer(t.store);
	for (int i = 0; i < 4; i++) {
		/* 2017-03-01T10:00Z, detected 600 + 60 * i s later. */
		char sql[200];

		put(w, i + 1, "2017-03-01T10:00:00+00:00", 1488362400, src[i],
		    "[\"infra\"]", "api");
		snprintf(sql, sizeof(sql),
			 "UPDATE postmortems SET detected_at = "
			 "'2017-03-01T10:%02d:00+00:00', detected_epoch = %d "
			 "WHERE id = %d",
			 10 + i, 1488362400 + 600 + 60 * i, i + 1);
		if (dbconn_exec(w, sql) != PM_OK)
			printf("# update %d failed\n", i + 1);
	}
	store_writer_release(t.store);
	c = store_reader(t.store);
	parse(none, &r, &err);
	ok(stats_durations(c, tax, &r, &res, &err) == PM_OK,
	   "durations by the start's source");
	ttd = json_object_get(json_object_get(res, "all"), "ttd");
	is_int(json_integer_value(json_object_get(ttd, "count")), 3,
	       "front matter, metadata and timeline starts count; git's not");
	is_int(json_integer_value(json_object_get(ttd, "median")), 660,
	       "the median of 600, 660 and 720 s");
	json_decref(res);
	store_reader_release(t.store, c);
	testdb_close(&t);
	taxonomy_free(tax);
}

int main(void)
{
	test_calendar();
	test_zone_basics();
	test_posix_rules();
	test_against_libc();
	test_buckets();
	test_names_and_bounds();
	test_ranges();
	test_quantiles();
	test_spread();
	test_picks();
	test_params();
	test_counts();
	test_duration_sources();
	test_render();
	return tap_done();
}
