/*
 * test_github.c: lib/github's workflow_dispatch against a scripted server
 * on 127.0.0.1 (tserver.h) standing in for GITHUB_API_URL.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "github.h"
#include "proc.h"
#include "t.h"
#include "tserver.h"
#include "util.h"

#define TOKEN "ghp_unit_test_token"

/* Dispatch against a server answering script; the server's record is left
 * in *s for the test to read (free with ts_free). */
static int
dispatch(struct ts_server *s, const char *const *script, const char *repo, const char *workflow,
    const cJSON *inputs, char *why)
{
	int rc;

	if (ts_start(s, script) != 0)
		return -1;
	setenv("GITHUB_API_URL", s->url, 1);
	rc = github_dispatch(TOKEN, repo, workflow, "main", inputs, why, PR_WHY_LEN);
	ts_stop(s);
	return rc;
}

static void
test_dispatch_posts_ref_and_inputs_to_the_workflow(void)
{
	static const char *const script[] = {TS_204, NULL};
	struct ts_server s;
	cJSON *inputs = cJSON_Parse("{\"environment\": \"prod\"}"), *body;
	char why[PR_WHY_LEN] = "", v[128];

	CHECK(dispatch(&s, script, "acme/shop", "deploy.yml", inputs, why) == PR_OK);
	CHECK(s.nreqs == 1);
	CHECK_STR(s.reqs[0].method, "POST");
	CHECK_STR(s.reqs[0].target, "/repos/acme/shop/actions/workflows/deploy.yml/dispatches");
	CHECK_STR(ts_header(&s.reqs[0], "Authorization", v, sizeof v), "Bearer " TOKEN);
	CHECK_STR(ts_header(&s.reqs[0], "Accept", v, sizeof v), "application/vnd.github+json");
	CHECK_STR(ts_header(&s.reqs[0], "X-GitHub-Api-Version", v, sizeof v), PR_GITHUB_API_VERSION);
	CHECK_STR(ts_header(&s.reqs[0], "Content-Type", v, sizeof v), "application/json");
	body = cJSON_Parse(s.reqs[0].body.data ? s.reqs[0].body.data : "");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(body, "ref")), "main");
	CHECK(cJSON_Compare(cJSON_GetObjectItem(body, "inputs"), inputs, 1));
	cJSON_Delete(body);
	cJSON_Delete(inputs);
	ts_free(&s);
}

static void
test_no_inputs_send_an_empty_object(void)
{
	static const char *const script[] = {TS_204, NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "";

	CHECK(dispatch(&s, script, "acme/shop", "deploy.yml", NULL, why) == PR_OK);
	CHECK_STR(s.reqs[0].body.data, "{\"ref\":\"main\",\"inputs\":{}}");
	ts_free(&s);
}

static void
test_workflow_and_repo_name_are_percent_encoded(void)
{
	static const char *const script[] = {TS_204, NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "";

	CHECK(dispatch(&s, script, "acme/my shop", "a b/c.yml", NULL, why) == PR_OK);
	CHECK_STR(s.reqs[0].target, "/repos/acme/my%20shop/actions/workflows/a%20b%2Fc.yml/dispatches");
	ts_free(&s);
}

static void
test_trailing_slash_of_the_api_url_is_dropped(void)
{
	static const char *const script[] = {TS_204, NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "", base[80];

	CHECK(ts_start(&s, script) == 0);
	snprintf(base, sizeof base, "%s//", s.url);
	setenv("GITHUB_API_URL", base, 1);
	CHECK(github_dispatch(TOKEN, "acme/shop", "1234", "main", NULL, why, sizeof why) == PR_OK);
	ts_stop(&s);
	CHECK_STR(s.reqs[0].target, "/repos/acme/shop/actions/workflows/1234/dispatches");
	ts_free(&s);
}

static void
test_error_is_status_and_githubs_message_without_the_token(void)
{
	static const char *const script[] = {
		"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: application/json\r\n"
		"Content-Length: 29\r\n\r\n{\"message\":\"Bad credentials\"}", NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "";

	CHECK(dispatch(&s, script, "acme/shop", "deploy.yml", NULL, why) == PR_EXTERNAL);
	CHECK_STR(why, "GitHub API 401: Bad credentials");
	CHECK(strstr(why, TOKEN) == NULL);
	CHECK(s.nreqs == 1);	/* a 401 is not retried */
	ts_free(&s);
}

static void
test_error_without_a_json_message_says_unexpected_response(void)
{
	static const char *const script[] = {
		"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 6\r\n\r\n<html>", NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "";

	CHECK(dispatch(&s, script, "acme/shop", "deploy.yml", NULL, why) == PR_EXTERNAL);
	CHECK_STR(why, "GitHub API 403: unexpected response");
	ts_free(&s);
}

static void
test_success_is_204_only(void)
{
	static const char *const script[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", NULL};
	struct ts_server s;
	char why[PR_WHY_LEN] = "";

	CHECK(dispatch(&s, script, "acme/shop", "deploy.yml", NULL, why) == PR_EXTERNAL);
	CHECK_STR(why, "GitHub API 200: unexpected response");
	ts_free(&s);
}

static void
test_repo_that_is_not_owner_slash_name_is_bad_input_unsent(void)
{
	static const char *const script[] = {TS_204, NULL};
	static const char *const bad[] = {"shop", "/shop", "acme/", "acme/shop/x"};
	char why[PR_WHY_LEN];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct ts_server s;

		why[0] = '\0';
		CHECK(dispatch(&s, script, bad[i], "deploy.yml", NULL, why) == PR_INPUT);
		CHECK(s.nreqs == 0);
		CHECK(strstr(why, "is not owner/name") != NULL);
		ts_free(&s);
	}
}

#define JSON_200(body) "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n" body
#define RUN_JSON(status, conclusion) JSON_200("{\"id\":42,\"status\":\"" status "\",\"conclusion\":" conclusion \
	",\"html_url\":\"https://github.com/acme/shop/actions/runs/42\"}")
#define RUN_HTML "https://github.com/acme/shop/actions/runs/42"

static void
test_dispatch_run_asks_for_run_details_and_reads_them(void)
{
	static const char *const script[] = {JSON_200("{\"workflow_run_id\":42,"
	    "\"run_url\":\"https://api.github.com/repos/acme/shop/actions/runs/42\","
	    "\"html_url\":\"" RUN_HTML "\"}"), NULL};
	struct ts_server s;
	struct github_run run;
	char why[PR_WHY_LEN] = "";

	CHECK(ts_start(&s, script) == 0);
	setenv("GITHUB_API_URL", s.url, 1);
	CHECK(github_dispatch_run(TOKEN, "acme/shop", "deploy.yml", "main", NULL, &run, why, sizeof why) == PR_OK);
	ts_stop(&s);
	CHECK_STR(s.reqs[0].body.data, "{\"ref\":\"main\",\"inputs\":{},\"return_run_details\":true}");
	CHECK(run.id == 42);
	CHECK_STR(run.html_url, RUN_HTML);
	CHECK_STR(run.status, "queued");
	ts_free(&s);
}

static void
test_dispatch_run_answered_204_dispatched_without_a_run(void)
{
	static const char *const script[] = {TS_204, NULL};
	struct ts_server s;
	struct github_run run;
	char why[PR_WHY_LEN] = "";

	CHECK(ts_start(&s, script) == 0);
	setenv("GITHUB_API_URL", s.url, 1);
	CHECK(github_dispatch_run(TOKEN, "acme/shop", "deploy.yml", "main", NULL, &run, why, sizeof why) == PR_OK);
	ts_stop(&s);
	CHECK(run.id == 0);
	CHECK(github_run_wait(TOKEN, "acme/shop", &run, 1, 0.01, why, sizeof why) == PR_EXTERNAL);
	CHECK(strstr(why, "cannot wait") != NULL);
	ts_free(&s);
}

/* Wait on run 42 against a server answering script; *s keeps the record. */
static int
wait_run(struct ts_server *s, const char *const *script, double timeout_s, struct github_run *run, char *why)
{
	int rc;

	memset(run, 0, sizeof *run);
	run->id = 42;
	if (ts_start(s, script) != 0)
		return -1;
	setenv("GITHUB_API_URL", s->url, 1);
	rc = github_run_wait(TOKEN, "acme/shop", run, timeout_s, 0.01, why, PR_WHY_LEN);
	ts_stop(s);
	return rc;
}

static void
test_wait_polls_the_run_until_it_succeeds(void)
{
	static const char *const script[] = {RUN_JSON("queued", "null"), RUN_JSON("in_progress", "null"),
	    RUN_JSON("completed", "\"success\""), NULL};
	struct ts_server s;
	struct github_run run;
	char why[PR_WHY_LEN] = "", v[128];

	CHECK(wait_run(&s, script, 10, &run, why) == PR_OK);
	CHECK(s.nreqs == 3);
	CHECK_STR(s.reqs[0].method, "GET");
	CHECK_STR(s.reqs[0].target, "/repos/acme/shop/actions/runs/42");
	CHECK_STR(ts_header(&s.reqs[0], "Authorization", v, sizeof v), "Bearer " TOKEN);
	CHECK_STR(run.conclusion, "success");
	ts_free(&s);
}

static void
test_wait_on_a_failed_run_is_external_with_its_url(void)
{
	static const char *const names[] = {"failure", "cancelled", "timed_out"};
	static const char *const failure[] = {
		RUN_JSON("in_progress", "null"), RUN_JSON("completed", "\"failure\""), NULL
	};
	static const char *const cancelled[] = {RUN_JSON("completed", "\"cancelled\""), NULL};
	static const char *const timed_out[] = {RUN_JSON("completed", "\"timed_out\""), NULL};
	const char *const *scripts[] = {failure, cancelled, timed_out};

	for (size_t i = 0; i < 3; i++) {
		struct ts_server s;
		struct github_run run;
		char why[PR_WHY_LEN] = "", want[PR_WHY_LEN];

		CHECK(wait_run(&s, scripts[i], 10, &run, why) == PR_EXTERNAL);
		snprintf(want, sizeof want, "run 42 concluded %s: " RUN_HTML, names[i]);
		CHECK_STR(why, want);
		CHECK(strstr(why, TOKEN) == NULL);
		ts_free(&s);
	}
}

static void
test_wait_gives_up_after_the_timeout(void)
{
	static const char *const script[] = {RUN_JSON("in_progress", "null"), NULL};
	struct ts_server s;
	struct github_run run;
	char why[PR_WHY_LEN] = "";
	double start_ms = util_mono_ms();

	CHECK(wait_run(&s, script, 0.1, &run, why) == PR_EXTERNAL);
	CHECK(util_mono_ms() - start_ms < 2000);
	CHECK(s.nreqs >= 2);
	CHECK(strstr(why, "run 42 still in_progress after") != NULL);
	CHECK(strstr(why, RUN_HTML) != NULL);
	ts_free(&s);
}

static void
test_wait_reports_an_api_error(void)
{
	static const char *const script[] = {
		"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\n"
		"Content-Length: 23\r\n\r\n{\"message\":\"Not Found\"}", NULL};
	struct ts_server s;
	struct github_run run;
	char why[PR_WHY_LEN] = "";

	CHECK(wait_run(&s, script, 10, &run, why) == PR_EXTERNAL);
	CHECK_STR(why, "GitHub API 404: Not Found");
	ts_free(&s);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	RUN(test_dispatch_posts_ref_and_inputs_to_the_workflow);
	RUN(test_no_inputs_send_an_empty_object);
	RUN(test_workflow_and_repo_name_are_percent_encoded);
	RUN(test_trailing_slash_of_the_api_url_is_dropped);
	RUN(test_error_is_status_and_githubs_message_without_the_token);
	RUN(test_error_without_a_json_message_says_unexpected_response);
	RUN(test_success_is_204_only);
	RUN(test_repo_that_is_not_owner_slash_name_is_bad_input_unsent);
	RUN(test_dispatch_run_asks_for_run_details_and_reads_them);
	RUN(test_dispatch_run_answered_204_dispatched_without_a_run);
	RUN(test_wait_polls_the_run_until_it_succeeds);
	RUN(test_wait_on_a_failed_run_is_external_with_its_url);
	RUN(test_wait_gives_up_after_the_timeout);
	RUN(test_wait_reports_an_api_error);
	curl_global_cleanup();
	return t_done();
}
