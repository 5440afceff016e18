/* stats.c: see stats.h. */
#include "stats.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"

/* Candidate differences gathered for the final selection in
 * stats_kth_difference once bisection has narrowed the window to this many. */
#define HL_WINDOW_MAX ((unsigned long long)1 << 20)
#define HL_MAX_BISECTIONS 200
/* The sample of differences that gives the search its first bracket. */
#define HL_SAMPLE 16384
/* Differences closer than this (relative) are one value whose copies
 * differ only by the rounding of y - x: the search ends there. */
#define HL_TIE_SPAN 1e-12
#define HL_SAMPLE_SIGMAS 4.0
#define HL_SAMPLE_SEED 0x5eed5eedULL

/* Below this many values insertion sort beats the radix passes. */
#define SORT_SMALL 64
#define RADIX_BITS 16
#define RADIX_BUCKETS ((size_t)1 << RADIX_BITS)
#define RADIX_PASSES (64 / RADIX_BITS)

/* A double's bits as an unsigned key in the same order (NaN excepted):
 * negatives have every bit flipped, the others only the sign. */
static uint64_t
sort_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}

static double
from_key(uint64_t u)
{
	double d;

	u = u >> 63 ? u & ~((uint64_t)1 << 63) : ~u;
	memcpy(&d, &u, sizeof d);
	return d;
}

/*
 * Least-significant-digit radix sort on the keys: four counting passes of
 * 16 bits, stable and O(n), several times faster than qsort on the million
 * samples a large bench document holds.  Passes where every key has the
 * same digit are skipped.
 */
void
stats_sort(double *v, size_t n)
{
	uint64_t *a, *b, *t;
	size_t *count;

	if (n < SORT_SMALL) {
		for (size_t i = 1; i < n; i++) {
			double x = v[i];
			size_t j = i;

			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	a = xmalloc(n * sizeof *a);
	b = xmalloc(n * sizeof *b);
	count = xmalloc(RADIX_PASSES * RADIX_BUCKETS * sizeof *count);
	memset(count, 0, RADIX_PASSES * RADIX_BUCKETS * sizeof *count);
	for (size_t i = 0; i < n; i++) {
		a[i] = sort_key(v[i]);
		for (int p = 0; p < RADIX_PASSES; p++)
			count[p * RADIX_BUCKETS + ((a[i] >> (p * RADIX_BITS)) & (RADIX_BUCKETS - 1))]++;
	}
	for (int p = 0; p < RADIX_PASSES; p++) {
		size_t *c = count + p * RADIX_BUCKETS, sum = 0;
		int shift = p * RADIX_BITS;

		if (c[(a[0] >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;	/* one digit for all: nothing moves */
		for (size_t d = 0; d < RADIX_BUCKETS; d++) {
			size_t k = c[d];

			c[d] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			b[c[(a[i] >> shift) & (RADIX_BUCKETS - 1)]++] = a[i];
		t = a, a = b, b = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = from_key(a[i]);
	free(a);
	free(b);
	free(count);
}

double
stats_quantile_sorted(const double *v, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (h - lo) * (v[i + 1] - v[i]);
}

/*
 * The ranks r <= s (1-based) with P(B < r) <= tail and P(B >= s) <= tail for
 * B ~ binomial(n, q); r is 0 or s is n + 1 when no rank is far enough out.
 */
static void
quantile_ci_ranks(size_t n, double q, double tail, size_t *r, size_t *s)
{
	if (n <= PR_QUANTILE_CI_EXACT_MAX) {
		double lq = log(q), lp = log1p(-q), cdf = 0;
		size_t k;

		*r = 0;
		*s = n + 1;
		for (k = 0; k <= n; k++) {
			cdf += exp(lgamma((double)n + 1) - lgamma((double)k + 1) -
			    lgamma((double)(n - k) + 1) + (double)k * lq + (double)(n - k) * lp);
			if (cdf <= tail)
				*r = k + 1;
			if (cdf >= 1 - tail) {
				*s = k + 1;
				return;
			}
		}
		return;
	}
	double mean = (double)n * q, sd = sqrt(mean * (1 - q)), z = stats_norm_quantile(1 - tail);
	double rlo = floor(mean - z * sd - 0.5), shi = ceil(mean + z * sd + 0.5) + 1;

	*r = rlo < 1 ? 0 : (size_t)rlo;
	*s = shi > (double)n ? n + 1 : (size_t)shi;
}

int
stats_quantile_ci_ranks(size_t n, double q, double conf, size_t *r, size_t *s)
{
	*r = 0;
	*s = n + 1;
	if (n == 0 || !(q > 0 && q < 1))
		return -1;
	quantile_ci_ranks(n, q, (1 - conf) / 2, r, s);
	return *r >= 1 && *s <= n ? 0 : -1;
}

int
stats_quantile_ci_sorted(const double *v, size_t n, double q, double conf, double *lo, double *hi)
{
	size_t r, s;

	*lo = *hi = NAN;
	if (n == 0 || !(q > 0 && q < 1))
		return -1;
	if (stats_quantile_ci_ranks(n, q, conf, &r, &s) == 0) {
		*lo = v[r - 1];
		*hi = v[s - 1];
	}
	return 0;
}

void
stats_summarize_sorted(const double *v, size_t n, struct stats_summary *s)
{
	double mean = 0, m2 = 0;

	memset(s, 0, sizeof *s);
	s->n = n;
	if (n == 0) {
		s->min = s->p50 = s->p90 = s->p95 = s->p99 = s->max = s->mean = s->stddev = NAN;
		return;
	}
	/* Welford: stable for large n and large values. */
	for (size_t i = 0; i < n; i++) {
		double d = v[i] - mean;

		mean += d / (double)(i + 1);
		m2 += d * (v[i] - mean);
	}
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = stats_quantile_sorted(v, n, 0.50);
	s->p90 = stats_quantile_sorted(v, n, 0.90);
	s->p95 = stats_quantile_sorted(v, n, 0.95);
	s->p99 = stats_quantile_sorted(v, n, 0.99);
	s->mean = mean;
	s->stddev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
}

void
stats_summarize(const double *v, size_t n, struct stats_summary *s)
{
	double *copy = xmalloc(n * sizeof *copy);

	if (n)
		memcpy(copy, v, n * sizeof *copy);
	stats_sort(copy, n);
	stats_summarize_sorted(copy, n, s);
	free(copy);
}

cJSON *
stats_summary_to_json(const struct stats_summary *s)
{
	cJSON *o = cJSON_CreateObject();

	/* Times in ms at microseconds; a throughput (rps) keeps as many decimals. */
	cJSON_AddNumberToObject(o, "n", (double)s->n);
	doc_add_ms(o, "min", s->min);
	doc_add_ms(o, "p50", s->p50);
	doc_add_ms(o, "p90", s->p90);
	doc_add_ms(o, "p95", s->p95);
	doc_add_ms(o, "p99", s->p99);
	doc_add_ms(o, "max", s->max);
	doc_add_ms(o, "mean", s->mean);
	doc_add_ms(o, "stddev", s->stddev);
	return o;
}

int
stats_summary_from_json(const cJSON *obj, const char *ctx, struct stats_summary *s)
{
	static const struct { const char *key; size_t off; } fields[] = {
		{ "min", offsetof(struct stats_summary, min) },
		{ "p50", offsetof(struct stats_summary, p50) },
		{ "p90", offsetof(struct stats_summary, p90) },
		{ "p95", offsetof(struct stats_summary, p95) },
		{ "p99", offsetof(struct stats_summary, p99) },
		{ "max", offsetof(struct stats_summary, max) },
		{ "mean", offsetof(struct stats_summary, mean) },
		{ "stddev", offsetof(struct stats_summary, stddev) },
	};
	long n = 0;
	int rc;

	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(obj));
	if ((rc = doc_get_long(obj, "n", PR_REQUIRED, ctx, 0, 1L << 40, &n)))
		return rc;
	s->n = (size_t)n;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		double *dst = (double *)((char *)s + fields[i].off);

		*dst = NAN;
		/* An empty summary holds nulls; a non-empty one needs p50. */
		rc = doc_get_number(obj, fields[i].key,
		    n > 0 && strcmp(fields[i].key, "p50") == 0 ? PR_REQUIRED : PR_OPTIONAL, ctx, dst);
		if (rc)
			return rc;
	}
	return PR_OK;
}

double
stats_t_to_z(double t, double df)
{
	if (isinf(df))
		return t;
	double z = sqrt(df * log1p(t * t / df)) * (8 * df + 1) / (8 * df + 3);

	return t < 0 ? -z : z;
}

double
stats_z_to_t(double z, double df)
{
	if (isinf(df))
		return z;
	double w = z * (8 * df + 3) / (8 * df + 1), t = sqrt(df * expm1(w * w / df));

	return z < 0 ? -t : t;
}

double
stats_norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/*
 * Inverse of the standard normal distribution: Acklam's rational
 * approximation (relative error below 1.2e-9), refined by one Halley step.
 */
double
stats_norm_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
	    -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
	    2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
	    -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
	    -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
	    2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
	    2.445134137142996e+00, 3.754408661907416e+00 };
	const double plow = 0.02425;
	double q, r, x, e, u;

	if (!(p > 0))
		return -INFINITY;
	if (!(p < 1))
		return INFINITY;
	if (p < plow) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - plow) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = stats_norm_cdf(x) - p;
	u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/*
 * The null distribution of U for sample sizes m and n without ties: the
 * number of arrangements with each U = 0..m*n (a new array the caller
 * frees).  They are the coefficients of the Gaussian binomial
 * [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), built one
 * factor at a time; terms above degree m*n never feed back into lower ones.
 */
static double *
mwu_counts(size_t m, size_t n)
{
	size_t deg = m * n, k;
	double *c = xcalloc(deg + 1, sizeof *c);

	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		/* multiply by (1 - q^(n+i)) */
		for (k = deg; k >= n + i; k--)
			c[k] -= c[k - (n + i)];
		/* divide by (1 - q^i): c[k] += c[k - i] */
		for (k = i; k <= deg; k++)
			c[k] += c[k - i];
	}
	return c;
}

/* Exact two-sided p-value of U for sample sizes m and n without ties. */
static double
mwu_exact_p(double u, size_t m, size_t n)
{
	size_t deg = m * n, k;
	double *c = mwu_counts(m, n);
	double total = 0, tail = 0, lo_u;

	for (k = 0; k <= deg; k++)
		total += c[k];
	/* Symmetric distribution: P(U <= min(u, mn - u)) doubled. */
	lo_u = fmin(u, (double)deg - u);
	for (k = 0; k <= deg && (double)k <= lo_u + 1e-9; k++)
		tail += c[k];
	free(c);
	return fmin(1.0, 2 * tail / total);
}

int
stats_mann_whitney_sorted(const double *x, size_t nx, const double *y, size_t ny, struct stats_mwu *out)
{
	double rank_x = 0, ties = 0, n = (double)(nx + ny), mean, var, u, dev;
	size_t i = 0, j = 0, rank = 0;

	memset(out, 0, sizeof *out);
	if (nx == 0 || ny == 0)
		return -1;
	/* Merge; each group of equal values shares the mean of its ranks. */
	while (i < nx || j < ny) {
		double v = i < nx && (j >= ny || x[i] <= y[j]) ? x[i] : y[j];
		size_t tx = 0, ty = 0, t;

		while (i < nx && x[i] == v)
			i++, tx++;
		while (j < ny && y[j] == v)
			j++, ty++;
		t = tx + ty;
		rank_x += (double)tx * ((double)rank + ((double)t + 1) / 2);
		rank += t;
		if (t > 1)
			ties += (double)t * (double)t * (double)t - (double)t;
	}
	u = rank_x - (double)nx * ((double)nx + 1) / 2;
	out->u = u;
	mean = (double)nx * (double)ny / 2;
	if (ties == 0 && nx * ny <= PR_MWU_EXACT_MAX) {
		out->exact = true;
		out->p = mwu_exact_p(u, nx, ny);
		return 0;
	}
	var = (double)nx * (double)ny / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (!(var > 0)) {
		out->p = 1;
		return 0;
	}
	dev = fabs(u - mean) - 0.5;
	if (dev < 0)
		dev = 0;
	out->z = (u > mean ? dev : -dev) / sqrt(var);
	out->p = fmin(1.0, 2 * stats_norm_cdf(-fabs(out->z)));
	return 0;
}

/*
 * One pass over the implicit matrix of differences y[j] - x[i] at value d:
 * how many are <= d, the largest of those (*le, -INFINITY when none) and the
 * smallest difference above d (*gt, INFINITY when none).  For each j the i
 * with y[j] - x[i] <= d form a suffix whose start only moves right as j
 * grows, so the pass is O(nx + ny).
 */
static unsigned long long
count_le(const double *x, size_t nx, const double *y, size_t ny, double d, double *le, double *gt)
{
	unsigned long long count = 0;
	double best_le = -INFINITY, best_gt = INFINITY;
	size_t i = 0;

	for (size_t j = 0; j < ny; j++) {
		while (i < nx && y[j] - x[i] > d)
			i++;
		count += nx - i;
		if (i < nx && y[j] - x[i] > best_le)
			best_le = y[j] - x[i];
		if (i > 0 && y[j] - x[i - 1] < best_gt)
			best_gt = y[j] - x[i - 1];
	}
	*le = best_le;
	*gt = best_gt;
	return count;
}

/* The (k+1)-th smallest (k 0-based) of v[0..n-1], reordering v: Hoare's
 * quickselect with median-of-three pivots, O(n) expected. */
static double
select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		ptrdiff_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
		double a = v[lo], b = v[mid], c = v[hi], pivot, t;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i], v[i] = v[j], v[j] = t;
				i++, j--;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			return v[want];	/* between the parts: equal to the pivot */
	}
	return v[want];
}

/* The search for one order statistic of the differences: lo and hi are
 * actual differences, below_lo of them < lo and upto_hi <= hi. */
struct kth_search {
	const double *x, *y;
	size_t nx, ny;
	unsigned long long k, below_lo, upto_hi;
	double lo, hi;
};

/* Count at d and move the end of the bracket on d's side to the nearest
 * real difference.  Probes outside (lo, hi) change nothing. */
static void
kth_probe(struct kth_search *s, double d)
{
	double le, gt;
	unsigned long long c;

	if (!(d >= s->lo && d < s->hi))
		return;
	c = count_le(s->x, s->nx, s->y, s->ny, d, &le, &gt);
	if (c >= s->k) {
		s->hi = le;	/* the largest difference <= d */
		s->upto_hi = c;
	} else {
		s->lo = gt;	/* the smallest difference > d */
		s->below_lo = c;
	}
}

/*
 * A first bracket from a fixed pseudo-random sample of the differences:
 * their quantiles HL_SAMPLE_SIGMAS standard errors either side of k's
 * quantile hold the k-th difference with near certainty, and two counts
 * check it.  (A miss only costs the search a few more probes.)
 */
static void
kth_sample_bracket(struct kth_search *s)
{
	double *v = xmalloc(HL_SAMPLE * sizeof *v);
	unsigned long long mn = (unsigned long long)s->nx * s->ny, state = HL_SAMPLE_SEED;
	double q = ((double)s->k - 0.5) / (double)mn;
	double margin = HL_SAMPLE_SIGMAS * sqrt(q * (1 - q) / HL_SAMPLE) + 2.0 / HL_SAMPLE;

	for (size_t i = 0; i < HL_SAMPLE; i++) {
		/* 64-bit linear congruential steps (Knuth's MMIX constants). */
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t xi = (size_t)((state >> 32) % s->nx);
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t yj = (size_t)((state >> 32) % s->ny);

		v[i] = s->y[yj] - s->x[xi];
	}
	stats_sort(v, HL_SAMPLE);
	if (q - margin > 0)
		kth_probe(s, stats_quantile_sorted(v, HL_SAMPLE, q - margin));
	if (q + margin < 1)
		kth_probe(s, stats_quantile_sorted(v, HL_SAMPLE, q + margin));
	free(v);
}

/*
 * The search keeps lo and hi actual differences: each count snaps the moving
 * end to the nearest real difference, so heavy ties (identical inputs,
 * values rounded to the microsecond) end it at once instead of halving
 * towards a value no difference has.  After the sampled bracket, each probe
 * is interpolated from the counts at both ends (locally the differences'
 * distribution is nearly linear), falling back to the midpoint when a probe
 * did not halve the window.  Once at most HL_WINDOW_MAX differences remain
 * between lo and hi they are gathered and the k-th selected.
 */
double
stats_kth_difference(const double *x, size_t nx, const double *y, size_t ny, unsigned long long k)
{
	struct kth_search s = { x, y, nx, ny, k, 0, (unsigned long long)nx * ny, 0, 0 };
	double result, le, gt;
	struct buf cand = {0};
	size_t ncand = 0, ia = 0, ib = 0;
	bool interpolate = true;
	int moved = 0;		/* which end the last probe moved: 1 lo, 2 hi */
	int slow = 0;
	unsigned long long prev_lo;

	if (nx == 0 || ny == 0 || k == 0 || k > s.upto_hi)
		return NAN;
	s.lo = y[0] - x[nx - 1];
	s.hi = y[ny - 1] - x[0];
	if (s.upto_hi > HL_WINDOW_MAX)
		kth_sample_bracket(&s);
	for (int it = 0; it < HL_MAX_BISECTIONS && s.lo < s.hi && s.upto_hi - s.below_lo > HL_WINDOW_MAX; it++) {
		unsigned long long window = s.upto_hi - s.below_lo;
		double target = (double)(k - s.below_lo) - 0.5, mid;

		if (s.hi - s.lo <= HL_TIE_SPAN * fmax(fabs(s.lo), fabs(s.hi)))
			return s.hi;	/* one value, up to the rounding of y - x */
		/* Aim past k by the last probe's miss, so that the next probe
		 * lands on the other side and both ends close in. */
		if (moved == 1)
			target += (double)(k - s.below_lo);
		else if (moved == 2)
			target -= (double)(s.upto_hi - k);
		target = fmin(fmax(target, 0.5), (double)window - 0.5);
		mid = interpolate ? s.lo + target / (double)window * (s.hi - s.lo) : s.lo + (s.hi - s.lo) / 2;
		if (!(mid >= s.lo && mid < s.hi))
			mid = s.lo + (s.hi - s.lo) / 2;
		if (!(mid >= s.lo && mid < s.hi))
			break;
		prev_lo = s.below_lo;
		kth_probe(&s, mid);
		moved = s.below_lo != prev_lo ? 1 : 2;
		/* Two probes in a row that did not halve the window: bisect once. */
		slow = s.upto_hi - s.below_lo > window / 2 ? slow + 1 : 0;
		interpolate = slow < 2;
		if (!interpolate)
			slow = 0;
	}
	if (s.lo >= s.hi)
		return s.hi;	/* every difference in the window is this one */
	if (s.upto_hi - s.below_lo > HL_WINDOW_MAX) {
		/* lo and hi adjacent doubles, each heavily tied: no gathering. */
		return count_le(x, nx, y, ny, s.lo, &le, &gt) >= k ? s.lo : s.hi;
	}

	/* Gather the differences in [lo, hi] and select among them. */
	for (size_t j = 0; j < ny; j++) {
		while (ia < nx && y[j] - x[ia] > s.hi)
			ia++;
		while (ib < nx && y[j] - x[ib] >= s.lo)
			ib++;
		for (size_t i = ia; i < ib; i++) {
			double d = y[j] - x[i];

			buf_add(&cand, &d, sizeof d);
			ncand++;
		}
	}
	if (ncand == 0 || k - s.below_lo > ncand) {
		buf_free(&cand);
		return s.hi;
	}
	result = select_kth((double *)(void *)cand.data, ncand, (size_t)(k - s.below_lo - 1));
	buf_free(&cand);
	return result;
}

/* The (k+1)-th smallest difference given the k-th, d: d again when it is
 * tied beyond k, otherwise the smallest difference above it. */
static double
next_difference(const double *x, size_t nx, const double *y, size_t ny, unsigned long long k, double d)
{
	double le, gt;

	return count_le(x, nx, y, ny, d, &le, &gt) > k ? d : gt;
}

/*
 * The Mann-Whitney critical count for an interval at level conf: the
 * largest k with P(U < k) <= (1 - conf) / 2 under the null.  Exact from the
 * Gaussian binomial coefficients when nx * ny <= PR_MWU_EXACT_MAX (as R's
 * qwilcox), otherwise from the normal approximation with continuity
 * correction.  0 when no interval at that level exists.
 */
static unsigned long long
mwu_critical(size_t nx, size_t ny, double conf)
{
	double tail = (1 - conf) / 2, mn = (double)nx * (double)ny;

	if (nx * ny <= PR_MWU_EXACT_MAX) {
		size_t deg = nx * ny;
		double *c = mwu_counts(nx, ny), total = 0, cum = 0;
		unsigned long long k = 0;

		for (size_t u = 0; u <= deg; u++)
			total += c[u];
		/* P(U <= u) <= tail for u = 0..k-1 means P(U < k) <= tail. */
		for (size_t u = 0; u <= deg; u++) {
			cum += c[u];
			if (cum / total > tail)
				break;
			k = u + 1;
		}
		free(c);
		return k;
	} else {
		double sd = sqrt(mn * (double)(nx + ny + 1) / 12);
		double k = floor(mn / 2 + 0.5 - stats_norm_quantile(1 - tail) * sd);

		return k < 1 ? 0 : (unsigned long long)k;
	}
}

int
stats_hodges_lehmann_sorted(const double *x, size_t nx, const double *y, size_t ny, double conf,
    double *shift, double *lo, double *hi)
{
	unsigned long long mn = (unsigned long long)nx * ny, k;
	double d;

	*shift = *lo = *hi = NAN;
	if (nx == 0 || ny == 0)
		return -1;
	if (mn % 2) {
		*shift = stats_kth_difference(x, nx, y, ny, mn / 2 + 1);
	} else {
		d = stats_kth_difference(x, nx, y, ny, mn / 2);
		*shift = (d + next_difference(x, nx, y, ny, mn / 2, d)) / 2;
	}

	/* The interval's ends are the k-th smallest and k-th largest
	 * differences, k the Mann-Whitney critical count at level conf. */
	k = mwu_critical(nx, ny, conf);
	if (k < 1 || k > mn / 2)
		return 0;
	*lo = stats_kth_difference(x, nx, y, ny, k);
	*hi = stats_kth_difference(x, nx, y, ny, mn - k + 1);
	return 0;
}

/* log P(X = k) for X hypergeometric: k of the n1 draws among x successes of n. */
static double
hyper_logpmf(double k, double n1, double x, double n)
{
	return lgamma(x + 1) - lgamma(k + 1) - lgamma(x - k + 1) + lgamma(n - x + 1) -
	    lgamma(n1 - k + 1) - lgamma(n - x - n1 + k + 1) - lgamma(n + 1) + lgamma(n1 + 1) +
	    lgamma(n - n1 + 1);
}

/* Relative tolerance for "no likelier than the table seen" (as R's fisher.test). */
#define FISHER_REL_TOL (1 + 1e-7)

double
stats_two_proportion_p(unsigned long long x1, unsigned long long n1, unsigned long long x2,
    unsigned long long n2)
{
	double n = (double)n1 + (double)n2, x = (double)x1 + (double)x2;
	double kmin, kmax, obs, p = 0;

	if (n1 == 0 || n2 == 0)
		return 1;
	kmin = x - (double)n2 > 0 ? x - (double)n2 : 0;
	kmax = x < (double)n1 ? x : (double)n1;
	if (kmax - kmin > PR_FISHER_EXACT_MAX) {
		double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2, pool = x / n;
		double se = sqrt(pool * (1 - pool) * (1 / (double)n1 + 1 / (double)n2));

		return se > 0 ? 2 * stats_norm_cdf(-fabs(p1 - p2) / se) : 1;
	}
	obs = hyper_logpmf((double)x1, (double)n1, x, n);
	for (double k = kmin; k <= kmax; k++) {
		double lp = hyper_logpmf(k, (double)n1, x, n);

		if (lp <= obs + log(FISHER_REL_TOL))
			p += exp(lp);
	}
	return p > 1 ? 1 : p;
}

static const char *const correction_names[] = {
	[PR_CORRECTION_HOLM] = "holm",
	[PR_CORRECTION_BH] = "bh",
	[PR_CORRECTION_NONE] = "none",
};

const char *
stats_correction_name(enum stats_correction c)
{
	return correction_names[c];
}

int
stats_correction_parse(const char *s, enum stats_correction *out)
{
	for (size_t i = 0; i < sizeof correction_names / sizeof correction_names[0]; i++) {
		if (strcmp(s, correction_names[i]) == 0) {
			*out = (enum stats_correction)i;
			return 0;
		}
	}
	return -1;
}

/* Indexes into p, ascending by p-value (ties by index, for determinism). */
static const double *sort_p;

static int
by_p(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_p[i] != sort_p[j])
		return sort_p[i] < sort_p[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

size_t
stats_p_adjust(const double *p, size_t n, enum stats_correction c, double *adj)
{
	size_t *order = xcalloc(n ? n : 1, sizeof *order);
	size_t m = 0;
	double run;

	for (size_t i = 0; i < n; i++) {
		adj[i] = p[i];
		if (!isnan(p[i]))
			order[m++] = i;
	}
	sort_p = p;
	qsort(order, m, sizeof *order, by_p);
	if (c == PR_CORRECTION_HOLM) {
		run = 0;
		for (size_t j = 0; j < m; j++) {
			double v = (double)(m - j) * p[order[j]];

			run = v > run ? v : run;
			adj[order[j]] = run < 1 ? run : 1;
		}
	} else if (c == PR_CORRECTION_BH) {
		run = 1;
		for (size_t j = m; j-- > 0;) {
			double v = (double)m * p[order[j]] / (double)(j + 1);

			run = v < run ? v : run;
			adj[order[j]] = run;
		}
	}
	free(order);
	return m;
}
