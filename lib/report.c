/* report.c: see report.h. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gha.h"
#include "stats.h"

#define PERCENT 100.0
#define CELL_MAX 256
#define P_VALUE_FLOOR 0.001
#define TEXT_WIDTH 80
#define TEXT_INDENT 4

enum column { COL_METRIC, COL_STAT, COL_BASE, COL_AFTER, COL_CHANGE, COL_P, COL_VERDICT, NCOLS };

static const char *const headers[NCOLS] = {
	"metric", "stat", "baseline", "after", "change [CI]", "p (adj)", "verdict",
};

#define ANSI_GREEN "\033[32m"
#define ANSI_RED "\033[31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_RESET "\033[0m"

/* Replace control characters (an escape sequence in a metric id could
 * drive the reader's terminal) with '?', in place. */
static void
clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void
p_cell(char *out, double p)
{
	if (!isfinite(p))
		snprintf(out, CELL_MAX, "-");
	else if (p < P_VALUE_FLOOR)
		snprintf(out, CELL_MAX, "<%g", P_VALUE_FLOOR);
	else
		snprintf(out, CELL_MAX, "%.3f", p);
}

static void
verdict_cell(char *out, const struct compare_metric *m, enum compare_verdict v)
{
	if (v == CMP_ONLY_BASELINE)
		snprintf(out, CELL_MAX, "only baseline");
	else if (v == CMP_ONLY_AFTER)
		snprintf(out, CELL_MAX, "only after");
	else
		snprintf(out, CELL_MAX, "%s%s", compare_verdict_name(v), m->comparable ? "" : "*");
}

/* The cells of one test's row (t NULL: the metric's own row, when it has
 * no tests), shared by the text and Markdown tables; first names the metric. */
static void
row_cells(const struct compare_metric *m, const struct compare_test *t, bool first, char cells[NCOLS][CELL_MAX])
{
	const char *unit = m->base.present ? m->base.unit : m->after.unit;

	snprintf(cells[COL_METRIC], CELL_MAX, "%s", first ? m->id : "");
	if (!t) {
		snprintf(cells[COL_STAT], CELL_MAX, "p50");
		compare_format_value(cells[COL_BASE], CELL_MAX, m->base.present ? m->base.summary.p50 : NAN, unit);
		compare_format_value(cells[COL_AFTER], CELL_MAX, m->after.present ? m->after.summary.p50 : NAN, unit);
		if (isfinite(m->change))
			snprintf(cells[COL_CHANGE], CELL_MAX, "%+.1f%%", m->change * PERCENT);
		else
			snprintf(cells[COL_CHANGE], CELL_MAX, "-");
		snprintf(cells[COL_P], CELL_MAX, "-");
		verdict_cell(cells[COL_VERDICT], m, m->verdict);
	} else if (t->kind == CMP_TEST_BUDGET) {
		snprintf(cells[COL_STAT], CELL_MAX, "budget");
		snprintf(cells[COL_BASE], CELL_MAX, "%s", t->budget->text);
		if (t->budget->stat == CMP_STAT_ERRORS)
			snprintf(cells[COL_AFTER], CELL_MAX, "%.2f%%", t->after * PERCENT);
		else
			compare_format_value(cells[COL_AFTER], CELL_MAX, t->after, unit);
		snprintf(cells[COL_CHANGE], CELL_MAX, "%s", t->verdict == CMP_REGRESSED ? "broken" : "held");
		snprintf(cells[COL_P], CELL_MAX, "-");
		snprintf(cells[COL_VERDICT], CELL_MAX, "%s", t->verdict == CMP_REGRESSED ? "regressed" :
		    t->verdict == CMP_INCONCLUSIVE ? "inconclusive" : "ok");
	} else {
		if (t->kind == CMP_TEST_ERRORS) {
			snprintf(cells[COL_STAT], CELL_MAX, "errors");
			snprintf(cells[COL_BASE], CELL_MAX, "%.2f%%", t->base * PERCENT);
			snprintf(cells[COL_AFTER], CELL_MAX, "%.2f%%", t->after * PERCENT);
			snprintf(cells[COL_CHANGE], CELL_MAX, "%+.2f pts [%+.2f, %+.2f]", t->change * PERCENT,
			    t->ci_lo * PERCENT, t->ci_hi * PERCENT);
		} else {
			snprintf(cells[COL_STAT], CELL_MAX, "p%g", round(t->q * PERCENT * 1000) / 1000);
			compare_format_value(cells[COL_BASE], CELL_MAX, t->base, unit);
			compare_format_value(cells[COL_AFTER], CELL_MAX, t->after, unit);
			if (!isfinite(t->change))
				snprintf(cells[COL_CHANGE], CELL_MAX, "-");
			else if (isfinite(t->ci_lo) && isfinite(t->ci_hi))
				snprintf(cells[COL_CHANGE], CELL_MAX, "%+.1f%% [%+.1f, %+.1f]", t->change * PERCENT,
				    t->ci_lo * PERCENT, t->ci_hi * PERCENT);
			else
				snprintf(cells[COL_CHANGE], CELL_MAX, "%+.1f%%", t->change * PERCENT);
		}
		p_cell(cells[COL_P], t->p_adj);
		verdict_cell(cells[COL_VERDICT], m, t->verdict);
	}
	/* Every cell is written by now: cleaning one before read garbage. */
	for (int c = 0; c < NCOLS; c++)
		clean(cells[c]);
}

/* Rows of a metric: one per test, or one for the metric itself. */
static size_t
nrows(const struct compare_metric *m)
{
	return m->ntests ? m->ntests : 1;
}

static void
metric_row(const struct compare_metric *m, size_t j, char cells[NCOLS][CELL_MAX])
{
	row_cells(m, m->ntests ? &m->tests[j] : NULL, j == 0, cells);
}

/* "pass: 1 improved, 0 regressed, ..." then sep then the settings. */
static void
verdict_line(const struct compare_result *r, const char *sep, struct buf *out)
{
	buf_printf(out, "%s: %zu improved, %zu regressed, %zu unchanged, %zu inconclusive",
	    compare_outcome_name(r->outcome), r->count[CMP_IMPROVED], r->count[CMP_REGRESSED],
	    r->count[CMP_UNCHANGED], r->count[CMP_INCONCLUSIVE]);
	if (r->count[CMP_ONLY_BASELINE])
		buf_printf(out, ", %zu only baseline", r->count[CMP_ONLY_BASELINE]);
	if (r->count[CMP_ONLY_AFTER])
		buf_printf(out, ", %zu only after", r->count[CMP_ONLY_AFTER]);
	if (r->incomparable)
		buf_printf(out, ", %zu not comparable", r->incomparable);
	buf_printf(out, "%s(alpha %g with %s over %zu tests, threshold %g%%, fail on %s)", sep, r->settings.alpha,
	    stats_correction_name(r->settings.correction), r->family, r->settings.threshold * PERCENT,
	    compare_fail_on_name(r->settings.fail_on));
}

/* Metrics whose rows cannot say why: untested, regressed or inconclusive. */
static bool
needs_note(const struct compare_metric *m)
{
	return !m->tested || m->verdict == CMP_REGRESSED || m->verdict == CMP_INCONCLUSIVE;
}

/* "id: reason" folded at spaces to TEXT_WIDTH columns, later lines
 * indented. */
static void
wrap_note(struct buf *out, const char *id, const char *reason)
{
	size_t col, start = out->len;
	char text[CMP_REASON_MAX], name[CELL_MAX];
	const char *p = text;

	snprintf(text, sizeof text, "%s", reason);
	snprintf(name, sizeof name, "%s", id);
	clean(text);
	clean(name);
	buf_printf(out, "%s:", name);
	col = out->len - start;
	while (*p) {
		size_t word = strcspn(p, " ");

		if (col + 1 + word > TEXT_WIDTH && col > TEXT_INDENT) {
			buf_printf(out, "\n%*s", TEXT_INDENT, "");
			col = TEXT_INDENT;
		} else {
			buf_addc(out, ' ');
			col++;
		}
		buf_add(out, p, word);
		col += word;
		p += word;
		p += strspn(p, " ");
	}
	buf_addc(out, '\n');
}

void
report_text(const struct compare_result *r, bool color, struct buf *out)
{
	size_t width[NCOLS];
	char cells[NCOLS][CELL_MAX];
	bool notes = false;

	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < r->nmetrics; i++) {
		for (size_t j = 0; j < nrows(&r->metrics[i]); j++) {
			metric_row(&r->metrics[i], j, cells);
			for (int c = 0; c < NCOLS; c++)
				if (strlen(cells[c]) > width[c])
					width[c] = strlen(cells[c]);
		}
	}
	for (int c = 0; c < COL_VERDICT; c++)
		buf_printf(out, c == COL_METRIC ? "%-*s  " : "%*s  ", (int)width[c], headers[c]);
	buf_printf(out, "%s\n", headers[COL_VERDICT]);
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct compare_metric *m = &r->metrics[i];

		for (size_t j = 0; j < nrows(m); j++) {
			enum compare_verdict v = m->ntests ? m->tests[j].verdict : m->verdict;
			const char *on = "", *off = "";

			metric_row(m, j, cells);
			if (color && v != CMP_UNCHANGED)
				on = v == CMP_IMPROVED ? ANSI_GREEN : v == CMP_REGRESSED ? ANSI_RED : ANSI_YELLOW;
			if (*on)
				off = ANSI_RESET;
			for (int c = 0; c < COL_VERDICT; c++)
				buf_printf(out, c <= COL_STAT ? "%-*s  " : "%*s  ", (int)width[c], cells[c]);
			buf_printf(out, "%s%s%s\n", on, cells[COL_VERDICT], off);
		}
		notes = notes || needs_note(m);
	}
	if (r->nmetrics == 0)
		buf_adds(out, "(no metrics on either side)\n");
	if (notes) {
		buf_adds(out, "\n");
		for (size_t i = 0; i < r->nmetrics; i++)
			if (needs_note(&r->metrics[i]))
				wrap_note(out, r->metrics[i].id, r->metrics[i].reason);
	}
	buf_adds(out, "\n");
	verdict_line(r, "\n", out);
	buf_adds(out, "\n");
}

void
report_markdown(const struct compare_result *r, struct buf *out)
{
	static const char *const head[NCOLS] = { "metric", "stat", "baseline", "after", "change [CI]", "p (adj)",
		"verdict" };
	char cells[NCOLS][CELL_MAX];
	struct gha_cell row[NCOLS];

	buf_printf(out, "### pr-compare: %s\n\n", compare_outcome_name(r->outcome));
	buf_adds(out, "Baseline ");
	gha_md_text(out, r->base.name);
	buf_adds(out, ", after ");
	gha_md_text(out, r->after.name);
	buf_printf(out, "; %g%% intervals of each change, p-values adjusted by %s.\n\n",
	    (1 - r->settings.alpha) * PERCENT, stats_correction_name(r->settings.correction));
	gha_table_head(out, NCOLS, head, "llrrrrl");
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct compare_metric *m = &r->metrics[i];

		for (size_t j = 0; j < nrows(m); j++) {
			enum compare_verdict v = m->ntests ? m->tests[j].verdict : m->verdict;
			bool strong = v == CMP_REGRESSED || v == CMP_IMPROVED;

			metric_row(m, j, cells);
			for (int c = 0; c < NCOLS; c++) {
				enum gha_style style = c == COL_VERDICT && strong ? GHA_BOLD : GHA_PLAIN;

				row[c] = (struct gha_cell){ cells[c], style };
			}
			gha_table_row(out, NCOLS, row);
		}
	}
	buf_adds(out, "\n");
	for (size_t i = 0; i < r->nmetrics; i++) {
		if (!needs_note(&r->metrics[i]))
			continue;
		buf_adds(out, "- ");
		gha_md_text(out, r->metrics[i].id);
		buf_adds(out, ": ");
		gha_md_text(out, r->metrics[i].reason);
		buf_adds(out, "\n");
	}
	buf_adds(out, "\n**");
	verdict_line(r, " ", out);
	buf_adds(out, "**\n");
}

/* Geometry of the picture, in SVG user units. */
#define SVG_WIDTH 1160
#define SVG_TOP 56
#define SVG_ROW_HEIGHT 92
#define SVG_LABEL_X 12
#define SVG_PLOT_X0 250
#define SVG_PLOT_X1 840
#define SVG_STRIP_HALF 9
#define SVG_DOTS_MAX 160
#define SVG_BASE_COLOR "#4477aa"
#define SVG_AFTER_COLOR "#cc6677"
#define SVG_SHIFT_X0 880		/* the change-by-quantile panel */
#define SVG_SHIFT_X1 1140
#define SVG_SHIFT_STEPS 98		/* p1 .. p99 */
#define SVG_SHIFT_MAX 5.0		/* +500 %: the panel's widest scale */

/* s escaped for XML character data and attributes. */
static void
xml_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&apos;"); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				buf_addc(out, *s);
		}
	}
}

struct axis {
	double lo, hi;
};

/* The x coordinate of value v on axis a. */
static double
axis_x(const struct axis *a, double v)
{
	return SVG_PLOT_X0 + (v - a->lo) / (a->hi - a->lo) * (SVG_PLOT_X1 - SVG_PLOT_X0);
}

/* Stretch a to hold s's minimum, median and maximum. */
static void
widen(struct axis *a, const struct compare_side *s)
{
	const double v[] = { s->summary.min, s->summary.p50, s->summary.max };

	if (!s->present)
		return;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (!isfinite(v[i]))
			continue;
		if (v[i] < a->lo)
			a->lo = v[i];
		if (v[i] > a->hi)
			a->hi = v[i];
	}
}

/* One side's strip centred at y: whisker min..max, a box (quartiles with
 * samples, p50..p90 from a summary), quantile dots and the median. */
static void
svg_strip(struct buf *out, const struct axis *a, const struct compare_side *s, double y, const char *color,
    const char *name)
{
	const struct stats_summary *sm = &s->summary;
	double q1, q3, med = sm->p50;

	if (!s->present || sm->n == 0 || !isfinite(med)) {
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\">%s: no data</text>\n", SVG_PLOT_X0,
		    y + 4, name);
		return;
	}
	if (s->has_samples) {
		q1 = stats_quantile_sorted(s->samples, s->nsamples, 0.25);
		q3 = stats_quantile_sorted(s->samples, s->nsamples, 0.75);
	} else {
		q1 = med;
		q3 = isfinite(sm->p90) ? sm->p90 : med;
	}
	if (isfinite(sm->min) && isfinite(sm->max))
		buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
		    axis_x(a, sm->min), y, axis_x(a, sm->max), y, color);
	buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
	    "fill-opacity=\"0.25\" stroke=\"%s\"/>\n", axis_x(a, q1), y - SVG_STRIP_HALF,
	    fmax(axis_x(a, q3) - axis_x(a, q1), 1), 2 * SVG_STRIP_HALF, color, color);
	if (s->has_samples) {
		size_t ndots = s->nsamples < SVG_DOTS_MAX ? s->nsamples : SVG_DOTS_MAX;

		for (size_t i = 0; i < ndots; i++) {
			double q = ndots > 1 ? (double)i / (double)(ndots - 1) : 0.5;
			double v = stats_quantile_sorted(s->samples, s->nsamples, q);
			/* A fixed jitter pattern keeps the picture reproducible. */
			double jitter = (double)((i * 7) % 11) - 5;

			buf_printf(out,
			    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"%s\" fill-opacity=\"0.6\"/>\n",
			    axis_x(a, v), y + jitter, color);
		}
	} else {
		const double marks[] = { sm->p95, sm->p99 };

		for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
			if (isfinite(marks[i]))
				buf_printf(out,
				    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
				    axis_x(a, marks[i]), y - 4, axis_x(a, marks[i]), y + 4, color);
	}
	buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\">"
	    "<title>%s median</title></line>\n", axis_x(a, med), y - SVG_STRIP_HALF - 3, axis_x(a, med),
	    y + SVG_STRIP_HALF + 3, color, name);
}

/* Both sides have a distribution to read percentiles from. */
static bool
has_quantiles(const struct compare_metric *m)
{
	return isfinite(compare_side_quantile(&m->base, 0.5)) && isfinite(compare_side_quantile(&m->after, 0.5));
}

static const char *
verdict_color(enum compare_verdict v)
{
	return v == CMP_REGRESSED ? "#b00020" : v == CMP_IMPROVED ? "#1b7f3b" : v == CMP_INCONCLUSIVE ? "#b8860b" :
	    "#555";
}

/* The scale of m's panel: the largest change over p1..p99 and the judged
 * intervals, at least twice the threshold, at most SVG_SHIFT_MAX. */
static double
shift_range(const struct compare_metric *m, double threshold)
{
	double range = 2 * threshold;

	for (int i = 0; i <= SVG_SHIFT_STEPS; i++) {
		double q = 0.01 + 0.98 * i / SVG_SHIFT_STEPS;
		double c = compare_side_quantile(&m->after, q) / compare_side_quantile(&m->base, q) - 1;

		if (isfinite(c) && fabs(c) > range)
			range = fabs(c);
	}
	for (size_t j = 0; j < m->ntests; j++)
		if (m->tests[j].kind == CMP_TEST_QUANTILE && isfinite(m->tests[j].ci_hi))
			range = fmax(range, fmax(fabs(m->tests[j].ci_lo), fabs(m->tests[j].ci_hi)));
	return fmin(range * 1.1, SVG_SHIFT_MAX);
}

/*
 * Where in the distribution it changed: after / baseline - 1 at each
 * percentile p1..p99 (a shift function), the +-threshold band, and each
 * judged quantile's change with its interval in its verdict's colour.
 */
static void
svg_shift(struct buf *out, const struct compare_metric *m, double threshold, double y0)
{
	double top = y0 + 14, bottom = y0 + SVG_ROW_HEIGHT - 14, mid = (top + bottom) / 2;
	double range = shift_range(m, threshold), half = (bottom - top) / 2;
	bool any = false;

#define SHIFT_X(q) (SVG_SHIFT_X0 + ((q) - 0.01) / 0.98 * (SVG_SHIFT_X1 - SVG_SHIFT_X0))
#define SHIFT_Y(c) (mid - fmax(-1, fmin(1, (c) / range)) * half)
	if (!has_quantiles(m))
		return;
	buf_printf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#eee\"/>\n",
	    SVG_SHIFT_X0, SHIFT_Y(threshold), SVG_SHIFT_X1 - SVG_SHIFT_X0, SHIFT_Y(-threshold) - SHIFT_Y(threshold));
	buf_printf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\"/>\n",
	    SVG_SHIFT_X0, mid, SVG_SHIFT_X1, mid);
	buf_adds(out, "<polyline fill=\"none\" stroke=\"" SVG_AFTER_COLOR "\" points=\"");
	for (int i = 0; i <= SVG_SHIFT_STEPS; i++) {
		double q = 0.01 + 0.98 * i / SVG_SHIFT_STEPS;
		double c = compare_side_quantile(&m->after, q) / compare_side_quantile(&m->base, q) - 1;

		if (isfinite(c)) {
			buf_printf(out, "%s%.1f,%.1f", any ? " " : "", SHIFT_X(q), SHIFT_Y(c));
			any = true;
		}
	}
	buf_adds(out, "\"/>\n");
	for (size_t j = 0; j < m->ntests; j++) {
		const struct compare_test *t = &m->tests[j];

		if (t->kind != CMP_TEST_QUANTILE || !isfinite(t->change))
			continue;
		if (isfinite(t->ci_lo))
			buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			    "stroke-width=\"2\"/>\n",
			    SHIFT_X(t->q), SHIFT_Y(t->ci_lo), SHIFT_X(t->q), SHIFT_Y(t->ci_hi),
			    verdict_color(t->verdict));
		buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>p%g %+.1f%%: %s"
		    "</title></circle>\n", SHIFT_X(t->q), SHIFT_Y(t->change), verdict_color(t->verdict),
		    round(t->q * PERCENT * 1000) / 1000, t->change * PERCENT, compare_verdict_name(t->verdict));
	}
	buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\">+%.0f%%</text>\n", SVG_SHIFT_X0 - 40,
	    top + 8, range * PERCENT);
	buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\">-%.0f%%</text>\n", SVG_SHIFT_X0 - 40,
	    bottom, range * PERCENT);
	buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\">p1</text><text x=\"%.1f\" y=\"%.1f\" "
	    "class=\"small\" text-anchor=\"middle\">p50</text><text x=\"%d\" y=\"%.1f\" class=\"small\" "
	    "text-anchor=\"end\">p99</text>\n", SVG_SHIFT_X0, bottom + 12, SHIFT_X(0.5), bottom + 12,
	    SVG_SHIFT_X1, bottom + 12);
#undef SHIFT_X
#undef SHIFT_Y
}

void
report_svg(const struct compare_result *r, struct buf *out)
{
	int height = SVG_TOP + (int)r->nmetrics * SVG_ROW_HEIGHT + 16;
	char lo[CELL_MAX], hi[CELL_MAX], cells[NCOLS][CELL_MAX];

	buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"13\">\n", SVG_WIDTH, height, SVG_WIDTH, height);
	buf_adds(out, "<style>.small{font-size:11px;fill:#555}.bad{fill:#b00020}.good{fill:#1b7f3b}</style>\n");
	buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", SVG_WIDTH, height);
	buf_printf(out, "<text x=\"%d\" y=\"22\" font-size=\"16\">pr-compare: %s</text>\n", SVG_LABEL_X,
	    compare_outcome_name(r->outcome));
	buf_printf(out, "<text x=\"%d\" y=\"43\" class=\"small\">change by percentile (after / baseline - 1; "
	    "grey: +-%g%%)</text>\n", SVG_SHIFT_X0 - 40, r->settings.threshold * PERCENT);
	buf_printf(out, "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
	    "<text x=\"%d\" y=\"43\">baseline: ", SVG_LABEL_X, SVG_BASE_COLOR, SVG_LABEL_X + 18);
	xml_text(out, r->base.name);
	buf_printf(out, "</text>\n<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>"
	    "<text x=\"%d\" y=\"43\">after: ", SVG_PLOT_X0 + 180, SVG_AFTER_COLOR, SVG_PLOT_X0 + 198);
	xml_text(out, r->after.name);
	buf_adds(out, "</text>\n");

	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct compare_metric *m = &r->metrics[i];
		const struct compare_side *known = m->base.present ? &m->base : &m->after;
		double y0 = SVG_TOP + (double)i * SVG_ROW_HEIGHT;
		struct axis a = { INFINITY, -INFINITY };
		const char *cls = m->verdict == CMP_REGRESSED ? "bad" : m->verdict == CMP_IMPROVED ? "good" : "small";

		row_cells(m, m->ntests ? &m->tests[0] : NULL, true, cells);
		buf_printf(out, "<g>\n<line x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", y0,
		    SVG_WIDTH, y0);
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" font-weight=\"bold\">", SVG_LABEL_X, y0 + 24);
		xml_text(out, m->id);
		buf_printf(out, "</text>\n<text x=\"%d\" y=\"%.1f\" class=\"%s\">", SVG_LABEL_X, y0 + 44, cls);
		xml_text(out, cells[COL_VERDICT]);
		if (isfinite(m->change)) {
			buf_adds(out, " ");
			xml_text(out, cells[COL_CHANGE]);
		}
		buf_printf(out, "</text>\n<text x=\"%d\" y=\"%.1f\" class=\"small\">", SVG_LABEL_X, y0 + 62);
		if (!m->tested)
			buf_adds(out, "no test");
		else if (m->p_value < P_VALUE_FLOOR)
			buf_printf(out, "p &lt; %g", P_VALUE_FLOOR);
		else
			buf_printf(out, "p = %s", cells[COL_P]);
		buf_adds(out, ", unit ");
		xml_text(out, known->unit);
		buf_adds(out, "</text>\n");
		widen(&a, &m->base);
		widen(&a, &m->after);
		if (!isfinite(a.lo)) {
			a.lo = 0;
			a.hi = 1;
		}
		if (a.hi <= a.lo) {
			a.lo -= 1;
			a.hi += 1;
		}
		svg_strip(out, &a, &m->base, y0 + 24, SVG_BASE_COLOR, "baseline");
		svg_strip(out, &a, &m->after, y0 + 52, SVG_AFTER_COLOR, "after");
		compare_format_value(lo, sizeof lo, a.lo, "");
		compare_format_value(hi, sizeof hi, a.hi, "");
		buf_printf(out, "<text x=\"%d\" y=\"%.1f\" class=\"small\">", SVG_PLOT_X0, y0 + 80);
		xml_text(out, lo);
		buf_printf(out, "</text>\n<text x=\"%d\" y=\"%.1f\" class=\"small\" text-anchor=\"end\">",
		    SVG_PLOT_X1, y0 + 80);
		xml_text(out, hi);
		buf_adds(out, " ");
		xml_text(out, known->unit);
		buf_adds(out, "</text>\n");
		svg_shift(out, m, r->settings.threshold, y0);
		buf_adds(out, "</g>\n");
	}
	buf_adds(out, "</svg>\n");
}

/* The XML escaper, for the other reports (pr-trend's SVG) to share. */
void
report_xml_text(struct buf *out, const char *s)
{
	xml_text(out, s);
}
