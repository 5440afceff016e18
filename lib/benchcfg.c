/*
 * benchcfg.c: the "bench" section of pr-tools.json into pr-bench's settings
 * and metrics (benchcfg.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "benchcfg.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "precision.h"
#include "util.h"

#define STATUS_MIN 100
#define STATUS_MAX 599

int
benchcfg_measure_parse(const char *s, enum benchcfg_measure *out)
{
	if (strcmp(s, "ttfb") == 0)
		*out = MEASURE_TTFB;
	else if (strcmp(s, "total") == 0)
		*out = MEASURE_TOTAL;
	else
		return -1;
	return 0;
}

bool
benchcfg_id_valid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:-", s[i]))
			return false;
	return true;
}

void
benchcfg_metric_free(struct benchcfg_metric *m)
{
	free(m->id);
	free(m->url);
	free(m->method);
	for (char **h = m->headers; h && *h; h++)
		free(*h);
	free(m->headers);
	free(m->body);
	wsclient_spec_free(&m->ws);
}

void
benchcfg_metrics_free(struct benchcfg_metric *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		benchcfg_metric_free(&v[i]);
	free(v);
}

void
benchcfg_metric_copy(struct benchcfg_metric *dst, const struct benchcfg_metric *src)
{
	size_t n = 0;

	*dst = *src;
	dst->id = xstrdup(src->id);
	dst->url = xstrdup(src->url);
	dst->method = src->method ? xstrdup(src->method) : NULL;
	dst->body = src->body ? xstrdup(src->body) : NULL;
	dst->headers = NULL;
	wsclient_spec_copy(&dst->ws, &src->ws);
	if (src->headers) {
		while (src->headers[n])
			n++;
		dst->headers = xcalloc(n + 1, sizeof *dst->headers);
		for (size_t i = 0; i < n; i++)
			dst->headers[i] = xstrdup(src->headers[i]);
	}
}

int
benchcfg_precision_parse(const char *s, double *out)
{
	size_t len = strlen(s);
	char num[64];
	double v;

	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, s, len + 1);
	if (num[len - 1] == '%')
		num[len - 1] = '\0';
	if (util_parse_double(num, 0, s[len - 1] == '%' ? 100 : 1, &v) || !(v > 0))
		return -1;
	v = s[len - 1] == '%' ? v / 100 : v;
	if (!(v < 1))
		return -1;
	*out = v;
	return 0;
}

/* One quantile of the list, 50 or 95, as its bit; 0 for anything else. */
static unsigned
quantile_bit(long q)
{
	return q == 50 ? PR_PRECISION_P50 : q == 95 ? PR_PRECISION_P95 : 0;
}

int
benchcfg_quantiles_parse(const char *s, unsigned *mask)
{
	unsigned m = 0;

	while (*s) {
		size_t len = strcspn(s, ",");
		char one[8];
		long q;

		if (len == 0 || len >= sizeof one)
			return -1;
		memcpy(one, s, len);
		one[len] = '\0';
		if (one[0] == '0' || util_parse_long(one, 0, 100, &q) || !quantile_bit(q))
			return -1;
		m |= quantile_bit(q);
		s += len;
		if (*s == ',' && !*++s)
			return -1;
	}
	if (!m)
		return -1;
	*mask = m;
	return 0;
}

/* "precision": "2%" or a fraction such as 0.02. */
static int
get_precision(const cJSON *obj, const char *ctx, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "precision");

	if (!it || cJSON_IsNull(it))
		return 0;
	if (cJSON_IsNumber(it) && it->valuedouble > 0 && it->valuedouble < 1) {
		*out = it->valuedouble;
		return 0;
	}
	if (cJSON_IsString(it) && benchcfg_precision_parse(it->valuestring, out) == 0)
		return 0;
	return pr_error(PR_INPUT, "%s.precision: expected a relative precision such as \"2%%\" or 0.02", ctx);
}

/* "precision_quantiles": [50, 95], [50] or [95]. */
static int
get_quantiles(const cJSON *obj, const char *ctx, unsigned *out)
{
	const cJSON *arr = NULL, *it;
	unsigned m = 0;
	int rc;

	if ((rc = doc_get_array(obj, "precision_quantiles", PR_OPTIONAL, ctx, &arr)) || !arr)
		return rc;
	cJSON_ArrayForEach(it, arr) {
		bool whole = cJSON_IsNumber(it) && it->valuedouble == (long)it->valuedouble;

		if (!whole || !quantile_bit((long)it->valuedouble))
			return pr_error(PR_INPUT, "%s.precision_quantiles: expected quantiles 50 and/or 95, found %s",
			    ctx, cJSON_IsNumber(it) ? "another number" : doc_json_type(it));
		m |= quantile_bit((long)it->valuedouble);
	}
	if (!m)
		return pr_error(PR_INPUT, "%s.precision_quantiles: expected quantiles 50 and/or 95, found none", ctx);
	*out = m;
	return 0;
}

/* The --precision settings of the section, where no flag set them. */
static int
parse_precision(const cJSON *sec, const char *ctx, const struct benchcfg_given *g, struct benchcfg_settings *o)
{
	double precision = o->precision, max_time_s = o->max_time_s;
	unsigned quantiles = o->precision_quantiles;
	long max_samples = o->max_samples;
	int rc;

	if ((rc = get_precision(sec, ctx, &precision))
	    || (rc = get_quantiles(sec, ctx, &quantiles))
	    || (rc = doc_get_long(sec, "max_samples", PR_OPTIONAL, ctx, 1, BENCH_MAX_COUNT, &max_samples))
	    || (rc = doc_get_duration(sec, "max_time", PR_POSITIVE, ctx, &max_time_s)))
		return rc;
	if (!g->precision)
		o->precision = precision;
	if (!g->precision_quantiles)
		o->precision_quantiles = quantiles;
	if (!g->max_samples)
		o->max_samples = max_samples;
	if (!g->max_time)
		o->max_time_s = max_time_s;
	return 0;
}

/* A header value the config holds: masked in GitHub's log when its name
 * is secret-like (doc_header_fn). */
static int
mask_secret(const char *name, const char *value, const char *where, void *arg)
{
	(void)where;
	(void)arg;
	if (util_is_secret_name(name))
		gha_mask(value);
	return 0;
}

/* A JSON body is sent as application/json unless a Content-Type is configured. */
static void
add_json_type(struct benchcfg_metric *m)
{
	size_t n = 0;

	for (; m->headers && m->headers[n]; n++)
		if (strncasecmp(m->headers[n], "Content-Type:", strlen("Content-Type:")) == 0)
			return;
	m->headers = xrealloc(m->headers, (n + 2) * sizeof *m->headers);
	m->headers[n] = xstrdup("Content-Type: application/json");
	m->headers[n + 1] = NULL;
}

/*
 * A ws:// or wss:// metric's message fields (wsclient.h); the HTTP request
 * fields are refused, and a message field is refused on an HTTP url.
 */
static int
parse_ws(const cJSON *obj, const char *ctx, const char *url, struct benchcfg_metric *m)
{
	static const char *const http_only[] = { "method", "body", "expect_status", "measure", "cold_start" };
	char why[128];
	struct wsclient_url u;
	bool given;
	int rc;

	m->is_ws = wsclient_url_is_ws(url);
	if ((rc = wsclient_spec_from_json(obj, ctx, &m->ws, &given)))
		return rc;
	if (!m->is_ws) {
		if (given)
			return pr_error(PR_INPUT, "%s: protocol, message, event, namespace and reply go with a "
			    "ws:// or wss:// url", ctx);
		return 0;
	}
	if (wsclient_url_parse(url, &u, why, sizeof why) < 0)
		return pr_error(PR_INPUT, "%s.url: %s", ctx, why);
	wsclient_url_free(&u);
	for (size_t i = 0; i < sizeof http_only / sizeof *http_only; i++)
		if (cJSON_GetObjectItemCaseSensitive(obj, http_only[i]))
			return pr_error(PR_INPUT, "%s.%s: not used by a WebSocket metric (give \"message\" and "
			    "\"reply\")", ctx, http_only[i]);
	if (!given && wsclient_spec_check(&m->ws))
		return pr_error(PR_INPUT, "%s: %s", ctx, wsclient_spec_check(&m->ws));
	return 0;
}

/* One entry of bench.metrics into m (zeroed by the caller). */
static int
parse_metric(const cJSON *obj, const char *ctx, enum benchcfg_measure dflt, struct benchcfg_metric *m)
{
	static const char *const known[] = {
		"id", "url", "method", "headers", "body", "expect_status", "measure", "cold_start",
		"protocol", "message", "event", "namespace", "reply", NULL,
	};
	const char *id = NULL, *url = NULL, *method = NULL, *measure = NULL;
	const cJSON *body;
	size_t nheaders;
	int rc;

	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s: expected an object with \"id\" and \"url\", found %s",
		    ctx, doc_json_type(obj));
	if ((rc = doc_check_fields(obj, known, ctx))
	    || (rc = doc_get_string(obj, "id", PR_REQUIRED, ctx, &id))
	    || (rc = doc_get_string(obj, "url", PR_REQUIRED, ctx, &url))
	    || (rc = doc_get_string(obj, "method", PR_OPTIONAL, ctx, &method))
	    || (rc = doc_get_long(obj, "expect_status", PR_OPTIONAL, ctx, STATUS_MIN, STATUS_MAX, &m->expect_status))
	    || (rc = doc_get_string(obj, "measure", PR_OPTIONAL, ctx, &measure))
	    || (rc = doc_get_bool(obj, "cold_start", PR_OPTIONAL, ctx, &m->cold_start)))
		return rc;
	if (!benchcfg_id_valid(id, strlen(id)))
		return pr_error(PR_INPUT, "%s.id: '%s' is not a metric id (letters, digits and _ . : - only)", ctx, id);
	if (!strstr(url, "://"))
		return pr_error(PR_INPUT, "%s.url: expected an http://, https://, ws:// or wss:// URL", ctx);
	if ((rc = parse_ws(obj, ctx, url, m)))
		return rc;
	if (method && (!*method || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method)))
		return pr_error(PR_INPUT, "%s.method: '%s' is not an HTTP method such as GET or POST", ctx, method);
	m->measure = dflt;
	if (measure && benchcfg_measure_parse(measure, &m->measure))
		return pr_error(PR_INPUT, "%s.measure: expected \"ttfb\" or \"total\", found \"%s\"", ctx, measure);
	body = cJSON_GetObjectItemCaseSensitive(obj, "body");
	if (body && !cJSON_IsNull(body)) {
		if (cJSON_IsString(body))
			m->body = xstrdup(body->valuestring);
		else if (cJSON_IsObject(body) || cJSON_IsArray(body))
			m->body = cJSON_PrintUnformatted(body);
		else
			return pr_error(PR_INPUT, "%s.body: expected a string or JSON, found %s",
			    ctx, doc_json_type(body));
	}
	if ((rc = doc_get_headers(obj, "headers", ctx, mask_secret, NULL, &m->headers, &nheaders)))
		return rc;
	if (body && (cJSON_IsObject(body) || cJSON_IsArray(body)))
		add_json_type(m);
	m->id = xstrdup(id);
	m->url = xstrdup(url);
	m->method = method ? xstrdup(method) : NULL;
	return 0;
}

/* The section's "measure": the metrics' default headline. */
static int
parse_measure(const cJSON *sec, const char *ctx, const struct benchcfg_given *g, struct benchcfg_settings *o)
{
	const char *measure = NULL;
	int rc;

	if ((rc = doc_get_string(sec, "measure", PR_OPTIONAL, ctx, &measure)))
		return rc;
	if (measure && !g->measure && benchcfg_measure_parse(measure, &o->measure))
		return pr_error(PR_INPUT, "%s.measure: expected \"ttfb\" or \"total\", found \"%s\"", ctx, measure);
	return 0;
}

/* Counts, "insecure" and "rate", where no flag set them. */
static int
parse_counts(const cJSON *sec, const char *ctx, const struct benchcfg_given *g, struct benchcfg_settings *o)
{
	struct { const char *key; bool given; long *dst; long min, max; } counts[] = {
		{ "samples", g->samples, &o->samples, 1, BENCH_MAX_COUNT },
		{ "warmup", g->warmup, &o->warmup, 0, BENCH_MAX_COUNT },
		{ "connections", g->connections, &o->connections, 1, BENCH_MAX_CONNECTIONS },
	};
	double rate_rps = o->rate_rps;
	bool insecure = o->insecure;
	int rc;

	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		long l = *counts[i].dst;

		if ((rc = doc_get_long(sec, counts[i].key, PR_OPTIONAL, ctx, counts[i].min, counts[i].max, &l)))
			return rc;
		if (!counts[i].given)
			*counts[i].dst = l;
	}
	if ((rc = doc_get_bool(sec, "insecure", PR_OPTIONAL, ctx, &insecure)))
		return rc;
	if (!g->insecure)
		o->insecure = insecure;
	if ((rc = doc_get_number(sec, "rate", PR_OPTIONAL, ctx, &rate_rps)))
		return rc;
	if (rate_rps < 0)
		return pr_error(PR_INPUT, "%s.rate: expected requests per second, 0 or more", ctx);
	if (!g->rate)
		o->rate_rps = rate_rps;
	return 0;
}

/* The durations, where no flag set them. */
static int
parse_durations(const cJSON *sec, const char *ctx, const struct benchcfg_given *g, struct benchcfg_settings *o)
{
	struct { const char *key; bool given; double *dst; enum doc_zero zero; } durs[] = {
		{ "timeout", g->timeout, &o->timeout_s, PR_POSITIVE },
		{ "idle", g->idle, &o->idle_s, PR_ZERO_OK },
		{ "duration", g->duration, &o->duration_s, PR_POSITIVE },
		{ "load_warmup", g->load_warmup, &o->load_warmup_s, PR_ZERO_OK },
	};
	int rc;

	for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
		double d = *durs[i].dst;

		if ((rc = doc_get_duration(sec, durs[i].key, durs[i].zero, ctx, &d)))
			return rc;
		if (!durs[i].given)
			*durs[i].dst = d;
	}
	return 0;
}

/* "metrics" (arr, may be NULL) into a new array *out of *nout, ids unique. */
static int
parse_metrics(const cJSON *arr, const char *ctx, enum benchcfg_measure dflt, struct benchcfg_metric **out, size_t *nout)
{
	struct benchcfg_metric *v;
	const cJSON *it;
	size_t n = (size_t)cJSON_GetArraySize(arr);
	int rc = 0;

	v = xcalloc(n ? n : 1, sizeof *v);
	n = 0;
	cJSON_ArrayForEach(it, arr) {
		struct buf mctx = {0};

		buf_printf(&mctx, "%s.metrics[%zu]", ctx, n);
		rc = parse_metric(it, mctx.data, dflt, &v[n]);
		n++;
		for (size_t j = 0; !rc && j + 1 < n; j++)
			if (strcmp(v[j].id, v[n - 1].id) == 0)
				rc = pr_error(PR_INPUT, "%s.id: '%s' is used twice (metric ids must be unique)",
				    mctx.data, v[j].id);
		buf_free(&mctx);
		if (rc) {
			benchcfg_metrics_free(v, n);
			return rc;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

int
benchcfg_parse(const cJSON *sec, const char *ctx, const struct benchcfg_given *g, struct benchcfg_settings *o,
    struct benchcfg_metric **out, size_t *nout)
{
	static const char *const known[] = {
		"metrics", "samples", "warmup", "timeout", "measure", "insecure", "idle",
		"connections", "duration", "rate", "load_warmup",
		"precision", "precision_quantiles", "max_samples", "max_time", NULL,
	};
	const cJSON *arr = NULL;
	int rc;

	if (!cJSON_IsObject(sec))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(sec));
	if ((rc = doc_check_fields(sec, known, ctx))
	    || (rc = doc_get_array(sec, "metrics", PR_OPTIONAL, ctx, &arr))
	    || (rc = parse_measure(sec, ctx, g, o))
	    || (rc = parse_counts(sec, ctx, g, o))
	    || (rc = parse_precision(sec, ctx, g, o))
	    || (rc = parse_durations(sec, ctx, g, o)))
		return rc;
	return parse_metrics(arr, ctx, o->measure, out, nout);
}
