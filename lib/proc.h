/*
 * proc.h: running another program (git, pg_dump, pg_restore) through
 * fork/exec, never a shell.  Secrets reach the child by environment only:
 * env_add is applied in the child after fork, so it never touches argv or
 * this process's environment.
 */
#ifndef PR_PROC_H
#define PR_PROC_H

#include <stddef.h>

#include "buf.h"

/* Room for a one-line reason a step failed, filled by lib functions that
 * leave the reporting to their caller. */
#define PR_WHY_LEN 512

/* Most bytes of a child's stdout or stderr kept in memory. */
#define PR_PROC_CAPTURE_MAX_BYTES ((size_t)16 << 20)

struct proc_opts {
	const char *const *env_add;	/* "NAME=value" set in the child only; NULL-terminated */
	const char *const *env_unset;	/* names removed in the child; NULL-terminated */
	int stdout_fd;			/* child's stdout goes here when > 0 (not captured) */
	struct buf *out;		/* captured stdout when stdout_fd is 0 (NULL: /dev/null) */
	struct buf *err;		/* captured stderr (NULL: /dev/null) */
	const char *cwd;		/* working directory, NULL for ours */
	double timeout_ms;		/* stop the child after this long (SIGTERM, then
					 * SIGKILL after PR_PROC_STOP_GRACE_MS); 0: no limit */
};

/* How long a child asked to stop (SIGTERM) has before it is killed. */
#define PR_PROC_STOP_GRACE_MS 5000

/*
 * Run argv[0] (searched on PATH) with argv and wait for it.  *status is its
 * exit code, or 128 + the signal that ended it.  Returns 0 when it ran, or
 * PR_EXTERNAL when it could not be started (why says so: "git: not found")
 * or ran out of o->timeout_ms (why: "pg_dump: still running after 30 s,
 * stopped").
 * Captured output is bounded by PR_PROC_CAPTURE_MAX_BYTES (the rest is read
 * and dropped).  Nothing is reported.
 */
int proc_run(char *const argv[], const struct proc_opts *o, int *status, char *why, size_t whylen);

/*
 * The suite's signal handling, installed first thing in main by programs
 * that run children or leave temporaries.  SIGPIPE is ignored: a closed
 * pipe becomes an EPIPE write error, reported like any other.  SIGINT,
 * SIGTERM and SIGHUP are forwarded to the child proc_run is waiting for,
 * which is waited for (killed after PR_PROC_STOP_GRACE_MS); then the
 * temporaries tracked with fileio_tmp_track() (fileio.h) are removed and the
 * program ends by the same signal, as the shell expects.
 */
void proc_signals_init(void);

/* The last non-empty line of text (a child's stderr), trimmed, in out. */
void proc_last_line(const char *text, char *out, size_t outlen);

#endif
