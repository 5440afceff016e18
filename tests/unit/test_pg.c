/* test_pg.c: database URLs are split so the password never reaches argv. */
#include <stdlib.h>
#include <string.h>

#include "pr.h"
#include "pg.h"
#include "proc.h"
#include "t.h"

static void
test_password_moves_to_environment(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pg_url_parse("postgres://app:s%3Acret@db.example:5433/shop?sslmode=require", &u, why, sizeof why) == 0);
	CHECK_STR(u.bare, "postgres://app@db.example:5433/shop?sslmode=require");
	CHECK_STR(u.password, "s:cret");
	CHECK_STR(u.env, "PGPASSWORD=s:cret");
	CHECK_STR(u.dbname, "shop");
	CHECK(strstr(u.redacted, "cret") == NULL);
	pg_url_free(&u);
}

static void
test_password_parameter_removed(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pg_url_parse("postgresql://h/db?password=pw1&application_name=x", &u, why, sizeof why) == 0);
	CHECK_STR(u.bare, "postgresql://h/db?application_name=x");
	CHECK_STR(u.password, "pw1");
	pg_url_free(&u);
}

static void
test_url_without_password(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pg_url_parse("postgres://app@localhost", &u, why, sizeof why) == 0);
	CHECK(u.password == NULL && u.env == NULL);
	CHECK_STR(u.dbname, "");
	pg_url_free(&u);
}

static void
test_dump_argv_has_no_password(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];
	char **argv;
	int custom = 0;

	CHECK(pg_url_parse("postgres://app:hunter2@db/shop", &u, why, sizeof why) == 0);
	argv = pg_dump_argv(&u);
	for (char **a = argv; *a; a++) {
		CHECK(strstr(*a, "hunter2") == NULL);
		custom += strcmp(*a, "--format=custom") == 0;
	}
	CHECK(custom == 1);
	free(argv);
	pg_url_free(&u);
}

static void
test_other_schemes_refused(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pg_url_parse("mysql://a:b@c/d", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "b@") == NULL);
}

/* Parse url; true when it parses, the password decodes to pw, bare (argv)
 * and redacted (shown) hold no trace of it, and bare is want_bare. */
static int
splits(const char *url, const char *pw, const char *want_bare)
{
	struct pg_url u;
	char why[PR_WHY_LEN];
	int ok;

	if (pg_url_parse(url, &u, why, sizeof why) != PR_OK)
		return 0;
	ok = u.password && strcmp(u.password, pw) == 0 && strcmp(u.bare, want_bare) == 0 &&
	    !strstr(u.bare, "Pa") && !strstr(u.redacted, "Pa") &&
	    u.env && strcmp(u.env + strlen("PGPASSWORD="), pw) == 0;
	pg_url_free(&u);
	return ok;
}

/* libpq ends the userinfo at the first '@' before a '/' ('?' does not end
 * it), decodes %XX, and reads password= under any encoding of its name. */
static void
test_password_forms_as_libpq_reads_them(void)
{
	CHECK(splits("postgres://u:Pa?ss@db:5432/app", "Pa?ss", "postgres://u@db:5432/app"));
	CHECK(splits("postgres://u:Pa?ss@db:5432/app?sslmode=require", "Pa?ss",
	    "postgres://u@db:5432/app?sslmode=require"));
	CHECK(splits("postgres://u:Pa%3Fs%40s%2F%25x@db/app", "Pa?s@s/%x", "postgres://u@db/app"));
	CHECK(splits("postgresql://u@db/app?application_name=a&password=Pa%3Fss", "Pa?ss",
	    "postgresql://u@db/app?application_name=a"));
	CHECK(splits("postgres://u@db/app?p%61ssword=Pa%26ss&sslmode=disable", "Pa&ss",
	    "postgres://u@db/app?sslmode=disable"));
	CHECK(splits("postgres://u@db/app?PASSWORD=Pass", "Pass", "postgres://u@db/app"));
	CHECK(splits("postgres://u:old@db/app?password=Pa-ss", "Pa-ss", "postgres://u@db/app"));
}

/* Where libpq would fail (an unencoded '@' or '/' in the password), the
 * password still never shows: it is taken whole, or the URL is refused. */
static void
test_unencoded_at_and_slash_in_password(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(splits("postgres://u:Pa@ss@db:5432/app", "Pa@ss", "postgres://u@db:5432/app"));
	CHECK(splits("postgres://u:Pa/ss@db:5432/app", "Pa/ss", "postgres://u@db:5432/app"));
	/* '@' then '/' unencoded: the first '@' ends it as in libpq, and the
	 * rest of the password would land in the path: refused, not shown. */
	CHECK(pg_url_parse("postgres://u:Pa@s/s@db/app", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "Pa") == NULL && strstr(why, "s/s") == NULL);
	/* A numeric password with '/' reads as host:port: refused, not shown. */
	CHECK(pg_url_parse("postgres://u:1234/ss@db/app", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "1234") == NULL);
	/* '@' in a query value is not a userinfo. */
	CHECK(pg_url_parse("postgres://db/app?application_name=a@b", &u, why, sizeof why) == PR_OK);
	CHECK_STR(u.bare, "postgres://db/app?application_name=a@b");
	CHECK(u.password == NULL);
	pg_url_free(&u);
}

static void
test_sslpassword_refused_unquoted(void)
{
	struct pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pg_url_parse("postgres://u@db/app?sslpassword=Pa-ss", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "Pa-ss") == NULL);
	CHECK(pg_url_parse("postgres://u@db/app?ssl%70assword=Pa-ss", &u, why, sizeof why) == PR_INPUT);
	CHECK(pg_url_parse("postgres://u@db/app?Pa-ss", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "Pa-ss") == NULL);
}

int
main(void)
{
	RUN(test_password_moves_to_environment);
	RUN(test_password_parameter_removed);
	RUN(test_url_without_password);
	RUN(test_dump_argv_has_no_password);
	RUN(test_other_schemes_refused);
	RUN(test_password_forms_as_libpq_reads_them);
	RUN(test_unencoded_at_and_slash_in_password);
	RUN(test_sslpassword_refused_unquoted);
	return t_done();
}
