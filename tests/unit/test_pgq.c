/* test_pgq.c: splitting a rollback script into statements, and which
 * statements must run outside a transaction. */
#include "pr.h"
#include "pgq.h"
#include "t.h"

/* Split s; the statements' texts joined with " | " and lines with ",". */
static int
split(const char *s, char *texts, size_t tlen, char *lines, size_t llen)
{
	struct pgq_sql_stmt *st;
	size_t n, tused = 0, lused = 0;
	char why[128];
	int rc = pgq_sql_split(s, &st, &n, why, sizeof why);

	texts[0] = lines[0] = '\0';
	if (rc != PR_OK) {
		snprintf(texts, tlen, "%s", why);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		tused += (size_t)snprintf(texts + tused, tlen - tused, "%s%s", i ? " | " : "", st[i].text);
		lused += (size_t)snprintf(lines + lused, llen - lused, "%s%ld", i ? "," : "", st[i].line);
	}
	pgq_sql_stmts_free(st, n);
	return PR_OK;
}

static void
test_split_at_semicolons_with_lines(void)
{
	char t[200], l[32];

	CHECK(split("DROP INDEX a;\n\nDROP INDEX b;\nSELECT 1", t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "DROP INDEX a | DROP INDEX b | SELECT 1");
	CHECK_STR(l, "1,3,4");
}

static void
test_semicolons_inside_quotes_and_comments(void)
{
	char t[200], l[32];

	CHECK(split("SELECT 'a;b', 'it''s;';\n-- x; y\nSELECT \"c;\"\"d\";\n/* p; /* nested; */ q; */ SELECT 2;",
	    t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "SELECT 'a;b', 'it''s;' | SELECT \"c;\"\"d\" | SELECT 2");
	CHECK_STR(l, "1,3,4");
}

static void
test_dollar_quotes(void)
{
	char t[200], l[32];

	CHECK(split("DO $$ BEGIN PERFORM 1; END $$;\nDO $body$ x; $$ y; $body$;\nSELECT $1;", t, sizeof t, l,
	    sizeof l) == PR_OK);
	CHECK_STR(t, "DO $$ BEGIN PERFORM 1; END $$ | DO $body$ x; $$ y; $body$ | SELECT $1");
	CHECK_STR(l, "1,2,3");
	/* an identifier holding $ does not open a quote */
	CHECK(split("SELECT a$b$ FROM t; SELECT 2", t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "SELECT a$b$ FROM t | SELECT 2");
}

static void
test_escape_strings(void)
{
	char t[200], l[32];

	CHECK(split("SELECT E'a\\';b'; SELECT 'c\\'; SELECT 3", t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "SELECT E'a\\';b' | SELECT 'c\\' | SELECT 3");
}

static void
test_empty_statements_and_comments_dropped(void)
{
	char t[200], l[32];

	CHECK(split(";;\n-- only a comment\n;  /* and */ ;\n\nSELECT 1 -- trailing\n;",
	    t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "SELECT 1 -- trailing");
	CHECK_STR(l, "5");
	CHECK(split("", t, sizeof t, l, sizeof l) == PR_OK);
	CHECK_STR(t, "");
}

static void
test_unterminated_named_with_line(void)
{
	char t[200], l[32];

	CHECK(split("SELECT 1;\nSELECT 'open;\n", t, sizeof t, l, sizeof l) == PR_INPUT);
	CHECK_STR(t, "line 2: a string that never ends");
	CHECK(split("SELECT 1;\n\n/* open", t, sizeof t, l, sizeof l) == PR_INPUT);
	CHECK_STR(t, "line 3: a comment that never ends");
	CHECK(split("DO $x$ body $y$;", t, sizeof t, l, sizeof l) == PR_INPUT);
	CHECK_STR(t, "line 1: a dollar-quoted string that never ends");
}

static void
test_no_transaction_statements(void)
{
	CHECK(pgq_sql_no_transaction("DROP INDEX CONCURRENTLY IF EXISTS a"));
	CHECK(pgq_sql_no_transaction("create index concurrently a on t (x)"));
	CHECK(pgq_sql_no_transaction("REINDEX INDEX CONCURRENTLY a"));
	CHECK(pgq_sql_no_transaction("VACUUM ANALYZE t"));
	CHECK(pgq_sql_no_transaction("vacuum"));
	CHECK(pgq_sql_no_transaction("CREATE DATABASE x"));
	CHECK(pgq_sql_no_transaction("ALTER SYSTEM SET work_mem = '8MB'"));
	CHECK(!pgq_sql_no_transaction("DROP INDEX a"));
	CHECK(!pgq_sql_no_transaction("SELECT 'CONCURRENTLY'"));
	CHECK(!pgq_sql_no_transaction("DROP INDEX a -- not CONCURRENTLY"));
	CHECK(!pgq_sql_no_transaction("DROP INDEX \"concurrently\""));
	CHECK(!pgq_sql_no_transaction("SELECT vacuum FROM t"));
	CHECK(!pgq_sql_no_transaction("ALTER TABLE t ADD COLUMN system int"));
}

int
main(void)
{
	RUN(test_split_at_semicolons_with_lines);
	RUN(test_semicolons_inside_quotes_and_comments);
	RUN(test_dollar_quotes);
	RUN(test_escape_strings);
	RUN(test_empty_statements_and_comments_dropped);
	RUN(test_unterminated_named_with_line);
	RUN(test_no_transaction_statements);
	return t_done();
}
