/*
 * Honest durations: a sample of durations as n, median, p90 and a 90%
 * interval for the median, flagged "too few" below a minimum sample size.
 * A median of three incidents moves by hours when one more comes in; the
 * interval and the flag say how far a trend can be read from it.
 *
 * The interval is the distribution-free one of order statistics: with
 * the values sorted, X(1) <= ... <= X(n), it is [X(j), X(n + 1 - j)] for
 * the largest j with P(B <= j - 1) <= 0.05, B ~ Binomial(n, 1/2). It holds
 * the true median with probability at least 90 % whatever the
 * distribution, needs no random draws (the same values give the same
 * interval) and costs O(sqrt(n)). Below 5 values no j qualifies and it is
 * the range X(1)..X(n), which holds it less often (93.75 % at 5 values,
 * 87.5 % at 4).
 */
#ifndef PMKB_STATS_SPREAD_H
#define PMKB_STATS_SPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "pmkb/base/buf.h"

/* Below this many values a period is "too few to call a trend". */
#define SPREAD_MIN_N 5
/* At most this many values are listed for a distribution plot. */
#define SPREAD_MAX_VALUES 500

/*
 * Appends the summary of the k values in v (sorted ascending) to out as
 * compact JSON text:
 * {"count", "median", "p90", "ci90": [low, high], "too_few", "values"},
 * median, p90 and ci90 null when k is 0; ci90 null when k is 1; too_few
 * when k < min_n; values (the durations, up to SPREAD_MAX_VALUES evenly
 * picked) only when with_values.
 */
void spread_write(struct buf *out, const int64_t *v, size_t k, int min_n,
                  int with_values);

#endif
