/* test_benchcfg.c: the "bench" section reader: settings, metrics, flags
 * that win over the section, and the one-line errors. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "benchcfg.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "precision.h"
#include "t.h"


static const struct benchcfg_settings defaults = {
	.samples = 20, .warmup = 2, .connections = 10, .timeout_s = 10, .duration_s = 10,
	.measure = MEASURE_TOTAL,
};

/* Parse JSON text as a section; rc, and the metrics in *v / *n. */
static int
parse(const char *json, const struct benchcfg_given *g, struct benchcfg_settings *set, struct benchcfg_metric **v,
    size_t *n)
{
	cJSON *sec = cJSON_Parse(json);
	int rc;

	*set = defaults;
	*v = NULL;
	*n = 0;
	rc = benchcfg_parse(sec, "pr-tools.json: bench", g, set, v, n);
	cJSON_Delete(sec);
	return rc;
}

static void
test_reads_settings_and_metrics(void)
{
	struct benchcfg_given g = {0};
	struct benchcfg_settings set;
	struct benchcfg_metric *v;
	size_t n;

	CHECK(parse("{\"samples\":5,\"warmup\":0,\"timeout\":\"500ms\",\"idle\":60,\"duration\":\"2s\","
	    "\"rate\":100,\"connections\":4,\"insecure\":true,\"measure\":\"ttfb\",\"metrics\":["
	    "{\"id\":\"home\",\"url\":\"http://h/\"},"
	    "{\"id\":\"post\",\"url\":\"http://h/p\",\"method\":\"POST\",\"measure\":\"total\",\"expect_status\":201,"
	    "\"headers\":{\"X-Key\":\"k\"},\"body\":{\"a\":1},\"cold_start\":true}]}", &g, &set, &v, &n) == PR_OK);
	CHECK(set.samples == 5 && set.warmup == 0 && set.connections == 4 && set.insecure);
	CHECK_NEAR(set.timeout_s, 0.5, 1e-9);
	CHECK_NEAR(set.idle_s, 60, 1e-9);
	CHECK_NEAR(set.duration_s, 2, 1e-9);
	CHECK_NEAR(set.rate_rps, 100, 1e-9);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(v[0].id, "home");
		CHECK(v[0].measure == MEASURE_TTFB && v[0].method == NULL && v[0].headers == NULL);
		CHECK(v[1].measure == MEASURE_TOTAL && v[1].expect_status == 201 && v[1].cold_start);
		CHECK_STR(v[1].method, "POST");
		CHECK_STR(v[1].body, "{\"a\":1}");
		CHECK(v[1].headers && v[1].headers[0] && v[1].headers[1]);
		if (v[1].headers && v[1].headers[0] && v[1].headers[1]) {
			CHECK_STR(v[1].headers[0], "X-Key: k");
			CHECK_STR(v[1].headers[1], "Content-Type: application/json");
			CHECK(v[1].headers[2] == NULL);
		}
	}
	benchcfg_metrics_free(v, n);
}

static void
test_flags_given_win_but_the_section_is_still_checked(void)
{
	struct benchcfg_given g = { .samples = true, .timeout = true, .measure = true };
	struct benchcfg_settings set;
	struct benchcfg_metric *v;
	size_t n;

	CHECK(parse("{\"samples\":5,\"timeout\":3,\"warmup\":1,\"measure\":\"nonsense\"}", &g, &set, &v, &n) == PR_OK);
	CHECK(set.samples == 20 && set.warmup == 1);
	CHECK_NEAR(set.timeout_s, 10, 1e-9);
	benchcfg_metrics_free(v, n);
	t_stderr_capture();
	CHECK(parse("{\"samples\":0}", &g, &set, &v, &n) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "pr-tools.json: bench.samples") != NULL);
}

static void
test_unknown_field_names_the_known_ones(void)
{
	struct benchcfg_given g = {0};
	struct benchcfg_settings set;
	struct benchcfg_metric *v;
	size_t n;
	const char *e;

	t_stderr_capture();
	CHECK(parse("{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\",\"verb\":\"GET\"}]}",
	    &g, &set, &v, &n) == PR_INPUT);
	e = t_stderr_text();
	CHECK(strstr(e,
	    "pr-tools.json: bench.metrics[0].verb: unknown field (expected one of: id, url, method,") != NULL);
	CHECK(strchr(e, '\n') == e + strlen(e) - 1);
}

static void
test_refuses_duplicate_ids_bad_urls_methods_and_headers(void)
{
	static const struct { const char *json, *msg; } cases[] = {
		{ "{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\"},{\"id\":\"a\",\"url\":\"http://h/\"}]}",
		  "bench.metrics[1].id: 'a' is used twice" },
		{ "{\"metrics\":[{\"id\":\"a b\",\"url\":\"http://h/\"}]}", "is not a metric id" },
		{ "{\"metrics\":[{\"id\":\"a\",\"url\":\"h/\"}]}", "bench.metrics[0].url: expected an http://" },
		{ "{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\",\"method\":\"get\"}]}", "is not an HTTP method" },
		{ "{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\",\"headers\":{\"X\":\"a\\r\\nB: c\"}}]}",
		  "bench.metrics[0].headers.X: a header value cannot hold a line break" },
		{ "{\"timeout\":0}", "bench.timeout: must be more than 0" },
		{ "{\"rate\":-1}", "bench.rate: expected requests per second" },
		{ "[]", "pr-tools.json: bench: expected an object, found array" },
	};
	struct benchcfg_given g = {0};
	struct benchcfg_settings set;
	struct benchcfg_metric *v;
	size_t n;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		t_stderr_capture();
		rc = parse(cases[i].json, &g, &set, &v, &n);
		CHECK(rc == PR_INPUT);
		CHECK(strstr(t_stderr_text(), cases[i].msg) != NULL);
	}
}

static void
test_copy_is_deep(void)
{
	struct benchcfg_given g = {0};
	struct benchcfg_settings set;
	struct benchcfg_metric *v, c;
	size_t n;

	CHECK(parse("{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\",\"headers\":{\"A\":\"1\"},\"body\":\"x\"}]}",
	    &g, &set, &v, &n) == PR_OK && n == 1);
	if (n != 1)
		return;
	benchcfg_metric_copy(&c, &v[0]);
	CHECK(c.id != v[0].id && c.headers != v[0].headers && c.headers[0] != v[0].headers[0]);
	CHECK_STR(c.headers[0], "A: 1");
	CHECK_STR(c.body, "x");
	benchcfg_metric_free(&c);
	benchcfg_metrics_free(v, n);
}

static void
test_ids_and_measures(void)
{
	enum benchcfg_measure m = MEASURE_TOTAL;

	CHECK(benchcfg_id_valid("a.b:c-d_9", 9));
	CHECK(!benchcfg_id_valid("", 0));
	CHECK(!benchcfg_id_valid("a/b", 3));
	CHECK(benchcfg_measure_parse("ttfb", &m) == 0 && m == MEASURE_TTFB);
	CHECK(benchcfg_measure_parse("TTFB", &m) == -1);
}

static void
test_precision_strings_and_quantile_lists(void)
{
	double p = 0;
	unsigned q = 0;

	CHECK(benchcfg_precision_parse("2%", &p) == 0);
	CHECK_NEAR(p, 0.02, 1e-15);
	CHECK(benchcfg_precision_parse("0.5%", &p) == 0);
	CHECK_NEAR(p, 0.005, 1e-15);
	CHECK(benchcfg_precision_parse("0.02", &p) == 0);
	CHECK_NEAR(p, 0.02, 1e-15);
	CHECK(benchcfg_precision_parse("99.9%", &p) == 0);
	const char *const bad[] = { "", "%", "0", "0%", "1", "100%", "2", "-1%", "2%%", "x%", "1e309%", "nan%", NULL };
	for (const char *const *b = bad; *b; b++)
		CHECK(benchcfg_precision_parse(*b, &p) == -1);
	CHECK(benchcfg_quantiles_parse("50", &q) == 0 && q == PR_PRECISION_P50);
	CHECK(benchcfg_quantiles_parse("95", &q) == 0 && q == PR_PRECISION_P95);
	CHECK(benchcfg_quantiles_parse("50,95", &q) == 0 && q == (PR_PRECISION_P50 | PR_PRECISION_P95));
	CHECK(benchcfg_quantiles_parse("95,50,95", &q) == 0 && q == (PR_PRECISION_P50 | PR_PRECISION_P95));
	const char *const badq[] = { "", ",", "50,", ",95", "50,,95", "99", "5O", "50.0", "050", NULL };
	for (const char *const *b = badq; *b; b++)
		CHECK(benchcfg_quantiles_parse(*b, &q) == -1);
}

static void
test_precision_settings_from_the_section(void)
{
	cJSON *sec;
	struct benchcfg_given g = {0};
	struct benchcfg_settings set;
	struct benchcfg_metric *v;
	size_t n;

	CHECK(parse("{\"precision\":\"2%\",\"precision_quantiles\":[95,50],\"max_samples\":500,\"max_time\":\"1m\"}",
	    &g, &set, &v, &n) == PR_OK);
	CHECK_NEAR(set.precision, 0.02, 1e-15);
	CHECK(set.precision_quantiles == (PR_PRECISION_P50 | PR_PRECISION_P95) && set.max_samples == 500);
	CHECK_NEAR(set.max_time_s, 60, 1e-9);
	benchcfg_metrics_free(v, n);
	CHECK(parse("{\"precision\":0.05}", &g, &set, &v, &n) == PR_OK);
	CHECK_NEAR(set.precision, 0.05, 1e-15);
	benchcfg_metrics_free(v, n);
	/* Flags given win, but the section's values are still checked. */
	g.precision = g.max_samples = true;
	set = defaults;
	set.precision = 0.1;
	set.max_samples = 7;
	sec = cJSON_Parse("{\"precision\":\"2%\",\"max_samples\":500}");
	CHECK(benchcfg_parse(sec, "c", &g, &set, &v, &n) == PR_OK);
	cJSON_Delete(sec);
	CHECK(set.max_samples == 7);
	CHECK_NEAR(set.precision, 0.1, 1e-15);
	benchcfg_metrics_free(v, n);
	g = (struct benchcfg_given){0};
	const char *const bad[] = {
		"{\"precision\":\"200%\"}", "{\"precision\":1}", "{\"precision\":0}", "{\"precision\":true}",
		"{\"precision_quantiles\":[99]}", "{\"precision_quantiles\":[]}", "{\"precision_quantiles\":[\"50\"]}",
		"{\"precision_quantiles\":[50.5]}", "{\"max_samples\":0}", "{\"max_time\":0}", "{\"max_time\":\"x\"}",
		NULL,
	};
	for (const char *const *b = bad; *b; b++) {
		CHECK(parse(*b, &g, &set, &v, &n) == PR_INPUT);
		benchcfg_metrics_free(v, n);
	}
}

int
main(void)
{
	pr_init("pr-tools");
	RUN(test_reads_settings_and_metrics);
	RUN(test_flags_given_win_but_the_section_is_still_checked);
	RUN(test_unknown_field_names_the_known_ones);
	RUN(test_refuses_duplicate_ids_bad_urls_methods_and_headers);
	RUN(test_copy_is_deep);
	RUN(test_ids_and_measures);
	RUN(test_precision_strings_and_quantile_lists);
	RUN(test_precision_settings_from_the_section);
	return t_done();
}
