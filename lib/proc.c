/* proc.c: fork/exec with captured output and a child-only environment. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

#define READ_CHUNK_BYTES 65536

/* In the child: set up descriptors and environment, then exec.  Writes errno
 * to errfd when exec fails. */
static void
child(char *const argv[], const struct pr_proc_opts *o, int outw, int errw, int errfd)
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

int
pr_proc_run(char *const argv[], const struct pr_proc_opts *o, int *status, char *why, size_t whylen)
{
	static const struct pr_proc_opts none;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
	int rc = PR_EXTERNAL, wst, e = 0;
	pid_t pid;

	if (!o)
		o = &none;
	*status = -1;
	if (pipe2(execp, O_CLOEXEC) == -1 ||
	    (o->stdout_fd <= 0 && o->out && pipe2(outp, O_CLOEXEC) == -1) ||
	    (o->err && pipe2(errp, O_CLOEXEC) == -1)) {
		snprintf(why, whylen, "%s: cannot create a pipe: %s", argv[0], strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == -1) {
		snprintf(why, whylen, "%s: cannot fork: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(argv, o, outp[1], errp[1], execp[1]);
	close(execp[1]);
	execp[1] = -1;
	if (outp[1] != -1) {
		close(outp[1]);
		outp[1] = -1;
	}
	if (errp[1] != -1) {
		close(errp[1]);
		errp[1] = -1;
	}
	for (;;) {
		struct pollfd p[2];
		int n = 0;

		if (outp[0] != -1)
			p[n++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
		if (errp[0] != -1)
			p[n++] = (struct pollfd){.fd = errp[0], .events = POLLIN};
		if (n == 0)
			break;
		if (poll(p, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (p[i].fd == outp[0] && !drain(outp[0], o->out)) {
				close(outp[0]);
				outp[0] = -1;
			} else if (p[i].fd == errp[0] && !drain(errp[0], o->err)) {
				close(errp[0]);
				errp[0] = -1;
			}
		}
	}
	while (waitpid(pid, &wst, 0) == -1 && errno == EINTR)
		;
	if (read(execp[0], &e, sizeof e) == (ssize_t)sizeof e) {
		snprintf(why, whylen, "%s: %s", argv[0], e == ENOENT ? "not found" : strerror(e));
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
pr_proc_last_line(const char *text, char *out, size_t outlen)
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
