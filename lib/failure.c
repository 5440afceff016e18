/* failure.c: see failure.h. */
#include <strings.h>

#include <curl/curl.h>

#include "failure.h"

/* In enum failure's order; test_probe checks each name. */
static const char *const class_names[PR_FAILURE_NCLASSES] = {
	"ok", "dns", "connect", "tls", "timeout", "reset", "status", "other",
};

const char *
failure_name(enum failure c)
{
	return (unsigned)c < PR_FAILURE_NCLASSES ? class_names[c] : "other";
}

/*
 * HTTP/2's errors are resets: CURLE_HTTP2_STREAM is a stream the server
 * reset (RST_STREAM) or a connection closed under it (GOAWAY), the HTTP/2
 * form of a TCP reset on HTTP/1.1; CURLE_HTTP2 is the same loss seen by the
 * framing layer.  Both are what a retry is for (http.c).
 */
enum failure
failure_from_curl(int curl_code)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		return PR_FAILURE_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return PR_FAILURE_DNS;
	case CURLE_COULDNT_CONNECT:
		return PR_FAILURE_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return PR_FAILURE_TLS;
	case CURLE_OPERATION_TIMEDOUT:
		return PR_FAILURE_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return PR_FAILURE_RESET;
	default:
		return PR_FAILURE_OTHER;
	}
}

/* Whether curl's https transfer lost its new connection mid-handshake. */
static bool
handshake_cut(CURL *curl)
{
	const char *scheme = NULL;
	curl_off_t appconnect_us = 0;
	long connects = 0;

	if (curl_easy_getinfo(curl, CURLINFO_SCHEME, &scheme) != CURLE_OK || !scheme ||
	    strcasecmp(scheme, "https") != 0)
		return false;
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
	curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &appconnect_us);
	return connects > 0 && appconnect_us <= 0;
}

enum failure
failure_of_transfer(CURL *curl, int curl_code)
{
	enum failure c = failure_from_curl(curl_code);

	if (c == PR_FAILURE_RESET && handshake_cut(curl))
		return PR_FAILURE_TLS;
	return c;
}

enum failure
failure_of_status(long status, long expect_status)
{
	bool ok = expect_status ? status == expect_status : status >= 200 && status <= 299;

	return ok ? PR_FAILURE_OK : PR_FAILURE_STATUS;
}
