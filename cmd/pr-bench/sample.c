/*
 * sample.c: pr-bench's sample and cold-start modes.  Each metric is measured
 * one request at a time on its own probe (keep-alive between requests), or,
 * for a cold start, on a new connection after an idle wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "buf.h"
#include "doc.h"
#include "err.h"
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
	size_t n;
	double *warm;			/* headline values of successful warm-ups */
	size_t nwarm;
	long errors[PR_PROBE_NCLASSES];
	char first_error[PR_PROBE_NCLASSES][256];
};

cJSON *
bench_errors_json(const long *counts)
{
	cJSON *o = cJSON_CreateObject();
	long total = 0;

	for (int c = PR_PROBE_OK + 1; c < PR_PROBE_NCLASSES; c++)
		total += counts[c];
	cJSON_AddNumberToObject(o, "total", (double)total);
	for (int c = PR_PROBE_OK + 1; c < PR_PROBE_NCLASSES; c++)
		cJSON_AddNumberToObject(o, pr_probe_class_name(c), (double)counts[c]);
	return o;
}

static void
run_init(struct run *r, long samples, long warmup)
{
	memset(r, 0, sizeof *r);
	r->values = xcalloc((size_t)samples, sizeof *r->values);
	for (int p = 0; p < NPHASES; p++)
		r->phases[p] = xcalloc((size_t)samples, sizeof *r->phases[p]);
	r->warm = xcalloc(warmup > 0 ? (size_t)warmup : 1, sizeof *r->warm);
}

static void
run_free(struct run *r)
{
	free(r->values);
	for (int p = 0; p < NPHASES; p++)
		free(r->phases[p]);
	free(r->warm);
}

static double
headline_ms(const struct bench_metric *m, const struct pr_probe_result *res)
{
	return m->measure == MEASURE_TTFB ? res->start_ms : res->total_ms;
}

/* Count a failed sample, keeping the first message of each class. */
static void
run_fail(struct run *r, const struct pr_probe_result *res)
{
	if (r->errors[res->cls]++ == 0)
		snprintf(r->first_error[res->cls], sizeof r->first_error[res->cls], "%s", res->error);
}

static void
run_keep(struct run *r, const struct bench_metric *m, const struct pr_probe_result *res)
{
	const double ph[NPHASES] = {
		res->dns_ms, res->connect_ms, res->tls_ms, res->send_ms, res->ttfb_ms, res->transfer_ms,
		res->total_ms,
	};

	r->values[r->n] = headline_ms(m, res);
	for (int p = 0; p < NPHASES; p++)
		r->phases[p][r->n] = ph[p];
	r->n++;
}

static void
progress(const struct bench_metric *m, long done, long all)
{
	if (!pr_progress_ok())
		return;
	fprintf(stderr, "\r\033[K%s %ld/%ld", m->id, done, all);
	if (done == all)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void
fill_req(const struct bench_opts *o, const struct bench_metric *m, struct pr_probe_req *req)
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
measure_warm(const struct bench_opts *o, const struct bench_metric *m, struct run *r)
{
	struct pr_probe *probe = pr_probe_new();
	struct pr_probe_req req;
	struct pr_probe_result res;

	if (!probe)
		return pr_error(PR_EXTERNAL, "%s: cannot initialise libcurl (check memory and the libcurl install)", m->id);
	fill_req(o, m, &req);
	for (long i = 0; i < o->warmup; i++) {
		if (pr_probe_do(probe, &req, &res) == 0)
			r->warm[r->nwarm++] = headline_ms(m, &res);
		else
			pr_log("%s: warm-up %ld failed: %s", m->id, i + 1, res.error);
		progress(m, i + 1, o->warmup + o->samples);
	}
	for (long i = 0; i < o->samples; i++) {
		if (pr_probe_do(probe, &req, &res) == 0)
			run_keep(r, m, &res);
		else
			run_fail(r, &res);
		progress(m, o->warmup + i + 1, o->warmup + o->samples);
	}
	pr_probe_free(probe);
	return 0;
}

/* Each sample: wait idle, then one request on a new handle and connection. */
static int
measure_cold(const struct bench_opts *o, const struct bench_metric *m, struct run *r)
{
	struct pr_probe_req req;
	struct pr_probe_result res;

	fill_req(o, m, &req);
	req.fresh = true;
	for (long i = 0; i < o->samples; i++) {
		struct pr_probe *probe;

		if (o->idle_s > 0) {
			pr_note("%s: idle for %gs before a cold request", m->id, o->idle_s);
			pr_sleep_ms(o->idle_s * MS_PER_S);
		}
		if (!(probe = pr_probe_new()))
			return pr_error(PR_EXTERNAL, "%s: cannot initialise libcurl (check memory and the libcurl install)", m->id);
		if (pr_probe_do(probe, &req, &res) == 0)
			run_keep(r, m, &res);
		else
			run_fail(r, &res);
		pr_probe_free(probe);
		progress(m, i + 1, o->samples);
	}
	return 0;
}

/* What to do about the commonest failure of each class. */
static const char *const class_hints[PR_PROBE_NCLASSES] = {
	[PR_PROBE_DNS] = "check the host name",
	[PR_PROBE_CONNECT] = "check that the server is up and the port right",
	[PR_PROBE_TLS] = "check the scheme and the certificate, or use -k for a test server",
	[PR_PROBE_TIMEOUT] = "raise --timeout or check the server's health",
	[PR_PROBE_RESET] = "check the server's logs",
	[PR_PROBE_STATUS] = "check the URL, or set expect_status in the config",
	[PR_PROBE_OTHER] = "check the URL",
};

/* One warning line naming the metric, its failures by class, and the first cause. */
static void
warn_errors(const struct bench_metric *m, const struct run *r, long attempts)
{
	struct buf b = {0};
	long total = 0;
	int worst = 0;

	for (int c = PR_PROBE_OK + 1; c < PR_PROBE_NCLASSES; c++) {
		if (!r->errors[c])
			continue;
		buf_printf(&b, "%s%s %ld", total ? ", " : "", pr_probe_class_name(c), r->errors[c]);
		total += r->errors[c];
		if (!worst || r->errors[c] > r->errors[worst])
			worst = c;
	}
	if (total)
		pr_warn("%s: %ld of %ld requests failed (%s): %s (%s)",
		    m->id, total, attempts, b.data, r->first_error[worst], class_hints[worst]);
	buf_free(&b);
}

static cJSON *
values_json(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, pr_ms_item(v[i]));
	return a;
}

/* The metric's entry in "metrics".  Caller owns it. */
static cJSON *
metric_json(const struct bench_metric *m, const struct run *r)
{
	cJSON *o = cJSON_CreateObject(), *ph;
	char *shown = pr_redact_url(m->url);
	struct pr_summary s;

	cJSON_AddStringToObject(o, "unit", "ms");
	cJSON_AddStringToObject(o, "better", "lower");
	cJSON_AddStringToObject(o, "measure", m->measure == MEASURE_TTFB ? "ttfb" : "total");
	cJSON_AddStringToObject(o, "url", shown);
	cJSON_AddStringToObject(o, "method", m->method ? m->method : "GET");
	cJSON_AddItemToObject(o, "samples", values_json(r->values, r->n));
	cJSON_AddItemToObject(o, "warmup", values_json(r->warm, r->nwarm));
	cJSON_AddItemToObject(o, "errors", bench_errors_json(r->errors));
	pr_summarize(r->values, r->n, &s);
	cJSON_AddItemToObject(o, "summary", pr_summary_to_json(&s));
	ph = cJSON_AddObjectToObject(o, "phases");
	for (int p = 0; p < NPHASES; p++) {
		pr_summarize(r->phases[p], r->n, &s);
		cJSON_AddItemToObject(ph, phase_names[p], pr_summary_to_json(&s));
	}
	free(shown);
	return o;
}

int
bench_sample(const struct bench_opts *o, cJSON *metrics)
{
	size_t measured = 0;
	int rc = 0;

	for (size_t i = 0; i < o->nmetrics && !rc; i++) {
		const struct bench_metric *m = &o->metrics[i];
		struct run r;

		run_init(&r, o->samples, o->cold_start ? 0 : o->warmup);
		rc = o->cold_start ? measure_cold(o, m, &r) : measure_warm(o, m, &r);
		if (!rc) {
			warn_errors(m, &r, o->samples);
			measured += r.n;
			cJSON_AddItemToObject(metrics, m->id, metric_json(m, &r));
		}
		run_free(&r);
	}
	if (!rc && measured == 0)
		rc = pr_error(PR_EXTERNAL, "no request succeeded for any of %zu metric%s (see the warnings above and the \"errors\" in the output)",
		    o->nmetrics, o->nmetrics == 1 ? "" : "s");
	return rc;
}
