/* config.c: see config.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"

#define CONFIG_MAX_BYTES ((size_t)16 << 20)
#define VAR_NAME_MAX 128

char *
config_expand_env(const char *s, const char *ctx)
{
	struct buf out = {0};
	const char *p = s;

	while (*p) {
		const char *dollar = strchr(p, '$');
		const char *close;
		char name[VAR_NAME_MAX];
		const char *val;
		size_t len;

		if (!dollar) {
			buf_adds(&out, p);
			break;
		}
		buf_add(&out, p, (size_t)(dollar - p));
		if (strncmp(dollar, "$${", 3) == 0) {
			buf_adds(&out, "${");
			p = dollar + 3;
			continue;
		}
		if (dollar[1] != '{') {
			buf_addc(&out, '$');
			p = dollar + 1;
			continue;
		}
		close = strchr(dollar + 2, '}');
		len = close ? (size_t)(close - dollar - 2) : 0;
		if (!close || len == 0 || len >= VAR_NAME_MAX ||
		    strspn(dollar + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != len) {
			pr_error(PR_INPUT, "%s: malformed ${...} reference (use ${NAME}, or $${ for a literal)", ctx);
			buf_free(&out);
			return NULL;
		}
		memcpy(name, dollar + 2, len);
		name[len] = '\0';
		if (!(val = getenv(name))) {
			pr_error(PR_INPUT, "%s: environment variable %s is not set (export it before running)",
			    ctx, name);
			buf_free(&out);
			return NULL;
		}
		buf_adds(&out, val);
		p = close + 1;
	}
	return buf_detach(&out);
}

/*
 * Where a node sits.  The templates of qa checks ("url", header values,
 * "body", "json") keep ${VAR} as written and are only checked here:
 * qa_expand() fills in ${VAR} and {{name}} in one pass when the check runs,
 * so that neither kind's output is scanned for the other (an environment
 * value holding "{{x}}" stays text).
 */
enum place { ROOT, PLAIN, QA, QA_CHECKS, QA_CHECK, QA_TEMPLATE };

static enum place
child_place(enum place parent, const char *key)
{
	static const char *const templates[] = { "url", "headers", "body", "json" };

	switch (parent) {
	case ROOT:
		return strcmp(key, "qa") == 0 ? QA : PLAIN;
	case QA:
		return strcmp(key, "checks") == 0 ? QA_CHECKS : PLAIN;
	case QA_CHECKS:
		return QA_CHECK;
	case QA_CHECK:
		for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
			if (strcmp(key, templates[i]) == 0)
				return QA_TEMPLATE;
		return PLAIN;
	default:
		return parent;
	}
}

/* Expand every string below node (check only, in templates); path names
 * node in messages and is extended with ".key" or "[i]" (just "key" at the
 * top, after "file: "). */
static int
expand_tree(cJSON *node, struct buf *path, enum place where)
{
	size_t mark = path->len;
	size_t index = 0;
	int rc = PR_OK;

	for (cJSON *it = node->child; it && rc == PR_OK; it = it->next, index++) {
		enum place place = child_place(where, cJSON_IsObject(node) ? it->string : "");

		if (cJSON_IsObject(node))
			buf_printf(path, where == ROOT ? "%s" : ".%s", it->string);
		else
			buf_printf(path, "[%zu]", index);
		if (cJSON_IsString(it)) {
			char *v = config_expand_env(it->valuestring, path->data);

			if (!v)
				rc = PR_INPUT;
			else if (place != QA_TEMPLATE && strcmp(v, it->valuestring) != 0 &&
			    !cJSON_SetValuestring(it, v))
				rc = pr_error(PR_INPUT, "%s: cannot expand", path->data);
			free(v);
		} else if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
			rc = expand_tree(it, path, place);
		}
		path->len = mark;
		path->data[mark] = '\0';
	}
	return rc;
}

int
config_parse(const char *name, const char *text, size_t len, struct config *cfg)
{
	struct buf where = {0};
	cJSON *root = NULL;
	int rc;

	cfg->root = NULL;
	cfg->name = NULL;
	if ((rc = doc_json_parse(name, text, len, &root)))
		goto out;
	if (!cJSON_IsObject(root)) {
		rc = pr_error(PR_INPUT,
		    "%s: expected a JSON object with sections such as \"bench\" and \"qa\", found %s",
		    name, doc_json_type(root));
		goto out;
	}
	/* Paths read "pr-tools.json: bench.metrics[0].url" in messages. */
	buf_printf(&where, "%s: ", name);
	rc = expand_tree(root, &where, ROOT);
	if (rc == PR_OK) {
		cfg->root = root;
		cfg->name = xstrdup(name);
		root = NULL;
	}
out:
	cJSON_Delete(root);
	buf_free(&where);
	return rc;
}

int
config_load(const char *path, struct config *cfg)
{
	struct buf text = {0};
	int rc;

	cfg->root = NULL;
	cfg->name = NULL;
	if (!path) {
		if (access(PR_CONFIG_DEFAULT, F_OK) != 0)
			return PR_OK;
		path = PR_CONFIG_DEFAULT;
	}
	rc = fileio_read_file(path, CONFIG_MAX_BYTES, &text);
	if (rc == PR_OK)
		rc = config_parse(path, text.data ? text.data : "", text.len, cfg);
	buf_free(&text);
	return rc;
}

void
config_free(struct config *cfg)
{
	cJSON_Delete(cfg->root);
	free(cfg->name);
	cfg->root = NULL;
	cfg->name = NULL;
}

const cJSON *
config_section(const struct config *cfg, const char *name)
{
	return cfg->root ? cJSON_GetObjectItemCaseSensitive(cfg->root, name) : NULL;
}
