/* test_jsonpath.c: the path syntax of lib/jsonpath.h. */
#include <stdlib.h>

#include "jsonpath.h"
#include "t.h"

static const char *doc_text =
    "{\"status\":\"ok\",\"data\":{\"token\":\"abc\",\"items\":[{\"id\":7},{\"id\":8.5}],"
    "\"content-type\":\"x\",\"flag\":true,\"none\":null,\"a.b\":1}}";

static cJSON *
doc(void)
{
	return cJSON_Parse(doc_text);
}

static char *
text_at(const cJSON *d, const char *path)
{
	return jsonpath_text(jsonpath_get(d, path));
}

static void
test_plain_and_dollar_paths_are_the_same(void)
{
	cJSON *d = doc();
	char *a = text_at(d, "data.token"), *b = text_at(d, "$.data.token");

	CHECK_STR(a, "abc");
	CHECK_STR(b, "abc");
	CHECK(jsonpath_get(d, "$") == d);
	free(a);
	free(b);
	cJSON_Delete(d);
}

static void
test_indexes_count_from_both_ends(void)
{
	cJSON *d = doc();
	char *first = text_at(d, "data.items[0].id"), *last = text_at(d, "data.items[-1].id");

	CHECK_STR(first, "7");
	CHECK_STR(last, "8.5");
	CHECK(jsonpath_get(d, "data.items[2]") == NULL);
	CHECK(jsonpath_get(d, "data.items[-3]") == NULL);
	free(first);
	free(last);
	cJSON_Delete(d);
}

static void
test_quoted_keys_reach_any_name(void)
{
	cJSON *d = doc();
	char *ct = text_at(d, "data[\"content-type\"]"), *dotted = text_at(d, "$.data[\"a.b\"]");

	CHECK_STR(ct, "x");
	CHECK_STR(dotted, "1");
	free(ct);
	free(dotted);
	cJSON_Delete(d);
}

static void
test_missing_and_wrong_type_steps_are_null(void)
{
	cJSON *d = doc();

	CHECK(jsonpath_get(d, "data.nothing") == NULL);
	CHECK(jsonpath_get(d, "status.inner") == NULL);
	CHECK(jsonpath_get(d, "data[0]") == NULL);
	CHECK(jsonpath_get(d, "data.items.id") == NULL);
	CHECK(jsonpath_get(NULL, "status") == NULL);
	cJSON_Delete(d);
}

static void
test_text_of_each_type(void)
{
	cJSON *d = doc();
	char *flag = text_at(d, "data.flag"), *none = text_at(d, "data.none");
	char *obj = text_at(d, "data.items[0]");

	CHECK_STR(flag, "true");
	CHECK_STR(none, "null");
	CHECK_STR(obj, "{\"id\":7}");
	free(flag);
	free(none);
	free(obj);
	cJSON_Delete(d);
}

static void
test_malformed_paths_are_refused_with_a_place(void)
{
	char why[128];

	CHECK(jsonpath_check("data.items[0].id", why, sizeof why) == 0);
	CHECK(jsonpath_check("$", why, sizeof why) == 0);
	CHECK(jsonpath_check("", why, sizeof why) == -1);
	CHECK(jsonpath_check("data..id", why, sizeof why) == -1);
	CHECK_STR(why, "expected a name at character 6");
	CHECK(jsonpath_check("items[x]", why, sizeof why) == -1);
	CHECK(jsonpath_check("items[1", why, sizeof why) == -1);
	CHECK(jsonpath_check("$status", why, sizeof why) == -1);
	CHECK(jsonpath_check("a[\"unterminated]", why, sizeof why) == -1);
	CHECK(jsonpath_check("a b", why, sizeof why) == -1);
}

int
main(void)
{
	RUN(test_plain_and_dollar_paths_are_the_same);
	RUN(test_indexes_count_from_both_ends);
	RUN(test_quoted_keys_reach_any_name);
	RUN(test_missing_and_wrong_type_steps_are_null);
	RUN(test_text_of_each_type);
	RUN(test_malformed_paths_are_refused_with_a_place);
	return t_done();
}
