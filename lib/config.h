/*
 * config.h: pr-tools.json, the one configuration file.
 *
 * Sections: "bench", "qa", "platform", "deploy", "database".  Every string
 * may hold ${VAR}, replaced from the environment when the file is loaded; an
 * unset variable is an error naming it and where it was used.  "$${" stands
 * for a literal "${".  The templates of qa checks ("url", header values,
 * "body", "json") are the exception: they are checked at load but keep
 * ${VAR} as written, for qa_expand() to fill in together with {{name}} in
 * one pass (qa.h).
 *
 * A section's reader reads its fields with doc.h's typed readers
 * (doc_get_string, doc_get_long, ..., and for configs doc_check_fields,
 * doc_get_duration and doc_get_headers), so that one mistake is worded the
 * same in every section.
 */
#ifndef PR_CONFIG_H
#define PR_CONFIG_H

#include <cjson/cJSON.h>

#define PR_CONFIG_DEFAULT "pr-tools.json"

struct config {
	cJSON *root;	/* the expanded file, an object; NULL when none */
	char *name;	/* the path it was read from, for messages */
};

/*
 * Load path, or ./pr-tools.json when path is NULL and that file exists (when
 * it does not, cfg->root is NULL and 0 is returned: flags alone are enough).
 * The whole tree is expanded.  Returns 0 or PR_INPUT (reported, naming the
 * file and the field, as "pr-tools.json: bench.metrics[0].url: ...").
 * Release with config_free().
 */
int config_load(const char *path, struct config *cfg);

/* The same for text in memory; name is used in messages and kept. */
int config_parse(const char *name, const char *text, size_t len, struct config *cfg);
void config_free(struct config *cfg);

/* A top-level section ("bench", "qa", ...), or NULL when absent. */
const cJSON *config_section(const struct config *cfg, const char *name);

/*
 * Expand ${VAR} in s into a new string (caller frees).  On an unset or
 * malformed variable returns NULL and reports it with ctx.
 */
char *config_expand_env(const char *s, const char *ctx);

#endif
