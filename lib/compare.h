/*
 * compare.h: comparing two pr-tools/bench/1 documents metric by metric.
 *
 * cmp_run() matches metrics by id, decides each one's verdict and keeps
 * what the reports need (summaries, sorted samples, change, interval,
 * p-value, a one-line reason).  cmp_document() turns that into the
 * pr-tools/compare/1 document.  Nothing here prints; reading errors are
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
#define CMP_REASON_MAX 256

enum cmp_fail_on { CMP_FAIL_ON_REGRESSION, CMP_FAIL_ON_ANY, CMP_FAIL_ON_NONE };

enum cmp_verdict {
	CMP_IMPROVED,
	CMP_REGRESSED,
	CMP_UNCHANGED,
	CMP_ONLY_BASELINE,
	CMP_ONLY_AFTER,
};

struct cmp_settings {
	double alpha;		/* significance level of the rank test */
	double threshold;	/* minimum relative change of the median */
	enum cmp_fail_on fail_on;
};

/* One input document: its name for messages ("-" is shown as <stdin>). */
struct cmp_input {
	const char *name;
	const cJSON *doc;
};

/* One side of one metric. */
struct cmp_side {
	bool present;
	bool has_samples;	/* samples given (the summary is computed from them) */
	struct pr_summary summary;
	double *samples;	/* sorted, owned; NULL without samples */
	size_t nsamples;
	struct pr_hist *hist;	/* load mode's histogram, owned; NULL without */
	const char *unit;	/* borrowed from the document */
	const char *better;	/* "lower" or "higher" */
};

struct cmp_metric {
	const char *id;		/* borrowed from the document */
	enum cmp_verdict verdict;
	bool comparable;	/* same unit and direction on both sides */
	bool tested;		/* the rank test ran */
	bool binned;		/* ... on histogram buckets, not samples */
	struct cmp_side base, after;
	double change;		/* after p50 / baseline p50 - 1, NAN if none */
	double ci_lo, ci_hi;	/* interval of the change, NAN if none */
	double p_value;		/* NAN when no test was possible */
	char reason[CMP_REASON_MAX];
};

struct cmp_result {
	struct cmp_settings settings;
	struct cmp_input base, after;
	struct cmp_metric *metrics;
	size_t nmetrics;
	size_t count[CMP_ONLY_AFTER + 1];	/* metrics per verdict */
	size_t incomparable;
	bool fail;		/* the top-level verdict under fail_on */
};

/* "improved", "regressed", ... and "regression", "any", "none". */
const char *cmp_verdict_name(enum cmp_verdict v);
const char *cmp_fail_on_name(enum cmp_fail_on f);
int cmp_fail_on_parse(const char *s, enum cmp_fail_on *out);

/*
 * Parse a threshold: "5%" or "0.05" (a fraction below 1).  0 or -1.
 */
int cmp_threshold_parse(const char *s, double *out);

/* v with its unit in about three significant digits: "96.1 ms"; "-" if not finite. */
void cmp_format_value(char *out, size_t size, double v, const char *unit);

/*
 * Compare after against base.  Fills *r (free with cmp_result_free) and
 * returns 0, or PR_INPUT with one line reported naming the file and field.
 * Metrics come in the baseline's order, then those only after in theirs.
 */
int cmp_run(const struct cmp_input *base, const struct cmp_input *after,
    const struct cmp_settings *settings, struct cmp_result *r);

void cmp_result_free(struct cmp_result *r);

/* The pr-tools/compare/1 document for r; the caller frees it. */
cJSON *cmp_document(const struct cmp_result *r);

#endif
