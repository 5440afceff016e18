/*
 * platform.h: the platform's settings (Azure App Service "Always On",
 * Container Apps replicas, CPU and memory), read and applied through the
 * Azure Resource Manager REST API.  pr-apply-scale applies them,
 * pr-snapshot records them, pr-rollback restores them.
 *
 * Settings have the shape of the config's "platform" section:
 *   {"azure": {"subscription", "resource_group",
 *              "web_apps": [{"name", "always_on"}],
 *              "container_apps": [{"name", "min_replicas", "max_replicas",
 *                                  "cpu", "memory"}]}}
 * A reader's result has the same shape holding the current values, so what
 * pr-snapshot records can be applied again to go back.  Every setting but
 * "name" is optional: an absent one is left as it is.  cpu is a number of
 * cores (0.5), memory a quantity string ("1Gi", "512Mi").  A container app's
 * cpu and memory are set on every container of its template and read from
 * the first.
 *
 * The token comes from the credential chain (cred.h); errors are reported as one line per resource, e.g.
 * "PATCH containerApps/api: 400 InvalidParameter: ... (fix the platform
 * section)".
 */
#ifndef PR_PLATFORM_H
#define PR_PLATFORM_H

#include <stdbool.h>
#include <cjson/cJSON.h>

struct platform_opts {
	const char *arm_endpoint;	/* NULL: AZURE_ARM_ENDPOINT or the public cloud */
	bool dry_run;			/* plan only: read, diff, change nothing */
	const char *source;		/* names the section in messages, e.g.
					 * "pr-tools.json: platform"; NULL: "platform" */
	double retry_base_ms;		/* first retry wait and LRO poll interval;
					 * 0: PR_RETRY_BASE_MS or the defaults */
	const char **credential;	/* out, or NULL: the credential source
					 * that gave the token (cred.h's name),
					 * NULL when none did */
};

/* Resource Manager api-versions used (stable releases). */
#define PR_PLATFORM_WEB_API "2024-11-01"	/* Microsoft.Web/sites/config */
#define PR_PLATFORM_APP_API "2025-01-01"	/* Microsoft.App/containerApps */

/*
 * Read the current settings of every resource named in platform (the
 * config's section) into *current, the same shape (caller frees).
 * Returns 0, PR_INPUT for a malformed section, PR_EXTERNAL for API or auth
 * failures (reported).
 */
int platform_read(const cJSON *platform, const struct platform_opts *o, cJSON **current);

/*
 * Apply desired (same shape): read, change only what differs, follow
 * long-running operations, read back and verify.  *resources is the
 * pr-tools/apply/1 "resources" array, one entry per resource with its
 * "before", "after", "changes" and "status" (caller frees).  Returns 0,
 * PR_FAIL (a setting did not verify), PR_EXTERNAL (nothing changed, API
 * failure) or PR_PARTIAL (some resources changed, others failed).
 */
int platform_apply(const cJSON *desired, const struct platform_opts *o, cJSON **resources);

/*
 * Check a platform section's shape and types without any network call.
 * Returns 0 or PR_INPUT (reported, naming the field under o->source).
 */
int platform_check(const cJSON *platform, const struct platform_opts *o);

/*
 * The platform section that puts back what platform_apply() found: for
 * every resource in resources whose "before" is known, the settings its
 * "desired" named, with their before values; subscription and resource group
 * from desired.  Caller frees.
 */
cJSON *platform_restore(const cJSON *desired, const cJSON *resources);

#endif
