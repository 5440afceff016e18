/*
 * compare.h: comparing two pr-tools/bench/1 documents metric by metric.
 *
 * compare_run() matches metrics by id, decides each one's verdict and keeps
 * what the reports need (summaries, sorted samples, change, interval,
 * p-value, a one-line reason).  compare_document_text() turns that into the
 * pr-tools/compare/2 document.  Nothing here prints; reading errors are
 * reported once, naming the file and the field.
 */
#ifndef PR_COMPARE_H
#define PR_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "hist.h"
#include "stats.h"

#define CMP_DEFAULT_ALPHA 0.05
#define CMP_DEFAULT_THRESHOLD 0.05
#define CMP_REASON_MAX 320
#define CMP_MAX_QUANTILES 8
#define CMP_MAX_BUDGETS 64
#define CMP_POWER 0.8		/* power behind min_detectable and samples_needed */

enum compare_fail_on { CMP_FAIL_ON_REGRESSION, CMP_FAIL_ON_ANY, CMP_FAIL_ON_NONE, CMP_FAIL_ON_INCONCLUSIVE };

enum compare_verdict {
	CMP_IMPROVED,
	CMP_REGRESSED,
	CMP_UNCHANGED,
	CMP_ONLY_BASELINE,
	CMP_ONLY_AFTER,
	CMP_INCONCLUSIVE,
	CMP_NVERDICTS
};

/* The comparison's verdict: fail (exit 1), inconclusive or pass. */
enum compare_outcome { CMP_PASS, CMP_FAIL, CMP_UNSURE };

/* What a budget bounds on the after side. */
enum compare_stat { CMP_STAT_QUANTILE, CMP_STAT_MEAN, CMP_STAT_MAX, CMP_STAT_ERRORS };

/*
 * An absolute limit on the after side ("p95<500ms", "api:errors<1%"):
 * metric NULL applies it to every metric of its kind (times for time
 * budgets, rps for rps budgets, every metric with errors for errors).
 */
struct compare_budget {
	char *metric;		/* owned, or NULL */
	enum compare_stat stat;
	double q;		/* the quantile for CMP_STAT_QUANTILE, in (0, 1) */
	bool below;		/* "<": the value must stay below limit; ">": above */
	double limit;		/* ms for times, rps, or a fraction for errors */
	const char *unit;	/* "ms", "rps" or "%" */
	bool from_config;	/* from pr-tools.json (errors there are exit 3, not 2) */
	char text[64];		/* as given, for reasons */
};

struct compare_settings {
	double alpha;		/* family-wise (holm) or false-discovery (bh) level */
	double threshold;	/* smallest relative change that matters */
	enum compare_fail_on fail_on;
	enum stats_correction correction;
	double quantiles[CMP_MAX_QUANTILES];	/* in (0, 1), ascending */
	size_t nquantiles;
	struct compare_budget budgets[CMP_MAX_BUDGETS];
	size_t nbudgets;
};

/* One input document: its name for messages ("-" is shown as <stdin>). */
struct compare_input {
	const char *name;
	const cJSON *doc;
};

/* One side of one metric. */
struct compare_side {
	bool present;
	bool has_samples;	/* samples given (the summary is computed from them) */
	struct stats_summary summary;
	double *samples;	/* sorted, owned; NULL without samples */
	size_t nsamples;
	struct hist *hist;	/* load mode's histogram, owned; NULL without */
	const char *unit;	/* borrowed from the document */
	const char *better;	/* "lower" or "higher" */
	bool throughput;	/* measure "throughput" or unit rps: no error rate */
	bool has_errors;	/* errors.total given */
	unsigned long long errors;	/* failed requests (errors.total) */
};

enum compare_test_kind { CMP_TEST_QUANTILE, CMP_TEST_ERRORS, CMP_TEST_BUDGET };

/*
 * One test of one metric.  Quantile tests: base and after are the
 * quantile's estimates, change the relative change, [ci_lo, ci_hi] its
 * interval at 1 - alpha.  Error tests: the error rates, change their
 * difference (after - base, a fraction of requests).  Budget tests: after
 * is the value held against the budget.
 */
struct compare_test {
	enum compare_test_kind kind;
	double q;			/* quantile tests: in (0, 1) */
	const struct compare_budget *budget;	/* budget tests */
	const char *method;		/* "order-statistics", "histogram-buckets", "fisher-exact", ... */
	double base, after, change, ci_lo, ci_hi;
	double se_log;			/* quantile tests: standard error of log(after / base) */
	double df;			/* ... read as Student's t with these degrees of freedom */
	double p, p_adj;		/* NAN when no test was possible */
	double min_detectable;		/* quantile tests: relative change found with CMP_POWER */
	double samples_needed;		/* per side to settle an inconclusive test; NAN if settled */
	double var_n;			/* se_log^2 scaled by n: se_b^2 n_b + se_a^2 n_a */
	enum compare_verdict verdict;
	char *reason;			/* one line, owned; at most CMP_REASON_MAX bytes */
};

struct compare_metric {
	const char *id;		/* borrowed from the document */
	enum compare_verdict verdict;
	bool comparable;	/* same unit and direction on both sides */
	bool tested;		/* some quantile test ran */
	bool binned;		/* ... on histogram buckets, not samples */
	struct compare_side base, after;
	double change;		/* the p50 change (NAN if none) and its interval */
	double ci_lo, ci_hi;
	double p_value;		/* the smallest adjusted p of the metric's tests, NAN if none */
	struct compare_test *tests;	/* owned */
	size_t ntests;
	char *reason;		/* one line, owned (that of its worst test, or its own) */
};

struct compare_result {
	struct compare_settings settings;
	struct compare_input base, after;
	struct compare_metric *metrics;
	size_t nmetrics;
	size_t count[CMP_NVERDICTS];	/* metrics per verdict */
	size_t incomparable;
	size_t family;		/* p-values the correction ran over */
	enum compare_outcome outcome;
	bool fail;		/* exit 1: outcome is CMP_FAIL */
};

/* "improved", "regressed", ...; "pass", "fail", "inconclusive"; and
 * "regression", "any", "none", "inconclusive". */
const char *compare_verdict_name(enum compare_verdict v);
const char *compare_outcome_name(enum compare_outcome o);
const char *compare_fail_on_name(enum compare_fail_on f);
int compare_fail_on_parse(const char *s, enum compare_fail_on *out);

/*
 * Parse a threshold: "5%" or "0.05" (a fraction below 1).  0 or -1.
 */
int compare_threshold_parse(const char *s, double *out);

/* v with its unit in about three significant digits: "96.1 ms"; "-" if not finite. */
void compare_format_value(char *out, size_t size, double v, const char *unit);

/*
 * Compare after against base.  base->doc NULL judges the after document's
 * budgets alone (pr-compare with one document): every metric is only
 * after, regressed when a budget broke, and the document's baseline is
 * null.  Fills *r (free with compare_result_free) and
 * returns 0, or PR_INPUT with one line reported naming the file and field
 * (a budget naming a metric neither document has is PR_USAGE).  Metrics
 * come in the baseline's order, then those only after in theirs; ids are
 * matched through a hash table, so the time is linear in the metrics.
 */
int compare_run(const struct compare_input *base, const struct compare_input *after,
    const struct compare_settings *settings, struct compare_result *r);

void compare_result_free(struct compare_result *r);

/*
 * Delete the "samples" and "histogram" of every metric of doc, once
 * compare_run has read them into its result: they are most of a document's
 * tree, and the reports need only the result.
 */
void compare_release_samples(cJSON *doc);

/* The q-quantile of one side from its samples or histogram, in its unit;
 * NAN when it has neither. */
double compare_side_quantile(const struct compare_side *s, double q);

/*
 * The pr-tools/compare/2 document for r as indented JSON text ending in a
 * newline (caller frees).  Built one metric at a time, so that memory stays
 * near the size of the text.
 */
char *compare_document_text(const struct compare_result *r);

/* The same text handed to sink piece by piece, so that it need not be held
 * whole; stops at and returns the first nonzero return of sink, else 0. */
typedef int (*compare_sink)(void *ctx, const char *s, size_t n);
int compare_document_write(const struct compare_result *r, compare_sink sink, void *ctx);

#endif
