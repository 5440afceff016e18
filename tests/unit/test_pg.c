/* test_pg.c: database URLs are split so the password never reaches argv. */
#include <stdlib.h>

#include "err.h"
#include "pg.h"
#include "proc.h"
#include "t.h"

static void
test_password_moves_to_environment(void)
{
	struct pr_pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pr_pg_url_parse("postgres://app:s%3Acret@db.example:5433/shop?sslmode=require", &u, why, sizeof why) == 0);
	CHECK_STR(u.bare, "postgres://app@db.example:5433/shop?sslmode=require");
	CHECK_STR(u.password, "s:cret");
	CHECK_STR(u.env, "PGPASSWORD=s:cret");
	CHECK_STR(u.dbname, "shop");
	CHECK(strstr(u.redacted, "cret") == NULL);
	pr_pg_url_free(&u);
}

static void
test_password_parameter_removed(void)
{
	struct pr_pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pr_pg_url_parse("postgresql://h/db?password=pw1&application_name=x", &u, why, sizeof why) == 0);
	CHECK_STR(u.bare, "postgresql://h/db?application_name=x");
	CHECK_STR(u.password, "pw1");
	pr_pg_url_free(&u);
}

static void
test_url_without_password(void)
{
	struct pr_pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pr_pg_url_parse("postgres://app@localhost", &u, why, sizeof why) == 0);
	CHECK(u.password == NULL && u.env == NULL);
	CHECK_STR(u.dbname, "");
	pr_pg_url_free(&u);
}

static void
test_dump_argv_has_no_password(void)
{
	struct pr_pg_url u;
	char why[PR_WHY_LEN];
	char **argv;
	int custom = 0;

	CHECK(pr_pg_url_parse("postgres://app:hunter2@db/shop", &u, why, sizeof why) == 0);
	argv = pr_pg_dump_argv(&u);
	for (char **a = argv; *a; a++) {
		CHECK(strstr(*a, "hunter2") == NULL);
		custom += strcmp(*a, "--format=custom") == 0;
	}
	CHECK(custom == 1);
	free(argv);
	pr_pg_url_free(&u);
}

static void
test_other_schemes_refused(void)
{
	struct pr_pg_url u;
	char why[PR_WHY_LEN];

	CHECK(pr_pg_url_parse("mysql://a:b@c/d", &u, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "b@") == NULL);
}

int
main(void)
{
	RUN(test_password_moves_to_environment);
	RUN(test_password_parameter_removed);
	RUN(test_url_without_password);
	RUN(test_dump_argv_has_no_password);
	RUN(test_other_schemes_refused);
	return t_done();
}
