/*
 * main.c: pr-bench: options and the order of steps.  The "bench" section
 * of pr-tools.json is read by lib/benchcfg.c; measuring is sample.c (sample
 * and cold start), load.c (--load) and merge.c (`pr-bench merge`).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "git.h"
#include "history.h"
#include "precision.h"
#include "proc.h"
#include "stats.h"
#include "util.h"

#define DEFAULT_SAMPLES 20
#define DEFAULT_WARMUP 2
#define DEFAULT_COLD_SAMPLES 1
#define DEFAULT_TIMEOUT_S 10.0
#define DEFAULT_CONNECTIONS 10
#define DEFAULT_DURATION_S 10.0
#define MAX_COUNT BENCH_MAX_COUNT
#define MAX_CONNECTIONS BENCH_MAX_CONNECTIONS
#define COLD_START_ID "cold_start_health_ms"
#define HOST_NAME_LEN 256

/* Options without a short letter. */
enum {
	OPT_MEASURE = 256, OPT_COLD, OPT_IDLE, OPT_LOAD, OPT_RATE, OPT_LOAD_WARMUP, OPT_LOG,
	OPT_PRECISION, OPT_PRECISION_QUANTILES, OPT_MAX_SAMPLES, OPT_MAX_TIME, OPT_HTTP1_1, OPT_HTTP2, OPT_STREAMS,
	OPT_HISTORY, OPT_HISTORY_KEEP, OPT_PROTOCOL, OPT_MESSAGE, OPT_REPLY, OPT_EVENT, OPT_NAMESPACE,
};

static const char usage_text[] =
    "usage: pr-bench [options] [ID=URL | URL | ID]...\n"
    "       pr-bench --cold-start [--idle SECONDS] [options] [URL | ID=URL | ID]...\n"
    "       pr-bench --load [-C CONNECTIONS] [-d DURATION] [--rate RPS] [options] [ID=URL | ID]...\n"
    "       pr-bench merge FILE...\n"
    "\n"
    "Measure named HTTP, WebSocket and Socket.IO metrics and print a pr-tools/bench/1.1\n"
    "document on stdout.\n"
    "\n"
    "  -f, --config FILE       read the \"bench\" section of FILE (default ./pr-tools.json)\n"
    "  -n, --samples N         measured requests per metric (default 20; cold start 1)\n"
    "  -w, --warmup N          warm-up requests per metric, not counted (default 2)\n"
    "      --measure WHAT      headline value: ttfb or total (default total)\n"
    "  -t, --timeout DURATION  limit for each request (default 10s)\n"
    "      --precision PCT     sample each metric until the 95 % interval of its\n"
    "                          median is within +-PCT of it (e.g. 2%); -n is then\n"
    "                          the least number of samples\n"
    "      --precision-quantiles LIST\n"
    "                          the quantiles --precision aims at: 50, 95 or 50,95\n"
    "                          (default 50)\n"
    "      --max-samples N     with --precision: at most N requests per metric\n"
    "                          (default 10000)\n"
    "      --max-time DURATION with --precision: at most this long per metric\n"
    "                          (default 5m)\n"
    "  -k, --insecure          do not verify TLS certificates\n"
    "  -l, --label TEXT        a label stored in the document (\"baseline\", \"after\")\n"
    "  -o, --output FILE       also write the document to FILE, atomically (OUTPUT_JSON)\n"
    "      --cold-start        wait idle, then time the first request on a new\n"
    "                          connection (COLD_START=1)\n"
    "      --idle DURATION     idle time before each cold request (default 0)\n"
    "      --load              load mode: many connections for a fixed time\n"
    "  -C, --connections N     load: concurrent connections (default 10)\n"
    "  -d, --duration DURATION load: how long to run (default 10s)\n"
    "      --rate RPS          load: open loop at RPS requests per second (default\n"
    "                          closed loop)\n"
    "      --load-warmup DURATION\n"
    "                          load: run this long first, excluded from the results\n"
    "      --http1.1           load: HTTP/1.1 only (the epoll engine's default; libcurl,\n"
    "                          used for proxies and credentials, then offers no h2)\n"
    "      --http2             load: HTTP/2 on the epoll engine (ALPN h2 over\n"
    "                          https://, prior knowledge over http://)\n"
    "      --streams N         load, --http2: requests at once per connection\n"
    "                          (default 1)\n"
    "  -T, --threads N         load: client threads (default one per core, at most\n"
    "                          one per connection)\n"
    "      --protocol PROTO    ws:// and wss:// metrics: websocket (default) or socketio\n"
    "      --message TEXT      the message each sample sends (Socket.IO: the event's\n"
    "                          argument, as JSON; default \"ping\" for WebSocket)\n"
    "      --event NAME        Socket.IO: the event emitted (default \"message\")\n"
    "      --namespace NSP     Socket.IO: the namespace, such as /chat (default /)\n"
    "      --reply WHAT        what answers a message: echo (WebSocket default), ack\n"
    "                          (Socket.IO default), event:NAME, contains:TEXT,\n"
    "                          json:PATH or json:PATH=VALUE\n"
    "      --history FILE      also append one JSON line per metric to FILE (for\n"
    "                          pr-trend), safely when runs race\n"
    "      --history-keep KEEP with --history: keep records younger than KEEP\n"
    "                          (90d, 36h) or the newest KEEP per metric (500)\n"
    "      --log               also write logs/pr-bench-YYYYMMDD-HHMMSS.log (QA_LOG=1)\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "samples", required_argument, NULL, 'n' },
	{ "warmup", required_argument, NULL, 'w' },
	{ "measure", required_argument, NULL, OPT_MEASURE },
	{ "timeout", required_argument, NULL, 't' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "label", required_argument, NULL, 'l' },
	{ "output", required_argument, NULL, 'o' },
	{ "cold-start", no_argument, NULL, OPT_COLD },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ "load", no_argument, NULL, OPT_LOAD },
	{ "connections", required_argument, NULL, 'C' },
	{ "duration", required_argument, NULL, 'd' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "load-warmup", required_argument, NULL, OPT_LOAD_WARMUP },
	{ "http1.1", no_argument, NULL, OPT_HTTP1_1 },
	{ "http2", no_argument, NULL, OPT_HTTP2 },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "threads", required_argument, NULL, 'T' },
	{ "log", no_argument, NULL, OPT_LOG },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "precision-quantiles", required_argument, NULL, OPT_PRECISION_QUANTILES },
	{ "max-samples", required_argument, NULL, OPT_MAX_SAMPLES },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "history-keep", required_argument, NULL, OPT_HISTORY_KEEP },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "message", required_argument, NULL, OPT_MESSAGE },
	{ "reply", required_argument, NULL, OPT_REPLY },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "namespace", required_argument, NULL, OPT_NAMESPACE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Which settings the command line gave: those win over the config. */
struct given {
	const char *config;
	const char *measure;
	struct benchcfg_given set;
	bool log;
	const char *history;	/* --history FILE */
	struct history_keep keep;	/* --history-keep */
	bool given_keep;
	struct wsclient_spec ws;	/* --protocol, --message, --event, --namespace, --reply */
	bool given_ws;
};

/* One of the WebSocket options into spec (the last given wins). */
static int
parse_ws_option(int c, const char *arg, struct wsclient_spec *spec)
{
	char **dst = c == OPT_MESSAGE ? &spec->message : c == OPT_EVENT ? &spec->event : &spec->nsp;

	if (c == OPT_PROTOCOL) {
		if (wsclient_protocol_parse(arg, &spec->protocol))
			return pr_usage_error("--protocol: expected websocket or socketio, got '%s'", arg);
		return 0;
	}
	if (c == OPT_REPLY) {
		if (wsclient_reply_parse(arg, spec))
			return pr_usage_error("--reply: expected echo, ack, next, event:NAME, contains:TEXT or "
			    "json:PATH[=VALUE], got '%s'", arg);
		return 0;
	}
	free(*dst);
	*dst = xstrdup(arg);
	return 0;
}

/* Parse the options into o and g; *first is the index of the first operand. */
static int
parse_args(int argc, char **argv, struct bench_opts *o, struct given *g, int *first)
{
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:n:w:t:kl:o:C:d:T:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			g->config = optarg;
			break;
		case 'n':
			if (util_parse_long(optarg, 1, MAX_COUNT, &o->samples))
				return pr_usage_error("-n: expected a number of samples from 1 to %ld, got '%s'",
				    MAX_COUNT, optarg);
			g->set.samples = true;
			break;
		case 'w':
			if (util_parse_long(optarg, 0, MAX_COUNT, &o->warmup))
				return pr_usage_error("-w: expected a number of warm-ups from 0 to %ld, got '%s'",
				    MAX_COUNT, optarg);
			g->set.warmup = true;
			break;
		case OPT_MEASURE: {
			enum benchcfg_measure m;

			if (benchcfg_measure_parse(optarg, &m))
				return pr_usage_error("--measure: expected ttfb or total, got '%s'", optarg);
			g->measure = optarg;
			g->set.measure = true;
			break;
		}
		case 't':
			if ((rc = doc_duration_arg("--timeout", optarg, PR_POSITIVE, &o->timeout_s)))
				return rc;
			g->set.timeout = true;
			break;
		case 'k':
			o->insecure = g->set.insecure = true;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_COLD:
			o->cold_start = true;
			break;
		case OPT_IDLE:
			if ((rc = doc_duration_arg("--idle", optarg, PR_ZERO_OK, &o->idle_s)))
				return rc;
			g->set.idle = true;
			break;
		case OPT_LOAD:
			o->load = true;
			break;
		case 'C':
			if (util_parse_long(optarg, 1, MAX_CONNECTIONS, &o->connections))
				return pr_usage_error("-C: expected a number of connections from 1 to %ld, got '%s'",
				    MAX_CONNECTIONS, optarg);
			g->set.connections = true;
			break;
		case 'd':
			if ((rc = doc_duration_arg("-d", optarg, PR_POSITIVE, &o->duration_s)))
				return rc;
			g->set.duration = true;
			break;
		case OPT_RATE:
			if (util_parse_double(optarg, 0, 1e9, &o->rate_rps))
				return pr_usage_error(
				    "--rate: expected requests per second (0 for a closed loop), got '%s'", optarg);
			g->set.rate = true;
			break;
		case OPT_HTTP1_1:
			o->http1_1 = true;
			break;
		case OPT_HTTP2:
			o->http2 = true;
			break;
		case 'T':
			if (util_parse_long(optarg, 1, BENCH_MAX_THREADS, &o->threads))
				return pr_usage_error("-T: expected a number of threads from 1 to %d, got '%s'",
				    BENCH_MAX_THREADS, optarg);
			break;
		case OPT_STREAMS:
			if (util_parse_long(optarg, 1, BENCH_MAX_STREAMS, &o->streams))
				return pr_usage_error(
				    "--streams: expected streams per connection from 1 to %d, got '%s'",
				    BENCH_MAX_STREAMS, optarg);
			break;
		case OPT_LOAD_WARMUP:
			if ((rc = doc_duration_arg("--load-warmup", optarg, PR_ZERO_OK, &o->load_warmup_s)))
				return rc;
			g->set.load_warmup = true;
			break;
		case OPT_LOG:
			g->log = true;
			break;
		case OPT_PRECISION:
			if (benchcfg_precision_parse(optarg, &o->precision))
				return pr_usage_error(
				    "--precision: expected a relative precision above 0%% and below 100%% "
				    "such as 2%% or 0.02, got '%s'", optarg);
			g->set.precision = true;
			break;
		case OPT_PRECISION_QUANTILES:
			if (benchcfg_quantiles_parse(optarg, &o->precision_quantiles))
				return pr_usage_error("--precision-quantiles: expected 50, 95 or 50,95, got '%s'",
				    optarg);
			g->set.precision_quantiles = true;
			break;
		case OPT_MAX_SAMPLES:
			if (util_parse_long(optarg, 1, MAX_COUNT, &o->max_samples))
				return pr_usage_error(
				    "--max-samples: expected a number of samples from 1 to %ld, got '%s'",
				    MAX_COUNT, optarg);
			g->set.max_samples = true;
			break;
		case OPT_MAX_TIME:
			if ((rc = doc_duration_arg("--max-time", optarg, PR_POSITIVE, &o->max_time_s)))
				return rc;
			g->set.max_time = true;
			break;
		case OPT_HISTORY:
			g->history = optarg;
			break;
		case OPT_HISTORY_KEEP:
			if (history_keep_parse(optarg, &g->keep))
				return pr_usage_error(
				    "--history-keep %s: give an age (90d, 36h) or a count of records per "
				    "metric (500)", optarg);
			g->given_keep = true;
			break;
		case OPT_PROTOCOL:
		case OPT_MESSAGE:
		case OPT_REPLY:
		case OPT_EVENT:
		case OPT_NAMESPACE:
			if ((rc = parse_ws_option(c, optarg, &g->ws)))
				return rc;
			g->given_ws = true;
			break;
		default:
			return pr_getopt_other(c, usage_text, argv);
		}
	}
	if (o->cold_start && o->load)
		return pr_usage_error("--cold-start and --load measure different things: choose one");
	if (g->given_keep && !g->history)
		return pr_usage_error("--history-keep goes with --history FILE");
	*first = optind;
	return 0;
}

/* Inside GitHub Actions, mask the password of a user:password@ URL. */
static void
mask_url_password(const char *url)
{
	const char *host = strstr(url, "://"), *end, *at = NULL, *colon;

	if (!host || !pr_in_github())
		return;
	host += strlen("://");
	end = host + strcspn(host, "/?#");
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at || !(colon = memchr(host, ':', (size_t)(at - host))) || colon + 1 == at)
		return;
	{
		char *pw = xstrdup(colon + 1);

		pw[at - colon - 1] = '\0';
		gha_mask(pw);
		free(pw);
	}
}

/*
 * The "bench" section (lib/benchcfg.c): its settings into o unless given as
 * flags, its metrics into a new array *out of *nout.  0 or PR_INPUT.
 */
static int
read_section(const struct config *cfg, const cJSON *sec, struct bench_opts *o, const struct given *g,
    enum benchcfg_measure dflt, struct benchcfg_metric **out, size_t *nout)
{
	struct benchcfg_settings set = {
		.samples = o->samples, .warmup = o->warmup, .connections = o->connections,
		.timeout_s = o->timeout_s, .idle_s = o->idle_s, .duration_s = o->duration_s,
		.rate_rps = o->rate_rps, .load_warmup_s = o->load_warmup_s, .insecure = o->insecure,
		.measure = dflt, .precision = o->precision, .precision_quantiles = o->precision_quantiles,
		.max_samples = o->max_samples, .max_time_s = o->max_time_s,
	};
	struct buf ctx = {0};
	int rc;

	buf_printf(&ctx, "%s: bench", cfg->name);
	rc = benchcfg_parse(sec, ctx.data, &g->set, &set, out, nout);
	buf_free(&ctx);
	if (rc)
		return rc;
	o->samples = set.samples;
	o->warmup = set.warmup;
	o->connections = set.connections;
	o->timeout_s = set.timeout_s;
	o->idle_s = set.idle_s;
	o->duration_s = set.duration_s;
	o->rate_rps = set.rate_rps;
	o->load_warmup_s = set.load_warmup_s;
	o->insecure = set.insecure;
	o->precision = set.precision;
	o->precision_quantiles = set.precision_quantiles;
	o->max_samples = set.max_samples;
	o->max_time_s = set.max_time_s;
	return 0;
}

/* The load engine's protocol flags: one protocol, streams with HTTP/2.  0 or PR_USAGE. */
static int
check_protocol(const struct bench_opts *o)
{
	if (o->http1_1 && o->http2)
		return pr_usage_error("--http1.1 and --http2: choose one");
	if (o->streams && !o->http2)
		return pr_usage_error("--streams goes with --http2");
	return 0;
}

/*
 * --precision keeps sampling one request at a time: not a load-mode flag (a
 * config's "precision", meant for its sample runs, is left unused by --load).
 */
static int
check_precision(const struct bench_opts *o, const struct given *g)
{
	if (o->load && (g->set.precision || g->set.precision_quantiles || g->set.max_samples || g->set.max_time))
		return pr_usage_error(
		    "--precision: load mode measures for a fixed -d; use it in sample or cold-start mode");
	if (o->precision == 0 && (g->set.precision_quantiles || g->set.max_samples || g->set.max_time))
		return pr_usage_error("--precision-quantiles, --max-samples and --max-time go with --precision");
	return 0;
}

/*
 * Load mode writes each metric <id> twice, as "<id>" and "<id>_rps" (and a
 * WebSocket metric's handshakes as "<id>_handshake"): refuse a selection
 * where one of those keys is another metric's id, as the document would
 * hold that key twice.  0 or PR_USAGE (reported).
 */
static int
refuse_rps_collision(const struct benchcfg_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].id);

		for (size_t j = 0; j < n; j++) {
			if (strncmp(v[j].id, v[i].id, len) == 0 && strcmp(v[j].id + len, BENCH_RPS_SUFFIX) == 0)
				return pr_usage_error(
				    "%s and %s: --load writes %s's throughput as %s, so the ids collide "
				    "(rename %s)", v[i].id, v[j].id, v[i].id, v[j].id, v[j].id);
			if (v[i].is_ws && strncmp(v[j].id, v[i].id, len) == 0 &&
			    strcmp(v[j].id + len, BENCH_HANDSHAKE_SUFFIX) == 0)
				return pr_usage_error(
				    "%s and %s: --load writes %s's handshakes as %s, so the ids collide "
				    "(rename %s)", v[i].id, v[j].id, v[i].id, v[j].id, v[j].id);
		}
	}
	return 0;
}

/* An ad hoc ID=ws://... metric: its URL checked, the flags' spec.  0 or PR_USAGE. */
static int
adhoc_ws(struct benchcfg_metric *m, const struct given *g)
{
	struct wsclient_url u;
	char why[128];
	const char *bad;

	if (wsclient_url_parse(m->url, &u, why, sizeof why) < 0) {
		char *shown = util_redact_url(m->url);
		int rc = pr_usage_error("%s=%s: %s", m->id, shown, why);

		free(shown);
		return rc;
	}
	wsclient_url_free(&u);
	m->is_ws = true;
	wsclient_spec_copy(&m->ws, &g->ws);
	if ((bad = wsclient_spec_check(&m->ws)))
		return pr_usage_error("%s: %s", m->id, bad);
	return 0;
}

/*
 * WebSocket flags need a ws:// metric given on the command line; cold starts
 * and --precision are for HTTP metrics only.
 */
static int
check_ws_selection(const struct benchcfg_metric *v, size_t n, const struct bench_opts *o, const struct given *g)
{
	bool adhoc = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i].is_ws && o->cold_start)
			return pr_usage_error("%s: --cold-start measures HTTP requests, not WebSocket messages",
			    v[i].id);
		if (v[i].is_ws && o->precision > 0)
			return pr_usage_error("%s: --precision samples HTTP requests; give a WebSocket metric -n",
			    v[i].id);
		adhoc |= v[i].is_ws;
	}
	if (g->given_ws && !adhoc)
		return pr_usage_error("--protocol, --message, --event, --namespace and --reply go with an ID=ws://... "
		    "or ID=wss://... metric");
	return 0;
}

/*
 * Choose what to measure: operands ID=URL (ad hoc), URL (cold start only:
 * id cold_start_health_ms) or ID (a configured metric); with no operands,
 * the configured metrics of this mode.  Fills o->metrics.
 */
static int
select_metrics(int argc, char **argv, const struct benchcfg_metric *cfg, size_t ncfg, enum benchcfg_measure dflt,
    struct bench_opts *o, const struct given *g)
{
	struct benchcfg_metric *v = xcalloc((size_t)argc + ncfg + 1, sizeof *v);
	size_t n = 0;
	int rc = 0;

	for (int i = 0; i < argc && !rc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t k;

		if (eq && benchcfg_id_valid(a, (size_t)(eq - a))) {
			if (!strstr(eq + 1, "://")) {
				rc = pr_usage_error("%.*s: expected an http://, https://, ws:// or wss:// URL "
				    "after '='", (int)(eq - a), a);
				break;
			}
			v[n].id = xstrdup(a);
			v[n].id[eq - a] = '\0';
			v[n].url = xstrdup(eq + 1);
			v[n].measure = dflt;
			if (wsclient_url_is_ws(v[n].url) && (rc = adhoc_ws(&v[n], g))) {
				n++;
				break;
			}
		} else if (strstr(a, "://")) {
			if (eq && eq < strstr(a, "://") && !o->cold_start) {
				const char *which = doc_utf8_valid(a, (size_t)(eq - a), NULL) ? "the" : "the non-UTF-8";

				rc = pr_usage_error(
				    "%s id '%.*s' is not a metric id (letters, digits and _ . : - only)",
				    which, (int)(eq - a), a);
				break;
			}
			if (!o->cold_start) {
				char *shown = util_redact_url(a);

				rc = pr_usage_error("%s: name the metric, as ID=URL", shown);
				free(shown);
				break;
			}
			v[n].id = xstrdup(COLD_START_ID);
			v[n].url = xstrdup(a);
			v[n].measure = dflt;
		} else {
			for (k = 0; k < ncfg && strcmp(cfg[k].id, a) != 0; k++)
				;
			if (k == ncfg) {
				rc = pr_usage_error("%s: no such metric in the config's bench.metrics (or give ID=URL)",
				    a);
				break;
			}
			benchcfg_metric_copy(&v[n], &cfg[k]);
		}
		for (size_t j = 0; j < n && !rc; j++)
			if (strcmp(v[j].id, v[n].id) == 0)
				rc = pr_usage_error("%s: metric named twice", v[n].id);
		n++;
	}
	if (!rc && argc == 0) {
		size_t ncold = 0;

		for (size_t k = 0; k < ncfg; k++)
			ncold += cfg[k].cold_start;
		for (size_t k = 0; k < ncfg; k++) {
			/* Cold-start metrics belong to cold-start runs (all, if none is marked). */
			if (o->cold_start ? (ncold == 0 || cfg[k].cold_start) : !cfg[k].cold_start)
				benchcfg_metric_copy(&v[n++], &cfg[k]);
		}
		if (n == 0)
			rc = pr_usage_error("nothing to measure: give ID=URL, or -f FILE with bench.metrics");
	}
	if (!rc && o->load)
		rc = refuse_rps_collision(v, n);
	if (!rc)
		rc = check_ws_selection(v, n, o, g);
	if (rc) {
		benchcfg_metrics_free(v, n);
		return rc;
	}
	for (size_t i = 0; i < n; i++)
		mask_url_password(v[i].url);
	o->metrics = v;
	o->nmetrics = n;
	return 0;
}

/* Environment variables from the runbook; flags win. */
static void
read_env(struct bench_opts *o)
{
	const char *s;

	o->output = doc_output_path(o->output);
	if (!o->cold_start && !o->load && (s = getenv("COLD_START")) && strcmp(s, "1") == 0)
		o->cold_start = true;
	if (!o->label && (s = getenv("BENCH_LABEL")) && *s)
		o->label = s;
}

/* settings.precision, precision_quantiles, max_samples and max_time_s. */
static void
add_precision_settings(cJSON *set, const struct bench_opts *o)
{
	cJSON *q;

	cJSON_AddNumberToObject(set, "precision", o->precision);
	q = cJSON_AddArrayToObject(set, "precision_quantiles");
	if (o->precision_quantiles & PR_PRECISION_P50)
		cJSON_AddItemToArray(q, cJSON_CreateNumber(50));
	if (o->precision_quantiles & PR_PRECISION_P95)
		cJSON_AddItemToArray(q, cJSON_CreateNumber(95));
	cJSON_AddNumberToObject(set, "max_samples", (double)o->max_samples);
	cJSON_AddNumberToObject(set, "max_time_s", o->max_time_s);
}

/* The header fields every pr-tools/bench/1 document carries besides metrics. */
static int
add_context(cJSON *doc, const struct bench_opts *o)
{
	char *commit, why[PR_WHY_LEN];
	char host[HOST_NAME_LEN] = "", run_id[BENCH_RUN_ID_LEN + 1];
	cJSON *git, *set;
	int rc;

	if ((rc = benchdoc_run_id_new(run_id)))
		return rc;
	cJSON_AddStringToObject(doc, "run_id", run_id);
	if (git_commit_of("HEAD", &commit, why, sizeof why) != PR_OK)
		commit = NULL;	/* not in a repository, or no commit yet: "commit" is null */
	cJSON_AddStringToObject(doc, "mode", o->load ? "load" : o->cold_start ? "cold_start" : "sample");
	if (o->label)
		cJSON_AddStringToObject(doc, "label", o->label);
	else
		cJSON_AddNullToObject(doc, "label");
	git = cJSON_AddObjectToObject(doc, "git");
	if (commit && strlen(commit) >= 7 && strspn(commit, "0123456789abcdef") == strlen(commit))
		cJSON_AddStringToObject(git, "commit", commit);
	else
		cJSON_AddNullToObject(git, "commit");
	free(commit);
	if (gethostname(host, sizeof host - 1) == 0 && *host)
		cJSON_AddStringToObject(doc, "host", host);
	else
		cJSON_AddNullToObject(doc, "host");
	set = cJSON_AddObjectToObject(doc, "settings");
	cJSON_AddNumberToObject(set, "timeout_s", o->timeout_s);
	cJSON_AddBoolToObject(set, "insecure", o->insecure);
	if (o->load) {
		cJSON_AddNumberToObject(set, "connections", (double)o->connections);
		cJSON_AddNumberToObject(set, "duration_s", o->duration_s);
		if (o->rate_rps > 0)
			cJSON_AddNumberToObject(set, "rate_rps", o->rate_rps);
		else
			cJSON_AddNullToObject(set, "rate_rps");
		cJSON_AddNumberToObject(set, "load_warmup_s", o->load_warmup_s);
	} else {
		cJSON_AddNumberToObject(set, "samples", (double)o->samples);
		cJSON_AddNumberToObject(set, "warmup", (double)(o->cold_start ? 0 : o->warmup));
		if (o->cold_start)
			cJSON_AddNumberToObject(set, "idle_s", o->idle_s);
		if (o->precision > 0)
			add_precision_settings(set, o);
	}
	return 0;
}

static const char *
fmt_num(char *out, size_t len, const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNumber(it))
		snprintf(out, len, "%.3f", it->valuedouble);
	else
		snprintf(out, len, "-");
	return out;
}

/* Inside GitHub Actions: <id>_p50 outputs and a Markdown table. */
static void
report_github(const cJSON *doc)
{
	static const char *const head[] = { "metric", "unit", "n", "p50", "p95", "max", "errors" };
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics"), *m;
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(doc, "mode");
	struct buf md = {0};

	if (!pr_in_github())
		return;
	buf_printf(&md, "### pr-bench (%s)\n\n", cJSON_IsString(mode) ? mode->valuestring : "sample");
	gha_table_head(&md, 7, head, "llrrrrr");
	cJSON_ArrayForEach(m, metrics) {
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m, "summary");
		const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "unit");
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "errors"),
		    "total");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(sum, "n");
		char key[300], p50[32], p95[32], max[32], count[32], errors[32];

		snprintf(key, sizeof key, "%s_p50", m->string);
		fmt_num(p50, sizeof p50, sum, "p50");
		gha_output(key, p50);
		snprintf(count, sizeof count, "%d", cJSON_IsNumber(n) ? n->valueint : 0);
		snprintf(errors, sizeof errors, "%d", cJSON_IsNumber(err) ? err->valueint : 0);
		gha_table_row(&md, 7, (const struct gha_cell[]){
			{ m->string, GHA_PLAIN },
			{ cJSON_IsString(unit) ? unit->valuestring : "ms", GHA_PLAIN },
			{ count, GHA_PLAIN },
			{ p50, GHA_PLAIN },
			{ fmt_num(p95, sizeof p95, sum, "p95"), GHA_PLAIN },
			{ fmt_num(max, sizeof max, sum, "max"), GHA_PLAIN },
			{ errors, GHA_PLAIN },
		});
	}
	gha_summary(md.data);
	buf_free(&md);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.samples = DEFAULT_SAMPLES, .warmup = DEFAULT_WARMUP, .timeout_s = DEFAULT_TIMEOUT_S,
		.connections = DEFAULT_CONNECTIONS, .duration_s = DEFAULT_DURATION_S,
		.precision_quantiles = PR_PRECISION_P50, .max_samples = BENCH_DEFAULT_MAX_SAMPLES,
		.max_time_s = BENCH_DEFAULT_MAX_TIME_S,
	};
	struct given g = {0};
	struct config cfg = {0};
	struct benchcfg_metric *cfg_metrics = NULL;
	size_t ncfg = 0;
	enum benchcfg_measure dflt = MEASURE_TOTAL;
	cJSON *doc = NULL, *metrics;
	int rc, erc, first = 0;

	pr_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "merge") == 0)
		return bench_merge(argc - 1, argv + 1);
	if ((rc = parse_args(argc, argv, &o, &g, &first)))
		return rc;
	read_env(&o);
	if (g.measure)
		benchcfg_measure_parse(g.measure, &dflt);
	if ((rc = pr_log_open(NULL, "pr-bench", NULL, g.log)))
		return rc;
	if ((rc = config_load(g.config, &cfg)))
		goto out;
	if (config_section(&cfg, "bench")
	    && (rc = read_section(&cfg, config_section(&cfg, "bench"), &o, &g, dflt, &cfg_metrics, &ncfg)))
		goto out;
	if (cfg.root && !config_section(&cfg, "bench"))
		pr_log("%s: no \"bench\" section; using flags only", cfg.name);
	if (g.measure)
		for (size_t i = 0; i < ncfg; i++)
			cfg_metrics[i].measure = dflt;
	/* The config's samples are for warm runs; a cold run is one request. */
	if (o.cold_start && !g.set.samples)
		o.samples = DEFAULT_COLD_SAMPLES;
	if ((rc = check_precision(&o, &g)))
		goto out;
	if ((rc = check_protocol(&o)))
		goto out;
	if ((rc = select_metrics(argc - first, argv + first, cfg_metrics, ncfg, dflt, &o, &g)))
		goto out;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	doc = benchdoc_new();
	if ((rc = add_context(doc, &o)))
		goto out_curl;
	metrics = cJSON_AddObjectToObject(doc, "metrics");
	rc = o.load ? bench_load(&o, metrics) : bench_sample(&o, metrics);
	/* The document is data even when nothing was measured: emit it. */
	if (rc == PR_OK || rc == PR_EXTERNAL) {
		erc = doc_emit(doc, o.output);
		if (!rc)
			rc = erc;
		if (g.history && (erc = history_record(doc, g.history, &g.keep)) && !rc)
			rc = erc;
		report_github(doc);
	}
out_curl:
	curl_global_cleanup();
out:
	cJSON_Delete(doc);
	benchcfg_metrics_free(o.metrics, o.nmetrics);
	benchcfg_metrics_free(cfg_metrics, ncfg);
	wsclient_spec_free(&g.ws);
	config_free(&cfg);
	if ((erc = pr_log_close()) && rc == PR_OK)
		rc = erc;
	return rc;
}
