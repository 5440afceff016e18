/*
 * load.c: pr-bench --load.  Each metric is driven by lib/loadgen for the
 * duration and becomes two entries in "metrics": "<id>" (latency in ms, its
 * summary computed from an exactly mergeable histogram) and "<id>_rps"
 * (throughput, better higher, with a sample: the rps of each whole second),
 * so that pr-compare judges both.  A ws:// or wss:// metric's "<id>" is
 * message latency (measure "message"), "<id>_rps" messages per second, and
 * a third entry "<id>_handshake" times each connection's handshakes
 * (connect, TLS, upgrade, Socket.IO's namespace) from their own histogram.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "benchdoc.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "hist.h"
#include "loadgen.h"
#include "stats.h"
#include "util.h"

/* The "load" object: how the run went.  Caller owns it. */
static cJSON *
load_json(const struct bench_opts *o, const struct benchcfg_metric *m, const struct loadgen_result *r)
{
	cJSON *l = cJSON_CreateObject();

	cJSON_AddStringToObject(l, "loop", o->rate_rps > 0 ? "open" : "closed");
	cJSON_AddNumberToObject(l, "connections", (double)o->connections);
	cJSON_AddNumberToObject(l, "duration_s", r->elapsed_s);
	cJSON_AddNumberToObject(l, "warmup_s", o->load_warmup_s);
	if (o->rate_rps > 0)
		cJSON_AddNumberToObject(l, "rate_rps", o->rate_rps);
	else
		cJSON_AddNullToObject(l, "rate_rps");
	cJSON_AddNumberToObject(l, "requests", (double)(r->ok + r->error_total));
	cJSON_AddNumberToObject(l, "ok", (double)r->ok);
	cJSON_AddNumberToObject(l, "throughput_rps", r->throughput_rps);
	cJSON_AddNumberToObject(l, "bytes_read", (double)r->bytes_read);
	cJSON_AddNumberToObject(l, "connections_opened", (double)r->connections_opened);
	cJSON_AddNumberToObject(l, "reused", (double)r->reused);
	cJSON_AddNumberToObject(l, "late", (double)r->late);
	cJSON_AddNumberToObject(l, "unfinished", (double)r->unfinished);
	cJSON_AddStringToObject(l, "engine", r->engine);
	if (*r->http_version)
		cJSON_AddStringToObject(l, "http_version", r->http_version);
	else
		cJSON_AddNullToObject(l, "http_version");	/* never got as far as a connection */
	cJSON_AddNumberToObject(l, "shards", 1);
	cJSON_AddNumberToObject(l, "threads", (double)(r->threads > 0 ? r->threads : 1));
	if (m->is_ws) {
		cJSON_AddStringToObject(l, "protocol", wsclient_protocol_name(m->ws.protocol));
		cJSON_AddNumberToObject(l, "connections_held", (double)r->connections_held);
		cJSON_AddNumberToObject(l, "pings_answered", (double)r->pings);
		cJSON_AddItemToObject(l, "close_codes", bench_close_codes_json(r->close_codes));
	}
	return l;
}

/* The summary of a single throughput figure: every statistic is rps. */
static cJSON *
bench_rps_summary(double rps)
{
	struct stats_summary s = { .n = 1, .min = rps, .p50 = rps, .p90 = rps, .p95 = rps, .p99 = rps,
		.max = rps, .mean = rps, .stddev = 0 };

	return stats_summary_to_json(&s);
}

/* Throughput in each whole interval, in rps: exact for 1 s intervals. */
static cJSON *
rps_samples_json(const struct loadgen_result *r)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < r->nintervals; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)r->ok_per_interval[i] / r->interval_s));
	return a;
}

/* A metric entry's first fields, which both entries of a run share but
 * for what is measured.  Caller owns it. */
static cJSON *
metric_head(const struct benchcfg_metric *m, const char *shown, const char *unit, const char *better,
    const char *measure, const struct loadgen_result *r)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "unit", unit);
	cJSON_AddStringToObject(e, "better", better);
	cJSON_AddStringToObject(e, "measure", measure);
	cJSON_AddStringToObject(e, "url", shown);
	if (m->is_ws)
		cJSON_AddStringToObject(e, "protocol", wsclient_protocol_name(m->ws.protocol));
	else
		cJSON_AddStringToObject(e, "method", m->method ? m->method : "GET");
	cJSON_AddItemToObject(e, "errors", bench_errors_json(r->errors));
	return e;
}

/* "<id>_handshake": each connection's handshake, from its histogram. */
static void
add_handshake(cJSON *metrics, const struct bench_opts *o, const struct benchcfg_metric *m, const char *shown,
    const struct loadgen_result *r)
{
	static const uint64_t none[PR_FAILURE_NCLASSES];
	cJSON *hs = cJSON_CreateObject();
	struct stats_summary s;
	struct buf id = { 0 };

	cJSON_AddStringToObject(hs, "unit", "ms");
	cJSON_AddStringToObject(hs, "better", "lower");
	cJSON_AddStringToObject(hs, "measure", "handshake");
	cJSON_AddStringToObject(hs, "url", shown);
	cJSON_AddStringToObject(hs, "protocol", wsclient_protocol_name(m->ws.protocol));
	cJSON_AddItemToObject(hs, "errors", bench_errors_json(none));	/* they are the messages' */
	hist_summary_ms(r->handshake, &s);
	cJSON_AddItemToObject(hs, "summary", stats_summary_to_json(&s));
	cJSON_AddItemToObject(hs, "histogram", hist_to_json(r->handshake));
	cJSON_AddItemToObject(hs, "load", load_json(o, m, r));
	buf_printf(&id, "%s" BENCH_HANDSHAKE_SUFFIX, m->id);
	cJSON_AddItemToObject(metrics, id.data, hs);
	buf_free(&id);
}

/* Add "<id>" and "<id>_rps" for one finished run. */
static void
add_metrics(cJSON *metrics, const struct bench_opts *o, const struct benchcfg_metric *m,
    const struct loadgen_result *r)
{
	char *shown = util_redact_url(m->url);
	cJSON *lat = metric_head(m, shown, "ms", "lower", m->is_ws ? "message" : "total", r);
	cJSON *thr = metric_head(m, shown, "rps", "higher", "throughput", r);
	struct stats_summary s;
	struct buf id = { 0 };

	hist_summary_ms(r->hist, &s);
	cJSON_AddItemToObject(lat, "summary", stats_summary_to_json(&s));
	cJSON_AddItemToObject(lat, "histogram", hist_to_json(r->hist));
	cJSON_AddItemToObject(lat, "load_phases",
	    benchdoc_phases_json(r->phases, loadgen_phase_names, LOADGEN_NPHASES));
	cJSON_AddItemToObject(lat, "load", load_json(o, m, r));
	cJSON_AddItemToObject(metrics, m->id, lat);

	cJSON_AddItemToObject(thr, "samples", rps_samples_json(r));
	cJSON_AddNumberToObject(thr, "interval_s", r->interval_s);
	cJSON_AddItemToObject(thr, "summary", bench_rps_summary(r->throughput_rps));
	cJSON_AddItemToObject(thr, "load", load_json(o, m, r));
	buf_printf(&id, "%s" BENCH_RPS_SUFFIX, m->id);
	cJSON_AddItemToObject(metrics, id.data, thr);
	buf_free(&id);
	if (m->is_ws)
		add_handshake(metrics, o, m, shown, r);
	free(shown);
}

/* One warning line when requests failed: how many, and of which classes. */
static void
warn_errors(const struct benchcfg_metric *m, const struct loadgen_result *r)
{
	struct buf b = { 0 };

	if (!bench_errors_list(r->errors, &b))
		return;
	pr_warn("%s: %llu of %llu %s failed (%s)", m->id, (unsigned long long)r->error_total,
	    (unsigned long long)(r->ok + r->error_total), m->is_ws ? "messages" : "requests", b.data);
	buf_free(&b);
}

int
bench_load(const struct bench_opts *o, cJSON *metrics)
{
	struct loadgen_opts lo = {
		.connections = o->connections, .duration_s = o->duration_s, .warmup_s = o->load_warmup_s,
		.rate_rps = o->rate_rps, .timeout_s = o->timeout_s, .insecure = o->insecure,
		.http1_1 = o->http1_1, .http2 = o->http2, .streams = o->streams, .threads = o->threads,
	};
	uint64_t measured = 0;
	int rc;

	if ((rc = loadgen_raise_nofile(o->connections)))
		return rc;
	for (size_t i = 0; i < o->nmetrics; i++) {
		const struct benchcfg_metric *m = &o->metrics[i];
		const char *hdrs[] = { NULL };
		struct loadgen_target t = {
			.url = m->url, .method = m->method, .body = m->body, .expect_status = m->expect_status,
			.headers = m->headers ? (const char *const *)m->headers : hdrs,
			.ws = m->is_ws ? &m->ws : NULL,
		};
		struct loadgen_result r;

		if (pr_progress_ok())
			pr_note("%s: %ld connections for %gs%s, %s loop", m->id, o->connections, o->duration_s,
			    o->load_warmup_s > 0 ? " after a warm-up" : "", o->rate_rps > 0 ? "open" : "closed");
		rc = loadgen_run(&t, &lo, &r);
		if (rc == PR_USAGE) {
			rc = pr_error(PR_USAGE, "%s: %s", m->id, r.error);
			loadgen_result_free(&r);
			return rc;
		}
		if (rc)
			pr_warn("%s: %s", m->id, r.error);
		warn_errors(m, &r);
		add_metrics(metrics, o, m, &r);
		pr_log("%s: %llu ok, %.1f req/s, p99 %.3f ms", m->id, (unsigned long long)r.ok,
		    r.throughput_rps, r.hist->n ? hist_quantile_us(r.hist, 0.99) / 1000 : 0.0);
		measured += r.ok;
		loadgen_result_free(&r);
	}
	if (measured == 0)
		return pr_error(PR_EXTERNAL, "no request succeeded under load for any of %zu metric%s "
		    "(see the warnings above and the \"errors\" in the output)",
		    o->nmetrics, o->nmetrics == 1 ? "" : "s");
	return 0;
}
