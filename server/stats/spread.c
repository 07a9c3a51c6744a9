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

json_t *spread_json(const int64_t *v, size_t k, int min_n, int with_values)
{
	json_t *j;

	if (!k) {
		j = json_pack("{s:i,s:n,s:n,s:n,s:b}", "count", 0, "median",
			      "p90", "ci90", "too_few", min_n > 0);
	} else {
		json_t *ci = json_null();

		if (k > 1) {
			size_t low = interval_rank(k);

			ci = json_pack("[I,I]", (json_int_t)v[low - 1],
				       (json_int_t)v[k - low]);
		}
		j = json_pack("{s:I,s:I,s:I,s:o,s:b}", "count", (json_int_t)k,
			      "median", (json_int_t)stats_quantile(v, k, 0.5),
			      "p90", (json_int_t)stats_quantile(v, k, 0.9),
			      "ci90", ci, "too_few", (int)k < min_n);
	}
	if (with_values) {
		json_t *vals = json_array();
		size_t step = k > SPREAD_MAX_VALUES
				      ? (k + SPREAD_MAX_VALUES - 1) /
						SPREAD_MAX_VALUES
				      : 1;

		for (size_t i = 0; i < k; i += step)
			json_array_append_new(vals, json_integer(v[i]));
		json_object_set_new(j, "values", vals);
	}
	return j;
}
