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

	CHECK_NEAR(pr_quantile_sorted(v, 10, 0.5), 5.5, 1e-12);
	CHECK_NEAR(pr_quantile_sorted(v, 10, 0.9), 9.1, 1e-12);
	CHECK_NEAR(pr_quantile_sorted(v, 10, 0.0), 1, 0);
	CHECK_NEAR(pr_quantile_sorted(v, 10, 1.0), 10, 0);
	CHECK_NEAR(pr_quantile_sorted(v, 1, 0.99), 1, 0);
	CHECK(isnan(pr_quantile_sorted(v, 0, 0.5)));
}

static void
test_summary_mean_and_stddev(void)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct pr_summary s;

	pr_summarize(v, 8, &s);
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
	struct pr_mwu r;

	CHECK(pr_mann_whitney_sorted(x, 3, y, 3, &r) == 0);
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
	struct pr_mwu r;

	CHECK(pr_mann_whitney_sorted(x, 6, y, 6, &r) == 0);
	CHECK(!r.exact);
	CHECK_NEAR(r.u, 7, 1e-12);
	CHECK_NEAR(r.p, 0.08584, 1e-5);
}

static void
test_mann_whitney_all_equal_is_p1(void)
{
	double x[] = { 5, 5, 5 }, y[] = { 5, 5, 5, 5 };
	struct pr_mwu r;

	CHECK(pr_mann_whitney_sorted(x, 3, y, 4, &r) == 0);
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
		CHECK_NEAR(pr_kth_difference(x, NX, y, NY, k), all[k - 1], 0);
	CHECK_NEAR(pr_kth_difference(x, NX, y, NY, NX * NY), all[NX * NY - 1], 0);
}

static void
test_hodges_lehmann_shift(void)
{
	double x[] = { 10, 11, 12, 13, 14 }, y[] = { 15, 16, 17, 18, 19 };
	double shift, lo, hi;

	CHECK(pr_hodges_lehmann_sorted(x, 5, y, 5, 0.95, &shift, &lo, &hi) == 0);
	CHECK_NEAR(shift, 5, 1e-12);
	CHECK(lo <= 5 && hi >= 5 && lo < hi);
}

static void
test_norm_quantile_inverts_cdf(void)
{
	CHECK_NEAR(pr_norm_quantile(0.975), 1.959963984540054, 1e-9);
	CHECK_NEAR(pr_norm_cdf(pr_norm_quantile(0.01)), 0.01, 1e-12);
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
	return t_done();
}
