/* failure.c: see failure.h. */
#include <curl/curl.h>

#include "failure.h"

static const char *const class_names[PR_FAILURE_NCLASSES] = {
	[PR_FAILURE_OK] = "ok",
	[PR_FAILURE_DNS] = "dns",
	[PR_FAILURE_CONNECT] = "connect",
	[PR_FAILURE_TLS] = "tls",
	[PR_FAILURE_TIMEOUT] = "timeout",
	[PR_FAILURE_RESET] = "reset",
	[PR_FAILURE_STATUS] = "status",
	[PR_FAILURE_OTHER] = "other",
};

const char *
pr_failure_name(enum pr_failure c)
{
	return (unsigned)c < PR_FAILURE_NCLASSES ? class_names[c] : "other";
}

enum pr_failure
pr_failure_from_curl(int curl_code)
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
		return PR_FAILURE_RESET;
	default:
		return PR_FAILURE_OTHER;
	}
}
