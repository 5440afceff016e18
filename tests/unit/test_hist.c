/* test_hist.c: the latency histogram: layout, precision, exact merging. */
#include <stdint.h>
#include <stdlib.h>

#include "pr.h"
#include "hist.h"
#include "stats.h"
#include "t.h"

#define NVALUES 100000

/* A deterministic generator: xorshift64. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Latencies spread over six decades, like a real run with a stall. */
static uint64_t
latency_us(uint64_t *s)
{
	uint64_t r = next_rand(s);
	uint64_t decade = r % 6, scale = 1;

	for (uint64_t i = 0; i < decade; i++)
		scale *= 10;
	return scale + (next_rand(s) % (9 * scale));
}

static void
test_small_values_are_exact(void)
{
	for (uint64_t v = 0; v < PR_HIST_SUB_BUCKETS; v++) {
		CHECK(hist_index(v) == v);
		CHECK(hist_bucket_low(hist_index(v)) == v);
		CHECK(hist_bucket_width(hist_index(v)) == 1);
	}
}

static void
test_every_bucket_holds_its_values_within_precision(void)
{
	/* Each value falls in a bucket that contains it and is at most 1/1024
	 * of it wide: 3 significant digits. */
	for (uint64_t v = 1; v <= PR_HIST_HIGHEST_US; v = v * 1.0007 + 1) {
		size_t i = hist_index(v);
		uint64_t lo = hist_bucket_low(i), w = hist_bucket_width(i);

		CHECK(i < PR_HIST_COUNTS);
		CHECK(lo <= v && v < lo + w);
		CHECK((double)w <= (double)v / 1024.0 + 1);
	}
	CHECK(hist_index(PR_HIST_HIGHEST_US) < PR_HIST_COUNTS);
	CHECK(hist_index(PR_HIST_HIGHEST_US * 10) == hist_index(PR_HIST_HIGHEST_US));
}

static void
test_percentiles_within_tenth_of_a_percent_of_sorted_values(void)
{
	static double v[NVALUES];
	struct hist *h = hist_new();
	struct stats_summary exact, got;
	uint64_t s = 42;
	double qs[] = { 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999 };

	for (size_t i = 0; i < NVALUES; i++) {
		uint64_t us = latency_us(&s);

		v[i] = (double)us;
		hist_record(h, us);
	}
	stats_sort(v, NVALUES);
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		double want = stats_quantile_sorted(v, NVALUES, qs[i]);

		CHECK_NEAR(hist_quantile_us(h, qs[i]), want, want * 0.001);
	}
	stats_summarize_sorted(v, NVALUES, &exact);
	hist_summary_ms(h, &got);
	CHECK(got.n == NVALUES);
	CHECK_NEAR(got.min, exact.min / 1000, 0);
	CHECK_NEAR(got.max, exact.max / 1000, 0);
	CHECK_NEAR(got.mean, exact.mean / 1000, exact.mean / 1000 * 1e-12);
	CHECK_NEAR(got.p50, exact.p50 / 1000, exact.p50 / 1000 * 0.001);
	CHECK_NEAR(got.p99, exact.p99 / 1000, exact.p99 / 1000 * 0.001);
	CHECK_NEAR(got.stddev, exact.stddev / 1000, exact.stddev / 1000 * 0.001);
	free(h);
}

static void
test_merge_of_halves_equals_the_whole_exactly(void)
{
	struct hist *whole = hist_new(), *a = hist_new(), *b = hist_new();
	struct stats_summary sw, sm;
	uint64_t s = 7;

	for (size_t i = 0; i < NVALUES; i++) {
		uint64_t us = latency_us(&s);

		hist_record(whole, us);
		hist_record(next_rand(&s) % 3 ? a : b, us);
	}
	hist_merge(a, b);
	CHECK(memcmp(a, whole, sizeof *a) == 0);
	hist_summary_ms(whole, &sw);
	hist_summary_ms(a, &sm);
	CHECK(memcmp(&sw, &sm, sizeof sw) == 0);
	for (double q = 0; q <= 1; q += 0.0125)
		CHECK(hist_quantile_us(a, q) == hist_quantile_us(whole, q));
	free(whole);
	free(a);
	free(b);
}

static void
test_json_round_trip_is_exact(void)
{
	struct hist *h = hist_new(), *back = hist_new();
	cJSON *j, *pair;
	uint64_t s = 99;
	int rc;

	for (size_t i = 0; i < 5000; i++)
		hist_record(h, latency_us(&s));
	hist_record_n(h, 3600000000ULL, 3);	/* one hour */
	j = hist_to_json(h);
	CHECK_STR(cJSON_GetObjectItem(j, "unit")->valuestring, "us");
	CHECK(cJSON_GetObjectItem(j, "highest")->valuedouble == 3600000000.0);
	pair = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "counts"), 0);
	CHECK(cJSON_GetArraySize(pair) == 2);
	rc = hist_from_json(j, "t", back);
	CHECK(rc == 0);
	CHECK(memcmp(h, back, sizeof *h) == 0);
	cJSON_Delete(j);
	free(h);
	free(back);
}

static void
test_empty_histogram_round_trips_and_summarizes_as_null(void)
{
	struct hist *h = hist_new(), *back = hist_new();
	struct stats_summary sum;
	cJSON *j = hist_to_json(h);

	CHECK(hist_from_json(j, "t", back) == 0);
	CHECK(back->n == 0);
	hist_summary_ms(back, &sum);
	CHECK(sum.n == 0 && isnan(sum.p50));
	cJSON_Delete(j);
	free(h);
	free(back);
}

static void
test_bad_encodings_are_refused(void)
{
/* The range every encoding below shares; US3 starts one in us with 3 digits. */
#define RANGE "\"lowest\":1,\"highest\":3600000000,"
#define US3 "{\"unit\":\"us\",\"significant_digits\":3," RANGE
	const char *bad[] = {
		"[]",
		"{\"unit\":\"ms\",\"significant_digits\":3," RANGE "\"n\":0,\"sum\":0,\"counts\":[]}",
		"{\"unit\":\"us\",\"significant_digits\":2," RANGE "\"n\":0,\"sum\":0,\"counts\":[]}",
		US3 "\"n\":2,\"sum\":2,\"min\":1,\"max\":1,\"counts\":[[1,1]]}",
		US3 "\"n\":1,\"sum\":1,\"min\":1,\"max\":1,\"counts\":[[99999,1]]}",
		US3 "\"n\":2,\"sum\":2,\"min\":1,\"max\":1,\"counts\":[[1,1],[1,1]]}",
		US3 "\"n\":1,\"sum\":1,\"min\":1,\"max\":1,\"counts\":[[1,0.5]]}",
		US3 "\"n\":1,\"sum\":1,\"min\":5,\"max\":5,\"counts\":[[1,1]]}",
	};
#undef US3
#undef RANGE
	struct hist *h = hist_new();

	pr_set_quiet(true);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *j = cJSON_Parse(bad[i]);

		CHECK(j != NULL);
		CHECK(hist_from_json(j, "t", h) == PR_INPUT);
		cJSON_Delete(j);
	}
	free(h);
}

/* On values that are their own buckets (below 2048 us every bucket is one
 * microsecond wide), the binned test is the rank test on the values. */
static void
test_binned_rank_test_matches_samples(void)
{
	enum { N = 300 };
	double x[N], y[N];
	struct hist *hx = hist_new(), *hy = hist_new();
	struct stats_mwu from_samples, from_buckets;
	unsigned seed = 11;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		x[i] = 100 + (double)(seed % 400);
		seed = seed * 1103515245u + 12345u;
		y[i] = 160 + (double)(seed % 400);
		hist_record(hx, (uint64_t)x[i]);
		hist_record(hy, (uint64_t)y[i]);
	}
	stats_sort(x, N);
	stats_sort(y, N);
	CHECK(stats_mann_whitney_sorted(x, N, y, N, &from_samples) == 0);
	CHECK(!from_samples.exact);	/* ties: the normal approximation */
	CHECK(hist_mann_whitney(hx, hy, &from_buckets) == 0);
	CHECK_NEAR(from_buckets.u, from_samples.u, 1e-6);
	CHECK_NEAR(from_buckets.p, from_samples.p, 1e-12);
	CHECK(from_buckets.p < 0.001);
	CHECK(hist_mann_whitney(hx, hx, &from_buckets) == 0 && from_buckets.p == 1);
	hist_reset(hy);
	CHECK(hist_mann_whitney(hx, hy, &from_buckets) == -1);
	free(hx);
	free(hy);
}

/* Quantiles once claimed microseconds a wide bucket cannot tell (104.0315 ms
 * from a 64 us bucket); they are rounded to its power of ten (10 us). */
static void
test_quantiles_are_at_the_histograms_precision(void)
{
	struct hist *h = hist_new();
	struct stats_summary s;

	for (uint64_t us = 100000; us < 110000; us += 37)
		hist_record(h, us);
	hist_summary_ms(h, &s);
	CHECK(fmod(round(s.p50 * 1000), 10) == 0);
	CHECK(fmod(round(s.p90 * 1000), 10) == 0);
	CHECK(fmod(round(s.p99 * 1000), 10) == 0);
	CHECK_NEAR(s.p50, 105.0, 0.1);
	free(h);
}

int
main(void)
{
	pr_init("test_hist");
	RUN(test_small_values_are_exact);
	RUN(test_every_bucket_holds_its_values_within_precision);
	RUN(test_percentiles_within_tenth_of_a_percent_of_sorted_values);
	RUN(test_merge_of_halves_equals_the_whole_exactly);
	RUN(test_json_round_trip_is_exact);
	RUN(test_empty_histogram_round_trips_and_summarizes_as_null);
	RUN(test_bad_encodings_are_refused);
	RUN(test_binned_rank_test_matches_samples);
	RUN(test_quantiles_are_at_the_histograms_precision);
	return t_done();
}
