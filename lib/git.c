/* git.c: git through fork/exec. */
#include "git.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pr.h"
#include "proc.h"

#define GIT_MAX_ARGS 32

int
git_run(char **out, char *why, size_t whylen, const char *arg, ...)
{
	char *argv[GIT_MAX_ARGS + 2];
	struct buf o = {0}, e = {0};
	struct proc_opts po = {.out = &o, .err = &e};
	/* git must never stop to ask for a password or an editor. */
	static const char *const env[] = {"GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=true", NULL};
	va_list ap;
	int n = 0, status, rc;

	po.env_add = env;
	argv[n++] = "git";
	va_start(ap, arg);
	for (const char *a = arg; a && n < GIT_MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	if (out)
		*out = NULL;
	rc = proc_run(argv, &po, &status, why, whylen);
	if (rc != PR_OK)
		goto out;
	if (status != 0) {
		char line[PR_WHY_LEN];

		proc_last_line(e.data, line, sizeof line);
		snprintf(why, whylen, "git %s: %s", arg, *line ? line : "failed");
		rc = PR_FAIL;
		goto out;
	}
	if (out) {
		while (o.len && (o.data[o.len - 1] == '\n' || o.data[o.len - 1] == '\r'))
			o.data[--o.len] = '\0';
		*out = buf_detach(&o);
	}
out:
	buf_free(&o);
	buf_free(&e);
	return rc;
}

int
git_commit_of(const char *rev, char **sha, char *why, size_t whylen)
{
	struct buf spec = {0};
	int rc;

	buf_printf(&spec, "%s^{commit}", rev);
	rc = git_run(sha, why, whylen, "rev-parse", "--verify", "--quiet", spec.data, NULL);
	if (rc == PR_FAIL) {
		snprintf(why, whylen, "%s: no such commit or tag in this repository", rev);
		rc = PR_INPUT;
	}
	buf_free(&spec);
	return rc;
}

bool
git_tag_exists(const char *tag)
{
	struct buf ref = {0};
	char why[PR_WHY_LEN];
	int rc;

	buf_printf(&ref, "refs/tags/%s", tag);
	rc = git_run(NULL, why, sizeof why, "show-ref", "--verify", "--quiet", ref.data, NULL);
	buf_free(&ref);
	return rc == PR_OK;
}

int
git_dirty(bool *dirty, char *why, size_t whylen)
{
	char *out = NULL;
	int rc = git_run(&out, why, whylen, "status", "--porcelain", "--untracked-files=no", NULL);

	if (rc == PR_OK)
		*dirty = out && *out;
	free(out);
	return rc;
}

int
git_tag(const char *tag, const char *commit, const char *message, char *why, size_t whylen)
{
	return git_run(NULL, why, whylen, "tag", "--annotate", "--message", message, "--", tag, commit, NULL);
}

int
git_push(const char *remote, const char *kind, const char *name, char *why, size_t whylen)
{
	struct buf spec = {0};
	int rc;

	buf_printf(&spec, "refs/%s/%s:refs/%s/%s", kind, name, kind, name);
	rc = git_run(NULL, why, whylen, "push", "--quiet", "--", remote, spec.data, NULL);
	buf_free(&spec);
	return rc == PR_FAIL ? PR_EXTERNAL : rc;
}

int
git_checkout(const char *rev, const char *branch, char *why, size_t whylen)
{
	if (branch)
		return git_run(NULL, why, whylen, "checkout", "--quiet", "-b", branch, rev, "--", NULL);
	return git_run(NULL, why, whylen, "checkout", "--quiet", "--detach", rev, "--", NULL);
}
