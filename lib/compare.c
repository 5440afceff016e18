/* compare.c: see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "util.h"

/* Relative changes this close to the threshold count as reaching it, so
 * that 100 -> 105 is a 5 % change despite binary rounding. */
#define CMP_THRESHOLD_SLACK 1e-12
#define PERCENT 100.0
#define US_PER_MS 1000.0
#define MAX_EXACT_COUNT 9007199254740992.0	/* 2^53: counts in JSON numbers */
#define CMP_SCHEMA "pr-tools/compare/2"
#define CMP_NORMAL_RANKS_MIN 10.0	/* n q (1 - q): the usual bound for a normal binomial */

static const char *const verdict_names[] = {
	[CMP_IMPROVED] = "improved",
	[CMP_REGRESSED] = "regressed",
	[CMP_UNCHANGED] = "unchanged",
	[CMP_ONLY_BASELINE] = "only_baseline",
	[CMP_ONLY_AFTER] = "only_after",
	[CMP_INCONCLUSIVE] = "inconclusive",
};

static const char *const outcome_names[] = {
	[CMP_PASS] = "pass",
	[CMP_FAIL] = "fail",
	[CMP_UNSURE] = "inconclusive",
};

static const char *const fail_on_names[] = {
	[CMP_FAIL_ON_REGRESSION] = "regression",
	[CMP_FAIL_ON_ANY] = "any",
	[CMP_FAIL_ON_NONE] = "none",
	[CMP_FAIL_ON_INCONCLUSIVE] = "inconclusive",
};

const char *
compare_verdict_name(enum compare_verdict v)
{
	return verdict_names[v];
}

const char *
compare_outcome_name(enum compare_outcome o)
{
	return outcome_names[o];
}

const char *
compare_fail_on_name(enum compare_fail_on f)
{
	return fail_on_names[f];
}

int
compare_fail_on_parse(const char *s, enum compare_fail_on *out)
{
	for (size_t i = 0; i < sizeof fail_on_names / sizeof fail_on_names[0]; i++) {
		if (strcmp(s, fail_on_names[i]) == 0) {
			*out = (enum compare_fail_on)i;
			return 0;
		}
	}
	return -1;
}

int
compare_threshold_parse(const char *s, double *out)
{
	size_t len = strlen(s);
	char *copy;
	int rc;

	if (len > 1 && s[len - 1] == '%') {
		copy = xstrdup(s);
		copy[len - 1] = '\0';
		rc = util_parse_double(copy, 0, PERCENT, out);
		free(copy);
		if (rc == 0 && *out >= PERCENT)
			rc = -1;
		if (rc == 0)
			*out /= PERCENT;
		return rc;
	}
	if (util_parse_double(s, 0, 1, out) || *out >= 1)
		return -1;
	return 0;
}

void
compare_format_value(char *out, size_t size, double v, const char *unit)
{
	const char *u = unit && *unit ? unit : "";
	const char *sep = *u ? " " : "";

	if (!isfinite(v))
		snprintf(out, size, "-");
	else if (fabs(v) >= 100)
		snprintf(out, size, "%.0f%s%s", v, sep, u);
	else if (fabs(v) >= 10)
		snprintf(out, size, "%.1f%s%s", v, sep, u);
	else
		snprintf(out, size, "%.2f%s%s", v, sep, u);
}

/* The name of an input for messages: "<stdin>" for "-". */
static const char *
display_name(const char *name)
{
	return strcmp(name, "-") == 0 ? "<stdin>" : name;
}

/* Every number of a summary read from a document must be >= 0. */
static int
check_summary(const struct stats_summary *s, const char *ctx)
{
	const struct { const char *key; double v; } f[] = {
		{ "min", s->min }, { "p50", s->p50 }, { "p90", s->p90 }, { "p95", s->p95 },
		{ "p99", s->p99 }, { "max", s->max }, { "mean", s->mean }, { "stddev", s->stddev },
	};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].v < 0)
			return pr_error(PR_INPUT, "%s.summary.%s: %g is negative (must be >= 0)",
			    ctx, f[i].key, f[i].v);
	return PR_OK;
}

/*
 * Read metrics.<id> of one document into side: unit, better, samples
 * (sorted, owned by side), summary, errors and, without samples, the
 * histogram of a load-mode document (owned).  ctx names the metric for
 * messages.  Returns 0 or PR_INPUT (reported).
 */
static int
read_side(const cJSON *m, const char *ctx, struct compare_side *side)
{
	const cJSON *samples = NULL, *summary = NULL, *hist = NULL, *errors = NULL;
	const char *measure = NULL;
	struct buf where = {0};
	double total;
	int rc;

	memset(side, 0, sizeof *side);
	side->present = true;
	if (!cJSON_IsObject(m)) {
		rc = pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(m));
		goto out;
	}
	if ((rc = doc_get_string(m, "unit", PR_REQUIRED, ctx, &side->unit)))
		goto out;
	if ((rc = doc_get_string(m, "better", PR_OPTIONAL, ctx, &side->better)))
		goto out;
	if (!side->better)
		side->better = strcmp(side->unit, "rps") == 0 ? "higher" : "lower";
	if (strcmp(side->better, "lower") != 0 && strcmp(side->better, "higher") != 0) {
		rc = pr_error(PR_INPUT, "%s.better: \"%s\" is neither \"lower\" nor \"higher\"", ctx, side->better);
		goto out;
	}
	if ((rc = doc_get_string(m, "measure", PR_OPTIONAL, ctx, &measure)))
		goto out;
	side->throughput = strcmp(side->unit, "rps") == 0 || (measure && strcmp(measure, "throughput") == 0);
	if ((rc = doc_get_object(m, "errors", PR_OPTIONAL, ctx, &errors)))
		goto out;
	if (errors) {
		buf_printf(&where, "%s.errors", ctx);
		if ((rc = doc_get_number(errors, "total", PR_REQUIRED, where.data, &total)))
			goto out;
		if (total < 0 || total != floor(total) || total > MAX_EXACT_COUNT) {
			rc = pr_error(PR_INPUT, "%s.total: %g is not a count", where.data, total);
			goto out;
		}
		side->has_errors = true;
		side->errors = (unsigned long long)total;
	}
	if ((rc = doc_get_array(m, "samples", PR_OPTIONAL, ctx, &samples)))
		goto out;
	if ((rc = doc_get_object(m, "summary", PR_OPTIONAL, ctx, &summary)))
		goto out;
	if (!samples && (rc = doc_get_object(m, "histogram", PR_OPTIONAL, ctx, &hist)))
		goto out;
	if (!samples && !summary) {
		rc = pr_error(PR_INPUT, "%s: has neither \"samples\" nor \"summary\"", ctx);
		goto out;
	}
	if (summary) {
		buf_reset(&where);
		buf_printf(&where, "%s.summary", ctx);
		if ((rc = stats_summary_from_json(summary, where.data, &side->summary)) ||
		    (rc = check_summary(&side->summary, ctx)))
			goto out;
	}
	if (samples) {
		buf_reset(&where);
		buf_printf(&where, "%s.samples", ctx);
		if ((rc = doc_get_numbers(samples, where.data, 0, &side->samples, &side->nsamples)))
			goto out;
		if (side->nsamples > 0 || !summary) {
			stats_sort(side->samples, side->nsamples);
			stats_summarize_sorted(side->samples, side->nsamples, &side->summary);
			side->has_samples = side->nsamples > 0;
		}
	}
	if (hist) {
		buf_reset(&where);
		buf_printf(&where, "%s.histogram", ctx);
		side->hist = hist_new();
		if ((rc = hist_from_json(hist, where.data, side->hist)))
			goto out;
	}
out:
	buf_free(&where);
	return rc;
}

/* Text cut to fit out (reasons are for people; a cut one still reads). */
static void PR_PRINTF(3, 4)
fit(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

/* Replace *reason (owned) by a new line: reasons are allocated to fit, since
 * a comparison may hold hundreds of thousands of them. */
static void PR_PRINTF(2, 3)
reason_set(char **reason, const char *fmt, ...)
{
	char line[CMP_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	free(*reason);
	*reason = xstrdup(line);
}

#define set_reason(reason, ...) reason_set(&(reason), __VA_ARGS__)

/* v as a signed percentage, "+12.3%", or "n/a" when not finite. */
static void
percent(char *out, size_t size, double v)
{
	if (isfinite(v))
		snprintf(out, size, "%+.1f%%", v * PERCENT);
	else
		snprintf(out, size, "n/a");
}

/* "p95", "p99.9": the name of quantile q. */
static void
quantile_name(char *out, size_t size, double q)
{
	snprintf(out, size, "p%g", round(q * PERCENT * 1000) / 1000);
}

/* True when a change of sign `change` goes against m's "better" direction. */
static bool
is_worse(const struct compare_metric *m, double change)
{
	bool lower_better = strcmp(m->base.better, "lower") == 0;

	return lower_better ? change > 0 : change < 0;
}

/* A side can be judged by quantiles: it has samples or a non-empty histogram. */
static bool
has_distribution(const struct compare_side *s)
{
	return s->has_samples || (s->hist && s->hist->n > 0);
}

static size_t
side_n(const struct compare_side *s)
{
	return s->has_samples ? s->nsamples : (size_t)s->hist->n;
}

/* The q-quantile of a side with a distribution, in the metric's unit. */
static double
side_quantile(const struct compare_side *s, double q)
{
	if (s->has_samples)
		return stats_quantile_sorted(s->samples, s->nsamples, q);
	return hist_quantile_us(s->hist, q) / US_PER_MS;
}

/*
 * The distribution-free interval of a side's q-quantile at level conf: the
 * binomial order statistics of the samples, or on a histogram the buckets
 * that hold those ranks (low end of the lower, last value of the upper), so
 * the interval only widens.  -1 when n is too small for that level.
 */
static int
side_quantile_ci(const struct compare_side *s, double q, double conf, double *lo, double *hi)
{
	size_t r, k;

	if (s->has_samples) {
		stats_quantile_ci_sorted(s->samples, s->nsamples, q, conf, lo, hi);
		return isfinite(*lo) ? 0 : -1;
	}
	if (stats_quantile_ci_ranks((size_t)s->hist->n, q, conf, &r, &k) ||
	    hist_rank_bounds_us(s->hist, r, lo, hi) || hist_rank_bounds_us(s->hist, k, hi, hi))
		return -1;
	hist_rank_bounds_us(s->hist, r, lo, &(double){0});
	*lo /= US_PER_MS;
	*hi /= US_PER_MS;
	return 0;
}

/*
 * The standard error of log(quantile) on one side, read off an order
 * statistic interval: half its width in logs over the normal score of its
 * level.  With n q (1 - q) >= CMP_NORMAL_RANKS_MIN the binomial ranks are
 * close to normal, and the interval's ends are the quantiles at
 * q -+ z sqrt(q (1 - q) / n), interpolated like the estimate (no rounding
 * of ranks, which would only widen it).  Below that, the exact ranks at
 * the widest level n allows: they cover at least their level, so the
 * error is if anything overstated where data are few.  NAN when n is too
 * small for any level, INFINITY when the interval reaches 0 (no relative
 * scale).
 */
static const double se_levels[] = { 0.95, 0.90, 0.80, 0.6827 };

static double
side_log_se(const struct compare_side *s, double q)
{
	double n = (double)side_n(s), z = stats_norm_quantile(1 - (1 - se_levels[0]) / 2), lo, hi;

	if (n * q * (1 - q) >= CMP_NORMAL_RANKS_MIN) {
		double half = z * sqrt(q * (1 - q) / n);

		if (q - half > 0 && q + half < 1) {
			lo = side_quantile(s, q - half);
			hi = side_quantile(s, q + half);
			return lo > 0 ? (log(hi) - log(lo)) / (2 * z) : INFINITY;
		}
	}
	for (size_t i = 0; i < sizeof se_levels / sizeof se_levels[0]; i++) {
		if (side_quantile_ci(s, q, se_levels[i], &lo, &hi))
			continue;
		if (!(lo > 0))
			return INFINITY;
		return (log(hi) - log(lo)) / (2 * stats_norm_quantile(1 - (1 - se_levels[i]) / 2));
	}
	return NAN;
}

/* The smallest n for which the q-quantile has an interval at the narrowest level. */
static double
min_samples_for_ci(double q)
{
	double tail = (1 - se_levels[sizeof se_levels / sizeof se_levels[0] - 1]) / 2;

	return ceil(log(tail) / log(q > 0.5 ? q : 1 - q)) + 1;
}

/*
 * One quantile test: the change of log(quantile) with the standard error
 * from both sides' order-statistic intervals; the normal score gives the
 * p-value and the interval at 1 - alpha.  O(1) after the sort (O(buckets)
 * for histograms).  The verdict waits for the correction (judge_tests).
 */
static void
quantile_test(const struct compare_metric *m, double q, const struct compare_settings *set, struct compare_test *t)
{
	const struct compare_side *b = &m->base, *a = &m->after;
	double se_b, se_a, d, se, zc = stats_norm_quantile(1 - set->alpha / 2);
	char name[16];

	quantile_name(name, sizeof name, q);
	t->kind = CMP_TEST_QUANTILE;
	t->q = q;
	t->method = b->has_samples && a->has_samples ? "order-statistics" : "histogram-buckets";
	t->base = side_quantile(b, q);
	t->after = side_quantile(a, q);
	t->change = t->base > 0 ? t->after / t->base - 1 : NAN;
	t->verdict = CMP_INCONCLUSIVE;
	if (!(t->base > 0) || !(t->after > 0)) {
		set_reason(t->reason, "%s is 0 on one side, so there is no relative change", name);
		return;
	}
	se_b = side_log_se(b, q);
	se_a = side_log_se(a, q);
	if (isnan(se_b) || isnan(se_a)) {
		t->samples_needed = min_samples_for_ci(q);
		set_reason(t->reason, "%s cannot be bounded from %zu and %zu samples: it needs at least %.0f a side",
		    name, side_n(b), side_n(a), t->samples_needed);
		return;
	}
	if (isinf(se_b) || isinf(se_a)) {
		set_reason(t->reason, "%s: the interval reaches 0, so no relative change", name);
		return;
	}
	d = log(t->after / t->base);
	se = hypot(se_b, se_a);
	t->se_log = se;
	t->var_n = se_b * se_b * (double)side_n(b) + se_a * se_a * (double)side_n(a);
	/* The error is itself estimated from few order statistics when n is
	 * small: d / se has heavier tails than the normal.  Student's t with
	 * n - 1 of the smaller side keeps the level at 30 samples and is the
	 * normal by a few hundred. */
	t->df = (double)(side_n(b) < side_n(a) ? side_n(b) : side_n(a)) - 1;
	if (t->df < 1)
		t->df = 1;
	t->p = se > 0 ? 2 * stats_norm_cdf(-stats_t_to_z(fabs(d) / se, t->df)) : d == 0 ? 1 : 0;
	zc = stats_z_to_t(zc, t->df);
	t->ci_lo = expm1(d - zc * se);
	t->ci_hi = expm1(d + zc * se);
}

/* Summary-only metrics (pr-bench 0.1 load documents' _rps): the p50 of
 * each side's summary, without a test, as before. */
static void
summary_test(const struct compare_metric *m, struct compare_test *t)
{
	t->kind = CMP_TEST_QUANTILE;
	t->q = 0.5;
	t->method = "none";
	t->base = m->base.summary.p50;
	t->after = m->after.summary.p50;
	t->change = t->base > 0 ? t->after / t->base - 1 : NAN;
	t->verdict = CMP_INCONCLUSIVE;
}

/* Requests of a side: the successes (samples or histogram) and the errors. */
static unsigned long long
side_requests(const struct compare_side *s)
{
	return (unsigned long long)s->summary.n + s->errors;
}

/*
 * The error-rate test: errors / requests on each side, compared as two
 * proportions (Fisher's exact test while cheap).  The interval is Wald's
 * on the difference of the rates.
 */
static void
error_test(const struct compare_metric *m, const struct compare_settings *set, struct compare_test *t)
{
	unsigned long long nb = side_requests(&m->base), na = side_requests(&m->after);
	double zc = stats_norm_quantile(1 - set->alpha / 2), se;

	t->kind = CMP_TEST_ERRORS;
	t->base = (double)m->base.errors / (double)nb;
	t->after = (double)m->after.errors / (double)na;
	t->change = t->after - t->base;
	se = sqrt(t->base * (1 - t->base) / (double)nb + t->after * (1 - t->after) / (double)na);
	t->ci_lo = t->change - zc * se;
	t->ci_hi = t->change + zc * se;
	t->method = (double)(m->base.errors + m->after.errors) <= PR_FISHER_EXACT_MAX ? "fisher-exact" :
	    "two-proportion-z";
	t->p = stats_two_proportion_p(m->base.errors, nb, m->after.errors, na);
}

/* A budget's kind matches a metric: times for ms, rps for rps, errors for
 * metrics with an error count. */
static bool
budget_fits(const struct compare_budget *bu, const struct compare_side *s)
{
	if (bu->stat == CMP_STAT_ERRORS)
		return s->has_errors && !s->throughput;
	return strcmp(bu->unit, s->unit) == 0;
}

/* The after side's value of what bu bounds; NAN when it cannot be read. */
static double
budget_value(const struct compare_budget *bu, const struct compare_side *a)
{
	switch (bu->stat) {
	case CMP_STAT_ERRORS:
		return side_requests(a) ? (double)a->errors / (double)side_requests(a) : NAN;
	case CMP_STAT_MEAN:
		return a->summary.mean;
	case CMP_STAT_MAX:
		return a->summary.max;
	case CMP_STAT_QUANTILE:
		break;
	}
	if (has_distribution(a))
		return side_quantile(a, bu->q);
	if (bu->q == 0.5)
		return a->summary.p50;
	if (bu->q == 0.9)
		return a->summary.p90;
	if (bu->q == 0.95)
		return a->summary.p95;
	if (bu->q == 0.99)
		return a->summary.p99;
	return NAN;
}

/* A budget held against the after side: broken is a regression. */
static void
budget_test(const struct compare_metric *m, const struct compare_budget *bu, struct compare_test *t)
{
	char v[32], lim[32];
	bool ok;

	t->kind = CMP_TEST_BUDGET;
	t->budget = bu;
	t->method = "budget";
	t->after = budget_value(bu, &m->after);
	if (bu->stat == CMP_STAT_ERRORS) {
		snprintf(v, sizeof v, "%.3g%%", t->after * PERCENT);
		snprintf(lim, sizeof lim, "%g%%", bu->limit * PERCENT);
	} else {
		compare_format_value(v, sizeof v, t->after, m->after.unit);
		compare_format_value(lim, sizeof lim, bu->limit, m->after.unit);
	}
	if (isnan(t->after)) {
		t->verdict = CMP_INCONCLUSIVE;
		set_reason(t->reason, "budget %s: the after side has no such value", bu->text);
		return;
	}
	ok = bu->below ? t->after < bu->limit : t->after > bu->limit;
	t->verdict = ok ? CMP_UNCHANGED : CMP_REGRESSED;
	set_reason(t->reason, "budget %s %s: %s after (limit %s)", bu->text,
	    ok ? "held" : "broken", v, lim);
}

/* A new zeroed test at the end of m's tests (grown as needed). */
static struct compare_test *
add_test(struct compare_metric *m, size_t *cap)
{
	struct compare_test *t;

	if (m->ntests == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		m->tests = xrealloc(m->tests, *cap * sizeof *m->tests);
	}
	t = &m->tests[m->ntests++];
	memset(t, 0, sizeof *t);
	t->q = t->base = t->after = t->change = t->ci_lo = t->ci_hi = NAN;
	t->se_log = t->p = t->p_adj = t->min_detectable = t->samples_needed = t->var_n = NAN;
	t->df = INFINITY;
	t->verdict = CMP_UNCHANGED;
	return t;
}

/*
 * Set up m's tests: a special verdict (one side only, not comparable, no
 * successes) or the quantile tests and the error-rate test.  Budgets are
 * added whenever the after side is there.
 */
static void
plan_tests(struct compare_metric *m, const struct compare_settings *set)
{
	const struct compare_side *b = &m->base, *a = &m->after;
	size_t cap = 0;

	m->change = m->ci_lo = m->ci_hi = m->p_value = NAN;
	m->comparable = true;
	m->verdict = CMP_NVERDICTS;	/* from the tests */
	if (!a->present) {
		m->verdict = CMP_ONLY_BASELINE;
		set_reason(m->reason, "only in the baseline: not measured after");
	} else if (!b->present) {
		m->verdict = CMP_ONLY_AFTER;
		set_reason(m->reason, "only after: no baseline to compare with");
	} else if (strcmp(b->unit, a->unit) != 0 || strcmp(b->better, a->better) != 0) {
		m->comparable = false;
		m->verdict = CMP_UNCHANGED;
		set_reason(m->reason, "not compared: baseline is %s (%s is better), after is %s (%s is better)",
		    b->unit, b->better, a->unit, a->better);
	} else if (b->summary.n == 0 || a->summary.n == 0) {
		m->verdict = b->summary.n > 0 ? CMP_REGRESSED : CMP_INCONCLUSIVE;
		if (b->summary.n > 0)
			set_reason(m->reason, "no successful samples after (the baseline had %zu)", b->summary.n);
		else
			set_reason(m->reason, "not compared: no successful samples in the baseline");
	} else if (has_distribution(b) && has_distribution(a)) {
		m->tested = true;
		m->binned = !(b->has_samples && a->has_samples);
		/* The tail that matters is the bad one: p95 of a latency, p5 of
		 * a throughput (the slowest seconds). */
		for (size_t i = 0; i < set->nquantiles; i++) {
			double q = strcmp(b->better, "higher") == 0 ? 1 - set->quantiles[i] : set->quantiles[i];

			quantile_test(m, q, set, add_test(m, &cap));
		}
	} else {
		summary_test(m, add_test(m, &cap));
	}
	if (m->verdict == CMP_NVERDICTS && b->has_errors && a->has_errors && !b->throughput &&
	    (b->errors || a->errors))
		error_test(m, set, add_test(m, &cap));
	for (size_t i = 0; a->present && i < set->nbudgets; i++) {
		const struct compare_budget *bu = &set->budgets[i];

		if (bu->metric ? strcmp(bu->metric, m->id) == 0 : budget_fits(bu, a))
			budget_test(m, bu, add_test(m, &cap));
	}
}

/* "p95 51.0 ms -> 121 ms (+137%, 95% CI +120% to +155%)" into out. */
static void
describe_change(const struct compare_metric *m, const struct compare_test *t, const struct compare_settings *set,
    char *out, size_t size)
{
	char name[16], bv[32], av[32], ch[32], lo[32], hi[32];

	quantile_name(name, sizeof name, t->q);
	compare_format_value(bv, sizeof bv, t->base, m->base.unit);
	compare_format_value(av, sizeof av, t->after, m->after.unit);
	percent(ch, sizeof ch, t->change);
	percent(lo, sizeof lo, t->ci_lo);
	percent(hi, sizeof hi, t->ci_hi);
	if (isfinite(t->ci_lo))
		fit(out, size, "%s %s -> %s (%s, %g%% CI %s to %s)", name, bv, av, ch,
		    (1 - set->alpha) * PERCENT, lo, hi);
	else
		fit(out, size, "%s %s -> %s (%s)", name, bv, av, ch);
}

/*
 * The smallest change this n detects with CMP_POWER at the strictest level
 * of the family (alpha / family, Holm's first step), and the samples a
 * side at which that equals the threshold.
 */
static void
power_of(struct compare_test *t, const struct compare_settings *set, size_t family)
{
	double za = stats_norm_quantile(1 - set->alpha / (2.0 * (double)(family ? family : 1)));
	double zb = stats_norm_quantile(CMP_POWER), l = log1p(set->threshold);

	t->min_detectable = expm1((za + zb) * t->se_log);
	t->samples_needed = ceil((za + zb) * (za + zb) * t->var_n / (l * l));
}

/*
 * Samples a side that would settle an inconclusive test if the change
 * stayed where it is: the n at which the interval, shrinking as 1/sqrt(n),
 * clears the threshold, on the inside (unchanged, at the one-sided level)
 * or the outside (changed, at alpha / family).  A change right at the
 * threshold takes the n at which such a change is found with CMP_POWER.
 * At least one more than the larger side has.
 */
static double
samples_to_settle(const struct compare_metric *m, const struct compare_test *t, const struct compare_settings *set,
    size_t family)
{
	double l = log1p(set->threshold), d = fabs(log1p(t->change)), gap = fabs(l - d), z, n;
	double have = (double)(side_n(&m->base) > side_n(&m->after) ? side_n(&m->base) : side_n(&m->after));

	if (d < l)
		z = stats_norm_quantile(1 - set->alpha);
	else
		z = stats_norm_quantile(1 - set->alpha / (2.0 * (double)(family ? family : 1)));
	n = gap > CMP_THRESHOLD_SLACK ? ceil(t->var_n * z * z / (gap * gap)) : t->samples_needed;
	return n > have ? n : have + 1;
}

/* The verdict of one quantile test, once its p-value is adjusted. */
static void
judge_quantile(const struct compare_metric *m, struct compare_test *t, const struct compare_settings *set,
    size_t family)
{
	double thr = set->threshold, ze = stats_z_to_t(stats_norm_quantile(1 - set->alpha), t->df);
	bool big = isfinite(t->change) && fabs(t->change) + CMP_THRESHOLD_SLACK >= thr;
	char what[200];

	describe_change(m, t, set, what, sizeof what);
	if (strcmp(t->method, "none") == 0) {
		t->verdict = big ? (is_worse(m, t->change) ? CMP_REGRESSED : CMP_IMPROVED) : CMP_INCONCLUSIVE;
		set_reason(t->reason, "%s %s the %g%% threshold; no samples, so no test%s", what,
		    big ? "reaches" : "is within", thr * PERCENT, big ? "" : " and no bound on the change");
		return;
	}
	if (isnan(t->p))
		return;		/* inconclusive, reason set by quantile_test */
	power_of(t, set, family);
	if (t->p_adj < set->alpha && big) {
		t->verdict = is_worse(m, t->change) ? CMP_REGRESSED : CMP_IMPROVED;
		t->samples_needed = NAN;
		set_reason(t->reason, "%s, p = %.3g (%s %.3g) < %g", what, t->p,
		    stats_correction_name(set->correction), t->p_adj, set->alpha);
	} else if (expm1(log1p(t->change) - ze * t->se_log) > -thr && expm1(log1p(t->change) + ze * t->se_log) < thr) {
		t->verdict = CMP_UNCHANGED;
		t->samples_needed = NAN;
		set_reason(t->reason, "%s: within +-%g%% (both one-sided tests at %g)", what, thr * PERCENT,
		    set->alpha);
	} else {
		t->verdict = CMP_INCONCLUSIVE;
		t->samples_needed = samples_to_settle(m, t, set, family);
		set_reason(t->reason, "%s, p = %.3g (%s %.3g): neither a %g%% change nor its absence is shown; "
		    "this n detects +-%.1f%%, about %.0f samples a side would settle it",
		    what, t->p, stats_correction_name(set->correction), t->p_adj, thr * PERCENT,
		    t->min_detectable * PERCENT, t->samples_needed);
	}
}

/* The verdict of one error-rate test, once its p-value is adjusted.  Without
 * a significant change it is "unchanged": no margin is claimed for rates
 * (an errors budget bounds them). */
static void
judge_errors(const struct compare_metric *m, struct compare_test *t, const struct compare_settings *set)
{
	bool sig = t->p_adj < set->alpha;

	(void)m;
	t->verdict = !sig ? CMP_UNCHANGED : t->change > 0 ? CMP_REGRESSED : CMP_IMPROVED;
	set_reason(t->reason, "error rate %.3g%% -> %.3g%% (%+.3g points), %s p = %.3g (%s %.3g) %s %g",
	    t->base * PERCENT, t->after * PERCENT, t->change * PERCENT, t->method, t->p,
	    stats_correction_name(set->correction), t->p_adj, sig ? "<" : ">=", set->alpha);
}

/* Correct every p-value of the comparison as one family, in place. */
static size_t
correct_all(struct compare_result *r)
{
	size_t n = 0, k = 0, family;
	double *p, *adj;

	for (size_t i = 0; i < r->nmetrics; i++)
		n += r->metrics[i].ntests;
	p = xcalloc(n ? n : 1, sizeof *p);
	adj = xcalloc(n ? n : 1, sizeof *adj);
	for (size_t i = 0; i < r->nmetrics; i++)
		for (size_t j = 0; j < r->metrics[i].ntests; j++)
			p[k++] = r->metrics[i].tests[j].p;
	family = stats_p_adjust(p, n, r->settings.correction, adj);
	k = 0;
	for (size_t i = 0; i < r->nmetrics; i++)
		for (size_t j = 0; j < r->metrics[i].ntests; j++)
			r->metrics[i].tests[j].p_adj = adj[k++];
	free(p);
	free(adj);
	return family;
}

/* Rank of a verdict when tests combine into the metric's: worst first. */
static int
severity(enum compare_verdict v)
{
	return v == CMP_REGRESSED ? 3 : v == CMP_INCONCLUSIVE ? 2 : v == CMP_IMPROVED ? 1 : 0;
}

/* m's verdict from its tests (regressed > inconclusive > improved >
 * unchanged), its p50 change and interval, and the reason of its worst test. */
static void
judge_metric(struct compare_metric *m, const struct compare_settings *set, size_t family)
{
	const struct compare_test *worst = NULL;

	for (size_t j = 0; j < m->ntests; j++) {
		struct compare_test *t = &m->tests[j];

		if (t->kind == CMP_TEST_QUANTILE)
			judge_quantile(m, t, set, family);
		else if (t->kind == CMP_TEST_ERRORS)
			judge_errors(m, t, set);
		if (t->kind == CMP_TEST_QUANTILE && t->q == 0.5) {
			m->change = t->change;
			m->ci_lo = t->ci_lo;
			m->ci_hi = t->ci_hi;
		}
		if (!isnan(t->p_adj) && !(m->p_value <= t->p_adj))
			m->p_value = t->p_adj;
		if (!worst || severity(t->verdict) > severity(worst->verdict))
			worst = t;
	}
	if (!isfinite(m->change) && m->base.present && m->after.present && m->base.summary.p50 > 0)
		m->change = m->after.summary.p50 / m->base.summary.p50 - 1;
	if (m->verdict != CMP_NVERDICTS) {
		/* A special verdict stands, unless a budget broke. */
		if (worst && worst->verdict == CMP_REGRESSED) {
			m->verdict = CMP_REGRESSED;
			set_reason(m->reason, "%s", worst->reason);
		}
		return;
	}
	m->verdict = worst ? worst->verdict : CMP_INCONCLUSIVE;
	set_reason(m->reason, "%s", worst ? worst->reason : "nothing to test");
}

/* Without a baseline a metric's reason is its budgets': the first broken
 * one (judge_metric kept it), else the first held, else none to judge. */
static void
budget_only_reason(struct compare_metric *m)
{
	if (m->verdict == CMP_REGRESSED)
		return;
	for (size_t j = 0; j < m->ntests; j++)
		if (m->tests[j].kind == CMP_TEST_BUDGET) {
			set_reason(m->reason, "%s", m->tests[j].reason);
			return;
		}
	set_reason(m->reason, "no baseline, and no budget for this metric");
}

/* The comparison's verdict under fail_on. */
static void
decide_outcome(struct compare_result *r)
{
	const size_t *c = r->count;
	bool regressed = c[CMP_REGRESSED] > 0, unsure = c[CMP_INCONCLUSIVE] > 0;
	bool loose = c[CMP_ONLY_BASELINE] > 0 || c[CMP_ONLY_AFTER] > 0 || r->incomparable > 0;

	switch (r->settings.fail_on) {
	case CMP_FAIL_ON_REGRESSION:
		r->fail = regressed;
		break;
	case CMP_FAIL_ON_INCONCLUSIVE:
		r->fail = regressed || unsure;
		break;
	case CMP_FAIL_ON_ANY:
		r->fail = regressed || unsure || loose;
		break;
	case CMP_FAIL_ON_NONE:
		r->fail = false;
		break;
	}
	r->outcome = r->fail ? CMP_FAIL : unsure ? CMP_UNSURE : CMP_PASS;
}

/* The "metrics" object of in, reported as missing or mistyped. */
static int
metrics_of(const struct compare_input *in, const cJSON **out)
{
	return doc_get_object(in->doc, "metrics", PR_REQUIRED, display_name(in->name), out);
}

/* A new zeroed metric at the end of r->metrics (grown as needed). */
static size_t
add_metric(struct compare_result *r, size_t *cap, const char *id)
{
	struct compare_metric *m;

	if (r->nmetrics == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		r->metrics = xrealloc(r->metrics, *cap * sizeof *r->metrics);
	}
	m = &r->metrics[r->nmetrics];
	memset(m, 0, sizeof *m);
	m->id = id;
	return r->nmetrics++;
}

/*
 * An open-addressing index from metric id to its place in r->metrics, so
 * that matching and duplicate checks are O(1) each (they were a scan per
 * metric: 80,000 metrics took minutes).
 */
struct id_index {
	size_t *slot;	/* metric index + 1; 0 is empty */
	size_t mask;
};

static uint64_t
hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
index_init(struct id_index *ix, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	ix->slot = xcalloc(size, sizeof *ix->slot);
	ix->mask = size - 1;
}

/* The slot where id is or would go. */
static size_t *
index_find(const struct id_index *ix, const struct compare_result *r, const char *id)
{
	size_t i = (size_t)hash_id(id) & ix->mask;

	while (ix->slot[i] && strcmp(r->metrics[ix->slot[i] - 1].id, id) != 0)
		i = (i + 1) & ix->mask;
	return &ix->slot[i];
}

/* Read every metric of one side into r: the baseline adds each metric, the
 * after side fills the metric of the same id or adds one.  0 or PR_INPUT. */
static int
read_all(struct compare_result *r, size_t *cap, struct id_index *ix, const cJSON *metrics,
    const struct compare_input *in, bool is_base)
{
	const cJSON *it;
	struct buf ctx = {0};
	int rc = PR_OK;

	for (it = metrics ? metrics->child : NULL; it; it = it->next) {
		size_t *slot = index_find(ix, r, it->string);
		struct compare_metric *m;

		buf_reset(&ctx);
		buf_printf(&ctx, "%s: metrics.", display_name(in->name));
		/* Control characters from the document never reach a terminal. */
		for (const char *c = it->string; *c; c++)
			buf_addc(&ctx, (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c);
		if (*slot && (is_base || r->metrics[*slot - 1].after.present)) {
			rc = pr_error(PR_INPUT, "%s: appears more than once", ctx.data);
			goto out;
		}
		if (!*slot)
			*slot = add_metric(r, cap, it->string) + 1;
		m = &r->metrics[*slot - 1];
		if ((rc = read_side(it, ctx.data, is_base ? &m->base : &m->after)))
			goto out;
	}
out:
	buf_free(&ctx);
	return rc;
}

/* Every budget that names a metric must name one of the documents'. */
static int
check_budgets(const struct compare_result *r, const struct id_index *ix)
{
	for (size_t i = 0; i < r->settings.nbudgets; i++) {
		const struct compare_budget *bu = &r->settings.budgets[i];
		const size_t *slot;
		const struct compare_side *s;

		if (!bu->metric)
			continue;
		slot = index_find(ix, r, bu->metric);
		if (!*slot)
			return pr_error(bu->from_config ? PR_INPUT : PR_USAGE,
			    "budget %s: no metric \"%s\" in either document", bu->text, bu->metric);
		s = r->metrics[*slot - 1].after.present ? &r->metrics[*slot - 1].after : &r->metrics[*slot - 1].base;
		if (bu->stat != CMP_STAT_ERRORS && strcmp(bu->unit, s->unit) != 0)
			return pr_error(bu->from_config ? PR_INPUT : PR_USAGE,
			    "budget %s: metric \"%s\" is in %s, the budget in %s", bu->text, bu->metric, s->unit,
			    bu->unit);
	}
	return PR_OK;
}

int
compare_run(const struct compare_input *base, const struct compare_input *after,
    const struct compare_settings *settings, struct compare_result *r)
{
	const cJSON *mb, *ma;
	struct id_index ix = {0};
	size_t cap = 0;
	int rc;

	memset(r, 0, sizeof *r);
	r->settings = *settings;
	r->base = *base;
	r->after = *after;
	mb = NULL;	/* no baseline document: budgets only (compare_run's contract) */
	if ((base->doc && (rc = metrics_of(base, &mb))) || (rc = metrics_of(after, &ma)))
		return rc;
	index_init(&ix, (size_t)cJSON_GetArraySize(mb) + (size_t)cJSON_GetArraySize(ma));
	if ((rc = read_all(r, &cap, &ix, mb, base, true)) || (rc = read_all(r, &cap, &ix, ma, after, false)) ||
	    (rc = check_budgets(r, &ix)))
		goto out;
	for (size_t i = 0; i < r->nmetrics; i++)
		plan_tests(&r->metrics[i], &r->settings);
	r->family = correct_all(r);
	for (size_t i = 0; i < r->nmetrics; i++) {
		struct compare_metric *m = &r->metrics[i];

		judge_metric(m, &r->settings, r->family);
		if (!base->doc)
			budget_only_reason(m);
		r->count[m->verdict]++;
		if (!m->comparable)
			r->incomparable++;
	}
	decide_outcome(r);
out:
	free(ix.slot);
	return rc;
}

void
compare_release_samples(cJSON *doc)
{
	cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics");

	for (cJSON *m = cJSON_IsObject(metrics) ? metrics->child : NULL; m; m = m->next) {
		if (!cJSON_IsObject(m))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(m, "samples");
		cJSON_DeleteItemFromObjectCaseSensitive(m, "histogram");
	}
}

double
compare_side_quantile(const struct compare_side *s, double q)
{
	return s->present && has_distribution(s) ? side_quantile(s, q) : NAN;
}

void
compare_result_free(struct compare_result *r)
{
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].base.samples);
		free(r->metrics[i].after.samples);
		free(r->metrics[i].base.hist);
		free(r->metrics[i].after.hist);
		for (size_t j = 0; j < r->metrics[i].ntests; j++)
			free(r->metrics[i].tests[j].reason);
		free(r->metrics[i].tests);
		free(r->metrics[i].reason);
	}
	free(r->metrics);
	memset(r, 0, sizeof *r);
}

/* {"file","label","created_at"} of one input. */
static cJSON *
input_json(const struct compare_input *in)
{
	cJSON *o;
	const cJSON *label = cJSON_GetObjectItemCaseSensitive(in->doc, "label");

	if (!in->doc)
		return cJSON_CreateNull();	/* budgets on one document */
	o = cJSON_CreateObject();
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(in->doc, "created_at");

	cJSON_AddStringToObject(o, "file", in->name);
	if (cJSON_IsString(label))
		cJSON_AddStringToObject(o, "label", label->valuestring);
	else
		cJSON_AddNullToObject(o, "label");
	if (cJSON_IsString(created))
		cJSON_AddStringToObject(o, "created_at", created->valuestring);
	else
		cJSON_AddNullToObject(o, "created_at");
	return o;
}

/* One side's summary, or JSON null when the metric is missing there. */
static cJSON *
side_json(const struct compare_side *s)
{
	return s->present ? stats_summary_to_json(&s->summary) : cJSON_CreateNull();
}

/* Significant digits kept for derived figures (changes, p-values): they are
 * estimates, and more digits would only show float noise. */
#define DERIVED_DIGITS 4
#define VALUE_SCALE 1000.0	/* values to 0.001 of their unit: microseconds for ms */

static double
digits(double v)
{
	char s[32];

	if (!isfinite(v) || v == 0)
		return v;
	snprintf(s, sizeof s, "%.*g", DERIVED_DIGITS, v);
	return strtod(s, NULL);
}

static void
add_derived(cJSON *o, const char *key, double v)
{
	doc_add_number(o, key, digits(v));
}

/* [lo, hi] or null. */
static void
add_interval(cJSON *o, const char *key, double lo, double hi)
{
	cJSON *ci;

	if (!isfinite(lo) || !isfinite(hi)) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	ci = cJSON_AddArrayToObject(o, key);
	cJSON_AddItemToArray(ci, cJSON_CreateNumber(digits(lo)));
	cJSON_AddItemToArray(ci, cJSON_CreateNumber(digits(hi)));
}

static const char *const kind_names[] = {
	[CMP_TEST_QUANTILE] = "quantile",
	[CMP_TEST_ERRORS] = "error_rate",
	[CMP_TEST_BUDGET] = "budget",
};

/* One test as an object of the metric's "tests" array. */
static cJSON *
test_json(const struct compare_test *t)
{
	cJSON *o = cJSON_CreateObject();
	char name[16];

	cJSON_AddStringToObject(o, "kind", kind_names[t->kind]);
	if (t->kind == CMP_TEST_QUANTILE) {
		quantile_name(name, sizeof name, t->q);
		cJSON_AddStringToObject(o, "quantile", name);
	} else if (t->kind == CMP_TEST_BUDGET) {
		cJSON_AddStringToObject(o, "budget", t->budget->text);
	}
	cJSON_AddStringToObject(o, "method", t->method);
	cJSON_AddStringToObject(o, "verdict", verdict_names[t->verdict]);
	if (t->kind == CMP_TEST_ERRORS || (t->kind == CMP_TEST_BUDGET && t->budget->stat == CMP_STAT_ERRORS)) {
		if (t->kind == CMP_TEST_ERRORS)
			add_derived(o, "baseline", t->base);
		add_derived(o, "after", t->after);
	} else {
		/* Values in the metric's unit, at the resolution they were
		 * measured at (ms to the microsecond). */
		if (t->kind == CMP_TEST_QUANTILE)
			doc_add_number(o, "baseline", round(t->base * VALUE_SCALE) / VALUE_SCALE);
		doc_add_number(o, "after", round(t->after * VALUE_SCALE) / VALUE_SCALE);
	}
	if (t->kind != CMP_TEST_BUDGET) {
		add_derived(o, "change", t->change);
		add_interval(o, "ci", t->ci_lo, t->ci_hi);
		add_derived(o, "p_value", t->p);
		add_derived(o, "p_adjusted", t->p_adj);
	}
	if (t->kind == CMP_TEST_QUANTILE) {
		add_derived(o, "min_detectable", t->min_detectable);
		add_derived(o, "samples_needed", t->samples_needed);
	}
	cJSON_AddStringToObject(o, "reason", t->reason ? t->reason : "-");
	return o;
}

/* The metric's method in the 1.x field "test". */
static const char *
metric_test_name(const struct compare_metric *m)
{
	return !m->tested ? "none" : m->binned ? "quantile-histogram-buckets" : "quantile-order-statistics";
}

static cJSON *
settings_json(const struct compare_settings *set, size_t family)
{
	cJSON *o = cJSON_CreateObject(), *q, *b;

	cJSON_AddNumberToObject(o, "alpha", set->alpha);
	cJSON_AddNumberToObject(o, "threshold", set->threshold);
	cJSON_AddStringToObject(o, "fail_on", compare_fail_on_name(set->fail_on));
	cJSON_AddStringToObject(o, "correction", stats_correction_name(set->correction));
	cJSON_AddNumberToObject(o, "tests", (double)family);
	q = cJSON_AddArrayToObject(o, "quantiles");
	for (size_t i = 0; i < set->nquantiles; i++)
		cJSON_AddItemToArray(q, cJSON_CreateNumber(digits(set->quantiles[i] * PERCENT)));
	b = cJSON_AddArrayToObject(o, "budgets");
	for (size_t i = 0; i < set->nbudgets; i++)
		cJSON_AddItemToArray(b, cJSON_CreateString(set->budgets[i].text));
	return o;
}

/* One metric as the object of the document's "metrics" (caller owns). */
static cJSON *
metric_json(const struct compare_metric *m)
{
	const struct compare_side *known = m->base.present ? &m->base : &m->after;
	cJSON *o = cJSON_CreateObject(), *tests;

	cJSON_AddStringToObject(o, "verdict", verdict_names[m->verdict]);
	cJSON_AddStringToObject(o, "unit", known->unit);
	cJSON_AddStringToObject(o, "better", known->better);
	cJSON_AddItemToObject(o, "baseline", side_json(&m->base));
	cJSON_AddItemToObject(o, "after", side_json(&m->after));
	add_derived(o, "change", m->change);
	add_interval(o, "ci", m->ci_lo, m->ci_hi);
	add_derived(o, "p_value", m->p_value);
	cJSON_AddStringToObject(o, "test", metric_test_name(m));
	cJSON_AddStringToObject(o, "reason", m->reason ? m->reason : "-");
	tests = cJSON_AddArrayToObject(o, "tests");
	for (size_t j = 0; j < m->ntests; j++)
		cJSON_AddItemToArray(tests, test_json(&m->tests[j]));
	return o;
}

/* cJSON_Print of item, or abort: out of memory is not a verdict. */
static char *
print_json(const cJSON *item, bool formatted)
{
	char *s = formatted ? cJSON_Print(item) : cJSON_PrintUnformatted(item);

	if (!s) {
		fprintf(stderr, "%s: out of memory\n", pr_progname());
		abort();
	}
	return s;
}

/* Append s to out with "\t\t" after every newline: the indentation of a
 * value two levels down (strings hold no raw newline). */
static void
add_indented(struct buf *out, const char *s)
{
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
		buf_add(out, s, (size_t)(nl - s) + 1);
		buf_adds(out, "\t\t");
	}
	buf_adds(out, s);
}

int
compare_document_write(const struct compare_result *r, compare_sink sink, void *ctx)
{
	cJSON *doc = doc_new("compare");
	cJSON *counts;
	struct buf out = {0};
	char *text;
	int rc;

	/* Major 2: "inconclusive" is a new verdict and "unchanged" now means
	 * the interval bounds the change within the threshold. */
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "schema", cJSON_CreateString(CMP_SCHEMA));
	cJSON_AddStringToObject(doc, "verdict", compare_outcome_name(r->outcome));
	cJSON_AddItemToObject(doc, "baseline", input_json(&r->base));
	cJSON_AddItemToObject(doc, "after", input_json(&r->after));
	cJSON_AddItemToObject(doc, "settings", settings_json(&r->settings, r->family));
	counts = cJSON_AddObjectToObject(doc, "counts");
	for (int v = 0; v < CMP_NVERDICTS; v++)
		cJSON_AddNumberToObject(counts, verdict_names[v], (double)r->count[v]);
	cJSON_AddNumberToObject(counts, "not_comparable", (double)r->incomparable);
	/* The header, then the metrics one at a time: the whole tree of a
	 * comparison of many metrics would take many times the output. */
	text = print_json(doc, true);
	buf_add(&out, text, strlen(text) - 2);	/* without "\n}" */
	cJSON_free(text);
	cJSON_Delete(doc);
	buf_adds(&out, ",\n\t\"metrics\":\t{");
	rc = sink(ctx, out.data, out.len);
	for (size_t i = 0; i < r->nmetrics && rc == 0; i++) {
		cJSON *id = cJSON_CreateString(r->metrics[i].id), *o = metric_json(&r->metrics[i]);
		char *key = print_json(id, false), *val = print_json(o, true);

		buf_reset(&out);
		buf_printf(&out, "%s\n\t\t%s:\t", i ? "," : "", key);
		add_indented(&out, val);
		cJSON_free(key);
		cJSON_free(val);
		cJSON_Delete(id);
		cJSON_Delete(o);
		rc = sink(ctx, out.data, out.len);
	}
	if (rc == 0)
		rc = sink(ctx, "\n\t}\n}\n", 6);
	buf_free(&out);
	return rc;
}

static int
buf_sink(void *ctx, const char *s, size_t n)
{
	buf_add(ctx, s, n);
	return 0;
}

char *
compare_document_text(const struct compare_result *r)
{
	struct buf out = {0};

	compare_document_write(r, buf_sink, &out);
	return buf_detach(&out);
}
