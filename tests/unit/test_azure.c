/*
 * test_azure.c: lib/azure and lib/platform against tests/fixtures/arm.py.
 * The round trip pr-snapshot and pr-rollback rely on: what
 * platform_read() returns, given to platform_apply(), puts the
 * platform back as it was.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "azure.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "http.h"
#include "platform.h"
#include "t.h"
#include "util.h"


static pid_t fixture_pid = -1;
static char base_url[128];
static char tmpdir[] = "/tmp/test_azure.XXXXXX";

static const char seed[] =
    "{\"web_apps\": [{\"subscription\": \"sub-1\", \"resource_group\": \"rg\", \"name\": \"web1\","
    " \"always_on\": false}],"
    " \"container_apps\": [{\"subscription\": \"sub-1\", \"resource_group\": \"rg\", \"name\": \"api\","
    " \"min_replicas\": 0, \"max_replicas\": 3,"
    " \"containers\": [{\"name\": \"api\", \"cpu\": 0.5, \"memory\": \"1Gi\"}]}]}";

static const char section_names[] =
    "{\"azure\": {\"subscription\": \"sub-1\", \"resource_group\": \"rg\","
    " \"web_apps\": [{\"name\": \"web1\"}], \"container_apps\": [{\"name\": \"api\"}]}}";

static const char section_change[] =
    "{\"azure\": {\"subscription\": \"sub-1\", \"resource_group\": \"rg\","
    " \"web_apps\": [{\"name\": \"web1\", \"always_on\": true}],"
    " \"container_apps\": [{\"name\": \"api\", \"min_replicas\": 1, \"max_replicas\": 1,"
    " \"cpu\": 1, \"memory\": \"2Gi\"}]}}";

/* Start arm.py seeded with seed; 0 or -1. */
static int
start_fixture(void)
{
	char seed_path[256], port_path[256];
	const char *argv[] = { "arm.py", "--state", seed_path, "--token", "unit-token", NULL };

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(seed_path, sizeof seed_path, "%s/seed.json", tmpdir);
	snprintf(port_path, sizeof port_path, "%s/port", tmpdir);
	if (fileio_write_atomic(seed_path, seed, strlen(seed)))
		return -1;
	if ((fixture_pid = t_server_start(argv, port_path, base_url, sizeof base_url)) < 0)
		return -1;
	setenv("AZURE_ARM_ENDPOINT", base_url, 1);
	setenv("AZURE_ACCESS_TOKEN", "unit-token", 1);
	setenv("PR_RETRY_BASE_MS", "5", 1);
	return 0;
}

static void
stop_fixture(void)
{
	char cmd[300];

	t_server_stop(fixture_pid);
	snprintf(cmd, sizeof cmd, "%s/seed.json", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/port", tmpdir);
	unlink(cmd);
	rmdir(tmpdir);
}

/* GET a side endpoint of the fixture as parsed JSON (caller frees). */
static cJSON *
fixture_get(const char *path)
{
	struct http_req req = {0};
	struct http_resp resp;
	struct buf url = {0};
	cJSON *out = NULL;

	buf_printf(&url, "%s%s", base_url, path);
	req.url = url.data;
	if (http_do(&req, &resp) == 0 && resp.status == 200)
		out = cJSON_Parse(resp.body.data);
	http_resp_free(&resp);
	buf_free(&url);
	return out;
}

/*
 * The settings part of the fixture's state: a template change makes a new
 * revision (as on Azure), so revisions and traffic are history, not settings.
 */
static cJSON *
settings_state(cJSON *state)
{
	cJSON *app;

	cJSON_ArrayForEach(app, cJSON_GetObjectItemCaseSensitive(state, "container_apps")) {
		cJSON_DeleteItemFromObjectCaseSensitive(app, "revisions");
		cJSON_DeleteItemFromObjectCaseSensitive(app, "traffic");
	}
	return state;
}

static void
test_read_apply_read_state_restores_original(void)
{
	cJSON *names = cJSON_Parse(section_names), *change = cJSON_Parse(section_change);
	cJSON *orig = settings_state(fixture_get("/_fixture/state"));
	cJSON *current = NULL, *res = NULL, *now = NULL, *mid = NULL;
	struct platform_opts o = {0};

	CHECK(orig != NULL);
	CHECK(platform_read(names, &o, &current) == PR_OK);
	CHECK(current != NULL);
	CHECK(platform_apply(change, &o, &res) == PR_OK);
	cJSON_Delete(res);
	res = NULL;
	mid = settings_state(fixture_get("/_fixture/state"));
	CHECK(mid && !cJSON_Compare(mid, orig, true));
	CHECK(platform_apply(current, &o, &res) == PR_OK);
	now = settings_state(fixture_get("/_fixture/state"));
	CHECK(now && cJSON_Compare(now, orig, true));
	cJSON_Delete(names);
	cJSON_Delete(change);
	cJSON_Delete(current);
	cJSON_Delete(res);
	cJSON_Delete(orig);
	cJSON_Delete(mid);
	cJSON_Delete(now);
}

static void
test_read_returns_config_shape_with_current_values(void)
{
	cJSON *names = cJSON_Parse(section_names), *current = NULL;
	struct platform_opts o = {0};
	char *text;

	CHECK(platform_read(names, &o, &current) == PR_OK);
	text = current ? cJSON_PrintUnformatted(current) : NULL;
	CHECK_STR(text, "{\"azure\":{\"subscription\":\"sub-1\",\"resource_group\":\"rg\","
	    "\"web_apps\":[{\"name\":\"web1\",\"always_on\":false}],"
	    "\"container_apps\":[{\"name\":\"api\",\"min_replicas\":0,\"max_replicas\":3,"
	    "\"cpu\":0.5,\"memory\":\"1Gi\"}]}}");
	CHECK(platform_check(current, &o) == PR_OK);
	free(text);
	cJSON_Delete(names);
	cJSON_Delete(current);
}

static void
test_dry_run_plans_without_patching(void)
{
	cJSON *change = cJSON_Parse(section_change), *res = NULL, *calls;
	struct platform_opts o = {.dry_run = true};
	int patches = 0;

	CHECK(platform_apply(change, &o, &res) == PR_OK);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 1), "status")->valuestring, "planned");
	calls = fixture_get("/_fixture/calls");
	for (cJSON *c = calls ? calls->child : NULL; c; c = c->next)
		patches += strcmp(cJSON_GetObjectItem(c, "method")->valuestring, "PATCH") == 0;
	CHECK(calls != NULL);
	CHECK(patches == 0);
	cJSON_Delete(change);
	cJSON_Delete(res);
	cJSON_Delete(calls);
}

static void
test_restore_section_takes_before_of_desired_settings(void)
{
	cJSON *desired = cJSON_Parse(section_change);
	cJSON *res = cJSON_Parse("[{\"type\":\"container_app\",\"name\":\"api\",\"before\":{\"min_replicas\":0,"
	    "\"max_replicas\":3,\"cpu\":0.5,\"memory\":\"1Gi\"},\"desired\":{\"min_replicas\":1}},"
	    "{\"type\":\"web_app\",\"name\":\"web1\",\"before\":null,\"desired\":{\"always_on\":true}}]");
	cJSON *r = platform_restore(desired, res);
	char *text = cJSON_PrintUnformatted(r);

	CHECK_STR(text, "{\"azure\":{\"subscription\":\"sub-1\",\"resource_group\":\"rg\",\"web_apps\":[],"
	    "\"container_apps\":[{\"name\":\"api\",\"min_replicas\":0}]}}");
	free(text);
	cJSON_Delete(r);
	cJSON_Delete(res);
	cJSON_Delete(desired);
}

static void
test_check_rejects_wrong_types(void)
{
	struct platform_opts o = {.source = "cfg"};
	cJSON *bad1 = cJSON_Parse("{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"r\","
	    "\"web_apps\":[{\"name\":\"w\",\"always_on\":\"yes\"}]}}");
	cJSON *bad2 = cJSON_Parse("{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"r\","
	    "\"container_apps\":[{\"name\":\"a/b\"}]}}");
	cJSON *bad3 = cJSON_Parse("{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"r\","
	    "\"container_apps\":[{\"name\":\"a\",\"cpu\":-1}]}}");
	cJSON *good = cJSON_Parse("{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"r\","
	    "\"container_apps\":[{\"name\":\"a\",\"cpu\":0.25,\"memory\":\"512Mi\"}]}}");

	CHECK(platform_check(bad1, &o) == PR_INPUT);
	CHECK(platform_check(bad2, &o) == PR_INPUT);
	CHECK(platform_check(bad3, &o) == PR_INPUT);
	CHECK(platform_check(good, &o) == PR_OK);
	cJSON_Delete(bad1);
	cJSON_Delete(bad2);
	cJSON_Delete(bad3);
	cJSON_Delete(good);
}

/* Memory sizes: plain decimals in Mi or Gi, up to 1 TiB; nothing that only
 * strtod would read. */
static void
test_check_memory_sizes(void)
{
	static const char *const good[] = { "512Mi", "1Gi", "0.5Gi", "2.25Gi", "1024Gi" };
	static const char *const bad[] = {
		"1e308Gi", "0x10Gi", "-1Gi", "+1Gi", " 1Gi", "1 Gi", ".5Gi", "1..5Gi", "1Gb",
		"1G", "Gi", "0Gi", "1025Gi", "nanGi", "infGi", "1Gi ",
	};
	struct platform_opts o = {.source = "cfg"};
	struct buf text = {0};
	cJSON *cfg;

	for (size_t i = 0; i < sizeof good / sizeof good[0] + sizeof bad / sizeof bad[0]; i++) {
		bool ok = i < sizeof good / sizeof good[0];
		const char *mem = ok ? good[i] : bad[i - sizeof good / sizeof good[0]];

		buf_reset(&text);
		buf_printf(&text, "{\"azure\":{\"subscription\":\"s\",\"resource_group\":\"r\","
		    "\"container_apps\":[{\"name\":\"a\",\"memory\":\"%s\"}]}}", mem);
		cfg = cJSON_Parse(text.data);
		t_stderr_capture();
		CHECK(platform_check(cfg, &o) == (ok ? PR_OK : PR_INPUT));
		CHECK(ok || strstr(t_stderr_text(), "is not a memory size") != NULL);
		if (ok)
			t_stderr_text();
		cJSON_Delete(cfg);
	}
	buf_free(&text);
}

static void
test_error_text_and_hint(void)
{
	struct azure_error e = {.status = 400};
	char out[256];

	snprintf(e.code, sizeof e.code, "InvalidParameter");
	snprintf(e.message, sizeof e.message, "maxReplicas must be >= minReplicas");
	azure_error_text(&e, out, sizeof out);
	CHECK_STR(out, "400 InvalidParameter: maxReplicas must be >= minReplicas");
	CHECK_STR(azure_error_hint(&e), "fix the platform section");
	e.status = 404;
	CHECK_STR(azure_error_hint(&e), "check the subscription, resource group and resource name");
}

static void
test_client_init_picks_endpoint(void)
{
	struct azure_client c;

	CHECK(azure_client_init(&c, "https://management.usgovcloudapi.net/", 0) == PR_OK);
	CHECK_STR(c.arm_endpoint, "https://management.usgovcloudapi.net");
	azure_client_free(&c);
	CHECK(azure_client_init(&c, "ftp://x", 0) == PR_INPUT);
	azure_client_free(&c);
}

int
main(void)
{
	pr_init("test_azure");
	pr_set_quiet(true);
	RUN(test_error_text_and_hint);
	RUN(test_client_init_picks_endpoint);
	RUN(test_check_rejects_wrong_types);
	RUN(test_check_memory_sizes);
	RUN(test_restore_section_takes_before_of_desired_settings);
	if (start_fixture() != 0) {
		printf("not ok start_fixture: tests/fixtures/arm.py did not start\n");
		stop_fixture();
		return 1;
	}
	RUN(test_read_returns_config_shape_with_current_values);
	RUN(test_dry_run_plans_without_patching);
	RUN(test_read_apply_read_state_restores_original);
	stop_fixture();
	return t_done();
}
