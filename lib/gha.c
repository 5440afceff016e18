/* gha.c: see gha.h. */
#include "gha.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

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

int
gha_output(const char *key, const char *value)
{
	char head[256];
	int rc;

	if (!strchr(value, '\n')) {
		snprintf(head, sizeof head, "%s=", key);
		if ((rc = append("GITHUB_OUTPUT", head)) || (rc = append("GITHUB_OUTPUT", value)))
			return rc;
		return append("GITHUB_OUTPUT", "\n");
	}
	/* A delimiter that cannot occur in value. */
	snprintf(head, sizeof head, "%s<<pr_tools_eof_%ld_%d\n", key, (long)time(NULL), (int)getpid());
	if ((rc = append("GITHUB_OUTPUT", head)) || (rc = append("GITHUB_OUTPUT", value)))
		return rc;
	if (value[strlen(value) - 1] != '\n' && (rc = append("GITHUB_OUTPUT", "\n")))
		return rc;
	return append("GITHUB_OUTPUT", strchr(head, '<') + 2);
}

int
gha_summary(const char *markdown)
{
	return append("GITHUB_STEP_SUMMARY", markdown);
}

static void
mask_one(const char *value, size_t len)
{
	if (len == 0)
		return;
	fprintf(stderr, "::add-mask::%.*s\n", (int)len, value);
}

void
gha_mask(const char *value)
{
	static const char *const schemes[] = { "Bearer ", "Basic ", "token ", "SharedKey " };
	const char *p;

	if (!pr_in_github() || !value || !*value || strchr(value, '\n'))
		return;
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
