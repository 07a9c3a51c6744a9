/*
 * Honest durations: a sample of durations as n, median, p90 and a
 * bootstrap 90% interval for the median, flagged "too few" below a
 * minimum sample size. A median of three incidents moves by hours when one
 * more comes in; the interval and the flag say how far a trend can be
 * read from it.
 *
 * The interval is a percentile bootstrap, reproducible to the second:
 * SPREAD_RESAMPLES resamples of n draws with replacement, each index the
 * next splitmix64 output (state starting at SPREAD_SEED for every sample)
 * modulo n; the median of each resample and the 5th and 95th percentile of
 * those medians all use stats_quantile() (linear interpolation, rounded).
 */
#ifndef PMKB_STATS_SPREAD_H
#define PMKB_STATS_SPREAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SPREAD_RESAMPLES 1000
#define SPREAD_SEED UINT64_C(0x706d6b62)
/* Below this many values a period is "too few to call a trend". */
#define SPREAD_MIN_N 5
/* At most this many values are listed for a distribution plot. */
#define SPREAD_MAX_VALUES 500

/*
 * The summary of the k values in v (sorted ascending; borrowed):
 * {"count", "median", "p90", "ci90": [low, high], "too_few", "values"},
 * median, p90 and ci90 null when k is 0; ci90 null when k is 1; too_few
 * when k < min_n; values (the durations, up to SPREAD_MAX_VALUES evenly
 * picked) only when with_values. Owned.
 */
json_t *spread_json(const int64_t *v, size_t k, int min_n, int with_values);

#endif
