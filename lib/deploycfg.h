/*
 * deploycfg.h: the "deploy" section of pr-tools.json: how pr-rollback
 * triggers a deploy after going back.
 *
 *   {"deploy": {"github": {"repo": "owner/name", "workflow": "deploy.yml",
 *                          "ref": "main", "inputs": {"environment": "prod"}}}}
 *
 * "ref" (default: the tag or branch rolled back to) and "inputs" are
 * optional.
 */
#ifndef PR_DEPLOYCFG_H
#define PR_DEPLOYCFG_H

#include <cjson/cJSON.h>

struct deploycfg_github {
	const char *repo;	/* borrowed from the section */
	const char *workflow;
	const char *ref;	/* NULL when not configured */
	const cJSON *inputs;	/* workflow inputs, NULL when none */
};

/*
 * Read deploy (the config's "deploy" section, or NULL when it has none) into
 * *out; name names the config file in messages.  Returns 0 or PR_INPUT
 * (reported: no deploy.github, or a field of the wrong type).
 */
int deploycfg_github_parse(const cJSON *deploy, const char *name, struct deploycfg_github *out);

#endif
