/*
 * precision.c: the --precision stop rule (see precision.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "precision.h"
#include "stats.h"
#include "util.h"

#define MS_PER_S 1000.0
#define JSON_DIGITS 1e6		/* relative widths kept to 6 decimals */

static const char *const stop_names[] = {
	[PR_STOP_NOT_YET] = NULL,
	[PR_STOP_PRECISION] = "precision",
	[PR_STOP_MAX_SAMPLES] = "max_samples",
	[PR_STOP_MAX_TIME] = "max_time",
};

void
pr_precision_start(struct pr_precision *p)
{
	p->start_ms = pr_mono_ms();
	p->next_check = 0;
	p->p50 = p->p95 = NAN;
	p->reached = false;
	p->stopped_by = PR_STOP_NOT_YET;
}

double
pr_precision_of(const double *sorted, size_t n, double q)
{
	double lo, hi, est;

	if (n == 0 || pr_quantile_ci_sorted(sorted, n, q, PR_PRECISION_CONF, &lo, &hi) != 0 || isnan(lo) || isnan(hi))
		return NAN;
	est = pr_quantile_sorted(sorted, n, q);
	if (!(est > 0))
		return NAN;	/* a relative width of a quantile at 0 means nothing */
	return (hi - lo) / 2 / est;
}

/* NAN counts as not within the target. */
static bool
within(double width, double target)
{
	return width <= target;
}

void
pr_precision_measure(struct pr_precision *p, const double *v, size_t n)
{
	if (p->scratch_cap < n) {
		p->scratch_cap = n > 2 * p->scratch_cap ? n : 2 * p->scratch_cap;
		p->scratch = xrealloc(p->scratch, p->scratch_cap * sizeof *p->scratch);
	}
	if (n)
		memcpy(p->scratch, v, n * sizeof *v);
	pr_sort(p->scratch, n);
	p->p50 = pr_precision_of(p->scratch, n, 0.5);
	p->p95 = p->quantiles & PR_PRECISION_P95 ? pr_precision_of(p->scratch, n, 0.95) : NAN;
	p->reached = (!(p->quantiles & PR_PRECISION_P50) || within(p->p50, p->target)) &&
	    (!(p->quantiles & PR_PRECISION_P95) || within(p->p95, p->target));
}

enum pr_stop
pr_precision_check(struct pr_precision *p, const double *v, size_t n, long attempts)
{
	bool out_of_samples = attempts >= p->max_samples;
	bool out_of_time = pr_mono_ms() - p->start_ms >= p->max_time_s * MS_PER_S;

	if (!out_of_samples && !out_of_time && (attempts < p->min_samples || n < p->next_check))
		return PR_STOP_NOT_YET;
	pr_precision_measure(p, v, n);
	p->next_check = n + (size_t)ceil((double)n * PR_PRECISION_STEP);
	if (p->reached && attempts >= p->min_samples)
		p->stopped_by = PR_STOP_PRECISION;
	else if (out_of_samples)
		p->stopped_by = PR_STOP_MAX_SAMPLES;
	else if (out_of_time)
		p->stopped_by = PR_STOP_MAX_TIME;
	return p->stopped_by;
}

static cJSON *
width_json(double w)
{
	return isfinite(w) ? cJSON_CreateNumber(round(w * JSON_DIGITS) / JSON_DIGITS) : cJSON_CreateNull();
}

cJSON *
pr_precision_to_json(const struct pr_precision *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "target", p->target);
	cJSON_AddNumberToObject(o, "confidence", PR_PRECISION_CONF);
	cJSON_AddItemToObject(o, "p50", width_json(p->p50));
	cJSON_AddItemToObject(o, "p95", width_json(p->p95));
	cJSON_AddBoolToObject(o, "reached", p->reached);
	if (stop_names[p->stopped_by])
		cJSON_AddStringToObject(o, "stopped_by", stop_names[p->stopped_by]);
	else
		cJSON_AddNullToObject(o, "stopped_by");
	return o;
}

void
pr_precision_free(struct pr_precision *p)
{
	free(p->scratch);
	p->scratch = NULL;
	p->scratch_cap = 0;
}
