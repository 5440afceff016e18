/* pgq.c: see pgq.h. */
#include "pgq.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "buf.h"
#include "pr.h"
#include "util.h"

/* Type OIDs (pg_type.dat) whose values become JSON booleans and numbers. */
#define BOOLOID 16
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define OIDOID 26
#define FLOAT4OID 700
#define FLOAT8OID 701
#define NUMERICOID 1700

#define SQLSTATE_READ_ONLY "25006"	/* read_only_sql_transaction */
#define SQLSTATE_CANCELED "57014"	/* query_canceled: statement_timeout */
#define INDEXES_TIMEOUT_MS 30000.0
#define MIN_CONNECT_TIMEOUT_S 1

/* libpq prints notices ("index ... does not exist, skipping") on stderr
 * unless told: they go to the log instead. */
static void
log_notice(void *arg, const char *message)
{
	(void)arg;
	pr_log("postgres: %.*s", (int)strcspn(message, "\n"), message);
}

/* The first line of msg into why, cut before the password should libpq
 * ever quote it. */
static void
set_why(char *why, size_t whylen, const char *prefix, const char *msg, const char *password)
{
	char *hit;

	snprintf(why, whylen, "%s%.*s", prefix, (int)strcspn(msg, "\n"), msg);
	if (password && *password && (hit = strstr(why, password)))
		snprintf(hit, whylen - (size_t)(hit - why), "(secret)");
}

int
pgq_connect(const struct pg_url *u, double connect_timeout_s, struct pg_conn **conn, char *why,
    size_t whylen)
{
	const char *keys[5], *values[5];
	char timeout[16];
	PGconn *c;
	int n = 0;

	snprintf(timeout, sizeof timeout, "%d", connect_timeout_s < MIN_CONNECT_TIMEOUT_S ? MIN_CONNECT_TIMEOUT_S :
	    (int)ceil(connect_timeout_s));
	/* libpq applies keywords in order: the URL (dbname, expanded) comes
	 * after connect_timeout, so a connect_timeout in the URL wins. */
	keys[n] = "connect_timeout", values[n++] = timeout;
	keys[n] = "dbname", values[n++] = u->bare;
	keys[n] = "fallback_application_name", values[n++] = "pr-tools";
	if (u->password)
		keys[n] = "password", values[n++] = u->password;
	keys[n] = NULL, values[n] = NULL;
	c = PQconnectdbParams(keys, values, 1);
	if (!c) {
		snprintf(why, whylen, "out of memory");
		return PR_EXTERNAL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		set_why(why, whylen, "", PQerrorMessage(c), u->password);
		PQfinish(c);
		return PR_EXTERNAL;
	}
	PQsetNoticeProcessor(c, log_notice, NULL);
	*conn = (struct pg_conn *)c;
	return PR_OK;
}

void
pgq_close(struct pg_conn *conn)
{
	if (conn)
		PQfinish((PGconn *)conn);
}

void
pgq_result_free(struct pgq_result *r)
{
	for (size_t i = 0; i < r->ncols; i++)
		free(r->columns[i]);
	free(r->columns);
	cJSON_Delete(r->rows);
	memset(r, 0, sizeof *r);
}

const cJSON *
pgq_value(const struct pgq_result *r, size_t row, const char *name)
{
	for (size_t i = 0; i < r->ncols; i++)
		if (strcmp(r->columns[i], name) == 0)
			return cJSON_GetArrayItem(cJSON_GetArrayItem(r->rows, (int)row), (int)i);
	return NULL;
}

/* A failed result's kind, with why "ERROR 25006: message". */
static enum pgq_fail
result_fail(PGconn *c, const PGresult *res, char *why, size_t whylen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char prefix[32];

	if (PQstatus(c) != CONNECTION_OK) {
		set_why(why, whylen, "connection lost: ", PQerrorMessage(c), NULL);
		return PR_PGQ_CONNECT;
	}
	snprintf(prefix, sizeof prefix, "ERROR %s: ", state ? state : "?");
	set_why(why, whylen, prefix, msg ? msg : PQerrorMessage(c), NULL);
	if (state && strcmp(state, SQLSTATE_CANCELED) == 0)
		return PR_PGQ_TIMEOUT;
	if (state && strcmp(state, SQLSTATE_READ_ONLY) == 0)
		return PR_PGQ_READ_ONLY;
	return PR_PGQ_ERROR;
}

enum pgq_fail
pgq_exec(struct pg_conn *conn, const char *sql, char *why, size_t whylen)
{
	PGconn *c = (PGconn *)conn;
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	enum pgq_fail f = PR_PGQ_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		f = result_fail(c, res, why, whylen);
	PQclear(res);
	return f;
}

/* A value as JSON, typed by its column's type. */
static cJSON *
json_value(const PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);
	char *end;
	double d;

	if (PQgetisnull(res, row, col))
		return cJSON_CreateNull();
	switch (PQftype(res, col)) {
	case BOOLOID:
		return cJSON_CreateBool(strcmp(v, "t") == 0);
	case INT2OID: case INT4OID: case INT8OID: case OIDOID:
	case FLOAT4OID: case FLOAT8OID: case NUMERICOID:
		d = strtod(v, &end);
		if (*v && !*end && isfinite(d))
			return cJSON_CreateNumber(d);
		break;		/* NaN, Infinity: as text */
	}
	return cJSON_CreateString(v);
}

static void
take_result(const PGresult *res, struct pgq_result *r)
{
	int ncols = PQnfields(res), nrows = PQntuples(res);

	r->ncols = (size_t)ncols;
	r->columns = xcalloc(r->ncols + 1, sizeof *r->columns);
	for (int i = 0; i < ncols; i++)
		r->columns[i] = xstrdup(PQfname(res, i));
	r->rows = cJSON_CreateArray();
	r->nrows = (size_t)nrows;
	for (int row = 0; row < nrows; row++) {
		cJSON *a = cJSON_CreateArray();

		for (int col = 0; col < ncols; col++)
			cJSON_AddItemToArray(a, json_value(res, row, col));
		cJSON_AddItemToArray(r->rows, a);
	}
}

enum pgq_fail
pgq_query_ro(struct pg_conn *conn, const char *sql, const char *const *params, size_t nparams,
    double timeout_ms, struct pgq_result *r, char *why, size_t whylen)
{
	PGconn *c = (PGconn *)conn;
	char set[64];
	enum pgq_fail f;
	PGresult *res;
	double t0;

	memset(r, 0, sizeof *r);
	/* The transaction, not the text, keeps the query from writing; SET
	 * LOCAL ends with it. */
	snprintf(set, sizeof set, "SET LOCAL statement_timeout = %.0f", ceil(timeout_ms));
	if ((f = pgq_exec(conn, "BEGIN READ ONLY", why, whylen)) != PR_PGQ_OK)
		return f;
	if ((f = pgq_exec(conn, set, why, whylen)) != PR_PGQ_OK)
		goto out;
	t0 = util_mono_ms();
	/* The extended protocol: exactly one statement, so no "COMMIT; ..." */
	res = PQexecParams(c, sql, (int)nparams, NULL, (const char *const *)params, NULL, NULL, 0);
	r->duration_ms = util_mono_ms() - t0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK)
		take_result(res, r);
	else
		f = result_fail(c, res, why, whylen);
	PQclear(res);
out:
	if (PQstatus(c) == CONNECTION_OK) {
		char ignored[256];

		pgq_exec(conn, "ROLLBACK", ignored, sizeof ignored);
	}
	return f;
}

const char pgq_indexes_sql[] =
    "SELECT n.nspname AS schema, t.relname AS table, c.relname AS name, i.indisvalid AS valid, "
    "i.indisunique AS unique FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
    "ORDER BY 1, 3";

int
pgq_indexes(struct pg_conn *conn, cJSON **indexes, char *why, size_t whylen)
{
	struct pgq_result r;
	cJSON *out;

	if (pgq_query_ro(conn, pgq_indexes_sql, NULL, 0, INDEXES_TIMEOUT_MS, &r, why, whylen) != PR_PGQ_OK)
		return PR_EXTERNAL;
	out = cJSON_CreateArray();
	for (size_t row = 0; row < r.nrows; row++) {
		cJSON *o = cJSON_CreateObject();

		for (size_t col = 0; col < r.ncols; col++) {
			const cJSON *v = pgq_value(&r, row, r.columns[col]);

			cJSON_AddItemToObject(o, r.columns[col], cJSON_Duplicate(v, true));
		}
		cJSON_AddItemToArray(out, o);
	}
	pgq_result_free(&r);
	*indexes = out;
	return PR_OK;
}

/* ---- the script scanner ------------------------------------------------ */

static bool
ident_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* Count the line breaks in [p, end). */
static long
lines_in(const char *p, const char *end)
{
	long n = 0;

	for (; p < end; p++)
		n += *p == '\n';
	return n;
}

/* The length of a dollar-quote tag at p ("$$", "$body$"), or 0 when p does
 * not start one ("$1" is a parameter; "a$b" an identifier). */
static size_t
dollar_tag(const char *start, const char *p)
{
	size_t n = 1;

	if (*p != '$' || (p > start && ident_char(p[-1])))
		return 0;
	if (isdigit((unsigned char)p[1]))
		return 0;
	while (p[n] && p[n] != '$' && (isalnum((unsigned char)p[n]) || p[n] == '_' || (unsigned char)p[n] >= 0x80))
		n++;
	return p[n] == '$' ? n + 1 : 0;
}

/*
 * When p starts a quote or comment, the end of it (past its closing
 * characters); p itself otherwise.  NULL when it does not end.
 */
static const char *
skip_quoted(const char *start, const char *p)
{
	size_t tag;

	if (p[0] == '-' && p[1] == '-')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		int depth = 1;

		for (p += 2; *p && depth; p++) {
			if (p[0] == '/' && p[1] == '*')
				depth++, p++;
			else if (p[0] == '*' && p[1] == '/')
				depth--, p++;
		}
		return depth ? NULL : p;
	}
	if (*p == '\'' || *p == '"') {
		char q = *p;
		/* E'...' takes backslash escapes; standard strings do not. */
		bool esc = q == '\'' && p > start && (p[-1] == 'E' || p[-1] == 'e') &&
		    (p - 1 == start || !ident_char(p[-2]));

		for (p++; *p; p++) {
			if (esc && *p == '\\' && p[1])
				p++;
			else if (*p == q && p[1] == q)
				p++;
			else if (*p == q)
				return p + 1;
		}
		return NULL;
	}
	if ((tag = dollar_tag(start, p)) > 0) {
		const char *close = p + tag;

		for (; *close; close++)
			if (*close == '$' && strncmp(close, p, tag) == 0)
				return close + tag;
		return NULL;
	}
	return p;
}

static void
add_stmt(struct pgq_sql_stmt **out, size_t *n, const char *from, const char *to, long line)
{
	while (to > from && isspace((unsigned char)to[-1]))
		to--;
	if (to == from)
		return;
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[*n].text = strndup(from, (size_t)(to - from));
	(*out)[*n].line = line;
	(*out)[*n].no_transaction = pgq_sql_no_transaction((*out)[*n].text);
	(*n)++;
}

int
pgq_sql_split(const char *script, struct pgq_sql_stmt **out, size_t *n, char *why, size_t whylen)
{
	const char *p = script, *from = NULL;
	long line = 1, from_line = 0;

	*out = NULL;
	*n = 0;
	while (*p) {
		const char *q = skip_quoted(script, p);

		if (!q) {
			snprintf(why, whylen, "line %ld: a %s that never ends", line,
			    *p == '-' || *p == '/' ? "comment" : *p == '$' ? "dollar-quoted string" :
			    *p == '"' ? "quoted identifier" : "string");
			pgq_sql_stmts_free(*out, *n);
			*out = NULL, *n = 0;
			return PR_INPUT;
		}
		if (q != p) {
			/* A comment before a statement is not part of it. */
			if (!from && !(p[0] == '-' && p[1] == '-') && !(p[0] == '/' && p[1] == '*'))
				from = p, from_line = line;
			line += lines_in(p, q);
			p = q;
			continue;
		}
		if (*p == ';') {
			if (from)
				add_stmt(out, n, from, p, from_line);
			from = NULL;
		} else if (!from && !isspace((unsigned char)*p)) {
			from = p, from_line = line;
		}
		line += *p == '\n';
		p++;
	}
	if (from)
		add_stmt(out, n, from, p, from_line);
	return PR_OK;
}

void
pgq_sql_stmts_free(struct pgq_sql_stmt *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].text);
	free(s);
}

/* The i-th word (0-based) of stmt outside quotes and comments, upper-cased
 * into w; false when there is none.  With i < 0, true when any word is w. */
static bool
word_at(const char *stmt, int i, char *w, size_t wlen)
{
	const char *p = stmt;
	int k = 0;

	while (*p) {
		const char *q = skip_quoted(stmt, p);
		size_t len = 0;

		if (!q)
			return false;
		if (q != p) {
			p = q;
			continue;
		}
		if (!isalpha((unsigned char)*p) && *p != '_') {
			p++;
			continue;
		}
		while (ident_char(p[len]))
			len++;
		if (i < 0) {
			if (len == strlen(w) && strncasecmp(p, w, len) == 0)
				return true;
		} else if (k++ == i) {
			snprintf(w, wlen, "%.*s", (int)len, p);
			for (char *c = w; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			return true;
		}
		p += len;
	}
	return false;
}

bool
pgq_sql_no_transaction(const char *stmt)
{
	static const char *const pairs[][2] = {
		{"CREATE", "DATABASE"}, {"DROP", "DATABASE"}, {"CREATE", "TABLESPACE"},
		{"DROP", "TABLESPACE"}, {"ALTER", "SYSTEM"},
	};
	char first[32] = "", second[32] = "", concurrently[] = "CONCURRENTLY";

	if (word_at(stmt, -1, concurrently, sizeof concurrently))
		return true;
	word_at(stmt, 0, first, sizeof first);
	word_at(stmt, 1, second, sizeof second);
	if (strcmp(first, "VACUUM") == 0)
		return true;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (strcmp(first, pairs[i][0]) == 0 && strcmp(second, pairs[i][1]) == 0)
			return true;
	return false;
}
