/* gha.c: see gha.h. */
#include "gha.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

void
gha_mask(const char *value)
{
	if (!pr_in_github() || !value || !*value || strchr(value, '\n'))
		return;
	fprintf(stderr, "::add-mask::%s\n", value);
}
