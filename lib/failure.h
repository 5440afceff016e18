/*
 * failure.h: why a request did not count, as every document names it.
 */
#ifndef PR_FAILURE_H
#define PR_FAILURE_H

/* Why a request did not count.  PR_PROBE_OK for a success. */
enum pr_probe_class {
	PR_PROBE_OK = 0,
	PR_PROBE_DNS,		/* the name did not resolve */
	PR_PROBE_CONNECT,	/* refused or unreachable */
	PR_PROBE_TLS,		/* handshake or certificate failure */
	PR_PROBE_TIMEOUT,	/* the request's time ran out */
	PR_PROBE_RESET,		/* connection reset, closed or nothing received */
	PR_PROBE_STATUS,	/* a response with an unexpected status */
	PR_PROBE_OTHER,		/* anything else libcurl reports */
	PR_PROBE_NCLASSES
};

/* The class's name as used in documents ("dns", ..., "other"); "ok" for OK. */
const char *pr_probe_class_name(enum pr_probe_class c);

/* The class of a libcurl transport error (a CURLcode; never PR_PROBE_STATUS). */
enum pr_probe_class pr_probe_classify(int curl_code);

#endif
