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
precision_start(struct precision *p)
{
	p->start_ms = util_mono_ms();
	p->next_check = 0;
	p->p50 = p->p95 = NAN;
	p->reached = false;
	p->stopped_by = PR_STOP_NOT_YET;
}

double
precision_of(const double *sorted, size_t n, double q)
{
	double lo, hi, est;

	if (n == 0 || stats_quantile_ci_sorted(sorted, n, q, PR_PRECISION_CONF, &lo, &hi) != 0)
		return NAN;
	if (isnan(lo) || isnan(hi))
		return NAN;
	est = stats_quantile_sorted(sorted, n, q);
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
precision_measure(struct precision *p, const double *v, size_t n)
{
	if (p->scratch_cap < n) {
		p->scratch_cap = n > 2 * p->scratch_cap ? n : 2 * p->scratch_cap;
		p->scratch = xrealloc(p->scratch, p->scratch_cap * sizeof *p->scratch);
	}
	if (n)
		memcpy(p->scratch, v, n * sizeof *v);
	stats_sort(p->scratch, n);
	p->p50 = precision_of(p->scratch, n, 0.5);
	p->p95 = p->quantiles & PR_PRECISION_P95 ? precision_of(p->scratch, n, 0.95) : NAN;
	p->reached = (!(p->quantiles & PR_PRECISION_P50) || within(p->p50, p->target)) &&
	    (!(p->quantiles & PR_PRECISION_P95) || within(p->p95, p->target));
}

enum precision_stop
precision_check(struct precision *p, const double *v, size_t n, long attempts)
{
	bool out_of_samples = attempts >= p->max_samples;
	bool out_of_time = util_mono_ms() - p->start_ms >= p->max_time_s * MS_PER_S;

	if (!out_of_samples && !out_of_time && (attempts < p->min_samples || n < p->next_check))
		return PR_STOP_NOT_YET;
	precision_measure(p, v, n);
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
precision_to_json(const struct precision *p)
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
precision_free(struct precision *p)
{
	free(p->scratch);
	p->scratch = NULL;
	p->scratch_cap = 0;
}
