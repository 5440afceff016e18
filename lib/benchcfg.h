/*
 * benchcfg.h: the "bench" section of pr-tools.json: pr-bench's settings
 * and the metrics it measures.
 *
 *   {"samples": 20, "warmup": 2, "timeout": "10s", "measure": "total",
 *    "insecure": false, "idle": "60s", "connections": 10, "duration": "30s",
 *    "rate": 0, "load_warmup": "5s",
 *    "precision": "2%", "precision_quantiles": [50, 95], "max_samples": 10000,
 *    "max_time": "5m",
 *    "metrics": [{"id", "url", "method", "headers": {"Name": "value"},
 *                 "body": "text" or JSON, "expect_status", "measure",
 *                 "cold_start",
 *                 and for a ws:// or wss:// url: "protocol" ("websocket" or
 *                 "socketio"), "message", "event", "namespace", "reply"
 *                 (wsclient.h)}]}
 *
 * Fields are read with doc.h's config readers: durations are seconds or
 * strings such as "500ms"; unknown fields are refused, naming the known
 * ones; header names are RFC 9110 tokens.  Errors are reported once, as
 * "<ctx>.<field>: what is wrong".
 */
#ifndef PR_BENCHCFG_H
#define PR_BENCHCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "doc.h"
#include "wsclient.h"

#define BENCH_MAX_COUNT 1000000L
#define BENCH_MAX_CONNECTIONS 100000L

enum benchcfg_measure { MEASURE_TTFB, MEASURE_TOTAL };

#define BENCH_DEFAULT_MAX_SAMPLES 10000L
#define BENCH_DEFAULT_MAX_TIME_S 300.0

/* One metric to measure: from the config's "bench" section or ID=URL. */
struct benchcfg_metric {
	char *id;
	char *url;		/* as given (may hold credentials: never print) */
	char *method;		/* "GET" unless configured */
	char **headers;		/* NULL-terminated "Name: value"; may be NULL */
	char *body;		/* request body or NULL */
	long expect_status;	/* 0: any 2xx counts as success */
	enum benchcfg_measure measure;
	bool cold_start;	/* config "cold_start": measured by --cold-start runs */
	bool is_ws;		/* a ws:// or wss:// url: messages, not requests */
	struct wsclient_spec ws;	/* with is_ws: what is sent and awaited */
};

/* The section's settings; the caller fills in the defaults (or flags). */
struct benchcfg_settings {
	long samples, warmup, connections;
	double timeout_s, idle_s, duration_s, rate_rps, load_warmup_s;
	double precision;		/* relative half-width aimed at; 0: off */
	unsigned precision_quantiles;	/* PR_PRECISION_P50, _P95 bits (precision.h) */
	long max_samples;		/* with precision: most requests per metric */
	double max_time_s;		/* with precision: longest time per metric */
	bool insecure;
	enum benchcfg_measure measure;	/* the metrics' default headline */
};

/* Which settings the command line gave: those win over the section's. */
struct benchcfg_given {
	bool samples, warmup, timeout, insecure, idle, connections, duration, rate, load_warmup;
	bool precision, precision_quantiles, max_samples, max_time;
	bool measure;		/* then the section's "measure" is not read */
};

/*
 * Read section (the "bench" object; ctx names it in messages, as
 * "pr-tools.json: bench") into *set, keeping what given says the flags
 * set (those fields are still checked), and its metrics into a new array
 * *metrics of *n entries (caller frees with benchcfg_metrics_free).  Metric
 * ids are unique.  Returns 0 or PR_INPUT, reported.
 */
int benchcfg_parse(const cJSON *section, const char *ctx, const struct benchcfg_given *given,
    struct benchcfg_settings *set, struct benchcfg_metric **metrics, size_t *n);

/*
 * A relative precision: "2%" or "0.02", above 0 and below 1 (100 %), into
 * *out as a fraction; -1 for anything else (nothing reported).
 */
int benchcfg_precision_parse(const char *s, double *out);

/* "50", "95" or "50,95" into a mask of PR_PRECISION_P50 and _P95; -1 otherwise. */
int benchcfg_quantiles_parse(const char *s, unsigned *mask);

/* "ttfb" or "total" into *out; -1 for anything else (nothing reported). */
int benchcfg_measure_parse(const char *s, enum benchcfg_measure *out);

/* True when the len bytes at s are a metric id: letters, digits, _ . : - */
bool benchcfg_id_valid(const char *s, size_t len);

/* A deep copy of src into dst (free with benchcfg_metric_free). */
void benchcfg_metric_copy(struct benchcfg_metric *dst, const struct benchcfg_metric *src);

/* Free what m owns (not m itself); free n metrics and the array v. */
void benchcfg_metric_free(struct benchcfg_metric *m);
void benchcfg_metrics_free(struct benchcfg_metric *v, size_t n);

#endif
