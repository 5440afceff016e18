/*
 * gha.h: GitHub Actions integration.  Every function is a no-op outside
 * GitHub Actions (GITHUB_ACTIONS unset), so programs call them freely.
 */
#ifndef PR_GHA_H
#define PR_GHA_H

#include <stddef.h>

#include "buf.h"

/* GitHub's limit for one step's $GITHUB_STEP_SUMMARY. */
#define GHA_SUMMARY_MAX_BYTES ((size_t)1 << 20)
/* A $GITHUB_OUTPUT delimiter: "ghadelimiter_" and 32 hex digits (128
 * random bits), as GitHub's own toolkit writes them. */
#define GHA_DELIM_LEN 45

/* Append key=value to $GITHUB_OUTPUT; a multi-line value is written as
 * key<<DELIM ... DELIM with a new random delimiter (gha_heredoc).  Returns
 * 0; PR_INPUT (reported, nothing written) for a key that is empty or holds
 * '=', '<' or a line break, or a value that holds the delimiter; PR_EXTERNAL
 * when the file cannot be written (reported). */
int gha_output(const char *key, const char *value);

/* Append "key<<delim\nvalue\ndelim\n" to out (a final line break of value
 * is not doubled).  Returns 0, or PR_INPUT, appending nothing, when value
 * holds delim: the runner would end the value there and read the rest as
 * other outputs. */
int gha_heredoc(struct buf *out, const char *key, const char *value, const char *delim);

/* Append Markdown to $GITHUB_STEP_SUMMARY, keeping the file within
 * GHA_SUMMARY_MAX_BYTES: what does not fit is cut at a line break and
 * replaced by one line saying how many bytes were cut (also warned on
 * stderr).  Returns 0, or PR_EXTERNAL when the file cannot be written. */
int gha_summary(const char *markdown);

/* Ask the runner to mask value in all later log output (::add-mask::).
 * A multi-line value (a PEM key, a certificate) is masked line by line:
 * the runner reads one line per command, so one command would mask only
 * the first.  For a header value it also masks the credentials after an
 * auth scheme ("Bearer X" masks X) and each value of a cookie list
 * ("a=1; b=2").  Skips empty values and lines. */
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
