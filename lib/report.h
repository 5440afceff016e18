/*
 * report.h: renderings of a comparison for people: a text table for the
 * terminal (like benchstat and hyperfine), a Markdown table for GitHub step
 * summaries, and a self-contained SVG picture of both distributions per
 * metric.  Each appends to a buffer the caller owns; none prints or fails.
 */
#ifndef PR_REPORT_H
#define PR_REPORT_H

#include <stdbool.h>

#include "buf.h"
#include "compare.h"

/* The table, one row per metric, then a one-line verdict.  With color,
 * improved is green and regressed red (ANSI escapes). */
void report_text(const struct compare_result *r, bool color, struct buf *out);

/* A heading, the table and a one-line verdict in GitHub Markdown. */
void report_markdown(const struct compare_result *r, struct buf *out);

/* An SVG document: per metric, the baseline's and the after side's
 * distribution on a common axis (box, quantile dots, median marked). */
void report_svg(const struct compare_result *r, struct buf *out);

/* s escaped for XML text and attributes (control characters dropped):
 * shared by every report that draws. */
void report_xml_text(struct buf *out, const char *s);

#endif
