/* azsettings.c: see azsettings.h.  App Service app settings, Container
 * Apps env and revision traffic through lib/azure.h. */
#include "azsettings.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "jsonpath.h"
#include "platform.h"
#include "pr.h"
#include "util.h"

#define SHA256_HEX_LEN 65	/* 64 hex digits and a NUL */
#define MSG_MAX 1024
#define REVISION_NAME_MAX 128

/* Statuses of an apply entry, from best to worst. */
static const char *const status_rank[] = {"unchanged", "planned", "changed", "not_verified", "failed", NULL};

bool
azsettings_is_key(const char *key)
{
	return strcmp(key, "settings") == 0 || strcmp(key, "traffic") == 0;
}

/* A setting name App Service and Container Apps both take. */
static bool
is_setting_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > AZSETTINGS_NAME_MAX || (*s >= '0' && *s <= '9'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n;
}

static bool
is_revision_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < REVISION_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n;
}

static int
check_settings(const cJSON *settings, const char *ctx)
{
	for (const cJSON *it = settings->child; it; it = it->next) {
		if (!is_setting_name(it->string))
			return pr_error(PR_INPUT, "%s.settings: \"%s\" is not a setting name (letters, digits, "
			    "'_', '.', ':' and '-', not starting with a digit)", ctx, it->string);
		if (cJSON_IsObject(it) && cJSON_GetObjectItemCaseSensitive(it, "sha256"))
			return pr_error(PR_INPUT, "%s.settings.%s: holds only a hash of the value (a copy from "
			    "stdout); restore from the file -o wrote, which keeps the old value", ctx, it->string);
		if (!cJSON_IsString(it) && !cJSON_IsNull(it))
			return pr_error(PR_INPUT, "%s.settings.%s: expected a string or null (delete), found %s",
			    ctx, it->string, doc_json_type(it));
	}
	return PR_OK;
}

static int
check_traffic(const cJSON *traffic, const char *ctx)
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
		if (!cJSON_IsNumber(it) || it->valuedouble != (double)(long)it->valuedouble ||
		    it->valuedouble < 0 || it->valuedouble > AZSETTINGS_WEIGHT_ALL)
			return pr_error(PR_INPUT, "%s.traffic.%s: expected a whole percentage from 0 to 100",
			    ctx, it->string);
		sum += it->valuedouble;
	}
	if (sum != AZSETTINGS_WEIGHT_ALL && !latest_alone)
		return pr_error(PR_INPUT, "%s.traffic: weights add up to %g; make them add up to 100, or give "
		    "\"latest\" alone (the rest stays on the stable revision)", ctx, sum);
	return PR_OK;
}

int
azsettings_check(const cJSON *entry, bool container_app, const char *ctx)
{
	const cJSON *settings, *traffic;
	int rc;

	if ((rc = doc_get_object(entry, "settings", PR_OPTIONAL, ctx, &settings)) ||
	    (rc = doc_get_object(entry, "traffic", PR_OPTIONAL, ctx, &traffic)))
		return rc;
	if (settings && (rc = check_settings(settings, ctx)))
		return rc;
	if (traffic && !container_app)
		return pr_error(PR_INPUT, "%s.traffic: only container apps have revision traffic", ctx);
	return traffic ? check_traffic(traffic, ctx) : PR_OK;
}

/* {"sha256": hex of value}, or null for NULL: how a document shows a value. */
static cJSON *
hash_view(const char *value)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[SHA256_HEX_LEN];
	cJSON *o;

	if (!value)
		return cJSON_CreateNull();
	EVP_Digest(value, strlen(value), md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n && 2 * i + 1 < sizeof hex; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[sizeof hex - 1] = '\0';
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sha256", hex);
	return o;
}

/* The string value of map[name], or NULL when absent. */
static const char *
value_of(const cJSON *map, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(map, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* {NAME: hash view of current[NAME]} for every NAME that want names. */
static cJSON *
settings_view(const cJSON *current, const cJSON *want)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *w = want->child; w; w = w->next)
		cJSON_AddItemToObject(out, w->string, hash_view(value_of(current, w->string)));
	return out;
}

cJSON *
azsettings_desired(const cJSON *entry)
{
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(entry, "settings");
	const cJSON *traffic = cJSON_GetObjectItemCaseSensitive(entry, "traffic");
	cJSON *out = cJSON_CreateObject();

	if (cJSON_IsObject(settings))
		cJSON_AddItemToObject(out, "settings", settings_view(settings, settings));
	if (cJSON_IsObject(traffic))
		cJSON_AddItemToObject(out, "traffic", cJSON_Duplicate(traffic, true));
	return out;
}

/* obj[key] = item, replacing any value there. */
static void
put(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

/* out[key], made an object when it is not one. */
static cJSON *
object_at(cJSON *out, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(out, key);

	if (!cJSON_IsObject(o)) {
		o = cJSON_CreateObject();
		put(out, key, o);
	}
	return o;
}

static int
rank_of(const char *status)
{
	for (int i = 0; status_rank[i]; i++)
		if (strcmp(status_rank[i], status) == 0)
			return i;
	return 0;
}

/* out's status becomes status when that is worse. */
static void
raise_status(cJSON *out, const char *status)
{
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(out, "status");

	if (!cJSON_IsString(cur) || rank_of(status) > rank_of(cur->valuestring))
		put(out, "status", cJSON_CreateString(status));
}

/* Report an ARM failure of what (e.g. "PUT appsettings") as one line, and mark out failed. */
static void
arm_failed(cJSON *out, const char *what, const char *lbl, const struct azure_error *err)
{
	char text[MSG_MAX], line[MSG_MAX + 256];

	azure_error_text(err, text, sizeof text);
	snprintf(line, sizeof line, "%s %s: %s", what, lbl, text);
	pr_error(PR_EXTERNAL, "%s (%s)", line, azure_error_hint(err));
	put(out, "error", cJSON_CreateString(line));
	raise_status(out, "failed");
}

/* Mark out with status and a reason (already free of values), reported as one line. */
static void
mark(cJSON *out, const char *status, const char *lbl, const char *why, const char *fix)
{
	pr_error(strcmp(status, "failed") == 0 ? PR_EXTERNAL : PR_FAIL, "%s: %s (%s)", lbl, why, fix);
	put(out, "error", cJSON_CreateString(why));
	raise_status(out, status);
}

/*
 * Diff want against current (both {NAME: value}; null or absent: no
 * setting).  Appends hashed changes to changes and the old plain values of
 * the changed names to restore.  Returns how many changed.
 */
static int
settings_diff(const cJSON *current, const cJSON *want, cJSON *changes, cJSON *restore)
{
	int n = 0;

	for (const cJSON *w = want->child; w; w = w->next) {
		const char *old = value_of(current, w->string);
		const char *new = cJSON_IsString(w) ? w->valuestring : NULL;
		struct buf name = {0};
		cJSON *ch;

		if ((!old && !new) || (old && new && strcmp(old, new) == 0))
			continue;
		buf_printf(&name, "settings.%s", w->string);
		ch = cJSON_CreateObject();
		cJSON_AddStringToObject(ch, "setting", name.data);
		cJSON_AddItemToObject(ch, "from", hash_view(old));
		cJSON_AddItemToObject(ch, "to", hash_view(new));
		cJSON_AddItemToArray(changes, ch);
		cJSON_AddItemToObject(restore, w->string, old ? cJSON_CreateString(old) : cJSON_CreateNull());
		pr_note("%s: %s (value not shown)", name.data, !old ? "added" : !new ? "deleted" : "changed");
		buf_free(&name);
		n++;
	}
	return n;
}

/* current with want merged in: set, or deleted for null.  New object. */
static cJSON *
settings_merge(const cJSON *current, const cJSON *want)
{
	cJSON *m = cJSON_Duplicate(current, true);

	for (const cJSON *w = want->child; w; w = w->next) {
		cJSON_DeleteItemFromObjectCaseSensitive(m, w->string);
		if (cJSON_IsString(w))
			cJSON_AddStringToObject(m, w->string, w->valuestring);
	}
	return m;
}

/* The first name in want whose value in current is not the wanted one, or NULL. */
static const char *
settings_unverified(const cJSON *current, const cJSON *want)
{
	for (const cJSON *w = want->child; w; w = w->next) {
		const char *v = value_of(current, w->string);

		if (cJSON_IsString(w) ? !v || strcmp(v, w->valuestring) != 0 : v != NULL)
			return w->string;
	}
	return NULL;
}

/* Free a settings map, wiping its values first. */
static void
wipe(cJSON *map)
{
	for (cJSON *it = map ? map->child : NULL; it; it = it->next)
		if (cJSON_IsString(it))
			explicit_bzero(it->valuestring, strlen(it->valuestring));
	cJSON_Delete(map);
}

/* Put view under out[side][key]. */
static void
show(cJSON *out, const char *side, const char *key, cJSON *view)
{
	put(object_at(out, side), key, view);
}

/* out["restore"][key] = item when this run changed something (not in a dry run), else drop item. */
static void
keep_restore(cJSON *out, const char *key, cJSON *item, bool dry_run)
{
	if (!item->child || dry_run) {
		wipe(item);
		return;
	}
	put(object_at(out, "restore"), key, item);
}

/* POST .../config/appsettings/list: the site's settings {NAME: value} in *map. */
static int
web_read(struct azure_client *c, const char *path, cJSON **map, struct azure_error *err)
{
	cJSON *resp = NULL, *props;
	int rc;

	*map = NULL;
	if ((rc = azure_send(c, "POST", path, PR_PLATFORM_WEB_API, NULL, &resp, err)))
		return rc;
	props = cJSON_DetachItemFromObjectCaseSensitive(resp, "properties");
	wipe(resp);
	if (!cJSON_IsObject(props)) {
		cJSON_Delete(props);
		err->status = 200;
		snprintf(err->message, sizeof err->message, "the app settings have no \"properties\" object");
		return PR_EXTERNAL;
	}
	*map = props;
	return PR_OK;
}

static void
web_apply(struct azure_client *c, const char *id, const cJSON *want, bool dry_run, const char *lbl, cJSON *out)
{
	struct buf list = {0}, path = {0};
	cJSON *cur = NULL, *merged = NULL, *body = NULL, *after = NULL;
	cJSON *restore = cJSON_CreateObject();
	struct azure_error err;
	const char *bad;
	int n;

	buf_printf(&path, "%s/config/appsettings", id);
	buf_printf(&list, "%s/list", path.data);
	if (web_read(c, list.data, &cur, &err)) {
		arm_failed(out, "POST appsettings/list", lbl, &err);
		goto out;
	}
	show(out, "before", "settings", settings_view(cur, want));
	n = settings_diff(cur, want, cJSON_GetObjectItemCaseSensitive(out, "changes"), restore);
	if (n == 0 || dry_run) {
		if (n == 0)
			show(out, "after", "settings", settings_view(cur, want));
		raise_status(out, n ? "planned" : "unchanged");
		goto out;
	}
	/* The whole set goes back: PUT replaces it, and a name left out is deleted. */
	merged = settings_merge(cur, want);
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "properties", merged);
	if (azure_send(c, "PUT", path.data, PR_PLATFORM_WEB_API, body, NULL, &err)) {
		arm_failed(out, "PUT appsettings", lbl, &err);
		goto out;
	}
	raise_status(out, "changed");
	if (web_read(c, list.data, &after, &err)) {
		arm_failed(out, "POST appsettings/list (read back)", lbl, &err);
		raise_status(out, "not_verified");
		goto out;
	}
	show(out, "after", "settings", settings_view(after, want));
	if ((bad = settings_unverified(after, want))) {
		struct buf why = {0};

		buf_printf(&why, "settings.%s does not hold the wanted value after apply", bad);
		mark(out, "not_verified", lbl, why.data, "the change did not stick; check the app's activity log");
		buf_free(&why);
	}
out:
	keep_restore(out, "settings", restore, dry_run);
	wipe(cur);
	wipe(after);
	if (body) {
		wipe(cJSON_DetachItemFromObjectCaseSensitive(body, "properties"));
		cJSON_Delete(body);
	}
	buf_free(&list);
	buf_free(&path);
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

/*
 * The template's containers with want merged into the first one's env:
 * a variable set in place (keeping its position), added at the end, or
 * removed for null; every other variable and container as read.
 */
static cJSON *
containers_with_env(const cJSON *containers, const cJSON *want)
{
	cJSON *list = cJSON_Duplicate(containers, true);
	cJSON *first = cJSON_GetArrayItem(list, 0), *env = cJSON_GetObjectItemCaseSensitive(first, "env");

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
			put(e, "value", cJSON_CreateString(w->valuestring));
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

/* ARM's ingress traffic as {"latest": weight, REVISION: weight}.  New object. */
static cJSON *
traffic_map(const cJSON *app)
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

/* Same weights, an absent key counting as 0. */
static bool
traffic_same(const cJSON *a, const cJSON *b)
{
	for (const cJSON *it = a->child; it; it = it->next)
		if (weight_of(b, it->string) != it->valuedouble)
			return false;
	for (const cJSON *it = b->child; it; it = it->next)
		if (weight_of(a, it->string) != it->valuedouble)
			return false;
	return true;
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

/* The app's latest revision name, or NULL (borrowed from app). */
static const char *
latest_revision(const cJSON *app)
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

/*
 * Follow revision name of the app id until it is Provisioned, Running and
 * Healthy.  Degraded or Unhealthy may pass while containers start, so only
 * a failed provisioning ends it early; otherwise the operation timeout.
 * Returns 0, or -1 with why (a state, never a value) filled in.
 */
static int
follow_revision(struct azure_client *c, const char *id, const char *name, char *why, size_t whylen)
{
	double start_ms = util_mono_ms();
	char state[MSG_MAX / 2];
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
		pr_log("revision %s: %s", name, state);
		if (done) {
			rc = ok ? 0 : -1;
			snprintf(why, whylen, "%s", state);
			break;
		}
		if (util_mono_ms() - start_ms + c->poll_ms > c->lro_timeout_ms) {
			snprintf(why, whylen, "still %s after %.0f s", state, c->lro_timeout_ms / 1e3);
			break;
		}
		util_sleep_ms(c->poll_ms);
	}
	buf_free(&path);
	return rc;
}

/* The PATCH body: the containers with the new env, and the new traffic. */
static cJSON *
app_patch_body(const cJSON *containers, const cJSON *want, const cJSON *traffic)
{
	cJSON *body = cJSON_CreateObject(), *props = cJSON_AddObjectToObject(body, "properties");

	if (containers)
		cJSON_AddItemToObject(cJSON_AddObjectToObject(props, "template"), "containers",
		    containers_with_env(containers, want));
	if (traffic)
		cJSON_AddItemToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(props, "configuration"),
		    "ingress"), "traffic", traffic_array(traffic));
	return body;
}

static void
add_traffic_change(cJSON *changes, const cJSON *from, const cJSON *to)
{
	cJSON *ch = cJSON_CreateObject();

	cJSON_AddStringToObject(ch, "setting", "traffic");
	cJSON_AddItemToObject(ch, "from", cJSON_Duplicate(from, true));
	cJSON_AddItemToObject(ch, "to", cJSON_Duplicate(to, true));
	cJSON_AddItemToArray(changes, ch);
	pr_note("traffic: changed");
}

/* A container app's views of what entry names: latest revision, settings, traffic. */
static void
app_show(cJSON *out, const char *side, const cJSON *app, const cJSON *env, const cJSON *want, bool traffic)
{
	const char *latest = latest_revision(app);

	show(out, side, "latest_revision", latest ? cJSON_CreateString(latest) : cJSON_CreateNull());
	if (want)
		show(out, side, "settings", settings_view(env, want));
	if (traffic)
		show(out, side, "traffic", traffic_map(app));
}

/* Read back after a change: follow the new revision, then verify env and traffic. */
static void
app_verify(struct azure_client *c, const char *id, const char *latest_before, const cJSON *want,
    const cJSON *target, const char *lbl, cJSON *out)
{
	struct azure_error err;
	cJSON *app = NULL, *env = NULL;
	const char *latest, *secret, *bad;
	char why[MSG_MAX];

	if (azure_get(c, id, PR_PLATFORM_APP_API, &app, &err)) {
		arm_failed(out, "GET (read back)", lbl, &err);
		raise_status(out, "not_verified");
		return;
	}
	latest = latest_revision(app);
	if (want && latest && (!latest_before || strcmp(latest, latest_before) != 0)) {
		pr_note("%s: following revision %s", lbl, latest);
		if (follow_revision(c, id, latest, why, sizeof why)) {
			char line[MSG_MAX + 128];

			snprintf(line, sizeof line, "revision %s is not healthy: %s", latest, why);
			mark(out, "not_verified", lbl, line, "see the revision's logs; restore with --restore");
		}
	}
	env = want ? env_map(cJSON_GetArrayItem(jsonpath_get(app, "properties.template.containers"), 0), want,
	    &secret) : NULL;
	app_show(out, "after", app, env, want, target != NULL);
	if (want && (bad = settings_unverified(env, want))) {
		snprintf(why, sizeof why, "settings.%s does not hold the wanted value after apply", bad);
		mark(out, "not_verified", lbl, why, "the change did not stick; check the app's activity log");
	} else if (target && !traffic_same(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(out, "after"), "traffic"), target)) {
		mark(out, "not_verified", lbl, "traffic does not hold the wanted weights after apply",
		    "the change did not stick; check the app's activity log");
	}
	wipe(env);
	cJSON_Delete(app);
}

/*
 * The traffic this run wants (with the stable revision's rest), or NULL
 * with out marked failed.  *changed says whether it differs from now.
 */
static cJSON *
app_traffic_plan(const cJSON *app, const cJSON *want, bool new_revision, const char *lbl, cJSON *out,
    bool *changed)
{
	const cJSON *mode = jsonpath_get(app, "properties.configuration.activeRevisionsMode");
	cJSON *cur = traffic_map(app), *target;

	*changed = false;
	target = traffic_resolve(want, cur, latest_revision(app), new_revision);
	if (!target) {
		mark(out, "failed", lbl, "traffic: no revision but the latest takes traffic, so none can keep the "
		    "rest", "name the stable revision too, e.g. {\"latest\": 5, \"REVISION\": 95}");
	} else if (!traffic_same(cur, target)) {
		if (cJSON_IsString(mode) && strcmp(mode->valuestring, "Multiple") != 0) {
			mark(out, "failed", lbl, "traffic: the app is in Single revision mode, where the latest "
			    "revision takes all traffic", "switch it once to Multiple: az containerapp revision "
			    "set-mode --mode multiple");
			cJSON_Delete(target);
			target = NULL;
		} else {
			add_traffic_change(cJSON_GetObjectItemCaseSensitive(out, "changes"), cur, target);
			*changed = true;
		}
	}
	cJSON_Delete(cur);
	return target;
}

static void
app_apply(struct azure_client *c, const char *id, const cJSON *entry, bool dry_run, const char *lbl, cJSON *out)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(entry, "settings");
	const cJSON *want_traffic = cJSON_GetObjectItemCaseSensitive(entry, "traffic");
	const cJSON *containers;
	cJSON *app = NULL, *env = NULL, *target = NULL, *body = NULL;
	cJSON *restore = cJSON_CreateObject(), *restore_traffic = NULL;
	const char *secret = NULL;
	char *latest = NULL;
	struct azure_error err;
	bool traffic_changed = false;
	int n_env = 0;

	want = cJSON_IsObject(want) ? want : NULL;
	want_traffic = cJSON_IsObject(want_traffic) ? want_traffic : NULL;
	if (azure_get(c, id, PR_PLATFORM_APP_API, &app, &err)) {
		arm_failed(out, "GET", lbl, &err);
		goto out;
	}
	containers = jsonpath_get(app, "properties.template.containers");
	latest = latest_revision(app) ? xstrdup(latest_revision(app)) : NULL;
	if (want) {
		env = env_map(cJSON_GetArrayItem(containers, 0), want, &secret);
		if (!cJSON_GetArraySize(containers)) {
			mark(out, "failed", lbl, "the template has no containers to set env on", "check the app");
			goto out;
		}
		if (secret) {
			char why[MSG_MAX];

			snprintf(why, sizeof why, "settings.%s is a secretRef variable", secret);
			mark(out, "failed", lbl, why, "change the secret it refers to instead");
			goto out;
		}
	}
	app_show(out, "before", app, env, want, want_traffic != NULL);
	if (want)
		n_env = settings_diff(env, want, cJSON_GetObjectItemCaseSensitive(out, "changes"), restore);
	if (want_traffic && !(target = app_traffic_plan(app, want_traffic, n_env > 0, lbl, out, &traffic_changed)))
		goto out;
	if (traffic_changed)
		restore_traffic = traffic_map(app);
	if (!n_env && !traffic_changed) {
		app_show(out, "after", app, env, want, want_traffic != NULL);
		raise_status(out, "unchanged");
		goto out;
	}
	if (dry_run) {
		raise_status(out, "planned");
		goto out;
	}
	body = app_patch_body(n_env ? containers : NULL, want, traffic_changed ? target : NULL);
	if (azure_patch(c, id, PR_PLATFORM_APP_API, body, &err)) {
		arm_failed(out, "PATCH", lbl, &err);
		goto out;
	}
	raise_status(out, "changed");
	app_verify(c, id, latest, n_env ? want : NULL, traffic_changed ? target : NULL, lbl, out);
out:
	keep_restore(out, "settings", restore, dry_run);
	if (restore_traffic)
		keep_restore(out, "traffic", restore_traffic, dry_run);
	wipe(env);
	cJSON_Delete(body);
	cJSON_Delete(target);
	cJSON_Delete(app);
	free(latest);
}

void
azsettings_apply(struct azure_client *c, const char *id, bool container_app, const cJSON *entry, bool dry_run,
    const char *lbl, cJSON *out)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(entry, "settings");

	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(out, "changes")))
		put(out, "changes", cJSON_CreateArray());
	if (container_app && (cJSON_IsObject(want) || cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(entry, "traffic"))))
		app_apply(c, id, entry, dry_run, lbl, out);
	else if (!container_app && cJSON_IsObject(want))
		web_apply(c, id, want, dry_run, lbl, out);
}

/* Every string in each "settings" object under item becomes its hash view. */
static void
redact_settings(cJSON *item, bool *had)
{
	for (cJSON *it = item ? item->child : NULL; it; it = it->next) {
		if (it->string && strcmp(it->string, "settings") == 0 && cJSON_IsObject(it)) {
			for (cJSON *v = it->child; v; v = v->next)
				if (cJSON_IsString(v)) {
					cJSON_ReplaceItemViaPointer(it, v, hash_view(v->valuestring));
					*had = true;
				}
		} else {
			redact_settings(it, had);
		}
	}
}

cJSON *
azsettings_redact(const cJSON *doc, bool *had_values)
{
	cJSON *copy = cJSON_Duplicate(doc, true);

	*had_values = false;
	redact_settings(cJSON_GetObjectItemCaseSensitive(copy, "restore"), had_values);
	return copy;
}
