/*
 * qa.h: post-deployment verification checks: loading them from the "qa"
 * section of pr-tools.json (or from flags), running them over HTTP with
 * bounded retries, judging their expectations, carrying captured values from
 * one check to the next, and judging a canary watch.
 *
 * Two kinds of placeholder live in a check's "url", header values, "body"
 * and the strings of "json".  ${VAR} is the environment (checked when the
 * config is loaded, config.h); {{name}} is a value captured by an earlier
 * check.  Both are filled in together, in one pass, when the check runs, so
 * neither kind's output is read again: an environment value holding
 * "{{x}}", or a captured value holding "${X}", stays text.  A reference to a
 * name no earlier check captures is a config error.
 *
 * Captured values and the config's secrets (secret-named header values and
 * JSON body fields) never appear in the document, on stderr, in the log or
 * in JUnit: a failure never quotes a response value that is, or holds, one
 * of them, and every message is scrubbed of them at the end.  A request
 * whose URL or headers hold a line break after filling in is not sent: the
 * check fails saying so (header injection).
 *
 * An SQL check ("sql" instead of "url") runs one statement against the
 * suite's database (qa_suite_set_database) through pgq.h: in a read-only
 * transaction with the check's timeout as statement_timeout, so that the
 * database itself refuses a write and stops a slow query.  Placeholders go
 * into "params" ($1, ...), never into the text.  It expects on the row
 * count, the first row's columns (equal, {"matches": REGEX}, {"exists":
 * B}, {"contains": S}), columns "between" bounds and "max_duration_ms";
 * it captures first-row columns ({"column": NAME}).  Only a connection
 * failure is tried again; the password is one of the secrets.
 *
 * A WebSocket check (a ws:// or wss:// "url") opens a connection
 * (wsclient.h: "protocol" websocket or socketio, "namespace"), sends
 * "message" ({{name}} and ${VAR} filled in; Socket.IO emits "event" with
 * it as the argument, JSON) and waits for the reply ("reply"; by default
 * the next message, or for Socket.IO the ack).  The expectations judge the
 * reply as they judge a response: "status" is the upgrade's (101 unless
 * given), "json" and "body_contains" the reply's text (an ack's is its
 * argument array, an event's its first argument), "max_latency_ms" the
 * round trip; captures take JSON paths of the reply.  It is not tried
 * again, and certificates are always verified.
 */
#ifndef PR_QA_H
#define PR_QA_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "pg.h"
#include "wsclient.h"

#define QA_TIMEOUT_S 10.0		/* per request, unless "timeout" says */
#define QA_RETRIES 2			/* extra attempts on connect errors and 5xx */
#define QA_BACKOFF_MS 100.0		/* first wait between attempts; doubles */
#define QA_P95_WARN_MS 500.0		/* runbook thresholds for --watch */
#define QA_P95_CRIT_MS 1000.0
#define QA_ERROR_WARN_PCT 1.0
#define QA_ERROR_CRIT_PCT 5.0

/* QA_CAP_COLUMN: a column of an SQL check's first row. */
enum qa_capture_kind { QA_CAP_JSON, QA_CAP_COOKIE, QA_CAP_HEADER, QA_CAP_COLUMN };

struct qa_capture {
	char *name;
	enum qa_capture_kind kind;
	char *source;			/* a JSON path, cookie name or header name */
};

/* How a JSON field, a header or a column is matched (QA_MATCHES, a POSIX
 * extended regular expression, for columns only). */
enum qa_match { QA_EQUALS, QA_EXISTS, QA_ABSENT, QA_CONTAINS, QA_MATCHES };

struct qa_field_expect {
	char *key;			/* JSON path or header name */
	enum qa_match match;
	cJSON *value;			/* for QA_EQUALS / QA_CONTAINS (owned) */
};

struct qa_check {
	char *name;
	char *method;
	char *url;			/* as written: may be relative, may hold {{name}} */
	char **header_lines;		/* "Name: value" templates */
	size_t nheaders;
	char *body;			/* "body" text or "json" serialised; NULL for none */
	cJSON *json;			/* "json" body template (owned), or NULL */
	long *statuses;			/* accepted statuses; none means any 2xx */
	size_t nstatuses;
	struct qa_field_expect *json_expect;
	size_t njson_expect;
	struct qa_field_expect *header_expect;
	size_t nheader_expect;
	char *body_contains;
	double max_latency_ms;		/* 0 for no limit */
	double timeout_s;		/* 0 for the suite's */
	struct qa_capture *captures;
	size_t ncaptures;
	/* An SQL check (sql set; method "SQL", url unused): */
	char *sql;			/* one statement, run read-only */
	char **params;			/* $1... as templates ({{name}}, ${VAR}) */
	size_t nparams;
	long expect_rows;		/* -1 for any number */
	struct qa_field_expect *column_expect;	/* on the first row */
	size_t ncolumn_expect;
	struct qa_between *between;
	size_t nbetween;
	/* "indexes_still_valid": the indexes a snapshot manifest records as
	 * valid ("schema.name"), each of which must still be (sql is then the
	 * index list query). */
	char *indexes_from;		/* the manifest's path */
	char **valid_before;
	size_t nvalid_before;
	/* A WebSocket check (url ws:// or wss://): what it sends and awaits,
	 * its message a template; NULL for HTTP and SQL checks. */
	struct wsclient_spec *ws;
};

/* A column of the first row that must be a number within [lo, hi]. */
struct qa_between {
	char *column;
	double lo, hi;			/* -HUGE_VAL / HUGE_VAL when open */
};

struct qa_suite {
	char *base_url;			/* NULL when every URL is absolute */
	double timeout_s;
	struct qa_check *checks;
	size_t n;
	char **secrets;			/* config values no message may quote */
	size_t nsecrets;
	struct pg_url db;		/* for SQL checks (qa_suite_set_database) */
	bool have_db;
};

/*
 * Fill s from the "qa" section (an object) of the config named cfgname.
 * Every field is checked; errors are one line naming the config and the
 * field ("pr-tools.json: qa.checks[2].expect.status: ...").  Returns 0 or
 * PR_INPUT.  Free s with qa_suite_free() either way.
 */
int qa_suite_load(const cJSON *section, const char *cfgname, struct qa_suite *s);

/*
 * Add a GET check named name for url expecting status (0 for any 2xx), as
 * --check NAME=URL does.  Returns 0 or PR_USAGE (reported) when the name is
 * empty or already used, or the URL is relative with no base URL.
 */
int qa_suite_add(struct qa_suite *s, const char *name, const char *url, long status);

/*
 * The database the SQL checks of s ask (url: DATABASE_URL, else the
 * config's database.url; may be NULL).  Its password joins the secrets no
 * message quotes, and reaches libpq only as a connection keyword.
 * Without SQL checks in s, url is not looked at.  PR_INPUT (reported) when
 * s has SQL checks and url is NULL or not a database URL.
 */
int qa_suite_set_database(struct qa_suite *s, const char *url);

void qa_suite_free(struct qa_suite *s);

enum qa_outcome { QA_PASS, QA_FAIL, QA_ERROR, QA_SKIPPED };

struct qa_result {
	long status;			/* 0 when no response arrived */
	double latency_ms;		/* of the final attempt; < 0 when not run */
	enum qa_outcome outcome;
	char **failures;		/* one-line reasons, never holding secrets */
	size_t nfailures;
	const char **captured;		/* names (borrowed from the suite) */
	size_t ncaptured;
	int attempts;
	bool unreachable;		/* the target refused or could not be resolved */
	char *shown_url;		/* resolved template, redacted */
};

struct qa_opts {
	int retries;			/* extra attempts; 0 for none */
	double backoff_ms;
};

/* Every request made, for a watch's error rate and p95. */
struct qa_requests {
	double *latency_ms;
	bool *error;			/* no response, a 5xx, or a failed check */
	size_t n, cap;
};

struct qa_report {
	struct qa_result *results;	/* one per check, in order */
	size_t n;
	size_t passed, failed, errors, skipped;
	bool unreachable;		/* every check that ran could not connect */
};

/*
 * Run every check of s in order, appending each request to reqs (may be
 * NULL).  Captured values live only inside this call.  Returns 0; the
 * verdict is in r.  Free r with qa_report_free().
 */
int qa_run(const struct qa_suite *s, const struct qa_opts *o, struct qa_report *r, struct qa_requests *reqs);
void qa_report_free(struct qa_report *r);
void qa_requests_free(struct qa_requests *q);

/* "pass", "fail", "error" or "skipped". */
const char *qa_outcome_name(enum qa_outcome o);

/*
 * Add "checks" and "summary" for r to doc.  Returns 0.
 */
int qa_report_to_json(const struct qa_suite *s, const struct qa_report *r, cJSON *doc);

struct qa_thresholds {
	double p95_warn_ms, p95_crit_ms;
	double error_warn_pct, error_crit_pct;
};

enum qa_level { QA_LEVEL_OK, QA_LEVEL_WARNING, QA_LEVEL_CRITICAL };

struct qa_watch {
	size_t rounds;
	size_t requests, errors;
	double error_rate;		/* errors / requests, 0..1 */
	double p95_ms;
	enum qa_level level;
	char reasons[2][160];		/* why the level is not ok */
	size_t nreasons;
};

/*
 * Judge the requests of a watch against t: a value over a critical
 * threshold is critical, else over a warning threshold is a warning.
 */
void qa_watch_judge(const struct qa_requests *q, size_t rounds, const struct qa_thresholds *t, struct qa_watch *w);

const char *qa_level_name(enum qa_level l);

/* The watch as a JSON object (caller owns). */
cJSON *qa_watch_to_json(const struct qa_watch *w, const struct qa_thresholds *t, double duration_s, double interval_s);

/*
 * Replace each {{name}} in tmpl with its value from names/values (n pairs)
 * and each ${VAR} with the environment's, in one pass; "$${" is a literal
 * "${".  values NULL keeps every {{name}} as written (a template to show).
 * Returns a new string (caller frees), or NULL when a placeholder has no
 * value, with *missing pointing at it in tmpl ("{{name}}" or "${VAR}",
 * *missing_len bytes).
 */
char *qa_expand(const char *tmpl, char *const *names, char *const *values, size_t n,
    const char **missing, size_t *missing_len);

#endif
