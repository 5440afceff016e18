/*
 * doc.h: pr-tools JSON documents: writing the common header, reading with
 * schema and version checks, and typed field access whose errors name the
 * file and the field.
 *
 * Every document is an object with "schema" ("pr-tools/<kind>/<major>"),
 * "tool" {"name","version"} and "created_at" (RFC 3339 UTC).
 */
#ifndef PR_DOC_H
#define PR_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define PR_SCHEMA_MAJOR 1

/*
 * A new document of kind ("bench", "compare", ...) holding only the header.
 * Caller frees with cJSON_Delete.
 */
cJSON *doc_new(const char *kind);

/*
 * Read path ("-" for stdin), parse it and check it is a pr-tools/<kind>/1
 * document.  kind may be NULL to accept any kind.  On success *out is the
 * document (caller frees) and 0 is returned; otherwise PR_INPUT, with one
 * line reported naming the file.
 */
int doc_load(const char *path, const char *kind, cJSON **out);

/* The same for text already in memory; name is used in messages. */
int doc_parse(const char *name, const char *text, size_t len, const char *kind, cJSON **out);

/*
 * Parse any JSON text (a config); PR_INPUT naming name and the offset.
 * Empty or white-space-only text ("empty document") and text that is not
 * UTF-8 are refused too.
 */
int doc_json_parse(const char *name, const char *text, size_t len, cJSON **out);

/*
 * Print doc to stdout followed by a newline and, when also_path is set
 * (OUTPUT_JSON, --output), write the same text to that file atomically.
 * Returns 0 or PR_EXTERNAL (reported).
 */
int doc_emit(const cJSON *doc, const char *also_path);

/*
 * The file a program also writes its document to: path (its -o/--output)
 * when given, else $OUTPUT_JSON; NULL when that is unset or empty, so that
 * -o '' and OUTPUT_JSON= both mean none.  The result points into path or
 * the environment: nothing to free.
 */
const char *doc_output_path(const char *path);

/*
 * The document as indented text ending in a newline.  Caller frees.  Any
 * number in doc still carrying binary noise is rounded (doc_round with
 * PR_ANY_DECIMALS) in place first, whoever added it.
 */
char *doc_text(const cJSON *doc);

/*
 * Typed access to obj[key].  ctx names where obj is for messages, e.g.
 * "base.json: metrics.ttfb_home".  With PR_OPTIONAL an absent key (or JSON
 * null) returns 0 and leaves *out alone; a present key of the wrong type is
 * always PR_INPUT.  Numbers must be finite.  Errors are reported as
 * "<ctx>.<key>: <what is wrong>".
 */
enum doc_need { PR_REQUIRED = 0, PR_OPTIONAL = 1 };

int doc_get_number(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, double *out);
int doc_get_long(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, long min, long max, long *out);
int doc_get_string(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const char **out);
int doc_get_bool(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, bool *out);
int doc_get_object(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const cJSON **out);
int doc_get_array(const cJSON *obj, const char *key, enum doc_need need, const char *ctx, const cJSON **out);

/*
 * Config readers, one per kind, in the spirit of git's git_config_int: every
 * section reader (bench, qa, platform, compare, ...) uses these, so that one
 * mistake reads the same in every section.  ctx names obj as above
 * ("pr-tools.json: bench.metrics[0]"); each reports one line and returns
 * PR_INPUT, or returns 0.
 *
 * doc_check_fields: obj is an object ("<ctx>: expected an object, found
 * array") and every member of it is named in known (NULL-terminated); else
 * "<ctx>.<key>: unknown field (expected one of: a, b, c)", the first one.
 */
int doc_check_fields(const cJSON *obj, const char *const *known, const char *ctx);

/*
 * doc_get_duration: obj[key] in seconds: a number of seconds, or a string
 * such as "500ms", "10s", "2m" or "1.5h" (util_parse_duration), from 0 (with
 * PR_POSITIVE, above 0) to PR_MAX_DURATION_S.  Absent or null: 0, *out left
 * alone.  Else "<ctx>.<key>: expected seconds or a duration such as "10s"
 * or "500ms" (at most 168h)", or "<ctx>.<key>: must be more than 0".
 */
#define PR_MAX_DURATION_S (7.0 * 24 * 3600)	/* a week: anything longer is a typo */
#define PR_MAX_DURATION_TEXT "168h"
enum doc_zero { PR_ZERO_OK, PR_POSITIVE };

int doc_get_duration(const cJSON *obj, const char *key, enum doc_zero zero, const char *ctx, double *out);

/*
 * doc_duration_arg: the same for a command-line option's argument: "<opt>:
 * expected a duration such as 10s or 500ms (at most 168h), got '<arg>'" or
 * "<opt>: must be more than 0", as usage errors (PR_USAGE, reported).
 */
int doc_duration_arg(const char *opt, const char *arg, enum doc_zero zero, double *out);

/*
 * doc_header_name_valid: s is an HTTP field name, one or more RFC 9110
 * token characters (letters, digits and !#$%&'*+-.^_`|~), so that a name
 * can neither split a request line nor hide a colon.
 *
 * doc_check_header_name: the same, reported for a name found at ctx as
 * "<ctx>: "<name>" is not a header name (letters, digits and ... only)".
 */
bool doc_header_name_valid(const char *s);
int doc_check_header_name(const char *name, const char *ctx);

/*
 * doc_get_headers: obj[key], request headers as an object {"Name": "value"},
 * into *lines, a new NULL-terminated array of *n "Name: value" lines in
 * the object's order (caller frees each line and the array; NULL and 0 when
 * obj[key] is absent or null).  obj[key] must be an object (doc_get_object);
 * each name passes doc_check_header_name at "<ctx>.<key>"; each value must
 * be a string ("<ctx>.<key>.<Name>: expected a string, found number")
 * without a line break ("<ctx>.<key>.<Name>: a header value cannot hold a
 * line break").  Then, when each is not NULL, each(name, value, where, arg)
 * with where "<ctx>.<key>.<Name>" may check more (PR_INPUT, reported: the
 * read stops there) or remember a secret value (0).  Nothing is kept on
 * error.
 */
typedef int doc_header_fn(const char *name, const char *value, const char *where, void *arg);

int doc_get_headers(const cJSON *obj, const char *key, const char *ctx, doc_header_fn *each, void *arg,
    char ***lines, size_t *n);

/*
 * Read a numeric array into a new malloc'd vector (caller frees): every
 * element must be a finite number >= min.  *n is the count.  ctx as above.
 */
int doc_get_numbers(const cJSON *arr, const char *ctx, double min, double **out, size_t *n);

/*
 * Numbers in documents are written at the resolution they were measured at,
 * so that documents diff cleanly and read well: times in milliseconds keep
 * PR_MS_DECIMALS decimals (microseconds, the resolution of libcurl's timers
 * and of the load histogram), and no number carries binary noise such as
 * 0.04319999999999999.  These helpers are the one place that rounds: add a
 * time with doc_add_ms (or doc_ms_item), any other number with doc_add_number.
 * doc_text clears the noise of numbers added otherwise, but only a
 * writer knows a number's resolution.
 */
#define PR_MS_DECIMALS 3
#define PR_ANY_DECIMALS (-1)	/* no fixed resolution: only clear the noise */

/*
 * v rounded to decimals places (at most 9), or with PR_ANY_DECIMALS to 15
 * significant digits; either way the double nearest a short decimal, which
 * prints in that short form.  Not finite: v unchanged.
 */
double doc_round(double v, int decimals);

/* Add a number cleared of noise, or JSON null when v is not finite. */
cJSON *doc_add_number(cJSON *obj, const char *key, double v);

/* Add a time in milliseconds at microseconds, or null when not finite. */
cJSON *doc_add_ms(cJSON *obj, const char *key, double ms);

/* The same as an array item. */
cJSON *doc_ms_item(double ms);

/*
 * True when s[0..len) is well-formed UTF-8 (no overlong forms, surrogates
 * or values past U+10FFFF); otherwise false with *bad (when not NULL) the
 * offset of the first bad byte.  Every JSON text read is checked, and ids
 * from flags are, so that no document or SVG carries invalid text.
 */
bool doc_utf8_valid(const char *s, size_t len, size_t *bad);

/* Free item (NULL is fine), every string in it and below zeroed first: for
 * JSON that held secrets (setting values), so that they do not linger in
 * freed memory (a core dump, a swap page). */
void doc_wipe(cJSON *item);

/* Type name of a cJSON item for messages ("string", "object", ...). */
const char *doc_json_type(const cJSON *item);

#endif
