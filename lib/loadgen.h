/*
 * loadgen.h: the load engine behind pr-bench --load.
 *
 * One URL is driven by a fixed number of connections for a fixed time, in
 * one of two loops:
 *
 *   closed  each connection sends its next request when the previous
 *           response has arrived; latency runs from the moment it is sent.
 *   open    requests are due on a fixed schedule at rate_rps in total
 *           (request k at start + k / rate_rps) and go out on the first free
 *           connection; latency runs from the time the request was due, not
 *           from when it could be sent, so a server stall shows in the high
 *           percentiles instead of being hidden (no coordinated omission).
 *
 * http:// URLs run on a lean engine of its own (epoll, non-blocking sockets,
 * the request built once, a minimal HTTP/1.1 response parser, keep-alive)
 * over a transport table (transport.h); https:// URLs run HTTP/1.1 on the
 * same engine over its TLS transport (OpenSSL, ALPN http/1.1, sessions
 * resumed).  With http2, either scheme runs HTTP/2 on that engine through
 * libnghttp2 (ALPN h2 over TLS, prior knowledge over TCP), streams
 * requests at once on each connection.  Where the engine does not go, URLs
 * with credentials and URLs the environment sends through a proxy
 * (http_proxy, https_proxy, all_proxy less no_proxy, as libcurl reads
 * them), the run is on libcurl's multi interface, which speaks HTTP/2
 * where the server offers it (ALPN) unless http1_1; r->engine names which
 * ran ("epoll" or "curl").
 *
 * ws:// and wss:// URLs (t->ws set) run WebSocket or Socket.IO messages on
 * the epoll engine (loadgen_ws.c): each connection carries one message at a
 * time, a "request" below is a message and its reply.
 *
 * Requests due (open) or sent (closed) during the warm-up are not counted;
 * requests still in flight when the time is up are not counted either.
 * Successful responses are also counted per interval of interval_s by the
 * time they complete, so that throughput has a sample, not one figure.
 */
#ifndef PR_LOADGEN_H
#define PR_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failure.h"
#include "hist.h"
#include "wsclient.h"

struct loadgen_target {
	const char *url;		/* may hold credentials: never printed */
	const char *method;		/* NULL means GET */
	const char *const *headers;	/* NULL-terminated "Name: value", or NULL */
	const char *body;		/* NULL for none */
	long expect_status;		/* 0: any 2xx is a success */
	const struct wsclient_spec *ws;	/* a ws:// or wss:// url: what each message
					 * is and its reply (loadgen_ws.c); NULL for HTTP */
};

struct loadgen_opts {
	long connections;
	double duration_s;		/* measured time, after the warm-up */
	double warmup_s;		/* run first, not counted */
	double rate_rps;		/* total rate; 0 means closed loop */
	double timeout_s;		/* per request, from when it is sent */
	bool insecure;			/* https: skip certificate checks */
	bool http1_1;			/* HTTP/1.1 only (the epoll engine's default;
					 * libcurl's engine then offers no h2) */
	bool http2;			/* HTTP/2 on the epoll engine: ALPN h2 over
					 * https, prior knowledge (h2c) over http */
	long streams;			/* http2: streams per connection; 0 means 1 */
	long threads;			/* epoll engine: 0 means one per core; at
					 * most one per connection */
	double interval_s;		/* throughput interval; 0: PR_LOAD_INTERVAL_S */
};

/*
 * The phases recorded under load, each in a histogram of its own (whole
 * microseconds, merged exactly as the latency's):
 *
 *   connect  a connection opened: connect() to connected
 *   tls      its TLS handshake: connected to handshake done (https only)
 *   ttfb     a successful counted request: its last byte written (HTTP/2:
 *            its frames handed to the socket) to the first byte of its
 *            response
 *
 * connect and tls count the connections that began in the measured window;
 * ttfb the requests the latency histogram counts.  libcurl's engine takes
 * them from its timers (connect: namelookup to connect, tls: connect to
 * appconnect, ttfb: pretransfer to starttransfer).
 */
enum loadgen_phase { LOADGEN_PHASE_CONNECT, LOADGEN_PHASE_TLS, LOADGEN_PHASE_TTFB, LOADGEN_NPHASES };

/* "connect", "tls", "ttfb": the phases' names in documents. */
extern const char *const loadgen_phase_names[LOADGEN_NPHASES];

/* The default length of the intervals throughput is counted in. */
#define PR_LOAD_INTERVAL_S 1.0

struct loadgen_result {
	struct hist *hist;		/* latency of successful responses */
	struct hist *phases[LOADGEN_NPHASES];	/* see enum loadgen_phase */
	uint64_t ok;			/* successful responses counted */
	uint64_t errors[PR_FAILURE_NCLASSES];	/* by failure.h's class; [PR_FAILURE_OK] is 0 */
	uint64_t error_total;
	uint64_t bytes_read;		/* response bytes of counted requests */
	uint64_t connections_opened;	/* over the whole run */
	uint64_t reused;		/* counted requests sent on a reused connection */
	uint64_t late;			/* open loop: counted requests sent > 1 ms after due */
	uint64_t unfinished;		/* counted requests in flight, or (open loop) due
					 * but not yet sent, when the time was up */
	double elapsed_s;		/* length of the measured window */
	double throughput_rps;		/* ok / elapsed_s */
	uint64_t *ok_per_interval;	/* successful responses completed in each
					 * whole interval of the measured window,
					 * oldest first; the partial last one is
					 * left out (so the sum may be < ok) */
	size_t nintervals;
	double interval_s;		/* the intervals' length */
	const char *engine;		/* "epoll" or "curl" */
	long threads;			/* how many ran (libcurl's engine: 1) */
	char http_version[8];		/* "1.1" or "2" (the last response's) */
	char error[256];		/* why the run could not start */
	/* WebSocket and Socket.IO (t->ws): */
	struct hist *handshake;		/* connect .. ready, each connection opened */
	uint64_t connections_held;	/* open at the end, never lost in the run */
	uint64_t pings;			/* server pings answered */
	uint64_t close_codes[WSCLIENT_NCODES];	/* by wsclient_code_slot */
};

/*
 * Drive t as o says and fill r (zeroed first; free with loadgen_result_free).
 * Returns 0 when the run took place (even if every request failed: r says
 * how), PR_USAGE for a URL it cannot drive, PR_EXTERNAL when the host does
 * not resolve or the engine cannot start; r->error then says why, in a form
 * fit for "pr-bench: ID: <error>".  Nothing is reported here.
 */
int loadgen_run(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r);
void loadgen_result_free(struct loadgen_result *r);

/*
 * Raise the soft RLIMIT_NOFILE so that connections sockets fit (up to the
 * hard limit).  Returns 0, or PR_USAGE with the one-line error already
 * reported, naming the limit and `ulimit -n`.
 */
int loadgen_raise_nofile(long connections);

#endif
