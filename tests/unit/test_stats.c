/* test_stats.c: quantiles, summaries, the rank test and Hodges-Lehmann. */
#include <stdlib.h>

#include "stats.h"
#include "t.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
test_quantile_matches_type7(void)
{
	double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	CHECK_NEAR(stats_quantile_sorted(v, 10, 0.5), 5.5, 1e-12);
	CHECK_NEAR(stats_quantile_sorted(v, 10, 0.9), 9.1, 1e-12);
	CHECK_NEAR(stats_quantile_sorted(v, 10, 0.0), 1, 0);
	CHECK_NEAR(stats_quantile_sorted(v, 10, 1.0), 10, 0);
	CHECK_NEAR(stats_quantile_sorted(v, 1, 0.99), 1, 0);
	CHECK(isnan(stats_quantile_sorted(v, 0, 0.5)));
}

static void
test_summary_mean_and_stddev(void)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct stats_summary s;

	stats_summarize(v, 8, &s);
	CHECK(s.n == 8);
	CHECK_NEAR(s.mean, 5, 1e-12);
	CHECK_NEAR(s.stddev, 2.138089935299395, 1e-12);
	CHECK_NEAR(s.min, 2, 0);
	CHECK_NEAR(s.max, 9, 0);
	CHECK_NEAR(s.p50, 4.5, 1e-12);
	CHECK(v[0] == 2 && v[7] == 9);	/* input untouched */
}

static void
test_mann_whitney_exact_small(void)
{
	/* Fully separated 3 vs 3: U = 0, exact two-sided p = 2/20. */
	double x[] = { 1, 2, 3 }, y[] = { 4, 5, 6 };
	struct stats_mwu r;

	CHECK(stats_mann_whitney_sorted(x, 3, y, 3, &r) == 0);
	CHECK(r.exact);
	CHECK_NEAR(r.u, 0, 0);
	CHECK_NEAR(r.p, 0.1, 1e-12);
}

static void
test_mann_whitney_ties_normal(void)
{
	/* Mid ranks give R_x = 28, so U = 7; three tie groups of 3 give
	 * var = 3 * (13 - 72 / 132) and, with continuity correction,
	 * z = 10.5 / sqrt(var) = 1.7178, p = 0.08584 (as scipy's asymptotic method). */
	double x[] = { 1, 2, 2, 3, 3, 4 }, y[] = { 2, 3, 4, 4, 5, 6 };
	struct stats_mwu r;

	CHECK(stats_mann_whitney_sorted(x, 6, y, 6, &r) == 0);
	CHECK(!r.exact);
	CHECK_NEAR(r.u, 7, 1e-12);
	CHECK_NEAR(r.p, 0.08584, 1e-5);
}

static void
test_mann_whitney_all_equal_is_p1(void)
{
	double x[] = { 5, 5, 5 }, y[] = { 5, 5, 5, 5 };
	struct stats_mwu r;

	CHECK(stats_mann_whitney_sorted(x, 3, y, 4, &r) == 0);
	CHECK_NEAR(r.p, 1, 0);
}

static void
test_kth_difference_matches_brute_force(void)
{
	enum { NX = 37, NY = 41 };
	double x[NX], y[NY], all[NX * NY];
	unsigned seed = 7;

	for (int i = 0; i < NX; i++)
		x[i] = (double)((seed = seed * 1103515245u + 12345u) % 1000) / 10;
	for (int j = 0; j < NY; j++)
		y[j] = (double)((seed = seed * 1103515245u + 12345u) % 1000) / 10;
	qsort(x, NX, sizeof x[0], cmp);
	qsort(y, NY, sizeof y[0], cmp);
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			all[i * NY + j] = y[j] - x[i];
	qsort(all, NX * NY, sizeof all[0], cmp);
	for (unsigned long long k = 1; k <= NX * NY; k += 97)
		CHECK_NEAR(stats_kth_difference(x, NX, y, NY, k), all[k - 1], 0);
	CHECK_NEAR(stats_kth_difference(x, NX, y, NY, NX * NY), all[NX * NY - 1], 0);
}

static void
test_hodges_lehmann_shift(void)
{
	double x[] = { 10, 11, 12, 13, 14 }, y[] = { 15, 16, 17, 18, 19 };
	double shift, lo, hi;

	CHECK(stats_hodges_lehmann_sorted(x, 5, y, 5, 0.95, &shift, &lo, &hi) == 0);
	CHECK_NEAR(shift, 5, 1e-12);
	CHECK(lo <= 5 && hi >= 5 && lo < hi);
}

static void
test_sort_orders_negatives_zero_and_large(void)
{
	enum { N = 5000 };
	static double v[N], w[N];

	t_rand_seed(3);
	for (int i = 0; i < N; i++)
		v[i] = w[i] = (t_rand_uniform() - 0.5) * (i % 7 == 0 ? 1e12 : 10);
	v[5] = w[5] = 0;
	v[9] = w[9] = -0.0;
	v[11] = w[11] = 1e-310;	/* subnormal */
	stats_sort(v, N);
	qsort(w, N, sizeof w[0], cmp);
	for (int i = 0; i < N; i++)
		CHECK(v[i] == w[i]);
}

/*
 * Above 2^20 differences the search path runs (sampled bracket, probes):
 * on integer data, whose differences are exact and heavily tied, it must
 * agree with sorting all of them.
 */
static void
test_kth_difference_search_matches_brute_force_with_ties(void)
{
	enum { NX = 1100, NY = 1000 };
	static double x[NX], y[NY], all[NX * NY];

	t_rand_seed(11);
	for (int i = 0; i < NX; i++)
		x[i] = floor(50 * exp(0.3 * t_rand_gauss()));
	for (int j = 0; j < NY; j++)
		y[j] = floor(55 * exp(0.3 * t_rand_gauss()));
	qsort(x, NX, sizeof x[0], cmp);
	qsort(y, NY, sizeof y[0], cmp);
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			all[i * NY + j] = y[j] - x[i];
	stats_sort(all, (size_t)NX * NY);
	for (unsigned long long k = 1; k <= (unsigned long long)NX * NY; k += 54321)
		CHECK_NEAR(stats_kth_difference(x, NX, y, NY, k), all[k - 1], 0);
	CHECK_NEAR(stats_kth_difference(x, NX, y, NY, (unsigned long long)NX * NY / 2), all[NX * NY / 2 - 1], 0);
	CHECK_NEAR(stats_kth_difference(x, NX, y, NY, (unsigned long long)NX * NY), all[NX * NY - 1], 0);
	CHECK_NEAR(stats_kth_difference(x, NX, y, NY, 1), all[0], 0);
}

/* Decimal data: copies of one difference differ by the rounding of y - x,
 * which the search may settle within 1e-12 relative. */
static void
test_kth_difference_search_on_decimals(void)
{
	enum { NX = 1200, NY = 1100 };
	static double x[NX], y[NY], all[NX * NY];

	t_rand_seed(12);
	for (int i = 0; i < NX; i++)
		x[i] = round(100 * exp(0.2 * t_rand_gauss()) * 1000) / 1000;
	for (int j = 0; j < NY; j++)
		y[j] = round(90 * exp(0.2 * t_rand_gauss()) * 1000) / 1000;
	qsort(x, NX, sizeof x[0], cmp);
	qsort(y, NY, sizeof y[0], cmp);
	for (int i = 0; i < NX; i++)
		for (int j = 0; j < NY; j++)
			all[i * NY + j] = y[j] - x[i];
	stats_sort(all, (size_t)NX * NY);
	for (unsigned long long k = 1; k <= (unsigned long long)NX * NY; k += 77777)
		CHECK_NEAR(stats_kth_difference(x, NX, y, NY, k), all[k - 1], 1e-9);
}

/* Identical inputs: every shift estimate and interval end is exactly 0. */
static void
test_hodges_lehmann_identical_inputs_is_zero(void)
{
	enum { N = 2000 };
	static double x[N];
	double shift, lo, hi;

	for (int i = 0; i < N; i++)
		x[i] = (double)(i % 50);
	qsort(x, N, sizeof x[0], cmp);
	CHECK(stats_hodges_lehmann_sorted(x, N, x, N, 0.95, &shift, &lo, &hi) == 0);
	CHECK(shift == 0 && lo <= 0 && hi >= 0);
}

/* As R's wilcox.test(conf.int = TRUE): 5 vs 5 at 95 % uses the 3rd
 * smallest and 3rd largest differences (qwilcox(0.025, 5, 5) = 3). */
static void
test_hodges_lehmann_exact_interval_ends(void)
{
	double x[] = { 1, 2, 3, 4, 5 }, y[] = { 1.5, 3.5, 6.5, 9.5, 12.5 };
	double all[25], shift, lo, hi;

	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			all[i * 5 + j] = y[j] - x[i];
	qsort(all, 25, sizeof all[0], cmp);
	CHECK(stats_hodges_lehmann_sorted(x, 5, y, 5, 0.95, &shift, &lo, &hi) == 0);
	CHECK_NEAR(lo, all[2], 0);
	CHECK_NEAR(hi, all[22], 0);
	CHECK_NEAR(shift, all[12], 0);
	/* 3 vs 3 cannot reach 95 %: no interval. */
	CHECK(stats_hodges_lehmann_sorted(x, 3, y, 3, 0.95, &shift, &lo, &hi) == 0);
	CHECK(isnan(lo) && isnan(hi));
}

/* The interval covers the true shift in about 95 % of trials. */
static void
test_hodges_lehmann_interval_coverage(void)
{
	enum { TRIALS = 1000, N = 30 };
	double x[N], y[N], shift, lo, hi;
	int covered = 0;

	t_rand_seed(99);
	for (int t = 0; t < TRIALS; t++) {
		for (int i = 0; i < N; i++) {
			x[i] = 100 + 10 * t_rand_gauss();
			y[i] = 107 + 10 * t_rand_gauss();
		}
		qsort(x, N, sizeof x[0], cmp);
		qsort(y, N, sizeof y[0], cmp);
		stats_hodges_lehmann_sorted(x, N, y, N, 0.95, &shift, &lo, &hi);
		covered += lo <= 7 && 7 <= hi;
	}
	CHECK(covered >= 930 && covered <= 970);
}

/* Without ties the rank test rejects about alpha of identical pairs. */
static void
test_mann_whitney_false_alarm_rate(void)
{
	enum { TRIALS = 2000, N = 40 };
	double x[N], y[N];
	struct stats_mwu r;
	int rejected = 0;

	t_rand_seed(5);
	for (int t = 0; t < TRIALS; t++) {
		for (int i = 0; i < N; i++) {
			x[i] = t_rand_gauss();
			y[i] = t_rand_gauss();
		}
		qsort(x, N, sizeof x[0], cmp);
		qsort(y, N, sizeof y[0], cmp);
		stats_mann_whitney_sorted(x, N, y, N, &r);
		rejected += r.p < 0.05;
	}
	CHECK(rejected >= 70 && rejected <= 130);
}

static void
test_norm_quantile_inverts_cdf(void)
{
	CHECK_NEAR(stats_norm_quantile(0.975), 1.959963984540054, 1e-9);
	CHECK_NEAR(stats_norm_cdf(stats_norm_quantile(0.01)), 0.01, 1e-12);
}

/*
 * The median of 1..n: for n = 5 no pair of ranks reaches 95 % (the widest,
 * min..max, covers 1 - 2/32); for n = 20 the ranks are 6 and 15, as
 * binomial tables give.
 */
static void
test_quantile_ci_ranks_for_the_median(void)
{
	double v[20], lo, hi;

	for (int i = 0; i < 20; i++)
		v[i] = i + 1;
	CHECK(stats_quantile_ci_sorted(v, 5, 0.5, 0.95, &lo, &hi) == 0);
	CHECK(isnan(lo) && isnan(hi));
	CHECK(stats_quantile_ci_sorted(v, 20, 0.5, 0.95, &lo, &hi) == 0);
	CHECK_NEAR(lo, 6, 0);
	CHECK_NEAR(hi, 15, 0);
	CHECK(stats_quantile_ci_sorted(v, 0, 0.5, 0.95, &lo, &hi) == -1);
	CHECK(stats_quantile_ci_sorted(v, 20, 1.0, 0.95, &lo, &hi) == -1);
}

/* Coverage of the true quantile of a lognormal, on the exact path (n 200)
 * and the normal one (n 30000), for the median and p95: at least the
 * nominal 95 % less simulation noise, and not wastefully wide (< 99 %). */
static void
test_quantile_ci_coverage(void)
{
	static double v[30000];
	const size_t sizes[] = { 200, 30000 };
	const double qs[] = { 0.5, 0.95 };

	t_rand_seed(21);
	for (size_t si = 0; si < 2; si++) {
		for (size_t qi = 0; qi < 2; qi++) {
			int trials = sizes[si] > 1000 ? 200 : 1000, covered = 0;
			double truth = 50 * exp(0.3 * stats_norm_quantile(qs[qi])), lo, hi;

			for (int t = 0; t < trials; t++) {
				for (size_t i = 0; i < sizes[si]; i++)
					v[i] = 50 * exp(0.3 * t_rand_gauss());
				stats_sort(v, sizes[si]);
				stats_quantile_ci_sorted(v, sizes[si], qs[qi], 0.95, &lo, &hi);
				covered += lo <= truth && truth <= hi;
			}
			CHECK(covered >= trials * 0.92 && covered <= trials * 0.99);
		}
	}
}

/* Holm and Benjamini-Hochberg against hand-worked values (as R's p.adjust). */
static void
test_p_adjust_holm_and_bh(void)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005, NAN };
	double adj[5];

	CHECK(stats_p_adjust(p, 5, PR_CORRECTION_HOLM, adj) == 4);
	CHECK_NEAR(adj[0], 0.03, 1e-15);
	CHECK_NEAR(adj[1], 0.06, 1e-15);
	CHECK_NEAR(adj[2], 0.06, 1e-15);
	CHECK_NEAR(adj[3], 0.02, 1e-15);
	CHECK(isnan(adj[4]));
	CHECK(stats_p_adjust(p, 5, PR_CORRECTION_BH, adj) == 4);
	CHECK_NEAR(adj[0], 0.02, 1e-15);
	CHECK_NEAR(adj[1], 0.04, 1e-15);
	CHECK_NEAR(adj[2], 0.04, 1e-15);
	CHECK_NEAR(adj[3], 0.02, 1e-15);
	CHECK(stats_p_adjust(p, 5, PR_CORRECTION_NONE, adj) == 4);
	CHECK(adj[1] == 0.04);
	CHECK(stats_p_adjust(p, 0, PR_CORRECTION_HOLM, adj) == 0);
}

static void
test_correction_names(void)
{
	enum stats_correction c;

	CHECK(stats_correction_parse("holm", &c) == 0 && c == PR_CORRECTION_HOLM);
	CHECK(stats_correction_parse("bh", &c) == 0 && c == PR_CORRECTION_BH);
	CHECK(stats_correction_parse("none", &c) == 0 && c == PR_CORRECTION_NONE);
	CHECK(stats_correction_parse("bonferroni", &c) == -1);
	CHECK(strcmp(stats_correction_name(PR_CORRECTION_BH), "bh") == 0);
}

/* Fisher's exact test against R's fisher.test, and the z test's regime. */
static void
test_two_proportion_p(void)
{
	CHECK_NEAR(stats_two_proportion_p(3, 4, 1, 4), 0.4857142857, 1e-9);
	CHECK_NEAR(stats_two_proportion_p(10, 10, 0, 10), 1.082508822e-05, 1e-13);
	CHECK_NEAR(stats_two_proportion_p(10, 2000, 60, 2000), 5.0e-10, 5e-10);
	CHECK(stats_two_proportion_p(10, 2000, 12, 2000) > 0.5);
	CHECK(stats_two_proportion_p(0, 100, 0, 100) == 1);
	CHECK(stats_two_proportion_p(1, 0, 1, 10) == 1);
	/* Millions of errors: the pooled z test, still a probability. */
	CHECK(stats_two_proportion_p(3000000, 100000000, 3100000, 100000000) < 1e-6);
}

/* Wallace's t-to-normal against t tables: t(0.975) for 4, 9, 29 df. */
static void
test_t_through_the_normal(void)
{
	CHECK_NEAR(stats_t_to_z(2.7764, 4), 1.96, 0.01);
	CHECK_NEAR(stats_t_to_z(2.2622, 9), 1.96, 0.002);
	CHECK_NEAR(stats_t_to_z(2.0452, 29), 1.96, 0.001);
	CHECK_NEAR(stats_t_to_z(-2.0452, 29), -1.96, 0.001);
	CHECK_NEAR(stats_z_to_t(1.959964, 29), 2.0452, 0.002);
	CHECK_NEAR(stats_z_to_t(stats_t_to_z(3.5, 12), 12), 3.5, 1e-9);
	CHECK(stats_t_to_z(2.5, INFINITY) == 2.5 && stats_z_to_t(2.5, INFINITY) == 2.5);
}

static void
test_quantile_ci_ranks(void)
{
	size_t r, s;

	CHECK(stats_quantile_ci_ranks(5, 0.5, 0.95, &r, &s) == -1);
	CHECK(stats_quantile_ci_ranks(100, 0.5, 0.95, &r, &s) == 0);
	CHECK(r >= 38 && r <= 41 && s >= 60 && s <= 63);
	CHECK(stats_quantile_ci_ranks(30, 0.95, 0.95, &r, &s) == -1);
	CHECK(stats_quantile_ci_ranks(1000000, 0.95, 0.95, &r, &s) == 0);
	CHECK(r < 950000 && s > 950000 && s - r < 1000);
	CHECK(stats_quantile_ci_ranks(100, 0, 0.95, &r, &s) == -1);
}

int
main(void)
{
	RUN(test_quantile_matches_type7);
	RUN(test_summary_mean_and_stddev);
	RUN(test_mann_whitney_exact_small);
	RUN(test_mann_whitney_ties_normal);
	RUN(test_mann_whitney_all_equal_is_p1);
	RUN(test_kth_difference_matches_brute_force);
	RUN(test_hodges_lehmann_shift);
	RUN(test_norm_quantile_inverts_cdf);
	RUN(test_sort_orders_negatives_zero_and_large);
	RUN(test_kth_difference_search_matches_brute_force_with_ties);
	RUN(test_kth_difference_search_on_decimals);
	RUN(test_hodges_lehmann_identical_inputs_is_zero);
	RUN(test_hodges_lehmann_exact_interval_ends);
	RUN(test_hodges_lehmann_interval_coverage);
	RUN(test_mann_whitney_false_alarm_rate);
	RUN(test_quantile_ci_ranks_for_the_median);
	RUN(test_quantile_ci_coverage);
	RUN(test_p_adjust_holm_and_bh);
	RUN(test_correction_names);
	RUN(test_two_proportion_p);
	RUN(test_quantile_ci_ranks);
	RUN(test_t_through_the_normal);
	return t_done();
}
