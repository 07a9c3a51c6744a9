/* Calendar arithmetic: see include/pmkb/base/civil.h. */
#include "pmkb/base/civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t civil_to_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = civil_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t day, int64_t *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = civil_floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int civil_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };

	return m == 2 && civil_is_leap(y) ? 29 : dm[m - 1];
}

int64_t civil_now(void)
{
	const char *env = getenv("PMKB_NOW");
	long long secs;
	int y, m, d, hh = 0, mm = 0, ss = 0, used = 0;

	if (!env || !*env)
		return (int64_t)time(NULL);
	if (sscanf(env, "%d-%d-%d%n", &y, &m, &d, &used) == 3) {
		if (env[used] == 'T' &&
		    sscanf(env + used, "T%d:%d:%d", &hh, &mm, &ss) != 3)
			return (int64_t)time(NULL);
		if (m < 1 || m > 12 || d < 1 || d > civil_days_in_month(y, m))
			return (int64_t)time(NULL);
		return civil_to_days(y, m, d) * 86400 + hh * 3600 + mm * 60 +
		       ss;
	}
	if (sscanf(env, "%lld%n", &secs, &used) == 1 && !env[used])
		return (int64_t)secs;
	return (int64_t)time(NULL);
}
