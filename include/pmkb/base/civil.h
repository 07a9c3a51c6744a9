/*
 * Calendar arithmetic after Howard Hinnant's days_from_civil and
 * civil_from_days: exact for the proleptic Gregorian calendar, any year,
 * no tables, and free of the process time zone (unlike mktime()).
 */
#ifndef PMKB_BASE_CIVIL_H
#define PMKB_BASE_CIVIL_H

#include <stdint.h>

/* a / b rounded towards minus infinity (b > 0). Inline: a pass over
 * every incident divides each start by 86400, which a constant divisor
 * turns into a multiplication. */
static inline int64_t civil_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31). */
int64_t civil_to_days(int64_t y, int m, int d);

/* The date day days after 1970-01-01. */
void civil_from_days(int64_t day, int64_t *y, int *m, int *d);

/* Whether y is a leap year. */
int civil_is_leap(int64_t y);

/* 28..31. */
int civil_days_in_month(int64_t y, int m);

/*
 * Seconds since 1970 for "now", the one clock behind "today" (overdue
 * action items, the stats' current period): PMKB_NOW when it is set to
 * seconds since 1970 or to YYYY-MM-DD[THH:MM:SS] in UTC, so that tests
 * can fix the day; else the system clock.
 */
int64_t civil_now(void);

#endif
