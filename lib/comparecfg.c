/* comparecfg.c: see comparecfg.h. */
#include "comparecfg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "util.h"

#define PERCENT 100.0
#define US_PER_MS 1000.0
#define MS_PER_S 1000.0

int
comparecfg_quantiles_parse(const char *s, struct compare_settings *set)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	double q[CMP_MAX_QUANTILES];
	size_t n = 0;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		double v;
		size_t i;

		if (n == CMP_MAX_QUANTILES || util_parse_double(tok, 0, PERCENT, &v) || v <= 0 || v >= PERCENT) {
			rc = -1;
			break;
		}
		v /= PERCENT;
		for (i = n; i > 0 && q[i - 1] > v; i--)
			q[i] = q[i - 1];
		if (i > 0 && q[i - 1] == v) {
			memmove(&q[i], &q[i + 1], (n - i) * sizeof *q);
			continue;
		}
		q[i] = v;
		n++;
	}
	free(copy);
	if (rc || n == 0)
		return -1;
	memcpy(set->quantiles, q, n * sizeof *q);
	set->nquantiles = n;
	return 0;
}

/* The statistic of a budget: "p95", "p99.9", "median", "mean", "max", "errors". */
static int
budget_stat(const char *s, size_t len, struct compare_budget *bu)
{
	char num[16];
	double v;

	if (len == 6 && strncmp(s, "errors", len) == 0)
		bu->stat = CMP_STAT_ERRORS;
	else if (len == 4 && strncmp(s, "mean", len) == 0)
		bu->stat = CMP_STAT_MEAN;
	else if (len == 3 && strncmp(s, "max", len) == 0)
		bu->stat = CMP_STAT_MAX;
	else if (len == 6 && strncmp(s, "median", len) == 0) {
		bu->stat = CMP_STAT_QUANTILE;
		bu->q = 0.5;
	} else if (len >= 2 && len < sizeof num && s[0] == 'p') {
		memcpy(num, s + 1, len - 1);
		num[len - 1] = '\0';
		if (util_parse_double(num, 0, PERCENT, &v) || v <= 0 || v >= PERCENT)
			return -1;
		bu->stat = CMP_STAT_QUANTILE;
		bu->q = v / PERCENT;
	} else {
		return -1;
	}
	return 0;
}

/* The limit of a budget with its unit: ms, s, us and rps; % or a fraction
 * for errors.  Times are kept in ms. */
static int
budget_limit(const char *s, struct compare_budget *bu)
{
	static const struct { const char *suffix, *unit; double scale; } units[] = {
		/* Longest suffix first: "rps" and "ms" also end in "s". */
		{ "rps", "rps", 1 }, { "ms", "ms", 1 }, { "us", "ms", 1 / US_PER_MS }, { "s", "ms", MS_PER_S },
		{ "%", "%", 1 / PERCENT },
	};
	size_t len = strlen(s);
	char num[32];

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t sl = strlen(units[i].suffix);

		if (len <= sl || len - sl >= sizeof num || strcmp(s + len - sl, units[i].suffix) != 0)
			continue;
		if ((bu->stat == CMP_STAT_ERRORS) != (strcmp(units[i].unit, "%") == 0))
			return -1;
		memcpy(num, s, len - sl);
		num[len - sl] = '\0';
		if (util_parse_double(num, 0, 1e12, &bu->limit))
			return -1;
		bu->limit *= units[i].scale;
		bu->unit = units[i].unit;
		return bu->stat == CMP_STAT_ERRORS && bu->limit > 1 ? -1 : 0;
	}
	/* A bare number is a fraction, for errors only ("errors<0.01"). */
	if (bu->stat != CMP_STAT_ERRORS || util_parse_double(s, 0, 1, &bu->limit))
		return -1;
	bu->unit = "%";
	return 0;
}

int
comparecfg_budget_parse(const char *s, struct compare_settings *set)
{
	struct compare_budget bu = {0};
	const char *op = strpbrk(s, "<>"), *stat = s, *colon;

	if (set->nbudgets == CMP_MAX_BUDGETS || !op || strlen(s) >= sizeof bu.text || op[1] == '=' ||
	    strpbrk(op + 1, "<>"))
		return -1;
	colon = memchr(s, ':', (size_t)(op - s));
	if (colon) {
		if (colon == s)
			return -1;
		stat = colon + 1;
	}
	if (budget_stat(stat, (size_t)(op - stat), &bu) || budget_limit(op + 1, &bu))
		return -1;
	bu.below = *op == '<';
	snprintf(bu.text, sizeof bu.text, "%s", s);
	if (colon) {
		bu.metric = xstrdup(s);
		bu.metric[colon - s] = '\0';
	}
	set->budgets[set->nbudgets++] = bu;
	return 0;
}

void
comparecfg_settings_default(struct compare_settings *set)
{
	memset(set, 0, sizeof *set);
	set->alpha = CMP_DEFAULT_ALPHA;
	set->threshold = CMP_DEFAULT_THRESHOLD;
	set->fail_on = CMP_FAIL_ON_REGRESSION;
	set->correction = PR_CORRECTION_HOLM;
	set->quantiles[0] = 0.5;
	set->quantiles[1] = 0.95;
	set->nquantiles = 2;
}

void
comparecfg_settings_free(struct compare_settings *set)
{
	for (size_t i = 0; i < set->nbudgets; i++)
		free(set->budgets[i].metric);
	set->nbudgets = 0;
}

/* "budgets": ["p95<500ms", ...], each for metric (NULL: "ID:" inside, or all). */
static int
cfg_budgets(const cJSON *obj, const char *ctx, const char *metric, struct compare_settings *set)
{
	const cJSON *arr = NULL, *it;
	struct buf text = {0};
	int rc, i = 0;

	if ((rc = doc_get_array(obj, "budgets", PR_OPTIONAL, ctx, &arr)) || !arr)
		return rc;
	for (it = arr->child; it; it = it->next, i++) {
		buf_reset(&text);
		if (cJSON_IsString(it))
			buf_printf(&text, "%s%s%s", metric ? metric : "", metric ? ":" : "", it->valuestring);
		if (!cJSON_IsString(it) || comparecfg_budget_parse(text.data, set)) {
			rc = pr_error(PR_INPUT, "%s.budgets[%d]: expected a budget such as \"p95<500ms\" or "
			    "\"errors<1%%\"%s", ctx, i, set->nbudgets == CMP_MAX_BUDGETS ? " (too many budgets)" : "");
			break;
		}
		set->budgets[set->nbudgets - 1].from_config = true;
	}
	buf_free(&text);
	return rc;
}

/* One setting given as a string, parsed by parse unless the flag gave it. */
static int
cfg_string(const cJSON *sec, const char *key, const char *ctx, bool given, const char *expect,
    int (*parse)(const char *, void *), void *dst)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(sec, key);
	char num[32];
	const char *s;

	if (!it)
		return PR_OK;
	if (cJSON_IsNumber(it)) {
		snprintf(num, sizeof num, "%.17g", it->valuedouble);
		s = num;
	} else if (cJSON_IsString(it)) {
		s = it->valuestring;
	} else {
		return pr_error(PR_INPUT, "%s.%s: expected %s, found %s", ctx, key, expect, doc_json_type(it));
	}
	if (given)
		return PR_OK;
	if (parse(s, dst))
		return pr_error(PR_INPUT, "%s.%s: \"%s\" is not %s", ctx, key, s, expect);
	return PR_OK;
}

static int
parse_alpha(const char *s, void *dst)
{
	double *a = dst;

	return util_parse_double(s, 0, 1, a) || *a <= 0 || *a >= 1 ? -1 : 0;
}

static int
parse_threshold(const char *s, void *dst)
{
	return compare_threshold_parse(s, dst);
}

static int
parse_correction(const char *s, void *dst)
{
	return stats_correction_parse(s, dst);
}

static int
parse_fail_on(const char *s, void *dst)
{
	return compare_fail_on_parse(s, dst);
}

static int
parse_quantiles(const char *s, void *dst)
{
	return comparecfg_quantiles_parse(s, dst);
}

/* "quantiles": [50, 95] or "50,95". */
static int
cfg_quantiles(const cJSON *sec, const char *ctx, bool given, struct compare_settings *set)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(sec, "quantiles"), *q;
	struct buf list = {0};
	int rc = PR_OK;

	if (!cJSON_IsArray(it))
		return cfg_string(sec, "quantiles", ctx, given, "a list of percentiles in (0, 100) such as [50, 95]",
		    parse_quantiles, set);
	for (q = it->child; q; q = q->next) {
		if (!cJSON_IsNumber(q)) {
			buf_free(&list);
			return pr_error(PR_INPUT, "%s.quantiles: expected numbers such as [50, 95]", ctx);
		}
		buf_printf(&list, "%s%.17g", list.len ? "," : "", q->valuedouble);
	}
	if (!given && comparecfg_quantiles_parse(list.len ? list.data : "", set))
		rc = pr_error(PR_INPUT, "%s.quantiles: each must be a percentile in (0, 100), at most %d",
		    ctx, CMP_MAX_QUANTILES);
	buf_free(&list);
	return rc;
}

int
comparecfg_parse(const cJSON *sec, const char *ctx, const struct comparecfg_given *g, struct compare_settings *set)
{
	static const char *const known[] = {
		"alpha", "threshold", "quantiles", "correction", "fail_on", "budgets", "metrics", NULL,
	};
	static const char *const known_metric[] = { "budgets", NULL };
	const cJSON *metrics = NULL, *it;
	struct buf where = {0};
	int rc;

	if ((rc = doc_check_fields(sec, known, ctx)) ||
	    (rc = cfg_string(sec, "alpha", ctx, g->alpha, "a probability such as 0.05", parse_alpha, &set->alpha)) ||
	    (rc = cfg_string(sec, "threshold", ctx, g->threshold, "a percentage such as \"5%\"", parse_threshold,
	    &set->threshold)) ||
	    (rc = cfg_string(sec, "correction", ctx, g->correction, "holm, bh or none", parse_correction,
	    &set->correction)) ||
	    (rc = cfg_string(sec, "fail_on", ctx, g->fail_on, "regression, inconclusive, any or none", parse_fail_on,
	    &set->fail_on)) ||
	    (rc = cfg_quantiles(sec, ctx, g->quantiles, set)) || (rc = cfg_budgets(sec, ctx, NULL, set)) ||
	    (rc = doc_get_object(sec, "metrics", PR_OPTIONAL, ctx, &metrics)))
		return rc;
	for (it = metrics ? metrics->child : NULL; it && rc == PR_OK; it = it->next) {
		buf_reset(&where);
		buf_printf(&where, "%s.metrics.%s", ctx, it->string);
		if (!(rc = doc_check_fields(it, known_metric, where.data)))
			rc = cfg_budgets(it, where.data, it->string, set);
	}
	buf_free(&where);
	return rc;
}
