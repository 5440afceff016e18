/* test_prom.c: exposition text, selectors, increases and histogram_quantile,
 * with worked examples checked by hand against PromQL's definitions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "t.h"

/* The example of the format's own documentation, with escapes and specials. */
static const char doc_example[] =
    "# HELP http_requests_total The total number of HTTP requests.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
    "\n"
    "# Escaping in label values:\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} "
    "1.458255915e9\n"
    "metric_without_timestamp_and_labels 12.47\n"
    "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
    "nan_gauge NaN\n"
    "neg_gauge -Inf\n"
    "trailing_comma{a=\"1\",} 2\n";

static void
test_parse_reads_the_documented_example(void)
{
	struct prom_scrape s;
	char why[256];

	CHECK(prom_parse(doc_example, strlen(doc_example), &s, why, sizeof why) == 0);
	CHECK(s.n == 8);
	if (s.n == 8) {
		CHECK_STR(s.samples[0].name, "http_requests_total");
		CHECK_STR(prom_label(&s.samples[0], "code"), "200");
		CHECK(s.samples[0].value == 1027);
		CHECK(s.samples[0].has_ts && s.samples[0].ts_ms == 1395066363000LL);
		CHECK_STR(prom_label(&s.samples[2], "path"), "C:\\DIR\\FILE.TXT");
		CHECK_STR(prom_label(&s.samples[2], "error"), "Cannot find file:\n\"FILE.TXT\"");
		CHECK(s.samples[3].value == 12.47 && !s.samples[3].has_ts);
		CHECK(isinf(s.samples[4].value) && s.samples[4].value > 0);
		CHECK(s.samples[4].ts_ms == -3982045);
		CHECK(isnan(s.samples[5].value));
		CHECK(isinf(s.samples[6].value) && s.samples[6].value < 0);
		/* Labels sorted in the key, whatever order they were written in. */
		CHECK_STR(s.samples[0].key, "http_requests_total{code=\"200\",method=\"post\",}");
	}
	prom_scrape_free(&s);
}

static void
check_bad(const char *text, const char *want)
{
	struct prom_scrape s;
	char why[256] = "";

	CHECK(prom_parse(text, strlen(text), &s, why, sizeof why) == -1);
	CHECK(strstr(why, want) != NULL);
	if (!strstr(why, want))
		fprintf(stderr, "# got: %s\n", why);
	prom_scrape_free(&s);
}

static void
test_parse_names_the_bad_line(void)
{
	check_bad("a 1\nb{x=\"1\" 2\n", "line 2: expected ',' or '}'");
	check_bad("a 1\n\nc one\n", "line 3: c: value is not a number");
	check_bad("a{x=\"unclosed} 1\n", "line 1: label value");
	check_bad("# TYPE a countr\n", "line 1: TYPE names no known type");
	check_bad("a 1 12.5\n", "line 1: a: timestamp is not an integer");
	check_bad("{x=\"1\"} 1\n", "line 1: expected a metric name");
	check_bad("a 0x10\n", "line 1: a: value is not a number");
	check_bad("a{x=\"\\q\"} 1\n", "line 1: label value");
	check_bad("a 1 2 3\n", "line 1: a: text after the timestamp");
}

static void
test_selector_matchers_are_anchored(void)
{
	const char text[] =
	    "r{status=\"500\"} 1\nr{status=\"503\"} 2\nr{status=\"200\"} 4\n"
	    "r{status=\"1500\"} 8\nr 16\nother{status=\"500\"} 32\n";
	struct prom_scrape s;
	struct prom_selector sel;
	char why[256];

	CHECK(prom_parse(text, strlen(text), &s, why, sizeof why) == 0);
	CHECK(prom_selector_parse("r{status=~\"5..\"}", &sel, why, sizeof why) == 0);
	CHECK(prom_sum(&s, &sel) == 3);	/* not 1500: the regexp is anchored */
	prom_selector_free(&sel);
	CHECK(prom_selector_parse("r{status!~\"5..\"}", &sel, why, sizeof why) == 0);
	CHECK(prom_sum(&s, &sel) == 28);	/* a missing label matches as "" */
	prom_selector_free(&sel);
	CHECK(prom_selector_parse("r{status!=\"200\", status=~\"5.*|\"}", &sel, why, sizeof why) == 0);
	CHECK(prom_sum(&s, &sel) == 19);
	prom_selector_free(&sel);
	CHECK(prom_selector_parse("r{status=\"\"}", &sel, why, sizeof why) == 0);
	CHECK(prom_sum(&s, &sel) == 16);
	prom_selector_free(&sel);
	CHECK(prom_selector_parse("{__name__=~\"r|other\",status=\"500\"}", &sel, why, sizeof why) == 0);
	CHECK(prom_sum(&s, &sel) == 33);
	prom_selector_free(&sel);
	prom_scrape_free(&s);
}

static void
test_selector_that_does_not_parse_is_named(void)
{
	struct prom_selector sel;
	char why[256];

	CHECK(prom_selector_parse("r{status=~\"5(.\"}", &sel, why, sizeof why) == -1);
	CHECK(strstr(why, "selector r{status=~\"5(.\"}: label status: regular expression") != NULL);
	CHECK(prom_selector_parse("r{s=~\"a++++\"}", &sel, why, sizeof why) == -1);
	CHECK(strstr(why, "stacked repetitions") != NULL);
	CHECK(prom_selector_parse("r{s=~\"a{9}{9}\"}", &sel, why, sizeof why) == -1);
	CHECK(prom_selector_parse("r{s=~\"5.{2}|x\\\\+\"}", &sel, why, sizeof why) == 0);
	prom_selector_free(&sel);
	CHECK(prom_selector_parse("r{status~\"5\"}", &sel, why, sizeof why) == -1);
	CHECK(strstr(why, "expected =, !=, =~ or !~") != NULL);
	CHECK(prom_selector_parse("r{status=\"5\"", &sel, why, sizeof why) == -1);
	CHECK(prom_selector_parse("r x", &sel, why, sizeof why) == -1);
	CHECK(prom_selector_parse("", &sel, why, sizeof why) == -1);
}

static void
test_counter_reset_counts_from_zero(void)
{
	const char t0[] = "c{s=\"500\"} 100\nc{s=\"200\"} 1000\n";
	const char t1[] = "c{s=\"500\"} 30\nc{s=\"200\"} 1500\nc{s=\"503\"} 7\n";
	struct prom_scrape a, b;
	struct prom_selector all, err;
	char why[256];

	CHECK(prom_counter_increase(100, 130) == 30);
	CHECK(prom_counter_increase(100, 30) == 30);
	CHECK(prom_parse(t0, strlen(t0), &a, why, sizeof why) == 0);
	CHECK(prom_parse(t1, strlen(t1), &b, why, sizeof why) == 0);
	CHECK(prom_selector_parse("c", &all, why, sizeof why) == 0);
	CHECK(prom_selector_parse("c{s=~\"5..\"}", &err, why, sizeof why) == 0);
	/* 500 reset to 30 (+30), 200 went +500, 503 is new (+7). */
	CHECK(prom_increase(&a, &b, &all) == 537);
	CHECK(prom_increase(&a, &b, &err) == 37);
	CHECK(prom_count_metric(&b, &all) == 3);
	prom_selector_free(&all);
	prom_selector_free(&err);
	prom_scrape_free(&a);
	prom_scrape_free(&b);
}

/* Cumulative buckets 0.1:50 0.25:80 0.5:95 1:99 +Inf:100. */
static void
five_buckets(struct prom_bucket *b)
{
	b[0] = (struct prom_bucket){ 0.5, 95 };	/* out of order on purpose */
	b[1] = (struct prom_bucket){ 0.1, 50 };
	b[2] = (struct prom_bucket){ INFINITY, 100 };
	b[3] = (struct prom_bucket){ 0.25, 80 };
	b[4] = (struct prom_bucket){ 1, 99 };
}

static void
test_bucket_quantile_interpolates_as_promql(void)
{
	struct prom_bucket b[5];

	five_buckets(b);
	/* rank 95 falls at the top of (0.25, 0.5]: 0.25 + 0.25 * 15/15. */
	CHECK_NEAR(prom_bucket_quantile(0.95, b, 5), 0.5, 1e-12);
	five_buckets(b);
	/* rank 90: 0.25 + 0.25 * (90-80)/(95-80). */
	CHECK_NEAR(prom_bucket_quantile(0.9, b, 5), 0.25 + 0.25 * 10 / 15, 1e-12);
	five_buckets(b);
	/* The lowest bucket interpolates from 0: 0.1 * 25/50. */
	CHECK_NEAR(prom_bucket_quantile(0.25, b, 5), 0.05, 1e-12);
	five_buckets(b);
	/* rank 99.9 is in +Inf: the highest finite bound. */
	CHECK(prom_bucket_quantile(0.999, b, 5) == 1);
	five_buckets(b);
	CHECK(isinf(prom_bucket_quantile(1.5, b, 5)) && prom_bucket_quantile(1.5, b, 5) > 0);
	CHECK(isinf(prom_bucket_quantile(-0.1, b, 5)) && prom_bucket_quantile(-0.1, b, 5) < 0);
}

static void
test_bucket_quantile_edge_rules(void)
{
	struct prom_bucket neg[3] = { { -1, 10 }, { 0, 20 }, { INFINITY, 30 } };
	struct prom_bucket noinf[2] = { { 0.1, 10 }, { 1, 20 } };
	struct prom_bucket empty[2] = { { 0.1, 0 }, { INFINITY, 0 } };
	struct prom_bucket one[1] = { { INFINITY, 5 } };
	struct prom_bucket dip[3] = { { 0.1, 50 }, { 0.2, 40 }, { INFINITY, 100 } };

	/* A rank in a lowest bucket whose bound is <= 0 gives that bound. */
	CHECK(prom_bucket_quantile(0.2, neg, 3) == -1);
	CHECK(isnan(prom_bucket_quantile(0.5, noinf, 2)));
	CHECK(isnan(prom_bucket_quantile(0.5, empty, 2)));
	CHECK(isnan(prom_bucket_quantile(0.5, one, 1)));
	/* Counts are made monotonic: 0.2 holds 50, so rank 75 goes to +Inf -> 0.2. */
	CHECK(prom_bucket_quantile(0.75, dip, 3) == 0.2);
}

static void
test_histogram_quantile_uses_the_window_deltas(void)
{
	/* Before: 100 fast requests.  After: 100 more, all in (0.25, 0.5]. */
	const char t0[] =
	    "h_bucket{le=\"0.25\",path=\"/a\"} 100\nh_bucket{le=\"0.5\",path=\"/a\"} 100\n"
	    "h_bucket{le=\"+Inf\",path=\"/a\"} 100\nh_count{path=\"/a\"} 100\n";
	const char t1[] =
	    "h_bucket{le=\"0.25\",path=\"/a\"} 100\nh_bucket{le=\"0.5\",path=\"/a\"} 200\n"
	    "h_bucket{le=\"+Inf\",path=\"/a\"} 200\nh_count{path=\"/a\"} 200\n"
	    "h_bucket{le=\"0.25\",path=\"/b\"} 0\nh_bucket{le=\"0.5\",path=\"/b\"} 0\n"
	    "h_bucket{le=\"+Inf\",path=\"/b\"} 0\n";
	struct prom_scrape a, b;
	struct prom_selector sel, bad;
	double q, obs;
	char why[256];

	CHECK(prom_parse(t0, strlen(t0), &a, why, sizeof why) == 0);
	CHECK(prom_parse(t1, strlen(t1), &b, why, sizeof why) == 0);
	CHECK(prom_selector_parse("h_bucket", &sel, why, sizeof why) == 0);
	CHECK(prom_histogram_quantile(0.5, &a, &b, &sel, &q, &obs, why, sizeof why) == 0);
	CHECK(obs == 100);
	CHECK_NEAR(q, 0.375, 1e-12);	/* whole-run buckets would say 0.25 */
	CHECK(prom_histogram_quantile(0.5, NULL, &b, &sel, &q, &obs, why, sizeof why) == 0);
	CHECK(obs == 200 && q == 0.25);
	CHECK(prom_selector_parse("h_count", &bad, why, sizeof why) == 0);
	CHECK(prom_histogram_quantile(0.5, &a, &b, &bad, &q, &obs, why, sizeof why) == -1);
	CHECK(strstr(why, "h_count: no series with an le label") != NULL);
	prom_selector_free(&sel);
	prom_selector_free(&bad);
	prom_scrape_free(&a);
	prom_scrape_free(&b);
}

int
main(void)
{
	RUN(test_parse_reads_the_documented_example);
	RUN(test_parse_names_the_bad_line);
	RUN(test_selector_matchers_are_anchored);
	RUN(test_selector_that_does_not_parse_is_named);
	RUN(test_counter_reset_counts_from_zero);
	RUN(test_bucket_quantile_interpolates_as_promql);
	RUN(test_bucket_quantile_edge_rules);
	RUN(test_histogram_quantile_uses_the_window_deltas);
	return t_done();
}
