/*
 * stats.h: descriptive statistics and the two-sample tests pr-compare uses.
 *
 * All functions are deterministic: the same input gives the same output, to
 * the bit.  Functions named *_sorted require ascending input.
 */
#ifndef PR_STATS_H
#define PR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* n, min, p50, p90, p95, p99, max, mean, stddev: the "summary" object. */
struct stats_summary {
	size_t n;
	double min, p50, p90, p95, p99, max, mean, stddev;
};

/* Sort ascending, in place (a radix sort on the bits: O(n), stable). */
void stats_sort(double *v, size_t n);

/* Quantile q in [0,1] by linear interpolation between order statistics
 * (Hyndman and Fan type 7, as R and NumPy default).  NAN when n == 0. */
double stats_quantile_sorted(const double *v, size_t n, double q);

/*
 * Distribution-free confidence interval of the q-quantile of v (sorted):
 * the order statistics v[r-1] and v[s-1] whose ranks bracket the quantile
 * with probability >= conf, r and s taken equal-tailed from the binomial
 * (n, q) distribution of how many values fall below it (exact up to
 * PR_QUANTILE_CI_EXACT_MAX values, normal with continuity correction
 * above).  *lo and *hi are NAN when n is too small for an interval at that
 * level (e.g. the median of 5 values at 95 %).  Returns -1 if n is 0 or q
 * is not in (0, 1).
 */
#define PR_QUANTILE_CI_EXACT_MAX 20000
int stats_quantile_ci_sorted(const double *v, size_t n, double q, double conf, double *lo, double *hi);

/*
 * The ranks behind stats_quantile_ci_sorted, for data held otherwise (a
 * histogram): 1-based r <= s with P(B < r) <= (1 - conf) / 2 and
 * P(B >= s) <= (1 - conf) / 2, B ~ binomial(n, q).  Returns -1, with r 0 or
 * s n + 1, when n is too small for an interval at that level.
 */
int stats_quantile_ci_ranks(size_t n, double q, double conf, size_t *r, size_t *s);

/*
 * Two-sided p-value that x1 of n1 and x2 of n2 come from one proportion:
 * Fisher's exact test (the hypergeometric tables no likelier than the one
 * seen) while the table's support is at most PR_FISHER_EXACT_MAX, else the
 * pooled two-proportion z test.  1 when either n is 0.
 */
#define PR_FISHER_EXACT_MAX 1000000
double stats_two_proportion_p(unsigned long long x1, unsigned long long n1, unsigned long long x2,
    unsigned long long n2);

/* Corrections of n p-values for multiple testing (NANs are left out of the
 * family and stay NAN in adj). */
enum stats_correction { PR_CORRECTION_HOLM, PR_CORRECTION_BH, PR_CORRECTION_NONE };
const char *stats_correction_name(enum stats_correction c);
int stats_correction_parse(const char *s, enum stats_correction *out);

/*
 * adj[i]: p[i] adjusted by Holm's step-down (family-wise error), by
 * Benjamini-Hochberg's step-up (false discovery rate) or not at all.
 * Returns the size of the family (the p-values that are not NAN).
 */
size_t stats_p_adjust(const double *p, size_t n, enum stats_correction c, double *adj);

/* Summary of v (sorted).  stddev is the sample (n - 1) deviation. */
void stats_summarize_sorted(const double *v, size_t n, struct stats_summary *s);

/* Summary of unsorted v; v is left untouched. */
void stats_summarize(const double *v, size_t n, struct stats_summary *s);

/* The summary as a JSON object (caller owns), values at 3 decimals
 * (doc_add_ms: microseconds for ms), and back; from_json reports
 * errors naming ctx and returns PR_INPUT. */
cJSON *stats_summary_to_json(const struct stats_summary *s);
int stats_summary_from_json(const cJSON *obj, const char *ctx, struct stats_summary *s);

/* The result of the Mann-Whitney U (Wilcoxon rank-sum) test. */
struct stats_mwu {
	double u;	/* U of the first sample */
	double z;	/* normal score (0 when exact) */
	double p;	/* two-sided p-value */
	bool exact;	/* p from the exact null distribution (small, no ties) */
};

/*
 * Two-sided Mann-Whitney U test of x against y (both sorted).  Ties get mid
 * ranks and the variance its tie correction; without ties and with
 * nx * ny <= PR_MWU_EXACT_MAX the p-value is exact, otherwise from the normal
 * approximation with continuity correction.  Returns -1 if either side is
 * empty.
 */
#define PR_MWU_EXACT_MAX 10000
int stats_mann_whitney_sorted(const double *x, size_t nx, const double *y, size_t ny, struct stats_mwu *out);

/*
 * Hodges-Lehmann estimate of the shift from x to y (the median of all
 * y[j] - x[i]) and its distribution-free confidence interval at level conf
 * (0.95 for 95 %): the k-th smallest and k-th largest differences, k the
 * Mann-Whitney critical count (exact, as R's qwilcox, when
 * nx * ny <= PR_MWU_EXACT_MAX; normal with continuity correction above).
 * Never forms the nx * ny differences (see stats_kth_difference).  *lo and *hi
 * are NAN when the samples are too small for an interval at that level.
 * Returns -1 if either is empty.
 */
int stats_hodges_lehmann_sorted(const double *x, size_t nx, const double *y, size_t ny, double conf,
    double *shift, double *lo, double *hi);

/*
 * The k-th smallest (1-based) of all y[j] - x[i]; both sorted; NAN when k
 * is out of range.  A sample of the differences brackets it, probes
 * interpolated between the bracket's counts (each an O(nx + ny) pass)
 * narrow it to at most 2^20 differences, and those are selected among.
 * About a dozen passes for 1M x 1M samples.  Exact, except that copies of
 * one difference that differ only by the rounding of y - x (relative
 * 1e-12) may be returned for one another.
 */
double stats_kth_difference(const double *x, size_t nx, const double *y, size_t ny, unsigned long long k);

/*
 * Student's t with df degrees of freedom through the normal: the normal
 * score with the same tail probability as t (Wallace's 1959 approximation,
 * z = sqrt(df log(1 + t^2 / df)) (8 df + 1) / (8 df + 3), within 0.001 of
 * the exact score for df >= 5), and its inverse.  Sign-preserving.
 */
double stats_t_to_z(double t, double df);
double stats_z_to_t(double z, double df);

/* Standard normal: the cumulative distribution and its inverse. */
double stats_norm_cdf(double z);
double stats_norm_quantile(double p);

#endif
