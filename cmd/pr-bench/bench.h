/*
 * bench.h: what pr-bench's parts share.  main.c parses options and the
 * config (lib/benchcfg.c) into struct bench_opts and runs one mode: sample.c (sample and
 * cold-start), load.c (--load), merge.c (pr-bench merge); lib/benchdoc.c the header.
 */
#ifndef PR_BENCH_H
#define PR_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "benchcfg.h"
#include "benchdoc.h"
#include "buf.h"
#include "failure.h"

/* --streams above this is a mistake, not a load (h2load's -m is as small). */
#define BENCH_MAX_STREAMS 1000
/* -T above this is a mistake: threads beyond the cores only contend. */
#define BENCH_MAX_THREADS 256

/* Load mode's throughput companion of metric <id> is "<id>" BENCH_RPS_SUFFIX. */
#define BENCH_RPS_SUFFIX "_rps"
/* A WebSocket metric's handshakes under load are "<id>" BENCH_HANDSHAKE_SUFFIX. */
#define BENCH_HANDSHAKE_SUFFIX "_handshake"

struct bench_opts {
	struct benchcfg_metric *metrics;
	size_t nmetrics;
	long samples;		/* -n, default 20 */
	long warmup;		/* -w, default 2 */
	double timeout_s;	/* per request */
	const char *label;	/* --label */
	const char *output;	/* --output or OUTPUT_JSON */
	bool insecure;		/* -k: skip TLS verification */
	bool cold_start;	/* --cold-start or COLD_START=1 */
	double idle_s;		/* --idle */
	bool load;		/* --load */
	long connections;	/* -C */
	double duration_s;	/* -d */
	double rate_rps;	/* --rate; 0 means closed loop */
	double load_warmup_s;	/* --load-warmup: excluded from the results */
	bool http1_1;		/* --http1.1: https:// on the epoll engine's TLS */
	bool http2;		/* --http2: HTTP/2 on the epoll engine */
	long streams;		/* --streams: per connection, with --http2; 0: 1 */
	long threads;		/* -T: load threads; 0: one per core */
	double precision;	/* --precision as a fraction; 0: sample -n times */
	unsigned precision_quantiles;	/* PR_PRECISION_P50, _P95 bits (precision.h) */
	long max_samples;	/* --max-samples: with precision */
	double max_time_s;	/* --max-time: with precision, per metric */
};

/*
 * Sample and cold-start modes (sample.c): measure every metric in o->metrics
 * one request at a time and add one entry per metric to metrics.  Returns 0,
 * or PR_EXTERNAL when not a single request succeeded (reported).
 */
int bench_sample(const struct bench_opts *o, cJSON *metrics);

/*
 * Sample mode for a ws:// or wss:// metric (sample_ws.c): its entry into
 * metrics, *measured raised by the messages answered.  Returns 0.
 */
int bench_sample_ws(const struct bench_opts *o, const struct benchcfg_metric *m, cJSON *metrics, size_t *measured);

/* An array of n times in ms, at microsecond resolution (sample.c). */
cJSON *bench_values_json(const double *v, size_t n);

/* {"1011": 3, ...}: the close codes counted by wsclient_code_slot (sample_ws.c). */
cJSON *bench_close_codes_json(const uint64_t codes[WSCLIENT_NCODES]);

/*
 * The "errors" object (sample.c) from counts indexed by enum failure
 * (failure.h): {"total", "dns", "connect", "tls", "timeout", "reset",
 * "status", "other"}.  Caller owns the result.  Sample, cold-start and load
 * modes all write it, so their documents name a failure alike.
 */
cJSON *bench_errors_json(const uint64_t counts[PR_FAILURE_NCLASSES]);

/* Append "dns 2, reset 1" (the non-zero classes of counts) to out, for a
 * warning; returns their total, 0 when nothing failed (out untouched). */
uint64_t bench_errors_list(const uint64_t counts[PR_FAILURE_NCLASSES], struct buf *out);

/*
 * Load mode: run every metric in o->metrics under load and add one entry per
 * metric to metrics (the document's "metrics" object).  Returns a suite exit
 * code (0, or PR_EXTERNAL when nothing could be measured), errors reported.
 */
int bench_load(const struct bench_opts *o, cJSON *metrics);

/* `pr-bench merge FILE...`: argv[0] is "merge".  Returns an exit code. */
int bench_merge(int argc, char **argv);

#endif
