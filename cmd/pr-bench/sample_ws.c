/*
 * sample_ws.c: pr-bench's sample mode for ws:// and wss:// metrics.  One
 * connection is opened (timed by phase: dns, connect, tls, upgrade and,
 * for Socket.IO, the namespace's "session") and held; warm-up messages,
 * then -n messages, each sent once the previous reply came, are timed from
 * the send to the reply (lib/wsclient.h).  A connection that fails is
 * opened again for the next message: each failure is one error of its
 * class, and every handshake is a value of the handshake phases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "buf.h"
#include "pr.h"
#include "stats.h"
#include "util.h"
#include "wsclient.h"

#define MS_PER_S 1000.0
#define RATE_DECIMALS 1000.0		/* messages_per_s is written to 3 decimals */

/* The handshake phases, one value per connection opened, in document order. */
enum hs_phase { HS_DNS, HS_CONNECT, HS_TLS, HS_UPGRADE, HS_SESSION, HS_HANDSHAKE, NHS };
static const char *const hs_names[NHS] = { "dns", "connect", "tls", "upgrade", "session", "handshake" };

/* What one metric's run collected.  Owns its vectors. */
struct wsrun {
	double *rtt, *first;		/* per message answered: send .. reply, send .. first byte */
	size_t n, cap;
	double *hs[NHS];		/* per connection opened */
	size_t nhs, hcap;
	double *warm;
	size_t nwarm;
	long attempts;
	uint64_t errors[PR_FAILURE_NCLASSES];
	uint64_t close_codes[WSCLIENT_NCODES];
	char first_error[256];
	unsigned long pings;
	bool held;			/* one connection carried every message */
	double busy_ms;			/* time spent in measured round trips */
};

static void
keep_handshake(struct wsrun *r, const struct wsclient_timing *t)
{
	const double v[NHS] = { t->dns_ms, t->connect_ms, t->tls_ms, t->upgrade_ms, t->session_ms, t->handshake_ms };

	if (r->nhs == r->hcap) {
		r->hcap = r->hcap ? 2 * r->hcap : 8;
		for (int p = 0; p < NHS; p++)
			r->hs[p] = xrealloc(r->hs[p], r->hcap * sizeof *r->hs[p]);
	}
	for (int p = 0; p < NHS; p++)
		r->hs[p][r->nhs] = v[p];
	r->nhs++;
}

/* Count a failure of c, with the server's close code when it sent one. */
static void
count_failure(struct wsrun *r, const struct wsclient_conn *c)
{
	if (r->errors[c->cls]++ == 0 && !*r->first_error)
		snprintf(r->first_error, sizeof r->first_error, "%s", c->error);
	if (c->s.close_code)
		r->close_codes[wsclient_code_slot(c->s.close_code)]++;
}

/* Open c unless it is; false when that failed (counted when counted is set). */
static bool
ensure_open(const struct bench_opts *o, const struct benchcfg_metric *m, struct wsclient_conn *c, struct wsrun *r,
    bool counted)
{
	struct wsclient_timing t;

	if (c->ready)
		return true;
	if (r->nhs > 0)
		r->held = false;
	wsclient_conn_close(c);
	if (wsclient_conn_open(c, m->url, &m->ws, (const char *const *)m->headers, o->insecure, o->timeout_s, &t) < 0) {
		if (counted)
			count_failure(r, c);
		else
			pr_log("%s: warm-up connection failed: %s", m->id, c->error);
		return false;
	}
	keep_handshake(r, &t);
	return true;
}

/* One message and its reply; true when it came. */
static bool
one_message(const struct bench_opts *o, const struct benchcfg_metric *m, struct wsclient_conn *c, struct wsrun *r,
    bool counted)
{
	double rtt = 0, first = 0;
	unsigned long pings0 = c->s.pings;

	if (!ensure_open(o, m, c, r, counted))
		return false;
	if (wsclient_conn_roundtrip(c, o->timeout_s, &rtt, &first) < 0) {
		if (counted)
			count_failure(r, c);
		return false;
	}
	r->pings += c->s.pings - pings0;
	if (!counted) {
		r->warm[r->nwarm++] = rtt;
		return true;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->rtt = xrealloc(r->rtt, r->cap * sizeof *r->rtt);
		r->first = xrealloc(r->first, r->cap * sizeof *r->first);
	}
	r->rtt[r->n] = rtt;
	r->first[r->n] = first;
	r->n++;
	r->busy_ms += rtt;
	return true;
}

static void
progress(const struct benchcfg_metric *m, long done, long all)
{
	if (!pr_progress_ok())
		return;
	fprintf(stderr, "\r\033[K%s %ld/%ld", m->id, done, all);
	if (done == all)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void
add_summary(cJSON *obj, const char *key, const double *v, size_t n)
{
	struct stats_summary s;

	stats_summarize(v, n, &s);
	cJSON_AddItemToObject(obj, key, stats_summary_to_json(&s));
}

/* "close_codes": {"1011": 3, ...}, the codes the server closed with. */
cJSON *
bench_close_codes_json(const uint64_t codes[WSCLIENT_NCODES])
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < WSCLIENT_NCODES; i++) {
		char name[8];

		if (!codes[i])
			continue;
		wsclient_slot_name(i, name);
		cJSON_AddNumberToObject(o, name, (double)codes[i]);
	}
	return o;
}

/* The metric's entry in "metrics".  Caller owns it. */
static cJSON *
metric_json(const struct benchcfg_metric *m, const struct wsrun *r)
{
	cJSON *o = cJSON_CreateObject(), *ph, *ws;
	char *shown = util_redact_url(m->url);

	cJSON_AddStringToObject(o, "unit", "ms");
	cJSON_AddStringToObject(o, "better", "lower");
	cJSON_AddStringToObject(o, "measure", "message");
	cJSON_AddStringToObject(o, "url", shown);
	cJSON_AddStringToObject(o, "protocol", wsclient_protocol_name(m->ws.protocol));
	cJSON_AddItemToObject(o, "samples", bench_values_json(r->rtt, r->n));
	cJSON_AddItemToObject(o, "warmup", bench_values_json(r->warm, r->nwarm));
	cJSON_AddItemToObject(o, "errors", bench_errors_json(r->errors));
	add_summary(o, "summary", r->rtt, r->n);
	ph = cJSON_AddObjectToObject(o, "phases");
	for (int p = 0; p < NHS; p++)
		add_summary(ph, hs_names[p], r->hs[p], r->nhs);
	add_summary(ph, "ttfb", r->first, r->n);
	add_summary(ph, "total", r->rtt, r->n);
	ws = cJSON_AddObjectToObject(o, "ws");
	cJSON_AddNumberToObject(ws, "connections_opened", (double)r->nhs);
	cJSON_AddNumberToObject(ws, "connections_held", r->held && r->nhs ? 1 : 0);
	cJSON_AddNumberToObject(ws, "messages", (double)r->n);
	/* Messages one at a time: per second of round trips, to 3 decimals. */
	cJSON_AddNumberToObject(ws, "messages_per_s", r->busy_ms > 0 ?
	    round((double)r->n * MS_PER_S / r->busy_ms * RATE_DECIMALS) / RATE_DECIMALS : 0);
	cJSON_AddNumberToObject(ws, "pings_answered", (double)r->pings);
	cJSON_AddItemToObject(ws, "close_codes", bench_close_codes_json(r->close_codes));
	free(shown);
	return o;
}

static void
warn_errors(const struct benchcfg_metric *m, const struct wsrun *r)
{
	struct buf b = { 0 };
	uint64_t total = bench_errors_list(r->errors, &b);

	if (total)
		pr_warn("%s: %llu of %ld messages failed (%s): %s", m->id, (unsigned long long)total, r->attempts,
		    b.data, r->first_error);
	buf_free(&b);
}

static void
wsrun_free(struct wsrun *r)
{
	free(r->rtt);
	free(r->first);
	free(r->warm);
	for (int p = 0; p < NHS; p++)
		free(r->hs[p]);
}

int
bench_sample_ws(const struct bench_opts *o, const struct benchcfg_metric *m, cJSON *metrics, size_t *measured)
{
	struct wsrun r = { .held = true };
	struct wsclient_conn c = { .tx.fd = -1 };

	r.warm = xcalloc(o->warmup > 0 ? (size_t)o->warmup : 1, sizeof *r.warm);
	for (long i = 0; i < o->warmup; i++) {
		one_message(o, m, &c, &r, false);
		progress(m, i + 1, o->warmup + o->samples);
	}
	for (; r.attempts < o->samples; r.attempts++) {
		one_message(o, m, &c, &r, true);
		progress(m, o->warmup + r.attempts + 1, o->warmup + o->samples);
	}
	wsclient_conn_close(&c);
	warn_errors(m, &r);
	*measured += r.n;
	cJSON_AddItemToObject(metrics, m->id, metric_json(m, &r));
	wsrun_free(&r);
	return 0;
}
