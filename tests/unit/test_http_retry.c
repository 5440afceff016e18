/*
 * test_http_retry.c: lib/http's one retry loop against tests/fixtures/httpd.py:
 * each part of a policy (classes, statuses, count, Retry-After) decides.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "t.h"
#include "util.h"

#define QUICK_BACKOFF_MS 5.0

static pid_t fixture_pid = -1;
static char base_url[128];
static char tmpdir[] = "/tmp/test_http.XXXXXX";

/* Start httpd.py; 0 or -1. */
static int
start_fixture(void)
{
	const char *argv[] = { "httpd.py", NULL };
	char port_path[256];

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(port_path, sizeof port_path, "%s/port", tmpdir);
	fixture_pid = t_server_start(argv, port_path, base_url, sizeof base_url);
	return fixture_pid < 0 ? -1 : 0;
}

static void
stop_fixture(void)
{
	char path[300];

	t_server_stop(fixture_pid);
	snprintf(path, sizeof path, "%s/port", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static void
count_attempt(void *arg, const struct http_resp *resp)
{
	(void)resp;
	++*(int *)arg;
}

/* GET path on the fixture with policy p (backoff QUICK_BACKOFF_MS unless
 * set); resp as http_do leaves it, *calls the on_attempt count. */
static int
get(const char *path, struct http_retry p, struct http_resp *resp, int *calls)
{
	char url[256];
	struct http_req req = { .url = url, .timeout_s = 0.3, .retry = p };

	snprintf(url, sizeof url, "%s%s", path[0] == '/' ? base_url : "", path);
	if (!req.retry.backoff_ms)
		req.retry.backoff_ms = QUICK_BACKOFF_MS;
	*calls = 0;
	req.retry.on_attempt = count_attempt;
	req.retry.arg = calls;
	return http_do(&req, resp);
}

static void
test_default_policy_retries_5xx_until_success(void)
{
	struct http_resp resp;
	int calls;

	CHECK(get("/flaky?key=d&fail=2", (struct http_retry){0}, &resp, &calls) == 0);
	CHECK(resp.status == 200 && resp.attempts == 3 && calls == 3);
	CHECK(resp.failure == PR_FAILURE_OK);
	http_resp_free(&resp);
}

static void
test_statuses_are_retried_only_when_the_class_is_in_the_policy(void)
{
	struct http_retry connect_only = { .classes = PR_FAILURE_BIT(PR_FAILURE_CONNECT) };
	struct http_resp resp;
	int calls;

	CHECK(get("/flaky?key=c&fail=1", connect_only, &resp, &calls) == 0);
	CHECK(resp.status == 503 && resp.attempts == 1 && calls == 1);
	http_resp_free(&resp);
}

static bool
server_error(long status)
{
	return status >= 500;
}

static void
test_the_policy_says_which_statuses_are_transient(void)
{
	struct http_retry fives = { .retries = 1, .classes = PR_FAILURE_BIT(PR_FAILURE_STATUS),
		.transient = server_error };
	struct http_retry dflt = { .retries = 1 };
	struct http_resp resp;
	int calls;

	CHECK(get("/status/429", fives, &resp, &calls) == 0);
	CHECK(resp.status == 429 && resp.attempts == 1);
	http_resp_free(&resp);
	CHECK(get("/status/429", dflt, &resp, &calls) == 0);
	CHECK(resp.status == 429 && resp.attempts == 2);
	http_resp_free(&resp);
}

static void
test_timeouts_are_retried_by_default_and_not_when_left_out(void)
{
	struct http_retry no_timeout = { .retries = 1, .classes = PR_FAILURE_BIT(PR_FAILURE_CONNECT) };
	struct http_retry dflt = { .retries = 1 };
	struct http_resp resp;
	int calls;

	CHECK(get("/sleep?ms=1000", no_timeout, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.failure == PR_FAILURE_TIMEOUT && resp.attempts == 1 && calls == 1);
	http_resp_free(&resp);
	CHECK(get("/sleep?ms=1000", dflt, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.failure == PR_FAILURE_TIMEOUT && resp.attempts == 2 && calls == 2);
	http_resp_free(&resp);
}

static void
test_refused_connection_is_retried_as_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), calls;
	char url[64];
	struct http_resp resp;

	/* Bound, not listening: connects are refused. */
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	CHECK(get(url, (struct http_retry){ .retries = 2 }, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.failure == PR_FAILURE_CONNECT && resp.attempts == 3 && calls == 3);
	http_resp_free(&resp);
	close(fd);
}

/* Retry-After replaces the backoff: 1 s asked, 5 ms backoff given. */
static void
test_retry_after_replaces_the_backoff(void)
{
	struct http_resp resp;
	double start_ms = util_mono_ms(), took_ms;
	int calls;

	CHECK(get("/flaky?key=ra&fail=1&retry_after=1", (struct http_retry){0}, &resp, &calls) == 0);
	took_ms = util_mono_ms() - start_ms;
	CHECK(resp.status == 200 && resp.attempts == 2);
	CHECK(took_ms >= 1000 && took_ms < 5000);
	http_resp_free(&resp);
}

int
main(void)
{
	if (start_fixture() != 0) {
		fprintf(stderr, "test_http: httpd.py did not start\n");
		stop_fixture();
		return 1;
	}
	RUN(test_default_policy_retries_5xx_until_success);
	RUN(test_statuses_are_retried_only_when_the_class_is_in_the_policy);
	RUN(test_the_policy_says_which_statuses_are_transient);
	RUN(test_timeouts_are_retried_by_default_and_not_when_left_out);
	RUN(test_refused_connection_is_retried_as_connect);
	RUN(test_retry_after_replaces_the_backoff);
	stop_fixture();
	return t_done();
}
