/*
 * pgq.h: talking to PostgreSQL in-process with libpq, for the steps that ask
 * the database something or change it a little: pr-qa's SQL checks,
 * pr-snapshot's index list and pr-rollback --sql.  (Whole-database dumps
 * and restores stay with pg_dump and pg_restore: pg.h.)
 *
 * Why libpq and not psql: results arrive typed (a boolean is a boolean, a
 * NULL is not the text "NULL") with no output to parse; one connection
 * holds the read-only transaction and the statement timeout the client set,
 * so no SQL text can undo them; a query is sent with the extended protocol,
 * which takes exactly one statement ("COMMIT; DELETE ..." is refused by the
 * server); and no child process means no argv at all.
 *
 * The password reaches libpq as the "password" connection keyword, from the
 * URL parsed by pg_url_parse (or PGPASSWORD, which libpq reads itself):
 * it is never put into a connection string and never printed; an error
 * text that would hold it anyway is cut before it is shown.
 */
#ifndef PR_PGQ_H
#define PR_PGQ_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "pg.h"

struct pg_conn;			/* libpq's PGconn, kept out of callers' headers */

/* How a call failed, for retries and messages. */
enum pgq_fail {
	PR_PGQ_OK = 0,
	PR_PGQ_CONNECT,		/* no connection (refused, auth, no such database) */
	PR_PGQ_TIMEOUT,		/* statement_timeout cancelled the statement */
	PR_PGQ_READ_ONLY,	/* the statement tried to write (SQLSTATE 25006) */
	PR_PGQ_ERROR,		/* any other error the server reported */
};

/*
 * Connect to u, giving up after connect_timeout_s (at least 1 s, libpq's
 * unit).  0 and *conn, or PR_EXTERNAL with why (no password in it).
 */
int pgq_connect(const struct pg_url *u, double connect_timeout_s, struct pg_conn **conn, char *why,
    size_t whylen);
void pgq_close(struct pg_conn *conn);

/* One query's result: every value typed as JSON (booleans, numbers, null,
 * else strings), rows of ncols columns. */
struct pgq_result {
	char **columns;		/* ncols names */
	size_t ncols;
	cJSON *rows;		/* array of arrays, each ncols values */
	size_t nrows;
	double duration_ms;	/* the query alone, from sending to the last row */
};

void pgq_result_free(struct pgq_result *r);

/* The value of column name in row (NULL when there is no such column or row). */
const cJSON *pgq_value(const struct pgq_result *r, size_t row, const char *name);

/*
 * Run sql, one statement with nparams text parameters ($1 ...), in a
 * read-only transaction (BEGIN READ ONLY) with statement_timeout set to
 * timeout_ms, then roll it back: whatever the statement is, the database
 * itself refuses to write.  Returns PR_PGQ_OK with *res filled, or the kind
 * of failure with why ("ERROR 25006: cannot execute ... in a read-only
 * transaction").
 */
enum pgq_fail pgq_query_ro(struct pg_conn *conn, const char *sql, const char *const *params, size_t nparams,
    double timeout_ms, struct pgq_result *res, char *why, size_t whylen);

/* Run one statement as it is (autocommit, or inside a transaction the
 * caller began with "BEGIN").  PR_PGQ_OK or the failure with why. */
enum pgq_fail pgq_exec(struct pg_conn *conn, const char *sql, char *why, size_t whylen);

/*
 * Every index of the database outside the system schemas, ordered by
 * schema and name, as an array of {"schema", "table", "name", "valid",
 * "unique"} ("valid" is pg_index.indisvalid: false for an index whose
 * concurrent build failed).  0 or PR_EXTERNAL with why.
 */
int pgq_indexes(struct pg_conn *conn, cJSON **indexes, char *why, size_t whylen);

/* The query pgq_indexes runs: columns schema, table, name, valid, unique. */
extern const char pgq_indexes_sql[];

/* ---- splitting a script into statements -------------------------------- */

struct pgq_sql_stmt {
	char *text;		/* the statement, trimmed, without its ';' */
	long line;		/* 1-based line of its first character */
	bool no_transaction;	/* CONCURRENTLY, VACUUM, ...: must run alone */
};

/*
 * Split script into statements at the semicolons that end them: not inside
 * '...', E'...', "...", $tag$...$tag$, -- comments or nested block
 * comments.  Empty statements are dropped.  0 with *out (caller frees with
 * pgq_sql_stmts_free), or PR_INPUT with why naming the line of an
 * unterminated quote or comment.
 */
int pgq_sql_split(const char *script, struct pgq_sql_stmt **out, size_t *n, char *why, size_t whylen);
void pgq_sql_stmts_free(struct pgq_sql_stmt *s, size_t n);

/*
 * True for a statement PostgreSQL refuses inside a transaction block: any
 * with the word CONCURRENTLY outside quotes and comments (CREATE/DROP INDEX,
 * REINDEX, DETACH PARTITION), VACUUM, CREATE/DROP DATABASE, CREATE/DROP
 * TABLESPACE, ALTER SYSTEM.
 */
bool pgq_sql_no_transaction(const char *stmt);

#endif
