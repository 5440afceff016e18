/* qametrics.c: metric rules of a canary watch (qametrics.h). */
#include "qametrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "http.h"
#include "trend.h"
#include "util.h"

#define DEFAULT_QUANTILE 0.95

static const char *const kind_names[] = { "quantile", "ratio", "gauge", "promql" };

static int
load_selector(const cJSON *j, const char *key, enum doc_need need, const char *ctx,
    struct prom_selector *sel, bool *present)
{
	const char *text = NULL;
	char why[512];
	int rc;

	if ((rc = doc_get_string(j, key, need, ctx, &text)))
		return rc;
	if (!text)
		return 0;
	if (prom_selector_parse(text, sel, why, sizeof why) < 0)
		return pr_error(PR_INPUT, "%s.%s: %s", ctx, key, why);
	if (present)
		*present = true;
	return 0;
}

static int
load_kind(const cJSON *j, const char *ctx, enum qametrics_rule_kind *kind)
{
	const char *k = NULL;
	int rc;

	if ((rc = doc_get_string(j, "kind", PR_REQUIRED, ctx, &k)))
		return rc;
	for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++)
		if (strcmp(k, kind_names[i]) == 0) {
			*kind = (enum qametrics_rule_kind)i;
			return 0;
		}
	return pr_error(PR_INPUT, "%s.kind: \"%s\" is not a kind (expected quantile, ratio, gauge or promql)", ctx, k);
}

static int
load_rule(const cJSON *j, const char *ctx, struct qametrics_rule *r)
{
	static const char *const keys[] = { "name", "kind", "metric", "denominator", "quantile",
		"warn", "crit", "for", "min_requests", "query", NULL };
	const char *name = NULL, *query = NULL;
	int rc;

	r->quantile = DEFAULT_QUANTILE;
	r->warn_since_s = r->crit_since_s = -1;
	if ((rc = doc_check_fields(j, keys, ctx)) ||
	    (rc = doc_get_string(j, "name", PR_REQUIRED, ctx, &name)) ||
	    (rc = load_kind(j, ctx, &r->kind)) ||
	    (rc = doc_get_string(j, "query", r->kind == QA_RULE_PROMQL ? PR_REQUIRED : PR_OPTIONAL, ctx, &query)) ||
	    (r->kind != QA_RULE_PROMQL &&
	    (rc = load_selector(j, "metric", PR_REQUIRED, ctx, &r->metric, NULL))) ||
	    (rc = load_selector(j, "denominator", PR_OPTIONAL, ctx, &r->denominator, &r->has_denominator)) ||
	    (rc = doc_get_number(j, "quantile", PR_OPTIONAL, ctx, &r->quantile)) ||
	    (rc = doc_get_number(j, "warn", PR_REQUIRED, ctx, &r->warn)) ||
	    (rc = doc_get_number(j, "crit", PR_REQUIRED, ctx, &r->crit)) ||
	    (rc = doc_get_duration(j, "for", PR_ZERO_OK, ctx, &r->for_s)) ||
	    (rc = doc_get_number(j, "min_requests", PR_OPTIONAL, ctx, &r->min_requests)))
		return rc;
	r->name = xstrdup(name);
	if (query && r->kind != QA_RULE_PROMQL)
		return pr_error(PR_INPUT, "%s.query: only a promql rule has a query", ctx);
	if (query)
		r->query = xstrdup(query);
	if (r->crit < r->warn)
		return pr_error(PR_INPUT, "%s: crit %g is below warn %g (higher is worse: crit is the larger level)",
		    ctx, r->crit, r->warn);
	if (r->quantile < 0 || r->quantile > 1)
		return pr_error(PR_INPUT, "%s.quantile: %g is not from 0 to 1", ctx, r->quantile);
	if (r->kind == QA_RULE_RATIO && !r->has_denominator)
		return pr_error(PR_INPUT, "%s.denominator: a ratio rule needs one (the total counter)", ctx);
	return 0;
}

int
qametrics_load(const cJSON *watch, const char *ctx, struct qametrics *m)
{
	static const char *const keys[] = { "metrics", "prometheus", "initial_delay", "rules", NULL };
	const cJSON *rules = NULL;
	const char *url = NULL, *prom = NULL;
	struct buf where = {0};
	size_t i = 0;
	int rc;

	memset(m, 0, sizeof *m);
	if (!watch)
		return 0;
	buf_printf(&where, "%s.watch", ctx);
	if ((rc = doc_check_fields(watch, keys, where.data)) ||
	    (rc = doc_get_string(watch, "metrics", PR_OPTIONAL, where.data, &url)) ||
	    (rc = doc_get_string(watch, "prometheus", PR_OPTIONAL, where.data, &prom)) ||
	    (rc = doc_get_duration(watch, "initial_delay", PR_ZERO_OK, where.data, &m->initial_delay_s)) ||
	    (rc = doc_get_array(watch, "rules", PR_OPTIONAL, where.data, &rules)))
		goto out;
	if (url)
		m->url = xstrdup(url);
	if (prom)
		m->prometheus = xstrdup(prom);
	if (rules) {
		m->rules = xcalloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof *m->rules);
		for (const cJSON *r = rules->child; r; r = r->next, i++) {
			buf_reset(&where);
			buf_printf(&where, "%s.watch.rules[%zu]", ctx, i);
			rc = load_rule(r, where.data, &m->rules[m->n]);
			m->n++;		/* a half-loaded rule is still freed */
			if (rc)
				goto out;
		}
	}
out:
	buf_free(&where);
	return rc;
}

void
qametrics_free(struct qametrics *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct qametrics_rule *r = &m->rules[i];

		free(r->name);
		free(r->query);
		prom_selector_free(&r->metric);
		if (r->has_denominator)
			prom_selector_free(&r->denominator);
		free(r->points);
	}
	free(m->rules);
	free(m->url);
	free(m->prometheus);
	if (m->have_prev)
		prom_scrape_free(&m->prev);
	memset(m, 0, sizeof *m);
}

/* The level a condition reaches: true since since_s (set now if unset). */
static bool
held(bool active, double *since_s, double t_s, double for_s)
{
	if (!active) {
		*since_s = -1;
		return false;
	}
	if (*since_s < 0)
		*since_s = t_s;
	return t_s - *since_s >= for_s;
}

void
qametrics_rule_judge(struct qametrics_rule *r, double t_s, double value)
{
	bool known = !isnan(value), pending;

	if (held(known && value > r->crit, &r->crit_since_s, t_s, r->for_s))
		r->level = QA_LEVEL_CRITICAL;
	else if (held(known && value > r->warn, &r->warn_since_s, t_s, r->for_s))
		r->level = QA_LEVEL_WARNING;
	else
		r->level = QA_LEVEL_OK;
	/* The warning clock runs while the value is critical, too. */
	if (r->level == QA_LEVEL_CRITICAL)
		(void)held(true, &r->warn_since_s, t_s, r->for_s);
	if (r->level > r->worst)
		r->worst = r->level;
	r->points = xrealloc(r->points, (r->npoints + 1) * sizeof *r->points);
	/* Prometheus's "pending": the condition holds, the for: window runs. */
	pending = (r->crit_since_s >= 0 && r->level < QA_LEVEL_CRITICAL) ||
	    (r->warn_since_s >= 0 && r->level < QA_LEVEL_WARNING);
	r->points[r->npoints++] = (struct qametrics_point){ t_s, value, r->level, pending };
}

static int
need_metric(const struct prom_scrape *s, const struct prom_selector *sel, const char *rule,
    const char *url)
{
	if (prom_count_metric(s, sel) > 0)
		return 0;
	return pr_error(PR_INPUT, "%s: rule %s: metric %s is missing (check the name, and that the app exports it)",
	    url, rule, sel->metric);
}

/* The rule's value over the interval prev..cur; NaN when too few requests. */
static int
rule_value(const struct qametrics_rule *r, const struct prom_scrape *prev, const struct prom_scrape *cur,
    const char *url, double *out)
{
	double requests = INFINITY, num, den = 1;
	char why[512];
	int rc;

	if ((rc = need_metric(cur, &r->metric, r->name, url)) ||
	    (r->has_denominator && (rc = need_metric(cur, &r->denominator, r->name, url))))
		return rc;
	switch (r->kind) {
	case QA_RULE_QUANTILE:
		if (prom_histogram_quantile(r->quantile, prev, cur, &r->metric, &num, &requests,
		    why, sizeof why) < 0)
			return pr_error(PR_INPUT, "%s: rule %s: %s", url, r->name, why);
		break;
	case QA_RULE_RATIO:
		num = prom_increase(prev, cur, &r->metric);
		requests = den = prom_increase(prev, cur, &r->denominator);
		break;
	case QA_RULE_GAUGE:
		num = prom_sum(cur, &r->metric);
		if (r->has_denominator)
			den = prom_sum(cur, &r->denominator);
		break;
	case QA_RULE_PROMQL:	/* asked of Prometheus, never scraped */
		num = NAN;
		break;
	}
	*out = requests < r->min_requests || den == 0 ? NAN : num / den;
	return 0;
}

static int
scrape(const char *url, const char *shown, double timeout_s, struct prom_scrape *out)
{
	struct http_req req = { .url = url, .log_url = shown, .timeout_s = timeout_s,
		.retry = { .retries = -1 } };
	struct http_resp resp = {0};
	char why[512];
	int rc;

	if (http_do(&req, &resp) != 0) {
		rc = pr_error(PR_EXTERNAL, "%s: no answer: %s (is the app up?)", shown, resp.error);
		goto out;
	}
	if (resp.status != 200) {
		rc = pr_error(PR_EXTERNAL, "%s: HTTP %ld (expected 200 with exposition text)", shown, resp.status);
		goto out;
	}
	if ((rc = prom_parse(resp.body.data ? resp.body.data : "", resp.body.len, out, why, sizeof why)) < 0) {
		prom_scrape_free(out);
		rc = pr_error(PR_INPUT, "%s: not Prometheus exposition text: %s", shown, why);
	}
out:
	http_resp_free(&resp);
	return rc;
}

int
qametrics_check(const struct qametrics *m)
{
	for (size_t i = 0; i < m->n; i++) {
		bool promql = m->rules[i].kind == QA_RULE_PROMQL;

		if (promql && !m->prometheus)
			return pr_error(PR_INPUT, "rule %s: a promql rule needs a Prometheus server "
			    "(--prometheus URL or qa.watch.prometheus)", m->rules[i].name);
		if (!promql && !m->url)
			return pr_error(PR_INPUT, "rule %s: a %s rule needs the app's metrics "
			    "(--metrics URL or qa.watch.metrics)", m->rules[i].name, kind_names[m->rules[i].kind]);
	}
	return 0;
}

bool
qametrics_active(const struct qametrics *m)
{
	return m->n > 0 && (m->url || m->prometheus);
}

/* The largest of a vector's samples, a scalar's value; NaN when empty. */
static int
promql_result(const cJSON *data, double *out)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(data, "result");
	const cJSON *it;

	*out = NAN;
	if (!cJSON_IsString(type) || !result)
		return -1;
	if (strcmp(type->valuestring, "scalar") == 0) {
		it = cJSON_GetArrayItem(result, 1);
		return cJSON_IsString(it) ? (*out = strtod(it->valuestring, NULL), 0) : -1;
	}
	if (strcmp(type->valuestring, "vector") != 0)
		return -1;
	cJSON_ArrayForEach(it, result) {
		const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "value"), 1);
		double x;

		if (!cJSON_IsString(v))
			return -1;
		x = strtod(v->valuestring, NULL);
		if (isnan(*out) || x > *out)
			*out = x;
	}
	return 0;
}

/* One instant query through the HTTP API. */
static int
promql_value(const char *server_url, const char *server, const struct qametrics_rule *r, double timeout_s,
    double *out)
{
	char *q = curl_easy_escape(NULL, r->query, 0);
	struct buf url = {0};
	struct http_req req = { .timeout_s = timeout_s, .retry = { .retries = -1 } };
	struct http_resp resp = {0};
	cJSON *j = NULL;
	const cJSON *err;
	int rc = 0;

	buf_printf(&url, "%s/api/v1/query?query=%s", server_url, q);
	curl_free(q);
	req.url = url.data;
	req.log_url = server;
	if (http_do(&req, &resp) != 0) {
		rc = pr_error(PR_EXTERNAL, "%s: no answer: %s (is Prometheus up?)", server, resp.error);
		goto out;
	}
	j = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (resp.status == 400 || resp.status == 422)
		rc = pr_error(PR_INPUT, "rule %s: Prometheus rejects the query: %s", r->name,
		    cJSON_IsString(err) ? err->valuestring : "no reason given");
	else if (resp.status != 200)
		rc = pr_error(PR_EXTERNAL, "%s: HTTP %ld to a query (expected 200)", server, resp.status);
	else if (promql_result(cJSON_GetObjectItemCaseSensitive(j, "data"), out) < 0)
		rc = pr_error(PR_EXTERNAL, "%s: the answer to rule %s's query is not a scalar or vector",
		    server, r->name);
out:
	cJSON_Delete(j);
	buf_free(&url);
	http_resp_free(&resp);
	return rc;
}

int
qametrics_round(struct qametrics *m, double t_s, double timeout_s)
{
	struct prom_scrape cur = {0};
	bool judge = t_s >= m->initial_delay_s;
	/* Messages show URLs without their credentials. */
	char *shown = m->url ? util_redact_url(m->url) : NULL;
	char *server = m->prometheus ? util_redact_url(m->prometheus) : NULL;
	int rc = 0;

	if (!qametrics_active(m) || (m->url && (rc = scrape(m->url, shown, timeout_s, &cur)))) {
		free(shown);
		free(server);
		return rc;
	}
	for (size_t i = 0; i < m->n && judge; i++) {
		double v;

		if (m->rules[i].kind == QA_RULE_PROMQL)
			rc = promql_value(m->prometheus, server, &m->rules[i], timeout_s, &v);
		else if (!m->have_prev)
			continue;	/* the first scrape is the window's start */
		else
			rc = rule_value(&m->rules[i], &m->prev, &cur, shown, &v);
		if (rc)
			break;
		qametrics_rule_judge(&m->rules[i], t_s, v);
		pr_log("rule %s at %.1f s: %g (%s)", m->rules[i].name, t_s, v,
		    qa_level_name(m->rules[i].level));
	}
	if (m->have_prev)
		prom_scrape_free(&m->prev);
	m->prev = cur;
	m->have_prev = m->url != NULL;
	free(shown);
	free(server);
	return rc;
}

enum qa_level
qametrics_level(const struct qametrics *m, const char **rule)
{
	enum qa_level worst = QA_LEVEL_OK;

	for (size_t i = 0; i < m->n; i++)
		if (m->rules[i].level > worst) {
			worst = m->rules[i].level;
			if (rule)
				*rule = m->rules[i].name;
		}
	return worst;
}

static cJSON *
value_json(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(doc_round(v, PR_ANY_DECIMALS));
}

cJSON *
qametrics_to_json(const struct qametrics *m)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < m->n; i++) {
		const struct qametrics_rule *r = &m->rules[i];
		cJSON *j = cJSON_CreateObject(), *series = cJSON_CreateArray();

		cJSON_AddStringToObject(j, "name", r->name);
		cJSON_AddStringToObject(j, "kind", kind_names[r->kind]);
		cJSON_AddNumberToObject(j, "warn", r->warn);
		cJSON_AddNumberToObject(j, "crit", r->crit);
		cJSON_AddNumberToObject(j, "for_s", r->for_s);
		cJSON_AddStringToObject(j, "level", qa_level_name(r->worst));
		for (size_t k = 0; k < r->npoints; k++) {
			cJSON *p = cJSON_CreateObject();

			cJSON_AddNumberToObject(p, "t_s", doc_round(r->points[k].t_s, PR_MS_DECIMALS));
			cJSON_AddItemToObject(p, "value", value_json(r->points[k].value));
			cJSON_AddStringToObject(p, "level", qa_level_name(r->points[k].level));
			cJSON_AddBoolToObject(p, "pending", r->points[k].pending);
			cJSON_AddItemToArray(series, p);
		}
		cJSON_AddItemToObject(j, "series", series);
		cJSON_AddItemToArray(arr, j);
	}
	return arr;
}

#define PLOT_WARN_COLOR "#e08000"
#define PLOT_CRIT_COLOR "#b00020"

/* One rule's panel: its series, and its warn and crit levels dashed. */
static void
plot_rule(const struct qametrics_rule *r, size_t row, struct buf *out)
{
	double *values = xcalloc(r->npoints ? r->npoints : 1, sizeof *values);
	double levels[2] = {r->warn, r->crit};
	char title[512], first[32] = "", last[32] = "";
	struct trend_svg_frame f;

	for (size_t i = 0; i < r->npoints; i++)
		values[i] = r->points[i].value;
	snprintf(title, sizeof title, "%s: worst %s (dashes: warn %g, crit %g)", r->name, qa_level_name(r->worst),
	    r->warn, r->crit);
	if (r->npoints) {
		snprintf(first, sizeof first, "%.0f s", r->points[0].t_s);
		snprintf(last, sizeof last, "%.0f s", r->points[r->npoints - 1].t_s);
	}
	trend_svg_panel(&(struct trend_svg_series){ .title = title, .bad = r->worst == QA_LEVEL_CRITICAL,
	    .values = values, .n = r->npoints, .x_first = first, .x_last = last, .extra = levels, .nextra = 2 },
	    row, out, &f);
	if (r->npoints) {
		trend_svg_level(&f, 0, r->npoints - 1, r->warn, PLOT_WARN_COLOR, true, out);
		trend_svg_level(&f, 0, r->npoints - 1, r->crit, PLOT_CRIT_COLOR, true, out);
	}
	buf_adds(out, "</g>\n");
	free(values);
}

void
qametrics_svg(const struct qametrics *m, struct buf *out)
{
	const char *rule = NULL;
	char title[256];

	snprintf(title, sizeof title, "pr-qa --watch: %s%s%s", qa_level_name(qametrics_level(m, &rule)),
	    rule ? ", rule " : "", rule ? rule : "");
	trend_svg_begin(out, m->n, title);
	for (size_t i = 0; i < m->n; i++)
		plot_rule(&m->rules[i], i, out);
	trend_svg_end(out);
}
