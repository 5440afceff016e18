/* qa.c: see qa.h. */
#include "qa.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "http.h"
#include "jsonpath.h"
#include "manifest.h"
#include "pgq.h"
#include "stats.h"
#include "util.h"

#define CAPTURE_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
#define VAR_NAME_CHARS CAPTURE_NAME_CHARS
#define VAR_NAME_MAX 128
#define SECRET_SCRUB_MIN UTIL_SCRUB_MIN	/* shorter secrets are hidden only when a value equals them */
#define SECRET_SHOWN UTIL_SCRUB_SHOWN
#define HEADER_VALUE_MAX 8192
#define SHOWN_VALUE_MAX 60		/* response values quoted in failures */
#define STATUS_MIN 100
#define STATUS_MAX 599
#define MAX_BACKOFF_MS 2000.0
#define HTTP_SWITCHING_PROTOCOLS 101	/* a WebSocket upgrade's status */

/* ---- placeholders ---------------------------------------------------- */

/* The value of {{name}} (name is len bytes), or NULL when none. */
static const char *
capture_value(const char *name, size_t len, char *const *names, char *const *values, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
			return values[i];
	return NULL;
}

/* The value of ${name} (name is len bytes), or NULL when unset. */
static const char *
env_value(const char *name, size_t len)
{
	char var[VAR_NAME_MAX];

	if (len >= sizeof var)
		return NULL;
	memcpy(var, name, len);
	var[len] = '\0';
	return getenv(var);
}

char *
qa_expand(const char *tmpl, char *const *names, char *const *values, size_t n,
    const char **missing, size_t *missing_len)
{
	struct buf out = {0};
	const char *p = tmpl;

	/* One pass: what a placeholder puts in is never read again. */
	while (*p) {
		const char *ph = p + strcspn(p, "${");
		const char *val;
		size_t len, plen;

		buf_add(&out, p, (size_t)(ph - p));
		if (!*ph)
			break;
		if (strncmp(ph, "$${", 3) == 0) {
			buf_adds(&out, "${");
			p = ph + 3;
			continue;
		}
		if (strncmp(ph, "${", 2) == 0 && (len = strspn(ph + 2, VAR_NAME_CHARS)) > 0 && ph[2 + len] == '}') {
			plen = len + 3;
			val = env_value(ph + 2, len);
		} else if (strncmp(ph, "{{", 2) == 0 && (len = strspn(ph + 2, CAPTURE_NAME_CHARS)) > 0 &&
		    strncmp(ph + 2 + len, "}}", 2) == 0) {
			plen = len + 4;
			if (!values) {
				/* A template shown as written. */
				buf_add(&out, ph, plen);
				p = ph + plen;
				continue;
			}
			val = capture_value(ph + 2, len, names, values, n);
		} else {
			/* Not a placeholder: "{{" or "$" stays text. */
			plen = strncmp(ph, "{{", 2) == 0 ? 2 : 1;
			buf_add(&out, ph, plen);
			p = ph + plen;
			continue;
		}
		if (!val) {
			*missing = ph;
			*missing_len = plen;
			buf_free(&out);
			return NULL;
		}
		buf_adds(&out, val);
		p = ph + plen;
	}
	return buf_detach(&out);
}

/* ---- loading ------------------------------------------------------- */

/* The names captured so far while loading, to check references. */
struct known {
	char **names;
	size_t n;
};

static int
check_refs(const char *tmpl, const struct known *k, const char *ctx)
{
	const char *missing;
	size_t len;
	static char *const none[1];
	/* values never NULL here: every {{name}} must be known. */
	char *const *names = k->n ? k->names : none;
	char *v = qa_expand(tmpl, names, names, k->n, &missing, &len);

	if (v) {
		free(v);
		return PR_OK;
	}
	if (*missing == '$')
		return pr_error(PR_INPUT, "%s: environment variable %.*s is not set (export it before running)",
		    ctx, (int)len - 3, missing + 2);
	return pr_error(PR_INPUT, "%s: %.*s is not captured by an earlier check (add a \"capture\" "
	    "to a check before it, or use ${VAR} for the environment)", ctx, (int)len, missing);
}

static int
check_json_refs(const cJSON *node, const struct known *k, const char *ctx)
{
	int rc = PR_OK;

	if (cJSON_IsString(node))
		return check_refs(node->valuestring, k, ctx);
	for (const cJSON *it = node->child; it && rc == PR_OK; it = it->next)
		rc = check_json_refs(it, k, ctx);
	return rc;
}

static int
load_status(const cJSON *st, const char *ctx, struct qa_check *k)
{
	const char *want = "expected a number or an array of numbers";
	size_t n = 0;

	if (cJSON_IsNumber(st)) {
		n = 1;
	} else if (cJSON_IsArray(st)) {
		n = (size_t)cJSON_GetArraySize(st);
		if (n == 0)
			return pr_error(PR_INPUT, "%s.status: %s (the array is empty)", ctx, want);
	} else {
		return pr_error(PR_INPUT, "%s.status: %s", ctx, want);
	}
	k->statuses = xcalloc(n, sizeof *k->statuses);
	k->nstatuses = n;
	for (size_t i = 0; i < n; i++) {
		const cJSON *it = cJSON_IsArray(st) ? cJSON_GetArrayItem(st, (int)i) : st;
		double v = cJSON_IsNumber(it) ? it->valuedouble : -1;

		if (!cJSON_IsNumber(it))
			return pr_error(PR_INPUT, "%s.status: %s", ctx, want);
		if (v != floor(v) || v < STATUS_MIN || v > STATUS_MAX)
			return pr_error(PR_INPUT, "%s.status: %g is not an HTTP status (use %d to %d)",
			    ctx, v, STATUS_MIN, STATUS_MAX);
		k->statuses[i] = (long)v;
	}
	return PR_OK;
}

/*
 * A matcher is an object whose only key is "exists" (true/false), "contains"
 * (a string) or "equals" (any value); anything else is a value to equal.
 */
static int
load_match(const cJSON *v, const char *ctx, const char *key, bool strings_only, struct qa_field_expect *e)
{
	const cJSON *only = cJSON_IsObject(v) && v->child && !v->child->next ? v->child : NULL;

	e->key = xstrdup(key);
	if (only && strcmp(only->string, "exists") == 0) {
		if (!cJSON_IsBool(only))
			return pr_error(PR_INPUT, "%s.%s.exists: expected true or false, found %s",
			    ctx, key, doc_json_type(only));
		e->match = cJSON_IsTrue(only) ? QA_EXISTS : QA_ABSENT;
		return PR_OK;
	}
	if (only && strcmp(only->string, "contains") == 0) {
		if (!cJSON_IsString(only))
			return pr_error(PR_INPUT, "%s.%s.contains: expected a string, found %s",
			    ctx, key, doc_json_type(only));
		e->match = QA_CONTAINS;
		e->value = cJSON_Duplicate(only, true);
		return PR_OK;
	}
	if (only && strcmp(only->string, "equals") == 0)
		v = only;
	if (strings_only && !cJSON_IsString(v))
		return pr_error(PR_INPUT, "%s.%s: expected a string or {\"exists\": true}, found %s",
		    ctx, key, doc_json_type(v));
	e->match = QA_EQUALS;
	e->value = cJSON_Duplicate(v, true);
	return PR_OK;
}

static int
load_expect(const cJSON *ex, const char *ctx, struct qa_check *k)
{
	static const char *const keys[] = {
		"status", "json", "body_contains", "headers", "max_latency_ms", NULL,
	};
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ex, "status");
	const cJSON *js = NULL, *hs = NULL;
	const char *contains = NULL;
	char why[128];
	int rc;

	if ((rc = doc_check_fields(ex, keys, ctx)))
		return rc;
	if (st && !cJSON_IsNull(st) && (rc = load_status(st, ctx, k)))
		return rc;
	if ((rc = doc_get_object(ex, "json", PR_OPTIONAL, ctx, &js)) ||
	    (rc = doc_get_object(ex, "headers", PR_OPTIONAL, ctx, &hs)) ||
	    (rc = doc_get_string(ex, "body_contains", PR_OPTIONAL, ctx, &contains)) ||
	    (rc = doc_get_number(ex, "max_latency_ms", PR_OPTIONAL, ctx, &k->max_latency_ms)))
		return rc;
	if (k->max_latency_ms < 0)
		return pr_error(PR_INPUT, "%s.max_latency_ms: must be positive", ctx);
	if (contains)
		k->body_contains = xstrdup(contains);
	if (js) {
		struct buf where = {0};

		buf_printf(&where, "%s.json", ctx);
		k->json_expect = xcalloc((size_t)cJSON_GetArraySize(js) + 1, sizeof *k->json_expect);
		for (const cJSON *it = js->child; it; it = it->next) {
			if (jsonpath_check(it->string, why, sizeof why) != 0) {
				rc = pr_error(PR_INPUT, "%s.%s: not a JSON path: %s (write it as data.items[0].id)",
				    where.data, it->string, why);
				break;
			}
			if ((rc = load_match(it, where.data, it->string, false, &k->json_expect[k->njson_expect++])))
				break;
		}
		buf_free(&where);
		if (rc)
			return rc;
	}
	if (hs) {
		struct buf where = {0};

		buf_printf(&where, "%s.headers", ctx);
		k->header_expect = xcalloc((size_t)cJSON_GetArraySize(hs) + 1, sizeof *k->header_expect);
		for (const cJSON *it = hs->child; it; it = it->next) {
			if ((rc = doc_check_header_name(it->string, where.data)))
				break;
			if ((rc = load_match(it, where.data, it->string, true, &k->header_expect[k->nheader_expect++])))
				break;
		}
		buf_free(&where);
	}
	return rc;
}

static int
load_captures(const cJSON *caps, const char *ctx, struct qa_check *k, struct known *known)
{
	char why[128];

	k->captures = xcalloc((size_t)cJSON_GetArraySize(caps) + 1, sizeof *k->captures);
	for (const cJSON *it = caps->child; it; it = it->next) {
		struct qa_capture *c = &k->captures[k->ncaptures];
		const cJSON *src = cJSON_IsObject(it) && it->child && !it->child->next ? it->child : NULL;

		if (strspn(it->string, CAPTURE_NAME_CHARS) != strlen(it->string) || !*it->string)
			return pr_error(PR_INPUT, "%s.%s: a capture name uses only letters, digits and _",
			    ctx, it->string);
		if (k->sql) {
			if (!src || !cJSON_IsString(src) || !*src->valuestring || strcmp(src->string, "column") != 0)
				return pr_error(PR_INPUT, "%s.%s: expected {\"column\": NAME} (an SQL check captures "
				    "a column of its first row)", ctx, it->string);
			c->kind = QA_CAP_COLUMN;
		} else if (!src || !cJSON_IsString(src) || !*src->valuestring)
			return pr_error(PR_INPUT, "%s.%s: expected {\"json\": PATH}, {\"cookie\": NAME} or "
			    "{\"header\": NAME}", ctx, it->string);
		else if (strcmp(src->string, "json") == 0) {
			if (jsonpath_check(src->valuestring, why, sizeof why) != 0)
				return pr_error(PR_INPUT, "%s.%s.json: not a JSON path: %s", ctx, it->string, why);
			c->kind = QA_CAP_JSON;
		} else if (strcmp(src->string, "cookie") == 0) {
			c->kind = QA_CAP_COOKIE;
		} else if (strcmp(src->string, "header") == 0) {
			struct buf where = {0};
			int rc;

			buf_printf(&where, "%s.%s.header", ctx, it->string);
			rc = doc_check_header_name(src->valuestring, where.data);
			buf_free(&where);
			if (rc)
				return rc;
			c->kind = QA_CAP_HEADER;
		} else {
			return pr_error(PR_INPUT, "%s.%s: expected {\"json\": PATH}, {\"cookie\": NAME} or "
			    "{\"header\": NAME}", ctx, it->string);
		}
		c->name = xstrdup(it->string);
		c->source = xstrdup(src->valuestring);
		k->ncaptures++;
		known->names = xrealloc(known->names, (known->n + 1) * sizeof *known->names);
		known->names[known->n++] = c->name;
	}
	return PR_OK;
}

/*
 * Remember the value of a secret the config holds (a secret header's value,
 * a secret-named field of a JSON body), with its environment filled in, so
 * that no failure quotes it; credentials after an auth scheme ("Bearer X")
 * count on their own too.  A template with {{name}} is left to the captures.
 */
static void
add_secret(struct qa_suite *s, const char *tmpl)
{
	const char *missing;
	size_t len;
	char *v = qa_expand(tmpl, NULL, NULL, 0, &missing, &len);
	const char *sp;

	if (!v || !*v || strstr(v, "{{")) {
		free(v);
		return;
	}
	gha_mask(v);
	s->secrets = xrealloc(s->secrets, (s->nsecrets + 2) * sizeof *s->secrets);
	if ((sp = strchr(v, ' ')) && sp[1])
		s->secrets[s->nsecrets++] = xstrdup(sp + 1);
	s->secrets[s->nsecrets++] = v;
}

static void
add_json_secrets(struct qa_suite *s, const cJSON *node)
{
	for (const cJSON *it = node ? node->child : NULL; it; it = it->next) {
		if (cJSON_IsString(it) && it->string && util_is_secret_name(it->string))
			add_secret(s, it->valuestring);
		add_json_secrets(s, it);
	}
}

/* True when tmpl, with the environment filled in, holds a line break:
 * known at load, unlike what captures will put in (refuse_injection). */
static bool
env_line_break(const char *tmpl)
{
	const char *missing;
	size_t len;
	char *v = qa_expand(tmpl, NULL, NULL, 0, &missing, &len);
	bool hit = !v || strpbrk(v, "\r\n");

	free(v);
	return hit;
}

/* What a request header's value is checked against (doc_header_fn). */
struct header_ctx {
	struct qa_suite *suite;
	const struct known *known;
};

/*
 * A request header's value is a template: its {{name}}s must be captured
 * earlier, its environment must not put in a line break, and a secret one
 * is remembered so that no failure quotes it.
 */
static int
check_header(const char *name, const char *value, const char *where, void *arg)
{
	struct header_ctx *h = arg;
	int rc;

	if ((rc = check_refs(value, h->known, where)))
		return rc;
	if (env_line_break(value))
		return pr_error(PR_INPUT, "%s: a header value cannot hold a line break", where);
	if (util_is_secret_name(name))
		add_secret(h->suite, value);
	return PR_OK;
}

/* "<ctx>.<field>" in b (reset first), for the messages of one field. */
static const char *
field_ctx(struct buf *b, const char *ctx, const char *field)
{
	buf_reset(b);
	buf_printf(b, "%s.%s", ctx, field);
	return b->data;
}

/* The check's name: not empty, UTF-8, unique among the checks before it. */
static int
load_name(const char *name, const char *ctx, const struct qa_suite *s, struct qa_check *k)
{
	if (!*name)
		return pr_error(PR_INPUT, "%s.name: empty (name the check)", ctx);
	if (!doc_utf8_valid(name, strlen(name), NULL))
		return pr_error(PR_INPUT, "%s.name: not valid UTF-8 once ${...} is filled in (documents are UTF-8)",
		    ctx);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->checks[i].name, name) == 0)
			return pr_error(PR_INPUT, "%s.name: \"%s\" is already the name of qa.checks[%zu] "
			    "(names must be unique)", ctx, name, i);
	k->name = xstrdup(name);
	return PR_OK;
}

/* The method, letters only, kept in capitals; GET when not given. */
static int
load_method(const char *method, const char *ctx, struct qa_check *k)
{
	if (method && (!*method ||
	    strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(method)))
		return pr_error(PR_INPUT,
		    "%s.method: \"%s\" is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD)",
		    ctx, method);
	k->method = xstrdup(method ? method : "GET");
	for (char *p = k->method; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return PR_OK;
}

/* The URL template: absolute unless qa.base_url is set, and every
 * {{name}} in it captured by an earlier check. */
static int
load_url(const char *url, const char *ctx, const struct qa_suite *s, const struct known *known, bool ws,
    struct qa_check *k)
{
	struct buf where = {0};
	int rc;

	if (!*url)
		return pr_error(PR_INPUT, "%s.url: empty", ctx);
	if (!s->base_url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 && !ws)
		return pr_error(PR_INPUT, "%s.url: \"%s\" is relative but qa.base_url is not set (set it, or use "
		    "an absolute http:// or https:// URL)", ctx, url);
	if ((rc = check_refs(url, known, field_ctx(&where, ctx, "url"))) == PR_OK)
		k->url = xstrdup(url);
	buf_free(&where);
	return rc;
}

/* The body: "body" text or "json", one of them, as templates. */
static int
load_body(const cJSON *c, const char *body, const char *ctx, struct qa_suite *s, const struct known *known,
    struct qa_check *k)
{
	const cJSON *js = cJSON_GetObjectItemCaseSensitive(c, "json");
	struct buf where = {0};
	int rc = PR_OK;

	if (js && body)
		return pr_error(PR_INPUT, "%s: has both \"body\" and \"json\" (use one)", ctx);
	if (body) {
		if ((rc = check_refs(body, known, field_ctx(&where, ctx, "body"))) == PR_OK)
			k->body = xstrdup(body);
	} else if (js && !cJSON_IsNull(js)) {
		if ((rc = check_json_refs(js, known, field_ctx(&where, ctx, "json"))) == PR_OK) {
			k->json = cJSON_Duplicate(js, true);
			add_json_secrets(s, k->json);
		}
	}
	buf_free(&where);
	return rc;
}

/* ---- SQL checks: loading ------------------------------------------- */

/* A column matcher: {"matches": REGEX} (checked now), else as load_match. */
static int
load_column_match(const cJSON *v, const char *ctx, const char *key, struct qa_field_expect *e)
{
	const cJSON *only = cJSON_IsObject(v) && v->child && !v->child->next ? v->child : NULL;
	regex_t re;
	int err;

	if (!only || strcmp(only->string, "matches") != 0)
		return load_match(v, ctx, key, false, e);
	e->key = xstrdup(key);
	if (!cJSON_IsString(only))
		return pr_error(PR_INPUT, "%s.%s.matches: expected a string, found %s", ctx, key, doc_json_type(only));
	if ((err = regcomp(&re, only->valuestring, REG_EXTENDED | REG_NOSUB)) != 0) {
		char why[128];

		regerror(err, &re, why, sizeof why);
		return pr_error(PR_INPUT, "%s.%s.matches: not a regular expression: %s", ctx, key, why);
	}
	regfree(&re);
	e->match = QA_MATCHES;
	e->value = cJSON_Duplicate(only, true);
	return PR_OK;
}

/* "between": {"column": [lo, hi]}, either bound null for none. */
static int
load_between(const cJSON *bs, const char *ctx, struct qa_check *k)
{
	k->between = xcalloc((size_t)cJSON_GetArraySize(bs) + 1, sizeof *k->between);
	for (const cJSON *it = bs->child; it; it = it->next) {
		const cJSON *lo = cJSON_GetArrayItem(it, 0), *hi = cJSON_GetArrayItem(it, 1);
		struct qa_between *b = &k->between[k->nbetween];

		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !(cJSON_IsNumber(lo) || cJSON_IsNull(lo)) ||
		    !(cJSON_IsNumber(hi) || cJSON_IsNull(hi)) || (cJSON_IsNull(lo) && cJSON_IsNull(hi)))
			return pr_error(PR_INPUT, "%s.%s: expected [LOW, HIGH], numbers (one may be null for no bound)",
			    ctx, it->string);
		b->lo = cJSON_IsNumber(lo) ? lo->valuedouble : -HUGE_VAL;
		b->hi = cJSON_IsNumber(hi) ? hi->valuedouble : HUGE_VAL;
		if (b->lo > b->hi)
			return pr_error(PR_INPUT, "%s.%s: the low bound %g is above the high bound %g", ctx, it->string,
			    b->lo, b->hi);
		b->column = xstrdup(it->string);
		k->nbetween++;
	}
	return PR_OK;
}

/* An SQL check's "expect": rows, columns, between, max_duration_ms. */
static int
load_sql_expect(const cJSON *ex, const char *ctx, struct qa_check *k)
{
	static const char *const keys[] = { "rows", "columns", "between", "max_duration_ms", NULL };
	const cJSON *cols = NULL, *bs = NULL;
	struct buf where = {0};
	int rc;

	if ((rc = doc_check_fields(ex, keys, ctx)) ||
	    (rc = doc_get_long(ex, "rows", PR_OPTIONAL, ctx, 0, LONG_MAX, &k->expect_rows)) ||
	    (rc = doc_get_object(ex, "columns", PR_OPTIONAL, ctx, &cols)) ||
	    (rc = doc_get_object(ex, "between", PR_OPTIONAL, ctx, &bs)) ||
	    (rc = doc_get_number(ex, "max_duration_ms", PR_OPTIONAL, ctx, &k->max_latency_ms)))
		return rc;
	if (k->max_latency_ms < 0)
		return pr_error(PR_INPUT, "%s.max_duration_ms: must be positive", ctx);
	if (bs && (rc = load_between(bs, field_ctx(&where, ctx, "between"), k)))
		goto out;
	if (cols) {
		field_ctx(&where, ctx, "columns");
		k->column_expect = xcalloc((size_t)cJSON_GetArraySize(cols) + 1, sizeof *k->column_expect);
		for (const cJSON *it = cols->child; it && rc == PR_OK; it = it->next)
			rc = load_column_match(it, where.data, it->string, &k->column_expect[k->ncolumn_expect++]);
	}
out:
	buf_free(&where);
	return rc;
}

/* "params": an array of strings, templates for $1, $2, ... */
static int
load_params(const cJSON *ps, const char *ctx, const struct known *known, struct qa_check *k)
{
	struct buf where = {0};
	size_t i = 0;
	int rc = PR_OK;

	k->params = xcalloc((size_t)cJSON_GetArraySize(ps) + 1, sizeof *k->params);
	for (const cJSON *it = ps->child; it && rc == PR_OK; it = it->next, i++) {
		buf_reset(&where);
		buf_printf(&where, "%s.params[%zu]", ctx, i);
		if (!cJSON_IsString(it))
			rc = pr_error(PR_INPUT, "%s: expected a string, found %s", where.data, doc_json_type(it));
		else if ((rc = check_refs(it->valuestring, known, where.data)) == PR_OK)
			k->params[k->nparams++] = xstrdup(it->valuestring);
	}
	buf_free(&where);
	return rc;
}

/* "indexes_still_valid": PATH of a snapshot manifest (${VAR} filled in):
 * the indexes it records as valid; the check's query lists the indexes. */
static int
load_indexes_check(const char *tmpl, const char *ctx, struct qa_check *k)
{
	const char *missing;
	size_t mlen;
	char *path = qa_expand(tmpl, NULL, NULL, 0, &missing, &mlen);
	cJSON *snap = NULL;
	int rc;

	if (!path)
		return pr_error(PR_INPUT, "%s.indexes_still_valid: environment variable %.*s is not set", ctx,
		    (int)mlen - 3, missing + 2);
	k->indexes_from = path;
	if ((rc = doc_load(path, "snapshot", &snap)) == PR_OK)
		rc = manifest_valid_indexes(snap, path, &k->valid_before, &k->nvalid_before);
	cJSON_Delete(snap);
	k->sql = xstrdup(pgq_indexes_sql);
	return rc;
}

/*
 * An SQL check: {"name", "sql", "params", "expect", "capture", "timeout"},
 * or {"name", "indexes_still_valid", "timeout"}.  The query text is taken
 * as written: values go in as parameters, never into the text.
 */
static int
load_sql_check(const cJSON *c, const char *ctx, struct qa_suite *s, struct qa_check *k, struct known *known)
{
	static const char *const keys[] = { "name", "sql", "params", "expect", "capture", "timeout", NULL };
	static const char *const index_keys[] = { "name", "indexes_still_valid", "timeout", NULL };
	const char *name = NULL, *sql = NULL, *snap = NULL;
	const cJSON *ex = NULL, *caps = NULL, *ps = NULL;
	struct buf where = {0};
	int rc;

	k->expect_rows = -1;
	if ((rc = doc_get_string(c, "indexes_still_valid", PR_OPTIONAL, ctx, &snap)))
		return rc;
	if (snap) {
		k->method = xstrdup("SQL");
		k->url = xstrdup("");
		if ((rc = doc_check_fields(c, index_keys, ctx)) ||
		    (rc = doc_get_string(c, "name", PR_REQUIRED, ctx, &name)) ||
		    (rc = doc_get_duration(c, "timeout", PR_POSITIVE, ctx, &k->timeout_s)) ||
		    (rc = load_name(name, ctx, s, k)))
			return rc;
		return load_indexes_check(snap, ctx, k);
	}
	if ((rc = doc_check_fields(c, keys, ctx)) ||
	    (rc = doc_get_string(c, "name", PR_REQUIRED, ctx, &name)) ||
	    (rc = doc_get_string(c, "sql", PR_REQUIRED, ctx, &sql)) ||
	    (rc = doc_get_array(c, "params", PR_OPTIONAL, ctx, &ps)) ||
	    (rc = doc_get_object(c, "expect", PR_OPTIONAL, ctx, &ex)) ||
	    (rc = doc_get_object(c, "capture", PR_OPTIONAL, ctx, &caps)) ||
	    (rc = doc_get_duration(c, "timeout", PR_POSITIVE, ctx, &k->timeout_s)) ||
	    (rc = load_name(name, ctx, s, k)))
		return rc;
	if (!*sql)
		return pr_error(PR_INPUT, "%s.sql: empty (write one SELECT)", ctx);
	k->sql = xstrdup(sql);
	k->method = xstrdup("SQL");
	k->url = xstrdup("");
	if (ps && (rc = load_params(ps, ctx, known, k)))
		return rc;
	if (ex)
		rc = load_sql_expect(ex, field_ctx(&where, ctx, "expect"), k);
	if (rc == PR_OK && caps)
		rc = load_captures(caps, field_ctx(&where, ctx, "capture"), k, known);
	buf_free(&where);
	return rc;
}

/* A ws:// or wss:// url, or a "protocol" (the url then a template such as "${CHAT_URL}/"). */
static bool
ws_check(const cJSON *c, const char *url)
{
	return wsclient_url_is_ws(url) || cJSON_GetObjectItemCaseSensitive(c, "protocol");
}

/*
 * A WebSocket check's spec (a ws:// or wss:// url, or a "protocol"): HTTP request fields are
 * refused, the status expected is 101 unless given, the reply is the next
 * message unless given.  On an HTTP url, the WebSocket fields are refused.
 */
static int
load_ws(const cJSON *c, const char *ctx, const struct known *known, struct qa_check *k)
{
	static const char *const http_only[] = { "method", "body", "json" };
	struct buf where = {0};
	bool given;
	int rc;

	k->ws = xcalloc(1, sizeof *k->ws);
	if (!cJSON_GetObjectItemCaseSensitive(c, "reply"))
		k->ws->reply = WSCLIENT_NEXT;
	if ((rc = wsclient_spec_from_json(c, ctx, k->ws, &given)))
		return rc;
	if (k->ws->protocol == WSCLIENT_SOCKETIO && !cJSON_GetObjectItemCaseSensitive(c, "reply"))
		k->ws->reply = WSCLIENT_ACK;
	if (!ws_check(c, k->url)) {
		wsclient_spec_free(k->ws);
		free(k->ws);
		k->ws = NULL;
		return given ? pr_error(PR_INPUT, "%s: protocol, message, event, namespace and reply go with a ws:// "
		    "or wss:// url", ctx) : PR_OK;
	}
	for (size_t i = 0; i < sizeof http_only / sizeof *http_only; i++)
		if (cJSON_GetObjectItemCaseSensitive(c, http_only[i]))
			return pr_error(PR_INPUT, "%s.%s: not sent on a WebSocket (give \"message\")", ctx,
			    http_only[i]);
	if (k->nheader_expect)
		return pr_error(PR_INPUT, "%s.expect.headers: a WebSocket check judges the reply, which has none", ctx);
	for (size_t i = 0; i < k->ncaptures; i++)
		if (k->captures[i].kind != QA_CAP_JSON)
			return pr_error(PR_INPUT, "%s.capture.%s: a WebSocket check captures {\"json\": PATH} of the "
			    "reply only", ctx, k->captures[i].name);
	if (!given && (rc = wsclient_spec_check(k->ws) ? PR_INPUT : PR_OK))
		return pr_error(rc, "%s: %s", ctx, wsclient_spec_check(k->ws));
	if (k->nstatuses == 0) {
		k->statuses = xcalloc(1, sizeof *k->statuses);
		k->statuses[k->nstatuses++] = HTTP_SWITCHING_PROTOCOLS;
	}
	if (k->ws->message)
		rc = check_refs(k->ws->message, known, field_ctx(&where, ctx, "message"));
	buf_free(&where);
	return rc;
}

/* One entry of qa.checks into k: its request, then what it expects and
 * captures (those captures are known to the checks after it). */
static int
load_check(const cJSON *c, const char *ctx, struct qa_suite *s, struct qa_check *k, struct known *known)
{
	static const char *const keys[] = {
		"name", "method", "url", "headers", "body", "json", "expect", "capture", "timeout",
		"protocol", "message", "event", "namespace", "reply", NULL,
	};
	const char *name = NULL, *method = NULL, *url = NULL, *body = NULL;
	const cJSON *ex = NULL, *caps = NULL;
	struct header_ctx headers = { s, known };
	struct buf where = {0};
	int rc;

	if (!cJSON_IsObject(c))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(c));
	if (cJSON_GetObjectItemCaseSensitive(c, "sql") || cJSON_GetObjectItemCaseSensitive(c, "indexes_still_valid"))
		return load_sql_check(c, ctx, s, k, known);
	if ((rc = doc_check_fields(c, keys, ctx)) ||
	    (rc = doc_get_string(c, "name", PR_REQUIRED, ctx, &name)) ||
	    (rc = doc_get_string(c, "method", PR_OPTIONAL, ctx, &method)) ||
	    (rc = doc_get_string(c, "url", PR_REQUIRED, ctx, &url)) ||
	    (rc = doc_get_string(c, "body", PR_OPTIONAL, ctx, &body)) ||
	    (rc = doc_get_object(c, "expect", PR_OPTIONAL, ctx, &ex)) ||
	    (rc = doc_get_object(c, "capture", PR_OPTIONAL, ctx, &caps)) ||
	    (rc = doc_get_duration(c, "timeout", PR_POSITIVE, ctx, &k->timeout_s)))
		return rc;
	if ((rc = load_name(name, ctx, s, k)) ||
	    (rc = load_method(method, ctx, k)) ||
	    (rc = load_url(url, ctx, s, known, ws_check(c, url), k)) ||
	    (rc = load_body(c, body, ctx, s, known, k)) ||
	    (rc = doc_get_headers(c, "headers", ctx, check_header, &headers, &k->header_lines, &k->nheaders)))
		return rc;
	if (ex)
		rc = load_expect(ex, field_ctx(&where, ctx, "expect"), k);
	if (rc == PR_OK && caps)
		rc = load_captures(caps, field_ctx(&where, ctx, "capture"), k, known);
	if (rc == PR_OK)
		rc = load_ws(c, ctx, known, k);
	buf_free(&where);
	return rc;
}

int
qa_suite_load(const cJSON *section, const char *cfgname, struct qa_suite *s)
{
	/* "watch" is the metric rules' (qametrics.h), read by qametrics_load. */
	static const char *const keys[] = { "base_url", "timeout", "checks", "watch", NULL };
	struct buf ctx = {0}, item = {0};
	struct known known = {0};
	const cJSON *checks = NULL;
	const char *base = NULL;
	size_t i = 0;
	int rc;

	memset(s, 0, sizeof *s);
	s->timeout_s = QA_TIMEOUT_S;
	buf_printf(&ctx, "%s: qa", cfgname);
	if (!cJSON_IsObject(section)) {
		rc = pr_error(PR_INPUT, "%s: expected an object with \"checks\", found %s", ctx.data,
		    doc_json_type(section));
		goto out;
	}
	if ((rc = doc_check_fields(section, keys, ctx.data)) ||
	    (rc = doc_get_string(section, "base_url", PR_OPTIONAL, ctx.data, &base)) ||
	    (rc = doc_get_duration(section, "timeout", PR_POSITIVE, ctx.data, &s->timeout_s)) ||
	    (rc = doc_get_array(section, "checks", PR_REQUIRED, ctx.data, &checks)))
		goto out;
	if (base && *base) {
		if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
			rc = pr_error(PR_INPUT, "%s.base_url: expected an http:// or https:// URL", ctx.data);
			goto out;
		}
		s->base_url = xstrdup(base);
	}
	if (cJSON_GetArraySize(checks) == 0) {
		rc = pr_error(PR_INPUT, "%s.checks: empty (add at least one check)", ctx.data);
		goto out;
	}
	s->checks = xcalloc((size_t)cJSON_GetArraySize(checks), sizeof *s->checks);
	for (const cJSON *c = checks->child; c; c = c->next, i++) {
		buf_reset(&item);
		buf_printf(&item, "%s.checks[%zu]", ctx.data, i);
		rc = load_check(c, item.data, s, &s->checks[s->n], &known);
		s->n++;		/* a half-loaded check is still freed */
		if (rc)
			goto out;
	}
out:
	free(known.names);
	buf_free(&ctx);
	buf_free(&item);
	return rc;
}

int
qa_suite_add(struct qa_suite *s, const char *name, const char *url, long status)
{
	struct qa_check *k;

	if (!*name)
		return pr_usage_error("--check NAME=URL: the name is empty");
	if (!*url)
		return pr_usage_error("--check %s=URL: the URL is empty", name);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->checks[i].name, name) == 0)
			return pr_usage_error("--check %s: a check with that name already exists", name);
	if (!s->base_url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 &&
	    !wsclient_url_is_ws(url))
		return pr_usage_error("--check %s=%s: the URL is relative and there is no base URL (use --base-url)",
		    name, url);
	s->checks = xrealloc(s->checks, (s->n + 1) * sizeof *s->checks);
	k = &s->checks[s->n++];
	memset(k, 0, sizeof *k);
	k->name = xstrdup(name);
	k->method = xstrdup("GET");
	k->url = xstrdup(url);
	if (status > 0) {
		k->statuses = xmalloc(sizeof *k->statuses);
		k->statuses[0] = status;
		k->nstatuses = 1;
	}
	return PR_OK;
}

int
qa_suite_set_database(struct qa_suite *s, const char *url)
{
	const struct qa_check *first = NULL;
	char why[256];
	int rc;

	for (size_t i = 0; i < s->n && !first; i++)
		if (s->checks[i].sql)
			first = &s->checks[i];
	if (!first)
		return PR_OK;		/* HTTP checks only: the URL is not theirs to judge */
	if (!url || !*url)
		return pr_error(PR_INPUT, "check \"%s\" runs SQL but there is no database (set DATABASE_URL, or "
		    "database.url in the config)", first->name);
	if ((rc = pg_url_parse(url, &s->db, why, sizeof why)) != PR_OK)
		return pr_error(rc, "database URL: %s (fix DATABASE_URL or database.url)", why);
	s->have_db = true;
	if (s->db.password && *s->db.password) {
		gha_mask(s->db.password);
		s->secrets = xrealloc(s->secrets, (s->nsecrets + 1) * sizeof *s->secrets);
		s->secrets[s->nsecrets++] = xstrdup(s->db.password);
	}
	return PR_OK;
}

static void
free_expects(struct qa_field_expect *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		cJSON_Delete(e[i].value);
	}
	free(e);
}

void
qa_suite_free(struct qa_suite *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct qa_check *k = &s->checks[i];

		free(k->name);
		free(k->method);
		free(k->url);
		for (size_t j = 0; j < k->nheaders; j++)
			free(k->header_lines[j]);
		free(k->header_lines);
		free(k->body);
		cJSON_Delete(k->json);
		free(k->statuses);
		free_expects(k->json_expect, k->njson_expect);
		free_expects(k->header_expect, k->nheader_expect);
		free(k->body_contains);
		for (size_t j = 0; j < k->ncaptures; j++) {
			free(k->captures[j].name);
			free(k->captures[j].source);
		}
		free(k->captures);
		free(k->sql);
		for (size_t j = 0; j < k->nparams; j++)
			free(k->params[j]);
		free(k->params);
		free_expects(k->column_expect, k->ncolumn_expect);
		for (size_t j = 0; j < k->nbetween; j++)
			free(k->between[j].column);
		free(k->between);
		free(k->indexes_from);
		if (k->ws)
			wsclient_spec_free(k->ws);
		free(k->ws);
		for (size_t j = 0; j < k->nvalid_before; j++)
			free(k->valid_before[j]);
		free(k->valid_before);
	}
	pg_url_free(&s->db);
	for (size_t i = 0; i < s->nsecrets; i++) {
		explicit_bzero(s->secrets[i], strlen(s->secrets[i]));
		free(s->secrets[i]);
	}
	free(s->secrets);
	free(s->checks);
	free(s->base_url);
	memset(s, 0, sizeof *s);
}

/* ---- running ------------------------------------------------------- */

/* Captured values of one run: names borrowed from the suite, values owned
 * (NULL after a failed capture), and which check captured each. */
struct vars {
	char **names;
	char **values;
	const char **by;
	size_t n;
};

static void
vars_set(struct vars *v, char *name, char *value, const char *by)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->names[i], name) == 0) {
			free(v->values[i]);
			v->values[i] = value;
			v->by[i] = by;
			return;
		}
	v->names = xrealloc(v->names, (v->n + 1) * sizeof *v->names);
	v->values = xrealloc(v->values, (v->n + 1) * sizeof *v->values);
	v->by = xrealloc(v->by, (v->n + 1) * sizeof *v->by);
	v->names[v->n] = name;
	v->values[v->n] = value;
	v->by[v->n] = by;
	v->n++;
}

static void
vars_free(struct vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->values[i])
			memset(v->values[i], 0, strlen(v->values[i]));
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	free(v->by);
}

static void
add_failure(struct qa_result *r, const char *fmt, ...) PR_PRINTF(2, 3);

static void
add_failure(struct qa_result *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	r->failures = xrealloc(r->failures, (r->nfailures + 1) * sizeof *r->failures);
	r->failures[r->nfailures++] = xstrdup(line);
}

static void
record(struct qa_requests *q, double latency_ms, bool error)
{
	if (!q)
		return;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->latency_ms = xrealloc(q->latency_ms, q->cap * sizeof *q->latency_ms);
		q->error = xrealloc(q->error, q->cap * sizeof *q->error);
	}
	q->latency_ms[q->n] = latency_ms;
	q->error[q->n] = error;
	q->n++;
}

/* url resolved against base: absolute URLs stay, others join with one '/'. */
static char *
resolve(const char *base, const char *url)
{
	struct buf out = {0};
	size_t blen;

	if (!base || strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 || wsclient_url_is_ws(url))
		return xstrdup(url);
	blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	buf_add(&out, base, blen);
	if (*url != '/' && *url != '?')
		buf_addc(&out, '/');
	buf_adds(&out, url);
	return buf_detach(&out);
}

/* tmpl with the environment and the values captured so far filled in;
 * NULL when one is missing (then *missing names it). */
static char *
expand_vars(const char *tmpl, const struct vars *v, const char **missing, size_t *mlen)
{
	static char *const none[1];

	return qa_expand(tmpl, v->n ? v->names : none, v->n ? v->values : none, v->n, missing, mlen);
}

/* Replace {{name}} in every string of a copy of node; NULL when one is missing. */
static int
expand_json(cJSON *node, const struct vars *v, const char **missing, size_t *mlen)
{
	if (cJSON_IsString(node)) {
		char *s = expand_vars(node->valuestring, v, missing, mlen);

		if (!s)
			return -1;
		cJSON_SetValuestring(node, s);
		free(s);
		return 0;
	}
	for (cJSON *it = node->child; it; it = it->next)
		if (expand_json(it, v, missing, mlen) != 0)
			return -1;
	return 0;
}

/* The check's request with captures filled in. */
struct built {
	char *url;
	char **headers;			/* NULL-terminated */
	char *body;
};

static void
built_free(struct built *b)
{
	free(b->url);
	for (size_t i = 0; b->headers && b->headers[i]; i++)
		free(b->headers[i]);
	free(b->headers);
	free(b->body);
}

static bool
has_header(const struct qa_check *k, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < k->nheaders; i++)
		if (strncasecmp(k->header_lines[i], name, len) == 0 && k->header_lines[i][len] == ':')
			return true;
	return false;
}

/* Build the request; on a missing capture returns -1 with the name. */
static int
build(const struct qa_suite *s, const struct qa_check *k, const struct vars *v, struct built *b,
    const char **missing, size_t *mlen)
{
	char *url;
	size_t h = 0;

	memset(b, 0, sizeof *b);
	b->headers = xcalloc(k->nheaders + 2, sizeof *b->headers);
	if (!(url = expand_vars(k->url, v, missing, mlen)))
		return -1;
	b->url = resolve(s->base_url, url);
	free(url);
	for (size_t i = 0; i < k->nheaders; i++)
		if (!(b->headers[h++] = expand_vars(k->header_lines[i], v, missing, mlen)))
			return -1;
	if (k->body && !(b->body = expand_vars(k->body, v, missing, mlen)))
		return -1;
	if (k->json) {
		cJSON *copy = cJSON_Duplicate(k->json, true);
		char *text;

		if (expand_json(copy, v, missing, mlen) != 0) {
			cJSON_Delete(copy);
			return -1;
		}
		text = cJSON_PrintUnformatted(copy);
		b->body = xstrdup(text ? text : "null");
		cJSON_free(text);
		cJSON_Delete(copy);
		if (!has_header(k, "Content-Type"))
			b->headers[h++] = xstrdup("Content-Type: application/json");
	}
	return 0;
}

/* Classes pr-qa tries again: connection errors and 5xx.  Not timeouts: a
 * timeout already spent the check's budget. */
#define QA_RETRY_CLASSES (PR_FAILURE_BIT(PR_FAILURE_DNS) | PR_FAILURE_BIT(PR_FAILURE_CONNECT) | \
	PR_FAILURE_BIT(PR_FAILURE_RESET) | PR_FAILURE_BIT(PR_FAILURE_STATUS))

static bool
server_error(long status)
{
	return status >= 500;
}

/* Every attempt counts in a watch: its latency, and whether it failed. */
static void
record_attempt(void *reqs, const struct http_resp *resp)
{
	record(reqs, resp->total_ms, resp->failure != PR_FAILURE_OK || server_error(resp->status));
}

/* Send b with retries (http.h's loop, Retry-After honoured); resp holds the
 * final attempt.  0 when a response arrived. */
static int
send_request(const struct qa_suite *s, const struct qa_check *k, const struct qa_opts *o,
    const struct built *b, const char *shown, struct http_resp *resp, struct qa_result *r,
    struct qa_requests *reqs)
{
	struct http_req req = {
		.method = k->method,
		.url = b->url,
		.headers = (const char *const *)b->headers,
		.body = b->body,
		.body_len = b->body ? strlen(b->body) : 0,
		.timeout_s = k->timeout_s > 0 ? k->timeout_s : s->timeout_s,
		.retry = {
			.retries = o->retries > 0 ? o->retries : -1,
			.classes = QA_RETRY_CLASSES,
			.transient = server_error,
			.backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : QA_BACKOFF_MS,
			.max_backoff_ms = MAX_BACKOFF_MS,
			.on_attempt = record_attempt,
			.arg = reqs,
		},
		.log_url = shown,
	};
	int rc;

	if (req.connect_timeout_s == 0 || req.connect_timeout_s > req.timeout_s)
		req.connect_timeout_s = req.timeout_s;
	rc = http_do(&req, resp);
	r->attempts = resp->attempts;
	r->latency_ms = resp->total_ms;
	return rc;
}

/* Response header name (first occurrence) into out; NULL when absent. */
static const char *
header_value(const struct http_resp *resp, const char *name, char *out, size_t outlen)
{
	return http_header(resp, name, out, outlen);
}

/* The value of cookie name from any Set-Cookie line, or NULL (caller frees). */
static char *
find_cookie(const struct http_resp *resp, const char *name)
{
	const char *p = resp->headers.data;
	size_t nlen = strlen(name);

	while (p && *p) {
		const char *eol = p + strcspn(p, "\r\n");

		if ((size_t)(eol - p) > 11 && strncasecmp(p, "Set-Cookie:", 11) == 0) {
			const char *c = p + 11;

			while (*c == ' ' || *c == '\t')
				c++;
			if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
				const char *v = c + nlen + 1;
				size_t vlen = strcspn(v, ";\r\n");

				if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
					v++, vlen -= 2;
				return strndup(v, vlen);
			}
		}
		p = eol;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return NULL;
}

/* A response value fit to quote in a failure: short, one line. */
static void
quote_value(const cJSON *item, char *out, size_t outlen)
{
	char *t = jsonpath_text(item);

	if (cJSON_IsString(item))
		snprintf(out, outlen, "\"%.*s\"%s", SHOWN_VALUE_MAX, t, strlen(t) > SHOWN_VALUE_MAX ? "..." : "");
	else
		snprintf(out, outlen, "%.*s%s", SHOWN_VALUE_MAX, t, strlen(t) > SHOWN_VALUE_MAX ? "..." : "");
	free(t);
}

/* ---- secrets in messages ------------------------------------------ */

/* The values no message may quote: the config's secrets, then the values
 * captured so far (NULL after a failed capture). */
static size_t
nsecrets(const struct qa_suite *s, const struct vars *v)
{
	return s->nsecrets + v->n;
}

static const char *
secret_at(const struct qa_suite *s, const struct vars *v, size_t i)
{
	return i < s->nsecrets ? s->secrets[i] : v->values[i - s->nsecrets];
}

/* True when text is one of those values, or holds one that is long enough
 * to be told from ordinary text. */
static bool
holds_secret(const char *text, const struct qa_suite *s, const struct vars *v)
{
	for (size_t i = 0; i < nsecrets(s, v); i++) {
		const char *sv = secret_at(s, v, i);

		if (sv && *sv && (strcmp(text, sv) == 0 || (strlen(sv) >= SECRET_SCRUB_MIN && strstr(text, sv))))
			return true;
	}
	return false;
}

/* Last line of defence for every message (document, stderr, log, JUnit):
 * each such value in r's failures becomes "(secret)", wherever it came
 * from (a transport error, a truncated quote, an expectation). */
static void
scrub_failures(struct qa_result *r, const struct qa_suite *s, const struct vars *v)
{
	for (size_t f = 0; f < r->nfailures; f++) {
		for (size_t i = 0; i < nsecrets(s, v); i++) {
			const char *sv = secret_at(s, v, i);
			char *shown;

			/* Substrings only: a short secret equal to a whole message is
			 * left to the checks that quote values (holds_secret). */
			if (!sv || strlen(sv) < SECRET_SCRUB_MIN || !(shown = util_scrub_dup(r->failures[f], sv)))
				continue;
			free(r->failures[f]);
			r->failures[f] = shown;
		}
	}
}

/*
 * True when the value at path must not be quoted in a failure: this check
 * captures it, its last key is secret-like ("token", "password"), or it is
 * or holds a secret or a captured value (this check's included).
 */
static bool
secret_value(const struct qa_suite *s, const struct qa_check *k, const char *path, const cJSON *got,
    const struct vars *v)
{
	const char *last = path + strlen(path);
	char key[64];
	size_t len;
	char *text;
	bool hit;

	for (size_t i = 0; i < k->ncaptures; i++)
		if (k->captures[i].kind == QA_CAP_JSON && strcmp(k->captures[i].source, path) == 0)
			return true;
	while (last > path && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", last[-1]))
		last--;
	len = strlen(last);
	if (len > 0 && len < sizeof key) {
		memcpy(key, last, len + 1);
		if (util_is_secret_name(key))
			return true;
	}
	text = jsonpath_text(got);
	hit = holds_secret(text, s, v);
	free(text);
	return hit;
}

/* True when this check captures response header name, or its cookies. */
static bool
captures_header(const struct qa_check *k, const char *name)
{
	for (size_t i = 0; i < k->ncaptures; i++)
		if ((k->captures[i].kind == QA_CAP_HEADER && strcasecmp(k->captures[i].source, name) == 0) ||
		    (k->captures[i].kind == QA_CAP_COOKIE && strcasecmp(name, "Set-Cookie") == 0))
			return true;
	return false;
}

static void
judge_status(const struct qa_check *k, long status, struct qa_result *r)
{
	struct buf want = {0};

	if (k->nstatuses == 0) {
		if (status < 200 || status > 299)
			add_failure(r, "status: expected 2xx, got %ld", status);
		return;
	}
	for (size_t i = 0; i < k->nstatuses; i++)
		if (k->statuses[i] == status)
			return;
	for (size_t i = 0; i < k->nstatuses; i++)
		buf_printf(&want, "%s%ld", i ? ", " : "", k->statuses[i]);
	add_failure(r, "status: expected %s%s, got %ld", k->nstatuses > 1 ? "one of " : "", want.data, status);
	buf_free(&want);
}

static void
judge_json(const struct qa_suite *s, const struct qa_check *k, const cJSON *doc, const struct vars *v,
    struct qa_result *r)
{
	char shown[SHOWN_VALUE_MAX + 16], want[SHOWN_VALUE_MAX + 16];

	for (size_t i = 0; i < k->njson_expect; i++) {
		const struct qa_field_expect *e = &k->json_expect[i];
		const cJSON *got = doc ? jsonpath_get(doc, e->key) : NULL;

		if (!doc) {
			add_failure(r, "json %s: the response is not JSON", e->key);
			continue;
		}
		switch (e->match) {
		case QA_MATCHES:	/* columns of SQL checks only */
			break;
		case QA_EXISTS:
			if (!got)
				add_failure(r, "json %s: missing", e->key);
			break;
		case QA_ABSENT:
			if (got)
				add_failure(r, "json %s: present, expected absent", e->key);
			break;
		case QA_CONTAINS:
			if (!got) {
				add_failure(r, "json %s: missing", e->key);
			} else {
				char *t = jsonpath_text(got);

				if (!strstr(t, e->value->valuestring))
					add_failure(r, "json %s: does not contain \"%s\"",
					    e->key, e->value->valuestring);
				free(t);
			}
			break;
		case QA_EQUALS:
			quote_value(e->value, want, sizeof want);
			if (!got) {
				add_failure(r, "json %s: missing, expected %s", e->key, want);
			} else if (!cJSON_Compare(got, e->value, true)) {
				if (secret_value(s, k, e->key, got, v))
					snprintf(shown, sizeof shown, "a captured value");
				else
					quote_value(got, shown, sizeof shown);
				add_failure(r, "json %s: expected %s, got %s", e->key, want, shown);
			}
			break;
		}
	}
}

/* A header value matches a string when equal (ignoring case) or equal up to ';'. */
static bool
header_equals(const char *got, const char *want)
{
	size_t len = strlen(want);

	if (strcasecmp(got, want) == 0)
		return true;
	if (strncasecmp(got, want, len) != 0)
		return false;
	while (got[len] == ' ')
		len++;
	return got[len] == ';';
}

static void
judge_headers(const struct qa_suite *s, const struct qa_check *k, const struct http_resp *resp,
    const struct vars *v, struct qa_result *r)
{
	char got[HEADER_VALUE_MAX];

	for (size_t i = 0; i < k->nheader_expect; i++) {
		const struct qa_field_expect *e = &k->header_expect[i];
		bool present = header_value(resp, e->key, got, sizeof got) != NULL;
		bool secret = util_is_secret_name(e->key) || captures_header(k, e->key);

		switch (e->match) {
		case QA_MATCHES:	/* columns of SQL checks only */
			break;
		case QA_EXISTS:
			if (!present)
				add_failure(r, "header %s: missing", e->key);
			break;
		case QA_ABSENT:
			if (present)
				add_failure(r, "header %s: present, expected absent", e->key);
			break;
		case QA_CONTAINS:
			if (!present)
				add_failure(r, "header %s: missing", e->key);
			else if (!strstr(got, e->value->valuestring))
				add_failure(r, "header %s: does not contain \"%s\"", e->key,
				    secret ? SECRET_SHOWN : e->value->valuestring);
			break;
		case QA_EQUALS:
			if (!present)
				add_failure(r, "header %s: missing, expected \"%s\"", e->key,
				    secret ? SECRET_SHOWN : e->value->valuestring);
			else if (!header_equals(got, e->value->valuestring))
				add_failure(r, "header %s: expected \"%s\", got \"%.*s\"", e->key,
				    secret ? SECRET_SHOWN : e->value->valuestring, SHOWN_VALUE_MAX,
				    secret || holds_secret(got, s, v) ? SECRET_SHOWN : got);
			break;
		}
	}
}

/*
 * The captures' results join the check's: their failures after its own
 * (so the judging's messages come first), and the names captured.  caps's
 * lists are taken over.
 */
static void
add_captures(struct qa_result *r, struct qa_result *caps)
{
	if (caps->nfailures) {
		r->failures = xrealloc(r->failures, (r->nfailures + caps->nfailures) * sizeof *r->failures);
		memcpy(r->failures + r->nfailures, caps->failures, caps->nfailures * sizeof *caps->failures);
		r->nfailures += caps->nfailures;
	}
	free(caps->failures);
	r->captured = caps->captured;
	r->ncaptured = caps->ncaptured;
}

/*
 * Keep what capture c of check k found (value, owned; NULL when nothing):
 * an empty value is a failure, a kept one is masked and listed, and later
 * checks see it (or its absence) as {{name}}.
 */
static void
keep_capture(const struct qa_check *k, const struct qa_capture *c, char *value, struct vars *v,
    struct qa_result *r)
{
	if (value && !*value) {
		add_failure(r, "capture %s: the value is empty", c->name);
		free(value);
		value = NULL;
	}
	if (value) {
		gha_mask(value);
		r->captured = xrealloc(r->captured, (r->ncaptured + 1) * sizeof *r->captured);
		r->captured[r->ncaptured++] = c->name;
	}
	vars_set(v, c->name, value, k->name);
}

/* Take each capture from the response; failures say which and why. */
static void
take_captures(const struct qa_check *k, const struct http_resp *resp, const cJSON *doc,
    struct vars *v, struct qa_result *r)
{
	for (size_t i = 0; i < k->ncaptures; i++) {
		const struct qa_capture *c = &k->captures[i];
		char *value = NULL;

		switch (c->kind) {
		case QA_CAP_COLUMN:	/* SQL checks only (take_sql_captures) */
			break;
		case QA_CAP_JSON: {
			const cJSON *got = doc ? jsonpath_get(doc, c->source) : NULL;

			if (!doc)
				add_failure(r, "capture %s: the response is not JSON", c->name);
			else if (!got || cJSON_IsNull(got))
				add_failure(r, "capture %s: %s not found in the response", c->name, c->source);
			else
				value = jsonpath_text(got);
			break;
		}
		case QA_CAP_COOKIE:
			if (!(value = find_cookie(resp, c->source)))
				add_failure(r, "capture %s: no Set-Cookie for %s in the response", c->name, c->source);
			break;
		case QA_CAP_HEADER: {
			char got[HEADER_VALUE_MAX];

			if (header_value(resp, c->source, got, sizeof got))
				value = xstrdup(got);
			else
				add_failure(r, "capture %s: no %s header in the response", c->name, c->source);
			break;
		}
		}
		keep_capture(k, c, value, v, r);
	}
}

/* Later checks must not use what this one would have captured. */
static void
forget_captures(const struct qa_check *k, struct vars *v)
{
	for (size_t i = 0; i < k->ncaptures; i++)
		vars_set(v, k->captures[i].name, NULL, k->name);
}

/* Why the request could not be built: a capture it needs is missing (an
 * earlier check failed), or an environment variable is gone. */
static void
report_missing(const struct vars *v, const char *missing, size_t mlen, struct qa_result *r)
{
	const char *by = NULL;

	if (*missing == '$') {
		add_failure(r, "skipped: environment variable %.*s is not set", (int)mlen - 3, missing + 2);
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->names[i]) == mlen - 4 && strncmp(v->names[i], missing + 2, mlen - 4) == 0)
			by = v->by[i];
	if (by)
		add_failure(r, "skipped: needs %.*s, which check \"%s\" did not capture", (int)mlen, missing, by);
	else
		add_failure(r, "skipped: needs %.*s, which no earlier check captured", (int)mlen, missing);
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/*
 * Config values are checked for line breaks when loaded, but a captured
 * value is only known now: CR or LF put into a header by a placeholder
 * would send headers of the response's choosing.  True (reported) when the
 * request must not be sent.
 */
static bool
refuse_injection(const struct built *b, struct qa_result *r)
{
	if (has_control(b->url)) {
		add_failure(r, "url: a placeholder put a line break or control character in it (refused, not sent)");
		return true;
	}
	for (size_t i = 0; b->headers[i]; i++)
		if (has_control(b->headers[i])) {
			add_failure(r, "header %.*s: a placeholder put a line break or control character in its value "
			    "(refused, not sent)", (int)strcspn(b->headers[i], ":"), b->headers[i]);
			return true;
		}
	return false;
}

/* Judge the response.  Its captures are taken first, so that no failure
 * quotes what this check captures, but their failures are listed last. */
static void
judge(const struct qa_suite *s, const struct qa_check *k, const struct http_resp *resp, struct vars *v,
    struct qa_result *r)
{
	struct qa_result caps = {0};
	cJSON *doc = NULL;

	if (k->njson_expect || k->ncaptures)
		doc = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
	take_captures(k, resp, doc, v, &caps);
	judge_status(k, resp->status, r);
	judge_json(s, k, doc, v, r);
	if (k->body_contains && (!resp->body.data || !strstr(resp->body.data, k->body_contains)))
		add_failure(r, "body: does not contain \"%s\"", k->body_contains);
	judge_headers(s, k, resp, v, r);
	if (k->max_latency_ms > 0 && r->latency_ms > k->max_latency_ms)
		add_failure(r, "latency: %.1f ms is over the %g ms limit", r->latency_ms, k->max_latency_ms);
	add_captures(r, &caps);
	cJSON_Delete(doc);
}

/* ---- SQL checks: running ------------------------------------------- */

static void
free_params(char **p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		if (p[i])
			explicit_bzero(p[i], strlen(p[i]));
		free(p[i]);
	}
	free(p);
}

/* The parameters with captures and the environment filled in; -1 with
 * *missing naming the placeholder that has no value. */
static int
build_params(const struct qa_check *k, const struct vars *v, char ***out, const char **missing, size_t *mlen)
{
	char **p = xcalloc(k->nparams + 1, sizeof *p);

	for (size_t i = 0; i < k->nparams; i++)
		if (!(p[i] = expand_vars(k->params[i], v, missing, mlen))) {
			free_params(p, i);
			return -1;
		}
	*out = p;
	return 0;
}

/*
 * Connect and run the query, again on a connection failure only (with the
 * suite's backoff): a query the database refused or stopped would be
 * refused or stopped again.  Each attempt counts in a watch.
 */
static enum pgq_fail
sql_attempts(const struct qa_suite *s, const struct qa_check *k, const struct qa_opts *o, char **params,
    struct pgq_result *res, struct qa_result *r, struct qa_requests *reqs, char *why, size_t whylen)
{
	double timeout_s = k->timeout_s > 0 ? k->timeout_s : s->timeout_s;
	double wait_ms = o->backoff_ms > 0 ? o->backoff_ms : QA_BACKOFF_MS;

	for (int n = 0;; n++) {
		struct pg_conn *conn = NULL;
		double t0_ms = util_mono_ms();
		enum pgq_fail f = PR_PGQ_CONNECT;

		r->attempts = n + 1;
		if (pgq_connect(&s->db, timeout_s, &conn, why, whylen) == PR_OK)
			f = pgq_query_ro(conn, k->sql, (const char *const *)params, k->nparams, timeout_s * 1e3,
			    res, why, whylen);
		pgq_close(conn);
		record(reqs, f == PR_PGQ_OK ? res->duration_ms : util_mono_ms() - t0_ms, f != PR_PGQ_OK);
		/* why may quote a parameter: the log gets the scrubbed failure later */
		pr_log("SQL %s -> %s", s->db.redacted, f == PR_PGQ_OK ? "ok" : f == PR_PGQ_CONNECT ? "no connection" :
		    "error");
		if (f != PR_PGQ_CONNECT || n >= o->retries)
			return f;
		pr_log("retrying in %.0f ms (attempt %d of %d)", wait_ms, n + 2, o->retries + 1);
		util_sleep_ms(wait_ms);
		wait_ms = fmin(wait_ms * 2, MAX_BACKOFF_MS);
	}
}

/* True when a column's value must not be quoted: this check captures it,
 * its name is secret-like, or it is or holds a secret or captured value. */
static bool
secret_column(const struct qa_suite *s, const struct qa_check *k, const char *column, const char *text,
    const struct vars *v)
{
	for (size_t i = 0; i < k->ncaptures; i++)
		if (strcmp(k->captures[i].source, column) == 0)
			return true;
	return util_is_secret_name(column) || holds_secret(text, s, v);
}

static bool
has_column(const struct pgq_result *res, const char *name)
{
	for (size_t i = 0; i < res->ncols; i++)
		if (strcmp(res->columns[i], name) == 0)
			return true;
	return false;
}

/* A string column equals a number or boolean written in the config when
 * its text does ("100" from current_setting equals 100). */
static bool
column_equals(const cJSON *got, const cJSON *want)
{
	char *t;
	bool eq;

	if (cJSON_Compare(got, want, true))
		return true;
	if (!cJSON_IsString(got) || cJSON_IsString(want) || cJSON_IsNull(want))
		return false;
	t = jsonpath_text(want);
	eq = strcmp(t, got->valuestring) == 0;
	free(t);
	return eq;
}

static bool
regex_matches(const char *pattern, const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;	/* checked when loaded */
	hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/* One column expectation on the first row's value got (a column that is there). */
static void
judge_column(const struct qa_field_expect *e, const cJSON *got, const char *shown, const char *text,
    struct qa_result *r)
{
	char want[SHOWN_VALUE_MAX + 16];

	switch (e->match) {
	case QA_EXISTS:
		if (cJSON_IsNull(got))
			add_failure(r, "column %s: null, expected a value", e->key);
		break;
	case QA_ABSENT:
		if (!cJSON_IsNull(got))
			add_failure(r, "column %s: %s, expected null", e->key, shown);
		break;
	case QA_CONTAINS:
		if (!strstr(text, e->value->valuestring))
			add_failure(r, "column %s: %s does not contain \"%s\"", e->key, shown, e->value->valuestring);
		break;
	case QA_MATCHES:
		if (!regex_matches(e->value->valuestring, text))
			add_failure(r, "column %s: %s does not match /%s/", e->key, shown, e->value->valuestring);
		break;
	case QA_EQUALS:
		if (!column_equals(got, e->value)) {
			quote_value(e->value, want, sizeof want);
			add_failure(r, "column %s: expected %s, got %s", e->key, want, shown);
		}
		break;
	}
}

static void
judge_columns(const struct qa_suite *s, const struct qa_check *k, const struct pgq_result *res,
    const struct vars *v, struct qa_result *r)
{
	char shown[SHOWN_VALUE_MAX + 16];

	for (size_t i = 0; i < k->ncolumn_expect; i++) {
		const struct qa_field_expect *e = &k->column_expect[i];
		const cJSON *got = pgq_value(res, 0, e->key);
		char *text;

		if (!has_column(res, e->key)) {
			add_failure(r, "column %s: not in the result", e->key);
			continue;
		}
		if (!got) {
			add_failure(r, "column %s: no row", e->key);
			continue;
		}
		text = jsonpath_text(got);
		if (secret_column(s, k, e->key, text, v))
			snprintf(shown, sizeof shown, SECRET_SHOWN);
		else
			quote_value(got, shown, sizeof shown);
		judge_column(e, got, shown, text, r);
		free(text);
	}
}

static void
judge_between(const struct qa_check *k, const struct pgq_result *res, struct qa_result *r)
{
	for (size_t i = 0; i < k->nbetween; i++) {
		const struct qa_between *b = &k->between[i];
		const cJSON *got = pgq_value(res, 0, b->column);
		char *end = NULL;
		double x = NAN;

		if (cJSON_IsNumber(got))
			x = got->valuedouble;
		else if (cJSON_IsString(got))
			x = strtod(got->valuestring, &end);
		if (!has_column(res, b->column))
			add_failure(r, "column %s: not in the result", b->column);
		else if (!got)
			add_failure(r, "column %s: no row", b->column);
		else if (!isfinite(x) || (end && *end))
			add_failure(r, "column %s: not a number", b->column);
		else if (x < b->lo || x > b->hi)
			add_failure(r, "column %s: %g is outside [%g, %g]", b->column, x, b->lo, b->hi);
	}
}

/* Each capture is a column of the first row, as text. */
static void
take_sql_captures(const struct qa_check *k, const struct pgq_result *res, struct vars *v, struct qa_result *r)
{
	for (size_t i = 0; i < k->ncaptures; i++) {
		const struct qa_capture *c = &k->captures[i];
		const cJSON *got = pgq_value(res, 0, c->source);
		char *value = NULL;

		if (!has_column(res, c->source))
			add_failure(r, "capture %s: column %s is not in the result", c->name, c->source);
		else if (!got)
			add_failure(r, "capture %s: no row", c->name);
		else if (cJSON_IsNull(got))
			add_failure(r, "capture %s: column %s is null", c->name, c->source);
		else
			value = jsonpath_text(got);
		keep_capture(k, c, value, v, r);
	}
}

/* Each index valid in the snapshot is in the list, and valid. */
static void
judge_indexes(const struct qa_check *k, const struct pgq_result *res, struct qa_result *r)
{
	for (size_t i = 0; i < k->nvalid_before; i++) {
		const char *want = k->valid_before[i];
		const cJSON *valid = NULL;

		for (size_t row = 0; row < res->nrows && !valid; row++) {
			const cJSON *schema = pgq_value(res, row, "schema"), *name = pgq_value(res, row, "name");

			if (cJSON_IsString(schema) && cJSON_IsString(name) &&
			    strlen(schema->valuestring) + 1 + strlen(name->valuestring) == strlen(want) &&
			    strncmp(want, schema->valuestring, strlen(schema->valuestring)) == 0 &&
			    strcmp(want + strlen(schema->valuestring) + 1, name->valuestring) == 0)
				valid = pgq_value(res, row, "valid");
		}
		if (!valid)
			add_failure(r, "index %s: valid in %s, now missing", want, k->indexes_from);
		else if (!cJSON_IsTrue(valid))
			add_failure(r, "index %s: valid in %s, now invalid", want, k->indexes_from);
	}
}

/* Judge a result; captures first (so no failure quotes them), listed last. */
static void
judge_sql(const struct qa_suite *s, const struct qa_check *k, const struct pgq_result *res, struct vars *v,
    struct qa_result *r)
{
	struct qa_result caps = {0};

	take_sql_captures(k, res, v, &caps);
	if (k->expect_rows >= 0 && (long)res->nrows != k->expect_rows)
		add_failure(r, "rows: expected %ld, got %zu", k->expect_rows, res->nrows);
	judge_columns(s, k, res, v, r);
	judge_between(k, res, r);
	judge_indexes(k, res, r);
	if (k->max_latency_ms > 0 && res->duration_ms > k->max_latency_ms)
		add_failure(r, "duration: %.1f ms is over the %g ms limit", res->duration_ms, k->max_latency_ms);
	add_captures(r, &caps);
}

/* Why the query gave no result, as the check's outcome and failure. */
static void
sql_failed(const struct qa_suite *s, const struct qa_check *k, enum pgq_fail f, const char *why,
    struct qa_result *r)
{
	switch (f) {
	case PR_PGQ_CONNECT:
		r->outcome = QA_ERROR;
		r->unreachable = true;
		add_failure(r, "connect: %s (after %d attempt%s)", why, r->attempts, r->attempts == 1 ? "" : "s");
		break;
	case PR_PGQ_TIMEOUT:
		r->outcome = QA_ERROR;
		add_failure(r, "query: stopped by the statement timeout (%g s)", k->timeout_s > 0 ? k->timeout_s :
		    s->timeout_s);
		break;
	case PR_PGQ_READ_ONLY:
		r->outcome = QA_FAIL;
		add_failure(r, "query: refused by the database: checks run read-only (%s)", why);
		break;
	default:
		r->outcome = QA_FAIL;
		add_failure(r, "query: %s", why);
		break;
	}
}

static void
run_sql_check(const struct qa_suite *s, const struct qa_check *k, const struct qa_opts *o, struct vars *v,
    struct qa_result *r, struct qa_requests *reqs)
{
	struct pgq_result res = {0};
	char why[512], **params = NULL;
	const char *missing = NULL;
	size_t mlen = 0;
	enum pgq_fail f;

	r->latency_ms = -1;
	r->shown_url = xstrdup(s->db.redacted);
	if (build_params(k, v, &params, &missing, &mlen) != 0) {
		r->outcome = QA_SKIPPED;
		report_missing(v, missing, mlen, r);
		forget_captures(k, v);
		goto out;
	}
	if ((f = sql_attempts(s, k, o, params, &res, r, reqs, why, sizeof why)) != PR_PGQ_OK) {
		sql_failed(s, k, f, why, r);
		forget_captures(k, v);
		goto out;
	}
	r->latency_ms = res.duration_ms;
	judge_sql(s, k, &res, v, r);
	r->outcome = r->nfailures ? QA_FAIL : QA_PASS;
	if (r->outcome == QA_FAIL && reqs && reqs->n)
		reqs->error[reqs->n - 1] = true;
out:
	scrub_failures(r, s, v);
	free_params(params, k->nparams);
	pgq_result_free(&res);
}

/*
 * A WebSocket check's exchange, its message filled in: 0 with the reply in
 * resp (status 101, body the reply's text), PR_EXTERNAL when it failed
 * (r says why; a refused upgrade's status is in resp->status).
 */
static int
ws_exchange(const struct qa_suite *s, const struct qa_check *k, const struct built *b, const char *message,
    struct http_resp *resp, struct qa_result *r)
{
	struct wsclient_spec spec = *k->ws;
	struct wsclient_conn c;
	struct wsclient_timing t;
	double timeout_s = k->timeout_s > 0 ? k->timeout_s : s->timeout_s, first = 0;
	int rc = PR_EXTERNAL;

	spec.message = (char *)message;
	r->attempts = 1;
	if (wsclient_conn_open(&c, b->url, &spec, (const char *const *)b->headers, false, timeout_s, &t) < 0) {
		resp->status = c.cls == PR_FAILURE_STATUS ? c.s.status : 0;
		resp->failure = c.cls;
		r->latency_ms = t.handshake_ms;
		snprintf(resp->error, sizeof resp->error, "%s", c.error);
	} else if (wsclient_conn_roundtrip(&c, timeout_s, &r->latency_ms, &first) < 0) {
		resp->failure = c.cls;
		snprintf(resp->error, sizeof resp->error, "%s", c.error);
	} else {
		resp->status = c.s.status;
		buf_add(&resp->body, c.s.reply.data ? c.s.reply.data : "", c.s.reply.len);
		rc = PR_OK;
	}
	wsclient_conn_close(&c);
	return rc;
}

/* Run a WebSocket check: connect, send, judge the reply as a response. */
static void
run_ws_check(const struct qa_suite *s, const struct qa_check *k, struct vars *v, struct qa_result *r,
    struct qa_requests *reqs, const struct built *b)
{
	struct http_resp resp = {0};
	const char *missing = NULL;
	size_t mlen = 0;
	char *message = k->ws->message ? expand_vars(k->ws->message, v, &missing, &mlen) : NULL;

	if (k->ws->message && !message) {
		r->outcome = QA_SKIPPED;
		report_missing(v, missing, mlen, r);
		forget_captures(k, v);
		return;
	}
	if (ws_exchange(s, k, b, message, &resp, r) == PR_OK) {
		r->status = resp.status;
		judge(s, k, &resp, v, r);
		r->outcome = r->nfailures ? QA_FAIL : QA_PASS;
	} else if (resp.status) {
		r->status = resp.status;	/* a refused upgrade: judged as a status */
		judge_status(k, resp.status, r);
		r->outcome = r->nfailures ? QA_FAIL : QA_PASS;
		forget_captures(k, v);
	} else {
		r->outcome = QA_ERROR;
		r->unreachable = resp.failure == PR_FAILURE_DNS || resp.failure == PR_FAILURE_CONNECT;
		add_failure(r, "%s: %s", resp.failure == PR_FAILURE_TIMEOUT ? "timeout" : "websocket", resp.error);
		forget_captures(k, v);
	}
	record(reqs, r->latency_ms, r->outcome != QA_PASS);
	free(message);
	http_resp_free(&resp);
}

static void
run_check(const struct qa_suite *s, const struct qa_check *k, const struct qa_opts *o, struct vars *v,
    struct qa_result *r, struct qa_requests *reqs)
{
	struct http_resp resp = {0};
	struct built b;
	const char *missing = NULL;
	size_t mlen = 0;
	/* Shown with the environment filled in and {{name}} as written. */
	char *shown = qa_expand(k->url, NULL, NULL, 0, &missing, &mlen);
	char *tmpl_url = resolve(s->base_url, shown ? shown : k->url);

	r->latency_ms = -1;
	r->shown_url = util_redact_url(tmpl_url);
	free(tmpl_url);
	free(shown);
	if (build(s, k, v, &b, &missing, &mlen) != 0) {
		r->outcome = QA_SKIPPED;
		report_missing(v, missing, mlen, r);
		forget_captures(k, v);
		goto out;
	}
	if (refuse_injection(&b, r)) {
		r->outcome = QA_FAIL;
		forget_captures(k, v);
		goto out;
	}
	if (k->ws) {
		run_ws_check(s, k, v, r, reqs, &b);
		goto out;
	}
	if (send_request(s, k, o, &b, r->shown_url, &resp, r, reqs) != PR_OK) {
		r->outcome = QA_ERROR;
		r->unreachable = resp.failure == PR_FAILURE_DNS || resp.failure == PR_FAILURE_CONNECT;
		if (resp.failure == PR_FAILURE_TIMEOUT)
			add_failure(r, "request: no response within %g s (timeout)",
			    k->timeout_s > 0 ? k->timeout_s : s->timeout_s);
		else
			add_failure(r, "request: %s (after %d attempt%s)", resp.error, r->attempts,
			    r->attempts == 1 ? "" : "s");
		forget_captures(k, v);
		goto out;
	}
	r->status = resp.status;
	judge(s, k, &resp, v, r);
	r->outcome = r->nfailures ? QA_FAIL : QA_PASS;
	/* A failed check counts as an error in a watch even with a good status. */
	if (r->outcome == QA_FAIL && reqs && reqs->n)
		reqs->error[reqs->n - 1] = true;
out:
	scrub_failures(r, s, v);
	built_free(&b);
	http_resp_free(&resp);
}

int
qa_run(const struct qa_suite *s, const struct qa_opts *o, struct qa_report *r, struct qa_requests *reqs)
{
	struct vars v = {0};
	size_t ran = 0, unreachable = 0;

	memset(r, 0, sizeof *r);
	r->results = xcalloc(s->n ? s->n : 1, sizeof *r->results);
	r->n = s->n;
	for (size_t i = 0; i < s->n; i++) {
		struct qa_result *res = &r->results[i];

		if (s->checks[i].sql)
			run_sql_check(s, &s->checks[i], o, &v, res, reqs);
		else
			run_check(s, &s->checks[i], o, &v, res, reqs);
		switch (res->outcome) {
		case QA_PASS: r->passed++; break;
		case QA_FAIL: r->failed++; break;
		case QA_ERROR: r->errors++; break;
		case QA_SKIPPED: r->skipped++; break;
		}
		if (res->outcome != QA_SKIPPED)
			ran++;
		if (res->unreachable)
			unreachable++;
		pr_log("%s %s: %s%s%s", qa_outcome_name(res->outcome), s->checks[i].name, res->shown_url,
		    res->nfailures ? ": " : "", res->nfailures ? res->failures[0] : "");
	}
	r->unreachable = ran > 0 && unreachable == ran;
	vars_free(&v);
	return PR_OK;
}

void
qa_report_free(struct qa_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct qa_result *res = &r->results[i];

		for (size_t j = 0; j < res->nfailures; j++)
			free(res->failures[j]);
		free(res->failures);
		free(res->captured);
		free(res->shown_url);
	}
	free(r->results);
	memset(r, 0, sizeof *r);
}

void
qa_requests_free(struct qa_requests *q)
{
	free(q->latency_ms);
	free(q->error);
	memset(q, 0, sizeof *q);
}

const char *
qa_outcome_name(enum qa_outcome o)
{
	switch (o) {
	case QA_PASS: return "pass";
	case QA_FAIL: return "fail";
	case QA_ERROR: return "error";
	default: return "skipped";
	}
}

/* ---- reporting ----------------------------------------------------- */

int
qa_report_to_json(const struct qa_suite *s, const struct qa_report *r, cJSON *doc)
{
	cJSON *checks = cJSON_AddArrayToObject(doc, "checks");
	cJSON *sum;

	for (size_t i = 0; i < r->n; i++) {
		const struct qa_result *res = &r->results[i];
		cJSON *c = cJSON_CreateObject();
		cJSON *req, *fails, *caps;

		cJSON_AddStringToObject(c, "name", s->checks[i].name);
		req = cJSON_AddObjectToObject(c, "request");
		cJSON_AddStringToObject(req, "method", s->checks[i].method);
		cJSON_AddStringToObject(req, "url", res->shown_url);
		if (s->checks[i].sql)
			cJSON_AddStringToObject(req, "sql", s->checks[i].sql);
		if (res->status > 0)
			cJSON_AddNumberToObject(c, "status", (double)res->status);
		else
			cJSON_AddNullToObject(c, "status");
		if (res->latency_ms >= 0)
			doc_add_number(c, "latency_ms", round(res->latency_ms * 1e3) / 1e3);
		else
			cJSON_AddNullToObject(c, "latency_ms");
		cJSON_AddNumberToObject(c, "attempts", res->attempts);
		cJSON_AddStringToObject(c, "result", qa_outcome_name(res->outcome));
		fails = cJSON_AddArrayToObject(c, "failures");
		for (size_t j = 0; j < res->nfailures; j++)
			cJSON_AddItemToArray(fails, cJSON_CreateString(res->failures[j]));
		caps = cJSON_AddArrayToObject(c, "captured");
		for (size_t j = 0; j < res->ncaptured; j++)
			cJSON_AddItemToArray(caps, cJSON_CreateString(res->captured[j]));
		cJSON_AddItemToArray(checks, c);
	}
	sum = cJSON_AddObjectToObject(doc, "summary");
	cJSON_AddNumberToObject(sum, "total", (double)r->n);
	cJSON_AddNumberToObject(sum, "passed", (double)r->passed);
	cJSON_AddNumberToObject(sum, "failed", (double)r->failed);
	cJSON_AddNumberToObject(sum, "errors", (double)r->errors);
	cJSON_AddNumberToObject(sum, "skipped", (double)r->skipped);
	return PR_OK;
}

/* ---- watching ------------------------------------------------------ */

const char *
qa_level_name(enum qa_level l)
{
	switch (l) {
	case QA_LEVEL_WARNING: return "warning";
	case QA_LEVEL_CRITICAL: return "critical";
	default: return "ok";
	}
}

static void
raise_level(struct qa_watch *w, enum qa_level l, const char *fmt, ...) PR_PRINTF(3, 4);

static void
raise_level(struct qa_watch *w, enum qa_level l, const char *fmt, ...)
{
	va_list ap;

	if (l > w->level)
		w->level = l;
	if (w->nreasons >= sizeof w->reasons / sizeof w->reasons[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->reasons[w->nreasons++], sizeof w->reasons[0], fmt, ap);
	va_end(ap);
}

void
qa_watch_judge(const struct qa_requests *q, size_t rounds, const struct qa_thresholds *t, struct qa_watch *w)
{
	double *sorted;
	double pct;

	memset(w, 0, sizeof *w);
	w->rounds = rounds;
	w->requests = q->n;
	for (size_t i = 0; i < q->n; i++)
		w->errors += q->error[i];
	if (q->n == 0)
		return;
	sorted = xmalloc(q->n * sizeof *sorted);
	memcpy(sorted, q->latency_ms, q->n * sizeof *sorted);
	stats_sort(sorted, q->n);
	w->p95_ms = stats_quantile_sorted(sorted, q->n, 0.95);
	free(sorted);
	w->error_rate = (double)w->errors / (double)w->requests;
	pct = w->error_rate * 100;
	if (pct > t->error_crit_pct)
		raise_level(w, QA_LEVEL_CRITICAL, "error rate %.2f %% is over the critical %g %%",
		    pct, t->error_crit_pct);
	else if (pct > t->error_warn_pct)
		raise_level(w, QA_LEVEL_WARNING, "error rate %.2f %% is over the warning %g %%",
		    pct, t->error_warn_pct);
	if (w->p95_ms > t->p95_crit_ms)
		raise_level(w, QA_LEVEL_CRITICAL, "p95 %.1f ms is over the critical %g ms", w->p95_ms, t->p95_crit_ms);
	else if (w->p95_ms > t->p95_warn_ms)
		raise_level(w, QA_LEVEL_WARNING, "p95 %.1f ms is over the warning %g ms", w->p95_ms, t->p95_warn_ms);
}

cJSON *
qa_watch_to_json(const struct qa_watch *w, const struct qa_thresholds *t, double duration_s, double interval_s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *th, *reasons;

	doc_add_number(o, "duration_s", duration_s);
	doc_add_number(o, "interval_s", interval_s);
	cJSON_AddNumberToObject(o, "rounds", (double)w->rounds);
	cJSON_AddNumberToObject(o, "requests", (double)w->requests);
	cJSON_AddNumberToObject(o, "errors", (double)w->errors);
	doc_add_number(o, "error_rate", round(w->error_rate * 1e6) / 1e6);
	doc_add_number(o, "p95_ms", round(w->p95_ms * 1e3) / 1e3);
	cJSON_AddStringToObject(o, "level", qa_level_name(w->level));
	reasons = cJSON_AddArrayToObject(o, "reasons");
	for (size_t i = 0; i < w->nreasons; i++)
		cJSON_AddItemToArray(reasons, cJSON_CreateString(w->reasons[i]));
	th = cJSON_AddObjectToObject(o, "thresholds");
	doc_add_number(th, "p95_warn_ms", t->p95_warn_ms);
	doc_add_number(th, "p95_crit_ms", t->p95_crit_ms);
	doc_add_number(th, "error_warn_pct", t->error_warn_pct);
	doc_add_number(th, "error_crit_pct", t->error_crit_pct);
	return o;
}
