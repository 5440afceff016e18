/* compare.c: see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "err.h"
#include "util.h"

/* Relative changes this close to the threshold count as reaching it, so
 * that 100 -> 105 is a 5 % change despite binary rounding. */
#define CMP_THRESHOLD_SLACK 1e-12
#define PERCENT 100.0

static const char *const verdict_names[] = {
	[CMP_IMPROVED] = "improved",
	[CMP_REGRESSED] = "regressed",
	[CMP_UNCHANGED] = "unchanged",
	[CMP_ONLY_BASELINE] = "only_baseline",
	[CMP_ONLY_AFTER] = "only_after",
};

static const char *const fail_on_names[] = {
	[CMP_FAIL_ON_REGRESSION] = "regression",
	[CMP_FAIL_ON_ANY] = "any",
	[CMP_FAIL_ON_NONE] = "none",
};

const char *
cmp_verdict_name(enum cmp_verdict v)
{
	return verdict_names[v];
}

const char *
cmp_fail_on_name(enum cmp_fail_on f)
{
	return fail_on_names[f];
}

int
cmp_fail_on_parse(const char *s, enum cmp_fail_on *out)
{
	for (size_t i = 0; i < sizeof fail_on_names / sizeof fail_on_names[0]; i++) {
		if (strcmp(s, fail_on_names[i]) == 0) {
			*out = (enum cmp_fail_on)i;
			return 0;
		}
	}
	return -1;
}

int
cmp_threshold_parse(const char *s, double *out)
{
	size_t len = strlen(s);
	char *copy;
	int rc;

	if (len > 1 && s[len - 1] == '%') {
		copy = xstrdup(s);
		copy[len - 1] = '\0';
		rc = pr_parse_double(copy, 0, PERCENT, out);
		free(copy);
		if (rc == 0 && *out >= PERCENT)
			rc = -1;
		if (rc == 0)
			*out /= PERCENT;
		return rc;
	}
	if (pr_parse_double(s, 0, 1, out) || *out >= 1)
		return -1;
	return 0;
}

void
cmp_format_value(char *out, size_t size, double v, const char *unit)
{
	const char *u = unit && *unit ? unit : "";
	const char *sep = *u ? " " : "";

	if (!isfinite(v))
		snprintf(out, size, "-");
	else if (fabs(v) >= 100)
		snprintf(out, size, "%.0f%s%s", v, sep, u);
	else if (fabs(v) >= 10)
		snprintf(out, size, "%.1f%s%s", v, sep, u);
	else
		snprintf(out, size, "%.2f%s%s", v, sep, u);
}

/* The name of an input for messages: "<stdin>" for "-". */
static const char *
display_name(const char *name)
{
	return strcmp(name, "-") == 0 ? "<stdin>" : name;
}

/* Every number of a summary read from a document must be >= 0. */
static int
check_summary(const struct pr_summary *s, const char *ctx)
{
	const struct { const char *key; double v; } f[] = {
		{ "min", s->min }, { "p50", s->p50 }, { "p90", s->p90 }, { "p95", s->p95 },
		{ "p99", s->p99 }, { "max", s->max }, { "mean", s->mean }, { "stddev", s->stddev },
	};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].v < 0)
			return pr_error(PR_INPUT, "%s.summary.%s: %g is negative (must be >= 0)", ctx, f[i].key, f[i].v);
	return PR_OK;
}

/*
 * Read metrics.<id> of one document into side: unit, better, samples
 * (sorted, owned by side), summary and, without samples, the histogram of
 * a load-mode document (owned).  ctx names the metric for messages.
 * Returns 0 or PR_INPUT (reported).
 */
static int
read_side(const cJSON *m, const char *ctx, struct cmp_side *side)
{
	const cJSON *samples = NULL, *summary = NULL, *hist = NULL;
	struct buf where = {0};
	int rc;

	memset(side, 0, sizeof *side);
	side->present = true;
	if (!cJSON_IsObject(m)) {
		rc = pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, pr_json_type(m));
		goto out;
	}
	if ((rc = pr_get_string(m, "unit", PR_REQUIRED, ctx, &side->unit)))
		goto out;
	if ((rc = pr_get_string(m, "better", PR_OPTIONAL, ctx, &side->better)))
		goto out;
	if (!side->better)
		side->better = strcmp(side->unit, "rps") == 0 ? "higher" : "lower";
	if (strcmp(side->better, "lower") != 0 && strcmp(side->better, "higher") != 0) {
		rc = pr_error(PR_INPUT, "%s.better: \"%s\" is neither \"lower\" nor \"higher\"", ctx, side->better);
		goto out;
	}
	if ((rc = pr_get_array(m, "samples", PR_OPTIONAL, ctx, &samples)))
		goto out;
	if ((rc = pr_get_object(m, "summary", PR_OPTIONAL, ctx, &summary)))
		goto out;
	if (!samples && (rc = pr_get_object(m, "histogram", PR_OPTIONAL, ctx, &hist)))
		goto out;
	if (!samples && !summary) {
		rc = pr_error(PR_INPUT, "%s: has neither \"samples\" nor \"summary\"", ctx);
		goto out;
	}
	if (summary) {
		buf_printf(&where, "%s.summary", ctx);
		if ((rc = pr_summary_from_json(summary, where.data, &side->summary)) ||
		    (rc = check_summary(&side->summary, ctx)))
			goto out;
	}
	if (samples) {
		buf_reset(&where);
		buf_printf(&where, "%s.samples", ctx);
		if ((rc = pr_get_numbers(samples, where.data, 0, &side->samples, &side->nsamples)))
			goto out;
		if (side->nsamples > 0 || !summary) {
			pr_sort(side->samples, side->nsamples);
			pr_summarize_sorted(side->samples, side->nsamples, &side->summary);
			side->has_samples = side->nsamples > 0;
		}
	}
	if (hist) {
		buf_reset(&where);
		buf_printf(&where, "%s.histogram", ctx);
		side->hist = pr_hist_new();
		if ((rc = pr_hist_from_json(hist, where.data, side->hist)))
			goto out;
	}
out:
	buf_free(&where);
	return rc;
}

/* v as a signed percentage, "+12.3%", or "n/a" when not finite. */
static void
percent(char *out, size_t size, double v)
{
	if (isfinite(v))
		snprintf(out, size, "%+.1f%%", v * PERCENT);
	else
		snprintf(out, size, "n/a");
}

/* True when m's change goes against its "better" direction. */
static bool
is_worse(const struct cmp_metric *m)
{
	bool lower_better = strcmp(m->base.better, "lower") == 0;

	return lower_better ? m->change > 0 : m->change < 0;
}

/*
 * Load-mode documents: the rank test on the two histograms' buckets.  The
 * change is still that of the medians; there is no interval, since the
 * values inside a bucket are not known.
 */
static void
decide_binned(struct cmp_metric *m, const struct cmp_settings *s, bool big, const char *bv, const char *av,
    const char *ch)
{
	struct pr_mwu mwu;

	m->tested = m->binned = true;
	pr_hist_mann_whitney(m->base.hist, m->after.hist, &mwu);
	m->p_value = mwu.p;
	if (!isfinite(m->change)) {
		snprintf(m->reason, sizeof m->reason,
		    "not compared: the baseline median is 0, so no relative change (p = %.3g)", m->p_value);
		return;
	}
	if (m->p_value < s->alpha && big)
		m->verdict = is_worse(m) ? CMP_REGRESSED : CMP_IMPROVED;
	snprintf(m->reason, sizeof m->reason,
	    "p50 %s -> %s (%s) %s the %g%% threshold; rank test on histogram buckets "
	    "(%llu vs %llu requests): p = %.3g %s %g",
	    bv, av, ch, big ? "reaches" : "is within", s->threshold * PERCENT,
	    (unsigned long long)m->base.hist->n, (unsigned long long)m->after.hist->n,
	    m->p_value, m->p_value < s->alpha ? "<" : ">=", s->alpha);
}

/* Decide m's verdict and reason from its two sides. */
static void
decide(struct cmp_metric *m, const struct cmp_settings *s)
{
	const struct cmp_side *b = &m->base, *a = &m->after;
	char bv[32], av[32], ch[32], lo[32], hi[32];
	bool big, significant;
	struct pr_mwu mwu;
	double shift;

	m->change = m->ci_lo = m->ci_hi = m->p_value = NAN;
	m->comparable = true;
	m->verdict = CMP_UNCHANGED;
	if (!a->present) {
		m->verdict = CMP_ONLY_BASELINE;
		snprintf(m->reason, sizeof m->reason, "only in the baseline: not measured after");
		return;
	}
	if (!b->present) {
		m->verdict = CMP_ONLY_AFTER;
		snprintf(m->reason, sizeof m->reason, "only after: no baseline to compare with");
		return;
	}
	if (strcmp(b->unit, a->unit) != 0 || strcmp(b->better, a->better) != 0) {
		m->comparable = false;
		snprintf(m->reason, sizeof m->reason,
		    "not compared: baseline is %s (%s is better), after is %s (%s is better)",
		    b->unit, b->better, a->unit, a->better);
		return;
	}
	if (b->summary.n == 0 || a->summary.n == 0) {
		if (b->summary.n > 0) {
			m->verdict = CMP_REGRESSED;
			snprintf(m->reason, sizeof m->reason,
			    "no successful samples after (the baseline had %zu)", b->summary.n);
		} else {
			snprintf(m->reason, sizeof m->reason, "not compared: no successful samples in the baseline");
		}
		return;
	}
	if (b->summary.p50 > 0)
		m->change = a->summary.p50 / b->summary.p50 - 1;
	cmp_format_value(bv, sizeof bv, b->summary.p50, b->unit);
	cmp_format_value(av, sizeof av, a->summary.p50, a->unit);
	percent(ch, sizeof ch, m->change);
	big = isfinite(m->change) && fabs(m->change) + CMP_THRESHOLD_SLACK >= s->threshold;

	if (!b->has_samples && !a->has_samples && b->hist && a->hist && b->hist->n && a->hist->n) {
		decide_binned(m, s, big, bv, av, ch);
		return;
	}
	if (!b->has_samples || !a->has_samples) {
		if (big)
			m->verdict = is_worse(m) ? CMP_REGRESSED : CMP_IMPROVED;
		snprintf(m->reason, sizeof m->reason,
		    "p50 %s -> %s (%s) %s the %g%% threshold; no samples on %s, so no test was possible",
		    bv, av, ch, big ? "reaches" : "is within", s->threshold * PERCENT,
		    !b->has_samples && !a->has_samples ? "either side" : !b->has_samples ? "the baseline" : "the after side");
		if (!isfinite(m->change))
			snprintf(m->reason, sizeof m->reason,
			    "not compared: the baseline median is 0, so no relative change; no test was possible");
		return;
	}

	m->tested = true;
	pr_mann_whitney_sorted(b->samples, b->nsamples, a->samples, a->nsamples, &mwu);
	m->p_value = mwu.p;
	pr_hodges_lehmann_sorted(b->samples, b->nsamples, a->samples, a->nsamples, 1 - s->alpha,
	    &shift, &m->ci_lo, &m->ci_hi);
	if (b->summary.p50 > 0 && isfinite(m->ci_lo)) {
		m->ci_lo /= b->summary.p50;
		m->ci_hi /= b->summary.p50;
	} else {
		m->ci_lo = m->ci_hi = NAN;
	}
	significant = m->p_value < s->alpha;
	if (!isfinite(m->change)) {
		snprintf(m->reason, sizeof m->reason,
		    "not compared: the baseline median is 0, so no relative change (p = %.3g)", m->p_value);
		return;
	}
	percent(lo, sizeof lo, m->ci_lo);
	percent(hi, sizeof hi, m->ci_hi);
	if (significant && big) {
		m->verdict = is_worse(m) ? CMP_REGRESSED : CMP_IMPROVED;
		snprintf(m->reason, sizeof m->reason, "p50 %s -> %s (%s, %g%% CI %s to %s), p = %.3g < %g",
		    bv, av, ch, (1 - s->alpha) * PERCENT, lo, hi, m->p_value, s->alpha);
	} else if (significant) {
		snprintf(m->reason, sizeof m->reason,
		    "p50 %s -> %s (%s): significant (p = %.3g) but under the %g%% threshold",
		    bv, av, ch, m->p_value, s->threshold * PERCENT);
	} else {
		snprintf(m->reason, sizeof m->reason,
		    "p50 %s -> %s (%s): no significant difference (p = %.3g >= %g)",
		    bv, av, ch, m->p_value, s->alpha);
	}
}

/* The "metrics" object of in, reported as missing or mistyped. */
static int
metrics_of(const struct cmp_input *in, const cJSON **out)
{
	return pr_get_object(in->doc, "metrics", PR_REQUIRED, display_name(in->name), out);
}

/* A new zeroed metric at the end of r->metrics (grown as needed). */
static struct cmp_metric *
add_metric(struct cmp_result *r, size_t *cap, const char *id)
{
	struct cmp_metric *m;

	if (r->nmetrics == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		r->metrics = xrealloc(r->metrics, *cap * sizeof *r->metrics);
	}
	m = &r->metrics[r->nmetrics++];
	memset(m, 0, sizeof *m);
	m->id = id;
	return m;
}

/* Read every metric of one side into r: the baseline adds each metric, the
 * after side fills the metric of the same id or adds one.  0 or PR_INPUT. */
static int
read_all(struct cmp_result *r, size_t *cap, const struct cmp_input *in, bool is_base)
{
	const cJSON *metrics, *it;
	struct buf ctx = {0};
	int rc;

	if ((rc = metrics_of(in, &metrics)))
		return rc;
	for (it = metrics->child; it; it = it->next) {
		struct cmp_metric *m = NULL;

		buf_reset(&ctx);
		buf_printf(&ctx, "%s: metrics.", display_name(in->name));
		/* Control characters from the document never reach a terminal. */
		for (const char *c = it->string; *c; c++)
			buf_addc(&ctx, (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c);
		if (cJSON_GetObjectItemCaseSensitive(metrics, it->string) != it) {
			rc = pr_error(PR_INPUT, "%s: appears more than once", ctx.data);
			goto out;
		}
		if (!is_base) {
			for (size_t i = 0; i < r->nmetrics && !m; i++)
				if (strcmp(r->metrics[i].id, it->string) == 0)
					m = &r->metrics[i];
		}
		if (!m)
			m = add_metric(r, cap, it->string);
		if ((rc = read_side(it, ctx.data, is_base ? &m->base : &m->after)))
			goto out;
	}
out:
	buf_free(&ctx);
	return rc;
}

int
cmp_run(const struct cmp_input *base, const struct cmp_input *after,
    const struct cmp_settings *settings, struct cmp_result *r)
{
	size_t cap = 0;
	int rc;

	memset(r, 0, sizeof *r);
	r->settings = *settings;
	r->base = *base;
	r->after = *after;
	if ((rc = read_all(r, &cap, base, true)) || (rc = read_all(r, &cap, after, false)))
		return rc;
	for (size_t i = 0; i < r->nmetrics; i++) {
		struct cmp_metric *m = &r->metrics[i];

		decide(m, settings);
		r->count[m->verdict]++;
		if (!m->comparable)
			r->incomparable++;
	}
	switch (settings->fail_on) {
	case CMP_FAIL_ON_REGRESSION:
		r->fail = r->count[CMP_REGRESSED] > 0;
		break;
	case CMP_FAIL_ON_ANY:
		r->fail = r->count[CMP_REGRESSED] > 0 || r->count[CMP_ONLY_BASELINE] > 0 ||
		    r->count[CMP_ONLY_AFTER] > 0 || r->incomparable > 0;
		break;
	case CMP_FAIL_ON_NONE:
		r->fail = false;
		break;
	}
	return PR_OK;
}

void
cmp_result_free(struct cmp_result *r)
{
	for (size_t i = 0; i < r->nmetrics; i++) {
		free(r->metrics[i].base.samples);
		free(r->metrics[i].after.samples);
		free(r->metrics[i].base.hist);
		free(r->metrics[i].after.hist);
	}
	free(r->metrics);
	memset(r, 0, sizeof *r);
}

/* {"file","label","created_at"} of one input. */
static cJSON *
input_json(const struct cmp_input *in)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *label = cJSON_GetObjectItemCaseSensitive(in->doc, "label");
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(in->doc, "created_at");

	cJSON_AddStringToObject(o, "file", in->name);
	if (cJSON_IsString(label))
		cJSON_AddStringToObject(o, "label", label->valuestring);
	else
		cJSON_AddNullToObject(o, "label");
	if (cJSON_IsString(created))
		cJSON_AddStringToObject(o, "created_at", created->valuestring);
	else
		cJSON_AddNullToObject(o, "created_at");
	return o;
}

/* One side's summary, or JSON null when the metric is missing there. */
static cJSON *
side_json(const struct cmp_side *s)
{
	return s->present ? pr_summary_to_json(&s->summary) : cJSON_CreateNull();
}

cJSON *
cmp_document(const struct cmp_result *r)
{
	cJSON *doc = pr_doc_new("compare");
	cJSON *settings, *counts, *metrics;

	cJSON_AddStringToObject(doc, "verdict", r->fail ? "fail" : "pass");
	cJSON_AddItemToObject(doc, "baseline", input_json(&r->base));
	cJSON_AddItemToObject(doc, "after", input_json(&r->after));
	settings = cJSON_AddObjectToObject(doc, "settings");
	cJSON_AddNumberToObject(settings, "alpha", r->settings.alpha);
	cJSON_AddNumberToObject(settings, "threshold", r->settings.threshold);
	cJSON_AddStringToObject(settings, "fail_on", cmp_fail_on_name(r->settings.fail_on));
	counts = cJSON_AddObjectToObject(doc, "counts");
	for (int v = CMP_IMPROVED; v <= CMP_ONLY_AFTER; v++)
		cJSON_AddNumberToObject(counts, verdict_names[v], (double)r->count[v]);
	cJSON_AddNumberToObject(counts, "not_comparable", (double)r->incomparable);
	metrics = cJSON_AddObjectToObject(doc, "metrics");
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct cmp_metric *m = &r->metrics[i];
		const struct cmp_side *known = m->base.present ? &m->base : &m->after;
		cJSON *o = cJSON_AddObjectToObject(metrics, m->id);

		cJSON_AddStringToObject(o, "verdict", verdict_names[m->verdict]);
		cJSON_AddStringToObject(o, "unit", known->unit);
		cJSON_AddStringToObject(o, "better", known->better);
		cJSON_AddItemToObject(o, "baseline", side_json(&m->base));
		cJSON_AddItemToObject(o, "after", side_json(&m->after));
		pr_add_number(o, "change", m->change);
		if (isfinite(m->ci_lo) && isfinite(m->ci_hi)) {
			cJSON *ci = cJSON_AddArrayToObject(o, "ci");

			cJSON_AddItemToArray(ci, cJSON_CreateNumber(m->ci_lo));
			cJSON_AddItemToArray(ci, cJSON_CreateNumber(m->ci_hi));
		} else {
			cJSON_AddNullToObject(o, "ci");
		}
		pr_add_number(o, "p_value", m->p_value);
		cJSON_AddStringToObject(o, "test", !m->tested ? "none" : m->binned ? "mann-whitney-binned" : "mann-whitney");
		cJSON_AddStringToObject(o, "reason", m->reason);
	}
	return doc;
}
