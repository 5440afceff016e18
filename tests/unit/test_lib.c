/* test_lib.c: documents, configuration, URL redaction, durations, files. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "util.h"
#include "t.h"

static int
parse(const char *text, const char *kind, cJSON **doc)
{
	return doc_parse("t.json", text, strlen(text), kind, doc);
}

static void
test_doc_accepts_its_kind_and_major(void)
{
	cJSON *doc;

	CHECK(parse("{\"schema\":\"pr-tools/bench/1\",\"metrics\":{}}", "bench", &doc) == PR_OK);
	CHECK(doc != NULL);
	cJSON_Delete(doc);
	CHECK(parse("{\"schema\":\"pr-tools/qa/1\"}", NULL, &doc) == PR_OK);
	cJSON_Delete(doc);
}

static void
test_doc_refuses_bad_input_with_exit_3(void)
{
	static const char *const bad[] = {
		"", "not json", "{\"schema\":", "[]", "{}", "{\"schema\":1}",
		"{\"schema\":\"pr-tools/qa/1\"}", "{\"schema\":\"pr-tools/bench/2\"}",
		"{\"schema\":\"pr-tools/bench/x\"}", "{\"schema\":\"other/bench/1\"}",
		"{\"schema\":\"pr-tools//1\"}", "{\"schema\":\"pr-tools/bench/1\"} trailing",
	};
	cJSON *doc;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(parse(bad[i], "bench", &doc) == PR_INPUT);
		CHECK(doc == NULL);
	}
}

static void
test_doc_refuses_deep_nesting(void)
{
	enum { DEPTH = 100000 };
	char *text = malloc(DEPTH + 1);
	cJSON *doc;

	memset(text, '[', DEPTH);
	text[DEPTH] = '\0';
	CHECK(parse(text, NULL, &doc) == PR_INPUT);
	free(text);
}

static void
test_doc_refuses_binary(void)
{
	cJSON *doc;

	CHECK(doc_parse("t.bin", "{\"a\0\":1}", 8, NULL, &doc) == PR_INPUT);
}

static void
test_doc_new_has_header(void)
{
	cJSON *doc;
	const char *s = NULL;

	setenv("SOURCE_DATE_EPOCH", "0", 1);
	doc = doc_new("compare");
	CHECK(doc_get_string(doc, "schema", PR_REQUIRED, "doc", &s) == PR_OK);
	CHECK_STR(s, "pr-tools/compare/1");
	CHECK(doc_get_string(doc, "created_at", PR_REQUIRED, "doc", &s) == PR_OK);
	CHECK_STR(s, "1970-01-01T00:00:00Z");
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "tool"), "version") != NULL);
	unsetenv("SOURCE_DATE_EPOCH");
	cJSON_Delete(doc);
}

static void
test_getters_check_types_and_ranges(void)
{
	cJSON *o = cJSON_Parse("{\"n\":3,\"f\":1.5,\"s\":\"x\",\"b\":true,\"a\":[1,2,-1],\"big\":1e999}");
	double d = 0, *v = NULL;
	long l = 0;
	size_t n;
	const char *s;
	bool b;

	CHECK(doc_get_long(o, "n", PR_REQUIRED, "o", 0, 10, &l) == PR_OK && l == 3);
	CHECK(doc_get_long(o, "f", PR_REQUIRED, "o", 0, 10, &l) == PR_INPUT);
	CHECK(doc_get_long(o, "n", PR_REQUIRED, "o", 5, 10, &l) == PR_INPUT);
	CHECK(doc_get_number(o, "s", PR_REQUIRED, "o", &d) == PR_INPUT);
	CHECK(doc_get_number(o, "big", PR_REQUIRED, "o", &d) == PR_INPUT);
	CHECK(doc_get_number(o, "missing", PR_OPTIONAL, "o", &d) == PR_OK);
	CHECK(doc_get_number(o, "missing", PR_REQUIRED, "o", &d) == PR_INPUT);
	CHECK(doc_get_string(o, "s", PR_REQUIRED, "o", &s) == PR_OK);
	CHECK(doc_get_bool(o, "b", PR_REQUIRED, "o", &b) == PR_OK && b);
	CHECK(doc_get_numbers(cJSON_GetObjectItem(o, "a"), "o.a", 0, &v, &n) == PR_INPUT);
	CHECK(v == NULL);
	CHECK(doc_get_numbers(cJSON_GetObjectItem(o, "a"), "o.a", -5, &v, &n) == PR_OK && n == 3);
	free(v);
	cJSON_Delete(o);
}

static void
test_expand_env(void)
{
	char *s;

	setenv("PR_T_HOST", "example.test", 1);
	unsetenv("PR_T_UNSET");
	s = config_expand_env("https://${PR_T_HOST}/x?a=$1&b=$${literal}", "ctx");
	CHECK_STR(s, "https://example.test/x?a=$1&b=${literal}");
	free(s);
	CHECK(config_expand_env("${PR_T_UNSET}", "ctx") == NULL);
	CHECK(config_expand_env("${PR-BAD}", "ctx") == NULL);
	CHECK(config_expand_env("${UNCLOSED", "ctx") == NULL);
}

static void
test_config_expands_whole_tree(void)
{
	char path[] = "/tmp/pr-config-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "{\"bench\":{\"metrics\":[{\"url\":\"${PR_T_HOST}\"}]}}";
	struct config cfg;
	const cJSON *bench, *metric;

	CHECK(fd != -1);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	setenv("PR_T_HOST", "h", 1);
	CHECK(config_load(path, &cfg) == PR_OK);
	bench = config_section(&cfg, "bench");
	metric = cJSON_GetArrayItem(cJSON_GetObjectItem(bench, "metrics"), 0);
	CHECK_STR(cJSON_GetObjectItem(metric, "url")->valuestring, "h");
	config_free(&cfg);
	unsetenv("PR_T_HOST");
	CHECK(config_load(path, &cfg) == PR_INPUT);
	unlink(path);
}

static void
test_redact_url(void)
{
	char *s;

	s = util_redact_url("https://user:s3cret@host.test:8443/p?a=1&sig=abc&token=t#frag");
	CHECK_STR(s, "https://host.test:8443/p?a=1&sig=REDACTED&token=REDACTED#frag");
	free(s);
	s = util_redact_url("http://127.0.0.1:80/health");
	CHECK_STR(s, "http://127.0.0.1:80/health");
	free(s);
	s = util_redact_url("postgres://app:pw@db:5432/app?sslmode=require&password=x");
	CHECK_STR(s, "postgres://db:5432/app?sslmode=require&password=REDACTED");
	free(s);
}

/* Each form of a postgres password libpq accepts is removed from what is shown. */
static void
test_redact_pg_url_forms(void)
{
	static const char *const forms[] = {
		"postgres://u:Pa?ss@db:5432/app",
		"postgres://u:Pa?ss@db:5432/app?sslmode=require",
		"postgresql://u:Pa%3Fss%40x@db/app",
		"postgres://u:Pa@ss@db/app",
		"postgres://u:Pa/ss@db/app",
		"postgres://u@db/app?password=Pass",
		"postgres://u@db/app?p%61ssword=Pass",
		"postgres://u@db/app?sslpassword=Pass",
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char *s = util_redact_url(forms[i]);

		CHECK(strstr(s, "Pa") == NULL);
		CHECK(strstr(s, "u@") == NULL);
		free(s);
	}
}

/* Secret query parameters are found by pattern, and under percent-encoding. */
static void
test_redact_query_by_pattern(void)
{
	static const char *const secret[] = {
		"api_token", "X-Amz-Signature", "private_token", "auth", "session", "Session_Id",
		"client_secret", "sig", "code", "key", "authorization", "db_password", "x%2Damz%2Dsignature",
	};

	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++) {
		char url[256], *s;

		snprintf(url, sizeof url, "https://h.test/p?page=2&%s=SECRETVAL&q=x", secret[i]);
		s = util_redact_url(url);
		CHECK(strstr(s, "SECRETVAL") == NULL);
		CHECK(strstr(s, "page=2") && strstr(s, "q=x"));
		free(s);
	}
	CHECK(!util_is_secret_name("page") && !util_is_secret_name("keyword") && !util_is_secret_name("q"));
	CHECK(util_is_secret_name("X-Auth-Token") && util_is_secret_name("AUTH_KEY"));
}

/* An '@' in an http query is not a userinfo, but a password holding '?'
 * before its '@' is. */
static void
test_redact_http_userinfo(void)
{
	char *s;

	s = util_redact_url("http://h.test?email=a@b.test");
	CHECK_STR(s, "http://h.test?email=a@b.test");
	free(s);
	s = util_redact_url("https://h.test/p?email=a@b.test");
	CHECK_STR(s, "https://h.test/p?email=a@b.test");
	free(s);
	s = util_redact_url("http://u:Pa?ss@h.test:81/p");
	CHECK_STR(s, "http://h.test:81/p");
	free(s);
	s = util_redact_url("http://u:Pa@ss@h.test/p");
	CHECK_STR(s, "http://h.test/p");
	free(s);
}

/* Loopback is a parsed host, not a text prefix. */
static void
test_loopback_is_parsed_host(void)
{
	CHECK(util_url_is_loopback("http://localhost:8080/x"));
	CHECK(util_url_is_loopback("http://LOCALHOST"));
	CHECK(util_url_is_loopback("http://127.0.0.1:1/"));
	CHECK(util_url_is_loopback("http://127.9.8.7"));
	CHECK(util_url_is_loopback("http://[::1]:8080/"));
	CHECK(util_url_is_loopback("http://u:p@127.0.0.1/"));
	CHECK(!util_url_is_loopback("http://localhost.attacker.example/"));
	CHECK(!util_url_is_loopback("http://127.0.0.1.attacker.example/"));
	CHECK(!util_url_is_loopback("http://localhost@attacker.example/"));
	CHECK(!util_url_is_loopback("http://127.0.0.1:80@attacker.example/"));
	CHECK(!util_url_is_loopback("http://[::1].attacker.example/"));
	CHECK(!util_url_is_loopback("http://10.0.0.1/"));
	CHECK(!util_url_is_loopback("http://localhostx/"));
}

static void
test_parse_duration(void)
{
	double s;

	CHECK(util_parse_duration("30", &s) == 0 && s == 30);
	CHECK(util_parse_duration("250ms", &s) == 0 && fabs(s - 0.25) < 1e-12);
	CHECK(util_parse_duration("2m", &s) == 0 && s == 120);
	CHECK(util_parse_duration("1.5h", &s) == 0 && s == 5400);
	CHECK(util_parse_duration("-1s", &s) == -1);
	CHECK(util_parse_duration("5x", &s) == -1);
	CHECK(util_parse_duration("", &s) == -1);
}

static void
test_output_path_is_the_flag_else_OUTPUT_JSON_and_empty_is_none(void)
{
	setenv("OUTPUT_JSON", "env.json", 1);
	CHECK_STR(doc_output_path("flag.json"), "flag.json");
	CHECK_STR(doc_output_path(NULL), "env.json");
	CHECK(doc_output_path("") == NULL);
	setenv("OUTPUT_JSON", "", 1);
	CHECK(doc_output_path(NULL) == NULL);
	unsetenv("OUTPUT_JSON");
	CHECK(doc_output_path(NULL) == NULL);
}

static void
test_write_atomic_replaces_whole_file(void)
{
	char dir[] = "/tmp/pr-atomic-XXXXXX";
	struct buf path = {0}, got = {0};

	CHECK(mkdtemp(dir) != NULL);
	buf_printf(&path, "%s/out.json", dir);
	CHECK(fileio_write_atomic(path.data, "first", 5) == PR_OK);
	CHECK(fileio_write_atomic(path.data, "second", 6) == PR_OK);
	CHECK(fileio_read_file(path.data, 100, &got) == PR_OK);
	CHECK_STR(got.data, "second");
	CHECK(fileio_read_file(dir, 100, &got) == PR_INPUT);	/* a directory */
	unlink(path.data);
	rmdir(dir);
	buf_free(&path);
	buf_free(&got);
}

static void
test_one_line_folds_breaks_and_cuts(void)
{
	char out[8];

	util_one_line(out, sizeof out, "a\r\nb\tc  ", SIZE_MAX);
	CHECK_STR(out, "a  b c");
	util_one_line(out, sizeof out, "abcdefghij", SIZE_MAX);	/* cut at 7 bytes */
	CHECK_STR(out, "abcdefg");
	util_one_line(out, sizeof out, "abc\0def", 8);		/* a NUL ends it first */
	CHECK_STR(out, "abc");
	util_one_line(out, sizeof out, "abcdef", 2);		/* a body without a NUL */
	CHECK_STR(out, "ab");
	util_one_line(out, sizeof out, NULL, SIZE_MAX);
	CHECK_STR(out, "");
}

/* A server's error that echoes a secret: hidden everywhere, the rest kept. */
static void
test_scrub_hides_every_occurrence(void)
{
	char text[64] = "key rnd_abc bad; rnd_abc again";
	char small[16] = "1";
	char other[16] = "status 1 of 10";

	CHECK(util_scrub(text, sizeof text, "rnd_abc"));
	CHECK_STR(text, "key (secret) bad; (secret) again");
	CHECK(!util_scrub(text, sizeof text, "absent"));
	CHECK(!util_scrub(text, sizeof text, NULL));
	CHECK(util_scrub(small, sizeof small, "1"));	/* a short secret: only when it is all */
	CHECK_STR(small, "(secret)");
	CHECK(!util_scrub(other, sizeof other, "1"));
	CHECK_STR(other, "status 1 of 10");
}

int
main(void)
{
	pr_init("test_lib");
	/* The refusals below print their one-line errors; keep them out of
	 * the test output. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	RUN(test_doc_accepts_its_kind_and_major);
	RUN(test_doc_refuses_bad_input_with_exit_3);
	RUN(test_doc_refuses_deep_nesting);
	RUN(test_doc_refuses_binary);
	RUN(test_doc_new_has_header);
	RUN(test_output_path_is_the_flag_else_OUTPUT_JSON_and_empty_is_none);
	RUN(test_getters_check_types_and_ranges);
	RUN(test_expand_env);
	RUN(test_config_expands_whole_tree);
	RUN(test_redact_url);
	RUN(test_redact_pg_url_forms);
	RUN(test_redact_query_by_pattern);
	RUN(test_redact_http_userinfo);
	RUN(test_loopback_is_parsed_host);
	RUN(test_parse_duration);
	RUN(test_one_line_folds_breaks_and_cuts);
	RUN(test_write_atomic_replaces_whole_file);
	RUN(test_scrub_hides_every_occurrence);
	return t_done();
}
