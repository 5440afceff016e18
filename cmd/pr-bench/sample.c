/*
 * sample.c: pr-bench's sample and cold-start modes.  Each metric is measured
 * one request at a time on its own probe (keep-alive between requests), or,
 * for a cold start, on a new connection after an idle wait.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "precision.h"
#include "probe.h"
#include "stats.h"
#include "util.h"

#define MS_PER_S 1000.0

/* The phases kept per sample, in document order. */
enum phase { PH_DNS, PH_CONNECT, PH_TLS, PH_SEND, PH_TTFB, PH_TRANSFER, PH_TOTAL, NPHASES };
static const char *const phase_names[NPHASES] = {
	"dns", "connect", "tls", "send", "ttfb", "transfer", "total",
};

/* What one metric's run collected.  Owns its vectors. */
struct run {
	double *values;			/* headline values of successes */
	double *phases[NPHASES];	/* per-phase values of successes */
	size_t n, cap;
	long attempts;			/* measured requests, failed ones included */
	struct precision prec;	/* --precision: the stop rule and its state */
	double *warm;			/* headline values of successful warm-ups */
	size_t nwarm;
	uint64_t errors[PR_FAILURE_NCLASSES];
	char first_error[PR_FAILURE_NCLASSES][256];
};

cJSON *
bench_errors_json(const uint64_t counts[PR_FAILURE_NCLASSES])
{
	cJSON *o = cJSON_CreateObject();
	uint64_t total = 0;

	for (int c = PR_FAILURE_OK + 1; c < PR_FAILURE_NCLASSES; c++)
		total += counts[c];
	cJSON_AddNumberToObject(o, "total", (double)total);
	for (int c = PR_FAILURE_OK + 1; c < PR_FAILURE_NCLASSES; c++)
		cJSON_AddNumberToObject(o, failure_name(c), (double)counts[c]);
	return o;
}

uint64_t
bench_errors_list(const uint64_t counts[PR_FAILURE_NCLASSES], struct buf *out)
{
	uint64_t total = 0;

	for (int c = PR_FAILURE_OK + 1; c < PR_FAILURE_NCLASSES; c++) {
		if (!counts[c])
			continue;
		buf_printf(out, "%s%s %llu", total ? ", " : "", failure_name(c), (unsigned long long)counts[c]);
		total += counts[c];
	}
	return total;
}

/* Room for one more value in each vector. */
static void
run_grow(struct run *r)
{
	if (r->n < r->cap)
		return;
	r->cap = r->cap ? 2 * r->cap : 64;
	r->values = xrealloc(r->values, r->cap * sizeof *r->values);
	for (int p = 0; p < NPHASES; p++)
		r->phases[p] = xrealloc(r->phases[p], r->cap * sizeof *r->phases[p]);
}

static void
run_init(struct run *r, const struct bench_opts *o)
{
	long warmup = o->cold_start ? 0 : o->warmup;

	memset(r, 0, sizeof *r);
	r->warm = xcalloc(warmup > 0 ? (size_t)warmup : 1, sizeof *r->warm);
	r->prec = (struct precision){
		.target = o->precision, .quantiles = o->precision_quantiles, .min_samples = o->samples,
		.max_samples = o->max_samples, .max_time_s = o->max_time_s,
	};
}

static void
run_free(struct run *r)
{
	free(r->values);
	for (int p = 0; p < NPHASES; p++)
		free(r->phases[p]);
	free(r->warm);
	precision_free(&r->prec);
}

/*
 * Whether the metric has been sampled enough: -n requests, or with
 * --precision until the stop rule (lib/precision.h) says so.
 */
static bool
run_done(const struct bench_opts *o, struct run *r)
{
	if (o->precision == 0)
		return r->attempts >= o->samples;
	return precision_check(&r->prec, r->values, r->n, r->attempts) != PR_STOP_NOT_YET;
}

static double
headline_ms(const struct benchcfg_metric *m, const struct probe_result *res)
{
	return m->measure == MEASURE_TTFB ? res->start_ms : res->total_ms;
}

/* Count a failed sample, keeping the first message of each class. */
static void
run_fail(struct run *r, const struct probe_result *res)
{
	if (r->errors[res->cls]++ == 0)
		snprintf(r->first_error[res->cls], sizeof r->first_error[res->cls], "%s", res->error);
}

static void
run_keep(struct run *r, const struct benchcfg_metric *m, const struct probe_result *res)
{
	const double ph[NPHASES] = {
		res->dns_ms, res->connect_ms, res->tls_ms, res->send_ms, res->ttfb_ms, res->transfer_ms,
		res->total_ms,
	};

	run_grow(r);
	r->values[r->n] = headline_ms(m, res);
	for (int p = 0; p < NPHASES; p++)
		r->phases[p][r->n] = ph[p];
	r->n++;
}

/* The progress line; all is 0 while the count is open (--precision). */
static void
progress(const struct benchcfg_metric *m, long done, long all)
{
	if (!pr_progress_ok())
		return;
	if (all)
		fprintf(stderr, "\r\033[K%s %ld/%ld", m->id, done, all);
	else
		fprintf(stderr, "\r\033[K%s %ld", m->id, done);
	fflush(stderr);
}

static void
progress_end(void)
{
	if (!pr_progress_ok())
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void
fill_req(const struct bench_opts *o, const struct benchcfg_metric *m, struct probe_req *req)
{
	memset(req, 0, sizeof *req);
	req->url = m->url;
	req->method = m->method;
	req->headers = (const char *const *)m->headers;
	req->body = m->body;
	req->body_len = m->body ? strlen(m->body) : 0;
	req->timeout_s = o->timeout_s;
	req->expect_status = m->expect_status;
	req->insecure = o->insecure;
}

/* Warm-ups then samples on one probe, so that the connection is reused. */
static int
measure_warm(const struct bench_opts *o, const struct benchcfg_metric *m, struct run *r)
{
	struct probe *probe = probe_new();
	struct probe_req req;
	struct probe_result res;

	if (!probe)
		return pr_error(PR_EXTERNAL,
		    "%s: cannot initialise libcurl (check memory and the libcurl install)", m->id);
	fill_req(o, m, &req);
	precision_start(&r->prec);
	for (long i = 0; i < o->warmup; i++) {
		if (probe_do(probe, &req, &res) == 0)
			r->warm[r->nwarm++] = headline_ms(m, &res);
		else
			pr_log("%s: warm-up %ld failed: %s", m->id, i + 1, res.error);
		progress(m, i + 1, o->precision ? 0 : o->warmup + o->samples);
	}
	while (!run_done(o, r)) {
		if (probe_do(probe, &req, &res) == 0)
			run_keep(r, m, &res);
		else
			run_fail(r, &res);
		r->attempts++;
		progress(m, o->warmup + r->attempts, o->precision ? 0 : o->warmup + o->samples);
	}
	progress_end();
	probe_free(probe);
	return 0;
}

/* Each sample: wait idle, then one request on a new handle and connection. */
static int
measure_cold(const struct bench_opts *o, const struct benchcfg_metric *m, struct run *r)
{
	struct probe_req req;
	struct probe_result res;

	fill_req(o, m, &req);
	req.fresh = true;
	precision_start(&r->prec);
	while (!run_done(o, r)) {
		struct probe *probe;

		if (o->idle_s > 0) {
			pr_note("%s: idle for %gs before a cold request", m->id, o->idle_s);
			util_sleep_ms(o->idle_s * MS_PER_S);
		}
		if (!(probe = probe_new()))
			return pr_error(PR_EXTERNAL,
			    "%s: cannot initialise libcurl (check memory and the libcurl install)", m->id);
		if (probe_do(probe, &req, &res) == 0)
			run_keep(r, m, &res);
		else
			run_fail(r, &res);
		probe_free(probe);
		r->attempts++;
		progress(m, r->attempts, o->precision ? 0 : o->samples);
	}
	progress_end();
	return 0;
}

/* What to do about the commonest failure of each class. */
static const char *const class_hints[PR_FAILURE_NCLASSES] = {
	[PR_FAILURE_DNS] = "check the host name",
	[PR_FAILURE_CONNECT] = "check that the server is up and the port right",
	[PR_FAILURE_TLS] = "check the scheme and the certificate, or use -k for a test server",
	[PR_FAILURE_TIMEOUT] = "raise --timeout or check the server's health",
	[PR_FAILURE_RESET] = "check the server's logs",
	[PR_FAILURE_STATUS] = "check the URL, or set expect_status in the config",
	[PR_FAILURE_OTHER] = "check the URL",
};

/* One warning line naming the metric, its failures by class, and the first cause. */
static void
warn_errors(const struct benchcfg_metric *m, const struct run *r, long attempts)
{
	struct buf b = {0};
	uint64_t total = bench_errors_list(r->errors, &b);
	int worst = 0;

	for (int c = PR_FAILURE_OK + 1; c < PR_FAILURE_NCLASSES; c++)
		if (r->errors[c] && (!worst || r->errors[c] > r->errors[worst]))
			worst = c;
	if (total)
		pr_warn("%s: %llu of %ld requests failed (%s): %s (%s)",
		    m->id, (unsigned long long)total, attempts, b.data, r->first_error[worst], class_hints[worst]);
	buf_free(&b);
}

cJSON *
bench_values_json(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, doc_ms_item(v[i]));
	return a;
}

/* The metric's entry in "metrics".  Caller owns it. */
static cJSON *
metric_json(const struct bench_opts *opts, const struct benchcfg_metric *m, const struct run *r)
{
	cJSON *o = cJSON_CreateObject(), *ph;
	char *shown = util_redact_url(m->url);
	struct stats_summary s;

	cJSON_AddStringToObject(o, "unit", "ms");
	cJSON_AddStringToObject(o, "better", "lower");
	cJSON_AddStringToObject(o, "measure", m->measure == MEASURE_TTFB ? "ttfb" : "total");
	cJSON_AddStringToObject(o, "url", shown);
	cJSON_AddStringToObject(o, "method", m->method ? m->method : "GET");
	cJSON_AddItemToObject(o, "samples", bench_values_json(r->values, r->n));
	cJSON_AddItemToObject(o, "warmup", bench_values_json(r->warm, r->nwarm));
	cJSON_AddItemToObject(o, "errors", bench_errors_json(r->errors));
	stats_summarize(r->values, r->n, &s);
	cJSON_AddItemToObject(o, "summary", stats_summary_to_json(&s));
	ph = cJSON_AddObjectToObject(o, "phases");
	for (int p = 0; p < NPHASES; p++) {
		stats_summarize(r->phases[p], r->n, &s);
		cJSON_AddItemToObject(ph, phase_names[p], stats_summary_to_json(&s));
	}
	if (opts->precision > 0)
		cJSON_AddItemToObject(o, "precision", precision_to_json(&r->prec));
	free(shown);
	return o;
}

/* "p50 +-1.93%, p95 +-4.10%": the widths reached (a quantile without an
 * interval yet: "p95 unknown"). */
static void
describe_widths(struct buf *b, const struct precision *p)
{
	const double w[] = { p->p50, p->p95 };
	const char *const name[] = { "p50", "p95" };
	const unsigned bit[] = { PR_PRECISION_P50, PR_PRECISION_P95 };

	for (int i = 0; i < 2; i++) {
		if (!(p->quantiles & bit[i]))
			continue;
		buf_printf(b, "%s%s ", b->len ? ", " : "", name[i]);
		if (isnan(w[i]))
			buf_adds(b, "unknown");
		else
			buf_printf(b, "+-%.2f%%", 100 * w[i]);
	}
}

/* With --precision: one line saying what the metric reached, and why it stopped. */
static void
note_precision(const struct bench_opts *o, const struct benchcfg_metric *m, const struct run *r)
{
	const struct precision *p = &r->prec;
	const char *bound = p->stopped_by == PR_STOP_MAX_TIME ? "max-time" : "max-samples";
	struct buf b = { 0 };

	if (o->precision == 0)
		return;
	describe_widths(&b, p);
	if (p->reached)
		pr_note("%s: %s after %zu samples", m->id, b.data, r->n);
	else
		pr_warn("%s: stopped by --%s after %ld requests (%zu ok) at %s, short of the +-%g%% asked (raise --%s)",
		    m->id, bound, r->attempts, r->n, b.data, 100 * o->precision, bound);
	buf_free(&b);
}

int
bench_sample(const struct bench_opts *o, cJSON *metrics)
{
	size_t measured = 0;
	int rc = 0;

	for (size_t i = 0; i < o->nmetrics && !rc; i++) {
		const struct benchcfg_metric *m = &o->metrics[i];
		struct run r;

		if (m->is_ws) {
			rc = bench_sample_ws(o, m, metrics, &measured);
			continue;
		}
		run_init(&r, o);
		rc = o->cold_start ? measure_cold(o, m, &r) : measure_warm(o, m, &r);
		if (!rc) {
			warn_errors(m, &r, r.attempts);
			measured += r.n;
			cJSON_AddItemToObject(metrics, m->id, metric_json(o, m, &r));
			note_precision(o, m, &r);
		}
		run_free(&r);
	}
	if (!rc && measured == 0)
		rc = pr_error(PR_EXTERNAL, "no request succeeded for any of %zu metric%s "
		    "(see the warnings above and the \"errors\" in the output)",
		    o->nmetrics, o->nmetrics == 1 ? "" : "s");
	return rc;
}
