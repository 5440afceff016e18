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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "buf.h"

#define TREND_DEFAULT_ALPHA 0.01
#define TREND_DEFAULT_PERMUTATIONS 199	/* as ecp's e.divisive (Matteson and James) */
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
	double z;		/* the split's standardized rank-sum (Mann-Whitney z) */
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

/*
 * A history analysed metric by metric (lib/trendreport.c): each metric's
 * series of one statistic in time order, its change points, and the
 * verdict.  The newest change point is a regression when the metric got
 * worse across it by more than threshold (relative) and it lies within the
 * last recent points (0: anywhere), so that an old, accepted step does not
 * fail every later run.
 */
struct history;

enum trend_stat { TREND_P50, TREND_P90, TREND_P95, TREND_P99, TREND_MEAN, TREND_MAX };

struct trend_options {
	struct trend_settings method;
	enum trend_stat stat;
	double threshold;	/* fraction, e.g. 0.10 */
	size_t recent;		/* points; 0 = any */
	const char **metrics;	/* only these (NULL-terminated), or NULL for all */
	const char *history;	/* the file's name, for the document */
};

struct trend_point {
	double t_s, value;
	size_t seq;		/* order in the file: ties in time keep it */
	const char *time, *commit, *label;	/* borrowed from the history */
};

struct trend_metric {
	const char *id, *unit, *better;	/* borrowed from the history */
	struct trend_point *pts;	/* owned, in time order */
	size_t npts;
	struct trend_cp *cps;	/* owned */
	size_t ncp;
	double level;		/* median of the newest regime (all points if none) */
	bool new_regime;	/* the newest change point is within the last recent points */
	bool regression;	/* ... and is worse by more than threshold */
	double change;		/* after / before - 1 at the newest change point, NAN if none */
	char reason[256];
};

struct trend_result {
	struct trend_options opt;
	struct trend_metric *m;
	size_t nm;
	size_t skipped;		/* malformed history lines */
	size_t regressions;
	bool fail;
};

/* "p50", ...; parse one: 0 or -1. */
const char *trend_stat_name(enum trend_stat s);
int trend_stat_parse(const char *s, enum trend_stat *out);

/* Analyse h (which must outlive r).  A --metric naming no metric of h is
 * PR_USAGE (reported); else 0. */
int trend_analyse(const struct history *h, const struct trend_options *opt, struct trend_result *r);
void trend_result_free(struct trend_result *r);

/* The pr-tools/trend/1 document (caller frees with cJSON_Delete). */
cJSON *trend_document(const struct trend_result *r);

/* A one-line-per-metric text report, a GitHub Markdown summary, and an SVG
 * time series per metric with regimes' medians and change points marked. */
void trend_text(const struct trend_result *r, struct buf *out);
void trend_markdown(const struct trend_result *r, struct buf *out);
void trend_svg(const struct trend_result *r, struct buf *out);

/*
 * The SVG writer's parts, for other time series (pr-qa --watch --plot):
 * begin (an XML header, a title, room for panels rows), one panel per
 * series, level lines drawn on a panel, end.  A panel's points are evenly
 * spaced; a value that is not finite leaves a gap.  unit NULL labels the y
 * axis with plain numbers.  extra widens the y range to take in levels.
 * trend_svg_panel() leaves the panel's <g> open: close it with "</g>\n"
 * after its level lines.
 */
struct trend_svg_series {
	const char *title;
	bool bad;		/* title in red */
	const double *values;
	size_t n;
	const char *unit;
	const char *x_first, *x_last;	/* labels under the first and last point */
	const double *extra;
	size_t nextra;
};
struct trend_svg_frame { double y0, lo, hi; size_t n; };
void trend_svg_begin(struct buf *out, size_t panels, const char *title);
void trend_svg_panel(const struct trend_svg_series *s, size_t row, struct buf *out, struct trend_svg_frame *f);
void trend_svg_level(const struct trend_svg_frame *f, size_t a, size_t b, double value, const char *color,
    bool dashed, struct buf *out);
void trend_svg_end(struct buf *out);

#endif
