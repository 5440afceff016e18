/* hist.c: the log-linear latency histogram (see hist.h for the layout). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "hist.h"

#define HALF_COUNT (PR_HIST_SUB_BUCKETS / 2)
#define SUB_MASK ((uint64_t)PR_HIST_SUB_BUCKETS - 1)
#define US_PER_MS 1000.0
/* Counts and sums are carried in JSON numbers: exact up to 2^53. */
#define JSON_EXACT_MAX 9007199254740992.0

struct hist *
hist_new(void)
{
	struct hist *h = xmalloc(sizeof *h);

	hist_reset(h);
	return h;
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min_us = UINT64_MAX;
}

size_t
hist_index(uint64_t us)
{
	int len, b;

	if (us > PR_HIST_HIGHEST_US)
		us = PR_HIST_HIGHEST_US;
	len = 64 - __builtin_clzll(us | SUB_MASK);
	b = len - (PR_HIST_HALF_MAGNITUDE + 1);
	return ((size_t)(b + 1) << PR_HIST_HALF_MAGNITUDE) + (size_t)((us >> b) - HALF_COUNT);
}

uint64_t
hist_bucket_low(size_t index)
{
	size_t b;

	if (index < PR_HIST_SUB_BUCKETS)
		return index;
	b = (index >> PR_HIST_HALF_MAGNITUDE) - 1;
	return (uint64_t)(index % HALF_COUNT + HALF_COUNT) << b;
}

uint64_t
hist_bucket_width(size_t index)
{
	if (index < PR_HIST_SUB_BUCKETS)
		return 1;
	return (uint64_t)1 << ((index >> PR_HIST_HALF_MAGNITUDE) - 1);
}

void
hist_record_n(struct hist *h, uint64_t us, uint64_t count)
{
	if (count == 0)
		return;
	if (us > PR_HIST_HIGHEST_US)
		us = PR_HIST_HIGHEST_US;
	h->counts[hist_index(us)] += count;
	h->n += count;
	h->sum_us += us * count;
	if (us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
}

void
hist_record(struct hist *h, uint64_t us)
{
	hist_record_n(h, us, 1);
}

void
hist_merge(struct hist *into, const struct hist *from)
{
	if (from->n == 0)
		return;
	for (size_t i = 0; i < PR_HIST_COUNTS; i++)
		into->counts[i] += from->counts[i];
	into->n += from->n;
	into->sum_us += from->sum_us;
	if (from->min_us < into->min_us)
		into->min_us = from->min_us;
	if (from->max_us > into->max_us)
		into->max_us = from->max_us;
}

/* The representative of bucket index: the mean of the integers it holds,
 * kept inside the exact [min, max] of h. */
static double
bucket_mid(const struct hist *h, size_t index)
{
	double mid = (double)hist_bucket_low(index) + ((double)hist_bucket_width(index) - 1) / 2;

	if (mid < (double)h->min_us)
		mid = (double)h->min_us;
	if (mid > (double)h->max_us)
		mid = (double)h->max_us;
	return mid;
}

/* The order statistic of 0-based rank k (k < n), as its bucket's value. */
static double
rank_value(const struct hist *h, uint64_t k)
{
	uint64_t seen = 0;

	if (k == 0)
		return (double)h->min_us;
	if (k >= h->n - 1)
		return (double)h->max_us;
	for (size_t i = 0; i < PR_HIST_COUNTS; i++) {
		seen += h->counts[i];
		if (seen > k)
			return bucket_mid(h, i);
	}
	return (double)h->max_us;
}

int
hist_rank_bounds_us(const struct hist *h, uint64_t k, double *lo, double *hi)
{
	uint64_t seen = 0;

	if (k < 1 || k > h->n)
		return -1;
	for (size_t i = 0; i < PR_HIST_COUNTS; i++) {
		seen += h->counts[i];
		if (seen >= k) {
			*lo = (double)hist_bucket_low(i);
			*hi = *lo + (double)hist_bucket_width(i) - 1;
			break;
		}
	}
	*lo = *lo < (double)h->min_us ? (double)h->min_us : *lo;
	*hi = *hi > (double)h->max_us ? (double)h->max_us : *hi;
	return 0;
}

double
hist_quantile_us(const struct hist *h, double q)
{
	double pos, lo, hi, frac;
	uint64_t k;

	if (h->n == 0)
		return NAN;
	if (q <= 0)
		return (double)h->min_us;
	if (q >= 1)
		return (double)h->max_us;
	pos = (double)(h->n - 1) * q;
	k = (uint64_t)floor(pos);
	frac = pos - (double)k;
	lo = rank_value(h, k);
	if (frac == 0)
		return lo;
	hi = rank_value(h, k + 1);
	return lo + (hi - lo) * frac;
}

/*
 * Quantile q in ms at the histogram's precision: rounded to the largest
 * power of ten of microseconds that is not wider than its bucket, so that a
 * p99 of 104 ms does not claim microseconds that a 64 us bucket cannot tell.
 */
static double
quantile_ms(const struct hist *h, double q)
{
	double us = hist_quantile_us(h, q), step_us = 1;
	uint64_t width;

	if (!isfinite(us))
		return us;
	width = hist_bucket_width(hist_index((uint64_t)us));
	while (step_us * 10 <= (double)width)
		step_us *= 10;
	return round(us / step_us) * step_us / US_PER_MS;
}

void
hist_summary_ms(const struct hist *h, struct stats_summary *s)
{
	double mean_us, m2 = 0;

	memset(s, 0, sizeof *s);
	s->n = (size_t)h->n;
	if (h->n == 0) {
		s->min = s->p50 = s->p90 = s->p95 = s->p99 = s->max = s->mean = s->stddev = NAN;
		return;
	}
	mean_us = (double)h->sum_us / (double)h->n;
	for (size_t i = 0; i < PR_HIST_COUNTS; i++) {
		double d;

		if (h->counts[i] == 0)
			continue;
		d = bucket_mid(h, i) - mean_us;
		m2 += (double)h->counts[i] * d * d;
	}
	s->min = (double)h->min_us / US_PER_MS;
	s->max = (double)h->max_us / US_PER_MS;
	s->p50 = quantile_ms(h, 0.50);
	s->p90 = quantile_ms(h, 0.90);
	s->p95 = quantile_ms(h, 0.95);
	s->p99 = quantile_ms(h, 0.99);
	s->mean = mean_us / US_PER_MS;
	s->stddev = h->n > 1 ? sqrt(m2 / (double)(h->n - 1)) / US_PER_MS : 0;
}

cJSON *
hist_to_json(const struct hist *h)
{
	cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "unit", "us");
	cJSON_AddNumberToObject(o, "significant_digits", PR_HIST_SIGNIFICANT_DIGITS);
	cJSON_AddNumberToObject(o, "lowest", PR_HIST_LOWEST_US);
	cJSON_AddNumberToObject(o, "highest", (double)PR_HIST_HIGHEST_US);
	cJSON_AddNumberToObject(o, "n", (double)h->n);
	if (h->n) {
		cJSON_AddNumberToObject(o, "min", (double)h->min_us);
		cJSON_AddNumberToObject(o, "max", (double)h->max_us);
	} else {
		cJSON_AddNullToObject(o, "min");
		cJSON_AddNullToObject(o, "max");
	}
	cJSON_AddNumberToObject(o, "sum", (double)h->sum_us);
	for (size_t i = 0; i < PR_HIST_COUNTS; i++) {
		cJSON *pair;

		if (h->counts[i] == 0)
			continue;
		pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)i));
		cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)h->counts[i]));
		cJSON_AddItemToArray(counts, pair);
	}
	cJSON_AddItemToObject(o, "counts", counts);
	return o;
}

/* A whole number in [0, max] that JSON carries exactly; -1 otherwise. */
static int
whole(const cJSON *item, double max, uint64_t *out)
{
	double v;

	if (!cJSON_IsNumber(item))
		return -1;
	v = item->valuedouble;
	if (!isfinite(v) || v < 0 || v > max || v != floor(v))
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int
hist_from_json(const cJSON *obj, const char *ctx, struct hist *h)
{
	const cJSON *counts, *pair;
	const char *unit;
	double digits, lowest, highest;
	uint64_t n, min_us = 0, max_us = 0, sum_us, last = 0, idx, count;
	size_t k = 0;
	int rc;

	hist_reset(h);
	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s: histogram is %s, expected an object", ctx, doc_json_type(obj));
	if ((rc = doc_get_string(obj, "unit", PR_REQUIRED, ctx, &unit)) ||
	    (rc = doc_get_number(obj, "significant_digits", PR_REQUIRED, ctx, &digits)) ||
	    (rc = doc_get_number(obj, "lowest", PR_REQUIRED, ctx, &lowest)) ||
	    (rc = doc_get_number(obj, "highest", PR_REQUIRED, ctx, &highest)) ||
	    (rc = doc_get_array(obj, "counts", PR_REQUIRED, ctx, &counts)))
		return rc;
	if (strcmp(unit, "us") != 0 || digits != PR_HIST_SIGNIFICANT_DIGITS ||
	    lowest != PR_HIST_LOWEST_US || highest != (double)PR_HIST_HIGHEST_US)
		return pr_error(PR_INPUT, "%s: histogram is %s/%g digits/%g..%g, expected us/%d digits/%d..%llu "
		    "(merge only documents from this pr-bench)", ctx, unit, digits, lowest, highest,
		    PR_HIST_SIGNIFICANT_DIGITS, PR_HIST_LOWEST_US, (unsigned long long)PR_HIST_HIGHEST_US);
	if (whole(cJSON_GetObjectItemCaseSensitive(obj, "n"), JSON_EXACT_MAX, &n) ||
	    whole(cJSON_GetObjectItemCaseSensitive(obj, "sum"), JSON_EXACT_MAX, &sum_us))
		return pr_error(PR_INPUT, "%s.n, .sum: must be whole numbers >= 0", ctx);
	if (n && (whole(cJSON_GetObjectItemCaseSensitive(obj, "min"), (double)PR_HIST_HIGHEST_US, &min_us) ||
	    whole(cJSON_GetObjectItemCaseSensitive(obj, "max"), (double)PR_HIST_HIGHEST_US, &max_us) ||
	    min_us > max_us))
		return pr_error(PR_INPUT, "%s.min, .max: must be whole microseconds with min <= max", ctx);
	cJSON_ArrayForEach(pair, counts) {
		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 ||
		    whole(cJSON_GetArrayItem(pair, 0), PR_HIST_COUNTS - 1, &idx) ||
		    whole(cJSON_GetArrayItem(pair, 1), JSON_EXACT_MAX, &count) || count == 0 ||
		    (k > 0 && idx <= last))
			return pr_error(PR_INPUT, "%s.counts[%zu]: expected [index, count] with indexes ascending "
			    "below %d and counts > 0", ctx, k, PR_HIST_COUNTS);
		/* n is at most JSON_EXACT_MAX: a larger running total (which
		 * could wrap around to n) already disagrees with it. */
		if (count > (uint64_t)JSON_EXACT_MAX - h->n)
			return pr_error(PR_INPUT, "%s.n: %llu, but the counts add up to more than %llu", ctx,
			    (unsigned long long)n, (unsigned long long)JSON_EXACT_MAX);
		h->counts[idx] = count;
		h->n += count;
		last = idx;
		k++;
	}
	if (h->n != n)
		return pr_error(PR_INPUT, "%s.n: %llu, but the counts add up to %llu", ctx,
		    (unsigned long long)n, (unsigned long long)h->n);
	if (n && (h->counts[hist_index(min_us)] == 0 || h->counts[hist_index(max_us)] == 0))
		return pr_error(PR_INPUT, "%s.min, .max: fall in buckets with no counts", ctx);
	/* The mean must lie within [min, max] (a microsecond of slack for
	 * the division), and an empty histogram sums to 0. */
	if (n ? (double)sum_us / (double)n < (double)min_us - 1 ||
	    (double)sum_us / (double)n > (double)max_us + 1 : sum_us != 0)
		return pr_error(PR_INPUT, "%s.sum: %llu does not fit n, min and max (the mean would fall outside "
		    "[min, max])", ctx, (unsigned long long)sum_us);
	h->sum_us = sum_us;
	if (n) {
		h->min_us = min_us;
		h->max_us = max_us;
	}
	return 0;
}

int
hist_mann_whitney(const struct hist *x, const struct hist *y, struct stats_mwu *out)
{
	/* Long doubles: rank sums grow as n^2 and tie terms as t^3. */
	long double rank = 0, rank_x = 0, ties = 0, nx = (long double)x->n, ny = (long double)y->n;
	long double n = nx + ny, mean, var, dev;

	memset(out, 0, sizeof *out);
	if (x->n == 0 || y->n == 0)
		return -1;
	for (size_t i = 0; i < PR_HIST_COUNTS; i++) {
		long double tx = (long double)x->counts[i], t = tx + (long double)y->counts[i];

		if (t == 0)
			continue;
		rank_x += tx * (rank + (t + 1) / 2);
		rank += t;
		ties += t * t * t - t;
	}
	out->u = (double)(rank_x - nx * (nx + 1) / 2);
	mean = nx * ny / 2;
	var = nx * ny / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (!(var > 0)) {
		out->p = 1;
		return 0;
	}
	dev = fabsl((long double)out->u - mean) - 0.5L;
	if (dev < 0)
		dev = 0;
	out->z = (double)((long double)out->u > mean ? dev : -dev) / (double)sqrtl(var);
	out->p = fmin(1.0, 2 * stats_norm_cdf(-fabs(out->z)));
	return 0;
}
