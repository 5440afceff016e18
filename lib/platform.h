/*
 * platform.h: the platform's settings, read and applied through each cloud's
 * REST API behind one provider interface.  pr-apply-scale applies them,
 * pr-snapshot records them, pr-rollback restores them; none of them calls a
 * provider directly.
 *
 * A platform section holds one object per provider, keyed by its name:
 *   {"azure": {"subscription", "resource_group",
 *              "web_apps": [{"name", "always_on"}],
 *              "container_apps": [{"name", "min_replicas", "max_replicas",
 *                                  "cpu", "memory"}]},
 *    "render": {"services": [{"id", "instances", "plan", "suspended",
 *                             "commit", "settings", "restart"}]}}
 * A key that names no provider is refused (exit 3, naming it).  Each
 * provider's object holds plain fields (ids) and lists of resources, one
 * list per kind (struct platform_kind); a resource entry names the resource
 * (its key field: "name", "id") and the settings wanted.  Every setting is
 * optional: an absent one is left as it is.  A reader's result has the same
 * shape holding the current values, so what pr-snapshot records can be
 * applied again to go back.
 *
 * "settings" (app settings, environment variables), on the kinds that take
 * them, is a map {"NAME": "value"} merged one key at a time: other keys are
 * never dropped.  A value may be null (delete the key) or {"sha256": hex}
 * (the value a snapshot recorded: it is checked, never written, as the
 * snapshot does not hold it).  Values are secrets: documents and messages
 * show {"sha256": hex} (null when absent), never a value; only a restore
 * section holds old plain values, for the keys the run changed.
 *
 * Errors are reported as one line per resource, e.g. "PATCH
 * containerApps/api: 400 InvalidParameter: ... (fix the platform section)".
 *
 * The providers (platform_azure.c, platform_render.c) fill struct
 * platform_provider; this file's front (platform.c) checks sections,
 * dispatches, diffs, verifies, hashes settings and builds restore sections,
 * the same way for every provider.
 */
#ifndef PR_PLATFORM_H
#define PR_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct platform_opts {
	const char *arm_endpoint;	/* NULL: AZURE_ARM_ENDPOINT or the public cloud */
	bool dry_run;			/* plan only: read, diff, change nothing */
	const char *source;		/* names the section in messages, e.g.
					 * "pr-tools.json: platform"; NULL: "platform" */
	double retry_base_ms;		/* first retry wait and poll interval;
					 * 0: PR_RETRY_BASE_MS or the defaults */
	const char **credential;	/* out, or NULL: the credential source
					 * that gave the token (cred.h's name),
					 * NULL when none did */
	cJSON **restore;		/* out, or NULL: platform_apply() sets it
					 * to platform_restore()'s section plus
					 * the old plain values of the settings
					 * it changed (a secret: write it 0600);
					 * caller frees */
};

/* Resource Manager api-versions used (stable releases). */
#define PR_PLATFORM_WEB_API "2024-11-01"	/* Microsoft.Web/sites/config */
#define PR_PLATFORM_APP_API "2025-01-01"	/* Microsoft.App/containerApps */

#define PLATFORM_MSG_MAX 1024
#define PLATFORM_LABEL_MAX 512
/* The key of a resource's settings map, and of a value's hash in documents. */
#define PLATFORM_SETTINGS "settings"
#define PLATFORM_SHA256 "sha256"

/*
 * Read the current settings of every resource named in platform (the
 * config's section) into *current, the same shape (caller frees); settings
 * maps hold every key with {"sha256": hex} of its value.  Returns 0,
 * PR_INPUT for a malformed section, PR_EXTERNAL for API or auth failures
 * (reported).
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
 * "desired" named, with their before values; each provider's ids from
 * desired.  Settings maps are left out: their old values are not in
 * resources (see platform_opts.restore).  Caller frees.
 */
cJSON *platform_restore(const cJSON *desired, const cJSON *resources);

/* How documents show a setting's value: {"sha256": hex} of a string,
 * null for NULL or null, a copy of anything else.  New item. */
cJSON *platform_hashed(const cJSON *value);

/* ---- the provider interface ---- */

/* A kind of resource: one list in the provider's section. */
struct platform_kind {
	const char *list;		/* the section's array: "web_apps" */
	const char *type;		/* "type" in documents: "web_app" */
	bool settings;			/* takes a "settings" map */
	const char *const *directives;	/* entry fields that steer the write
					 * instead of naming a setting
					 * ("restart"), NULL-terminated, or NULL */
};

/* One resource, as the front hands it to its provider. */
struct platform_resource {
	const struct platform_kind *kind;
	const cJSON *section;		/* the provider's section, checked */
	const cJSON *entry;		/* the resource's entry, checked */
	const char *name;		/* the entry's key field: "web1", "srv-abc" */
	char label[PLATFORM_LABEL_MAX];	/* in messages: "sites/web1" */
};

/* What went wrong with one API call, ready for a one-line message. */
struct platform_error {
	char method[16];		/* the call that failed: "PATCH", "GET" */
	char path[128];			/* after the label: "/scale", or "" */
	long status;			/* HTTP status; 0 when no response arrived */
	char text[PLATFORM_MSG_MAX];	/* "400 InvalidParameter: message" */
	const char *hint;		/* what to do: "fix the platform section" */
};

/*
 * A provider: every call but check and id may reach the network.  Calls
 * that fail fill err (not reported: the front reports it once, naming the
 * call and the resource) and return PR_EXTERNAL, or PR_PARTIAL for a write
 * that changed something before it failed.
 */
struct platform_provider {
	const char *name;			/* the section's key: "azure" */
	const char *title;			/* in messages: "Azure" */
	const char *api;			/* in messages: "Resource Manager" */
	const struct platform_kind *kinds;	/* ends with a NULL list */
	const char *key;			/* the entry field naming a
						 * resource: "name", "id" */
	/* Check the section: 0 or PR_INPUT, reported naming the field under
	 * ctx.  On kinds that take settings it accepts the "settings" field
	 * (and may refuse names its API cannot take); the front then checks
	 * the map's values the same way for every provider. */
	int (*check)(const cJSON *section, const char *ctx);
	/* "label" for messages and the document's "id".  Caller frees id. */
	void (*label)(const struct platform_resource *r, char *out, size_t outlen);
	char *(*id)(const struct platform_resource *r);
	/* A client for section: 0 or PR_INPUT (reported), no network. */
	int (*open)(void **client, const cJSON *section, const struct platform_opts *o);
	/* The first token, to fail early and once: 0, PR_INPUT or
	 * PR_EXTERNAL (reported). */
	int (*login)(void *client);
	/* The credential that gave access ("github-oidc"), or NULL. */
	const char *(*credential)(void *client);
	void (*close)(void *client);
	/* The resource as the API shows it into *raw (caller frees). */
	int (*read)(void *client, const struct platform_resource *r, cJSON **raw, struct platform_error *err);
	/* Its settings in the section's terms, without the key field; a
	 * "settings" map holds every key with its plain value.  New object. */
	cJSON *(*current)(const struct platform_resource *r, const cJSON *raw);
	/* Make change hold, then return: change holds only what differs, in
	 * the section's terms, "settings" with plain values to set and null
	 * for keys to delete; raw is what read() gave before.  The front
	 * reads back and verifies. */
	int (*write)(void *client, const struct platform_resource *r, const cJSON *raw, const cJSON *change,
	    struct platform_error *err);
	/* True when a and b are the same value of setting ("1Gi" and
	 * "1024Mi"); NULL: platform_same_value(). */
	bool (*same)(const char *setting, const cJSON *a, const cJSON *b);
};

extern const struct platform_provider platform_azure;
extern const struct platform_provider platform_render;

/* Shared by the providers: the front's comparison of two setting values
 * (equal JSON, numbers within 1e-6), for the settings a provider's own
 * same() has nothing special to say about. */
bool platform_same_value(const cJSON *a, const cJSON *b);

/* Shared by the providers: a name that can go into a URL path as it is
 * (letters, digits, '-', '_', '.', '(' and ')'; not "." or ".."). */
bool platform_is_path_name(const char *s);

#endif
