/* pr.c: see pr.h. */
#include "pr.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct {
	char name[64];
	bool github;
	bool color;
	bool tty;
	bool quiet;
	FILE *log;
	int log_errno;		/* the first write to the log that failed, 0 when none */
	char log_path[PATH_MAX];
} pr = { .name = "pr-tools" };

void
pr_init(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;
	const char *gh = getenv("GITHUB_ACTIONS");
	const char *nc = getenv("NO_COLOR");

	if (argv0)
		snprintf(pr.name, sizeof pr.name, "%s", base ? base + 1 : argv0);
	pr.github = gh && strcmp(gh, "true") == 0;
	pr.tty = isatty(STDERR_FILENO);
	pr.color = pr.tty && !(nc && *nc);
}

const char *pr_progname(void) { return pr.name; }
bool pr_in_github(void) { return pr.github; }
bool pr_color(void) { return pr.color; }
bool pr_progress_ok(void) { return pr.tty && !pr.quiet; }
void pr_set_quiet(bool quiet) { pr.quiet = quiet; }
const char *pr_log_path(void) { return pr.log ? pr.log_path : NULL; }

static void
log_line(const char *level, const char *msg)
{
	char stamp[32];
	time_t now;
	struct tm tm;

	if (!pr.log)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((fprintf(pr.log, "%s %s %s\n", stamp, level, msg) < 0 || fflush(pr.log) == EOF) && !pr.log_errno)
		pr.log_errno = errno ? errno : EIO;
}

/* An annotation's message may not hold a raw newline; GitHub wants %0A. */
static void
annotate(const char *kind, const char *msg)
{
	fprintf(stderr, "::%s title=%s::", kind, pr.name);
	for (const char *p = msg; *p; p++) {
		if (*p == '%')
			fputs("%25", stderr);
		else if (*p == '\n')
			fputs("%0A", stderr);
		else if (*p == '\r')
			fputs("%0D", stderr);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

enum say_kind { SAY_ERROR, SAY_WARNING, SAY_NOTE, SAY_LOG };

/*
 * An error or warning is one line, whatever it quotes (a setting name from
 * a file, a server's refusal): control characters are shown escaped, so a
 * line break cannot split it and an escape sequence cannot reach a terminal.
 */
static void
one_line(char *out, size_t outlen, const char *msg)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)msg; *p && n + 5 < outlen; p++) {
		if (*p == '\n')
			n += (size_t)snprintf(out + n, outlen - n, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
}

/*
 * Format one message and send it where its kind goes: stderr (errors and
 * warnings always, notes unless quiet, log lines never), a GitHub
 * annotation for errors and warnings, and the log file for all.
 */
static void
say(enum say_kind kind, const char *fmt, va_list ap)
{
	static const char *const level[] = { "error", "warning", "info", "info" };
	char raw[4096], msg[sizeof raw + 64];

	vsnprintf(raw, sizeof raw, fmt, ap);
	if (kind == SAY_ERROR || kind == SAY_WARNING)
		one_line(msg, sizeof msg, raw);
	else
		snprintf(msg, sizeof msg, "%s", raw);
	if (kind == SAY_WARNING)
		fprintf(stderr, "%s: warning: %s\n", pr.name, msg);
	else if (kind == SAY_ERROR || (kind == SAY_NOTE && !pr.quiet))
		fprintf(stderr, "%s: %s\n", pr.name, msg);
	if (pr.github && (kind == SAY_ERROR || kind == SAY_WARNING))
		annotate(level[kind], msg);
	log_line(level[kind], msg);
}

int
pr_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(SAY_ERROR, fmt, ap);
	va_end(ap);
	return code;
}

void
pr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(SAY_WARNING, fmt, ap);
	va_end(ap);
}

void
pr_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(SAY_NOTE, fmt, ap);
	va_end(ap);
}

void
pr_log(const char *fmt, ...)
{
	va_list ap;

	if (!pr.log)
		return;
	va_start(ap, fmt);
	say(SAY_LOG, fmt, ap);
	va_end(ap);
}

int
pr_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pr_error(PR_USAGE, "%s (see '%s --help')", msg, pr.name);
}

int
pr_getopt_other(int c, const char *usage, char *const argv[])
{
	if (c == 'h') {
		fputs(usage, stdout);
		exit(PR_OK);
	}
	if (c == 'V') {
		printf("%s %s\n", pr.name, PR_VERSION);
		exit(PR_OK);
	}
	return pr_getopt_error(c, argv);
}

int
pr_getopt_error(int c, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char shown[64];

	/* For a short option in a cluster, argv[optind - 1] is the cluster. */
	if (optopt && (strncmp(arg, "--", 2) != 0))
		snprintf(shown, sizeof shown, "-%c", optopt);
	else
		snprintf(shown, sizeof shown, "%.*s", (int)strcspn(arg, "="), arg);
	if (c == ':')
		return pr_usage_error("option '%s' needs an argument", shown);
	return pr_usage_error("unknown option '%s'", shown);
}

/* dir/alias-STAMP.log, a link to the log just opened (dir/name-STAMP.log). */
static void
log_alias(const char *dir, const char *alias, const char *stamp)
{
	char link[PATH_MAX];
	const char *base = strrchr(pr.log_path, '/') + 1;

	snprintf(link, sizeof link, "%s/%s-%s.log", dir, alias, stamp);
	/* a run in the same second appends to the same log: its link is there */
	if (symlink(base, link) == -1 && errno != EEXIST)
		pr_warn("cannot link %s to the log: %s", link, strerror(errno));
}

int
pr_log_open(const char *dir, const char *name, const char *alias, bool force)
{
	const char *env = getenv("QA_LOG");
	char stamp[32];
	time_t now;
	struct tm tm;

	if (!force && !(env && strcmp(env, "1") == 0))
		return PR_OK;
	if (!dir)
		dir = "logs";
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return pr_error(PR_EXTERNAL, "cannot create log directory %s: %s (check permissions or unset QA_LOG)",
		    dir, strerror(errno));
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(pr.log_path, sizeof pr.log_path, "%s/%s-%s.log", dir, name, stamp);
	pr.log = fopen(pr.log_path, "a");
	if (!pr.log)
		return pr_error(PR_EXTERNAL, "cannot open log %s: %s (check permissions or unset QA_LOG)",
		    pr.log_path, strerror(errno));
	/* a first line now, so that a full disk stops the run before it starts */
	pr_log("%s %s started", pr.name, PR_VERSION);
	if (pr.log_errno)
		return pr_log_close();
	if (alias)
		log_alias(dir, alias, stamp);
	return PR_OK;
}

int
pr_log_close(void)
{
	int e = pr.log_errno;

	if (!pr.log)
		return PR_OK;
	if (fclose(pr.log) == EOF && !e)
		e = errno ? errno : EIO;
	pr.log = NULL;
	pr.log_errno = 0;
	if (e)
		return pr_error(PR_EXTERNAL, "cannot write log %s: %s (free some space or unset QA_LOG)",
		    pr.log_path, strerror(e));
	return PR_OK;
}
