/* proc.c: fork/exec with captured output and a child-only environment. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pr.h"
#include "fileio.h"
#include "util.h"

#define READ_CHUNK_BYTES 65536
/* How often a child that must be stopped is looked at. */
#define WAIT_STEP_MS 10

/* The child proc_run waits for, for the signal handler; 0 when none. */
static volatile sig_atomic_t running_child;

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};

/* Ask pid to stop with sig, then kill it after the grace time; reaps it.
 * Async-signal-safe. */
static void
stop_child(pid_t pid, int sig, int *wst)
{
	static const struct timespec step = {0, WAIT_STEP_MS * 1000000L};

	kill(pid, sig);
	for (int waited_ms = 0; waited_ms < PR_PROC_STOP_GRACE_MS; waited_ms += WAIT_STEP_MS) {
		pid_t r = waitpid(pid, wst, WNOHANG);

		if (r == pid || (r == -1 && errno != EINTR))
			return;
		nanosleep(&step, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, wst, 0) == -1 && errno == EINTR)
		;
}

static void
on_signal(int sig)
{
	pid_t child = (pid_t)running_child;
	int wst;

	if (child > 0)
		stop_child(child, sig, &wst);
	fileio_tmp_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);	/* delivered when this handler returns */
}

void
proc_signals_init(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&sa.sa_mask, forwarded[i]);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaction(forwarded[i], &sa, NULL);
}

/* Block the forwarded signals across fork, so that running_child is never
 * out of date when the handler reads it; *old is the mask to restore. */
static void
block_forwarded(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* In the child: set up descriptors and environment, then exec.  Writes errno
 * to errfd when exec fails. */
static void
child(char *const argv[], const struct proc_opts *o, int outw, int errw, int errfd, const sigset_t *mask)
{
	int null = open("/dev/null", O_RDWR);
	int e;

	if (null != -1)
		dup2(null, STDIN_FILENO);
	if (o->stdout_fd > 0)
		dup2(o->stdout_fd, STDOUT_FILENO);
	else if (outw >= 0)
		dup2(outw, STDOUT_FILENO);
	else if (null != -1)
		dup2(null, STDOUT_FILENO);
	if (errw >= 0)
		dup2(errw, STDERR_FILENO);
	else if (null != -1)
		dup2(null, STDERR_FILENO);
	for (const char *const *u = o->env_unset; u && *u; u++)
		unsetenv(*u);
	for (const char *const *a = o->env_add; a && *a; a++) {
		const char *eq = strchr(*a, '=');
		char name[256];

		if (!eq || (size_t)(eq - *a) >= sizeof name)
			continue;
		memcpy(name, *a, (size_t)(eq - *a));
		name[eq - *a] = '\0';
		setenv(name, eq + 1, 1);
	}
	if (o->cwd && chdir(o->cwd) == -1) {
		e = errno;
		if (write(errfd, &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	signal(SIGPIPE, SIG_DFL);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

/* Read what is ready on fd into b (bounded); returns 0 at EOF, 1 otherwise. */
static int
drain(int fd, struct buf *b)
{
	char chunk[READ_CHUNK_BYTES];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b && b->len < PR_PROC_CAPTURE_MAX_BYTES)
		buf_add(b, chunk, (size_t)n);
	return 1;
}

/* Milliseconds left before deadline_ms (util_mono_ms), -1 for no deadline. */
static int
left_ms(double deadline_ms)
{
	double left;

	if (deadline_ms <= 0)
		return -1;
	left = deadline_ms - util_mono_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left + 1;
}

/* Read the child's stdout and stderr until both close or the deadline;
 * false when the deadline came first. */
static bool
collect(int *outfd, int *errfd, const struct proc_opts *o, double deadline_ms)
{
	for (;;) {
		struct pollfd p[2];
		int n = 0, r;

		if (*outfd != -1)
			p[n++] = (struct pollfd){.fd = *outfd, .events = POLLIN};
		if (*errfd != -1)
			p[n++] = (struct pollfd){.fd = *errfd, .events = POLLIN};
		if (n == 0)
			return true;
		if ((r = poll(p, (nfds_t)n, left_ms(deadline_ms))) == -1) {
			if (errno == EINTR)
				continue;
			return true;
		}
		if (r == 0)
			return false;
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (p[i].fd == *outfd && !drain(*outfd, o->out)) {
				close(*outfd);
				*outfd = -1;
			} else if (p[i].fd == *errfd && !drain(*errfd, o->err)) {
				close(*errfd);
				*errfd = -1;
			}
		}
	}
}

/* Wait for pid until the deadline; false (and pid stopped) when it came. */
static bool
wait_child(pid_t pid, double deadline_ms, int *wst)
{
	for (;;) {
		pid_t r = waitpid(pid, wst, deadline_ms > 0 ? WNOHANG : 0);

		if (r == pid || (r == -1 && errno != EINTR))
			return true;
		if (r == 0 && left_ms(deadline_ms) == 0) {
			stop_child(pid, SIGTERM, wst);
			return false;
		}
		if (r == 0)
			poll(NULL, 0, WAIT_STEP_MS);
	}
}

int
proc_run(char *const argv[], const struct proc_opts *o, int *status, char *why, size_t whylen)
{
	static const struct proc_opts none;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
	int rc = PR_EXTERNAL, wst = 0, e = 0;
	double deadline_ms;
	bool in_time;
	sigset_t mask;
	pid_t pid;

	if (!o)
		o = &none;
	*status = -1;
	deadline_ms = o->timeout_ms > 0 ? util_mono_ms() + o->timeout_ms : 0;
	if (pipe2(execp, O_CLOEXEC) == -1 ||
	    (o->stdout_fd <= 0 && o->out && pipe2(outp, O_CLOEXEC) == -1) ||
	    (o->err && pipe2(errp, O_CLOEXEC) == -1)) {
		snprintf(why, whylen, "%s: cannot create a pipe: %s", argv[0], strerror(errno));
		goto out;
	}
	block_forwarded(&mask);
	pid = fork();
	if (pid == 0)
		child(argv, o, outp[1], errp[1], execp[1], &mask);
	if (pid > 0)
		running_child = pid;
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (pid == -1) {
		snprintf(why, whylen, "%s: cannot fork: %s", argv[0], strerror(errno));
		goto out;
	}
	close(execp[1]);
	if (outp[1] != -1)
		close(outp[1]);
	if (errp[1] != -1)
		close(errp[1]);
	execp[1] = outp[1] = errp[1] = -1;
	in_time = collect(&outp[0], &errp[0], o, deadline_ms);
	if (!in_time)
		stop_child(pid, SIGTERM, &wst);
	else
		in_time = wait_child(pid, deadline_ms, &wst);
	running_child = 0;
	if (read(execp[0], &e, sizeof e) == (ssize_t)sizeof e) {
		snprintf(why, whylen, "%s: %s", argv[0], e == ENOENT ? "not found" : strerror(e));
		goto out;
	}
	if (!in_time) {
		snprintf(why, whylen, "%s: still running after %.0f s, stopped", argv[0], o->timeout_ms / 1e3);
		goto out;
	}
	*status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
	rc = PR_OK;
out:
	for (int i = 0; i < 2; i++) {
		if (outp[i] != -1)
			close(outp[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (execp[i] != -1)
			close(execp[i]);
	}
	return rc;
}

void
proc_last_line(const char *text, char *out, size_t outlen)
{
	const char *end, *start;

	out[0] = '\0';
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
}
