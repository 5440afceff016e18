/* test_failure.c: lib/failure: the one taxonomy, and the drifts it settled
 * between sample mode, load mode and the HTTP layer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "failure.h"
#include "t.h"

/* Drift: sample mode said "other", load mode "reset". */
static void
test_http2_stream_errors_are_resets(void)
{
	CHECK(failure_from_curl(CURLE_HTTP2_STREAM) == PR_FAILURE_RESET);
	CHECK(failure_from_curl(CURLE_HTTP2) == PR_FAILURE_RESET);
}

/* Drift: load mode knew five TLS codes and called the rest "other". */
static void
test_every_tls_failure_is_tls(void)
{
	static const CURLcode tls[] = {
		CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
		CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_ENGINE_NOTFOUND,
		CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED,
		CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
		CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
	};

	for (size_t i = 0; i < sizeof tls / sizeof *tls; i++)
		CHECK(failure_from_curl(tls[i]) == PR_FAILURE_TLS);
}

static void
test_a_counted_status_is_2xx_or_the_expected_one(void)
{
	CHECK(failure_of_status(200, 0) == PR_FAILURE_OK);
	CHECK(failure_of_status(299, 0) == PR_FAILURE_OK);
	CHECK(failure_of_status(301, 0) == PR_FAILURE_STATUS);
	CHECK(failure_of_status(101, 0) == PR_FAILURE_STATUS);
	CHECK(failure_of_status(404, 404) == PR_FAILURE_OK);
	CHECK(failure_of_status(200, 201) == PR_FAILURE_STATUS);
}

/* A loopback server that accepts one connection and closes it unanswered;
 * returns its pid, *port its port. */
static pid_t
close_once(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	bind(fd, (struct sockaddr *)&a, sizeof a);
	listen(fd, 4);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	if ((pid = fork()) == 0) {
		int c = accept(fd, NULL, NULL);

		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* The class of one GET of scheme://127.0.0.1:port/ against close_once(). */
static enum failure
get_closed(const char *scheme)
{
	char url[64];
	int port;
	pid_t pid = close_once(&port);
	CURL *curl = curl_easy_init();
	CURLcode c;
	enum failure f;

	snprintf(url, sizeof url, "%s://127.0.0.1:%d/", scheme, port);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	c = curl_easy_perform(curl);
	f = failure_of_transfer(curl, (int)c);
	curl_easy_cleanup(curl);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return f;
}

/* A connection lost before its TLS handshake ended is a TLS failure (the
 * URL's scheme is wrong, or the server is not speaking TLS), a connection
 * lost before a plain HTTP response a reset: what every engine reports. */
static void
test_connection_lost_before_tls_handshake_is_tls(void)
{
	CHECK(get_closed("https") == PR_FAILURE_TLS);
	CHECK(get_closed("http") == PR_FAILURE_RESET);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	RUN(test_http2_stream_errors_are_resets);
	RUN(test_every_tls_failure_is_tls);
	RUN(test_a_counted_status_is_2xx_or_the_expected_one);
	RUN(test_connection_lost_before_tls_handshake_is_tls);
	curl_global_cleanup();
	return t_done();
}
