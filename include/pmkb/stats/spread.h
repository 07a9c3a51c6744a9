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

/* The ranks a summary reads: the median's and p90's two neighbours and
 * the interval's two ends. */
#define SPREAD_RANKS 6

/*
 * A summary picked from k values seen one at a time in ascending order,
 * keeping only the values at the ranks it reads and the ones it lists: a
 * walk over every incident in duration order fills one per period and
 * kind without copying the values. Open it with k, show it the values
 * with spread_pick_see(), write it with spread_write(), close it.
 */
struct spread_pick {
	size_t k, seen;
	size_t low; /* the interval's low end's rank, 1-based (k > 1) */
	size_t rank[SPREAD_RANKS]; /* 0-based, ascending */
	int64_t val[SPREAD_RANKS];
	int n_ranks, next;	   /* next: the first rank not yet seen */
	int with_values;
	int64_t *values;	   /* the values listed, every step-th */
	size_t step, listed, due;  /* due: the rank listed next */
};

/* Opens p for k values; with_values lists up to SPREAD_MAX_VALUES of
 * them, evenly picked from the first. */
void spread_pick_open(struct spread_pick *p, size_t k, int with_values);
void spread_pick_close(struct spread_pick *p);

/* Shows p its next value: at least the one before (at most k in all). */
static inline void spread_pick_see(struct spread_pick *p, int64_t v)
{
	size_t r = p->seen++;

	if (r == p->due) {
		p->values[p->listed++] = v;
		p->due += p->step;
	}
	while (p->next < p->n_ranks && p->rank[p->next] == r)
		p->val[p->next++] = v;
}

/*
 * Appends the summary of p's k values (all seen) to out as compact JSON
 * text: {"count", "median", "p90", "ci90": [low, high], "too_few",
 * "values"}, median, p90 and ci90 null when k is 0; ci90 null when k is
 * 1; too_few when k < min_n; values only when p lists them. The median
 * and p90 interpolate between the closest ranks (as numpy's default and
 * Excel's PERCENTILE.INC), rounded to the nearest integer.
 */
void spread_write(struct buf *out, const struct spread_pick *p, int min_n);

#endif
