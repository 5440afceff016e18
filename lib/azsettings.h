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
 * These are the Azure calls; lib/platform_azure.c, the Azure provider,
 * uses them, and the provider-neutral front (platform.c) diffs, hashes and
 * verifies.  Values are secrets: nothing here prints, logs or puts one in
 * a message, and maps that held them are wiped before they are freed.
 * App settings are read (POST .../list, an action the Reader role lacks)
 * only for a web app whose entry names "settings".
 */
#ifndef PR_AZSETTINGS_H
#define PR_AZSETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "azure.h"

#define AZSETTINGS_WEIGHT_ALL 100
#define AZSETTINGS_LATEST "latest"

/* Check the names of an entry's "settings" map (the front checks the
 * rest); ctx names the entry.  0 or PR_INPUT (reported). */
int azsettings_check_names(const cJSON *settings, const char *ctx);

/* Check a container app entry's "traffic" (ctx names the entry).  0 or
 * PR_INPUT (reported). */
int azsettings_check_traffic(const cJSON *traffic, const char *ctx);

/*
 * App Service: the site's app settings {NAME: "value"} into *map (caller
 * frees with doc_wipe), by POST site_id/config/appsettings/list.
 * Returns 0 or PR_EXTERNAL with err filled in (not reported).
 */
int azsettings_web_read(struct azure_client *c, const char *site_id, cJSON **map, struct azure_error *err);

/*
 * PUT site_id/config/appsettings with current (as read) and change merged:
 * a string sets its name, null deletes it, every other setting goes back
 * as it was read.  Returns 0 or PR_EXTERNAL with err filled in.
 */
int azsettings_web_write(struct azure_client *c, const char *site_id, const cJSON *current, const cJSON *change,
    struct azure_error *err);

/* Container Apps: the env of the template's first container, {NAME: "value"},
 * secretRef variables left out (caller frees with doc_wipe). */
cJSON *azsettings_env(const cJSON *app);

/* The first name in want that is a secretRef variable of the first
 * container (a value this module never writes), or NULL.  Borrowed. */
const char *azsettings_secret_ref(const cJSON *app, const cJSON *want);

/* The template's containers with want merged into the first one's env:
 * a variable set in place, added at the end, or removed for null; every
 * other variable (secretRef ones too) and container as read.  New array. */
cJSON *azsettings_containers_with_env(const cJSON *containers, const cJSON *want);

/* The app's ingress traffic as {"latest": weight, REVISION: weight}; empty
 * when it has none.  New object. */
cJSON *azsettings_traffic(const cJSON *app);

/* True when traffic cur holds want: the weights want names, and, when they
 * add up to 100, none elsewhere. */
bool azsettings_traffic_holds(const cJSON *cur, const cJSON *want);

/* ARM's ingress traffic array for want on app (the stable revision gets
 * the rest, see above; new_revision: this write makes a newer revision),
 * or NULL when no revision can take the rest.  New array. */
cJSON *azsettings_traffic_body(const cJSON *want, const cJSON *app, bool new_revision);

/* The app's latest revision (properties.latestRevisionName), or NULL.  Borrowed. */
const char *azsettings_latest_revision(const cJSON *app);

/*
 * After a write to the container app app_id: when its latest revision is
 * no longer latest_before, follow the new one (named in revision) until it
 * is Provisioned, Running and Healthy (healthState None: no probes to
 * pass).  Degraded and Unhealthy may pass while containers start, so only
 * a failed provisioning ends the wait early; otherwise timeout_ms does
 * (why then says "still <states> after N s").  Returns 0, or PR_EXTERNAL
 * with why (states, never a value) filled in.
 */
int azsettings_follow(struct azure_client *c, const char *app_id, const char *latest_before, double timeout_ms,
    char *revision, size_t revlen, char *why, size_t whylen);

#endif
