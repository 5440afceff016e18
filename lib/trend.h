/*
 * trend.h: change points in one series, by binary segmentation with a
 * permutation test of the maximally selected rank statistic.
 *
 * The method (Pettitt 1979; Lausen and Schumacher 1992, "Maximally selected
 * rank statistics"; binary segmentation as in Vostrikova 1981; permutation
 * p-values as in Matteson and James 2014, the E-Divisive paper):
 *
 *   1. Rank the segment's values (ties get their mid-rank) and centre them:
 *      c_i = 2 rank_i - (n + 1), integers that sum to zero.
 *   2. For each split k (min_segment <= k <= n - min_segment) the
 *      standardized rank-sum of the left part is S_k^2 / (k (n - k)), with
 *      S_k = c_1 + ... + c_k; the statistic is its maximum, the split its
 *      place.  Ranks make it indifferent to the noise's distribution and to
 *      outliers, which latencies have.
 *   3. The p-value is (1 + #{permutations with a statistic >= it}) /
 *      (1 + permutations), the permutations shuffling c by Fisher-Yates.
 *      Once more than alpha (1 + permutations) - 1 permutations reach it,
 *      the segment cannot be significant and the test stops.
 *   4. A significant split is a change point; both halves are tested again.
 *
 * The shuffles come from splitmix64 seeded by (seed, segment start, segment
 * end), so the result depends on the data and settings only: reruns are
 * byte-identical whatever order segments are tested in.
 * bench/trend-accuracy.sh holds the same method in plain Python and checks
 * that both find the same change points.
 */
#ifndef PR_TREND_H
#define PR_TREND_H

#include <stddef.h>
#include <stdint.h>

#define TREND_DEFAULT_ALPHA 0.01
#define TREND_DEFAULT_PERMUTATIONS 499
#define TREND_DEFAULT_MIN_SEGMENT 5
#define TREND_DEFAULT_SEED UINT64_C(0x70727472656e6431)	/* "prtrend1" */
#define TREND_MAX_PERMUTATIONS 100000

struct trend_settings {
	double alpha;		/* a split is a change point when p <= alpha */
	unsigned permutations;	/* per tested segment */
	size_t min_segment;	/* points on each side of a split, at least 1 */
	uint64_t seed;
};

/* One change point: x[index] is the first point of the new regime. */
struct trend_cp {
	size_t index;
	double before, after;	/* medians of the regimes either side */
	double p;		/* permutation p-value of the split */
	double stat;		/* its standardized rank statistic, max S_k^2 / (k (n - k)) */
};

void trend_settings_default(struct trend_settings *s);

/*
 * The change points of x[0..n) in ascending index order into *out (caller
 * frees; NULL when none) and their number into *ncp.  NaN values are not
 * allowed (the caller drops them).  Always succeeds.
 */
void trend_change_points(const double *x, size_t n, const struct trend_settings *s,
    struct trend_cp **out, size_t *ncp);

/* The next splitmix64 value of *state (exposed for tests and simulations). */
uint64_t trend_rand(uint64_t *state);

#endif
