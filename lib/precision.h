/*
 * precision.h: sampling until a quantile is known well enough (pr-bench
 * --precision).
 *
 * The precision of quantile q of n values is the relative half-width of its
 * distribution-free confidence interval (stats_quantile_ci_sorted, binomial
 * order statistics, level PR_PRECISION_CONF): (hi - lo) / 2 divided by the
 * quantile itself.  A sampler adds values and asks precision_check after
 * each; the check is cheap (it re-sorts only when the sample has grown by
 * PR_PRECISION_STEP of itself, so a run may take up to that much more than
 * the least that would have done) and says when to stop:
 *
 *   PR_STOP_PRECISION    every quantile asked for is within the target
 *                        (never before min_samples values)
 *   PR_STOP_MAX_SAMPLES  max_samples attempts were made
 *   PR_STOP_MAX_TIME     max_time_s has passed since precision_start
 *
 * Checking as the sample grows is optional stopping: the interval that
 * stops it is a little more often too narrow than a fixed-n one.  The check
 * step keeps the number of looks small (about 50 per tenfold growth, after
 * one look per value for the first 20); tests/unit/test_precision.c
 * measures the coverage that results (about 94 % for the nominal 95 %).
 */
#ifndef PR_PRECISION_H
#define PR_PRECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define PR_PRECISION_CONF 0.95
#define PR_PRECISION_STEP 0.05	/* re-check after the sample grew by 5 % */

/* The quantiles a target can name, as bits of a mask. */
enum { PR_PRECISION_P50 = 1, PR_PRECISION_P95 = 2 };

enum precision_stop { PR_STOP_NOT_YET, PR_STOP_PRECISION, PR_STOP_MAX_SAMPLES, PR_STOP_MAX_TIME };

struct precision {
	/* the rule, set by the caller */
	double target;		/* relative half-width, e.g. 0.02 */
	unsigned quantiles;	/* PR_PRECISION_P50 | PR_PRECISION_P95 */
	long min_samples, max_samples;
	double max_time_s;
	/* the state */
	double start_ms;
	size_t next_check;	/* values at which to look again */
	double p50, p95;	/* reached at the last look; NAN: unknown or not asked */
	bool reached;
	enum precision_stop stopped_by;
	double *scratch;	/* sorted copy of the values */
	size_t scratch_cap;
};

/* Start the clock and clear the state (the rule fields stay). */
void precision_start(struct precision *p);

/*
 * After attempts requests, n of them successful with values v (unsorted,
 * not kept): PR_STOP_NOT_YET, or why to stop (also in p->stopped_by).
 */
enum precision_stop precision_check(struct precision *p, const double *v, size_t n, long attempts);

/* Look once more at all n values (after the last request): p50, p95, reached. */
void precision_measure(struct precision *p, const double *v, size_t n);

/* The relative half-width of quantile q of sorted v; NAN when too few values. */
double precision_of(const double *sorted, size_t n, double q);

/*
 * The "precision" object of pr-tools/bench/1.1: target, confidence, p50,
 * p95 (null when unknown or not asked), reached, stopped_by.  Caller owns.
 */
cJSON *precision_to_json(const struct precision *p);

/* Free the scratch buffer. */
void precision_free(struct precision *p);

#endif
