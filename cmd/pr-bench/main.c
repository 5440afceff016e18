/*
 * main.c: pr-bench: options, the "bench" section of pr-tools.json, and the
 * order of steps.  Measuring is sample.c (sample and cold start), load.c
 * (--load) and merge.c (`pr-bench merge`).
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "err.h"
#include "gha.h"
#include "stats.h"
#include "util.h"

#define DEFAULT_SAMPLES 20
#define DEFAULT_WARMUP 2
#define DEFAULT_COLD_SAMPLES 1
#define DEFAULT_TIMEOUT_S 10.0
#define DEFAULT_CONNECTIONS 10
#define DEFAULT_DURATION_S 10.0
#define MAX_COUNT 1000000L
#define MAX_CONNECTIONS 100000L
#define MAX_SECONDS (7.0 * 24 * 3600)
#define COLD_START_ID "cold_start_health_ms"
#define HOST_NAME_LEN 256

/* Options without a short letter. */
enum {
	OPT_MEASURE = 256, OPT_COLD, OPT_IDLE, OPT_LOAD, OPT_RATE, OPT_LOAD_WARMUP, OPT_LOG,
};

static const char usage_text[] =
    "usage: pr-bench [options] [ID=URL | URL | ID]...\n"
    "       pr-bench --cold-start [--idle SECONDS] [options] [URL | ID=URL | ID]...\n"
    "       pr-bench --load [-C CONNECTIONS] [-d DURATION] [--rate RPS] [options] [ID=URL | ID]...\n"
    "       pr-bench merge FILE...\n"
    "\n"
    "Measure named HTTP metrics and print a pr-tools/bench/1 document on stdout.\n"
    "\n"
    "  -f, --config FILE       read the \"bench\" section of FILE (default ./pr-tools.json)\n"
    "  -n, --samples N         measured requests per metric (default 20; cold start 1)\n"
    "  -w, --warmup N          warm-up requests per metric, not counted (default 2)\n"
    "      --measure WHAT      headline value: ttfb or total (default total)\n"
    "  -t, --timeout DURATION  limit for each request (default 10s)\n"
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
	{ "log", no_argument, NULL, OPT_LOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Which settings the command line gave: those win over the config. */
struct given {
	const char *config;
	const char *measure;
	bool samples, warmup, timeout, insecure, idle, connections, duration, rate, load_warmup;
	bool log;
};

static int
parse_measure(const char *s, enum bench_measure *out)
{
	if (strcmp(s, "ttfb") == 0)
		*out = MEASURE_TTFB;
	else if (strcmp(s, "total") == 0)
		*out = MEASURE_TOTAL;
	else
		return -1;
	return 0;
}

static bool
valid_id(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:-", s[i]))
			return false;
	return true;
}

/* Parse the options into o and g; *first is the index of the first operand. */
static int
parse_args(int argc, char **argv, struct bench_opts *o, struct given *g, int *first)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:n:w:t:kl:o:C:d:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			g->config = optarg;
			break;
		case 'n':
			if (pr_parse_long(optarg, 1, MAX_COUNT, &o->samples))
				return pr_usage_error("-n: expected a number of samples from 1 to %ld, got '%s'", MAX_COUNT, optarg);
			g->samples = true;
			break;
		case 'w':
			if (pr_parse_long(optarg, 0, MAX_COUNT, &o->warmup))
				return pr_usage_error("-w: expected a number of warm-ups from 0 to %ld, got '%s'", MAX_COUNT, optarg);
			g->warmup = true;
			break;
		case OPT_MEASURE: {
			enum bench_measure m;

			if (parse_measure(optarg, &m))
				return pr_usage_error("--measure: expected ttfb or total, got '%s'", optarg);
			g->measure = optarg;
			break;
		}
		case 't':
			if (pr_parse_duration(optarg, &o->timeout_s) || !(o->timeout_s > 0) || o->timeout_s > MAX_SECONDS)
				return pr_usage_error("--timeout: expected a positive duration such as 5s or 500ms, got '%s'", optarg);
			g->timeout = true;
			break;
		case 'k':
			o->insecure = g->insecure = true;
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
			if (pr_parse_duration(optarg, &o->idle_s) || o->idle_s > MAX_SECONDS)
				return pr_usage_error("--idle: expected a duration such as 60s or 5m, got '%s'", optarg);
			g->idle = true;
			break;
		case OPT_LOAD:
			o->load = true;
			break;
		case 'C':
			if (pr_parse_long(optarg, 1, MAX_CONNECTIONS, &o->connections))
				return pr_usage_error("-C: expected a number of connections from 1 to %ld, got '%s'", MAX_CONNECTIONS, optarg);
			g->connections = true;
			break;
		case 'd':
			if (pr_parse_duration(optarg, &o->duration_s) || !(o->duration_s > 0) || o->duration_s > MAX_SECONDS)
				return pr_usage_error("-d: expected a positive duration such as 30s, got '%s'", optarg);
			g->duration = true;
			break;
		case OPT_RATE:
			if (pr_parse_double(optarg, 0, 1e9, &o->rate_rps))
				return pr_usage_error("--rate: expected requests per second (0 for a closed loop), got '%s'", optarg);
			g->rate = true;
			break;
		case OPT_LOAD_WARMUP:
			if (pr_parse_duration(optarg, &o->load_warmup_s) || o->load_warmup_s > MAX_SECONDS)
				return pr_usage_error("--load-warmup: expected a duration such as 5s, got '%s'", optarg);
			g->load_warmup = true;
			break;
		case OPT_LOG:
			g->log = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(PR_OK);
		case 'V':
			printf("pr-bench %s\n", PR_VERSION);
			exit(PR_OK);
		default:
			return pr_getopt_error(c, argv);
		}
	}
	if (o->cold_start && o->load)
		return pr_usage_error("--cold-start and --load measure different things: choose one");
	*first = optind;
	return 0;
}

static void
free_metric(struct bench_metric *m)
{
	free(m->id);
	free(m->url);
	free(m->method);
	for (char **h = m->headers; h && *h; h++)
		free(*h);
	free(m->headers);
	free(m->body);
}

static void
free_metrics(struct bench_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_metric(&v[i]);
	free(v);
}

/* A number of seconds, or a duration string ("30s", "500ms"), at obj[key]. */
static int
get_duration(const cJSON *obj, const char *key, const char *ctx, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!it || cJSON_IsNull(it))
		return 0;
	if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble <= MAX_SECONDS) {
		*out = it->valuedouble;
		return 0;
	}
	if (cJSON_IsString(it) && pr_parse_duration(it->valuestring, out) == 0 && *out <= MAX_SECONDS)
		return 0;
	return pr_error(PR_INPUT, "%s.%s: expected seconds or a duration such as \"10s\" (fix the config)", ctx, key);
}

/* Refuse any member of obj not in known (NULL-terminated). */
static int
check_fields(const cJSON *obj, const char *const *known, const char *ctx)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, it->string) != 0; k++)
			;
		if (!*k) {
			struct buf b = {0};

			for (k = known; *k; k++)
				buf_printf(&b, "%s%s", k == known ? "" : ", ", *k);
			pr_error(PR_INPUT, "%s.%s: unknown field (expected one of: %s)", ctx, it->string, b.data);
			buf_free(&b);
			return PR_INPUT;
		}
	}
	return 0;
}

/* Header lines from a config object {"Name": "value"}; gha-masks secret ones. */
static int
parse_headers(const cJSON *obj, const char *ctx, char ***out)
{
	size_t n = 0, i = 0;
	const cJSON *it;
	char **v;

	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s.headers: expected an object of \"Name\": \"value\", found %s", ctx, pr_json_type(obj));
	cJSON_ArrayForEach(it, obj)
		n++;
	v = xcalloc(n + 1, sizeof *v);
	cJSON_ArrayForEach(it, obj) {
		struct buf b = {0};

		if (!cJSON_IsString(it) || !valid_id(it->string, strlen(it->string))
		    || strpbrk(it->valuestring, "\r\n")) {
			pr_error(PR_INPUT, "%s.headers.%s: expected a header name and a one-line string value", ctx, it->string);
			for (i = 0; v[i]; i++)
				free(v[i]);
			free(v);
			return PR_INPUT;
		}
		if (pr_is_secret_name(it->string))
			gha_mask(it->valuestring);
		buf_printf(&b, "%s: %s", it->string, it->valuestring);
		v[i++] = buf_detach(&b);
	}
	*out = v;
	return 0;
}

/* A JSON body is sent as application/json unless a Content-Type is configured. */
static void
add_json_type(struct bench_metric *m)
{
	size_t n = 0;

	for (; m->headers && m->headers[n]; n++)
		if (strncasecmp(m->headers[n], "Content-Type:", strlen("Content-Type:")) == 0)
			return;
	m->headers = xrealloc(m->headers, (n + 2) * sizeof *m->headers);
	m->headers[n] = xstrdup("Content-Type: application/json");
	m->headers[n + 1] = NULL;
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

/* One entry of bench.metrics into m (zeroed by the caller). */
static int
parse_metric(const cJSON *obj, const char *ctx, enum bench_measure dflt, struct bench_metric *m)
{
	static const char *const known[] = {
		"id", "url", "method", "headers", "body", "expect_status", "measure", "cold_start", NULL,
	};
	const char *id = NULL, *url = NULL, *method = NULL, *measure = NULL;
	const cJSON *headers = NULL, *body;
	int rc;

	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s: expected an object with \"id\" and \"url\", found %s", ctx, pr_json_type(obj));
	if ((rc = check_fields(obj, known, ctx))
	    || (rc = pr_get_string(obj, "id", PR_REQUIRED, ctx, &id))
	    || (rc = pr_get_string(obj, "url", PR_REQUIRED, ctx, &url))
	    || (rc = pr_get_string(obj, "method", PR_OPTIONAL, ctx, &method))
	    || (rc = pr_get_long(obj, "expect_status", PR_OPTIONAL, ctx, 100, 599, &m->expect_status))
	    || (rc = pr_get_string(obj, "measure", PR_OPTIONAL, ctx, &measure))
	    || (rc = pr_get_bool(obj, "cold_start", PR_OPTIONAL, ctx, &m->cold_start)))
		return rc;
	if (!valid_id(id, strlen(id)))
		return pr_error(PR_INPUT, "%s.id: '%s' is not a metric id (letters, digits and _ . : - only)", ctx, id);
	if (!strstr(url, "://"))
		return pr_error(PR_INPUT, "%s.url: expected an http:// or https:// URL", ctx);
	if (method && (!*method || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method)))
		return pr_error(PR_INPUT, "%s.method: '%s' is not an HTTP method such as GET or POST", ctx, method);
	m->measure = dflt;
	if (measure && parse_measure(measure, &m->measure))
		return pr_error(PR_INPUT, "%s.measure: expected \"ttfb\" or \"total\", found \"%s\"", ctx, measure);
	body = cJSON_GetObjectItemCaseSensitive(obj, "body");
	if (body && !cJSON_IsNull(body)) {
		if (cJSON_IsString(body))
			m->body = xstrdup(body->valuestring);
		else if (cJSON_IsObject(body) || cJSON_IsArray(body))
			m->body = cJSON_PrintUnformatted(body);
		else
			return pr_error(PR_INPUT, "%s.body: expected a string or JSON, found %s", ctx, pr_json_type(body));
	}
	headers = cJSON_GetObjectItemCaseSensitive(obj, "headers");
	if (headers && !cJSON_IsNull(headers) && (rc = parse_headers(headers, ctx, &m->headers)))
		return rc;
	if (body && (cJSON_IsObject(body) || cJSON_IsArray(body)))
		add_json_type(m);
	m->id = xstrdup(id);
	m->url = xstrdup(url);
	m->method = method ? xstrdup(method) : NULL;
	return 0;
}

/* The "bench" section's settings (unless given as flags) and its metrics. */
static int
parse_section(const struct pr_config *cfg, const cJSON *sec, struct bench_opts *o, const struct given *g,
    enum bench_measure dflt, struct bench_metric **out, size_t *nout)
{
	static const char *const known[] = {
		"metrics", "samples", "warmup", "timeout", "measure", "insecure", "idle",
		"connections", "duration", "rate", "load_warmup", NULL,
	};
	struct buf ctx = {0};
	const cJSON *arr = NULL, *it;
	const char *measure = NULL;
	struct bench_metric *v = NULL;
	size_t n = 0;
	int rc;
	long l;
	double d;
	bool b;

	buf_printf(&ctx, "%s: bench", cfg->name);
	if (!cJSON_IsObject(sec)) {
		rc = pr_error(PR_INPUT, "%s: expected an object, found %s", ctx.data, pr_json_type(sec));
		goto out;
	}
	if ((rc = check_fields(sec, known, ctx.data))
	    || (rc = pr_get_array(sec, "metrics", PR_OPTIONAL, ctx.data, &arr))
	    || (rc = pr_get_string(sec, "measure", PR_OPTIONAL, ctx.data, &measure)))
		goto out;
	if (measure && !g->measure && parse_measure(measure, &dflt)) {
		rc = pr_error(PR_INPUT, "%s.measure: expected \"ttfb\" or \"total\", found \"%s\"", ctx.data, measure);
		goto out;
	}
	l = o->samples;
	if ((rc = pr_get_long(sec, "samples", PR_OPTIONAL, ctx.data, 1, MAX_COUNT, &l)))
		goto out;
	if (!g->samples)
		o->samples = l;
	l = o->warmup;
	if ((rc = pr_get_long(sec, "warmup", PR_OPTIONAL, ctx.data, 0, MAX_COUNT, &l)))
		goto out;
	if (!g->warmup)
		o->warmup = l;
	l = o->connections;
	if ((rc = pr_get_long(sec, "connections", PR_OPTIONAL, ctx.data, 1, MAX_CONNECTIONS, &l)))
		goto out;
	if (!g->connections)
		o->connections = l;
	b = o->insecure;
	if ((rc = pr_get_bool(sec, "insecure", PR_OPTIONAL, ctx.data, &b)))
		goto out;
	if (!g->insecure)
		o->insecure = b;
	d = o->rate_rps;
	if ((rc = pr_get_number(sec, "rate", PR_OPTIONAL, ctx.data, &d)))
		goto out;
	if (d < 0) {
		rc = pr_error(PR_INPUT, "%s.rate: expected requests per second, 0 or more", ctx.data);
		goto out;
	}
	if (!g->rate)
		o->rate_rps = d;
	{
		struct { const char *key; bool given; double *dst; bool positive; } durs[] = {
			{ "timeout", g->timeout, &o->timeout_s, true },
			{ "idle", g->idle, &o->idle_s, false },
			{ "duration", g->duration, &o->duration_s, true },
			{ "load_warmup", g->load_warmup, &o->load_warmup_s, false },
		};

		for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
			d = *durs[i].dst;
			if ((rc = get_duration(sec, durs[i].key, ctx.data, &d)))
				goto out;
			if (durs[i].positive && !(d > 0)) {
				rc = pr_error(PR_INPUT, "%s.%s: must be more than 0 (fix the config)", ctx.data, durs[i].key);
				goto out;
			}
			if (!durs[i].given)
				*durs[i].dst = d;
		}
	}
	n = (size_t)cJSON_GetArraySize(arr);
	v = xcalloc(n ? n : 1, sizeof *v);
	n = 0;
	cJSON_ArrayForEach(it, arr) {
		struct buf mctx = {0};

		buf_printf(&mctx, "%s.metrics[%zu]", ctx.data, n);
		rc = parse_metric(it, mctx.data, dflt, &v[n]);
		n++;
		for (size_t j = 0; !rc && j + 1 < n; j++)
			if (strcmp(v[j].id, v[n - 1].id) == 0)
				rc = pr_error(PR_INPUT, "%s.id: '%s' is used twice (metric ids must be unique)", mctx.data, v[j].id);
		buf_free(&mctx);
		if (rc)
			goto out;
	}
	*out = v;
	*nout = n;
	v = NULL;
out:
	if (v)
		free_metrics(v, n);
	buf_free(&ctx);
	return rc;
}

static void
copy_metric(struct bench_metric *dst, const struct bench_metric *src)
{
	size_t n = 0;

	*dst = *src;
	dst->id = xstrdup(src->id);
	dst->url = xstrdup(src->url);
	dst->method = src->method ? xstrdup(src->method) : NULL;
	dst->body = src->body ? xstrdup(src->body) : NULL;
	dst->headers = NULL;
	if (src->headers) {
		while (src->headers[n])
			n++;
		dst->headers = xcalloc(n + 1, sizeof *dst->headers);
		for (size_t i = 0; i < n; i++)
			dst->headers[i] = xstrdup(src->headers[i]);
	}
}

/*
 * Choose what to measure: operands ID=URL (ad hoc), URL (cold start only:
 * id cold_start_health_ms) or ID (a configured metric); with no operands,
 * the configured metrics of this mode.  Fills o->metrics.
 */
static int
select_metrics(int argc, char **argv, const struct bench_metric *cfg, size_t ncfg, enum bench_measure dflt,
    struct bench_opts *o)
{
	struct bench_metric *v = xcalloc((size_t)argc + ncfg + 1, sizeof *v);
	size_t n = 0;
	int rc = 0;

	for (int i = 0; i < argc && !rc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t k;

		if (eq && valid_id(a, (size_t)(eq - a))) {
			if (!strstr(eq + 1, "://")) {
				rc = pr_usage_error("%.*s: expected an http:// or https:// URL after '='", (int)(eq - a), a);
				break;
			}
			v[n].id = xstrdup(a);
			v[n].id[eq - a] = '\0';
			v[n].url = xstrdup(eq + 1);
			v[n].measure = dflt;
		} else if (strstr(a, "://")) {
			if (!o->cold_start) {
				char *shown = pr_redact_url(a);

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
				rc = pr_usage_error("%s: no such metric in the config's bench.metrics (or give ID=URL)", a);
				break;
			}
			copy_metric(&v[n], &cfg[k]);
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
				copy_metric(&v[n++], &cfg[k]);
		}
		if (n == 0)
			rc = pr_usage_error("nothing to measure: give ID=URL, or -f FILE with bench.metrics");
	}
	if (rc) {
		free_metrics(v, n);
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

	if (!o->output && (s = getenv("OUTPUT_JSON")) && *s)
		o->output = s;
	if (!o->cold_start && !o->load && (s = getenv("COLD_START")) && strcmp(s, "1") == 0)
		o->cold_start = true;
	if (!o->label && (s = getenv("BENCH_LABEL")) && *s)
		o->label = s;
}

/* The header fields every pr-tools/bench/1 document carries besides metrics. */
static void
add_context(cJSON *doc, const struct bench_opts *o)
{
	char *git_argv[] = { "git", "rev-parse", "HEAD", NULL };
	char *commit = pr_run_capture(git_argv);
	char host[HOST_NAME_LEN] = "";
	cJSON *git, *set;

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
	}
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
report_gha(const cJSON *doc)
{
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics"), *m;
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(doc, "mode");
	struct buf md = {0};

	if (!pr_in_github())
		return;
	buf_printf(&md, "### pr-bench (%s)\n\n| metric | unit | n | p50 | p95 | max | errors |\n|---|---|--:|--:|--:|--:|--:|\n",
	    cJSON_IsString(mode) ? mode->valuestring : "sample");
	cJSON_ArrayForEach(m, metrics) {
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m, "summary");
		const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "unit");
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "errors"), "total");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(sum, "n");
		char key[300], p50[32], p95[32], max[32];

		snprintf(key, sizeof key, "%s_p50", m->string);
		fmt_num(p50, sizeof p50, sum, "p50");
		gha_output(key, p50);
		buf_printf(&md, "| %s | %s | %d | %s | %s | %s | %d |\n", m->string,
		    cJSON_IsString(unit) ? unit->valuestring : "ms", cJSON_IsNumber(n) ? n->valueint : 0, p50,
		    fmt_num(p95, sizeof p95, sum, "p95"), fmt_num(max, sizeof max, sum, "max"),
		    cJSON_IsNumber(err) ? err->valueint : 0);
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
	};
	struct given g = {0};
	struct pr_config cfg = {0};
	struct bench_metric *cfg_metrics = NULL;
	size_t ncfg = 0;
	enum bench_measure dflt = MEASURE_TOTAL;
	cJSON *doc = NULL, *metrics;
	int rc, first = 0;

	pr_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "merge") == 0)
		return bench_merge(argc - 1, argv + 1);
	if ((rc = parse_args(argc, argv, &o, &g, &first)))
		return rc;
	read_env(&o);
	if (g.measure)
		parse_measure(g.measure, &dflt);
	if ((rc = pr_log_open(NULL, "pr-bench", g.log)))
		return rc;
	if ((rc = pr_config_load(g.config, &cfg)))
		goto out;
	if (pr_config_section(&cfg, "bench")
	    && (rc = parse_section(&cfg, pr_config_section(&cfg, "bench"), &o, &g, dflt, &cfg_metrics, &ncfg)))
		goto out;
	if (cfg.root && !pr_config_section(&cfg, "bench"))
		pr_log("%s: no \"bench\" section; using flags only", cfg.name);
	if (g.measure)
		for (size_t i = 0; i < ncfg; i++)
			cfg_metrics[i].measure = dflt;
	/* The config's samples are for warm runs; a cold run is one request. */
	if (o.cold_start && !g.samples)
		o.samples = DEFAULT_COLD_SAMPLES;
	if ((rc = select_metrics(argc - first, argv + first, cfg_metrics, ncfg, dflt, &o)))
		goto out;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	doc = pr_doc_new("bench");
	add_context(doc, &o);
	metrics = cJSON_AddObjectToObject(doc, "metrics");
	rc = o.load ? bench_load(&o, metrics) : bench_sample(&o, metrics);
	/* The document is data even when nothing was measured: emit it. */
	if (rc == PR_OK || rc == PR_EXTERNAL) {
		int erc = pr_doc_emit(doc, o.output);

		if (!rc)
			rc = erc;
		report_gha(doc);
	}
	curl_global_cleanup();
out:
	cJSON_Delete(doc);
	free_metrics(o.metrics, o.nmetrics);
	free_metrics(cfg_metrics, ncfg);
	pr_config_free(&cfg);
	pr_log_close();
	return rc;
}
