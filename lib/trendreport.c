/*
 * trendreport.c: a history analysed metric by metric (trend.h), and its
 * document, text, Markdown and SVG.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "history.h"
#include "report.h"
#include "stats.h"
#include "trend.h"

#define PERCENT 100.0
#define TREND_SCHEMA_KIND "trend"

static const char *const stat_names[] = { "p50", "p90", "p95", "p99", "mean", "max" };

const char *
trend_stat_name(enum trend_stat s)
{
	return stat_names[s];
}

int
trend_stat_parse(const char *s, enum trend_stat *out)
{
	for (size_t i = 0; i < sizeof stat_names / sizeof *stat_names; i++)
		if (strcmp(s, stat_names[i]) == 0) {
			*out = (enum trend_stat)i;
			return 0;
		}
	return -1;
}

static double
rec_value(const struct history_rec *r, enum trend_stat s)
{
	const double v[] = { r->p50, r->p90, r->p95, r->p99, r->mean, r->max };

	return v[s];
}

static bool
wanted(const struct trend_options *o, const char *id)
{
	if (!o->metrics)
		return true;
	for (const char **m = o->metrics; *m; m++)
		if (strcmp(*m, id) == 0)
			return true;
	return false;
}

/* The metric named id in r, added when new (a linear search: a history
 * holds few metrics). */
static struct trend_metric *
metric_of(struct trend_result *r, size_t *cap, const struct history_rec *rec)
{
	for (size_t i = r->nm; i-- > 0;)
		if (strcmp(r->m[i].id, rec->metric) == 0)
			return &r->m[i];
	if (r->nm == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		r->m = xrealloc(r->m, *cap * sizeof *r->m);
	}
	memset(&r->m[r->nm], 0, sizeof *r->m);
	r->m[r->nm].id = rec->metric;
	return &r->m[r->nm++];
}

static void
add_point(struct trend_metric *m, size_t *cap, const struct history_rec *rec, double v)
{
	if (m->npts == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		m->pts = xrealloc(m->pts, *cap * sizeof *m->pts);
	}
	m->pts[m->npts] = (struct trend_point){ rec->t_s, v, m->npts, rec->time, rec->commit, rec->label };
	m->npts++;
	m->unit = rec->unit;
	m->better = rec->better;
}

static int
point_cmp(const void *a, const void *b)
{
	const struct trend_point *x = a, *y = b;

	if (x->t_s != y->t_s)
		return x->t_s < y->t_s ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Every wanted metric's series, in time order. */
static void
collect(const struct history *h, struct trend_result *r)
{
	size_t cap = 0, *pcap = NULL;

	for (size_t i = 0; i < h->nrec; i++) {
		const struct history_rec *rec = &h->rec[i];
		double v = rec_value(rec, r->opt.stat);
		size_t known = r->nm;
		struct trend_metric *m;

		if (!wanted(&r->opt, rec->metric))
			continue;
		m = metric_of(r, &cap, rec);
		if (r->nm > known) {	/* new: its points' capacity starts at 0 */
			pcap = xrealloc(pcap, r->nm * sizeof *pcap);
			pcap[r->nm - 1] = 0;
		}
		if (!isnan(v))
			add_point(m, &pcap[m - r->m], rec, v);
	}
	free(pcap);
	for (size_t i = 0; i < r->nm; i++)
		if (r->m[i].npts)
			qsort(r->m[i].pts, r->m[i].npts, sizeof *r->m[i].pts, point_cmp);
}

static double
median_from(const struct trend_point *p, size_t n)
{
	double *v = xmalloc((n ? n : 1) * sizeof *v), med;

	for (size_t i = 0; i < n; i++)
		v[i] = p[i].value;
	stats_sort(v, n);
	med = stats_quantile_sorted(v, n, 0.5);
	free(v);
	return med;
}

/* The verdict of one metric from its change points. */
static void
judge(struct trend_metric *m, const struct trend_options *o)
{
	char before[32], after[32], level[32];
	const struct trend_cp *cp;
	const struct trend_point *at;
	size_t ago;
	bool lower = !m->better || strcmp(m->better, "higher") != 0;

	m->change = NAN;
	if (m->ncp == 0) {
		m->level = median_from(m->pts, m->npts);
		compare_format_value(level, sizeof level, m->level, m->unit);
		snprintf(m->reason, sizeof m->reason, "steady: %zu points at %s %s, no change point", m->npts,
		    trend_stat_name(o->stat), level);
		return;
	}
	cp = &m->cps[m->ncp - 1];
	at = &m->pts[cp->index];
	ago = m->npts - cp->index;
	m->level = cp->after;
	m->change = cp->before > 0 ? cp->after / cp->before - 1 : NAN;
	m->new_regime = o->recent == 0 || ago <= o->recent;
	m->regression = m->new_regime && isfinite(m->change) && (lower ? m->change > o->threshold :
	    m->change < -o->threshold);
	compare_format_value(before, sizeof before, cp->before, m->unit);
	compare_format_value(after, sizeof after, cp->after, m->unit);
	snprintf(m->reason, sizeof m->reason,
	    "%s at %s (commit %.12s): %s %s -> %s (%+.1f%%, p=%.3g), %zu point%s ago%s",
	    m->regression ? "regressed" : "changed", at->time, at->commit ? at->commit : "-", trend_stat_name(o->stat),
	    before, after, m->change * PERCENT, cp->p, ago, ago == 1 ? "" : "s",
	    m->new_regime ? "" : " (an old regime: not judged)");
}

int
trend_analyse(const struct history *h, const struct trend_options *opt, struct trend_result *r)
{
	memset(r, 0, sizeof *r);
	r->opt = *opt;
	r->skipped = h->skipped;
	collect(h, r);
	for (const char **id = opt->metrics; id && *id; id++) {
		size_t i;

		for (i = 0; i < r->nm && strcmp(r->m[i].id, *id) != 0; i++)
			;
		if (i == r->nm)
			return pr_error(PR_USAGE, "--metric %s: no record of it in %s", *id, opt->history);
	}
	for (size_t i = 0; i < r->nm; i++) {
		struct trend_metric *m = &r->m[i];
		double *x = xmalloc((m->npts ? m->npts : 1) * sizeof *x);

		for (size_t j = 0; j < m->npts; j++)
			x[j] = m->pts[j].value;
		trend_change_points(x, m->npts, &opt->method, &m->cps, &m->ncp);
		free(x);
		judge(m, opt);
		r->regressions += m->regression;
	}
	r->fail = r->regressions > 0;
	return PR_OK;
}

void
trend_result_free(struct trend_result *r)
{
	for (size_t i = 0; i < r->nm; i++) {
		free(r->m[i].pts);
		free(r->m[i].cps);
	}
	free(r->m);
	memset(r, 0, sizeof *r);
}

/* --- the pr-tools/trend/1 document ------------------------------------- */

#define LEVEL_DECIMALS 3	/* values come in ms or rps to 3 decimals */
#define CHANGE_DECIMALS 4

static void
add_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_number_or_null(cJSON *o, const char *key, double v, int decimals)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, doc_round(v, decimals));
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *
cp_json(const struct trend_metric *m, const struct trend_cp *cp)
{
	cJSON *o = cJSON_CreateObject();
	const struct trend_point *at = &m->pts[cp->index];

	cJSON_AddNumberToObject(o, "index", (double)cp->index);
	cJSON_AddStringToObject(o, "time", at->time);
	add_string_or_null(o, "commit", at->commit);
	add_string_or_null(o, "label", at->label);
	add_number_or_null(o, "before", cp->before, LEVEL_DECIMALS);
	add_number_or_null(o, "after", cp->after, LEVEL_DECIMALS);
	add_number_or_null(o, "change", cp->before > 0 ? cp->after / cp->before - 1 : NAN, CHANGE_DECIMALS);
	add_number_or_null(o, "p_value", cp->p, PR_ANY_DECIMALS);
	add_number_or_null(o, "z", cp->z, 2);
	return o;
}

static cJSON *
metric_json(const struct trend_metric *m)
{
	cJSON *o = cJSON_CreateObject(), *cps;

	add_string_or_null(o, "unit", m->unit);
	add_string_or_null(o, "better", m->better);
	cJSON_AddNumberToObject(o, "points", (double)m->npts);
	if (m->npts) {
		cJSON_AddStringToObject(o, "first", m->pts[0].time);
		cJSON_AddStringToObject(o, "last", m->pts[m->npts - 1].time);
	}
	add_number_or_null(o, "latest", m->npts ? m->pts[m->npts - 1].value : NAN, LEVEL_DECIMALS);
	add_number_or_null(o, "level", m->level, LEVEL_DECIMALS);
	cps = cJSON_AddArrayToObject(o, "change_points");
	for (size_t i = 0; i < m->ncp; i++)
		cJSON_AddItemToArray(cps, cp_json(m, &m->cps[i]));
	cJSON_AddBoolToObject(o, "new_regime", m->new_regime);
	cJSON_AddBoolToObject(o, "regression", m->regression);
	cJSON_AddStringToObject(o, "reason", m->reason);
	return o;
}

cJSON *
trend_document(const struct trend_result *r)
{
	cJSON *doc = doc_new(TREND_SCHEMA_KIND), *set, *ms;
	const struct trend_options *o = &r->opt;
	char seed[32];

	add_string_or_null(doc, "history", o->history);
	set = cJSON_AddObjectToObject(doc, "settings");
	cJSON_AddStringToObject(set, "stat", trend_stat_name(o->stat));
	cJSON_AddStringToObject(set, "method",
	    "binary segmentation, permutation-tested maximally selected rank statistic");
	cJSON_AddNumberToObject(set, "alpha", o->method.alpha);
	cJSON_AddNumberToObject(set, "permutations", o->method.permutations);
	cJSON_AddNumberToObject(set, "min_segment", (double)o->method.min_segment);
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->method.seed);
	cJSON_AddStringToObject(set, "seed", seed);
	cJSON_AddNumberToObject(set, "threshold", o->threshold);
	cJSON_AddNumberToObject(set, "recent", (double)o->recent);
	cJSON_AddNumberToObject(doc, "skipped_lines", (double)r->skipped);
	cJSON_AddStringToObject(doc, "verdict", r->fail ? "fail" : "pass");
	cJSON_AddNumberToObject(doc, "regressions", (double)r->regressions);
	ms = cJSON_AddObjectToObject(doc, "metrics");
	for (size_t i = 0; i < r->nm; i++)
		cJSON_AddItemToObject(ms, r->m[i].id, metric_json(&r->m[i]));
	return doc;
}

/* --- text and Markdown --------------------------------------------------- */

static void
verdict_line(const struct trend_result *r, struct buf *out)
{
	buf_printf(out, "%s: %zu metric%s, %zu regressed in a new regime", r->fail ? "fail" : "pass", r->nm,
	    r->nm == 1 ? "" : "s", r->regressions);
	if (r->skipped)
		buf_printf(out, "; %zu malformed history line%s skipped", r->skipped, r->skipped == 1 ? "" : "s");
	buf_adds(out, "\n");
}

void
trend_text(const struct trend_result *r, struct buf *out)
{
	for (size_t i = 0; i < r->nm; i++)
		buf_printf(out, "%s: %s\n", r->m[i].id, r->m[i].reason);
	verdict_line(r, out);
}

/* The last SPARK_POINTS points (each the median of its share of the
 * series) as Unicode bars: the picture a step summary can show inline. */
#define SPARK_POINTS 40

static void
sparkline(const struct trend_metric *m, struct buf *out)
{
	static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	size_t k = m->npts < SPARK_POINTS ? m->npts : SPARK_POINTS;
	double v[SPARK_POINTS], lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < k; i++) {
		size_t a = i * m->npts / k, b = (i + 1) * m->npts / k;

		v[i] = median_from(m->pts + a, b - a);
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	for (size_t i = 0; i < k; i++)
		buf_adds(out, bars[hi > lo ? (size_t)((v[i] - lo) / (hi - lo) * 7.999) : 3]);
}

void
trend_markdown(const struct trend_result *r, struct buf *out)
{
	static const char *const head[] = { "metric", "points", "trend", "latest", "level", "change points",
	    "newest change" };
	char latest[32], level[32], points[24], ncp[24];
	struct buf spark = {0};

	buf_printf(out, "### pr-trend: %s\n\n", r->fail ? "fail" : "pass");
	gha_table_head(out, 7, head, "lrlrrrl");
	for (size_t i = 0; i < r->nm; i++) {
		const struct trend_metric *m = &r->m[i];

		compare_format_value(latest, sizeof latest, m->npts ? m->pts[m->npts - 1].value : NAN, m->unit);
		compare_format_value(level, sizeof level, m->level, m->unit);
		snprintf(points, sizeof points, "%zu", m->npts);
		snprintf(ncp, sizeof ncp, "%zu", m->ncp);
		buf_reset(&spark);
		sparkline(m, &spark);
		gha_table_row(out, 7, (const struct gha_cell[]){
		    { m->id, GHA_PLAIN }, { points, GHA_PLAIN }, { spark.data, GHA_PLAIN },
		    { latest, GHA_PLAIN }, { level, GHA_PLAIN }, { ncp, GHA_PLAIN },
		    { m->reason, m->regression ? GHA_BOLD : GHA_PLAIN } });
	}
	buf_free(&spark);
	buf_adds(out, "\n");
	verdict_line(r, out);
}

/* --- SVG ------------------------------------------------------------------ */

#define SVG_WIDTH 900
#define SVG_TOP 40
#define SVG_PANEL_HEIGHT 190
#define SVG_PLOT_X0 70
#define SVG_PLOT_X1 880
#define SVG_PLOT_TOP 30	/* within a panel: room for the title */
#define SVG_PLOT_BOTTOM 160
#define SVG_POINT_COLOR "#4a6fa5"
#define SVG_LEVEL_COLOR "#222"
#define SVG_BAD_COLOR "#b00020"
#define SVG_CP_COLOR "#e08000"

static double
px_x(const struct trend_svg_frame *f, double i)
{
	return SVG_PLOT_X0 + (f->n > 1 ? i / (double)(f->n - 1) : 0.5) * (SVG_PLOT_X1 - SVG_PLOT_X0);
}

static double
px_y(const struct trend_svg_frame *f, double v)
{
	double span = f->hi > f->lo ? f->hi - f->lo : 1;

	return f->y0 + SVG_PLOT_BOTTOM - (v - f->lo) / span * (SVG_PLOT_BOTTOM - SVG_PLOT_TOP);
}

void
trend_svg_begin(struct buf *out, size_t panels, const char *title)
{
	int height = SVG_TOP + (int)panels * SVG_PANEL_HEIGHT + 10;

	buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"13\">\n", SVG_WIDTH, height, SVG_WIDTH, height);
	buf_adds(out, "<style>.small{font-size:11px;fill:#555}.bad{fill:#b00020}</style>\n");
	buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", SVG_WIDTH, height);
	buf_adds(out, "<text x=\"10\" y=\"24\" font-size=\"16\">");
	report_xml_text(out, title);
	buf_adds(out, "</text>\n");
}

void
trend_svg_end(struct buf *out)
{
	buf_adds(out, "</svg>\n");
}

/* y axis labels at the frame's range, in unit (NULL: a plain number). */
static void
svg_y_labels(const struct trend_svg_frame *f, const char *unit, struct buf *out)
{
	char lo[32], hi[32];

	if (unit) {
		compare_format_value(lo, sizeof lo, f->lo, unit);
		compare_format_value(hi, sizeof hi, f->hi, unit);
	} else {
		snprintf(lo, sizeof lo, "%.4g", f->lo);
		snprintf(hi, sizeof hi, "%.4g", f->hi);
	}
	buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">%s</text>\n"
	    "<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">%s</text>\n",
	    SVG_PLOT_X0 - 6, px_y(f, f->hi) + 4, hi, SVG_PLOT_X0 - 6, px_y(f, f->lo) + 4, lo);
}

void
trend_svg_panel(const struct trend_svg_series *s, size_t row, struct buf *out, struct trend_svg_frame *f)
{
	bool pen_down = false;

	f->y0 = SVG_TOP + (double)row * SVG_PANEL_HEIGHT;
	f->lo = INFINITY;
	f->hi = -INFINITY;
	f->n = s->n;
	for (size_t i = 0; i < s->n; i++)
		if (isfinite(s->values[i])) {
			f->lo = fmin(f->lo, s->values[i]);
			f->hi = fmax(f->hi, s->values[i]);
		}
	for (size_t i = 0; i < s->nextra; i++) {
		f->lo = fmin(f->lo, s->extra[i]);
		f->hi = fmax(f->hi, s->extra[i]);
	}
	buf_printf(out, "<g>\n<text x=\"10\" y=\"%.1f\" font-size=\"14\"%s>", f->y0 + 18,
	    s->bad ? " class=\"bad\"" : "");
	report_xml_text(out, s->title);
	buf_adds(out, "</text>\n");
	if (s->n == 0 || !isfinite(f->lo))
		return;
	svg_y_labels(f, s->unit, out);
	buf_adds(out, "<text x=\"" );
	buf_printf(out, "%d\" y=\"%.1f\" class=\"small\">", SVG_PLOT_X0, f->y0 + SVG_PLOT_BOTTOM + 14);
	report_xml_text(out, s->x_first);
	buf_printf(out, "</text>\n<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">", SVG_PLOT_X1,
	    f->y0 + SVG_PLOT_BOTTOM + 14);
	report_xml_text(out, s->x_last);
	buf_adds(out, "</text>\n");
	/* One path; a value that is not finite (no value) lifts the pen. */
	buf_printf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1\" d=\"", SVG_POINT_COLOR);
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->values[i])) {
			pen_down = false;
			continue;
		}
		buf_printf(out, "%c%.1f %.1f", pen_down ? 'L' : 'M', px_x(f, (double)i), px_y(f, s->values[i]));
		pen_down = true;
	}
	buf_adds(out, "\"/>\n");
}

void
trend_svg_level(const struct trend_svg_frame *f, size_t a, size_t b, double value, const char *color, bool dashed,
    struct buf *out)
{
	buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
	    px_x(f, (double)a), px_y(f, value), px_x(f, (double)b), px_y(f, value), color, dashed ? "1" : "2",
	    dashed ? " stroke-dasharray=\"6 4\"" : "");
}

/* Each regime's median as a level line. */
static void
svg_regimes(const struct trend_metric *m, const struct trend_svg_frame *f, struct buf *out)
{
	for (size_t k = 0; k <= m->ncp; k++) {
		size_t a = k ? m->cps[k - 1].index : 0, b = k < m->ncp ? m->cps[k].index : m->npts;
		double level = k < m->ncp ? m->cps[k].before : m->ncp ? m->cps[k - 1].after : m->level;
		const char *color = k == m->ncp && m->regression ? SVG_BAD_COLOR : SVG_LEVEL_COLOR;

		if (b > a)
			trend_svg_level(f, a, b - 1, level, color, false, out);
	}
}

/* A dashed line at each change point, labelled with its date and commit. */
static void
svg_change_points(const struct trend_metric *m, const struct trend_svg_frame *f, struct buf *out)
{
	for (size_t k = 0; k < m->ncp; k++) {
		const struct trend_point *at = &m->pts[m->cps[k].index];
		double x = px_x(f, (double)m->cps[k].index - 0.5);

		buf_printf(out,
		    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4 3\"/>\n",
		    x, f->y0 + SVG_PLOT_TOP, x, f->y0 + SVG_PLOT_BOTTOM, SVG_CP_COLOR);
		buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"small\">%.10s %.7s</text>\n", x + 3,
		    f->y0 + SVG_PLOT_TOP + 10 + (double)(k % 3) * 11, at->time, at->commit ? at->commit : "");
	}
}

static void
svg_panel(const struct trend_metric *m, size_t row, enum trend_stat stat, struct buf *out)
{
	double *values = xcalloc(m->npts ? m->npts : 1, sizeof *values);
	char title[512], first[16] = "", last[16] = "";
	struct trend_svg_frame f;

	for (size_t i = 0; i < m->npts; i++)
		values[i] = m->pts[i].value;
	snprintf(title, sizeof title, "%s (%s): %s", m->id, trend_stat_name(stat), m->reason);
	if (m->npts) {
		snprintf(first, sizeof first, "%.10s", m->pts[0].time);
		snprintf(last, sizeof last, "%.10s", m->pts[m->npts - 1].time);
	}
	trend_svg_panel(&(struct trend_svg_series){ .title = title, .bad = m->regression, .values = values,
	    .n = m->npts, .unit = m->unit, .x_first = first, .x_last = last }, row, out, &f);
	if (m->npts) {
		svg_regimes(m, &f, out);
		svg_change_points(m, &f, out);
	}
	buf_adds(out, "</g>\n");
	free(values);
}

void
trend_svg(const struct trend_result *r, struct buf *out)
{
	char title[128];

	snprintf(title, sizeof title, "pr-trend: %s (lines: regimes' medians; dashes: change points)",
	    r->fail ? "fail" : "pass");
	trend_svg_begin(out, r->nm, title);
	for (size_t i = 0; i < r->nm; i++)
		svg_panel(&r->m[i], i, r->opt.stat, out);
	trend_svg_end(out);
}
