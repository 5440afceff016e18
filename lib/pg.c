/* pg.c: pg_dump and pg_restore with the password kept out of argv. */
#include "pg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "proc.h"
#include "util.h"

#define DUMP_ARGC 6

int
pg_url_resolve(const char *url, const struct config *cfg, struct pg_url *u, bool *found)
{
	char why[PR_WHY_LEN];
	const char *env = getenv("DATABASE_URL");
	const cJSON *dbsec;
	bool from_config = false;
	int rc;

	*found = false;
	if (!url && env && *env)
		url = env;
	if (!url && (dbsec = config_section(cfg, "database"))) {
		if (doc_get_string(dbsec, "url", PR_OPTIONAL, cfg->name, &url) != PR_OK)
			return PR_INPUT;
		from_config = url != NULL;
	}
	if (!url)
		return 0;
	/* name where the URL came from: the config's is not fixed by a flag */
	if ((rc = pg_url_parse(url, u, why, sizeof why)) != PR_OK && from_config)
		return pr_error(rc, "%s: database.url: %s", cfg->name, why);
	if (rc != PR_OK)
		return pr_error(rc, "database URL: %s (fix --database-url or DATABASE_URL)", why);
	gha_mask(u->password);
	*found = true;
	return 0;
}

void
pg_url_free(struct pg_url *u)
{
	free(u->bare);
	free(u->redacted);
	free(u->dbname);
	if (u->password)
		explicit_bzero(u->password, strlen(u->password));
	free(u->password);
	if (u->env)
		explicit_bzero(u->env, strlen(u->env));
	free(u->env);
	memset(u, 0, sizeof *u);
}

/* Set *dst to a decoded secret, wiping the one it replaces. */
static void
set_secret(char **dst, const char *s, size_t n)
{
	if (*dst)
		explicit_bzero(*dst, strlen(*dst));
	free(*dst);
	*dst = n ? util_percent_decode(s, n) : NULL;
}

/* Append s percent-encoded but for RFC 3986's unreserved characters. */
static void
add_encoded(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s))
			buf_addc(b, *s);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

/* user[:password] in [p, at): the user, re-encoded, goes to bare. */
static void
take_userinfo(struct pg_url *u, const char *p, const char *at, struct buf *bare)
{
	const char *colon = memchr(p, ':', (size_t)(at - p));
	const char *uend = colon ? colon : at;
	char *user = util_percent_decode(p, (size_t)(uend - p));

	if (colon)
		set_secret(&u->password, colon + 1, (size_t)(at - colon - 1));
	if (*user) {
		add_encoded(bare, user);
		buf_addc(bare, '@');
	}
	free(user);
}

/*
 * The query at p (after '?'): password= (under any percent-encoding of its
 * name) moves to the environment, every other parameter stays in bare.
 * Returns 0 or PR_INPUT; why never quotes a value.
 */
static int
take_params(struct pg_url *u, const char *p, struct buf *bare, char *why, size_t whylen)
{
	bool first = true;

	for (int i = 1; *p; i++) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		char *name = eq ? util_percent_decode(p, (size_t)(eq - p)) : NULL;
		int rc = PR_OK;

		if (!eq && n) {
			snprintf(why, whylen, "query parameter %d has no '=' (write name=value, and "
			    "percent-encode '@', '/' and '?' in the password)", i);
			rc = PR_INPUT;
		} else if (name && strcasecmp(name, "password") == 0) {
			/* libpq's names are lower case; any case moves here,
			 * rather than reaching argv for libpq to refuse. */
			set_secret(&u->password, eq + 1, n - (size_t)(eq + 1 - p));
		} else if (name && strcasecmp(name, "sslpassword") == 0) {
			/* libpq reads it from the connection string only, and
			 * that is pg_dump's command line. */
			snprintf(why, whylen, "sslpassword= cannot be passed on without showing it on pg_dump's "
			    "command line (decrypt the client key, or use a key without a passphrase)");
			rc = PR_INPUT;
		} else if (n) {
			buf_addc(bare, first ? '?' : '&');
			buf_add(bare, p, n);
			first = false;
		}
		free(name);
		if (rc)
			return rc;
		p += n;
		if (*p == '&')
			p++;
	}
	return PR_OK;
}

int
pg_url_parse(const char *url, struct pg_url *u, char *why, size_t whylen)
{
	struct buf bare = {0};
	const char *authority, *at, *host, *path;
	int rc = PR_OK;

	memset(u, 0, sizeof *u);
	if (strncmp(url, "postgres://", 11) == 0)
		authority = url + 11;
	else if (strncmp(url, "postgresql://", 13) == 0)
		authority = url + 13;
	else {
		snprintf(why, whylen, "database URL must start with postgres:// or postgresql://");
		return PR_INPUT;
	}
	buf_add(&bare, url, (size_t)(authority - url));
	at = util_url_userinfo_end(authority, true);
	if (at)
		take_userinfo(u, authority, at, &bare);
	host = at ? at + 1 : authority;
	path = host + strcspn(host, "/?");
	buf_add(&bare, host, (size_t)(path - host));
	if (*path == '/') {
		size_t n = strcspn(path + 1, "?");

		/* Only a password that held '/' unencoded puts an '@' here. */
		if (memchr(path + 1, '@', n)) {
			snprintf(why, whylen, "an '@' after the host (percent-encode '/' and '@' in the password "
			    "and the database name as %%2F and %%40)");
			rc = PR_INPUT;
			goto out;
		}
		u->dbname = util_percent_decode(path + 1, n);
		buf_add(&bare, path, n + 1);
		path += n + 1;
	} else {
		u->dbname = xstrdup("");
	}
	if (*path == '?' && (rc = take_params(u, path + 1, &bare, why, whylen)) != PR_OK)
		goto out;
	u->bare = buf_detach(&bare);
	u->redacted = util_redact_url(u->bare);
	if (u->password) {
		struct buf e = {0};

		buf_printf(&e, "PGPASSWORD=%s", u->password);
		u->env = buf_detach(&e);
	}
out:
	buf_free(&bare);
	if (rc)
		pg_url_free(u);
	return rc;
}

char **
pg_dump_argv(const struct pg_url *u)
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

/* How long one pg_dump or pg_restore may take in all (pg_set_timeout). */
static double pg_timeout_s = PR_PG_TIMEOUT_DEFAULT_S;

void
pg_set_timeout(double seconds)
{
	pg_timeout_s = seconds;
}

/* Run argv with u's password in the child's environment.  libpq waits for
 * a server that accepts and never answers for ever unless told: the child
 * gets PGCONNECT_TIMEOUT unless the environment sets one (a connect_timeout
 * in the URL wins over both), and the whole run is bounded by pg_timeout_s. */
static int
run_pg(char **argv, const struct pg_url *u, int out_fd, struct buf *out, char *why, size_t whylen)
{
	const char *env[3] = {NULL, NULL, NULL};
	struct buf err = {0};
	struct proc_opts o = {.env_add = env, .stdout_fd = out_fd, .out = out, .err = &err,
	    .timeout_ms = pg_timeout_s * 1e3};
	const char *ct = getenv("PGCONNECT_TIMEOUT");
	int status, rc, n = 0;

	if (u && u->env)
		env[n++] = u->env;
	if (!ct || !*ct)
		env[n++] = "PGCONNECT_TIMEOUT=" PR_PG_CONNECT_TIMEOUT_S;

	rc = proc_run(argv, &o, &status, why, whylen);
	if (rc == PR_OK && status != 0) {
		char line[PR_WHY_LEN];

		proc_last_line(err.data, line, sizeof line);
		snprintf(why, whylen, "%s exited %d: %s", argv[0], status, *line ? line : "no message");
		rc = PR_EXTERNAL;
	}
	buf_free(&err);
	return rc;
}

int
pg_dump(const struct pg_url *u, int out_fd, char *why, size_t whylen)
{
	char **argv = pg_dump_argv(u);
	int rc = run_pg(argv, u, out_fd, NULL, why, whylen);

	free(argv);
	return rc;
}

int
pg_list(const char *dump_path, long *entries, char *why, size_t whylen)
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
pg_restore(const struct pg_url *u, const char *dump_path, char *why, size_t whylen)
{
	char *argv[] = {"pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-password",
	    "--exit-on-error", "--dbname", u->bare, "--", (char *)dump_path, NULL};

	return run_pg(argv, u, 0, NULL, why, whylen);
}
