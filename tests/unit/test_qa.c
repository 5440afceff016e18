/* test_qa.c: placeholders, suite loading and watch judging (lib/qa.h). */
#include <stdlib.h>
#include <string.h>

#include "qa.h"
#include "t.h"

static void
test_expand_replaces_known_names(void)
{
	char *names[] = { "sid", "id" }, *values[] = { "S3", "42" };
	const char *missing = NULL;
	size_t len = 0;
	char *s = qa_expand("/tasks/{{id}}?s={{sid}}", names, values, 2, &missing, &len);

	CHECK_STR(s, "/tasks/42?s=S3");
	free(s);
}

static void
test_expand_keeps_text_that_is_not_a_reference(void)
{
	const char *missing = NULL;
	size_t len = 0;
	char *s = qa_expand("{\"a\":{{ x }}, ${ HOME} $x {{}} {{{y}}", NULL, NULL, 0, &missing, &len);

	CHECK_STR(s, "{\"a\":{{ x }}, ${ HOME} $x {{}} {{{y}}");
	free(s);
}

/* ${VAR} and {{name}} in one pass: what either puts in is not read again. */
static void
test_expand_is_one_pass(void)
{
	char *names[] = { "tok" }, *values[] = { "T-${PR_T_ENV}-{{tok}}" };
	const char *missing = NULL;
	size_t len = 0;
	char *s;

	setenv("PR_T_ENV", "abc{{tok}}def$${PR_T_ENV}", 1);
	s = qa_expand("${PR_T_ENV}|{{tok}}|$${PR_T_ENV}", names, values, 1, &missing, &len);
	CHECK_STR(s, "abc{{tok}}def$${PR_T_ENV}|T-${PR_T_ENV}-{{tok}}|${PR_T_ENV}");
	free(s);
	/* values NULL: a template shown with the environment only. */
	s = qa_expand("/x/${PR_T_ENV}/{{tok}}", names, NULL, 1, &missing, &len);
	CHECK_STR(s, "/x/abc{{tok}}def$${PR_T_ENV}/{{tok}}");
	free(s);
	unsetenv("PR_T_ENV");
	CHECK(qa_expand("a ${PR_T_ENV} b", names, values, 1, &missing, &len) == NULL);
	CHECK(len == 11 && strncmp(missing, "${PR_T_ENV}", len) == 0);
}

static void
test_expand_names_the_missing_capture(void)
{
	char *names[] = { "sid" }, *values[] = { NULL };
	const char *missing = NULL;
	size_t len = 0;
	char *s = qa_expand("a {{sid}} b", names, values, 1, &missing, &len);

	CHECK(s == NULL);
	CHECK(missing && len == 7 && strncmp(missing, "{{sid}}", 7) == 0);
}

static int
load(const char *text, struct qa_suite *s)
{
	cJSON *j = cJSON_Parse(text);
	int rc = qa_suite_load(cJSON_GetObjectItem(j, "qa"), "cfg.json", s);

	cJSON_Delete(j);
	return rc;
}

static void
test_load_reads_checks_expectations_and_captures(void)
{
	struct qa_suite s;
	int rc = load("{\"qa\":{\"base_url\":\"http://h\",\"timeout\":\"2s\",\"checks\":["
	    "{\"name\":\"login\",\"method\":\"post\",\"url\":\"/l\",\"json\":{\"u\":\"x\"},"
	    " \"capture\":{\"sid\":{\"cookie\":\"sid\"}}},"
	    "{\"name\":\"me\",\"url\":\"/me\",\"headers\":{\"Cookie\":\"sid={{sid}}\"},"
	    " \"expect\":{\"status\":[200,204],\"json\":{\"a.b\":{\"exists\":false},\"c\":3},"
	    "  \"headers\":{\"ETag\":{\"exists\":true}},\"max_latency_ms\":250}}]}}", &s);

	CHECK(rc == 0);
	CHECK(s.n == 2);
	CHECK_NEAR(s.timeout_s, 2, 1e-9);
	CHECK_STR(s.checks[0].method, "POST");
	CHECK(s.checks[0].ncaptures == 1 && s.checks[0].captures[0].kind == QA_CAP_COOKIE);
	CHECK(s.checks[1].nstatuses == 2 && s.checks[1].statuses[1] == 204);
	CHECK(s.checks[1].njson_expect == 2 && s.checks[1].json_expect[0].match == QA_ABSENT);
	CHECK(s.checks[1].json_expect[1].match == QA_EQUALS);
	CHECK(s.checks[1].nheader_expect == 1 && s.checks[1].header_expect[0].match == QA_EXISTS);
	CHECK_NEAR(s.checks[1].max_latency_ms, 250, 1e-9);
	CHECK_STR(s.checks[1].header_lines[0], "Cookie: sid={{sid}}");
	qa_suite_free(&s);
}

static void
test_load_refuses_a_reference_to_a_later_capture(void)
{
	struct qa_suite s;
	int rc = load("{\"qa\":{\"base_url\":\"http://h\",\"checks\":["
	    "{\"name\":\"me\",\"url\":\"/me/{{id}}\"},"
	    "{\"name\":\"make\",\"url\":\"/\",\"capture\":{\"id\":{\"json\":\"id\"}}}]}}", &s);

	CHECK(rc == 3);
	qa_suite_free(&s);
}

static void
judge(const double *lat, const bool *err, size_t n, struct qa_watch *w)
{
	struct qa_requests q = { (double *)lat, (bool *)err, n, n };
	struct qa_thresholds t = { QA_P95_WARN_MS, QA_P95_CRIT_MS, QA_ERROR_WARN_PCT, QA_ERROR_CRIT_PCT };

	qa_watch_judge(&q, 1, &t, w);
}

static void
test_watch_levels_follow_thresholds(void)
{
	double fast[100], slow[100];
	bool none[100] = {0}, some[100] = {0};
	struct qa_watch w;

	for (int i = 0; i < 100; i++) {
		fast[i] = 10 + i * 0.1;
		slow[i] = i < 90 ? 100 : 700;
	}
	judge(fast, none, 100, &w);
	CHECK(w.level == QA_LEVEL_OK && w.nreasons == 0);
	judge(slow, none, 100, &w);
	CHECK(w.level == QA_LEVEL_WARNING);
	CHECK_NEAR(w.p95_ms, 700, 1e-9);
	some[3] = some[40] = true;		/* 2 % errors: over 1 %, under 5 % */
	judge(fast, some, 100, &w);
	CHECK(w.level == QA_LEVEL_WARNING && w.errors == 2);
	CHECK_NEAR(w.error_rate, 0.02, 1e-12);
	for (int i = 0; i < 6; i++)
		some[50 + i] = true;		/* 8 % */
	judge(fast, some, 100, &w);
	CHECK(w.level == QA_LEVEL_CRITICAL);
	CHECK_STR(qa_level_name(w.level), "critical");
}

int
main(void)
{
	RUN(test_expand_replaces_known_names);
	RUN(test_expand_keeps_text_that_is_not_a_reference);
	RUN(test_expand_names_the_missing_capture);
	RUN(test_expand_is_one_pass);
	RUN(test_load_reads_checks_expectations_and_captures);
	RUN(test_load_refuses_a_reference_to_a_later_capture);
	RUN(test_watch_levels_follow_thresholds);
	return t_done();
}
