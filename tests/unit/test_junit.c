/* test_junit.c: JUnit XML escaping and structure (lib/junit.h). */
#include <stdlib.h>
#include <string.h>

#include "junit.h"
#include "t.h"

static char *
escaped(const char *s)
{
	struct buf b = {0};

	junit_escape(&b, s);
	return buf_detach(&b);
}

static void
test_markup_characters_become_entities(void)
{
	char *e = escaped("a<b>&\"c'");

	CHECK_STR(e, "a&lt;b&gt;&amp;&quot;c&apos;");
	free(e);
}

static void
test_control_and_invalid_bytes_are_replaced(void)
{
	char *e = escaped("x\001y\xffz\tw\n");

	CHECK_STR(e, "x\xef\xbf\xbdy\xef\xbf\xbdz&#9;w&#10;");
	free(e);
}

static void
test_valid_utf8_is_kept(void)
{
	char *e = escaped("caf\xc3\xa9 \xe2\x9c\x93");

	CHECK_STR(e, "caf\xc3\xa9 \xe2\x9c\x93");
	free(e);
}

static void
test_render_counts_and_tags(void)
{
	struct junit_case cases[] = {
		{ .name = "ok", .time_ms = 12 },
		{ .name = "bad", .outcome = JUNIT_FAILURE, .message = "status: expected 200, got 500",
		    .detail = "GET /x" },
		{ .name = "down", .outcome = JUNIT_ERROR, .message = "no response" },
		{ .name = "later", .outcome = JUNIT_SKIPPED, .message = "needs {{sid}}" },
	};
	char *xml = junit_render("pr-qa", "2026-01-01T00:00:00Z", cases, 4);

	CHECK(strstr(xml, "<testsuite name=\"pr-qa\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\"") != NULL);
	CHECK(strstr(xml, "<testcase name=\"ok\" classname=\"pr-qa\" time=\"0.012\"/>") != NULL);
	CHECK(strstr(xml,
	    "<failure message=\"status: expected 200, got 500\" type=\"failure\">GET /x</failure>") != NULL);
	CHECK(strstr(xml, "<error message=\"no response\" type=\"error\"/>") != NULL);
	CHECK(strstr(xml, "<skipped message=\"needs {{sid}}\"/>") != NULL);
	CHECK(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	free(xml);
}

int
main(void)
{
	RUN(test_markup_characters_become_entities);
	RUN(test_control_and_invalid_bytes_are_replaced);
	RUN(test_valid_utf8_is_kept);
	RUN(test_render_counts_and_tags);
	return t_done();
}
