/* test_probe.c: lib/probe: failure classes and timing of real requests to
 * loopback sockets (no server needed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "probe.h"
#include "t.h"

/* A loopback socket: listening (connects complete, nothing answers) or only
 * bound (connects are refused).  Returns the fd; *port is its port. */
static int
loopback(int listening, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&a, sizeof a);
	if (listening)
		listen(fd, 4);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
test_class_names_match_document_keys(void)
{
	CHECK_STR(failure_name(PR_FAILURE_DNS), "dns");
	CHECK_STR(failure_name(PR_FAILURE_CONNECT), "connect");
	CHECK_STR(failure_name(PR_FAILURE_TLS), "tls");
	CHECK_STR(failure_name(PR_FAILURE_TIMEOUT), "timeout");
	CHECK_STR(failure_name(PR_FAILURE_RESET), "reset");
	CHECK_STR(failure_name(PR_FAILURE_STATUS), "status");
	CHECK_STR(failure_name(PR_FAILURE_OTHER), "other");
	CHECK_STR(failure_name(PR_FAILURE_NCLASSES), "other");
}

static void
test_classify_curl_codes(void)
{
	CHECK(failure_from_curl(CURLE_OK) == PR_FAILURE_OK);
	CHECK(failure_from_curl(CURLE_COULDNT_RESOLVE_HOST) == PR_FAILURE_DNS);
	CHECK(failure_from_curl(CURLE_COULDNT_CONNECT) == PR_FAILURE_CONNECT);
	CHECK(failure_from_curl(CURLE_SSL_CONNECT_ERROR) == PR_FAILURE_TLS);
	CHECK(failure_from_curl(CURLE_PEER_FAILED_VERIFICATION) == PR_FAILURE_TLS);
	CHECK(failure_from_curl(CURLE_OPERATION_TIMEDOUT) == PR_FAILURE_TIMEOUT);
	CHECK(failure_from_curl(CURLE_RECV_ERROR) == PR_FAILURE_RESET);
	CHECK(failure_from_curl(CURLE_GOT_NOTHING) == PR_FAILURE_RESET);
	CHECK(failure_from_curl(CURLE_URL_MALFORMAT) == PR_FAILURE_OTHER);
}

static void
test_refused_connection_is_connect_error(void)
{
	int port, fd = loopback(0, &port);
	char url[64];
	struct probe *p = probe_new();
	struct probe_req req = { .url = url, .timeout_s = 2 };
	struct probe_result res;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	CHECK(p != NULL);
	CHECK(probe_do(p, &req, &res) == -1);
	CHECK(res.cls == PR_FAILURE_CONNECT);
	CHECK(res.status == 0);
	CHECK(res.error[0] != '\0');
	probe_free(p);
	close(fd);
}

static void
test_silent_server_times_out_after_connecting(void)
{
	int port, fd = loopback(1, &port);
	char url[64];
	struct probe *p = probe_new();
	struct probe_req req = { .url = url, .timeout_s = 0.2, .fresh = true };
	struct probe_result res;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	CHECK(probe_do(p, &req, &res) == -1);
	CHECK(res.cls == PR_FAILURE_TIMEOUT);
	CHECK(res.total_ms >= 190 && res.total_ms < 1000);
	CHECK(res.start_ms == 0);
	probe_free(p);
	close(fd);
}

static void
test_malformed_url_is_other(void)
{
	struct probe *p = probe_new();
	struct probe_req req = { .url = "http://[::1/", .timeout_s = 1 };
	struct probe_result res;

	CHECK(probe_do(p, &req, &res) == -1);
	CHECK(res.cls == PR_FAILURE_OTHER);
	probe_free(p);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	RUN(test_class_names_match_document_keys);
	RUN(test_classify_curl_codes);
	RUN(test_refused_connection_is_connect_error);
	RUN(test_silent_server_times_out_after_connecting);
	RUN(test_malformed_url_is_other);
	curl_global_cleanup();
	return t_done();
}
