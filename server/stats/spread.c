/* Honest durations (include/pmkb/stats/spread.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmkb/base/xalloc.h"
#include "pmkb/stats/spread.h"

/* ln Γ(x), without lgamma()'s write to the global signgam (requests
 * run on several threads). */
static double ln_gamma(double x)
{
	int sign;

	return lgamma_r(x, &sign);
}

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

	pmf = exp(ln_gamma((double)k + 1) - ln_gamma((double)i + 1) -
		  ln_gamma((double)(k - i) + 1) - (double)k * M_LN2);
	for (; i < k; i++) {
		cdf += pmf;
		if (cdf > 0.05)
			break;
		j = i + 1;
		pmf *= (double)(k - i) / (double)(i + 1);
	}
	return j;
}

/* The rank below fraction q of k values, and how far past it q lies. */
static size_t quantile_rank(size_t k, double q, double *frac)
{
	double h = (double)(k - 1) * q;
	size_t lo = (size_t)floor(h);

	*frac = h - (double)lo;
	return lo;
}

void spread_pick_open(struct spread_pick *p, size_t k, int with_values)
{
	static const double qs[2] = { 0.5, 0.9 };
	double frac;

	memset(p, 0, sizeof(*p));
	p->k = k;
	p->with_values = with_values;
	p->due = SIZE_MAX;
	if (with_values && k) {
		p->step = k > SPREAD_MAX_VALUES
		              ? (k + SPREAD_MAX_VALUES - 1) / SPREAD_MAX_VALUES
		              : 1;
		p->values = xmalloc((k + p->step - 1) / p->step *
		                    sizeof(*p->values));
		p->due = 0;
	}
	if (!k)
		return;
	for (int i = 0; i < 2; i++) {
		size_t lo = quantile_rank(k, qs[i], &frac);

		p->rank[p->n_ranks++] = lo;
		p->rank[p->n_ranks++] = lo + 1 < k ? lo + 1 : k - 1;
	}
	if (k > 1) {
		p->low = interval_rank(k);
		p->rank[p->n_ranks++] = p->low - 1;
		p->rank[p->n_ranks++] = k - p->low;
	}
	for (int i = 1; i < p->n_ranks; i++)
		for (int j = i; j > 0 && p->rank[j - 1] > p->rank[j]; j--) {
			size_t t = p->rank[j];

			p->rank[j] = p->rank[j - 1];
			p->rank[j - 1] = t;
		}
}

void spread_pick_close(struct spread_pick *p)
{
	free(p->values);
	p->values = NULL;
}

/* The value of rank r, one of the ranks picked. */
static int64_t value_at(const struct spread_pick *p, size_t r)
{
	int i = 0;

	while (i < p->n_ranks - 1 && p->rank[i] != r)
		i++;
	return p->val[i];
}

static int64_t quantile(const struct spread_pick *p, double q)
{
	double frac;
	size_t lo = quantile_rank(p->k, q, &frac);
	int64_t a, b;

	if (lo + 1 >= p->k)
		return value_at(p, p->k - 1);
	a = value_at(p, lo);
	b = value_at(p, lo + 1);
	return (int64_t)llround((double)a + frac * (double)(b - a));
}

void spread_write(struct buf *out, const struct spread_pick *p, int min_n)
{
	size_t k = p->k;

	buf_addstr(out, "{\"count\":");
	buf_add_int(out, (int64_t)k);
	if (!k) {
		buf_addstr(out, ",\"median\":null,\"p90\":null,\"ci90\":null");
	} else {
		buf_addstr(out, ",\"median\":");
		buf_add_int(out, quantile(p, 0.5));
		buf_addstr(out, ",\"p90\":");
		buf_add_int(out, quantile(p, 0.9));
		buf_addstr(out, ",\"ci90\":");
		if (k > 1) {
			buf_addch(out, '[');
			buf_add_int(out, value_at(p, p->low - 1));
			buf_addch(out, ',');
			buf_add_int(out, value_at(p, k - p->low));
			buf_addch(out, ']');
		} else {
			buf_addstr(out, "null");
		}
	}
	buf_addstr(out, (int64_t)k < min_n ? ",\"too_few\":true"
	                                   : ",\"too_few\":false");
	if (p->with_values) {
		buf_addstr(out, ",\"values\":[");
		for (size_t i = 0; i < p->listed; i++) {
			if (i)
				buf_addch(out, ',');
			buf_add_int(out, p->values[i]);
		}
		buf_addch(out, ']');
	}
	buf_addch(out, '}');
}
