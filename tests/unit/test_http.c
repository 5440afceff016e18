/*
 * test_http.c: lib/http's request, its one retry loop (each part of a
 * policy decides: classes, statuses, count, Retry-After) and header reading,
 * against a scripted server on 127.0.0.1 (tserver.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pr.h"
#include "http.h"
#include "t.h"
#include "tserver.h"
#include "util.h"

/* Retries in these tests wait this long, not the default half second. */
#define FAST_BACKOFF_MS 1.0

/* A stalled attempt gives up after this long (TS_STALL waits longer). */
#define STALL_TIMEOUT_S 0.3

#define OK_HELLO "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
#define TS_429 "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

/* on_attempt: count the attempts into *(int *)arg. */
static void
count_attempt(void *arg, const struct http_resp *resp)
{
	(void)resp;
	++*(int *)arg;
}

/* GET url under policy p (backoff FAST_BACKOFF_MS unless it sets one), an
 * attempt given timeout_s (0: the default); *calls counts the attempts
 * on_attempt saw. */
static int
get_policy(const char *url, struct http_retry p, double timeout_s, struct http_resp *resp, int *calls)
{
	struct http_req req = {.url = url, .timeout_s = timeout_s, .retry = p};

	if (!req.retry.backoff_ms)
		req.retry.backoff_ms = FAST_BACKOFF_MS;
	*calls = 0;
	req.retry.on_attempt = count_attempt;
	req.retry.arg = calls;
	return http_do(&req, resp);
}

/* GET url with retries extra tries. */
static int
get(const char *url, int retries, struct http_resp *resp)
{
	int calls;

	return get_policy(url, (struct http_retry){.retries = retries}, 0, resp, &calls);
}

/* Serve script on a new server *s and GET it with retries extra tries;
 * -1 (and an empty *resp) when the server cannot start.  The requests it
 * saw stay in *s until ts_free(). */
static int
get_scripted(struct ts_server *s, const char *const *script, int retries, struct http_resp *resp)
{
	int rc;

	if (ts_start(s, script) != 0) {
		*resp = (struct http_resp){0};
		return -1;
	}
	rc = get(s->url, retries, resp);
	ts_stop(s);
	return rc;
}

static void
test_transient_5xx_is_retried_until_a_success(void)
{
	static const char *const script[] = {TS_503, TS_503, OK_HELLO, NULL};
	struct ts_server s;
	struct http_resp resp;

	CHECK(get_scripted(&s, script, 3, &resp) == PR_OK);
	CHECK(resp.status == 200);
	CHECK(resp.attempts == 3);
	CHECK_STR(resp.body.data, "hello");
	CHECK(s.nreqs == 3);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_default_policy_retries_5xx_until_success(void)
{
	static const char *const script[] = {TS_503, TS_503, OK_HELLO, NULL};
	struct ts_server s;
	struct http_resp resp;
	int calls;

	CHECK(ts_start(&s, script) == 0);
	CHECK(get_policy(s.url, (struct http_retry){0}, 0, &resp, &calls) == PR_OK);
	ts_stop(&s);
	CHECK(resp.status == 200 && resp.attempts == 3 && calls == 3);
	CHECK(resp.failure == PR_FAILURE_OK);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_statuses_are_retried_only_when_the_class_is_in_the_policy(void)
{
	static const char *const script[] = {TS_503, OK_HELLO, NULL};
	struct http_retry connect_only = {.classes = PR_FAILURE_BIT(PR_FAILURE_CONNECT)};
	struct ts_server s;
	struct http_resp resp;
	int calls;

	CHECK(ts_start(&s, script) == 0);
	CHECK(get_policy(s.url, connect_only, 0, &resp, &calls) == PR_OK);
	ts_stop(&s);
	CHECK(resp.status == 503 && resp.attempts == 1 && calls == 1);
	http_resp_free(&resp);
	ts_free(&s);
}

static bool
server_error(long status)
{
	return status >= 500;
}

static void
test_the_policy_says_which_statuses_are_transient(void)
{
	static const char *const script[] = {TS_429, NULL};
	struct http_retry fives = {.retries = 1, .classes = PR_FAILURE_BIT(PR_FAILURE_STATUS),
		.transient = server_error};
	struct http_retry dflt = {.retries = 1};
	struct ts_server s;
	struct http_resp resp;
	int calls;

	CHECK(ts_start(&s, script) == 0);
	CHECK(get_policy(s.url, fives, 0, &resp, &calls) == PR_OK);
	CHECK(resp.status == 429 && resp.attempts == 1);
	http_resp_free(&resp);
	CHECK(get_policy(s.url, dflt, 0, &resp, &calls) == PR_OK);
	CHECK(resp.status == 429 && resp.attempts == 2);
	http_resp_free(&resp);
	ts_stop(&s);
	ts_free(&s);
}

static void
test_timeouts_are_retried_by_default_and_not_when_left_out(void)
{
	static const char *const script[] = {TS_STALL, NULL};
	struct http_retry no_timeout = {.retries = 1, .classes = PR_FAILURE_BIT(PR_FAILURE_CONNECT)};
	struct http_retry dflt = {.retries = 1};
	struct ts_server s;
	struct http_resp resp;
	int calls;

	CHECK(ts_start(&s, script) == 0);
	CHECK(get_policy(s.url, no_timeout, STALL_TIMEOUT_S, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.failure == PR_FAILURE_TIMEOUT && resp.attempts == 1 && calls == 1);
	http_resp_free(&resp);
	CHECK(get_policy(s.url, dflt, STALL_TIMEOUT_S, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.failure == PR_FAILURE_TIMEOUT && resp.attempts == 2 && calls == 2);
	http_resp_free(&resp);
	ts_stop(&s);
	ts_free(&s);
}

static void
test_retries_stop_at_the_limit_and_return_the_last_response(void)
{
	static const char *const script[] = {TS_503, NULL};
	struct ts_server s;
	struct http_resp resp;

	/* A response arrived: the caller judges the status. */
	CHECK(get_scripted(&s, script, 2, &resp) == PR_OK);
	CHECK(resp.status == 503);
	CHECK(resp.attempts == 3);
	CHECK(s.nreqs == 3);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_client_errors_are_not_retried(void)
{
	static const char *const script[] = {
		"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", NULL};
	struct ts_server s;
	struct http_resp resp;

	CHECK(get_scripted(&s, script, 3, &resp) == PR_OK);
	CHECK(resp.status == 404);
	CHECK(resp.attempts == 1);
	CHECK(s.nreqs == 1);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_no_retries_means_one_attempt(void)
{
	static const char *const script[] = {TS_503, NULL};
	struct ts_server s;
	struct http_resp resp;

	CHECK(get_scripted(&s, script, -1, &resp) == PR_OK);
	CHECK(resp.attempts == 1);
	CHECK(s.nreqs == 1);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_retry_after_seconds_replaces_the_backoff(void)
{
	static const char *const script[] = {
		"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
		OK_HELLO, NULL};
	struct ts_server s;
	struct http_resp resp;
	double start_ms = util_mono_ms(), took_ms;

	CHECK(ts_start(&s, script) == 0);
	CHECK(get(s.url, 1, &resp) == PR_OK);
	took_ms = util_mono_ms() - start_ms;
	ts_stop(&s);
	CHECK(resp.status == 200);
	CHECK(resp.attempts == 2);
	/* Retry-After's 1 s, not the 1 ms backoff (and not much more). */
	CHECK(took_ms >= 1000 && took_ms < 5000);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_dropped_connection_is_retried(void)
{
	static const char *const script[] = {TS_DROP, OK_HELLO, NULL};
	struct ts_server s;
	struct http_resp resp;

	CHECK(get_scripted(&s, script, 1, &resp) == PR_OK);
	CHECK(resp.status == 200);
	CHECK(resp.attempts == 2);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_refused_connection_is_external_after_the_retries(void)
{
	char url[64];
	struct http_resp resp;
	int calls;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ts_closed_port());
	CHECK(get_policy(url, (struct http_retry){.retries = 2}, 0, &resp, &calls) == PR_EXTERNAL);
	CHECK(resp.status == 0);
	CHECK(resp.failure == PR_FAILURE_CONNECT && resp.attempts == 3 && calls == 3);
	CHECK(resp.curl_code == CURLE_COULDNT_CONNECT);
	CHECK(resp.error[0] != '\0');
	http_resp_free(&resp);
}

static void
test_timeout_is_external_with_curls_code(void)
{
	static const char *const script[] = {TS_STALL, NULL};
	struct ts_server s;
	struct http_req req = {.retry.retries = -1, .timeout_s = 0.2};
	struct http_resp resp;

	CHECK(ts_start(&s, script) == 0);
	req.url = s.url;
	CHECK(http_do(&req, &resp) == PR_EXTERNAL);
	ts_stop(&s);
	CHECK(resp.curl_code == CURLE_OPERATION_TIMEDOUT);
	CHECK(resp.attempts == 1);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_request_carries_method_headers_and_body(void)
{
	static const char *const script[] = {TS_204, NULL};
	static const char *const headers[] = {"X-Test: one", "Content-Type: text/plain", NULL};
	struct ts_server s;
	struct http_req req = {.method = "PUT", .headers = headers, .body = "abc", .body_len = 3};
	struct http_resp resp;
	char v[64];

	CHECK(ts_start(&s, script) == 0);
	req.url = s.url;
	CHECK(http_do(&req, &resp) == PR_OK);
	ts_stop(&s);
	CHECK(resp.status == 204);
	CHECK(s.nreqs == 1);
	CHECK_STR(s.reqs[0].method, "PUT");
	CHECK_STR(s.reqs[0].target, "/");
	CHECK_STR(ts_header(&s.reqs[0], "x-test", v, sizeof v), "one");
	CHECK_STR(ts_header(&s.reqs[0], "Content-Length", v, sizeof v), "3");
	CHECK_STR(s.reqs[0].body.data, "abc");
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_header_with_a_line_break_is_refused_unsent(void)
{
	static const char *const script[] = {TS_204, NULL};
	static const char *const headers[] = {"X-Evil: a\r\nX-Injected: b", NULL};
	struct ts_server s;
	struct http_req req = {.headers = headers};
	struct http_resp resp;

	CHECK(ts_start(&s, script) == 0);
	req.url = s.url;
	CHECK(http_do(&req, &resp) == PR_EXTERNAL);
	ts_stop(&s);
	CHECK(s.nreqs == 0);
	CHECK(strstr(resp.error, "line break") != NULL);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_headers_are_the_final_responses_after_a_redirect(void)
{
	static const char *const script[] = {
		"HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: /next\r\nX-First: 1\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nX-Second:   two  \r\nContent-Length: 0\r\n\r\n", NULL};
	struct ts_server s;
	struct http_req req = {.follow_redirects = true, .retry.retries = -1};
	struct http_resp resp;
	char v[64];

	CHECK(ts_start(&s, script) == 0);
	req.url = s.url;
	CHECK(http_do(&req, &resp) == PR_OK);
	ts_stop(&s);
	CHECK(resp.status == 200);
	CHECK_STR(s.reqs[1].target, "/next");
	CHECK(http_header(&resp, "X-First", v, sizeof v) == NULL);
	/* Case-insensitive, and the value trimmed. */
	CHECK_STR(http_header(&resp, "x-second", v, sizeof v), "two");
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_redirects_are_not_followed_unless_asked(void)
{
	static const char *const script[] = {
		"HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n", NULL};
	struct ts_server s;
	struct http_resp resp;

	CHECK(get_scripted(&s, script, -1, &resp) == PR_OK);
	CHECK(resp.status == 302);
	CHECK(s.nreqs == 1);
	http_resp_free(&resp);
	ts_free(&s);
}

static void
test_retry_after_reads_seconds_and_http_dates(void)
{
	char date[64];
	time_t later = time(NULL) + 10;
	struct tm tm;

	CHECK_NEAR(http_retry_after_ms("5"), 5000, 1e-9);
	CHECK_NEAR(http_retry_after_ms(" 0.5"), 500, 1e-9);
	gmtime_r(&later, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	CHECK_NEAR(http_retry_after_ms(date), 10000, 2000);
	CHECK(http_retry_after_ms("Thu, 01 Jan 2015 00:00:00 GMT") == 0);
	CHECK(http_retry_after_ms("soon") == -1);
}

static void
test_transient_statuses_are_408_429_and_5xx(void)
{
	CHECK(http_transient(408));
	CHECK(http_transient(429));
	CHECK(http_transient(500));
	CHECK(http_transient(599));
	CHECK(!http_transient(200));
	CHECK(!http_transient(400));
	CHECK(!http_transient(404));
	CHECK(!http_transient(600));
}

static void
test_error_message_takes_the_apis_then_the_body(void)
{
	struct http_resp resp = {0};
	char out[64];

	snprintf(resp.error, sizeof resp.error, "Couldn't connect\nto server");
	http_error_message(&resp, NULL, false, 8, out, sizeof out);	/* no response: the transport's */
	CHECK_STR(out, "Couldn't connect to server");
	resp.status = 502;
	buf_adds(&resp.body, "<html>\nBad gateway</html>");
	http_error_message(&resp, "quota\texceeded", true, 8, out, sizeof out);
	CHECK_STR(out, "quota exceeded");
	http_error_message(&resp, NULL, false, 8, out, sizeof out);	/* not JSON: a snippet */
	CHECK_STR(out, "<html> B");
	http_error_message(&resp, NULL, true, 8, out, sizeof out);	/* JSON without a message */
	CHECK_STR(out, "no error details in the response");
	buf_free(&resp.body);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	RUN(test_transient_5xx_is_retried_until_a_success);
	RUN(test_default_policy_retries_5xx_until_success);
	RUN(test_statuses_are_retried_only_when_the_class_is_in_the_policy);
	RUN(test_the_policy_says_which_statuses_are_transient);
	RUN(test_timeouts_are_retried_by_default_and_not_when_left_out);
	RUN(test_error_message_takes_the_apis_then_the_body);
	RUN(test_retries_stop_at_the_limit_and_return_the_last_response);
	RUN(test_client_errors_are_not_retried);
	RUN(test_no_retries_means_one_attempt);
	RUN(test_retry_after_seconds_replaces_the_backoff);
	RUN(test_dropped_connection_is_retried);
	RUN(test_refused_connection_is_external_after_the_retries);
	RUN(test_timeout_is_external_with_curls_code);
	RUN(test_request_carries_method_headers_and_body);
	RUN(test_header_with_a_line_break_is_refused_unsent);
	RUN(test_headers_are_the_final_responses_after_a_redirect);
	RUN(test_redirects_are_not_followed_unless_asked);
	RUN(test_retry_after_reads_seconds_and_http_dates);
	RUN(test_transient_statuses_are_408_429_and_5xx);
	curl_global_cleanup();
	return t_done();
}
