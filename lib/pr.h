/*
 * pr.h: the suite's exit codes and its one way of reporting.
 *
 * Every program calls pr_init() first.  Errors are reported once, at the top,
 * as one line on stderr: "pr-X: what failed: detail (what to do)".  Inside
 * GitHub Actions the same line also becomes an ::error:: annotation.  When a
 * log file is open (QA_LOG=1 or --log), every message goes there too.
 *
 * The program name, the log file and the GitHub flag are the process's only
 * shared state, set by pr_init() and pr_log_open() and read everywhere else.
 */
#ifndef PR_PR_H
#define PR_PR_H

#include <stdarg.h>
#include <stdbool.h>

enum pr_exit {
	PR_OK = 0,		/* success, the verdict passed */
	PR_FAIL = 1,		/* the verdict failed */
	PR_USAGE = 2,		/* bad option or argument */
	PR_INPUT = 3,		/* bad input: file, JSON, schema, field */
	PR_EXTERNAL = 4,	/* network, remote API, auth, missing program */
	PR_PARTIAL = 5,		/* some changes made, others not */
};

#define PR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Record the program name (basename of argv0) and read the environment. */
void pr_init(const char *argv0);
const char *pr_progname(void);

/* True inside GitHub Actions (GITHUB_ACTIONS=true). */
bool pr_in_github(void);

/* True when stderr is a terminal and NO_COLOR is unset. */
bool pr_color(void);

/* True when stderr is a terminal: the only time progress is drawn. */
bool pr_progress_ok(void);

/*
 * Report an error as one line and return code, so callers can write
 * "return pr_error(PR_INPUT, "%s: not JSON", path);".
 */
int pr_error(int code, const char *fmt, ...) PR_PRINTF(2, 3);

/* A warning: one line on stderr (and a ::warning:: in GitHub Actions). */
void pr_warn(const char *fmt, ...) PR_PRINTF(1, 2);

/* A note for the person watching: stderr unless quiet, and the log. */
void pr_note(const char *fmt, ...) PR_PRINTF(1, 2);
void pr_set_quiet(bool quiet);

/* A line for the log file only (no-op when no log is open). */
void pr_log(const char *fmt, ...) PR_PRINTF(1, 2);

/*
 * Open logs/<name>-YYYYMMDD-HHMMSS.log (under dir, "logs" when NULL) when
 * force is set or QA_LOG=1, and write its first line; name is the
 * program's ("pr-qa").  With alias, logs/<alias>-YYYYMMDD-HHMMSS.log links
 * to it, for a name runbooks used before (a link that cannot be made is a
 * warning).  Returns 0, or PR_EXTERNAL when the log cannot be created or
 * written (reported).  The path opened is kept for pr_log_path().
 */
int pr_log_open(const char *dir, const char *name, const char *alias, bool force);
const char *pr_log_path(void);

/* Close the log.  Returns 0, or PR_EXTERNAL (reported, one line) when any
 * line could not be written to it: a log that misses lines is an error. */
int pr_log_close(void);

/* Print "pr-X: msg (try 'pr-X --help')" and return PR_USAGE. */
int pr_usage_error(const char *fmt, ...) PR_PRINTF(1, 2);

/*
 * getopt_long's '?' or ':' as one line: "unknown option '--x'" or "option
 * '--x' needs an argument".  Programs set opterr = 0 and start their short
 * option string with ':' so that getopt itself prints nothing.  Returns
 * PR_USAGE.
 */
int pr_getopt_error(int c, char *const argv[]);

/*
 * The end of every program's option switch, the same in each: -h prints
 * usage to stdout and exits 0, -V prints "<program> <version>" and exits 0,
 * anything else is what getopt refused (pr_getopt_error: PR_USAGE).
 */
int pr_getopt_other(int c, const char *usage, char *const argv[]);

#endif
