/*
 * deploycfg.h: the "deploy" section of pr-tools.json: how pr-rollback
 * triggers a deploy after going back.
 *
 *   {"deploy": {"github": {"repo": "owner/name", "workflow": "deploy.yml",
 *                          "ref": "main", "inputs": {"environment": "prod"}}}}
 *
 * "ref" (default: the tag or branch rolled back to) and "inputs" are
 * optional.  Or, for an app on Render, a deploy of the commit rolled back
 * to through Render's API, followed until it is live:
 *
 *   {"deploy": {"render": {"service": "srv-..."}}}
 *
 * A section holds one of the two.
 */
#ifndef PR_DEPLOYCFG_H
#define PR_DEPLOYCFG_H

#include <stdbool.h>
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

struct deploycfg_render {
	const char *service;	/* "srv-...", borrowed from the section */
};

/* True when deploy (or NULL) has a "render" member: the deploy goes
 * through Render, not a GitHub workflow. */
bool deploycfg_is_render(const cJSON *deploy);

/*
 * Read deploy.render into *out; name names the config file in messages.
 * Returns 0 or PR_INPUT (reported: a field missing or of the wrong type, an
 * unknown field, or deploy.github beside it).
 */
int deploycfg_render_parse(const cJSON *deploy, const char *name, struct deploycfg_render *out);

/*
 * The platform section (platform.h) that deploys commit (a full or
 * abbreviated SHA) to r's service: applying it deploys and follows the
 * deploy until live, and does nothing when that commit is live already.
 * Caller frees.
 */
cJSON *deploycfg_render_section(const struct deploycfg_render *r, const char *commit);

#endif
