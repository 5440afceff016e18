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
 * pr-snapshot records can be applied again to go back.
 */
#ifndef PR_PLATFORM_H
#define PR_PLATFORM_H

#include <stdbool.h>
#include <cjson/cJSON.h>

struct pr_platform_opts {
	const char *arm_endpoint;	/* NULL: AZURE_ARM_ENDPOINT or the public cloud */
	bool dry_run;			/* plan only: read, diff, change nothing */
};

/*
 * Read the current settings of every resource named in platform (the
 * config's section) into *current, the same shape (caller frees).
 * Returns 0, PR_INPUT for a malformed section, PR_EXTERNAL for API or auth
 * failures (reported).
 */
int pr_platform_read(const cJSON *platform, const struct pr_platform_opts *o, cJSON **current);

/*
 * Apply desired (same shape): read, change only what differs, follow
 * long-running operations, read back and verify.  *resources is the
 * pr-tools/apply/1 "resources" array, one entry per resource with its
 * "before", "after", "changes" and "status" (caller frees).  Returns 0,
 * PR_FAIL (a setting did not verify), PR_EXTERNAL (nothing changed, API
 * failure) or PR_PARTIAL (some resources changed, others failed).
 */
int pr_platform_apply(const cJSON *desired, const struct pr_platform_opts *o, cJSON **resources);

#endif
