/* failure.c: see failure.h. */
#include <curl/curl.h>

#include "failure.h"

static const char *const class_names[PR_PROBE_NCLASSES] = {
	[PR_PROBE_OK] = "ok",
	[PR_PROBE_DNS] = "dns",
	[PR_PROBE_CONNECT] = "connect",
	[PR_PROBE_TLS] = "tls",
	[PR_PROBE_TIMEOUT] = "timeout",
	[PR_PROBE_RESET] = "reset",
	[PR_PROBE_STATUS] = "status",
	[PR_PROBE_OTHER] = "other",
};

const char *
pr_probe_class_name(enum pr_probe_class c)
{
	return (unsigned)c < PR_PROBE_NCLASSES ? class_names[c] : "other";
}

enum pr_probe_class
pr_probe_classify(int curl_code)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		return PR_PROBE_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return PR_PROBE_DNS;
	case CURLE_COULDNT_CONNECT:
		return PR_PROBE_CONNECT;
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
		return PR_PROBE_TLS;
	case CURLE_OPERATION_TIMEDOUT:
		return PR_PROBE_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return PR_PROBE_RESET;
	default:
		return PR_PROBE_OTHER;
	}
}
