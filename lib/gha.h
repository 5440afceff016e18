/*
 * gha.h: GitHub Actions integration.  Every function is a no-op outside
 * GitHub Actions (GITHUB_ACTIONS unset), so programs call them freely.
 */
#ifndef PR_GHA_H
#define PR_GHA_H

#include <stddef.h>

struct buf;

/* Append key=value to $GITHUB_OUTPUT (multi-line values use a delimiter).
 * Returns 0, or PR_EXTERNAL when the file cannot be written (reported). */
int gha_output(const char *key, const char *value);

/* Append Markdown to $GITHUB_STEP_SUMMARY. */
int gha_summary(const char *markdown);

/* Ask the runner to mask value in all later log output (::add-mask::).
 * For a header value it also masks the credentials after an auth scheme
 * ("Bearer X" masks X) and each value of a cookie list ("a=1; b=2").
 * Skips empty values. */
void gha_mask(const char *value);

/*
 * Markdown tables for the step summaries (and pr-compare --format
 * markdown), every cell through one escaper, gha_md_text: a backslash
 * before | \ * _ ` < > and a space for each control character, so no value
 * (a metric id, a check name, a server's message) can end a cell, start
 * emphasis or a tag, or break the line.  A GHA_CODE cell is set in a code
 * span (where only | is escaped, and a backtick becomes '); a GHA_BOLD one in
 * **bold**.  Rows are "| a | b |", as GitHub writes them.
 */
enum gha_style { GHA_PLAIN, GHA_CODE, GHA_BOLD };
struct gha_cell {
	const char *text;
	enum gha_style style;
};

/* The head of a table of ncols columns: their names, and align with one
 * character per column, 'l' (left) or 'r' (right). */
void gha_table_head(struct buf *md, size_t ncols, const char *const *names, const char *align);

/* One row of ncols cells; a NULL text is an empty cell. */
void gha_table_row(struct buf *md, size_t ncols, const struct gha_cell *cells);

/* s escaped for Markdown text (the one escaper, also for text outside tables). */
void gha_md_text(struct buf *md, const char *s);

#endif
