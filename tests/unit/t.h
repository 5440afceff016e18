/*
 * t.h: the unit-test harness.  Each test is a function; CHECK records a
 * failure with its place and goes on.  Output is one line per test,
 * "ok NAME" or "not ok NAME: file:line: expression", which tests/run.sh
 * counts.
 *
 *	static void test_quantile_interpolates(void) { CHECK(...); }
 *	int main(void) { RUN(test_quantile_interpolates); return t_done(); }
 *
 * PR_TEST_RUN='glob ...' (space-separated fnmatch globs) runs only the tests
 * whose function name matches one: RUN does not call the others.
 * t_scratch() gives a test a directory of its own, removed by t_done()
 * unless PR_TEST_KEEP is set (then "# kept DIR" says where it is).
 */
#ifndef PR_T_H
#define PR_T_H

#include <fnmatch.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int t_failed_now, t_passed, t_failed;
static char t_why[512];

#define CHECK(cond) do { \
	if (!(cond) && !t_failed_now) { \
		t_failed_now = 1; \
		snprintf(t_why, sizeof t_why, "%s:%d: %s", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_NEAR(a, b, tol) do { \
	double t_a_ = (a), t_b_ = (b); \
	if (!(fabs(t_a_ - t_b_) <= (tol)) && !t_failed_now) { \
		t_failed_now = 1; \
		snprintf(t_why, sizeof t_why, "%s:%d: %s = %.9g, expected %.9g within %g", \
		    __FILE__, __LINE__, #a, t_a_, t_b_, (double)(tol)); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	if ((!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) && !t_failed_now) { \
		t_failed_now = 1; \
		snprintf(t_why, sizeof t_why, "%s:%d: %.80s = \"%.200s\", expected \"%.200s\"", \
		    __FILE__, __LINE__, #a, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} \
} while (0)

#define RUN(fn) t_run(#fn, fn)

/* True when PR_TEST_RUN is unset or one of its globs matches name. */
static inline int
t_selected(const char *name)
{
	const char *sel = getenv("PR_TEST_RUN");
	char glob[256];

	if (!sel || !*sel)
		return 1;
	while (*sel) {
		size_t n = strcspn(sel, " \t");

		if (n > 0 && n < sizeof glob) {
			memcpy(glob, sel, n);
			glob[n] = '\0';
			if (fnmatch(glob, name, 0) == 0)
				return 1;
		}
		sel += n;
		sel += strspn(sel, " \t");
	}
	return 0;
}

static inline void
t_run(const char *name, void (*fn)(void))
{
	if (!t_selected(name))
		return;
	t_failed_now = 0;
	fn();
	if (t_failed_now) {
		printf("not ok %s: %s\n", name, t_why);
		t_failed++;
	} else {
		printf("ok %s\n", name);
		t_passed++;
	}
	fflush(stdout);
}

/*
 * t_stderr_capture() sends stderr to a temporary file until
 * t_stderr_text() puts it back and returns what was written there (a static
 * buffer, overwritten by the next call): for checking the one-line errors
 * that functions report.
 */
static FILE *t_err_file;
static int t_err_saved = -1;

static inline void
t_stderr_capture(void)
{
	fflush(stderr);
	t_err_file = tmpfile();
	t_err_saved = dup(STDERR_FILENO);
	if (t_err_file)
		dup2(fileno(t_err_file), STDERR_FILENO);
}

static inline const char *
t_stderr_text(void)
{
	static char text[4096];
	size_t n = 0;

	fflush(stderr);
	dup2(t_err_saved, STDERR_FILENO);
	close(t_err_saved);
	if (t_err_file) {
		rewind(t_err_file);
		n = fread(text, 1, sizeof text - 1, t_err_file);
		fclose(t_err_file);
		t_err_file = NULL;
	}
	text[n] = '\0';
	return text;
}

/*
 * t_server_start() runs a fixture server, argv[0] a script under
 * $PR_ROOT/tests/fixtures run by python3 with argv[1...] and
 * "--port-file port_path" after them, and waits up to T_SERVER_START_MS for
 * it to write its port.  Returns its pid with "http://127.0.0.1:PORT" in
 * url, or -1.  t_server_stop() ends it.
 */
#define T_SERVER_START_MS 10000
#define T_SERVER_MAX_ARGS 16

static inline pid_t
t_server_start(const char *const *argv, const char *port_path, char *url, size_t urllen)
{
	const char *root = getenv("PR_ROOT");
	char script[512];
	const char *args[T_SERVER_MAX_ARGS + 5] = { "python3", script };
	size_t n = 2;
	pid_t pid;

	snprintf(script, sizeof script, "%s/tests/fixtures/%s", root ? root : ".", argv[0]);
	for (size_t i = 1; argv[i] && i <= T_SERVER_MAX_ARGS; i++)
		args[n++] = argv[i];
	args[n++] = "--port-file";
	args[n++] = port_path;
	if ((pid = fork()) == 0) {
		execv("/usr/bin/python3", (char *const *)args);
		_exit(127);
	}
	for (int waited_ms = 0; pid > 0 && waited_ms < T_SERVER_START_MS; waited_ms += 50) {
		struct timespec pause = { 0, 50 * 1000 * 1000 };
		FILE *f = fopen(port_path, "r");
		int port = 0;

		if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
			fclose(f);
			snprintf(url, urllen, "http://127.0.0.1:%d", port);
			return pid;
		}
		if (f)
			fclose(f);
		nanosleep(&pause, NULL);
	}
	if (pid > 0)
		kill(pid, SIGKILL), waitpid(pid, NULL, 0);
	return -1;
}

static inline void
t_server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A fixed pseudo-random sequence for tests that draw samples: the same
 * numbers on every machine and run.  t_rand_seed(n) starts it over;
 * t_rand_uniform() is in (0, 1), t_rand_gauss() standard normal
 * (Box-Muller).  A 64-bit LCG (Knuth's MMIX constants), top 53 bits.
 */
static unsigned long long t_rand_state;

static inline void
t_rand_seed(unsigned long long seed)
{
	t_rand_state = seed;
}

static inline double
t_rand_uniform(void)
{
	t_rand_state = t_rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((double)(t_rand_state >> 11) + 0.5) / 9007199254740992.0;
}

static inline double
t_rand_gauss(void)
{
	return sqrt(-2 * log(t_rand_uniform())) * cos(2 * M_PI * t_rand_uniform());
}

/*
 * A scratch directory for this test binary (made on first use, the same
 * path after), or NULL when it cannot be made.  t_done() removes it.
 */
static char t_scratch_path[256];

static inline const char *
t_scratch(void)
{
	if (!*t_scratch_path) {
		snprintf(t_scratch_path, sizeof t_scratch_path, "%s/pr-unit.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(t_scratch_path)) {
			*t_scratch_path = '\0';
			return NULL;
		}
	}
	return t_scratch_path;
}

static inline int
t_done(void)
{
	if (*t_scratch_path) {
		const char *keep = getenv("PR_TEST_KEEP");

		if (keep && *keep) {
			printf("# kept %s\n", t_scratch_path);
		} else {
			char *argv[] = {"rm", "-rf", t_scratch_path, NULL};
			pid_t pid = fork();

			/* rm -rf rather than a tree walk: the harness stays small. */
			if (pid == 0) {
				execvp(argv[0], argv);
				_exit(127);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
	}
	return t_failed ? 1 : 0;
}

#endif
