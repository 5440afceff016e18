/*
 * azsettings.h: the app settings and revision traffic of Azure resources,
 * the part of a platform section (platform.h) that a flag or a canary
 * changes (issue 14):
 *
 *   web_apps[].settings        App Service app settings: {NAME: "value" or null}
 *   container_apps[].settings  environment variables of the template's first
 *                              container, the same shape
 *   container_apps[].traffic   ingress traffic weights in percent:
 *                              {"latest": 5} or {"latest": 5, "api--1": 95}
 *
 * A null value deletes the setting.  "latest" is the latest revision
 * (ARM's latestRevision: true), other keys name revisions.  Weights add up
 * to 100, or "latest" stands alone and the rest goes to the stable revision:
 * the named revision that takes the most traffic now, or, when this run's
 * env change makes a new revision and all traffic follows the latest, the
 * revision that was latest before it.
 *
 * App Service is read with POST .../config/appsettings/list and written with
 * one PUT .../config/appsettings holding the whole merged set, so every
 * other setting is sent back as it was read.  A container app's env change
 * is a JSON merge patch of its template's containers (other containers and
 * other variables, secretRef ones included, as read); it makes a new
 * revision, which is followed until it is Provisioned, Running and Healthy.
 * A traffic change patches configuration.ingress.traffic (no new revision;
 * it needs activeRevisionsMode Multiple).
 *
 * Values are treated as secrets: they are never printed, logged or put in a
 * message.  A document shows a value as {"sha256": "<hex of the value>"}
 * (null when the setting is absent).  Only the restore section holds plain
 * values: the old ones of the settings this run changed (null: the setting
 * did not exist, and restoring deletes it).
 */
#ifndef PR_AZSETTINGS_H
#define PR_AZSETTINGS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "azure.h"

#define AZSETTINGS_NAME_MAX 256
#define AZSETTINGS_WEIGHT_ALL 100
#define AZSETTINGS_LATEST "latest"

/* True for the entry keys this module handles ("settings", "traffic"). */
bool azsettings_is_key(const char *key);

/*
 * Check entry's "settings" (and, for a container app, "traffic"); ctx
 * names the entry in messages ("pr-tools.json: platform.azure.web_apps[0]").
 * A value that is a {"sha256"} object (stdout's copy of a restore section)
 * is refused with a line saying where the plain value is.  Returns 0 or
 * PR_INPUT (reported).
 */
int azsettings_check(const cJSON *entry, bool container_app, const char *ctx);

/* The hashed view of entry's settings and its traffic, for the apply
 * document's "desired": {"settings": {NAME: {"sha256"} or null},
 * "traffic": {...}}, only the keys entry has.  New object. */
cJSON *azsettings_desired(const cJSON *entry);

/*
 * Apply entry's settings and traffic to the resource id (a site or a
 * container app) after its other settings: read, diff, write only when
 * something differs, follow a new revision, read back and verify.  out is
 * the resource's pr-tools/apply/1 entry: this adds "settings", "traffic"
 * and "latest_revision" to its "before" and "after", hashed changes
 * ({"setting": "settings.NAME", "from", "to"}) to "changes", raises its
 * "status" (unchanged < planned < changed < not_verified < failed) and sets
 * "error", and puts the plain old values of what changed in out["restore"]
 * ({"settings": {NAME: old or null}, "traffic": {...}}), which
 * platform_restore() moves into the restore section.  lbl names the
 * resource in messages ("sites/web1").  Failures are reported as one line.
 */
void azsettings_apply(struct azure_client *c, const char *id, bool container_app, const cJSON *entry,
    bool dry_run, const char *lbl, cJSON *out);

/*
 * A copy of the apply document doc fit for stdout and step summaries: every
 * plain setting value in its restore section (and in resources[].restore)
 * replaced by its {"sha256"} view.  *had_values says whether doc held any.
 * Caller frees.
 */
cJSON *azsettings_redact(const cJSON *doc, bool *had_values);

#endif
