/*
 * Points in time as postmortems write them: ISO and RFC 3339 dates, the
 * lenient forms people type, Japanese dates, and a zone as an offset or a
 * name. Read once, normalised to one text form, kept with their instant.
 */
#ifndef PMKB_DOC_PMTIME_H
#define PMKB_DOC_PMTIME_H

#include <stdint.h>

/* A point in time from the front matter. */
struct pm_time {
	int set;	/* 0: absent (the other fields are zero) */
	int date_only;	/* written as YYYY-MM-DD, no time of day */
	int zoned;	/* a zone or an offset was written */
	int64_t epoch;	/* seconds since 1970 UTC (date only: midnight UTC) */
	int offset_min; /* UTC offset as written, in minutes */
	char text[32];	/* normalised: 2018-02-14 or 2018-02-14T09:28:00+09:00 */
	int line;	/* where the file says it, 0 when not from the file */
};

/*
 * Parses "2018-02-14", "2018-02-14T09:28:00+09:00", "...Z", fractional
 * seconds (dropped), a space instead of T, one-digit months, days and
 * hours ("2023-12-4T8:00"), slashes ("2018/02/14 09:28"), Japanese dates
 * ("2018年2月14日 9時28分", "2018年2月14日(水) 09:28"), English dates
 * ("January 2, 2024", "2 Jan 2024", "Wed, Dec 4, 2019 at 4:38 PM", and
 * git's "Wed Nov 15 22:30:21 2017 +0000"), AM and PM, a zone as an offset
 * or a name (UTC, JST, PST, ...; also in brackets and after 頃: "00:00 頃
 * (JST)"), and "2018-02-14 09:28" without a zone (read as UTC).
 * Surrounding white space is ignored. Years 1000 to 9999 (real
 * collections include the Vasa, 1628); every field is range-checked (Feb
 * 29 only in leap years). Returns 0 on success, -1 if s is not such
 * a date (t is then cleared). t->line is left 0.
 */
int pm_time_parse(struct pm_time *t, const char *s);
/*
 * pm_time_parse() for a date at the start of s followed by anything:
 * *end (may be NULL) gets where the date ends. -1 when s does not start
 * with a date.
 */
int pm_time_scan(struct pm_time *t, const char *s, const char **end);
/* Fills t with the instant epoch, written in UTC ("...+00:00"). */
void pm_time_from_epoch(struct pm_time *t, int64_t epoch);
/*
 * The same clock reading at UTC offset off (minutes): "19:09" read without
 * a zone is 19:09 in the zone its context gives. A date alone is kept.
 */
void pm_time_at_offset(struct pm_time *t, int off);
/*
 * A duration as written: "88 minutes", "2 hours 5 minutes", "1h30m",
 * "90 min", "約 7 時間 4 分", "30分", "1日"; "about", "~" and 約 before
 * it, a note in brackets after it. Into *seconds; -1 when s is none
 * ("?", "N/A", "unknown", prose) or longer than a year.
 */
int pm_duration_parse(const char *s, int64_t *seconds);
/* The calendar day of t as written (in its own offset), from 1970. */
int64_t pm_time_local_day(const struct pm_time *t);
/* Whether a lies before b: by calendar day when either is a date alone. */
int pm_time_before(const struct pm_time *a, const struct pm_time *b);
/*
 * The first zone name written as a word in s[0..len) ("All times in UTC",
 * "Timeline (JST)", "時刻はJSTで統一"): its offset into *off, and 1;
 * else 0.
 */
int pm_time_zone_in(const char *s, size_t len, int *off);

#endif
