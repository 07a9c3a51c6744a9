/*
 * Points in time as postmortems write them (doc/pmtime.h).
 */
#include <string.h>

#include "pmkb/doc/pmtime.h"
#include "tap.h"

static void test_time(void)
{
	struct pm_time t;

	ok(!pm_time_parse(&t, "2018-02-14"), "date only");
	ok(t.set && t.date_only, "date only: flags");
	is_int(t.epoch, 1518566400, "date only: midnight UTC");
	is_str(t.text, "2018-02-14", "date only: text");

	ok(!pm_time_parse(&t, "2018-02-14T09:28:00+09:00"), "with offset");
	is_int(t.epoch, 1518568080, "with offset: epoch");
	is_int(t.offset_min, 540, "with offset: offset");
	is_str(t.text, "2018-02-14T09:28:00+09:00", "with offset: text");

	ok(!pm_time_parse(&t, " 2018-02-14T00:28:00Z "), "Z, blanks");
	is_int(t.epoch, 1518568080, "Z: epoch");
	is_str(t.text, "2018-02-14T00:28:00+00:00", "Z: text");

	ok(!pm_time_parse(&t, "2018-02-13T19:28:00.999-05:00"), "fraction");
	is_int(t.epoch, 1518568080, "fraction: dropped");
	is_int(t.offset_min, -300, "negative offset");
	is_str(t.text, "2018-02-13T19:28:00-05:00", "negative offset: text");

	ok(!pm_time_parse(&t, "2018-02-14 09:28"), "space, no seconds");
	is_str(t.text, "2018-02-14T09:28:00+00:00", "no offset is UTC");
	ok(!pm_time_parse(&t, "2018-02-14T09:28:00+0530"), "+HHMM");
	is_int(t.offset_min, 330, "+HHMM: offset");
	ok(!pm_time_parse(&t, "2018-02-14T09:28:00+09"), "+HH");

	ok(!pm_time_parse(&t, "2020-02-29"), "leap day 2020");
	ok(!pm_time_parse(&t, "2000-02-29"), "leap day 2000");
	ok(pm_time_parse(&t, "1900-02-29"), "no leap day 1900");
	ok(pm_time_parse(&t, "2019-02-29"), "no leap day 2019");
	ok(!t.set && !t.text[0], "failure clears");
	ok(pm_time_parse(&t, "2018-04-31"), "April has 30 days");
	ok(pm_time_parse(&t, "2018-00-10"), "month 0");
	ok(pm_time_parse(&t, "2018-02-14T24:00:00Z"), "hour 24");
	ok(pm_time_parse(&t, "2018-02-14T23:60:00Z"), "minute 60");
	ok(pm_time_parse(&t, "2018-02-14T23:59:60Z"), "second 60");
	ok(pm_time_parse(&t, "2018-02-14T10:00:00+24:00"), "offset 24h");
	ok(pm_time_parse(&t, "14/02/2018"), "European");
	ok(!pm_time_parse(&t, "2018-2-14") &&
		   !strcmp(t.text, "2018-02-14"),
	   "one-digit month");
	ok(pm_time_parse(&t, "2018-02-14T"), "T without time");
	ok(pm_time_parse(&t, "2018-02-14T09:28:00.Z"), "empty fraction");
	ok(pm_time_parse(&t, "2018-02-14 junk"), "trailing junk");
	ok(pm_time_parse(&t, ""), "empty");

	ok(!pm_time_parse(&t, "1900-01-01"), "1900");
	is_int(t.epoch, -2208988800LL, "1900: epoch");
	ok(!pm_time_parse(&t, "2200-12-31T23:59:59Z"), "2200");
	is_int(t.epoch, 7289654399LL, "2200: epoch");
	ok(!pm_time_parse(&t, "1628-08-10T12:00:00Z"), "the Vasa");

	pm_time_from_epoch(&t, 1518568080);
	is_str(t.text, "2018-02-14T00:28:00+00:00", "from epoch");
	ok(t.set && !t.date_only && !t.line, "from epoch: flags");
	pm_time_from_epoch(&t, -1);
	is_str(t.text, "1969-12-31T23:59:59+00:00", "from negative epoch");
}

/* pm_time_parse(s) gives the normalised text want (NULL: refused). */
static void reads(const char *s, const char *want)
{
	struct pm_time t;
	int rc = pm_time_parse(&t, s);

	if (!want)
		ok(rc, s);
	else if (rc)
		ok(0, s);
	else
		is_str(t.text, want, s);
}

static void test_english(void)
{
	reads("January 2, 2024", "2024-01-02");
	reads("Jan 2 2024", "2024-01-02");
	reads("2 Jan 2024", "2024-01-02");
	reads("2nd January, 2024", "2024-01-02");
	reads("Sept. 30, 2021", "2021-09-30");
	reads("Wednesday, 4 December 2019", "2019-12-04");
	reads("Wed, December 4, 2019", "2019-12-04");
	reads("Feb 3 2017, 4:38 PM", "2017-02-03T16:38:00+00:00");
	reads("Feb 3, 2017 at 12:05 am", "2017-02-03T00:05:00+00:00");
	reads("Jan 2, 2024 14:05 PST", "2024-01-02T14:05:00-08:00");
	reads("March 14, 2023 09:00 UTC", "2023-03-14T09:00:00+00:00");
	reads("Wed Nov 15 22:30:21 2017 +0000", "2017-11-15T22:30:21+00:00");
	reads("Tue Mar 7 01:02:03 2023 +0900", "2023-03-07T01:02:03+09:00");
	reads("2024-01-02 4:38 pm", "2024-01-02T16:38:00+00:00");
	reads("2024-01-02 12:00 PM", "2024-01-02T12:00:00+00:00");
	reads("February 30, 2024", NULL);
	reads("Jan 2024", NULL);
	reads("Janus 2, 2024", NULL);
	reads("2 Jan", NULL);
	reads("Feb 3 2017, 13:38 PM", NULL);
	reads("Monday", NULL);
}

/* pm_time_scan(s) gives want and leaves rest unread. */
static void scans(const char *s, const char *want, const char *rest)
{
	struct pm_time t;
	const char *end;

	if (pm_time_scan(&t, s, &end)) {
		ok(0, s);
		return;
	}
	is_str(t.text, want, s);
	is_str(end, rest, "the rest");
}

static void test_ranges(void)
{
	/* A range's end is no offset; the zone after it is the start's. */
	scans("2025-07-27 12:20-12:30 (JST)", "2025-07-27T12:20:00+09:00",
	      "-12:30 (JST)");
	scans("2025-02-14 19:05 〜 19:47（JST）", "2025-02-14T19:05:00+09:00",
	      " 〜 19:47（JST）");
	scans("2026-03-19 09:28 - 2026-03-23 18:00 JST",
	      "2026-03-19T09:28:00+09:00", " - 2026-03-23 18:00 JST");
	scans("2025-07-27 12:20 to 13:00 PDT", "2025-07-27T12:20:00-07:00",
	      " to 13:00 PDT");
	/* RFC 3339 and YAML timestamps keep their offsets. */
	scans("2025-07-27T12:20-05:00", "2025-07-27T12:20:00-05:00", "");
	scans("2025-07-27 12:20:00 -05:00", "2025-07-27T12:20:00-05:00", "");
	scans("2025-07-27 12:20 - late", "2025-07-27T12:20:00+00:00",
	      " - late");
}

static void test_japanese(void)
{
	reads("2021年11月25日午後3時", "2021-11-25T15:00:00+00:00");
	reads("2021年11月26日 午前10時47分 JST", "2021-11-26T10:47:00+09:00");
	reads("2021年11月26日午前0時", "2021-11-26T00:00:00+00:00");
	reads("2021年11月26日午後12時", "2021-11-26T12:00:00+00:00");
	reads("2021年11月26日(金) 午後3時30分", "2021-11-26T15:30:00+00:00");
	reads("2021年11月26日午後13時", NULL);
}

/* What a timeline needs: whether a zone was written, and moving to one. */
static void test_zones(void)
{
	struct pm_time t, u;
	int off = -1;

	ok(!pm_time_parse(&t, "2026-03-23 23:40") && !t.zoned,
	   "no zone written: not zoned");
	ok(!pm_time_parse(&u, "2026-03-23 23:40 UTC") && u.zoned,
	   "UTC written: zoned");
	ok(!pm_time_parse(&u, "2026-03-23T23:40:00Z") && u.zoned,
	   "Z written: zoned");
	ok(!pm_time_scan(&u, "2025-07-27 12:20-12:30 (JST)", NULL) && u.zoned,
	   "a zone after a range's end: zoned");
	pm_time_at_offset(&t, 540);
	is_str(t.text, "2026-03-23T23:40:00+09:00", "the same clock in JST");
	is_int(t.epoch, 1774276800, "an instant nine hours earlier");
	is_int(pm_time_local_day(&t), 20535, "its day as written");
	pm_time_at_offset(&t, -90);
	is_str(t.text, "2026-03-23T23:40:00-01:30", "and at -01:30");
	ok(!pm_time_parse(&u, "2026-03-24"), "a date");
	pm_time_at_offset(&u, 540);
	is_str(u.text, "2026-03-24", "a date alone is kept");
	ok(pm_time_before(&t, &u), "23:40 on the 23rd is before the 24th");
	ok(!pm_time_before(&u, &t), "and not after it");
	ok(pm_time_zone_in("All times in CET.", 17, &off) && off == 60,
	   "a zone in a sentence");
	ok(pm_time_zone_in("時刻はJSTで統一する", 27, &off) && off == 540,
	   "a zone between Japanese words");
	ok(!pm_time_zone_in("ESTIMATES and UTCs", 18, &off),
	   "no zone inside a word");
	ok(!pm_time_zone_in("Timeline (UTC)", 12, &off),
	   "nor past the text's end");
}

static void lasts(const char *s, long long want)
{
	int64_t secs = -7;
	int rc = pm_duration_parse(s, &secs);

	if (want < 0)
		ok(rc == -1, s);
	else
		is_int(rc ? -1 : secs, want, s);
}

static void test_durations(void)
{
	lasts("88 minutes", 88 * 60);
	lasts("0 minutes", 0);
	lasts("5840 minutes", 5840 * 60);
	lasts("2 hours 5 minutes", 7500);
	lasts("2 hours, 5 mins", 7500);
	lasts("1h30m", 5400);
	lasts("90 min", 5400);
	lasts("about 3 hours", 3 * 3600);
	lasts("~45s", 45);
	lasts("1 day", 86400);
	lasts("\xe7\xb4\x84 7 \xe6\x99\x82\xe9\x96\x93 4 \xe5\x88\x86",
	      7 * 3600 + 240); /* 約 7 時間 4 分 */
	lasts("30\xe5\x88\x86", 1800);
	lasts("15 minutes (from the first alert)", 900);
	lasts("?", -1);
	lasts("N/A", -1);
	lasts("unknown", -1);
	lasts("5 months", -1);
	lasts("2 hours or so", -1);
	lasts("12", -1);
	lasts("366 days", 366 * 86400);
	lasts("367 days", -1);
	lasts("9999999 hours", -1);
	lasts("", -1);
}

int main(void)
{
	test_zones();
	test_durations();
	test_time();
	test_english();
	test_japanese();
	test_ranges();
	return tap_done();
}
