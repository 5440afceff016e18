/* doc.c: see doc.h. */
#include "doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pr.h"
#include "fileio.h"
#include "util.h"

#define SCHEMA_PREFIX "pr-tools/"
/* Significant digits that a double prints without binary noise. */
#define CLEAN_DIGITS 15
#define MAX_DECIMALS 9
#define EXACT_INT_MAX 9007199254740992.0	/* 2^53 */

cJSON *
doc_new(const char *kind)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *tool;
	char schema[64], now[PR_RFC3339_LEN];

	if (!doc)
		return NULL;
	snprintf(schema, sizeof schema, SCHEMA_PREFIX "%s/%d", kind, PR_SCHEMA_MAJOR);
	util_rfc3339_now(now);
	cJSON_AddStringToObject(doc, "schema", schema);
	tool = cJSON_AddObjectToObject(doc, "tool");
	cJSON_AddStringToObject(tool, "name", pr_progname());
	cJSON_AddStringToObject(tool, "version", PR_VERSION);
	cJSON_AddStringToObject(doc, "created_at", now);
	return doc;
}

const char *
doc_json_type(const cJSON *item)
{
	if (!item)
		return "missing";
	if (cJSON_IsObject(item))
		return "object";
	if (cJSON_IsArray(item))
		return "array";
	if (cJSON_IsString(item))
		return "string";
	if (cJSON_IsNumber(item))
		return "number";
	if (cJSON_IsBool(item))
		return "boolean";
	if (cJSON_IsNull(item))
		return "null";
	return "invalid";
}

/* Line and column of offset in text, for parse errors. */
static void
position(const char *text, size_t offset, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* True when text holds only JSON white space. */
static bool
only_space(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i]))
			return false;
	return true;
}

/* Length of the UTF-8 sequence led by byte c, 0 when c cannot lead one. */
static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

bool
doc_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(u[i]);
		unsigned cp;

		if (n == 0 || i + n > len)
			goto invalid;
		cp = n == 1 ? u[i] : u[i] & (0x7fu >> n);
		for (size_t k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				goto invalid;
			cp = cp << 6 | (u[i + k] & 0x3fu);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto invalid;
		i += n;
		continue;
invalid:
		if (bad)
			*bad = i;
		return false;
	}
	return true;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The first key that stands twice in one object of json, or NULL.  cJSON
 * keeps both and finds the first, jq the last: a document that says two
 * things under one name is refused rather than read one way here and
 * another way there.  Sorting each object's keys keeps it O(k log k), even
 * for a document of 80,000 metrics.
 */
static const char *
duplicate_key(const cJSON *json)
{
	const cJSON *it;
	const char *dup = NULL, **keys;
	size_t n = 0;

	if (!cJSON_IsObject(json) && !cJSON_IsArray(json))
		return NULL;
	cJSON_ArrayForEach(it, json) {
		if ((dup = duplicate_key(it)))
			return dup;
		n++;
	}
	if (!cJSON_IsObject(json) || n < 2)
		return NULL;
	keys = xmalloc(n * sizeof *keys);
	n = 0;
	cJSON_ArrayForEach(it, json)
		keys[n++] = it->string;
	qsort(keys, n, sizeof *keys, key_cmp);
	for (size_t i = 1; i < n && !dup; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

int
doc_json_parse(const char *name, const char *text, size_t len, cJSON **out)
{
	const char *end = NULL, *dup;
	cJSON *json;
	size_t line, col, bad;
	int rc;

	*out = NULL;
	if (len == 0)
		return pr_error(PR_INPUT, "%s: empty input (expected a JSON document)", name);
	if (memchr(text, '\0', len))
		return pr_error(PR_INPUT, "%s: binary data, not JSON", name);
	if (only_space(text, len))
		return pr_error(PR_INPUT, "%s: empty document (only white space; expected a JSON document)", name);
	if (!doc_utf8_valid(text, len, &bad)) {
		position(text, bad, &line, &col);
		return pr_error(PR_INPUT, "%s: invalid UTF-8 at line %zu, column %zu (JSON text must be UTF-8)",
		    name, line, col);
	}
	json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (json) {
		while (end < text + len && strchr(" \t\r\n", *end))
			end++;
		if (end < text + len) {
			position(text, (size_t)(end - text), &line, &col);
			cJSON_Delete(json);
			return pr_error(PR_INPUT,
			    "%s: invalid JSON: unexpected data after the document at line %zu, column %zu",
			    name, line, col);
		}
	}
	if (!json) {
		const char *err = cJSON_GetErrorPtr();
		size_t off = err && err >= text && err <= text + len ? (size_t)(err - text) : len;

		position(text, off, &line, &col);
		if (off >= len)
			return pr_error(PR_INPUT, "%s: invalid JSON: truncated at line %zu, column %zu",
			    name, line, col);
		return pr_error(PR_INPUT,
		    "%s: invalid JSON at line %zu, column %zu (nesting over %d levels is refused too)",
		    name, line, col, CJSON_NESTING_LIMIT);
	}
	if ((dup = duplicate_key(json))) {
		bool plain = strlen(dup) <= 64 && dup[strcspn(dup, "\"\\\x7f\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r"
		    "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")] == '\0';

		rc = pr_error(PR_INPUT,
		    "%s: the key \"%s\" stands twice in one object (a document must say each thing once)",
		    name, plain ? dup : "(not shown)");
		cJSON_Delete(json);
		return rc;
	}
	*out = json;
	return PR_OK;
}

/*
 * A version number: digits only, without a sign, space or leading zero, so
 * that one version has one spelling.  The length of the number, or 0.
 */
static size_t
version_number(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	if (digits == 0 || (s[0] == '0' && digits > 1) || digits > 9)
		return 0;
	return digits;
}

/*
 * The major version at the end of a schema, "1", or with a minor version,
 * "1.1" (a minor version adds fields only, so it reads as its major).
 * False when s is neither ("+1", " 1", "01", "1.", "1.01").
 */
static bool
schema_major(const char *s, long *major)
{
	size_t digits = version_number(s), minor;

	if (digits == 0)
		return false;
	if (s[digits] == '.') {
		minor = version_number(s + digits + 1);
		if (minor == 0 || s[digits + 1 + minor])
			return false;
	} else if (s[digits]) {
		return false;
	}
	*major = strtol(s, NULL, 10);
	return true;
}

int
doc_parse(const char *name, const char *text, size_t len, const char *kind, cJSON **out)
{
	const cJSON *schema;
	cJSON *doc;
	const char *s, *slash;
	long major;
	int rc;

	*out = NULL;
	if ((rc = doc_json_parse(name, text, len, &doc)))
		return rc;
	if (!cJSON_IsObject(doc)) {
		rc = pr_error(PR_INPUT, "%s: expected a pr-tools document (a JSON object), found %s",
		    name, doc_json_type(doc));
		goto fail;
	}
	schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	if (!cJSON_IsString(schema)) {
		rc = pr_error(PR_INPUT, "%s: no \"schema\" string: not a pr-tools document", name);
		goto fail;
	}
	s = schema->valuestring;
	slash = strrchr(s, '/');
	if (strncmp(s, SCHEMA_PREFIX, strlen(SCHEMA_PREFIX)) != 0 || !slash ||
	    slash == s + strlen(SCHEMA_PREFIX)) {
		rc = pr_error(PR_INPUT, "%s: schema \"%s\" is not a pr-tools schema", name, s);
		goto fail;
	}
	if (kind && (strlen(kind) != (size_t)(slash - s) - strlen(SCHEMA_PREFIX) ||
	    strncmp(s + strlen(SCHEMA_PREFIX), kind, strlen(kind)) != 0)) {
		rc = pr_error(PR_INPUT, "%s: schema \"%s\" is not a %s document (expected " SCHEMA_PREFIX "%s/%d)",
		    name, s, kind, kind, PR_SCHEMA_MAJOR);
		goto fail;
	}
	if (!schema_major(slash + 1, &major)) {
		rc = pr_error(PR_INPUT, "%s: schema \"%s\" has no major version (expected digits, such as %d)",
		    name, s, PR_SCHEMA_MAJOR);
		goto fail;
	}
	if (major != PR_SCHEMA_MAJOR) {
		rc = pr_error(PR_INPUT,
		    "%s: schema \"%s\" has major version %ld; this %s reads version %d (upgrade pr-tools)",
		    name, s, major, pr_progname(), PR_SCHEMA_MAJOR);
		goto fail;
	}
	*out = doc;
	return PR_OK;
fail:
	cJSON_Delete(doc);
	return rc;
}

int
doc_load(const char *path, const char *kind, cJSON **out)
{
	struct buf text = {0};
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int rc;

	*out = NULL;
	rc = fileio_read_file(path, PR_MAX_INPUT_BYTES, &text);
	if (rc == PR_OK)
		rc = doc_parse(name, text.data ? text.data : "", text.len, kind, out);
	buf_free(&text);
	return rc;
}

double
doc_round(double v, int decimals)
{
	char text[32];

	/* Past 2^53 a double holds no fraction to round (and v * scale could
	 * overflow). */
	if (!isfinite(v) || fabs(v) >= EXACT_INT_MAX)
		return v;
	if (decimals >= 0) {
		double scale = pow(10, decimals > MAX_DECIMALS ? MAX_DECIMALS : decimals);

		/* Dividing an integer by a power of ten gives the double nearest
		 * the decimal, which prints in its short form. */
		return round(v * scale) / scale;
	}
	snprintf(text, sizeof text, "%.*g", CLEAN_DIGITS, v);
	return strtod(text, NULL);
}

cJSON *
doc_add_ms(cJSON *obj, const char *key, double ms)
{
	return doc_add_number(obj, key, doc_round(ms, PR_MS_DECIMALS));
}

cJSON *
doc_ms_item(double ms)
{
	return isfinite(ms) ? cJSON_CreateNumber(doc_round(ms, PR_MS_DECIMALS)) : cJSON_CreateNull();
}

/*
 * Clear binary noise from every number in the tree, whoever wrote it, so
 * that no document says 0.04319999999999999.  Integers are left alone.
 */
static void
denoise(cJSON *item)
{
	for (; item; item = item->next) {
		if (cJSON_IsNumber(item) && isfinite(item->valuedouble) &&
		    item->valuedouble != floor(item->valuedouble))
			cJSON_SetNumberHelper(item, doc_round(item->valuedouble, PR_ANY_DECIMALS));
		denoise(item->child);
	}
}

char *
doc_text(const cJSON *doc)
{
	struct buf b = {0};
	char *s;

	/* Only the binary noise below the 15th digit changes: the numbers the
	 * caller holds read the same in any document. */
	denoise(((cJSON *)doc)->child);
	s = cJSON_Print(doc);

	if (!s) {
		fprintf(stderr, "%s: out of memory\n", pr_progname());
		abort();
	}
	buf_adds(&b, s);
	buf_addc(&b, '\n');
	cJSON_free(s);
	return buf_detach(&b);
}

int
doc_emit(const cJSON *doc, const char *also_path)
{
	char *text = doc_text(doc);
	size_t len = strlen(text);
	int rc = PR_OK;

	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) == EOF)
		rc = pr_error(PR_EXTERNAL, "cannot write the document to stdout");
	if (rc == PR_OK && also_path && *also_path)
		rc = fileio_write_atomic(also_path, text, len);
	free(text);
	return rc;
}

const char *
doc_output_path(const char *path)
{
	if (!path)
		path = getenv("OUTPUT_JSON");
	return path && *path ? path : NULL;
}

static int
lookup(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const cJSON **item)
{
	const cJSON *it = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	*item = NULL;
	if (!it || cJSON_IsNull(it)) {
		if (need == PR_OPTIONAL)
			return PR_OK;
		return pr_error(PR_INPUT, "%s.%s: missing", ctx, key);
	}
	*item = it;
	return PR_OK;
}

static int
wrong_type(const char *ctx, const char *key, const char *want, const cJSON *it)
{
	return pr_error(PR_INPUT, "%s.%s: expected %s, found %s", ctx, key, want, doc_json_type(it));
}

int
doc_get_number(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, double *out)
{
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if (!cJSON_IsNumber(it))
		return wrong_type(ctx, key, "a number", it);
	if (!isfinite(it->valuedouble))
		return pr_error(PR_INPUT, "%s.%s: number out of range", ctx, key);
	*out = it->valuedouble;
	return PR_OK;
}

int
doc_get_long(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, long min, long max, long *out)
{
	double v = 0;
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if ((rc = doc_get_number(obj, key, need, ctx, &v)))
		return rc;
	if (v != floor(v) || v < (double)min || v > (double)max)
		return pr_error(PR_INPUT, "%s.%s: expected a whole number from %ld to %ld, found %g",
		    ctx, key, min, max, v);
	*out = (long)v;
	return PR_OK;
}

int
doc_get_string(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const char **out)
{
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if (!cJSON_IsString(it))
		return wrong_type(ctx, key, "a string", it);
	*out = it->valuestring;
	return PR_OK;
}

int
doc_get_bool(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, bool *out)
{
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if (!cJSON_IsBool(it))
		return wrong_type(ctx, key, "true or false", it);
	*out = cJSON_IsTrue(it);
	return PR_OK;
}

int
doc_get_object(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const cJSON **out)
{
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if (!cJSON_IsObject(it))
		return wrong_type(ctx, key, "an object", it);
	*out = it;
	return PR_OK;
}

int
doc_get_array(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const cJSON **out)
{
	const cJSON *it;
	int rc = lookup(obj, key, need, ctx, &it);

	if (rc || !it)
		return rc;
	if (!cJSON_IsArray(it))
		return wrong_type(ctx, key, "an array", it);
	*out = it;
	return PR_OK;
}

int
doc_get_numbers(const cJSON *arr, const char *ctx, double min, double **out, size_t *n)
{
	size_t count = 0, i = 0;
	const cJSON *it;
	double *v;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr))
		return pr_error(PR_INPUT, "%s: expected an array, found %s", ctx, doc_json_type(arr));
	for (it = arr->child; it; it = it->next)
		count++;
	v = xmalloc(count * sizeof *v);
	for (it = arr->child; it; it = it->next, i++) {
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < min) {
			int rc = cJSON_IsNumber(it) ?
			    pr_error(PR_INPUT, "%s[%zu]: %g is out of range (must be finite and >= %g)",
				ctx, i, it->valuedouble, min) :
			    pr_error(PR_INPUT, "%s[%zu]: expected a number, found %s", ctx, i, doc_json_type(it));
			free(v);
			return rc;
		}
		v[i] = it->valuedouble;
	}
	*out = v;
	*n = count;
	return PR_OK;
}

cJSON *
doc_add_number(cJSON *obj, const char *key, double v)
{
	if (!isfinite(v))
		return cJSON_AddNullToObject(obj, key);
	return cJSON_AddNumberToObject(obj, key, doc_round(v, PR_ANY_DECIMALS));
}

int
doc_check_fields(const cJSON *obj, const char *const *known, const char *ctx)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(obj));
	cJSON_ArrayForEach(it, obj) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, it->string) != 0; k++)
			;
		if (!*k) {
			struct buf b = {0};

			for (k = known; *k; k++)
				buf_printf(&b, "%s%s", k == known ? "" : ", ", *k);
			pr_error(PR_INPUT, "%s.%s: unknown field (expected one of: %s)", ctx, it->string, b.data);
			buf_free(&b);
			return PR_INPUT;
		}
	}
	return PR_OK;
}

int
doc_get_duration(const cJSON *obj, const char *key, enum doc_zero zero, const char *ctx, double *out)
{
	const cJSON *it;
	double v = -1;
	int rc = lookup(obj, key, PR_OPTIONAL, ctx, &it);

	if (rc || !it)
		return rc;
	if (cJSON_IsNumber(it))
		v = it->valuedouble;
	else if (!cJSON_IsString(it) || util_parse_duration(it->valuestring, &v) != 0)
		v = -1;
	/* Not finite or negative fails the range test too. */
	if (!(v >= 0 && v <= PR_MAX_DURATION_S))
		return pr_error(PR_INPUT, "%s.%s: expected seconds or a duration such as \"10s\" or \"500ms\" "
		    "(at most %s)", ctx, key, PR_MAX_DURATION_TEXT);
	if (zero == PR_POSITIVE && v == 0)
		return pr_error(PR_INPUT, "%s.%s: must be more than 0", ctx, key);
	*out = v;
	return PR_OK;
}

int
doc_duration_arg(const char *opt, const char *arg, enum doc_zero zero, double *out)
{
	double v = -1;

	if (util_parse_duration(arg, &v) != 0 || !(v >= 0 && v <= PR_MAX_DURATION_S))
		return pr_usage_error("%s: expected a duration such as 10s or 500ms (at most %s), got '%s'", opt,
		    PR_MAX_DURATION_TEXT, arg);
	if (zero == PR_POSITIVE && v == 0)
		return pr_usage_error("%s: must be more than 0", opt);
	*out = v;
	return PR_OK;
}

/* RFC 9110 section 5.6.2: tchar, besides letters and digits. */
#define TOKEN_PUNCT "!#$%&'*+-.^_`|~"

bool
doc_header_name_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;

		/* Not isalnum(): the locale must not widen the set. */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr(TOKEN_PUNCT, c)))
			return false;
	}
	return true;
}

int
doc_check_header_name(const char *name, const char *ctx)
{
	if (doc_header_name_valid(name))
		return PR_OK;
	return pr_error(PR_INPUT, "%s: \"%s\" is not a header name (letters, digits and %s only)",
	    ctx, name, TOKEN_PUNCT);
}

static void
free_lines(char **lines)
{
	for (size_t i = 0; lines && lines[i]; i++)
		free(lines[i]);
	free(lines);
}

/* One member {"Name": "value"} of a header object, checked, as a line. */
static int
header_line(const cJSON *it, const char *ctx, doc_header_fn *each, void *arg, char **line)
{
	struct buf where = {0}, b = {0};
	int rc;

	buf_printf(&where, "%s.%s", ctx, it->string);
	if ((rc = doc_check_header_name(it->string, ctx)))
		goto out;
	if (!cJSON_IsString(it)) {
		rc = pr_error(PR_INPUT, "%s: expected a string, found %s", where.data, doc_json_type(it));
		goto out;
	}
	if (strpbrk(it->valuestring, "\r\n")) {
		rc = pr_error(PR_INPUT, "%s: a header value cannot hold a line break", where.data);
		goto out;
	}
	if (each && (rc = each(it->string, it->valuestring, where.data, arg)))
		goto out;
	buf_printf(&b, "%s: %s", it->string, it->valuestring);
	*line = buf_detach(&b);
out:
	buf_free(&where);
	return rc;
}

int
doc_get_headers(const cJSON *obj, const char *key, const char *ctx, doc_header_fn *each, void *arg,
    char ***lines, size_t *n)
{
	struct buf where = {0};
	const cJSON *hs = NULL, *it;
	char **v;
	size_t i = 0;
	int rc;

	*lines = NULL;
	*n = 0;
	if ((rc = doc_get_object(obj, key, PR_OPTIONAL, ctx, &hs)) || !hs)
		return rc;
	buf_printf(&where, "%s.%s", ctx, key);
	v = xcalloc((size_t)cJSON_GetArraySize(hs) + 1, sizeof *v);
	cJSON_ArrayForEach(it, hs) {
		if ((rc = header_line(it, where.data, each, arg, &v[i])))
			break;
		i++;
	}
	buf_free(&where);
	if (rc) {
		free_lines(v);
		return rc;
	}
	*lines = v;
	*n = i;
	return PR_OK;
}

/* Zero every string in item and below it. */
static void
zero_strings(cJSON *item)
{
	for (cJSON *it = item; it; it = it->next) {
		if (cJSON_IsString(it))
			explicit_bzero(it->valuestring, strlen(it->valuestring));
		zero_strings(it->child);
	}
}

void
doc_wipe(cJSON *item)
{
	if (item)
		zero_strings(item->child);
	cJSON_Delete(item);
}
