/*
 * probe.h: one timed HTTP request, split into phases from libcurl's own
 * timers, for measuring (pr-bench) rather than for calling APIs (http.h).
 *
 * A probe owns one libcurl easy handle.  Successive requests on the same
 * probe reuse its connection (keep-alive) unless the request asks for a
 * fresh one, so a benchmark measures the server, not the handshake.  There
 * are no retries: a failure is a data point, classified for the report.
 *
 * Phases, in milliseconds with microsecond resolution, partition the
 * request: they add up to total exactly.  Each is the span between two of
 * libcurl's cumulative CURLINFO_*_TIME_T timers, taken as a running
 * maximum so that a timer libcurl leaves at 0 (a reused connection has no
 * connect or appconnect time) makes its phase 0 instead of a gap:
 *   dns       0 .. namelookup                  name lookup
 *   connect   namelookup .. connect            TCP connect, 0 when reused
 *   tls       connect .. appconnect            TLS handshake, 0 without
 *                                              TLS or when reused
 *   send      appconnect .. pretransfer        taking the connection and
 *                                              handing over the request;
 *                                              libcurl (7.88 at least)
 *                                              records pretransfer only
 *                                              after writing the request,
 *                                              on HTTP/1.1 and HTTP/2; a
 *                                              fast server may answer
 *                                              before or after it, so the
 *                                              split of send + ttfb
 *                                              varies, their sum does not
 *   ttfb      pretransfer .. starttransfer     the rest of the wait for
 *                                              the first response byte
 *   transfer  starttransfer .. total           first byte to last byte
 *   total     0 .. total                       the whole request
 * plus start_ms (0 .. starttransfer = dns + ... + ttfb), the headline
 * "ttfb" measure, as curl's %{time_starttransfer}.  These are the spans
 * curl -w shows between %{time_namelookup}, %{time_connect},
 * %{time_appconnect}, %{time_pretransfer}, %{time_starttransfer} and
 * %{time_total}.
 *
 * The end of each response header is acknowledged at once (TCP_QUICKACK), so
 * that a server writing header and body separately is not held up ~40 ms by
 * the client's delayed ACK meeting the server's Nagle algorithm.
 */
#ifndef PR_PROBE_H
#define PR_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "failure.h"

/* What to request.  Only url is required. */
struct probe_req {
	const char *url;
	const char *method;		/* NULL or "GET"; "HEAD" sends no body back */
	const char *const *headers;	/* NULL-terminated "Name: value", or NULL */
	const char *body;		/* request body or NULL */
	size_t body_len;
	double timeout_s;		/* whole request; <= 0 means PR_PROBE_TIMEOUT_S */
	long expect_status;		/* 0: any 2xx is a success */
	bool insecure;			/* skip TLS verification */
	bool fresh;			/* new connection, closed afterwards (cold start) */
};

#define PR_PROBE_TIMEOUT_S 10.0

struct probe_result {
	enum failure cls;	/* PR_FAILURE_OK or why it failed */
	long status;			/* HTTP status, 0 when none arrived */
	int curl_code;			/* CURLE_OK when a response arrived */
	char error[256];		/* transport error text, "" when none */
	double dns_ms, connect_ms, tls_ms, send_ms, ttfb_ms, transfer_ms, total_ms;
	double start_ms;		/* cumulative time to the first byte */
	size_t body_bytes;		/* bytes of response body read (discarded) */
};

struct probe;

/* A probe with its own easy handle; NULL when libcurl cannot make one.
 * Free with probe_free(), which closes its connections. */
struct probe *probe_new(void);
void probe_free(struct probe *p);

/*
 * Perform req on p and fill *res (always, also on failure).  Returns 0 when
 * the request succeeded (a 2xx status, or exactly expect_status when set)
 * and -1 otherwise, with res->cls saying why.  Nothing is reported.
 */
int probe_do(struct probe *p, const struct probe_req *req, struct probe_result *res);

#endif
