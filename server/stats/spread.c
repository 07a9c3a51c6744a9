/* Honest durations (include/pmkb/stats/spread.h). */
#include <math.h>
#include <stdlib.h>

#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"

/*
 * The rank j (1-based) of the interval's low end for k values: the
 * largest j with P(B <= j - 1) <= 0.05, B ~ Binomial(k, 1/2), else 1.
 * The lower tail is summed from 12 standard deviations below the middle,
 * where what is left out is below 1e-30: O(sqrt(k)) terms.
 */
static size_t interval_rank(size_t k)
{
	double sd = sqrt((double)k) / 2.0, cdf = 0.0, pmf;
	double from = (double)k / 2.0 - 12.0 * sd;
	size_t i = from > 0 ? (size_t)from : 0, j = 1;

	pmf = exp(lgamma((double)k + 1) - lgamma((double)i + 1) -
		  lgamma((double)(k - i) + 1) - (double)k * M_LN2);
	for (; i < k; i++) {
		cdf += pmf;
		if (cdf > 0.05)
			break;
		j = i + 1;
		pmf *= (double)(k - i) / (double)(i + 1);
	}
	return j;
}

void spread_write(struct buf *out, const int64_t *v, size_t k, int min_n,
                  int with_values)
{
	buf_addstr(out, "{\"count\":");
	buf_add_int(out, (int64_t)k);
	if (!k) {
		buf_addstr(out, ",\"median\":null,\"p90\":null,\"ci90\":null");
	} else {
		buf_addstr(out, ",\"median\":");
		buf_add_int(out, stats_quantile(v, k, 0.5));
		buf_addstr(out, ",\"p90\":");
		buf_add_int(out, stats_quantile(v, k, 0.9));
		buf_addstr(out, ",\"ci90\":");
		if (k > 1) {
			size_t low = interval_rank(k);

			buf_addch(out, '[');
			buf_add_int(out, v[low - 1]);
			buf_addch(out, ',');
			buf_add_int(out, v[k - low]);
			buf_addch(out, ']');
		} else {
			buf_addstr(out, "null");
		}
	}
	buf_addstr(out, (int64_t)k < min_n ? ",\"too_few\":true"
	                                   : ",\"too_few\":false");
	if (with_values) {
		size_t step = k > SPREAD_MAX_VALUES
		                  ? (k + SPREAD_MAX_VALUES - 1) /
		                        SPREAD_MAX_VALUES
		                  : 1;

		buf_addstr(out, ",\"values\":[");
		for (size_t i = 0; i < k; i += step) {
			if (i)
				buf_addch(out, ',');
			buf_add_int(out, v[i]);
		}
		buf_addch(out, ']');
	}
	buf_addch(out, '}');
}
