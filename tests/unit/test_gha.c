/*
 * test_gha.c: lib/gha's GitHub Actions files and commands, written into a
 * scratch directory as a runner would hand them out: $GITHUB_OUTPUT
 * (random heredoc delimiters, refused values), $GITHUB_STEP_SUMMARY (GitHub's
 * 1 MiB limit) and ::add-mask:: on stderr (multi-line secrets).
 */
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "pr.h"
#include "gha.h"
#include "t.h"

static char out_path[300], sum_path[300], err_path[300];

/* A fresh runner: GITHUB_ACTIONS=true and empty output and summary files. */
static void
runner(void)
{
	const char *dir = t_scratch();

	snprintf(out_path, sizeof out_path, "%s/output", dir);
	snprintf(sum_path, sizeof sum_path, "%s/summary", dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", dir);
	fclose(fopen(out_path, "w"));
	fclose(fopen(sum_path, "w"));
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_OUTPUT", out_path, 1);
	setenv("GITHUB_STEP_SUMMARY", sum_path, 1);
	pr_init("test_gha");
}

static char *
slurp(const char *path)
{
	struct buf b = {0};
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (f)
		fclose(f);
	buf_adds(&b, "");
	return buf_detach(&b);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Run fn with stderr going to err_path. */
static void
capture_stderr(void (*fn)(const char *), const char *arg)
{
	int saved = dup(2), fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static void
test_single_line_output_is_name_equals_value(void)
{
	char *text;

	runner();
	CHECK(gha_output("verdict", "pass") == PR_OK);
	text = slurp(out_path);
	CHECK_STR(text, "verdict=pass\n");
	free(text);
}

static void
test_multi_line_outputs_use_a_new_random_delimiter_each(void)
{
	regex_t re;
	regmatch_t m[4];
	char *text, d1[64] = "", d2[64] = "";

	runner();
	CHECK(gha_output("table", "a\nb\n") == PR_OK);
	CHECK(gha_output("list", "x\ny") == PR_OK);
	text = slurp(out_path);
	CHECK(regcomp(&re,
	    "^table<<(ghadelimiter_[0-9a-f]{32})\na\nb\n\\1\nlist<<(ghadelimiter_[0-9a-f]{32})\nx\ny\n\\2\n$",
	    REG_EXTENDED) == 0);
	CHECK(regexec(&re, text, 4, m, 0) == 0);
	snprintf(d1, sizeof d1, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), text + m[1].rm_so);
	snprintf(d2, sizeof d2, "%.*s", (int)(m[2].rm_eo - m[2].rm_so), text + m[2].rm_so);
	CHECK(strlen(d1) == GHA_DELIM_LEN);
	CHECK(strcmp(d1, d2) != 0);
	regfree(&re);
	free(text);
}

static void
test_heredoc_refuses_a_value_that_holds_the_delimiter(void)
{
	struct buf b = {0};

	buf_adds(&b, "");
	CHECK(gha_heredoc(&b, "k", "line\nghadelimiter_x\nverdict=pass\n", "ghadelimiter_x") == PR_INPUT);
	CHECK(b.len == 0);
	CHECK(gha_heredoc(&b, "k", "a ghadelimiter_x b", "ghadelimiter_x") == PR_INPUT);
	CHECK(gha_heredoc(&b, "k", "safe\n", "ghadelimiter_x") == PR_OK);
	CHECK_STR(b.data, "k<<ghadelimiter_x\nsafe\nghadelimiter_x\n");
	buf_free(&b);
}

static void
test_output_name_that_could_inject_is_refused(void)
{
	char *text;

	runner();
	CHECK(gha_output("a\nverdict", "pass") == PR_INPUT);
	CHECK(gha_output("a=b", "pass") == PR_INPUT);
	CHECK(gha_output("a<<EOF", "x\ny") == PR_INPUT);
	CHECK(gha_output("", "x") == PR_INPUT);
	text = slurp(out_path);
	CHECK_STR(text, "");
	free(text);
}

static void
test_nothing_is_written_outside_github_actions(void)
{
	char *text;

	runner();
	unsetenv("GITHUB_ACTIONS");
	pr_init("test_gha");
	CHECK(gha_output("verdict", "pass") == PR_OK);
	CHECK(gha_summary("# x\n") == PR_OK);
	text = slurp(out_path);
	CHECK_STR(text, "");
	free(text);
	CHECK(file_size(sum_path) == 0);
}

/* n bytes of Markdown table rows, each row ROW bytes. */
#define ROW "| row | 0123456789 | abcdefghij |\n"
static char *
rows(size_t n)
{
	struct buf b = {0};

	while (b.len + strlen(ROW) <= n)
		buf_adds(&b, ROW);
	buf_adds(&b, "");
	return buf_detach(&b);
}

static void
test_summary_under_the_limit_is_written_whole(void)
{
	char *md = rows(10000), *text;

	runner();
	CHECK(gha_summary(md) == PR_OK);
	text = slurp(sum_path);
	CHECK_STR(text, md);
	free(text);
	free(md);
}

static void
summary_of(const char *md)
{
	gha_summary(md);
}

static void
test_summary_over_the_limit_is_cut_at_a_line_and_says_so(void)
{
	char *md = rows(3 * GHA_SUMMARY_MAX_BYTES / 2), *text, *note, *err;
	size_t len = strlen(md);

	runner();
	capture_stderr(summary_of, md);
	CHECK(file_size(sum_path) > 0 && (size_t)file_size(sum_path) <= GHA_SUMMARY_MAX_BYTES);
	CHECK((size_t)file_size(sum_path) > GHA_SUMMARY_MAX_BYTES - 1024);
	text = slurp(sum_path);
	note = strstr(text, "\n> **Cut:** ");
	CHECK(note != NULL);
	if (note) {
		size_t keep = (size_t)(note - text);
		char want[200];

		CHECK(keep % strlen(ROW) == 0);		/* whole rows only */
		CHECK(strncmp(text, md, keep) == 0);
		snprintf(want, sizeof want, "%zu of %zu bytes of this summary are not shown", len - keep, len);
		CHECK(strstr(note, want) != NULL);
		CHECK(note[strlen(note) - 1] == '\n');
	}
	err = slurp(err_path);
	CHECK(strstr(err, "step summary cut") != NULL);
	free(err);
	free(text);
	free(md);
}

static void
test_summary_counts_what_earlier_programs_of_the_step_wrote(void)
{
	char *first = rows(GHA_SUMMARY_MAX_BYTES - 4000), *second = rows(20000), *text;

	runner();
	capture_stderr(summary_of, first);
	capture_stderr(summary_of, second);
	CHECK((size_t)file_size(sum_path) <= GHA_SUMMARY_MAX_BYTES);
	text = slurp(sum_path);
	CHECK(strncmp(text, first, strlen(first)) == 0);
	CHECK(strstr(text, "> **Cut:** ") != NULL);
	free(text);
	/* A full file takes nothing more, not even the note. */
	capture_stderr(summary_of, second);
	CHECK((size_t)file_size(sum_path) <= GHA_SUMMARY_MAX_BYTES);
	text = slurp(err_path);
	CHECK(strstr(text, "step summary is full") != NULL);
	free(text);
	free(first);
	free(second);
}

static void
mask_of(const char *value)
{
	gha_mask(value);
}

static void
test_multi_line_secret_is_masked_line_by_line(void)
{
	char *err;

	runner();
	capture_stderr(mask_of,
	    "-----BEGIN PRIVATE KEY-----\r\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n\n-----END PRIVATE KEY-----\n");
	err = slurp(err_path);
	CHECK_STR(err, "::add-mask::-----BEGIN PRIVATE KEY-----\n"
	    "::add-mask::MIIEvQIBADANBgkq\n"
	    "::add-mask::hkiG9w0BAQEFAASC\n"
	    "::add-mask::-----END PRIVATE KEY-----\n");
	free(err);
}

static void
test_mask_escapes_percent_as_the_runner_unescapes(void)
{
	char *err;

	runner();
	capture_stderr(mask_of, "p%0Aw%25d");
	err = slurp(err_path);
	CHECK_STR(err, "::add-mask::p%250Aw%2525d\n");
	free(err);
}

static void
test_mask_of_a_bearer_header_masks_the_token_too(void)
{
	char *err;

	runner();
	capture_stderr(mask_of, "Bearer tok123");
	err = slurp(err_path);
	CHECK_STR(err, "::add-mask::Bearer tok123\n::add-mask::tok123\n");
	free(err);
}

int
main(void)
{
	RUN(test_single_line_output_is_name_equals_value);
	RUN(test_multi_line_outputs_use_a_new_random_delimiter_each);
	RUN(test_heredoc_refuses_a_value_that_holds_the_delimiter);
	RUN(test_output_name_that_could_inject_is_refused);
	RUN(test_nothing_is_written_outside_github_actions);
	RUN(test_summary_under_the_limit_is_written_whole);
	RUN(test_summary_over_the_limit_is_cut_at_a_line_and_says_so);
	RUN(test_summary_counts_what_earlier_programs_of_the_step_wrote);
	RUN(test_multi_line_secret_is_masked_line_by_line);
	RUN(test_mask_escapes_percent_as_the_runner_unescapes);
	RUN(test_mask_of_a_bearer_header_masks_the_token_too);
	return t_done();
}
