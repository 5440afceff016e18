/* pg.c: pg_dump and pg_restore with the password kept out of argv. */
#include "pg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "proc.h"
#include "util.h"

#define DUMP_ARGC 6

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode n bytes of s into a new string. */
static char *
decode(const char *s, size_t n)
{
	struct buf b = {0};

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			buf_addc(&b, (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
			i += 2;
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return buf_detach(&b);
}

void
pr_pg_url_free(struct pr_pg_url *u)
{
	free(u->bare);
	free(u->redacted);
	free(u->dbname);
	if (u->password)
		memset(u->password, 0, strlen(u->password));
	free(u->password);
	if (u->env)
		memset(u->env, 0, strlen(u->env));
	free(u->env);
	memset(u, 0, sizeof *u);
}

int
pr_pg_url_parse(const char *url, struct pr_pg_url *u, char *why, size_t whylen)
{
	struct buf bare = {0};
	const char *rest, *auth_end, *at, *colon, *slash, *q;

	memset(u, 0, sizeof *u);
	if (strncmp(url, "postgres://", 11) == 0)
		rest = url + 11;
	else if (strncmp(url, "postgresql://", 13) == 0)
		rest = url + 13;
	else {
		snprintf(why, whylen, "database URL must start with postgres:// or postgresql://");
		return PR_INPUT;
	}
	buf_add(&bare, url, (size_t)(rest - url));
	auth_end = rest + strcspn(rest, "/?");
	at = memrchr(rest, '@', (size_t)(auth_end - rest));
	if (at) {
		colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon) {
			u->password = decode(colon + 1, (size_t)(at - colon - 1));
			buf_add(&bare, rest, (size_t)(colon - rest));
		} else {
			buf_add(&bare, rest, (size_t)(at - rest));
		}
		buf_addc(&bare, '@');
		rest = at + 1;
	}
	buf_add(&bare, rest, (size_t)(auth_end - rest));
	slash = *auth_end == '/' ? auth_end : NULL;
	q = strchr(auth_end, '?');
	if (slash) {
		size_t n = q ? (size_t)(q - slash - 1) : strlen(slash + 1);

		u->dbname = decode(slash + 1, n);
		buf_add(&bare, slash, n + 1);
	} else {
		u->dbname = xstrdup("");
	}
	if (q) {
		/* keep every parameter except password=, which moves to the env */
		const char *p = q + 1;
		bool first = true;

		while (*p) {
			size_t n = strcspn(p, "&");

			if (n > 9 && strncmp(p, "password=", 9) == 0) {
				free(u->password);
				u->password = decode(p + 9, n - 9);
			} else if (n) {
				buf_addc(&bare, first ? '?' : '&');
				buf_add(&bare, p, n);
				first = false;
			}
			p += n;
			if (*p == '&')
				p++;
		}
	}
	u->bare = buf_detach(&bare);
	u->redacted = pr_redact_url(u->bare);
	if (u->password) {
		struct buf e = {0};

		buf_printf(&e, "PGPASSWORD=%s", u->password);
		u->env = buf_detach(&e);
	}
	return PR_OK;
}

char **
pr_pg_dump_argv(const struct pr_pg_url *u)
{
	char **argv = xcalloc(DUMP_ARGC + 1, sizeof *argv);
	int n = 0;

	argv[n++] = "pg_dump";
	argv[n++] = "--format=custom";
	argv[n++] = "--no-password";
	argv[n++] = "--dbname";
	argv[n++] = u->bare;
	argv[n] = NULL;
	return argv;
}

/* How long one pg_dump or pg_restore may take in all (pr_pg_set_timeout). */
static double pg_timeout_s = PR_PG_TIMEOUT_DEFAULT_S;

void
pr_pg_set_timeout(double seconds)
{
	pg_timeout_s = seconds;
}

/* Run argv with u's password in the child's environment.  libpq waits for
 * a server that accepts and never answers for ever unless told: the child
 * gets PGCONNECT_TIMEOUT unless the environment sets one (a connect_timeout
 * in the URL wins over both), and the whole run is bounded by pg_timeout_s. */
static int
run_pg(char **argv, const struct pr_pg_url *u, int out_fd, struct buf *out, char *why, size_t whylen)
{
	const char *env[3] = {NULL, NULL, NULL};
	struct buf err = {0};
	struct pr_proc_opts o = {.env_add = env, .stdout_fd = out_fd, .out = out, .err = &err,
	    .timeout_ms = pg_timeout_s * 1e3};
	const char *ct = getenv("PGCONNECT_TIMEOUT");
	int status, rc, n = 0;

	if (u && u->env)
		env[n++] = u->env;
	if (!ct || !*ct)
		env[n++] = "PGCONNECT_TIMEOUT=" PR_PG_CONNECT_TIMEOUT_S;

	rc = pr_proc_run(argv, &o, &status, why, whylen);
	if (rc == PR_OK && status != 0) {
		char line[PR_WHY_LEN];

		pr_proc_last_line(err.data, line, sizeof line);
		snprintf(why, whylen, "%s exited %d: %s", argv[0], status, *line ? line : "no message");
		rc = PR_EXTERNAL;
	}
	buf_free(&err);
	return rc;
}

int
pr_pg_dump(const struct pr_pg_url *u, int out_fd, char *why, size_t whylen)
{
	char **argv = pr_pg_dump_argv(u);
	int rc = run_pg(argv, u, out_fd, NULL, why, whylen);

	free(argv);
	return rc;
}

int
pr_pg_list(const char *dump_path, long *entries, char *why, size_t whylen)
{
	char *argv[] = {"pg_restore", "--list", "--", (char *)dump_path, NULL};
	struct buf out = {0};
	int rc = run_pg(argv, NULL, 0, &out, why, whylen);
	long n = 0;

	if (rc == PR_OK) {
		for (char *line = out.data; line && *line;) {
			char *nl = strchr(line, '\n');

			if (*line != ';' && *line != '\n')
				n++;
			line = nl ? nl + 1 : line + strlen(line);
		}
		*entries = n;
	} else if (strstr(why, "exited")) {
		rc = PR_INPUT;
	}
	buf_free(&out);
	return rc;
}

int
pr_pg_restore(const struct pr_pg_url *u, const char *dump_path, char *why, size_t whylen)
{
	char *argv[] = {"pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-password",
	    "--exit-on-error", "--dbname", u->bare, "--", (char *)dump_path, NULL};

	return run_pg(argv, u, 0, NULL, why, whylen);
}
