/*
 * failure.h: why a request did not count, as every document names it.
 */
#ifndef PR_FAILURE_H
#define PR_FAILURE_H

/* Why a request did not count.  PR_FAILURE_OK for a success. */
enum pr_failure {
	PR_FAILURE_OK = 0,
	PR_FAILURE_DNS,		/* the name did not resolve */
	PR_FAILURE_CONNECT,	/* refused or unreachable */
	PR_FAILURE_TLS,		/* handshake or certificate failure */
	PR_FAILURE_TIMEOUT,	/* the request's time ran out */
	PR_FAILURE_RESET,		/* connection reset, closed or nothing received */
	PR_FAILURE_STATUS,	/* a response with an unexpected status */
	PR_FAILURE_OTHER,		/* anything else libcurl reports */
	PR_FAILURE_NCLASSES
};

/* The class's name as used in documents ("dns", ..., "other"); "ok" for OK. */
const char *pr_failure_name(enum pr_failure c);

/* The class of a libcurl transport error (a CURLcode; never PR_FAILURE_STATUS). */
enum pr_failure pr_failure_from_curl(int curl_code);

#endif
