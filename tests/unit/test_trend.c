/*
 * test_trend.c: change points by permutation-tested binary segmentation.
 * The simulations use other seeds, noise shapes and sizes than
 * bench/trend-accuracy.sh, and fewer trials with margins wide enough that
 * a correct method fails them with a probability below about 1e-4.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "history.h"
#include "t.h"
#include "trend.h"

enum noise { GAUSS, LOGNORMAL, LAPLACE };

static double
unif(uint64_t *st)
{
	return ((trend_rand(st) >> 11) + 0.5) * 0x1p-53;
}

/* A draw with median 0 and scale sd (the Gaussian's sd, the Laplace's
 * same-variance scale; the lognormal's factor exp(sd z) is made additive
 * by the caller). */
static double
draw(uint64_t *st, enum noise kind, double sd)
{
	double u = unif(st), v = unif(st);

	switch (kind) {
	case LAPLACE:
		return (u < 0.5 ? log(2 * u) : -log(2 - 2 * u)) * sd / sqrt(2);
	default:
		return sqrt(-2 * log(u)) * cos(2 * M_PI * v) * sd;
	}
}

/* n points with shifts at pos[0..k) of +-rel each (direction random). */
static void
series(double *x, size_t n, const size_t *pos, size_t k, double rel, enum noise kind, double sd, uint64_t *st)
{
	double level = 100;
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (j < k && i == pos[j]) {
			level *= (trend_rand(st) & 1) ? 1 + rel : 1 / (1 + rel);
			j++;
		}
		x[i] = kind == LOGNORMAL ? level * exp(draw(st, GAUSS, sd)) : level * (1 + draw(st, kind, sd));
	}
}

/* k positions at least gap apart and from the ends. */
static void
positions(size_t *pos, size_t k, size_t n, size_t gap, uint64_t *st)
{
	for (;;) {
		bool ok = true;

		for (size_t i = 0; i < k; i++)
			pos[i] = gap + (size_t)(unif(st) * (double)(n - 2 * gap));
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < i; j++)
				if (pos[i] > pos[j] ? pos[i] - pos[j] < gap : pos[j] - pos[i] < gap)
					ok = false;
		if (!ok)
			continue;
		for (size_t i = 1; i < k; i++)	/* insertion sort */
			for (size_t j = i; j > 0 && pos[j] < pos[j - 1]; j--) {
				size_t t = pos[j];

				pos[j] = pos[j - 1];
				pos[j - 1] = t;
			}
		return;
	}
}

/* Histories (of trials) where every true shift has a change point within
 * tol points, and the total of change points matching none. */
static void
simulate(size_t trials, size_t n, size_t k, enum noise kind, double sd, uint64_t seed,
    size_t *all_found, size_t *false_cps)
{
	struct trend_settings s;
	double *x = malloc(n * sizeof *x);
	uint64_t st = seed;
	const size_t tol = 5;

	trend_settings_default(&s);
	*all_found = *false_cps = 0;
	for (size_t t = 0; t < trials; t++) {
		size_t pos[8], found = 0, ncp;
		struct trend_cp *cp;

		positions(pos, k, n, 40, &st);
		series(x, n, pos, k, 0.20, kind, sd, &st);
		trend_change_points(x, n, &s, &cp, &ncp);
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < ncp; j++)
				if (cp[j].index + tol >= pos[i] && cp[j].index <= pos[i] + tol) {
					found++;
					break;
				}
		for (size_t j = 0; j < ncp; j++) {
			bool near = false;

			for (size_t i = 0; i < k; i++)
				near |= cp[j].index + tol >= pos[i] && cp[j].index <= pos[i] + tol;
			*false_cps += !near;
		}
		*all_found += found == k;
		free(cp);
	}
	free(x);
}

static void
test_flat_series_rarely_has_a_change_point(void)
{
	size_t all, fp;

	/* alpha 0.01: about 0.3 expected in 30; 4 or more has p < 1e-3. */
	simulate(30, 400, 0, LAPLACE, 0.10, 11, &all, &fp);
	CHECK(fp <= 3);
	simulate(30, 300, 0, LOGNORMAL, 0.15, 12, &all, &fp);
	CHECK(fp <= 3);
}

static void
test_one_shift_is_located_under_skewed_noise(void)
{
	size_t all, fp;

	simulate(20, 300, 1, LOGNORMAL, 0.08, 21, &all, &fp);
	CHECK(all >= 18);
	CHECK(fp <= 3);
}

static void
test_three_shifts_are_located_under_heavy_tails(void)
{
	size_t all, fp;

	simulate(20, 600, 3, LAPLACE, 0.08, 31, &all, &fp);
	CHECK(all >= 17);
	CHECK(fp <= 5);
}

static void
test_clean_step_is_exact_with_levels_and_ties(void)
{
	double x[60];
	struct trend_settings s;
	struct trend_cp *cp;
	size_t n;

	trend_settings_default(&s);
	for (size_t i = 0; i < 60; i++)
		x[i] = i < 37 ? 10 : 14;
	trend_change_points(x, 60, &s, &cp, &n);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(cp[0].index == 37);
		CHECK_NEAR(cp[0].before, 10, 0);
		CHECK_NEAR(cp[0].after, 14, 0);
		CHECK(cp[0].p <= 0.01);
	}
	free(cp);
}

static void
test_constant_and_short_series_have_none(void)
{
	double x[40] = {0};
	struct trend_settings s;
	struct trend_cp *cp;
	size_t n;

	trend_settings_default(&s);
	trend_change_points(x, 40, &s, &cp, &n);
	CHECK(n == 0 && cp == NULL);
	trend_change_points(x, 1, &s, &cp, &n);
	CHECK(n == 0);
	x[5] = 1;
	trend_change_points(x, 9, &s, &cp, &n);	/* below 2 min_segment */
	CHECK(n == 0);
}

static void
test_reruns_are_identical_and_the_seed_matters_only_to_p(void)
{
	enum { N = 400 };
	double x[N];
	size_t pos[] = { 150, 290 }, n1, n2;
	struct trend_cp *a, *b;
	struct trend_settings s;
	uint64_t st = 77;

	trend_settings_default(&s);
	series(x, N, pos, 2, 0.2, GAUSS, 0.1, &st);
	trend_change_points(x, N, &s, &a, &n1);
	trend_change_points(x, N, &s, &b, &n2);
	CHECK(n1 == n2 && n1 > 0 && memcmp(a, b, n1 * sizeof *a) == 0);
	free(b);
	s.seed = 12345;
	trend_change_points(x, N, &s, &b, &n2);
	CHECK(n1 == n2);
	for (size_t i = 0; i < n1 && i < n2; i++)
		CHECK(a[i].index == b[i].index && a[i].z == b[i].z);
	free(a);
	free(b);
}

static void
test_history_keep_and_time_parse(void)
{
	struct history_keep k;
	double t;

	CHECK(history_keep_parse("90d", &k) == 0 && k.max_age_s == 90 * 86400.0 && k.max_records == 0);
	CHECK(history_keep_parse("36h", &k) == 0 && k.max_age_s == 36 * 3600.0);
	CHECK(history_keep_parse("500", &k) == 0 && k.max_records == 500 && k.max_age_s == 0);
	CHECK(history_keep_parse("0", &k) != 0);
	CHECK(history_keep_parse("d", &k) != 0);
	CHECK(history_keep_parse("-3d", &k) != 0);
	CHECK(history_keep_parse("90x", &k) != 0);
	CHECK(history_parse_time("2026-01-01T00:00:00Z", &t) == 0 && t == 1767225600);
	CHECK(history_parse_time("2026-01-01T00:00:00.250Z", &t) == 0 && t == 1767225600.25);
	CHECK(history_parse_time("2026-01-01T00:00:00+01:00", &t) != 0);
	CHECK(history_parse_time("yesterday", &t) != 0);
}

static void
test_history_skips_malformed_lines_by_number(void)
{
	static const char text[] =
	    "{\"schema\":\"pr-tools/history/1\",\"time\":\"2026-01-01T00:00:00Z\","
	    "\"metric\":\"a\",\"unit\":\"ms\",\"better\":\"lower\",\"p50\":5}\n"
	    "{oops\n"
	    "{\"schema\":\"pr-tools/history/2\",\"time\":\"2026-01-01T00:00:00Z\","
	    "\"metric\":\"a\",\"unit\":\"ms\",\"better\":\"lower\"}\n"
	    "{\"schema\":\"pr-tools/history/1.3\",\"time\":\"2026-01-01T00:30:00Z\","
	    "\"metric\":\"a\",\"unit\":\"ms\",\"better\":\"lower\",\"p50\":null,\"extra\":1}\n"
	    "{\"schema\":\"pr-tools/history/1\",\"time\":\"2026-01-01T01:00:00Z\","
	    "\"metric\":\"a\",\"unit\":\"ms\",\"better\":\"lower\",\"p50\":-1}";
	struct history h = {0};

	history_parse("h.jsonl", text, sizeof text - 1, &h);
	CHECK(h.nrec == 2 && h.skipped == 3);
	if (h.nrec == 2) {
		CHECK(h.rec[0].line == 1 && h.rec[0].p50 == 5);
		CHECK(h.rec[1].line == 4 && isnan(h.rec[1].p50));
	}
	history_free(&h);
}

int
main(void)
{
	RUN(test_history_keep_and_time_parse);
	RUN(test_history_skips_malformed_lines_by_number);
	RUN(test_clean_step_is_exact_with_levels_and_ties);
	RUN(test_constant_and_short_series_have_none);
	RUN(test_reruns_are_identical_and_the_seed_matters_only_to_p);
	RUN(test_flat_series_rarely_has_a_change_point);
	RUN(test_one_shift_is_located_under_skewed_noise);
	RUN(test_three_shifts_are_located_under_heavy_tails);
	return t_done();
}
