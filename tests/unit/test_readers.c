/* test_readers.c: regression tests for the document and config readers,
 * one per bug that fuzzing or review of the fuzz targets found. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchcfg.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "hist.h"
#include "platform.h"
#include "qa.h"
#include "stats.h"
#include "t.h"
#include "util.h"

#define HIST_HEAD "{\"unit\":\"us\",\"significant_digits\":3,\"lowest\":1,\"highest\":3600000000,"
#define TWO_POW_53 "9007199254740992"
#define WRAP_PAIRS 2048	/* 2048 * 2^53 = 2^64: a uint64_t total wraps to 0 */

/* Counts that add up to 2^64 + 1 once said n = 1: the running total wrapped. */
static void
test_hist_counts_that_wrap_around_are_refused(void)
{
	struct hist *h = hist_new();
	struct buf b = {0};
	cJSON *obj;

	buf_adds(&b, HIST_HEAD "\"n\":1,\"min\":2048,\"max\":2048,\"sum\":2048,\"counts\":[");
	for (int i = 0; i < WRAP_PAIRS; i++)
		buf_printf(&b, "[%d," TWO_POW_53 "],", i);
	buf_printf(&b, "[%d,1]]}", WRAP_PAIRS);
	obj = cJSON_Parse(b.data);
	CHECK(obj != NULL);
	CHECK(hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_INPUT);
	cJSON_Delete(obj);
	/* The largest total that fits still reads. */
	obj = cJSON_Parse(HIST_HEAD "\"n\":" TWO_POW_53 ",\"min\":1,\"max\":1,\"sum\":" TWO_POW_53
	    ",\"counts\":[[1," TWO_POW_53 "]]}");
	CHECK(hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_OK);
	CHECK(h->n == (uint64_t)1 << 53);
	cJSON_Delete(obj);
	buf_free(&b);
	free(h);
}

/* A sum whose mean falls outside [min, max] once gave a summary whose mean
 * lay outside its own range. */
static void
test_hist_sum_must_fit_min_and_max(void)
{
	static const char *const bad[] = {
		HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":0,\"counts\":[[100,2]]}",
		HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":999999,\"counts\":[[100,2]]}",
		HIST_HEAD "\"n\":0,\"sum\":5,\"counts\":[]}",
	};
	struct hist *h;
	cJSON *obj;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		h = hist_new();
		obj = cJSON_Parse(bad[i]);
		CHECK(obj != NULL);
		CHECK(hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_INPUT);
		cJSON_Delete(obj);
		free(h);
	}
	h = hist_new();
	obj = cJSON_Parse(HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":200,\"counts\":[[100,2]]}");
	CHECK(hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_OK);
	cJSON_Delete(obj);
	free(h);
}


static int
parse(const char *text)
{
	cJSON *doc = NULL;
	int rc = doc_parse("t.json", text, strlen(text), NULL, &doc);

	cJSON_Delete(doc);
	return rc;
}

/* "+1", " 1" and "01" once read as major version 1; a minor version
 * ("1.1", new fields only) reads as its major, spelt one way too. */
static void
test_schema_major_is_digits_only(void)
{
	static const char *const bad[] = {
		"{\"schema\":\"pr-tools/bench/+1\"}", "{\"schema\":\"pr-tools/bench/ 1\"}",
		"{\"schema\":\"pr-tools/bench/01\"}", "{\"schema\":\"pr-tools/bench/1 \"}",
		"{\"schema\":\"pr-tools/bench/-1\"}", "{\"schema\":\"pr-tools/bench/0x1\"}",
		"{\"schema\":\"pr-tools/bench/\"}", "{\"schema\":\"pr-tools/bench/1.\"}",
		"{\"schema\":\"pr-tools/bench/1.01\"}", "{\"schema\":\"pr-tools/bench/1.1.1\"}",
		"{\"schema\":\"pr-tools/bench/1.+1\"}", "{\"schema\":\"pr-tools/bench/2.1\"}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(parse(bad[i]) == PR_INPUT);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\"}") == PR_OK);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1.1\"}") == PR_OK);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1.12\"}") == PR_OK);
}

/* Invalid UTF-8 in a key once reached documents and SVGs. */
static void
test_document_must_be_utf8(void)
{
	static const char *const bad[] = {
		"{\"schema\":\"pr-tools/bench/1\",\"metrics\":{\"a\xff\":{}}}",
		"{\"schema\":\"pr-tools/bench/1\",\"x\":\"\xc0\xaf\"}",	/* overlong '/' */
		"{\"schema\":\"pr-tools/bench/1\",\"x\":\"\xed\xa0\x80\"}",	/* surrogate */
		"{\"schema\":\"pr-tools/bench/1\",\"x\":\"\xe2\x82\"}",	/* cut short */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(parse(bad[i]) == PR_INPUT);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"x\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}") == PR_OK);
}

/* White space alone was reported as a nesting error. */
static void
test_white_space_is_an_empty_document(void)
{
	FILE *saved = stderr;
	char msg[512] = "";
	cJSON *doc = NULL;

	stderr = fmemopen(msg, sizeof msg - 1, "w");
	CHECK(doc_parse("t.json", " \n\t\r\n", 5, NULL, &doc) == PR_INPUT);
	fclose(stderr);
	stderr = saved;
	CHECK(strstr(msg, "empty document") != NULL);
	CHECK(strstr(msg, "nesting") == NULL);
}

/* Numbers print at their resolution, without binary noise. */
static void
test_numbers_print_without_noise(void)
{
	struct stats_summary s = { .n = 5, .min = 0.043, .p50 = 0.0432 - 1e-17, .p90 = 0.04319999999999999,
		.p95 = 0.24601000000000023, .p99 = 1.0005, .max = 2, .mean = 0.004819999999999998, .stddev = 1.0 / 3 };
	cJSON *doc = cJSON_CreateObject();
	char *text;

	cJSON_AddItemToObject(doc, "summary", stats_summary_to_json(&s));
	cJSON_AddNumberToObject(doc, "ratio", 0.1 + 0.2);	/* any writer */
	doc_add_number(doc, "p", 0.04319999999999999);
	text = doc_text(doc);
	CHECK(strstr(text, "\"p90\":\t0.043,") != NULL);
	CHECK(strstr(text, "\"p95\":\t0.246,") != NULL);
	CHECK(strstr(text, "\"mean\":\t0.005,") != NULL);
	CHECK(strstr(text, "\"stddev\":\t0.333\n") != NULL);
	CHECK(strstr(text, "\"ratio\":\t0.3,") != NULL);
	CHECK(strstr(text, "\"p\":\t0.0432\n") != NULL);
	CHECK(doc_round(0.0005, PR_MS_DECIMALS) == 0.001);
	CHECK(doc_round(1e300, PR_MS_DECIMALS) == 1e300);
	CHECK(doc_round(-2.0004, PR_MS_DECIMALS) == -2.0);
	free(text);
	cJSON_Delete(doc);
}

/* "0x10" once read as 16 (seconds); numbers on the command line are decimal. */
static void
test_option_numbers_are_decimal(void)
{
	static const char *const bad[] = { "0x10", "0X1p4", " 5", "+5", "inf", "nan", "5 ", "1e", "-", ".", "" };
	double v;
	long l;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(util_parse_duration(bad[i], &v) == -1);
		CHECK(util_parse_double(bad[i], -1e9, 1e9, &v) == -1);
		CHECK(util_parse_long(bad[i], -1000000, 1000000, &l) == -1);
	}
	CHECK(util_parse_duration("1.5s", &v) == 0 && v == 1.5);
	CHECK(util_parse_duration("250ms", &v) == 0 && fabs(v - 0.25) < 1e-12);
	CHECK(util_parse_double("-0.5", -1, 1, &v) == 0 && v == -0.5);
	CHECK(util_parse_double(".5", 0, 1, &v) == 0 && v == 0.5);
	CHECK(util_parse_double("1e-30", 0, 1, &v) == 0 && v == 1e-30);
	CHECK(util_parse_long("-12", -100, 100, &l) == 0 && l == -12);
}

/* ---- the config readers every section shares (doc.h) ---------------- */

enum section { BENCH, QA, PLATFORM };

/*
 * What the reader of one section says about text (that section's JSON):
 * the one line it reported, or "" when it took the section.
 */
static const char *
section_error(enum section which, const char *text)
{
	static const struct benchcfg_given none;
	struct platform_opts po = { .source = "pr-tools.json: platform", .dry_run = true };
	struct benchcfg_settings set = { .timeout_s = 10, .duration_s = 10 };
	struct benchcfg_metric *v = NULL;
	struct qa_suite suite;
	cJSON *sec = cJSON_Parse(text);
	size_t n = 0;

	t_stderr_capture();
	switch (which) {
	case BENCH:
		if (benchcfg_parse(sec, "pr-tools.json: bench", &none, &set, &v, &n) == PR_OK)
			benchcfg_metrics_free(v, n);
		break;
	case QA:
		qa_suite_load(sec, "pr-tools.json", &suite);
		qa_suite_free(&suite);
		break;
	case PLATFORM:
		platform_check(sec, &po);
		break;
	}
	cJSON_Delete(sec);
	return t_stderr_text();
}

#define QA_CHECK_WITH(extra) \
	"{\"base_url\":\"http://h\",\"checks\":[{\"name\":\"a\",\"url\":\"/\"" extra "}]}"

/* Drift settled: "unknown setting (expected a, b)" (platform) and
 * "unknown field (expected one of a, b)" (qa) now read as bench's. */
static void
test_unknown_field_reads_the_same_in_every_section(void)
{
	CHECK(strstr(section_error(BENCH, "{\"sample\":3}"),
	    "pr-tools: pr-tools.json: bench.sample: unknown field (expected one of: metrics, samples,") != NULL);
	/* Drift settled: qa's section itself took any field (bench's does not). */
	CHECK_STR(section_error(QA, "{\"time_out\":\"5s\",\"checks\":[]}"), "pr-tools: pr-tools.json: qa.time_out: "
	    "unknown field (expected one of: base_url, timeout, checks, watch)\n");
	CHECK(strstr(section_error(QA, QA_CHECK_WITH(",\"expects\":{}")),
	    "pr-tools: pr-tools.json: qa.checks[0].expects: unknown field (expected one of: name, method,") != NULL);
	CHECK_STR(section_error(PLATFORM, "{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"g\","
	    "\"container_apps\":[{\"name\":\"a\",\"min_replica\":1}]}}"),
	    "pr-tools: pr-tools.json: platform.azure.container_apps[0].min_replica: unknown field "
	    "(expected one of: name, min_replicas, max_replicas, cpu, memory, settings, traffic)\n");
	/* A reader handed something else than an object is told so. */
	{
		static const char *const known[] = { "a", NULL };
		cJSON *arr = cJSON_Parse("[1]");

		CHECK(doc_check_fields(arr, known, "x.json: s") == PR_INPUT);
		cJSON_Delete(arr);
	}
}

/* Drift settled: qa's timeout had no upper bound and its own wording;
 * bench's said "(fix the config)" apart.  Both now read as one. */
static void
test_durations_read_the_same_in_every_section(void)
{
	static const char *const bad = "expected seconds or a duration such as \"10s\" or \"500ms\" (at most 168h)\n";
	char want[256];

	snprintf(want, sizeof want, "pr-tools: pr-tools.json: bench.timeout: %s", bad);
	CHECK_STR(section_error(BENCH, "{\"timeout\":\"soon\"}"), want);
	snprintf(want, sizeof want, "pr-tools: pr-tools.json: qa.timeout: %s", bad);
	CHECK_STR(section_error(QA, "{\"timeout\":\"soon\",\"checks\":[]}"), want);
	CHECK_STR(section_error(QA, "{\"timeout\":\"169h\",\"checks\":[]}"), want);
	snprintf(want, sizeof want, "pr-tools: pr-tools.json: qa.checks[0].timeout: %s", bad);
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"timeout\":1e9")), want);
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"timeout\":0")),
	    "pr-tools: pr-tools.json: qa.checks[0].timeout: must be more than 0\n");
	CHECK_STR(section_error(BENCH, "{\"duration\":\"0s\"}"),
	    "pr-tools: pr-tools.json: bench.duration: must be more than 0\n");
	CHECK_STR(section_error(BENCH, "{\"idle\":0,\"timeout\":\"168h\"}"), "");
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"timeout\":\"250ms\"")), "");
}

#define BENCH_METRIC_WITH(extra) "{\"metrics\":[{\"id\":\"a\",\"url\":\"http://h/\"" extra "}]}"
#define NOT_A_NAME "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)\n"

/*
 * Drift settled: bench took letters, digits and _ . : - (so "A:B" went out
 * as "A:B: v"), qa anything printable but ':' (so "X(Y)" and "a@b" went
 * out).  Both now take RFC 9110 tokens, with one wording per mistake.
 */
static void
test_header_names_are_rfc9110_tokens_in_every_section(void)
{
	CHECK(doc_header_name_valid("X-Request-Id"));
	CHECK(doc_header_name_valid("!#$%&'*+-.^_`|~09azAZ"));
	static const char *const bad[] = { "", "A:B", "X(Y)", "a@b", "X Y", "X/Y", "\"", "{x}", "caf\xc3\xa9", "a\tb" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!doc_header_name_valid(bad[i]));

	CHECK_STR(section_error(BENCH, BENCH_METRIC_WITH(",\"headers\":{\"A:B\":\"v\"}")),
	    "pr-tools: pr-tools.json: bench.metrics[0].headers: \"A:B" NOT_A_NAME);
	CHECK_STR(section_error(BENCH, BENCH_METRIC_WITH(",\"headers\":{\"X~Y\":\"v\"}")), "");
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"headers\":{\"X(Y)\":\"v\"}")),
	    "pr-tools: pr-tools.json: qa.checks[0].headers: \"X(Y)" NOT_A_NAME);
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"expect\":{\"headers\":{\"X/Y\":\"v\"}}")),
	    "pr-tools: pr-tools.json: qa.checks[0].expect.headers: \"X/Y" NOT_A_NAME);
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"capture\":{\"loc\":{\"header\":\"a@b\"}}")),
	    "pr-tools: pr-tools.json: qa.checks[0].capture.loc.header: \"a@b" NOT_A_NAME);
	CHECK_STR(section_error(QA, QA_CHECK_WITH(",\"headers\":{\"X~Y\":\"v\"}")), "");
}

/* Drift settled: bench said "expected a header name and a one-line string
 * value" for any of three mistakes; each now has qa's own line. */
static void
test_header_values_read_the_same_in_every_section(void)
{
	static const struct { const char *headers, *field, *what; } cases[] = {
		{ "{\"X\":1}", "headers.X", "expected a string, found number" },
		{ "{\"X\":\"a\\nb\"}", "headers.X", "a header value cannot hold a line break" },
		{ "{\"X\":\"a\\rb\"}", "headers.X", "a header value cannot hold a line break" },
		{ "[]", "headers", "expected an object, found array" },
	};
	char json[256], want[256];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, BENCH_METRIC_WITH(",\"headers\":%s"), cases[i].headers);
		snprintf(want, sizeof want, "pr-tools: pr-tools.json: bench.metrics[0].%s: %s\n",
		    cases[i].field, cases[i].what);
		CHECK_STR(section_error(BENCH, json), want);
		snprintf(json, sizeof json, QA_CHECK_WITH(",\"headers\":%s"), cases[i].headers);
		snprintf(want, sizeof want, "pr-tools: pr-tools.json: qa.checks[0].%s: %s\n",
		    cases[i].field, cases[i].what);
		CHECK_STR(section_error(QA, json), want);
	}
}

/* The lines, in order, and nothing kept when one member is refused. */
static void
test_header_object_reads_into_lines(void)
{
	cJSON *obj = cJSON_Parse("{\"h\":{\"A\":\"1\",\"B-2\":\"x y\"},\"bad\":{\"A\":\"1\",\"B\":2},\"nul\":null}");
	char **lines = (char **)1;
	size_t n = 9;

	CHECK(doc_get_headers(obj, "h", "c", NULL, NULL, &lines, &n) == PR_OK && n == 2);
	if (lines && n == 2) {
		CHECK_STR(lines[0], "A: 1");
		CHECK_STR(lines[1], "B-2: x y");
		CHECK(lines[2] == NULL);
		free(lines[0]);
		free(lines[1]);
	}
	free(lines);
	CHECK(doc_get_headers(obj, "bad", "c", NULL, NULL, &lines, &n) == PR_INPUT && !lines && n == 0);
	CHECK(doc_get_headers(obj, "nul", "c", NULL, NULL, &lines, &n) == PR_OK && !lines && n == 0);
	CHECK(doc_get_headers(obj, "none", "c", NULL, NULL, &lines, &n) == PR_OK && !lines && n == 0);
	cJSON_Delete(obj);
}

static const char *
duration_arg_error(const char *opt, const char *arg, enum doc_zero zero)
{
	double v = -1;

	t_stderr_capture();
	doc_duration_arg(opt, arg, zero, &v);
	return t_stderr_text();
}

/* Drift settled: pr-qa and pr-bench each had their own week and their own
 * wording for a bad duration option; pr-snapshot and pr-rollback's
 * --db-timeout had no bound.  One reader, one wording now. */
static void
test_duration_options_read_the_same_in_every_program(void)
{
	double v = -1;

	CHECK(strstr(duration_arg_error("--timeout", "soon", PR_POSITIVE),
	    "pr-tools: --timeout: expected a duration such as 10s or 500ms (at most 168h), got 'soon'") != NULL);
	CHECK(strstr(duration_arg_error("--db-timeout", "169h", PR_ZERO_OK), "(at most 168h), got '169h'") != NULL);
	CHECK(strstr(duration_arg_error("-d", "0", PR_POSITIVE), "-d: must be more than 0") != NULL);
	CHECK(doc_duration_arg("--interval", "0", PR_ZERO_OK, &v) == PR_OK && v == 0);
	CHECK(doc_duration_arg("--watch", "168h", PR_POSITIVE, &v) == PR_OK && v == PR_MAX_DURATION_S);
	CHECK(doc_duration_arg("--watch", "1.5m", PR_POSITIVE, &v) == PR_OK && v == 90);
}

/* A key given twice in one object reads one way in cJSON (the first) and
 * another in jq (the last): refused, wherever the object is. */
static void
test_duplicate_keys_are_refused(void)
{
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"label\":\"a\",\"label\":\"b\"}") == PR_INPUT);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"metrics\":{\"m\":{\"unit\":\"ms\",\"unit\":\"rps\"}}}")
	    == PR_INPUT);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"x\":[{\"a\":1},{\"a\":1,\"a\":2}]}") == PR_INPUT);
	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"x\":[{\"a\":1},{\"a\":2}],\"y\":{\"a\":3}}") == PR_OK);
}

int
main(void)
{
	pr_init("pr-tools");
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	RUN(test_hist_counts_that_wrap_around_are_refused);
	RUN(test_hist_sum_must_fit_min_and_max);
	RUN(test_schema_major_is_digits_only);
	RUN(test_document_must_be_utf8);
	RUN(test_white_space_is_an_empty_document);
	RUN(test_numbers_print_without_noise);
	RUN(test_option_numbers_are_decimal);
	RUN(test_unknown_field_reads_the_same_in_every_section);
	RUN(test_durations_read_the_same_in_every_section);
	RUN(test_duration_options_read_the_same_in_every_program);
	RUN(test_header_names_are_rfc9110_tokens_in_every_section);
	RUN(test_header_values_read_the_same_in_every_section);
	RUN(test_header_object_reads_into_lines);
	RUN(test_duplicate_keys_are_refused);
	return t_done();
}
