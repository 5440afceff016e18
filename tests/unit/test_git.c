/*
 * test_git.c: lib/git against a real repository with a bare remote, made in
 * a scratch directory by the git command line (not by the code under test).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pr.h"
#include "git.h"
#include "proc.h"
#include "t.h"

static char first[64], second[64];	/* the two commits of the work repository */

/* Run a shell command in the work repository; 0 when it succeeded. */
static int
shell(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

/* First line of a shell command's output, trimmed, into out. */
static void
shell_line(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");

	out[0] = '\0';
	if (!p)
		return;
	if (fgets(out, (int)outlen, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

/* scratch/remote.git (bare) and scratch/work (two commits, tag v1 on the
 * first, origin = the bare one); the process then works in scratch/work. */
static int
make_repos(void)
{
	const char *dir = t_scratch();
	char path[PATH_MAX];

	if (!dir)
		return -1;
	/* No user or system configuration, and an identity of our own. */
	setenv("HOME", dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.com", 1);
	snprintf(path, sizeof path, "%s/work", dir);
	if (chdir(dir) != 0 ||
	    shell("git init -q --bare -b main remote.git && git init -q -b main work") != 0 || chdir(path) != 0)
		return -1;
	if (shell("echo one >file && git add file && git commit -qm one && git tag -a -m first v1 &&"
	    " echo two >file && git commit -qam two && git remote add origin ../remote.git") != 0)
		return -1;
	shell_line("git rev-parse HEAD~1", first, sizeof first);
	shell_line("git rev-parse HEAD", second, sizeof second);
	return strlen(first) == 40 && strlen(second) == 40 ? 0 : -1;
}

static void
test_output_is_trimmed_of_its_newline(void)
{
	char why[PR_WHY_LEN], *out = NULL;

	CHECK(git_run(&out, why, sizeof why, "rev-parse", "HEAD", NULL) == PR_OK);
	CHECK_STR(out, second);
	free(out);
}

static void
test_git_refusal_is_fail_with_gits_last_line(void)
{
	char why[PR_WHY_LEN] = "", *out = NULL;

	CHECK(git_run(&out, why, sizeof why, "rev-parse", "--verify", "no-such-rev", NULL) == PR_FAIL);
	CHECK(out == NULL);
	CHECK_STR(why, "git rev-parse: fatal: Needed a single revision");
}

static void
test_missing_git_is_external(void)
{
	char why[PR_WHY_LEN] = "", *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	setenv("PATH", "/nonexistent", 1);
	CHECK(git_run(NULL, why, sizeof why, "status", NULL) == PR_EXTERNAL);
	if (path) {
		setenv("PATH", path, 1);
		free(path);
	}
	CHECK_STR(why, "git: not found");
}

static void
test_commit_of_peels_an_annotated_tag(void)
{
	char why[PR_WHY_LEN], *sha = NULL;

	CHECK(git_commit_of("v1", &sha, why, sizeof why) == PR_OK);
	CHECK_STR(sha, first);
	free(sha);
}

static void
test_commit_of_unknown_rev_is_bad_input(void)
{
	char why[PR_WHY_LEN] = "", *sha = NULL;

	CHECK(git_commit_of("nope", &sha, why, sizeof why) == PR_INPUT);
	CHECK_STR(why, "nope: no such commit or tag in this repository");
	free(sha);
}

static void
test_tag_exists_only_for_tags(void)
{
	CHECK(git_tag_exists("v1"));
	CHECK(!git_tag_exists("main"));	/* a branch, not a tag */
	CHECK(!git_tag_exists("v9"));
}

static void
test_dirty_means_tracked_changes_not_untracked_files(void)
{
	char why[PR_WHY_LEN];
	bool dirty = true;

	CHECK(git_dirty(&dirty, why, sizeof why) == PR_OK && !dirty);
	CHECK(shell("echo new >untracked") == 0);
	CHECK(git_dirty(&dirty, why, sizeof why) == PR_OK && !dirty);
	CHECK(shell("echo changed >file") == 0);
	CHECK(git_dirty(&dirty, why, sizeof why) == PR_OK && dirty);
	CHECK(shell("git add file") == 0);
	CHECK(git_dirty(&dirty, why, sizeof why) == PR_OK && dirty);
	CHECK(shell("git reset -q --hard && rm untracked") == 0);
}

static void
test_tag_is_annotated_with_the_message(void)
{
	char why[PR_WHY_LEN], line[128];

	CHECK(git_tag("v2", second, "release two", why, sizeof why) == PR_OK);
	shell_line("git cat-file -t v2", line, sizeof line);
	CHECK_STR(line, "tag");
	shell_line("git tag -l --format='%(contents:subject)' v2", line, sizeof line);
	CHECK_STR(line, "release two");
	shell_line("git rev-parse 'v2^{commit}'", line, sizeof line);
	CHECK_STR(line, second);
}

static void
test_tag_never_moves_an_existing_tag(void)
{
	char why[PR_WHY_LEN] = "", line[128];

	CHECK(git_tag("v1", second, "moved", why, sizeof why) == PR_FAIL);
	CHECK(strstr(why, "already exists") != NULL);
	shell_line("git rev-parse 'v1^{commit}'", line, sizeof line);
	CHECK_STR(line, first);
}

static void
test_push_puts_the_tag_on_the_bare_remote(void)
{
	char why[PR_WHY_LEN], line[128];

	CHECK(git_tag("v3", first, "three", why, sizeof why) == PR_OK);
	CHECK(git_push("origin", "tags", "v3", why, sizeof why) == PR_OK);
	shell_line("git --git-dir=../remote.git rev-parse 'v3^{commit}'", line, sizeof line);
	CHECK_STR(line, first);
	/* Only the ref asked for travels. */
	shell_line("git --git-dir=../remote.git tag -l v2", line, sizeof line);
	CHECK_STR(line, "");
}

static void
test_push_to_an_unknown_remote_is_external(void)
{
	char why[PR_WHY_LEN] = "";

	CHECK(git_push("nowhere", "heads", "main", why, sizeof why) == PR_EXTERNAL);
	CHECK(strncmp(why, "git push: ", 10) == 0);
}

static void
test_checkout_detaches_or_makes_a_branch(void)
{
	char why[PR_WHY_LEN], line[128];

	CHECK(git_checkout(first, NULL, why, sizeof why) == PR_OK);
	shell_line("git rev-parse HEAD", line, sizeof line);
	CHECK_STR(line, first);
	CHECK(shell("git symbolic-ref -q HEAD >/dev/null") != 0);	/* detached */
	CHECK(git_checkout("v1", "fix", why, sizeof why) == PR_OK);
	shell_line("git symbolic-ref --short HEAD", line, sizeof line);
	CHECK_STR(line, "fix");
	shell_line("git rev-parse HEAD", line, sizeof line);
	CHECK_STR(line, first);
	CHECK(shell("git checkout -q main") == 0);
}

static void
test_git_never_waits_for_an_editor(void)
{
	char why[PR_WHY_LEN], line[128];

	/* Were GIT_EDITOR not set for it, git would run this EDITOR, which
	 * writes a message: the commit would be made. */
	setenv("EDITOR", "sh -c 'echo from-editor >\"$1\"' -", 1);
	CHECK(git_run(NULL, why, sizeof why, "commit", "--allow-empty", NULL) == PR_FAIL);
	unsetenv("EDITOR");
	shell_line("git rev-parse HEAD", line, sizeof line);
	CHECK_STR(line, second);
}

int
main(void)
{
	if (make_repos() != 0) {
		printf("not ok make_repos: git could not make the test repositories\n");
		t_done();
		return 1;
	}
	RUN(test_output_is_trimmed_of_its_newline);
	RUN(test_git_refusal_is_fail_with_gits_last_line);
	RUN(test_missing_git_is_external);
	RUN(test_commit_of_peels_an_annotated_tag);
	RUN(test_commit_of_unknown_rev_is_bad_input);
	RUN(test_tag_exists_only_for_tags);
	RUN(test_dirty_means_tracked_changes_not_untracked_files);
	RUN(test_tag_is_annotated_with_the_message);
	RUN(test_tag_never_moves_an_existing_tag);
	RUN(test_push_puts_the_tag_on_the_bare_remote);
	RUN(test_push_to_an_unknown_remote_is_external);
	RUN(test_checkout_detaches_or_makes_a_branch);
	RUN(test_git_never_waits_for_an_editor);
	return t_done();
}
