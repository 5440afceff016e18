/* util.c: see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define CAPTURE_MAX_BYTES 65536

void
pr_rfc3339_now(char out[PR_RFC3339_LEN])
{
	const char *fixed = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);
	long epoch;
	struct tm tm;

	if (fixed && pr_parse_long(fixed, 0, 253402300799L, &epoch) == 0)
		now = (time_t)epoch;
	gmtime_r(&now, &tm);
	strftime(out, PR_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double
pr_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
pr_sleep_ms(double ms)
{
	struct timespec ts;

	if (!(ms > 0))
		return;
	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Length of the decimal number s starts with: an optional '-', digits and,
 * with fraction, one '.' and an exponent ("1e-30").  strtod and strtol also
 * take hex ("0x10" is 16), "inf", "nan", a '+' and leading space, which no
 * option means; callers check that the number is all of s (or is followed
 * by a unit).
 */
static size_t
decimal_len(const char *s, bool fraction)
{
	size_t n = *s == '-', digits = strspn(s + n, "0123456789");

	n += digits;
	if (fraction && s[n] == '.') {
		size_t more = strspn(s + n + 1, "0123456789");

		if (digits + more == 0)
			return 0;
		n += 1 + more;
		digits += more;
	}
	if (fraction && digits && (s[n] == 'e' || s[n] == 'E')) {
		size_t sign = s[n + 1] == '-' || s[n + 1] == '+', exp = strspn(s + n + 1 + sign, "0123456789");

		if (exp)
			n += 1 + sign + exp;
	}
	return digits ? n : 0;
}

int
pr_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || decimal_len(s, true) != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
pr_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || decimal_len(s, false) != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
pr_parse_duration(const char *s, double *seconds)
{
	static const struct { const char *suffix; double scale; } units[] = {
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "", 1 },
	};
	char *end;
	double v;

	if (!s || !*s || *s == '-' || decimal_len(s, true) == 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + decimal_len(s, true) || !isfinite(v) || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			*seconds = v * units[i].scale;
			return 0;
		}
	}
	return -1;
}

bool
pr_is_secret_name(const char *name)
{
	static const char *const secret[] = {
		"authorization", "proxy-authorization", "cookie", "set-cookie",
		"x-api-key", "api-key", "apikey", "api_key", "x-ms-blob-sas",
		"sig", "signature", "token", "access_token", "id_token",
		"refresh_token", "key", "secret", "client_secret", "password",
		"passwd", "pwd", "code", "x-functions-key", "ocp-apim-subscription-key",
	};

	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (strcasecmp(name, secret[i]) == 0)
			return true;
	return false;
}

char *
pr_redact_url(const char *url)
{
	struct buf out = {0};
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *path_start = host + strcspn(host, "/?#");
	const char *at = NULL, *q;

	/* user:password@ ends at the last '@' before the path. */
	for (const char *p = host; p < path_start; p++)
		if (*p == '@')
			at = p;
	buf_add(&out, url, (size_t)(host - url));
	buf_adds(&out, at ? at + 1 : host);
	if (!(q = strchr(out.data, '?')))
		return buf_detach(&out);

	/* Rewrite the query in place of the copy. */
	{
		struct buf red = {0};
		const char *p = q + 1;

		buf_add(&red, out.data, (size_t)(q - out.data) + 1);
		while (*p && *p != '#') {
			size_t len = strcspn(p, "&#");
			const char *eq = memchr(p, '=', len);
			char name[64];
			size_t nlen = eq ? (size_t)(eq - p) : len;

			snprintf(name, sizeof name, "%.*s", (int)(nlen < 63 ? nlen : 63), p);
			if (eq && pr_is_secret_name(name)) {
				buf_add(&red, p, nlen + 1);
				buf_adds(&red, "REDACTED");
			} else {
				buf_add(&red, p, len);
			}
			p += len;
			if (*p == '&')
				buf_addc(&red, *p++);
		}
		buf_adds(&red, p);
		buf_free(&out);
		return buf_detach(&red);
	}
}

char *
pr_run_capture(char *const argv[])
{
	struct buf out = {0};
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) == -1)
		return NULL;
	pid = fork();
	if (pid == -1) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", 0);

		dup2(fds[1], STDOUT_FILENO);
		if (null != -1)
			dup2(null, STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n;

		buf_grow(&out, 4096);
		n = read(fds[0], out.data + out.len, 4096);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.len += (size_t)n;
		out.data[out.len] = '\0';
		if (out.len > CAPTURE_MAX_BYTES)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !out.data) {
		buf_free(&out);
		return NULL;
	}
	while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r' ||
	    out.data[out.len - 1] == ' '))
		out.data[--out.len] = '\0';
	return buf_detach(&out);
}
