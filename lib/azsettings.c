/* azsettings.c: see azsettings.h.  App Service app settings, Container
 * Apps env, revisions and traffic through lib/azure.h. */
#include "azsettings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "jsonpath.h"
#include "platform.h"
#include "pr.h"
#include "util.h"

#define REVISION_NAME_MAX 128
#define STATE_MAX 512

static bool
is_revision_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < REVISION_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

int
azsettings_check_names(const cJSON *settings, const char *ctx)
{
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-";

	for (const cJSON *it = cJSON_IsObject(settings) ? settings->child : NULL; it; it = it->next)
		if (strspn(it->string, name_chars) != strlen(it->string) || (*it->string >= '0' && *it->string <= '9'))
			return pr_error(PR_INPUT, "%s.settings: \"%s\" is not a name Azure takes for an app setting or "
			    "environment variable (letters, digits, '_', '.', ':' and '-', not first a digit)", ctx,
			    it->string);
	return PR_OK;
}

int
azsettings_check_traffic(const cJSON *traffic, const char *ctx)
{
	bool latest_alone = traffic->child && !traffic->child->next &&
	    strcmp(traffic->child->string, AZSETTINGS_LATEST) == 0;
	double sum = 0;

	if (!traffic->child)
		return pr_error(PR_INPUT, "%s.traffic: empty (give {\"latest\": PERCENT})", ctx);
	for (const cJSON *it = traffic->child; it; it = it->next) {
		if (strcmp(it->string, AZSETTINGS_LATEST) != 0 && !is_revision_name(it->string))
			return pr_error(PR_INPUT, "%s.traffic: \"%s\" is neither \"latest\" nor a revision name",
			    ctx, it->string);
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > AZSETTINGS_WEIGHT_ALL ||
		    floor(it->valuedouble) != it->valuedouble)
			return pr_error(PR_INPUT, "%s.traffic.%s: expected a whole percentage from 0 to 100",
			    ctx, it->string);
		sum += it->valuedouble;
	}
	if (sum != AZSETTINGS_WEIGHT_ALL && !latest_alone)
		return pr_error(PR_INPUT, "%s.traffic: weights add up to %g; make them add up to 100, or give "
		    "\"latest\" alone (the rest stays on the stable revision)", ctx, sum);
	return PR_OK;
}

/*
 * The env of a container as {NAME: value}; a secretRef variable is left
 * out, and the first of them that want names goes to *secret_ref.
 */
static cJSON *
env_map(const cJSON *container, const cJSON *want, const char **secret_ref)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(container, "env");
	cJSON *map = cJSON_CreateObject();

	*secret_ref = NULL;
	for (const cJSON *e = cJSON_IsArray(env) ? env->child : NULL; e; e = e->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(e, "value");

		if (!cJSON_IsString(name))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(e, "secretRef")) {
			if (!*secret_ref && cJSON_GetObjectItemCaseSensitive(want, name->valuestring))
				*secret_ref = name->valuestring;
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(map, name->valuestring);
		cJSON_AddStringToObject(map, name->valuestring, cJSON_IsString(value) ? value->valuestring : "");
	}
	return map;
}

cJSON *
azsettings_containers_with_env(const cJSON *containers, const cJSON *want)
{
	cJSON *list = cJSON_Duplicate(containers, true);
	cJSON *first = cJSON_GetArrayItem(list, 0), *env = cJSON_GetObjectItemCaseSensitive(first, "env");

	if (!first)
		return list;	/* no container: Resource Manager says what it thinks of that */
	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(first, "env");
		env = cJSON_AddArrayToObject(first, "env");
	}
	for (const cJSON *w = want->child; w; w = w->next) {
		cJSON *e = env->child, *next;
		bool done = false;

		for (; e; e = next) {
			next = e->next;
			if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "name")) ||
			    strcmp(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, w->string) != 0)
				continue;
			if (!cJSON_IsString(w) || done) {
				cJSON_Delete(cJSON_DetachItemViaPointer(env, e));
				continue;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(e, "value");
			cJSON_AddStringToObject(e, "value", w->valuestring);
			done = true;
		}
		if (!done && cJSON_IsString(w)) {
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "name", w->string);
			cJSON_AddStringToObject(e, "value", w->valuestring);
			cJSON_AddItemToArray(env, e);
		}
	}
	return list;
}

cJSON *
azsettings_traffic(const cJSON *app)
{
	const cJSON *list = jsonpath_get(app, "properties.configuration.ingress.traffic");
	cJSON *map = cJSON_CreateObject();

	for (const cJSON *t = cJSON_IsArray(list) ? list->child : NULL; t; t = t->next) {
		const cJSON *rev = cJSON_GetObjectItemCaseSensitive(t, "revisionName");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(t, "weight");
		const char *key = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "latestRevision")) ?
		    AZSETTINGS_LATEST : cJSON_IsString(rev) ? rev->valuestring : NULL;
		cJSON *have;

		if (!key)
			continue;
		if ((have = cJSON_GetObjectItemCaseSensitive(map, key)))
			cJSON_SetNumberValue(have, have->valuedouble + (cJSON_IsNumber(w) ? w->valuedouble : 0));
		else
			cJSON_AddNumberToObject(map, key, cJSON_IsNumber(w) ? w->valuedouble : 0);
	}
	return map;
}

static double
weight_of(const cJSON *map, const char *key)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(map, key);

	return cJSON_IsNumber(w) ? w->valuedouble : 0;
}

/*
 * want with the rest of 100 given to the stable revision when "latest"
 * stands alone (azsettings.h).  latest_before is the revision latest now;
 * new_revision says whether this run makes a newer one.  NULL when no
 * revision can take the rest.  New object.
 */
static cJSON *
traffic_resolve(const cJSON *want, const cJSON *current, const char *latest_before, bool new_revision)
{
	double rest = AZSETTINGS_WEIGHT_ALL, best = -1;
	const char *stable = NULL;
	cJSON *out = cJSON_Duplicate(want, true);

	for (const cJSON *it = want->child; it; it = it->next)
		rest -= it->valuedouble;
	if (rest <= 0)
		return out;
	for (const cJSON *it = current->child; it; it = it->next)
		if (strcmp(it->string, AZSETTINGS_LATEST) != 0 && it->valuedouble > best &&
		    !(latest_before && strcmp(it->string, latest_before) == 0 && !new_revision)) {
			best = it->valuedouble;
			stable = it->string;
		}
	if (!stable && new_revision)
		stable = latest_before;
	if (!stable) {
		cJSON_Delete(out);
		return NULL;
	}
	cJSON_AddNumberToObject(out, stable, rest);
	return out;
}

/* The traffic map as ARM's ingress traffic array. */
static cJSON *
traffic_array(const cJSON *map)
{
	cJSON *list = cJSON_CreateArray();

	for (const cJSON *it = map->child; it; it = it->next) {
		cJSON *t = cJSON_CreateObject();

		if (strcmp(it->string, AZSETTINGS_LATEST) == 0)
			cJSON_AddBoolToObject(t, "latestRevision", true);
		else
			cJSON_AddStringToObject(t, "revisionName", it->string);
		cJSON_AddNumberToObject(t, "weight", it->valuedouble);
		cJSON_AddItemToArray(list, t);
	}
	return list;
}

const char *
azsettings_latest_revision(const cJSON *app)
{
	const cJSON *v = jsonpath_get(app, "properties.latestRevisionName");

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A revision's three states, read once; false when it is not done yet. */
static bool
revision_done(const cJSON *rev, bool *ok, char *why, size_t whylen)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(rev, "properties");
	const cJSON *prov = cJSON_GetObjectItemCaseSensitive(p, "provisioningState");
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(p, "runningState");
	const cJSON *health = cJSON_GetObjectItemCaseSensitive(p, "healthState");
	const cJSON *perr = cJSON_GetObjectItemCaseSensitive(p, "provisioningError");
	const char *ps = cJSON_IsString(prov) ? prov->valuestring : "";
	const char *rs = cJSON_IsString(run) ? run->valuestring : "";
	const char *hs = cJSON_IsString(health) ? health->valuestring : "";

	snprintf(why, whylen, "%s, %s, %s", *ps ? ps : "no provisioningState", *rs ? rs : "no runningState",
	    *hs ? hs : "no healthState");
	*ok = false;
	if (strcmp(ps, "Failed") == 0 || strcmp(ps, "Deprovisioned") == 0) {
		if (cJSON_IsString(perr))
			snprintf(why, whylen, "%s: %s", ps, perr->valuestring);
		return true;
	}
	/* healthState None: the revision has no health probes to pass. */
	*ok = strcmp(ps, "Provisioned") == 0 && strcmp(rs, "Running") == 0 &&
	    (strcmp(hs, "Healthy") == 0 || strcmp(hs, "None") == 0);
	return *ok;
}

/* Follow revision name of the app id (azsettings_follow). */
static int
follow_revision(struct azure_client *c, const char *id, const char *name, double timeout_ms, char *why,
    size_t whylen)
{
	double start_ms = util_mono_ms();
	char state[STATE_MAX];
	struct buf path = {0};
	int rc = -1;

	buf_printf(&path, "%s/revisions/%s", id, name);
	for (;;) {
		struct azure_error err;
		cJSON *rev = NULL;
		bool ok, done;

		if (azure_get(c, path.data, PR_PLATFORM_APP_API, &rev, &err)) {
			azure_error_text(&err, state, sizeof state);
			snprintf(why, whylen, "GET revision: %s", state);
			break;
		}
		done = revision_done(rev, &ok, state, sizeof state);
		cJSON_Delete(rev);
		if (done) {
			rc = ok ? 0 : -1;
			snprintf(why, whylen, "%s", state);
			break;
		}
		pr_log("revision %s: %s", name, state);
		if (util_mono_ms() - start_ms + c->poll_ms > timeout_ms) {
			snprintf(why, whylen, "still %s after %g s", state, timeout_ms / 1e3);
			break;
		}
		util_sleep_ms(c->poll_ms);
	}
	buf_free(&path);
	return rc;
}


int
azsettings_web_read(struct azure_client *c, const char *site_id, cJSON **map, struct azure_error *err)
{
	struct buf path = {0};
	cJSON *resp = NULL, *props;
	int rc;

	*map = NULL;
	buf_printf(&path, "%s/config/appsettings/list", site_id);
	rc = azure_send(c, "POST", path.data, PR_PLATFORM_WEB_API, NULL, &resp, err);
	buf_free(&path);
	if (rc)
		return rc;
	props = cJSON_DetachItemFromObjectCaseSensitive(resp, "properties");
	doc_wipe(resp);
	if (!cJSON_IsObject(props)) {
		doc_wipe(props);
		memset(err, 0, sizeof *err);
		err->status = 200;
		snprintf(err->message, sizeof err->message, "the app settings have no \"properties\" object");
		return PR_EXTERNAL;
	}
	*map = props;
	return PR_OK;
}

int
azsettings_web_write(struct azure_client *c, const char *site_id, const cJSON *current, const cJSON *change,
    struct azure_error *err)
{
	struct buf path = {0};
	cJSON *body = cJSON_CreateObject(), *merged = cJSON_Duplicate(current, true);
	int rc;

	/* A name that stays keeps its place; a new one goes at the end. */
	for (const cJSON *w = change ? change->child : NULL; w; w = w->next) {
		if (!cJSON_IsString(w))
			cJSON_DeleteItemFromObjectCaseSensitive(merged, w->string);
		else if (cJSON_GetObjectItemCaseSensitive(merged, w->string))
			cJSON_ReplaceItemInObjectCaseSensitive(merged, w->string, cJSON_CreateString(w->valuestring));
		else
			cJSON_AddStringToObject(merged, w->string, w->valuestring);
	}
	cJSON_AddItemToObject(body, "properties", merged);
	buf_printf(&path, "%s/config/appsettings", site_id);
	rc = azure_send(c, "PUT", path.data, PR_PLATFORM_WEB_API, body, NULL, err);
	doc_wipe(cJSON_DetachItemFromObjectCaseSensitive(body, "properties"));
	cJSON_Delete(body);
	buf_free(&path);
	return rc;
}

cJSON *
azsettings_env(const cJSON *app)
{
	const char *secret_ref;

	return env_map(cJSON_GetArrayItem(jsonpath_get(app, "properties.template.containers"), 0), NULL,
	    &secret_ref);
}

const char *
azsettings_secret_ref(const cJSON *app, const cJSON *want)
{
	const char *secret_ref;

	doc_wipe(env_map(cJSON_GetArrayItem(jsonpath_get(app, "properties.template.containers"), 0), want,
	    &secret_ref));
	return secret_ref;
}

bool
azsettings_traffic_holds(const cJSON *cur, const cJSON *want)
{
	double sum = 0;

	if (!cJSON_IsObject(cur) || !cJSON_IsObject(want))
		return false;
	for (const cJSON *w = want->child; w; w = w->next) {
		if (weight_of(cur, w->string) != w->valuedouble)
			return false;
		sum += w->valuedouble;
	}
	/* Weights that add up to 100 leave nothing for a revision they do not name. */
	for (const cJSON *it = cur->child; it && sum >= AZSETTINGS_WEIGHT_ALL; it = it->next)
		if (!cJSON_GetObjectItemCaseSensitive(want, it->string) && it->valuedouble != 0)
			return false;
	return true;
}

cJSON *
azsettings_traffic_body(const cJSON *want, const cJSON *app, bool new_revision)
{
	cJSON *cur = azsettings_traffic(app), *map, *list;

	map = traffic_resolve(want, cur, azsettings_latest_revision(app), new_revision);
	cJSON_Delete(cur);
	if (!map)
		return NULL;
	list = traffic_array(map);
	cJSON_Delete(map);
	return list;
}

int
azsettings_follow(struct azure_client *c, const char *app_id, const char *latest_before, double timeout_ms,
    char *revision, size_t revlen, char *why, size_t whylen)
{
	struct azure_error err;
	cJSON *app = NULL;
	const char *latest;
	int rc = PR_OK;

	*revision = *why = '\0';
	if (azure_get(c, app_id, PR_PLATFORM_APP_API, &app, &err)) {
		azure_error_text(&err, why, whylen);
		return PR_EXTERNAL;
	}
	latest = azsettings_latest_revision(app);
	if (latest && (!latest_before || strcmp(latest, latest_before) != 0)) {
		snprintf(revision, revlen, "%s", latest);
		pr_note("following revision %s", latest);
		if (follow_revision(c, app_id, latest, timeout_ms, why, whylen))
			rc = PR_EXTERNAL;
		else
			pr_note("revision %s: %s", latest, why);
	}
	cJSON_Delete(app);
	return rc;
}
