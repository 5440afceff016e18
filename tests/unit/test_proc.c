/*
 * test_proc.c: lib/proc's fork/exec: capture, exit status, a child-only
 * environment, working directory, bounded capture, and stdin closed off.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "pr.h"
#include "fileio.h"
#include "proc.h"
#include "t.h"

/* Run sh -c script with o (out and err captured when o has none). */
static int
sh(const char *script, struct proc_opts *o, int *status, char *why)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};

	return proc_run(argv, o, status, why, PR_WHY_LEN);
}

static void
test_stdout_and_stderr_are_captured_apart(void)
{
	struct buf out = {0}, err = {0};
	struct proc_opts o = {.out = &out, .err = &err};
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(sh("echo to-out; echo to-err >&2", &o, &status, why) == PR_OK);
	CHECK(status == 0);
	CHECK_STR(out.data, "to-out\n");
	CHECK_STR(err.data, "to-err\n");
	buf_free(&out);
	buf_free(&err);
}

static void
test_exit_status_is_the_childs(void)
{
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(sh("exit 7", NULL, &status, why) == PR_OK);
	CHECK(status == 7);
}

static void
test_death_by_signal_is_128_plus_the_signal(void)
{
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(sh("kill -TERM $$", NULL, &status, why) == PR_OK);
	CHECK(status == 128 + 15);
}

static void
test_missing_program_is_external_and_says_not_found(void)
{
	char *argv[] = {"pr-no-such-program", NULL};
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(proc_run(argv, NULL, &status, why, sizeof why) == PR_EXTERNAL);
	CHECK(status == -1);
	CHECK_STR(why, "pr-no-such-program: not found");
}

static void
test_env_add_reaches_the_child_only(void)
{
	static const char *const add[] = {"PR_T_SECRET=s3cret value", NULL};
	struct buf out = {0};
	struct proc_opts o = {.env_add = add, .out = &out};
	char why[PR_WHY_LEN] = "";
	int status;

	unsetenv("PR_T_SECRET");
	CHECK(sh("printf '%s' \"$PR_T_SECRET\"", &o, &status, why) == PR_OK);
	CHECK_STR(out.data, "s3cret value");
	CHECK(getenv("PR_T_SECRET") == NULL);
	buf_free(&out);
}

static void
test_env_unset_removes_a_variable_in_the_child_only(void)
{
	static const char *const gone[] = {"PR_T_GONE", NULL};
	struct buf out = {0};
	struct proc_opts o = {.env_unset = gone, .out = &out};
	char why[PR_WHY_LEN] = "";
	int status;

	setenv("PR_T_GONE", "here", 1);
	CHECK(sh("printf '%s' \"${PR_T_GONE-unset}\"", &o, &status, why) == PR_OK);
	CHECK_STR(out.data, "unset");
	CHECK_STR(getenv("PR_T_GONE"), "here");
	unsetenv("PR_T_GONE");
	buf_free(&out);
}

static void
test_child_runs_in_cwd(void)
{
	const char *dir = t_scratch();
	char real[PATH_MAX], want[PATH_MAX + 2];
	struct buf out = {0};
	struct proc_opts o = {.cwd = dir, .out = &out};
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(dir && realpath(dir, real));
	snprintf(want, sizeof want, "%s\n", real);
	CHECK(sh("pwd -P", &o, &status, why) == PR_OK);
	CHECK_STR(out.data, want);
	buf_free(&out);
}

static void
test_missing_cwd_is_external_and_nothing_runs(void)
{
	struct proc_opts o = {.cwd = "/nonexistent/pr-tools-test"};
	char why[PR_WHY_LEN] = "";
	int status;

	CHECK(sh("exit 0", &o, &status, why) == PR_EXTERNAL);
	CHECK(status == -1);
	CHECK(why[0] != '\0');
}

static void
test_stdout_fd_gets_the_output_uncaptured(void)
{
	const char *dir = t_scratch();
	char path[PATH_MAX];
	struct buf out = {0}, got = {0};
	struct proc_opts o = {.out = &out};
	char why[PR_WHY_LEN] = "";
	int status, fd;

	snprintf(path, sizeof path, "%s/stdout", dir ? dir : "/nonexistent");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd > 0);
	o.stdout_fd = fd;
	CHECK(sh("echo into-the-file", &o, &status, why) == PR_OK);
	close(fd);
	CHECK(out.len == 0);
	CHECK(fileio_read_file(path, 1024, &got) == 0);
	CHECK_STR(got.data, "into-the-file\n");
	buf_free(&out);
	buf_free(&got);
}

static void
test_capture_is_bounded_and_the_rest_drained(void)
{
	struct buf out = {0};
	struct proc_opts o = {.out = &out};
	char why[PR_WHY_LEN] = "";
	int status;

	/* 20 MiB: more than the bound; the child must still finish. */
	CHECK(sh("head -c 20971520 /dev/zero", &o, &status, why) == PR_OK);
	CHECK(status == 0);
	CHECK(out.len >= PR_PROC_CAPTURE_MAX_BYTES);
	CHECK(out.len < (size_t)20971520);
	buf_free(&out);
}

static void
test_child_stdin_is_not_ours(void)
{
	int p[2], saved = dup(STDIN_FILENO);
	struct buf out = {0};
	struct proc_opts o = {.out = &out};
	char why[PR_WHY_LEN] = "";
	int status = -1;

	/* Our stdin holds data: a child that inherited it would echo it. */
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "leaked\n", 7) == 7);
	close(p[1]);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	CHECK(sh("cat", &o, &status, why) == PR_OK);
	dup2(saved, STDIN_FILENO);
	close(saved);
	CHECK(status == 0);
	CHECK(out.len == 0);
	buf_free(&out);
}

static void
test_last_line_is_the_last_non_blank_line_trimmed(void)
{
	char line[64];

	proc_last_line("warning: x\n  fatal: bad revision\n\n  \n", line, sizeof line);
	CHECK_STR(line, "fatal: bad revision");
	proc_last_line("one line", line, sizeof line);
	CHECK_STR(line, "one line");
	proc_last_line(NULL, line, sizeof line);
	CHECK_STR(line, "");
	proc_last_line("a very long line indeed", line, 7);
	CHECK_STR(line, "a very");
}

int
main(void)
{
	RUN(test_stdout_and_stderr_are_captured_apart);
	RUN(test_exit_status_is_the_childs);
	RUN(test_death_by_signal_is_128_plus_the_signal);
	RUN(test_missing_program_is_external_and_says_not_found);
	RUN(test_env_add_reaches_the_child_only);
	RUN(test_env_unset_removes_a_variable_in_the_child_only);
	RUN(test_child_runs_in_cwd);
	RUN(test_missing_cwd_is_external_and_nothing_runs);
	RUN(test_stdout_fd_gets_the_output_uncaptured);
	RUN(test_capture_is_bounded_and_the_rest_drained);
	RUN(test_child_stdin_is_not_ours);
	RUN(test_last_line_is_the_last_non_blank_line_trimmed);
	return t_done();
}
