/*
 * loadgen_int.h: what the load engine's parts share, inside libpr only
 * (loadgen.c: the schedule, the HTTP/1.1 engine over a transport and the
 * libcurl engine; loadgen_h2.c: HTTP/2 over a transport).  loadgen.h is the
 * contract for callers; this is not.
 */
#ifndef PR_LOADGEN_INT_H
#define PR_LOADGEN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "failure.h"
#include "loadgen.h"
#include "transport.h"

#define MS_PER_S 1000.0
#define SCAN_MS 5.0			/* how often timeouts are looked for */
#define CONNECT_RETRY_MS 10.0		/* pause after a failed connect */
#define MAX_EVENTS 512

/* What every engine shares: the schedule and the counters.  A slot is what
 * carries one request at a time: a connection (HTTP/1.1), a stream of a
 * connection (HTTP/2) or a libcurl handle. */
struct loadgen_sched {
	const struct loadgen_opts *o;
	struct loadgen_result *r;
	long expect_status;
	double t0, warm_end, end;	/* ms on the monotonic clock, the run's */
	double due0;			/* open loop: this schedule's first due time */
	double interval_ms;		/* open loop: between its due times; 0 closed */
	uint64_t next_k;		/* open loop: the next request to send */
	long *free_slots;		/* stack of idle slots */
	long nfree;
};

/*
 * The threads' common start.  Each thread sets its engine up (TLS context,
 * CA store, buffers: their time differs), then waits in loadgen_sched_init;
 * once the last is ready, run_threads sets t0_ms a moment ahead and lets
 * them all go, so that no thread starts late on the schedule.
 */
struct loadgen_start {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long pending;			/* threads not yet ready */
	bool *waited;			/* [index]: that thread is past the start */
	bool go;
	double t0_ms;
};

/*
 * One thread's share of a run: the run starts at the same t0 for every
 * thread (start's, or t0_ms without one), and thread index of count sends
 * the open loop's requests index, index + count, index + 2 count...: the
 * total rate split, the schedule the same as one thread's.  NULL: one
 * thread, starting now.
 */
struct loadgen_shard {
	double t0_ms;
	long index, count;
	struct loadgen_start *start;	/* NULL: t0_ms is the start */
};

/* Wait until every thread of sh's run is ready (once per thread; an engine
 * that fails before loadgen_sched_init is passed through it afterwards). */
void loadgen_start_wait(const struct loadgen_shard *sh);

/* Start the clock (with sh, once every thread is ready); nslots slots, all
 * free, slot 0 popped first. */
void loadgen_sched_init(struct loadgen_sched *s, const struct loadgen_opts *o, struct loadgen_result *r,
    long expect_status, long nslots, const struct loadgen_shard *sh);
/* The next request to start at now: true with *origin, the time its latency runs from. */
bool loadgen_sched_next(struct loadgen_sched *s, double now, double *origin);
/* Milliseconds to wait for events before the schedule needs attention. */
double loadgen_sched_wait_ms(const struct loadgen_sched *s, double now, double next_scan);
/* Open loop: requests due in the measured window that were never sent. */
uint64_t loadgen_sched_unsent(const struct loadgen_sched *s);
/* Account one finished request: failure PR_FAILURE_OK is a response with status.
 * True when it counted as a success (its phases are then to be recorded). */
bool loadgen_sched_finish(struct loadgen_sched *s, double origin, double sent, double t, long status,
    enum failure failure, uint64_t bytes, bool reused);
/* Record phase ph of a connection or request, from_ms to to_ms, if it began in the measured window. */
void loadgen_sched_phase(struct loadgen_sched *s, enum loadgen_phase ph, double from_ms, double to_ms);
/* A connection begun (connect()) at began_ms is made: count it and its connect phase; returns now. */
double loadgen_sched_connected(struct loadgen_sched *s, double began_ms);

/* epoll_pwait2 (sub-millisecond) where the kernel has it, epoll_wait otherwise. */
int loadgen_wait_events(int ep, struct epoll_event *evs, double wait_ms);
/* What an engine loads: the URL's parts, the address chosen, the transport. */
struct loadgen_engine_args {
	const struct transport *tp;
	const char *host, *port;	/* as in the URL ("[::1]") */
	const char *authority;		/* host[:port], the port unless default */
	const char *path;		/* path and query */
	bool default_port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Resolve host:port and pick the address to load; 0, or PR_EXTERNAL with r->error set and a dns error counted. */
int loadgen_resolve_target(const char *host, const char *port, double timeout_s, struct sockaddr_storage *addr,
    socklen_t *len, struct loadgen_result *r);
/* Whether t's method may be sent again after a connection failure (RFC 9110 9.2.2). */
bool loadgen_idempotent(const struct loadgen_target *t);

/* HTTP/2 over a->tp (TLS with ALPN h2, or h2c with prior knowledge over
 * TCP), o->streams streams per connection. */
int loadgen_run_h2(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh);

/* WebSocket or Socket.IO messages (t->ws) over a->tp, one at a time per connection. */
int loadgen_run_ws(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh);

#endif
