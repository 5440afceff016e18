/*
 * test_render.c: lib/render and the Render provider of lib/platform against
 * tests/fixtures/render_api.py: cursor pagination, Render's error body, and
 * the round trip pr-snapshot and pr-rollback rely on (what platform_read()
 * records, given to platform_apply(), puts instances and plan back, and
 * names a variable it cannot put back instead of writing its hash).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "fileio.h"
#include "platform.h"
#include "pr.h"
#include "render.h"
#include "t.h"

#define MANY_VARS 230

static pid_t fixture_pid = -1;
static char base_url[128];
static char tmpdir[] = "/tmp/test_render.XXXXXX";

/* A service with MANY_VARS variables (three pages of 100) and a small one. */
static char *
seed_text(void)
{
	struct buf b = {0};

	buf_adds(&b, "{\"services\": [{\"id\": \"srv-many\", \"instances\": 1, \"plan\": \"starter\", \"env\": {");
	for (int i = 0; i < MANY_VARS; i++)
		buf_printf(&b, "%s\"VAR_%03d\": \"value-%d\"", i ? ", " : "", i, i);
	buf_adds(&b, "}}, {\"id\": \"srv-small\", \"instances\": 2, \"plan\": \"standard\","
	    " \"env\": {\"FLAG\": \"0\", \"OTHER\": \"kept\"}}]}");
	return buf_detach(&b);
}

static int
start_fixture(void)
{
	char seed_path[256], port_path[256], url[256];
	const char *argv[] = {"render_api.py", "--state", seed_path, "--key", "rnd_unit", NULL};
	char *seed = seed_text();
	int rc;

	if (!mkdtemp(tmpdir)) {
		free(seed);
		return -1;
	}
	snprintf(seed_path, sizeof seed_path, "%s/seed.json", tmpdir);
	snprintf(port_path, sizeof port_path, "%s/port", tmpdir);
	rc = fileio_write_atomic(seed_path, seed, strlen(seed));
	free(seed);
	if (rc || (fixture_pid = t_server_start(argv, port_path, base_url, sizeof base_url)) < 0)
		return -1;
	snprintf(url, sizeof url, "%s/v1", base_url);
	setenv("RENDER_API_ENDPOINT", url, 1);
	setenv("RENDER_API_KEY", "rnd_unit", 1);
	setenv("PR_RETRY_BASE_MS", "5", 1);
	return 0;
}

static void
stop_fixture(void)
{
	char path[300];

	t_server_stop(fixture_pid);
	snprintf(path, sizeof path, "%s/seed.json", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/port", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static void
test_client_refuses_plain_http_off_loopback(void)
{
	struct render_client c;

	CHECK(render_client_init(&c, "http://api.example.com/v1", 0) == PR_INPUT);
	CHECK(render_client_init(&c, "https://api.render.com/v1/", 0) == PR_OK);
	CHECK_STR(c.endpoint, "https://api.render.com/v1");
	render_client_free(&c);
}

static void
test_list_follows_cursors_through_every_page(void)
{
	struct render_client c;
	struct render_error err;
	cJSON *items = NULL;

	CHECK(render_client_init(&c, NULL, 0) == PR_OK);
	CHECK(render_login(&c) == PR_OK);
	CHECK(render_list(&c, "/services/srv-many/env-vars", "envVar", &items, &err) == PR_OK);
	CHECK(cJSON_GetArraySize(items) == MANY_VARS);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "key")->valuestring, "VAR_000");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(items, MANY_VARS - 1), "key")->valuestring, "VAR_229");
	cJSON_Delete(items);
	render_client_free(&c);
}

static void
test_error_body_becomes_one_line(void)
{
	struct render_client c;
	struct render_error err;
	char text[PLATFORM_MSG_MAX];
	cJSON *out = NULL;

	CHECK(render_client_init(&c, NULL, 0) == PR_OK);
	CHECK(render_login(&c) == PR_OK);
	CHECK(render_get(&c, "/services/srv-gone", &out, &err) == PR_EXTERNAL);
	CHECK(out == NULL);
	render_error_text(&err, text, sizeof text);
	CHECK_STR(text, "404 not_found: service not found");
	CHECK(strstr(render_error_hint(&err), "service id") != NULL);
	render_client_free(&c);
}

/* platform_read records hashes; applied back, instances and plan return,
 * and a variable changed since is named (PR_FAIL), never written. */
static void
test_read_apply_round_trip(void)
{
	cJSON *names = cJSON_Parse("{\"render\": {\"services\": [{\"id\": \"srv-small\"}]}}");
	cJSON *change = cJSON_Parse("{\"render\": {\"services\": [{\"id\": \"srv-small\", \"instances\": 4,"
	    " \"plan\": \"pro\", \"settings\": {\"FLAG\": \"25\"}}]}}");
	struct platform_opts o = {0};
	cJSON *current = NULL, *res = NULL, *again = NULL;
	const cJSON *svc, *set;
	char *before, *after;

	CHECK(platform_read(names, &o, &current) == PR_OK);
	svc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(current, "render"), "services"), 0);
	set = cJSON_GetObjectItem(svc, "settings");
	CHECK(cJSON_GetArraySize(set) == 2);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(set, "FLAG"), "sha256")->valuestring,
	    "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9");
	CHECK(platform_apply(change, &o, &res) == PR_OK);
	cJSON_Delete(res);
	CHECK(platform_apply(current, &o, &res) == PR_FAIL);
	CHECK(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 0), "error")->valuestring,
	    "settings.FLAG differs from the snapshot's") != NULL);
	cJSON_Delete(res);
	CHECK(platform_read(names, &o, &again) == PR_OK);
	svc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(again, "render"), "services"), 0);
	CHECK(cJSON_GetObjectItem(svc, "instances")->valueint == 2);
	CHECK_STR(cJSON_GetObjectItem(svc, "plan")->valuestring, "standard");
	before = cJSON_PrintUnformatted(cJSON_GetObjectItem(current, "render"));
	after = cJSON_PrintUnformatted(cJSON_GetObjectItem(again, "render"));
	CHECK(strcmp(before, after) != 0);	/* FLAG's hash differs: 25 stays */
	free(before);
	free(after);
	cJSON_Delete(again);
	cJSON_Delete(current);
	cJSON_Delete(change);
	cJSON_Delete(names);
}

/* The restore section: old plain values of the keys changed, directives
 * kept, nothing for keys or fields the run did not ask for. */
static void
test_restore_holds_old_values_of_changed_keys(void)
{
	cJSON *want = cJSON_Parse("{\"render\": {\"services\": [{\"id\": \"srv-small\", \"restart\": true,"
	    " \"settings\": {\"FLAG\": \"50\", \"OTHER\": \"kept\", \"NEW\": \"x\"}}]}}");
	cJSON *restore = NULL, *res = NULL;
	struct platform_opts o = {.restore = &restore};
	char *text;

	CHECK(platform_apply(want, &o, &res) == PR_OK);
	text = cJSON_PrintUnformatted(restore);
	CHECK_STR(text, "{\"render\":{\"services\":[{\"id\":\"srv-small\",\"restart\":true,"
	    "\"settings\":{\"FLAG\":\"25\",\"NEW\":null}}]}}");
	free(text);
	text = cJSON_PrintUnformatted(res);
	CHECK(strstr(text, "\"50\"") == NULL && strstr(text, "kept") == NULL);
	free(text);
	cJSON_Delete(res);
	cJSON_Delete(restore);
	cJSON_Delete(want);
}

/* cJSON memory freed while it still held SECRET_VALUE, counted by the hook below. */
#define SECRET_VALUE "wipeMEsecret0c7d"
static int freed_with_secret;

static void
scanning_free(void *p)
{
	size_t n = p ? malloc_usable_size(p) : 0;

	if (p && memmem(p, n, SECRET_VALUE, strlen(SECRET_VALUE)))
		freed_with_secret++;
	free(p);
}

/* A value set through platform_apply lingers in no freed JSON: every copy
 * (the plan, the request, Render's echo, the lists read back) is wiped. */
static void
test_values_are_wiped_before_they_are_freed(void)
{
	cJSON_Hooks hooks = { .malloc_fn = malloc, .free_fn = scanning_free };
	cJSON *want, *res = NULL, *restore = NULL;
	struct platform_opts o = {.restore = &restore};

	cJSON_InitHooks(&hooks);
	want = cJSON_Parse("{\"render\": {\"services\": [{\"id\": \"srv-small\","
	    " \"settings\": {\"OTHER\": \"" SECRET_VALUE "\"}}]}}");
	freed_with_secret = 0;
	CHECK(platform_apply(want, &o, &res) == PR_OK);
	doc_wipe(want);
	cJSON_Delete(res);
	cJSON_Delete(restore);
	CHECK(freed_with_secret == 0);
	cJSON_InitHooks(NULL);
}

static void
test_check_names_the_field(void)
{
	struct platform_opts o = {.source = "cfg"};
	const char *bad[] = {
		"{\"gcp\": {}}",
		"{\"render\": {\"services\": [{\"plan\": \"pro\"}]}}",
		"{\"render\": {\"services\": [{\"id\": \"srv-a\", \"cpu\": 1}]}}",
		"{\"render\": {\"services\": [{\"id\": \"srv-a\", \"settings\": {\"A\": {\"sha256\": \"zz\"}}}]}}",
		"{\"render\": {\"services\": [{\"id\": \"srv-a\", \"instances\": 0}]}}",
		"{}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *s = cJSON_Parse(bad[i]);

		CHECK(platform_check(s, &o) == PR_INPUT);
		cJSON_Delete(s);
	}
}

int
main(void)
{
	pr_init("test_render");
	pr_set_quiet(true);
	RUN(test_client_refuses_plain_http_off_loopback);
	RUN(test_check_names_the_field);
	if (start_fixture() != 0) {
		printf("not ok start_fixture: tests/fixtures/render_api.py did not start\n");
		stop_fixture();
		return 1;
	}
	RUN(test_list_follows_cursors_through_every_page);
	RUN(test_error_body_becomes_one_line);
	RUN(test_read_apply_round_trip);
	RUN(test_restore_holds_old_values_of_changed_keys);
	RUN(test_values_are_wiped_before_they_are_freed);
	stop_fixture();
	return t_done();
}
