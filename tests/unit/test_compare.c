/*
 * test_compare.c: verdicts of lib/compare.c, and its statistical soundness
 * over many seeded trials: how often it cries wolf on identical
 * distributions, and how often it sees a real 20 % change.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "err.h"
#include "t.h"

#define TRIALS 1000
#define SAMPLES 30
#define OUTLIER_RATE 0.02

static char name_buf[256];

/* splitmix64: a small, fixed generator, so every run draws the same data. */
static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rng_uniform(void)
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double
rng_gauss(void)
{
	return sqrt(-2 * log(rng_uniform())) * cos(2 * M_PI * rng_uniform());
}

/* n lognormal latencies around median, sigma of the log, with stalls. */
static cJSON *
draw(double median, double sigma, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		double v = median * exp(sigma * rng_gauss());

		if (rng_uniform() < OUTLIER_RATE)
			v *= 3 + 7 * rng_uniform();
		cJSON_AddItemToArray(a, cJSON_CreateNumber(round(v * 1000) / 1000));
	}
	return a;
}

/* A bench document with one metric "m" holding the given samples. */
static cJSON *
bench_doc(const char *unit, const char *better, cJSON *samples)
{
	cJSON *doc = pr_doc_new("bench");
	cJSON *m = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "metrics"), "m");

	cJSON_AddStringToObject(m, "unit", unit);
	cJSON_AddStringToObject(m, "better", better);
	cJSON_AddItemToObject(m, "samples", samples);
	return doc;
}

static const struct cmp_settings defaults = { CMP_DEFAULT_ALPHA, CMP_DEFAULT_THRESHOLD, CMP_FAIL_ON_REGRESSION };

/* Compare two documents; the verdict of metric "m", or -1 on error. */
static int
verdict_of(cJSON *b, cJSON *a, const struct cmp_settings *s)
{
	struct cmp_input bi = { "base.json", b }, ai = { "after.json", a };
	struct cmp_result r;
	int v = -1;

	if (cmp_run(&bi, &ai, s, &r) == 0 && r.nmetrics == 1)
		v = (int)r.metrics[0].verdict;
	cmp_result_free(&r);
	cJSON_Delete(b);
	cJSON_Delete(a);
	return v;
}

/* Fraction of trials with verdict want, after/base medians in ratio. */
static double
rate(uint64_t seed, const char *unit, const char *better, double median, double ratio, double sigma, int want)
{
	int hits = 0;

	rng_state = seed;
	for (int t = 0; t < TRIALS; t++) {
		cJSON *b = bench_doc(unit, better, draw(median, sigma, SAMPLES));
		cJSON *a = bench_doc(unit, better, draw(median * ratio, sigma, SAMPLES));

		if (verdict_of(b, a, &defaults) == want)
			hits++;
	}
	return (double)hits / TRIALS;
}

static void
test_same_distribution_rarely_changes(void)
{
	double reg = 0, imp = 0;
	int both = 0;

	rng_state = 42;
	for (int t = 0; t < TRIALS; t++) {
		cJSON *b = bench_doc("ms", "lower", draw(100, 0.3, SAMPLES));
		cJSON *a = bench_doc("ms", "lower", draw(100, 0.3, SAMPLES));
		int v = verdict_of(b, a, &defaults);

		reg += v == CMP_REGRESSED;
		imp += v == CMP_IMPROVED;
		both += v == CMP_REGRESSED || v == CMP_IMPROVED;
	}
	snprintf(name_buf, sizeof name_buf,
	    "test_same_distribution_rarely_changes (lognormal sigma 0.3, 2%% stalls, %d trials of %d vs %d: "
	    "false verdicts %.1f%%: %.1f%% regressed, %.1f%% improved)",
	    TRIALS, SAMPLES, SAMPLES, 100.0 * both / TRIALS, 100 * reg / TRIALS, 100 * imp / TRIALS);
	/* The rank test is exact here, so the rate is alpha (5.0 % over
	 * 20000 trials); allow two standard errors of TRIALS trials. */
	CHECK((double)both / TRIALS <= CMP_DEFAULT_ALPHA + 2 * sqrt(0.05 * 0.95 / TRIALS));
}

static void
test_latency_shift_of_20pct_is_detected(void)
{
	double up = rate(7, "ms", "lower", 100, 1.2, 0.1, CMP_REGRESSED);
	double down = rate(8, "ms", "lower", 100, 0.8, 0.1, CMP_IMPROVED);

	snprintf(name_buf, sizeof name_buf,
	    "test_latency_shift_of_20pct_is_detected (sigma 0.1, 2%% stalls, %d trials: +20%% regressed in %.1f%%, "
	    "-20%% improved in %.1f%%)", TRIALS, 100 * up, 100 * down);
	CHECK(up >= 0.95);
	CHECK(down >= 0.95);
}

static void
test_rps_shift_of_20pct_is_detected(void)
{
	double up = rate(9, "rps", "higher", 1000, 1.2, 0.1, CMP_IMPROVED);
	double down = rate(10, "rps", "higher", 1000, 0.8, 0.1, CMP_REGRESSED);

	snprintf(name_buf, sizeof name_buf,
	    "test_rps_shift_of_20pct_is_detected (better higher, sigma 0.1, %d trials: +20%% improved in %.1f%%, "
	    "-20%% regressed in %.1f%%)", TRIALS, 100 * up, 100 * down);
	CHECK(up >= 0.95);
	CHECK(down >= 0.95);
}

/* At sigma 0.3, 30 samples cannot reliably show 20 %: report, do not
 * promise.  The check only guards against losing the power we have. */
static void
test_power_at_sigma_03_is_reported(void)
{
	double up = rate(11, "ms", "lower", 100, 1.2, 0.3, CMP_REGRESSED);

	snprintf(name_buf, sizeof name_buf,
	    "test_power_at_sigma_03_is_reported (sigma 0.3, 30 vs 30, +20%% regressed in %.1f%% of %d trials)",
	    100 * up, TRIALS);
	CHECK(up >= 0.4);
}

static void
test_small_significant_change_is_unchanged(void)
{
	/* 2 % slower with little noise: significant, under the threshold. */
	struct cmp_settings s = defaults;

	rng_state = 3;
	CHECK(verdict_of(bench_doc("ms", "lower", draw(100, 0.01, 200)),
	    bench_doc("ms", "lower", draw(102, 0.01, 200)), &s) == CMP_UNCHANGED);
	s.threshold = 0.01;
	CHECK(verdict_of(bench_doc("ms", "lower", draw(100, 0.01, 200)),
	    bench_doc("ms", "lower", draw(102, 0.01, 200)), &s) == CMP_REGRESSED);
}

static cJSON *
summary_doc(const char *unit, double p50)
{
	cJSON *doc = pr_doc_new("bench");
	cJSON *m = cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "metrics"), "m");
	cJSON *s = cJSON_AddObjectToObject(m, "summary");

	cJSON_AddStringToObject(m, "unit", unit);
	cJSON_AddNumberToObject(s, "n", 1000);
	cJSON_AddNumberToObject(s, "p50", p50);
	return doc;
}

static void
test_summary_only_compares_medians(void)
{
	struct cmp_input bi, ai;
	struct cmp_result r;
	cJSON *b = summary_doc("ms", 100), *a = summary_doc("ms", 90);

	bi = (struct cmp_input){ "b", b };
	ai = (struct cmp_input){ "a", a };
	CHECK(cmp_run(&bi, &ai, &defaults, &r) == 0);
	CHECK(r.metrics[0].verdict == CMP_IMPROVED);
	CHECK(!r.metrics[0].tested);
	CHECK(isnan(r.metrics[0].p_value) && isnan(r.metrics[0].ci_lo));
	CHECK_NEAR(r.metrics[0].change, -0.1, 1e-12);
	cmp_result_free(&r);
	cJSON_Delete(b);
	cJSON_Delete(a);
	CHECK(verdict_of(summary_doc("ms", 100), summary_doc("ms", 104), &defaults) == CMP_UNCHANGED);
	CHECK(verdict_of(summary_doc("rps", 100), summary_doc("rps", 80), &defaults) == CMP_REGRESSED);
	/* A zero baseline median gives no relative change: unchanged. */
	CHECK(verdict_of(summary_doc("ms", 0), summary_doc("ms", 80), &defaults) == CMP_UNCHANGED);
}

static void
test_units_that_differ_are_not_compared(void)
{
	struct cmp_input bi, ai;
	struct cmp_result r;
	cJSON *b = summary_doc("ms", 100), *a = summary_doc("rps", 10);
	struct cmp_settings any = defaults;

	bi = (struct cmp_input){ "b", b };
	ai = (struct cmp_input){ "a", a };
	CHECK(cmp_run(&bi, &ai, &defaults, &r) == 0);
	CHECK(r.metrics[0].verdict == CMP_UNCHANGED && !r.metrics[0].comparable);
	CHECK(strstr(r.metrics[0].reason, "not compared") != NULL);
	CHECK(!r.fail);
	cmp_result_free(&r);
	any.fail_on = CMP_FAIL_ON_ANY;
	CHECK(cmp_run(&bi, &ai, &any, &r) == 0);
	CHECK(r.fail);
	cmp_result_free(&r);
	cJSON_Delete(b);
	cJSON_Delete(a);
}

static void
test_threshold_accepts_percent_and_fraction(void)
{
	double t = -1;

	CHECK(cmp_threshold_parse("5%", &t) == 0);
	CHECK_NEAR(t, 0.05, 1e-15);
	CHECK(cmp_threshold_parse("0.05", &t) == 0);
	CHECK_NEAR(t, 0.05, 1e-15);
	CHECK(cmp_threshold_parse("0", &t) == 0 && t == 0);
	CHECK(cmp_threshold_parse("abc", &t) == -1);
	CHECK(cmp_threshold_parse("5", &t) == -1);
	CHECK(cmp_threshold_parse("-1%", &t) == -1);
	CHECK(cmp_threshold_parse("%", &t) == -1);
	CHECK(cmp_threshold_parse("100%", &t) == -1);
}

int
main(void)
{
	pr_init("test_compare");
	/* These fill name_buf with the rates they measured before it is printed. */
	t_run(name_buf, test_same_distribution_rarely_changes);
	t_run(name_buf, test_latency_shift_of_20pct_is_detected);
	t_run(name_buf, test_rps_shift_of_20pct_is_detected);
	t_run(name_buf, test_power_at_sigma_03_is_reported);
	RUN(test_small_significant_change_is_unchanged);
	RUN(test_summary_only_compares_medians);
	RUN(test_units_that_differ_are_not_compared);
	RUN(test_threshold_accepts_percent_and_fraction);
	return t_done();
}
