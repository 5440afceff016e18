/* gha.c: see gha.h. */
#include "gha.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "pr.h"

#define DELIM_PREFIX "ghadelimiter_"
#define DELIM_RANDOM_BYTES 16
/* Room kept at the end of a cut summary for the line that says so. */
#define SUMMARY_NOTE_MAX_BYTES 192

static int
append(const char *var, const char *text)
{
	const char *path = getenv(var);
	FILE *f;
	int rc = PR_OK;

	if (!pr_in_github() || !path || !*path)
		return PR_OK;
	if (!(f = fopen(path, "a")))
		return pr_error(PR_EXTERNAL, "cannot append to $%s (%s): %s", var, path, strerror(errno));
	if (fputs(text, f) == EOF)
		rc = pr_error(PR_EXTERNAL, "cannot append to $%s (%s): %s", var, path, strerror(errno));
	if (fclose(f) == EOF && rc == PR_OK)
		rc = pr_error(PR_EXTERNAL, "cannot append to $%s (%s): %s", var, path, strerror(errno));
	return rc;
}

/* A new delimiter nobody can guess, so that no value can be made to hold it. */
static int
new_delimiter(char out[GHA_DELIM_LEN + 1])
{
	unsigned char r[DELIM_RANDOM_BYTES];
	size_t n = strlen(DELIM_PREFIX);

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return pr_error(PR_EXTERNAL, "cannot make a $GITHUB_OUTPUT delimiter: getrandom: %s", strerror(errno));
	memcpy(out, DELIM_PREFIX, n);
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + n + 2 * i, 3, "%02x", r[i]);
	return PR_OK;
}

int
gha_heredoc(struct buf *out, const char *key, const char *value, const char *delim)
{
	size_t len = strlen(value);

	if (strstr(value, delim))
		return PR_INPUT;
	buf_printf(out, "%s<<%s\n%s", key, delim, value);
	if (len == 0 || value[len - 1] != '\n')
		buf_addc(out, '\n');
	buf_printf(out, "%s\n", delim);
	return PR_OK;
}

int
gha_output(const char *key, const char *value)
{
	char delim[GHA_DELIM_LEN + 1];
	struct buf b = {0};
	int rc;

	if (!pr_in_github())
		return PR_OK;
	if (!*key || strpbrk(key, "=<\r\n"))
		return pr_error(PR_INPUT, "a GitHub output name cannot be empty or hold '=', '<' or a line break");
	if (!strpbrk(value, "\r\n")) {
		buf_printf(&b, "%s=%s\n", key, value);
	} else {
		if ((rc = new_delimiter(delim)) != PR_OK)
			return rc;
		if (gha_heredoc(&b, key, value, delim) != PR_OK)
			return pr_error(PR_INPUT, "not writing GitHub output %s: its value holds the delimiter", key);
	}
	rc = append("GITHUB_OUTPUT", b.data);
	buf_free(&b);
	return rc;
}

/* Write what fits of markdown into room bytes, cut after a line, then the
 * line that says what was cut. */
static int
summary_cut(const char *markdown, size_t len, size_t room)
{
	struct buf b = {0};
	size_t keep;
	int rc;

	if (room < SUMMARY_NOTE_MAX_BYTES) {
		pr_warn("the step summary is full (GitHub's %zu byte limit): %zu bytes not written",
		    GHA_SUMMARY_MAX_BYTES, len);
		return PR_OK;
	}
	keep = room - SUMMARY_NOTE_MAX_BYTES;
	while (keep > 0 && markdown[keep - 1] != '\n')
		keep--;
	buf_add(&b, markdown, keep);
	buf_printf(&b, "\n> **Cut:** %zu of %zu bytes of this summary are not shown (GitHub's step summary "
	    "limit is %zu bytes); the document has everything.\n", len - keep, len, GHA_SUMMARY_MAX_BYTES);
	pr_warn("step summary cut: %zu of %zu bytes not shown (GitHub's %zu byte limit)", len - keep, len,
	    GHA_SUMMARY_MAX_BYTES);
	rc = append("GITHUB_STEP_SUMMARY", b.data);
	buf_free(&b);
	return rc;
}

int
gha_summary(const char *markdown)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	size_t used = 0, len = strlen(markdown);
	struct stat st;

	if (!pr_in_github() || !path || !*path)
		return PR_OK;
	/* Earlier programs of the same step share the file, and its limit. */
	if (stat(path, &st) == 0 && st.st_size > 0)
		used = (size_t)st.st_size;
	if (used + len <= GHA_SUMMARY_MAX_BYTES)
		return append("GITHUB_STEP_SUMMARY", markdown);
	return summary_cut(markdown, len, used < GHA_SUMMARY_MAX_BYTES ? GHA_SUMMARY_MAX_BYTES - used : 0);
}

/* One ::add-mask:: command.  Its data is escaped as the runner unescapes
 * it (% first), so that the mask is the value itself. */
static void
mask_one(const char *value, size_t len)
{
	if (len == 0 || strspn(value, " \t") >= len)
		return;
	fputs("::add-mask::", stderr);
	for (size_t i = 0; i < len; i++) {
		if (value[i] == '%')
			fputs("%25", stderr);
		else if (value[i] == '\r')
			fputs("%0D", stderr);
		else if (value[i] == '\n')
			fputs("%0A", stderr);
		else
			fputc(value[i], stderr);
	}
	fputc('\n', stderr);
}

/* Each line of a multi-line value, as its own mask. */
static void
mask_lines(const char *value)
{
	for (const char *p = value; *p; ) {
		size_t len = strcspn(p, "\r\n");

		mask_one(p, len);
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
}

void
gha_mask(const char *value)
{
	static const char *const schemes[] = { "Bearer ", "Basic ", "token ", "SharedKey " };
	const char *p;

	if (!pr_in_github() || !value || !*value)
		return;
	if (strpbrk(value, "\r\n")) {
		mask_lines(value);
		return;
	}
	mask_one(value, strlen(value));
	/* A header's value is masked whole, and so is the secret inside it:
	 * the credentials after an auth scheme, each value of a cookie list. */
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncmp(value, schemes[i], strlen(schemes[i])) == 0)
			mask_one(value + strlen(schemes[i]), strlen(value + strlen(schemes[i])));
	if (!strchr(value, '=') || strchr(value, ' ') == NULL)
		return;
	for (p = value; *p; ) {
		size_t len = strcspn(p, ";");
		const char *eq = memchr(p, '=', len);

		if (eq)
			mask_one(eq + 1, len - (size_t)(eq + 1 - p));
		p += len;
		while (*p == ';' || *p == ' ')
			p++;
	}
}

/* Control characters would end the row or drive a terminal. */
static bool
is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

void
gha_md_text(struct buf *md, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\*_`<>", *s))
			buf_addc(md, '\\');
		buf_addc(md, is_control(*s) ? ' ' : *s);
	}
}

/* In a code span only the table's | needs escaping; a ` would end it. */
static void
md_code(struct buf *md, const char *s)
{
	buf_addc(md, '`');
	for (; *s; s++) {
		if (*s == '|')
			buf_addc(md, '\\');
		buf_addc(md, is_control(*s) ? ' ' : *s == '`' ? '\'' : *s);
	}
	buf_addc(md, '`');
}

void
gha_table_head(struct buf *md, size_t ncols, const char *const *names, const char *align)
{
	for (size_t c = 0; c < ncols; c++) {
		buf_adds(md, "| ");
		gha_md_text(md, names[c]);
		buf_addc(md, ' ');
	}
	buf_adds(md, "|\n");
	for (size_t c = 0; c < ncols; c++)
		buf_adds(md, align[c] == 'r' ? "|---:" : "|---");
	buf_adds(md, "|\n");
}

void
gha_table_row(struct buf *md, size_t ncols, const struct gha_cell *cells)
{
	for (size_t c = 0; c < ncols; c++) {
		const char *text = cells[c].text ? cells[c].text : "";

		buf_adds(md, "| ");
		if (cells[c].style == GHA_CODE && *text) {
			md_code(md, text);
		} else if (cells[c].style == GHA_BOLD && *text) {
			buf_adds(md, "**");
			gha_md_text(md, text);
			buf_adds(md, "**");
		} else {
			gha_md_text(md, text);
		}
		buf_addc(md, ' ');
	}
	buf_adds(md, "|\n");
}
