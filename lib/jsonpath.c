/* jsonpath.c: see jsonpath.h. */
#include "jsonpath.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define KEY_MAX 512

/*
 * One step of the walk: reads the step at *p, leaves the key (NUL-terminated)
 * or the index in the out parameters and advances *p.  Returns 1 for a key,
 * 2 for an index, 0 at the end, -1 when malformed (why filled in).
 */
enum { STEP_END = 0, STEP_KEY = 1, STEP_INDEX = 2, STEP_BAD = -1 };

static int
bad(const char *start, const char *at, const char *what, char *why, size_t whylen)
{
	if (why && whylen)
		snprintf(why, whylen, "%s at character %zu", what, (size_t)(at - start) + 1);
	return STEP_BAD;
}

static int
next_step(const char *start, const char **p, bool first, char key[KEY_MAX], long *index, char *why, size_t whylen)
{
	const char *s = *p;
	size_t len;

	if (*s == '\0')
		return STEP_END;
	if (*s == '.') {
		s++;
	} else if (*s != '[' && !first) {
		return bad(start, s, "expected '.' or '['", why, whylen);
	}
	if (*s == '[' ) {
		s++;
		if (*s == '"') {
			size_t n = 0;

			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				if (n + 1 >= KEY_MAX)
					return bad(start, s, "key too long", why, whylen);
				key[n++] = *s;
			}
			if (*s != '"')
				return bad(start, s, "unterminated quoted key", why, whylen);
			key[n] = '\0';
			if (*++s != ']')
				return bad(start, s, "expected ']'", why, whylen);
			*p = s + 1;
			return STEP_KEY;
		} else {
			char *end;

			if (!(*s == '-' || (*s >= '0' && *s <= '9')))
				return bad(start, s, "expected an index or a quoted key", why, whylen);
			errno = 0;
			*index = strtol(s, &end, 10);
			if (errno || end == s || (*s == '-' && end == s + 1))
				return bad(start, s, "bad index", why, whylen);
			if (*end != ']')
				return bad(start, end, "expected ']'", why, whylen);
			*p = end + 1;
			return STEP_INDEX;
		}
	}
	len = strspn(s, NAME_CHARS);
	if (len == 0)
		return bad(start, s, "expected a name", why, whylen);
	if (len >= KEY_MAX)
		return bad(start, s, "name too long", why, whylen);
	memcpy(key, s, len);
	key[len] = '\0';
	*p = s + len;
	return STEP_KEY;
}

/* Skip an optional leading "$"; a "$" must be followed by '.', '[' or end. */
static const char *
skip_root(const char *path, bool *first)
{
	*first = true;
	if (path[0] == '$') {
		*first = false;
		return path + 1;
	}
	return path;
}

int
jsonpath_check(const char *path, char *why, size_t whylen)
{
	char key[KEY_MAX];
	long index;
	bool first;
	const char *p = skip_root(path, &first);
	int kind;

	if (*path == '\0') {
		snprintf(why, whylen, "empty path (use \"$\" for the whole document)");
		return -1;
	}
	while ((kind = next_step(path, &p, first, key, &index, why, whylen)) > 0)
		first = false;
	return kind == STEP_BAD ? -1 : 0;
}

const cJSON *
jsonpath_get(const cJSON *root, const char *path)
{
	char key[KEY_MAX];
	long index;
	bool first;
	const char *p = skip_root(path, &first);
	const cJSON *cur = root;
	int kind;

	if (!root || *path == '\0')
		return NULL;
	while ((kind = next_step(path, &p, first, key, &index, NULL, 0)) > 0) {
		first = false;
		if (kind == STEP_KEY) {
			if (!cJSON_IsObject(cur))
				return NULL;
			cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		} else {
			int size;

			if (!cJSON_IsArray(cur))
				return NULL;
			size = cJSON_GetArraySize(cur);
			if (index < 0)
				index += size;
			if (index < 0 || index >= size)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)index);
		}
		if (!cur)
			return NULL;
	}
	return kind == STEP_BAD ? NULL : cur;
}

char *
jsonpath_text(const cJSON *item)
{
	char num[64];
	char *s;

	if (!item)
		return xstrdup("");
	if (cJSON_IsString(item))
		return xstrdup(item->valuestring);
	if (cJSON_IsNumber(item)) {
		double v = item->valuedouble;

		if (v == floor(v) && fabs(v) < 1e15)
			snprintf(num, sizeof num, "%.0f", v);
		else
			snprintf(num, sizeof num, "%.17g", v);
		return xstrdup(num);
	}
	if (cJSON_IsTrue(item))
		return xstrdup("true");
	if (cJSON_IsFalse(item))
		return xstrdup("false");
	if (cJSON_IsNull(item))
		return xstrdup("null");
	s = cJSON_PrintUnformatted(item);
	if (!s)
		return xstrdup("");
	{
		char *copy = xstrdup(s);

		cJSON_free(s);
		return copy;
	}
}
