/* Honest durations (include/pmkb/stats/spread.h). */
#include <stdlib.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/stats/spread.h"
#include "pmkb/stats/stats.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The value at rank r of a resample given as counts per sorted index. */
static int64_t at_rank(const int64_t *v, const uint32_t *counts, size_t k,
		       size_t r)
{
	size_t seen = 0;

	for (size_t i = 0; i < k; i++) {
		seen += counts[i];
		if (r < seen)
			return v[i];
	}
	return v[k - 1];
}

/*
 * A resample's median without sorting it: v is sorted, so the counts of
 * each index drawn give the resample in order. O(k) per resample.
 */
static void bootstrap(const int64_t *v, size_t k, int64_t *lo, int64_t *hi)
{
	uint32_t *counts = xcalloc(k, sizeof(*counts));
	int64_t *meds = xcalloc(SPREAD_RESAMPLES, sizeof(*meds));
	uint64_t state = SPREAD_SEED;
	double h = (double)(k - 1) * 0.5;
	size_t r = (size_t)h;

	for (int b = 0; b < SPREAD_RESAMPLES; b++) {
		int64_t a, c;

		for (size_t i = 0; i < k; i++)
			counts[i] = 0;
		for (size_t i = 0; i < k; i++)
			counts[splitmix64(&state) % k]++;
		a = at_rank(v, counts, k, r);
		c = r + 1 < k ? at_rank(v, counts, k, r + 1) : a;
		/* The same interpolation as stats_quantile(). */
		{
			int64_t pair[2] = { a, c };

			meds[b] = stats_quantile(pair, 2, h - (double)r);
		}
	}
	qsort(meds, SPREAD_RESAMPLES, sizeof(*meds), cmp_i64);
	*lo = stats_quantile(meds, SPREAD_RESAMPLES, 0.05);
	*hi = stats_quantile(meds, SPREAD_RESAMPLES, 0.95);
	free(meds);
	free(counts);
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
			int64_t lo, hi;

			bootstrap(v, k, &lo, &hi);
			ci = json_pack("[I,I]", (json_int_t)lo, (json_int_t)hi);
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
