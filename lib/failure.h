/*
 * failure.h: why a request did not count, one taxonomy for every document.
 *
 * pr-bench's sample and load modes, pr-qa and the retrying HTTP layer sort
 * a failed request into one of these classes, here and nowhere else, so
 * that the same failure has the same name in every document and pr-compare
 * compares like with like.  The names ("dns", "connect", "tls", "timeout",
 * "reset", "status", "other") are a contract: schemas/bench.schema.json and
 * pr-json(5).
 *
 * libcurl's errors go through failure_from_curl.  An engine that does
 * its own socket I/O (loadgen's epoll engine) uses the class libcurl would
 * give the same event:
 *   the name does not resolve                          dns
 *   connect() fails, whatever the errno                connect
 *   send() or recv() fails, whatever the errno         reset
 *   the peer closes before the response is complete    reset
 *   the request's time runs out                        timeout
 *   a response that cannot be parsed or is too large   other
 *   a final status that is not the expected one        status
 * and over its TLS transport (transport.h):
 *   the handshake or the certificate check fails,
 *   or the connection is lost before it ends           tls
 *   a TLS read or write fails after the handshake      reset
 * and in HTTP/2 (loadgen_h2.c):
 *   a stream reset by the server (RST_STREAM, or a
 *   connection lost with the stream open)              reset
 *   a frame nghttp2 cannot accept, a stream ended
 *   without a response                                 other
 * (libcurl: CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR / CURLE_RECV_ERROR,
 * CURLE_PARTIAL_FILE / CURLE_GOT_NOTHING, CURLE_OPERATION_TIMEDOUT,
 * CURLE_WEIRD_SERVER_REPLY; interim 1xx responses are not final and are
 * skipped by both.)
 */
#ifndef PR_FAILURE_H
#define PR_FAILURE_H

#include <stdbool.h>
#include <curl/curl.h>

/* Why a request did not count.  PR_FAILURE_OK for a success. */
enum failure {
	PR_FAILURE_OK = 0,
	PR_FAILURE_DNS,		/* the name did not resolve */
	PR_FAILURE_CONNECT,	/* refused or unreachable */
	PR_FAILURE_TLS,		/* handshake or certificate failure, or the
				 * connection lost before the handshake ended */
	PR_FAILURE_TIMEOUT,	/* the request's time ran out */
	PR_FAILURE_RESET,	/* connection or HTTP/2 stream reset, closed or
				 * nothing received */
	PR_FAILURE_STATUS,	/* a response with an unexpected status */
	PR_FAILURE_OTHER,	/* anything else */
	PR_FAILURE_NCLASSES
};

/* A set of classes, as a bit mask (struct http_retry). */
#define PR_FAILURE_BIT(c) (1u << (c))

/* The class's name as used in documents ("dns", ..., "other"); "ok" for OK. */
const char *failure_name(enum failure c);

/* The class of a libcurl transport error (a CURLcode; never PR_FAILURE_STATUS). */
enum failure failure_from_curl(int curl_code);

/*
 * The class of curl_code as the transfer on curl ended: as
 * failure_from_curl, except that an https connection lost before its
 * TLS handshake completed (a plain-HTTP server resets it) is tls, not reset.
 * Every libcurl caller classifies through this.
 */
enum failure failure_of_transfer(CURL *curl, int curl_code);

/* PR_FAILURE_OK for a final status that counts (exactly expect_status when
 * that is set, any 2xx otherwise), PR_FAILURE_STATUS for any other. */
enum failure failure_of_status(long status, long expect_status);

#endif
