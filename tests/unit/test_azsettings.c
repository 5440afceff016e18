/* test_azsettings.c: lib/azsettings.h without a network: env merged into
 * the first container, traffic read, held and resolved, and the checks. */
#include <stdlib.h>

#include "azsettings.h"
#include "doc.h"
#include "pr.h"
#include "t.h"

static cJSON *
parse(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	CHECK(j != NULL);
	return j;
}

/* Compact JSON of j, for comparisons.  Caller frees. */
static char *
text(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

static cJSON *
app(const char *traffic, const char *latest)
{
	char buf[1024];

	snprintf(buf, sizeof buf, "{\"properties\": {\"latestRevisionName\": \"%s\", \"configuration\": {\"ingress\": "
	    "{\"traffic\": %s}}, \"template\": {\"containers\": [{\"name\": \"api\", \"env\": ["
	    "{\"name\": \"DB\", \"secretRef\": \"db\"}, {\"name\": \"FLAG\", \"value\": \"0\"}, "
	    "{\"name\": \"OTHER\", \"value\": \"x\"}]}, {\"name\": \"side\", \"env\": [{\"name\": \"FLAG\", "
	    "\"value\": \"s\"}]}]}}}", latest, traffic);
	return parse(buf);
}

static void
test_env_is_merged_into_the_first_container_in_place(void)
{
	cJSON *a = app("[]", "api--1");
	cJSON *want = parse("{\"FLAG\": \"25\", \"NEW\": \"n\", \"OTHER\": null}");
	cJSON *list = azsettings_containers_with_env(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(a, "properties"), "template"), "containers"), want);
	char *got = text(list);

	CHECK_STR(got, "[{\"name\":\"api\",\"env\":[{\"name\":\"DB\",\"secretRef\":\"db\"},"
	    "{\"name\":\"FLAG\",\"value\":\"25\"},{\"name\":\"NEW\",\"value\":\"n\"}]},"
	    "{\"name\":\"side\",\"env\":[{\"name\":\"FLAG\",\"value\":\"s\"}]}]");
	free(got);
	cJSON_Delete(list);
	cJSON_Delete(want);
	cJSON_Delete(a);
}

static void
test_env_map_leaves_secret_refs_out_and_names_them(void)
{
	cJSON *a = app("[]", "api--1"), *env = azsettings_env(a);
	cJSON *want = parse("{\"DB\": \"plain\"}"), *other = parse("{\"FLAG\": \"1\"}");
	char *got = text(env);

	CHECK_STR(got, "{\"FLAG\":\"0\",\"OTHER\":\"x\"}");
	CHECK_STR(azsettings_secret_ref(a, want), "DB");
	CHECK(azsettings_secret_ref(a, other) == NULL);
	free(got);
	doc_wipe(env);
	cJSON_Delete(want);
	cJSON_Delete(other);
	cJSON_Delete(a);
}

static void
test_env_into_no_container_is_no_crash(void)
{
	cJSON *none = parse("[]"), *want = parse("{\"FLAG\": \"1\"}");
	cJSON *list = azsettings_containers_with_env(none, want);

	CHECK(cJSON_GetArraySize(list) == 0);
	cJSON_Delete(list);
	cJSON_Delete(want);
	cJSON_Delete(none);
}

static void
test_traffic_is_read_as_weights_by_revision(void)
{
	cJSON *a = app("[{\"revisionName\": \"api--1\", \"weight\": 95}, {\"latestRevision\": true, \"weight\": 5}]",
	    "api--2");
	cJSON *map = azsettings_traffic(a);
	char *got = text(map);

	CHECK_STR(got, "{\"api--1\":95,\"latest\":5}");
	free(got);
	cJSON_Delete(map);
	cJSON_Delete(a);
}

static void
test_traffic_holds_what_it_names_and_nothing_else_at_100(void)
{
	cJSON *cur = parse("{\"api--1\": 95, \"latest\": 5}");
	cJSON *latest5 = parse("{\"latest\": 5}"), *latest25 = parse("{\"latest\": 25}");
	cJSON *all = parse("{\"latest\": 100}"), *exact = parse("{\"latest\": 5, \"api--1\": 95}");

	CHECK(azsettings_traffic_holds(cur, latest5));
	CHECK(!azsettings_traffic_holds(cur, latest25));
	CHECK(!azsettings_traffic_holds(cur, all));	/* api--1 still takes 95 */
	CHECK(azsettings_traffic_holds(cur, exact));
	CHECK(!azsettings_traffic_holds(NULL, latest5));
	cJSON_Delete(cur);
	cJSON_Delete(latest5);
	cJSON_Delete(latest25);
	cJSON_Delete(all);
	cJSON_Delete(exact);
}

static void
test_latest_alone_leaves_the_rest_on_the_stable_revision(void)
{
	cJSON *named = app("[{\"revisionName\": \"api--1\", \"weight\": 100}, "
	    "{\"latestRevision\": true, \"weight\": 0}]",
	    "api--2");
	cJSON *following = app("[{\"latestRevision\": true, \"weight\": 100}]", "api--1");
	cJSON *want = parse("{\"latest\": 5}");
	cJSON *body = azsettings_traffic_body(want, named, false);
	char *got = text(body);

	CHECK_STR(got, "[{\"latestRevision\":true,\"weight\":5},{\"revisionName\":\"api--1\",\"weight\":95}]");
	free(got);
	cJSON_Delete(body);
	/* All traffic follows the latest: only a new revision leaves one to keep the rest. */
	CHECK(azsettings_traffic_body(want, following, false) == NULL);
	body = azsettings_traffic_body(want, following, true);
	got = text(body);
	CHECK_STR(got, "[{\"latestRevision\":true,\"weight\":5},{\"revisionName\":\"api--1\",\"weight\":95}]");
	free(got);
	cJSON_Delete(body);
	cJSON_Delete(want);
	cJSON_Delete(named);
	cJSON_Delete(following);
}

static void
test_traffic_and_names_are_checked(void)
{
	static const char *const good[] = {"{\"latest\": 5}", "{\"latest\": 25, \"api--1\": 75}", "{\"api--1\": 100}"};
	static const char *const bad[] = {"{}", "{\"latest\": 5, \"api--1\": 5}", "{\"latest\": 101}",
	    "{\"latest\": 2.5}", "{\"latest\": \"5\"}", "{\"api 1\": 100}", "{\"latest\": 1e300}",
	    "{\"latest\": -1e300}"};
	cJSON *names = parse("{\"PERF.FLAG:x-y\": \"1\", \"1ABC\": \"1\"}"), *ok_names = parse("{\"A_B\": null}");

	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		cJSON *t = parse(good[i]);

		CHECK(azsettings_check_traffic(t, "x") == PR_OK);
		cJSON_Delete(t);
	}
	pr_set_quiet(true);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *t = parse(bad[i]);

		CHECK(azsettings_check_traffic(t, "x") == PR_INPUT);
		cJSON_Delete(t);
	}
	CHECK(azsettings_check_names(names, "x") == PR_INPUT);	/* starts with a digit */
	CHECK(azsettings_check_names(ok_names, "x") == PR_OK);
	CHECK(azsettings_check_names(NULL, "x") == PR_OK);
	cJSON_Delete(names);
	cJSON_Delete(ok_names);
}

int
main(void)
{
	RUN(test_env_is_merged_into_the_first_container_in_place);
	RUN(test_env_map_leaves_secret_refs_out_and_names_them);
	RUN(test_env_into_no_container_is_no_crash);
	RUN(test_traffic_is_read_as_weights_by_revision);
	RUN(test_traffic_holds_what_it_names_and_nothing_else_at_100);
	RUN(test_latest_alone_leaves_the_rest_on_the_stable_revision);
	RUN(test_traffic_and_names_are_checked);
	return t_done();
}
