/*
 * hist.h: a log-linear latency histogram with exact integer counts that
 * merges exactly, in the manner of HdrHistogram.
 *
 * Values are whole microseconds from PR_HIST_LOWEST_US (1) to
 * PR_HIST_HIGHEST_US (one hour), kept to PR_HIST_SIGNIFICANT_DIGITS (3)
 * significant decimal digits: every bucket is at most 1/1024 of its value
 * wide, so a value read back is within 0.05 % of what was recorded (and
 * exact below 2048 us).  Larger values are clamped to the highest.
 *
 * Bucket layout (the "index" of the JSON encoding): with S = 2048 sub-buckets
 * and H = 1024, index i < 2048 holds the value i exactly; above that, with
 * b = i / H - 1 and s = i % H + H, index i holds the values
 * [s << b, (s + 1) << b).  The encoding is sparse:
 *
 *   {"unit":"us","significant_digits":3,"lowest":1,"highest":3600000000,
 *    "n":N,"min":US,"max":US,"sum":US,"counts":[[index,count],...]}
 *
 * with indexes ascending and counts > 0.  Merging two histograms adds counts
 * and sums and takes the smaller min and larger max, so the merge of the
 * parts equals the histogram of the whole, to the bit.
 */
#ifndef PR_HIST_H
#define PR_HIST_H

#include <stdint.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "stats.h"

#define PR_HIST_SIGNIFICANT_DIGITS 3
#define PR_HIST_LOWEST_US 1
#define PR_HIST_HIGHEST_US 3600000000ULL	/* one hour */
#define PR_HIST_SUB_BUCKETS 2048		/* 2^ceil(log2(2 * 10^3)) */
#define PR_HIST_HALF_MAGNITUDE 10		/* log2(PR_HIST_SUB_BUCKETS / 2) */
#define PR_HIST_BUCKETS 22			/* enough to reach the highest */
#define PR_HIST_COUNTS ((PR_HIST_BUCKETS + 1) * (PR_HIST_SUB_BUCKETS / 2))

struct hist {
	uint64_t counts[PR_HIST_COUNTS];
	uint64_t n;		/* values recorded */
	uint64_t min_us;	/* smallest recorded (exact), UINT64_MAX when empty */
	uint64_t max_us;	/* largest recorded (exact, after clamping) */
	uint64_t sum_us;	/* exact sum of recorded values */
};

/* A new empty histogram (caller frees with free()). */
struct hist *hist_new(void);
void hist_reset(struct hist *h);

/* Record one value of us microseconds (clamped to the range); count times. */
void hist_record(struct hist *h, uint64_t us);
void hist_record_n(struct hist *h, uint64_t us, uint64_t count);

/* Add every count of from into into. */
void hist_merge(struct hist *into, const struct hist *from);

/* The bucket index of a value, and the lowest value and width of a bucket. */
size_t hist_index(uint64_t us);
uint64_t hist_bucket_low(size_t index);
uint64_t hist_bucket_width(size_t index);

/*
 * The value (microseconds) at quantile q in [0,1], by the same rule as
 * stats_quantile_sorted (linear between order statistics, type 7), each order
 * statistic read as its bucket's midpoint and kept inside [min, max].
 * NAN when empty.
 */
double hist_quantile_us(const struct hist *h, double q);

/*
 * Bounds on the order statistic of 1-based rank k (1 <= k <= n): the low
 * end and the last value of the bucket that holds it, kept inside
 * [min, max].  The true value lies within them, so an interval built from
 * ranks stays valid (slightly wider) on a histogram.  -1 if k is out of range.
 */
int hist_rank_bounds_us(const struct hist *h, uint64_t k, double *lo, double *hi);

/*
 * The two-sided Mann-Whitney U test of x against y on their buckets: values
 * in one bucket count as tied (mid ranks, with the variance's tie
 * correction), so the test needs only the counts and runs in one pass over
 * the buckets, whatever the number of requests.  Normal approximation with
 * continuity correction.  Returns -1 when either is empty.
 */
int hist_mann_whitney(const struct hist *x, const struct hist *y, struct stats_mwu *out);

/*
 * The summary in milliseconds: n, min and max exact, mean from the exact
 * sum, percentiles as above rounded to the histogram's precision (the
 * largest power of ten of microseconds not wider than the bucket), stddev
 * (n - 1) from the bucket midpoints.
 */
void hist_summary_ms(const struct hist *h, struct stats_summary *s);

/* The sparse JSON encoding above (caller owns). */
cJSON *hist_to_json(const struct hist *h);

/*
 * Read the encoding back into h (reset first).  Refuses another unit,
 * precision or range, bad indexes and counts, and n/min/max that disagree
 * with the counts: PR_INPUT reported as "<ctx>: what is wrong".
 */
int hist_from_json(const cJSON *obj, const char *ctx, struct hist *h);

#endif
