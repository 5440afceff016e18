/*
 * platform_azure.c: the Azure provider of platform.h: App Service and
 * Container Apps settings through Resource Manager (lib/azure.h).
 */
#include "platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azsettings.h"
#include "azure.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"

#define REPLICAS_MAX 1000L
#define CPU_MAX_CORES 64.0
#define MEMORY_EPSILON_MI 1e-3
#define MIB_PER_GIB 1024.0
/* Far above any App Service or Container Apps size: 1 TiB. */
#define MEMORY_MAX_MIB (1024.0 * MIB_PER_GIB)
/* Where read_resource() keeps a web app's app settings in its raw
 * resource: a key Resource Manager's config/web never has. */
#define RAW_APPSETTINGS "_appsettings"
#define REVISION_MAX 96
/* How long a container app's new revision may take to turn healthy unless
 * the section's "revision_timeout" says: a Degraded one may still recover. */
#define REVISION_TIMEOUT_S (20.0 * 60.0)
#define WHY_MAX 512

enum kind { WEB_APP, CONTAINER_APP };

static const struct platform_kind kinds[] = {
	{.list = "web_apps", .type = "web_app", .settings = true},
	{.list = "container_apps", .type = "container_app", .settings = true},
	{.list = NULL},
};

static enum kind
kind_of(const struct platform_resource *r)
{
	return r->kind == &kinds[0] ? WEB_APP : CONTAINER_APP;
}

/* Name used in messages: "sites/web1" or "containerApps/api". */
static void
label(const struct platform_resource *r, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", kind_of(r) == WEB_APP ? "sites" : "containerApps", r->name);
}

/* The ARM resource id, and the path its settings are read from. */
static char *
resource_id(const struct platform_resource *r)
{
	const char *sub = cJSON_GetObjectItemCaseSensitive(r->section, "subscription")->valuestring;
	const char *rg = cJSON_GetObjectItemCaseSensitive(r->section, "resource_group")->valuestring;
	struct buf b = {0};

	buf_printf(&b, "/subscriptions/%s/resourceGroups/%s/providers/%s/%s", sub, rg,
	    kind_of(r) == WEB_APP ? "Microsoft.Web/sites" : "Microsoft.App/containerApps", r->name);
	return buf_detach(&b);
}

static char *
settings_path(const struct platform_resource *r)
{
	char *id = resource_id(r);
	struct buf b = {0};

	buf_printf(&b, "%s%s", id, kind_of(r) == WEB_APP ? "/config/web" : "");
	free(id);
	return buf_detach(&b);
}

static const char *
api_version(const struct platform_resource *r)
{
	return kind_of(r) == WEB_APP ? PR_PLATFORM_WEB_API : PR_PLATFORM_APP_API;
}
/* Memory quantity ("1Gi", "512Mi", "0.5Gi") in MiB, or -1.  Only a plain
 * decimal number is taken: no sign, exponent or hex ("1e308Gi", "0x10Gi"),
 * and nothing above MEMORY_MAX_MIB. */
static double
memory_mib(const char *s)
{
	size_t digits = strspn(s, "0123456789."), dots = 0;
	char *end;
	double v;

	for (size_t i = 0; i < digits; i++)
		dots += s[i] == '.';
	if (digits == 0 || dots > 1 || s[0] == '.')
		return -1;
	v = strtod(s, &end);
	if (end != s + digits || !isfinite(v) || v <= 0)
		return -1;
	if (strcmp(end, "Gi") == 0)
		v *= MIB_PER_GIB;
	else if (strcmp(end, "Mi") != 0)
		return -1;
	return v <= MEMORY_MAX_MIB ? v : -1;
}

static int
get_name(const cJSON *entry, const char *ctx, const char **name)
{
	int rc = doc_get_string(entry, "name", PR_REQUIRED, ctx, name);

	if (rc)
		return rc;
	if (!platform_is_path_name(*name))
		return pr_error(PR_INPUT, "%s.name: \"%s\" is not a resource name "
		    "(letters, digits, '-', '_', '.', '(' and ')')", ctx, *name);
	return PR_OK;
}

static int
check_web_app(const cJSON *e, const char *ctx)
{
	static const char *const keys[] = {"name", "always_on", PLATFORM_SETTINGS, NULL};

	const char *name;
	bool b;
	int rc;

	if (!cJSON_IsObject(e))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(e));
	if ((rc = doc_check_fields(e, keys, ctx)) || (rc = get_name(e, ctx, &name)) ||
	    (rc = azsettings_check_names(cJSON_GetObjectItemCaseSensitive(e, PLATFORM_SETTINGS), ctx)))
		return rc;
	return doc_get_bool(e, "always_on", PR_OPTIONAL, ctx, &b);
}

static int
check_container_app(const cJSON *e, const char *ctx)
{
	static const char *const keys[] = {"name", "min_replicas", "max_replicas", "cpu", "memory",
	    PLATFORM_SETTINGS, "traffic", NULL};
	const cJSON *traffic = NULL;
	const char *name, *mem = NULL;
	long min = -1, max = -1;
	double cpu = 0;
	int rc;

	if (!cJSON_IsObject(e))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(e));
	if ((rc = doc_check_fields(e, keys, ctx)) ||
	    (rc = get_name(e, ctx, &name)) ||
	    (rc = doc_get_long(e, "min_replicas", PR_OPTIONAL, ctx, 0, REPLICAS_MAX, &min)) ||
	    (rc = doc_get_long(e, "max_replicas", PR_OPTIONAL, ctx, 1, REPLICAS_MAX, &max)) ||
	    (rc = doc_get_number(e, "cpu", PR_OPTIONAL, ctx, &cpu)) ||
	    (rc = doc_get_string(e, "memory", PR_OPTIONAL, ctx, &mem)) ||
	    (rc = doc_get_object(e, "traffic", PR_OPTIONAL, ctx, &traffic)) ||
	    (rc = azsettings_check_names(cJSON_GetObjectItemCaseSensitive(e, PLATFORM_SETTINGS), ctx)) ||
	    (traffic && (rc = azsettings_check_traffic(traffic, ctx))))
		return rc;
	if (cJSON_GetObjectItemCaseSensitive(e, "cpu") && (cpu <= 0 || cpu > CPU_MAX_CORES))
		return pr_error(PR_INPUT, "%s.cpu: %g cores is out of range (a number of cores above 0, "
		    "at most %g, like 0.5)", ctx, cpu, CPU_MAX_CORES);
	if (mem && memory_mib(mem) < 0)
		return pr_error(PR_INPUT, "%s.memory: \"%s\" is not a memory size (write it like 1Gi or 512Mi)",
		    ctx, mem);
	return PR_OK;
}


static const cJSON *
dig(const cJSON *obj, const char *const *keys)
{
	for (; *keys && obj; keys++)
		obj = cJSON_GetObjectItemCaseSensitive(obj, *keys);
	return obj;
}

/* The settings ARM reports, in the section's terms (no "name").  New object. */
static cJSON *
settings_of(enum kind k, const cJSON *arm)
{
	static const char *const always_on[] = {"properties", "alwaysOn", NULL};
	static const char *const scale[] = {"properties", "template", "scale", NULL};
	static const char *const containers[] = {"properties", "template", "containers", NULL};
	cJSON *out = cJSON_CreateObject();
	const cJSON *v, *sc, *first, *res;

	if (k == WEB_APP) {
		v = dig(arm, always_on);
		if (cJSON_IsBool(v))
			cJSON_AddBoolToObject(out, "always_on", cJSON_IsTrue(v));
		return out;
	}
	sc = dig(arm, scale);
	v = cJSON_GetObjectItemCaseSensitive(sc, "minReplicas");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(out, "min_replicas", v->valuedouble);
	v = cJSON_GetObjectItemCaseSensitive(sc, "maxReplicas");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(out, "max_replicas", v->valuedouble);
	first = cJSON_GetArrayItem(dig(arm, containers), 0);
	res = cJSON_GetObjectItemCaseSensitive(first, "resources");
	v = cJSON_GetObjectItemCaseSensitive(res, "cpu");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(out, "cpu", v->valuedouble);
	v = cJSON_GetObjectItemCaseSensitive(res, "memory");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "memory", v->valuestring);
	return out;
}


static bool
has(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

/* obj[key] = item, replacing any value there. */
static void
set_item(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

/*
 * The PATCH body for change (only what differs).  Web app: {"properties": {"alwaysOn"}}.
 * Container app (JSON merge patch): the changed scale fields, and, when cpu
 * or memory change, the whole containers array (merge patch replaces
 * arrays) with each container's resources updated.
 */
static cJSON *
patch_body(enum kind k, const cJSON *arm, const cJSON *change)
{
	static const char *const containers_path[] = {"properties", "template", "containers", NULL};
	cJSON *body = cJSON_CreateObject();
	cJSON *props = cJSON_AddObjectToObject(body, "properties");
	cJSON *tmpl, *d;

	if (k == WEB_APP) {
		d = cJSON_GetObjectItemCaseSensitive(change, "always_on");
		cJSON_AddBoolToObject(props, "alwaysOn", cJSON_IsTrue(d));
		return body;
	}
	tmpl = cJSON_AddObjectToObject(props, "template");
	if (has(change, "min_replicas") || has(change, "max_replicas")) {
		cJSON *scale = cJSON_AddObjectToObject(tmpl, "scale");

		if ((d = cJSON_GetObjectItemCaseSensitive(change, "min_replicas")))
			cJSON_AddNumberToObject(scale, "minReplicas", d->valuedouble);
		if ((d = cJSON_GetObjectItemCaseSensitive(change, "max_replicas")))
			cJSON_AddNumberToObject(scale, "maxReplicas", d->valuedouble);
	}
	if (has(change, "cpu") || has(change, "memory") || has(change, PLATFORM_SETTINGS)) {
		const cJSON *cur = dig(arm, containers_path);
		cJSON *list = cur ? cJSON_Duplicate(cur, true) : cJSON_CreateArray();

		for (cJSON *c = list->child; c && (has(change, "cpu") || has(change, "memory")); c = c->next) {
			cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");

			if (!cJSON_IsObject(res)) {
				cJSON_DeleteItemFromObjectCaseSensitive(c, "resources");
				res = cJSON_AddObjectToObject(c, "resources");
			}
			if ((d = cJSON_GetObjectItemCaseSensitive(change, "cpu")))
				set_item(res, "cpu", cJSON_Duplicate(d, true));
			if ((d = cJSON_GetObjectItemCaseSensitive(change, "memory")))
				set_item(res, "memory", cJSON_Duplicate(d, true));
		}
		if ((d = cJSON_GetObjectItemCaseSensitive(change, PLATFORM_SETTINGS))) {
			cJSON *with_env = azsettings_containers_with_env(list, d);

			doc_wipe(list);
			list = with_env;
		}
		cJSON_AddItemToObject(tmpl, "containers", list);
	}
	if ((d = cJSON_GetObjectItemCaseSensitive(change, "traffic"))) {
		cJSON *traffic = azsettings_traffic_body(d, arm, has(change, PLATFORM_SETTINGS));

		if (!traffic) {
			cJSON_Delete(body);
			return NULL;
		}
		cJSON_AddItemToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(props, "configuration"),
		    "ingress"), "traffic", traffic);
	}
	if (!tmpl->child)
		cJSON_DeleteItemFromObjectCaseSensitive(props, "template");
	return body;
}


/* The section's ids and lists (platform_check's part for Azure). */
static int
check(const cJSON *az, const char *ctx)
{
	static const char *const azure_keys[] = {"subscription", "resource_group", "revision_timeout", "web_apps",
	    "container_apps", NULL};
	const char *sub, *rg;
	const cJSON *arrays[2] = {NULL, NULL};
	double timeout_s;
	int rc;

	if ((rc = doc_check_fields(az, azure_keys, ctx)))
		return rc;
	if ((rc = doc_get_string(az, "subscription", PR_REQUIRED, ctx, &sub)) ||
	    (rc = doc_get_string(az, "resource_group", PR_REQUIRED, ctx, &rg)) ||
	    (rc = doc_get_duration(az, "revision_timeout", PR_POSITIVE, ctx, &timeout_s)) ||
	    (rc = doc_get_array(az, "web_apps", PR_OPTIONAL, ctx, &arrays[0])) ||
	    (rc = doc_get_array(az, "container_apps", PR_OPTIONAL, ctx, &arrays[1])))
		return rc;
	if (!platform_is_path_name(sub))
		return pr_error(PR_INPUT, "%s.subscription: \"%s\" is not a subscription id", ctx, sub);
	if (!platform_is_path_name(rg))
		return pr_error(PR_INPUT, "%s.resource_group: \"%s\" is not a resource group name", ctx, rg);
	for (int k = 0; k < 2; k++) {
		int i = 0;

		for (const cJSON *e = arrays[k] ? arrays[k]->child : NULL; e; e = e->next, i++) {
			char ectx[600];

			snprintf(ectx, sizeof ectx, "%s.%s[%d]", ctx, kinds[k].list, i);
			if ((rc = k == 0 ? check_web_app(e, ectx) : check_container_app(e, ectx)))
				return rc;
		}
	}
	return PR_OK;
}

/* True when two values of setting key are the same. */
static bool
same(const char *key, const cJSON *a, const cJSON *b)
{
	if (a && b && strcmp(key, "memory") == 0 && cJSON_IsString(a) && cJSON_IsString(b))
		return fabs(memory_mib(a->valuestring) - memory_mib(b->valuestring)) < MEMORY_EPSILON_MI &&
		    memory_mib(a->valuestring) >= 0;
	if (strcmp(key, "traffic") == 0)
		return azsettings_traffic_holds(a, b);
	return platform_same_value(a, b);
}

static void
fill_error(struct platform_error *out, const char *method, const struct azure_error *err)
{
	memset(out, 0, sizeof *out);
	snprintf(out->method, sizeof out->method, "%s", method);
	out->status = err->status;
	azure_error_text(err, out->text, sizeof out->text);
	out->hint = azure_error_hint(err);
}

static int
open_client(void **client, const cJSON *section, const struct platform_opts *o)
{
	struct azure_client *c = xcalloc(1, sizeof *c);
	int rc;

	(void)section;
	*client = NULL;
	if ((rc = azure_client_init(c, o ? o->arm_endpoint : NULL, o ? o->retry_base_ms : 0))) {
		free(c);
		return rc;
	}
	*client = c;
	return PR_OK;
}

static int
login(void *client)
{
	return azure_login(client);
}

static const char *
credential(void *client)
{
	return azure_credential(client);
}

static void
close_client(void *client)
{
	azure_client_free(client);
	free(client);
}

/* err for a failure that is ours to explain, not Resource Manager's. */
static void
own_error(struct platform_error *err, const char *method, const char *path, const char *text, const char *hint)
{
	memset(err, 0, sizeof *err);
	snprintf(err->method, sizeof err->method, "%s", method);
	snprintf(err->path, sizeof err->path, "%s", path);
	snprintf(err->text, sizeof err->text, "%s", text);
	err->hint = hint;
}

/* A web app's raw resource is its config/web, and its app settings under
 * RAW_APPSETTINGS when the entry names settings (listing them takes an
 * action the Reader role lacks, so it is asked only then). */
static int
read_resource(void *client, const struct platform_resource *r, cJSON **raw, struct platform_error *err)
{
	char *path = settings_path(r), *id;
	struct azure_error aerr;
	cJSON *app_settings;
	int rc = azure_get(client, path, api_version(r), raw, &aerr);

	free(path);
	if (rc) {
		fill_error(err, "GET", &aerr);
		return rc;
	}
	if (kind_of(r) != WEB_APP || !has(r->entry, PLATFORM_SETTINGS))
		return PR_OK;
	id = resource_id(r);
	rc = azsettings_web_read(client, id, &app_settings, &aerr);
	free(id);
	if (rc) {
		fill_error(err, "POST", &aerr);
		snprintf(err->path, sizeof err->path, "/config/appsettings/list");
		cJSON_Delete(*raw);
		*raw = NULL;
		return rc;
	}
	cJSON_AddItemToObject(*raw, RAW_APPSETTINGS, app_settings);
	return PR_OK;
}

static cJSON *
current(const struct platform_resource *r, const cJSON *raw)
{
	cJSON *out = settings_of(kind_of(r), raw);
	const cJSON *v;

	if ((v = cJSON_GetObjectItemCaseSensitive(raw, RAW_APPSETTINGS)))
		cJSON_AddItemToObject(out, PLATFORM_SETTINGS, cJSON_Duplicate(v, true));
	if (kind_of(r) == CONTAINER_APP && has(r->entry, PLATFORM_SETTINGS))
		cJSON_AddItemToObject(out, PLATFORM_SETTINGS, azsettings_env(raw));
	if (kind_of(r) == CONTAINER_APP && has(r->entry, "traffic"))
		cJSON_AddItemToObject(out, "traffic", azsettings_traffic(raw));
	return out;
}

/* App settings: one PUT of the whole merged set. */
static int
write_app_settings(void *client, const struct platform_resource *r, const cJSON *raw, const cJSON *settings,
    struct platform_error *err)
{
	char *id = resource_id(r);
	struct azure_error aerr;
	int rc = azsettings_web_write(client, id, cJSON_GetObjectItemCaseSensitive(raw, RAW_APPSETTINGS), settings,
	    &aerr);

	if (rc) {
		fill_error(err, "PUT", &aerr);
		snprintf(err->path, sizeof err->path, "/config/appsettings");
	}
	free(id);
	return rc;
}

/* After a container app's env changed: its new revision, followed to healthy. */
static int
follow_new_revision(void *client, const struct platform_resource *r, const cJSON *raw, struct platform_error *err)
{
	char *id = resource_id(r), rev[REVISION_MAX], why[WHY_MAX], text[PLATFORM_MSG_MAX], path[REVISION_MAX + 16];
	double timeout_s = REVISION_TIMEOUT_S;
	int rc;

	/* check() accepted it: absent (the default stays) or a positive duration. */
	doc_get_duration(r->section, "revision_timeout", PR_POSITIVE, "", &timeout_s);
	rc = azsettings_follow(client, id, azsettings_latest_revision(raw), timeout_s * 1e3, rev, sizeof rev, why,
	    sizeof why);

	if (rc) {
		snprintf(path, sizeof path, "/revisions/%s", *rev ? rev : "");
		snprintf(text, sizeof text, "%s%s%s", *rev ? "the new revision is not healthy: " : "", why,
		    *rev ? "" : " (reading the app after the change)");
		own_error(err, "GET", *rev ? path : "", text, "see the revision's logs; go back with "
		    "pr-apply-scale --from-apply FILE --restore");
	}
	free(id);
	return rc ? PR_PARTIAL : PR_OK;
}

/*
 * Make change hold.  A web app's always_on goes in one PATCH of
 * config/web, its settings in one PUT of the app settings; a container
 * app's change is one merge patch, whose new revision is followed when the
 * env changed.  PR_PARTIAL when a later step fails after an earlier wrote.
 */
static int
write_resource(void *client, const struct platform_resource *r, const cJSON *raw, const cJSON *change,
    struct platform_error *err)
{
	const cJSON *settings = cJSON_GetObjectItemCaseSensitive(change, PLATFORM_SETTINGS);
	const char *secret;
	char *path = settings_path(r), text[PLATFORM_MSG_MAX];
	cJSON *body = NULL;
	struct azure_error aerr;
	bool wrote = false;
	int rc = PR_OK;

	if (kind_of(r) == CONTAINER_APP && settings && (secret = azsettings_secret_ref(raw, settings))) {
		snprintf(text, sizeof text, "settings.%s is a secretRef variable, which pr-apply-scale does not write",
		    secret);
		own_error(err, "PATCH", "", text, "change the secret it refers to instead");
		rc = PR_EXTERNAL;
	} else if (kind_of(r) == CONTAINER_APP && !(body = patch_body(CONTAINER_APP, raw, change))) {
		own_error(err, "PATCH", "", "traffic: no revision but the latest takes traffic, so none can keep "
		    "the rest", "name the stable revision too, e.g. {\"latest\": 5, \"REVISION\": 95}");
		rc = PR_EXTERNAL;
	} else if (kind_of(r) == WEB_APP && has(change, "always_on")) {
		body = patch_body(WEB_APP, raw, change);
	}
	if (rc == PR_OK && body && (rc = azure_patch(client, path, api_version(r), body, &aerr)))
		fill_error(err, "PATCH", &aerr);
	wrote = rc == PR_OK && body;
	if (rc == PR_OK && kind_of(r) == WEB_APP && settings && (rc = write_app_settings(client, r, raw, settings,
	    err)) && wrote)
		rc = PR_PARTIAL;
	if (rc == PR_OK && kind_of(r) == CONTAINER_APP && settings)
		rc = follow_new_revision(client, r, raw, err);
	if (body && settings)
		doc_wipe(cJSON_DetachItemFromObjectCaseSensitive(body, "properties"));
	cJSON_Delete(body);
	free(path);
	return rc;
}

const struct platform_provider platform_azure = {
	.name = "azure",
	.title = "Azure",
	.api = "Resource Manager",
	.kinds = kinds,
	.key = "name",
	.check = check,
	.label = label,
	.id = resource_id,
	.open = open_client,
	.login = login,
	.credential = credential,
	.close = close_client,
	.read = read_resource,
	.current = current,
	.write = write_resource,
	.same = same,
};
