/*
 * pg.h: PostgreSQL backups with pg_dump and pg_restore, run through
 * fork/exec.  The password never appears in a child's argv: it is taken out
 * of the URL and handed over as PGPASSWORD in the child's environment only.
 */
#ifndef PR_PG_H
#define PR_PG_H

#include <stdbool.h>
#include <stddef.h>

/* A database URL split for safe use. */
struct pg_url {
	char *bare;	/* the URL without any password: given to pg_dump --dbname */
	char *redacted;	/* safe to print and store */
	char *dbname;	/* "" when the URL names none */
	char *password;	/* decoded, NULL when the URL has none */
	char *env;	/* "PGPASSWORD=..." for the child, NULL when none */
};

/*
 * Split url (postgres:// or postgresql://) as libpq reads it: the userinfo
 * ends at the '@' before the hosts ('?' does not end it; see
 * util_url_userinfo_end), %XX is decoded, and a password= parameter (its name
 * under any percent-encoding, such as p%61ssword) wins over the userinfo's.
 * A password holding '@' or '/' unencoded is taken whole where that is
 * unambiguous.  Refused (PR_INPUT): an '@' left in the database name (a
 * password's '/' unencoded), a parameter without '=', and sslpassword=
 * (libpq takes it from the connection string only, which is argv).  why
 * never quotes the URL.  Free with pg_url_free(), which wipes the secrets.
 */
int pg_url_parse(const char *url, struct pg_url *u, char *why, size_t whylen);
void pg_url_free(struct pg_url *u);

struct config;

/*
 * The database URL a program was given, as pr-snapshot and pr-rollback take
 * it: url (--database-url) first, else DATABASE_URL when set and not empty,
 * else the config's database.url.  When one is set it is parsed into *u (its
 * password masked in the Actions log) and *found is true; with none, *found
 * is false and 0 is returned.  Returns 0 or PR_INPUT (reported, naming
 * where to fix it); free *u with pg_url_free() when found.
 */
int pg_url_resolve(const char *url, const struct config *cfg, struct pg_url *u, bool *found);

/* Seconds libpq may take to connect (PGCONNECT_TIMEOUT, as a string). */
#define PR_PG_CONNECT_TIMEOUT_S "10"
/* Seconds one pg_dump or pg_restore may take in all, unless set. */
#define PR_PG_TIMEOUT_DEFAULT_S 3600.0

/* Bound every later pg_dump and pg_restore to seconds in all (0: no
 * bound); past it the child is stopped and the call fails with PR_EXTERNAL.
 * Paths reach them after "--", so a name starting with '-' is a name. */
void pg_set_timeout(double seconds);

/* The argv for pg_dump of u in custom format to stdout (static strings and
 * u's; caller frees the array only).  Exposed so tests can check it. */
char **pg_dump_argv(const struct pg_url *u);

/* Run pg_dump of u with its stdout on out_fd.  0, PR_EXTERNAL (pg_dump
 * missing or failed: why holds its last line of stderr). */
int pg_dump(const struct pg_url *u, int out_fd, char *why, size_t whylen);

/* pg_restore --list on dump_path: *entries is the number of TOC entries.
 * 0, PR_INPUT (not a custom-format dump), PR_EXTERNAL (no pg_restore). */
int pg_list(const char *dump_path, long *entries, char *why, size_t whylen);

/* pg_restore --clean --if-exists --single-transaction of dump_path into u.
 * 0 or PR_EXTERNAL; with a single transaction a failure changes nothing. */
int pg_restore(const struct pg_url *u, const char *dump_path, char *why, size_t whylen);

#endif
