/*
 * jsonpath.h: a small path syntax for picking one value out of a JSON
 * document, used by pr-qa's "json" expectations and captures.
 *
 *	path     = [ "$" ] [ step ] { "." name | "[" index "]" | "[" quoted "]" }
 *	name     = one or more of A-Z a-z 0-9 _ -
 *	index    = a whole number; negative counts from the end ([-1] is last)
 *	quoted   = "..." (a key with any other characters; \" and \\ escape)
 *
 * Examples: "status", "$.status", "data.items[0].id", "items[-1]",
 * "$[\"content-type\"]", "$" (the whole document).  A leading "$." is
 * optional, so "data.token" and "$.data.token" are the same path.
 */
#ifndef PR_JSONPATH_H
#define PR_JSONPATH_H

#include <stddef.h>
#include <cjson/cJSON.h>

/*
 * Check that path is well formed.  Returns 0, or -1 with a short reason
 * (what and at which character) written to why.
 */
int jsonpath_check(const char *path, char *why, size_t whylen);

/*
 * The value at path inside root (borrowed from root), or NULL when the path
 * is malformed or leads nowhere (missing key, index out of range, a step
 * into a value that is not an object or array).
 */
const cJSON *jsonpath_get(const cJSON *root, const char *path);

/*
 * The value as text for comparisons and captures, in a new string (caller
 * frees): strings as they are, numbers without trailing zeros, true/false,
 * null, objects and arrays as compact JSON.
 */
char *jsonpath_text(const cJSON *item);

#endif
