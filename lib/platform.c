/* platform.c: see platform.h.  Azure App Service and Container Apps
 * settings through lib/azure.h. */
#include "platform.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure.h"
#include "buf.h"
#include "doc.h"
#include "pr.h"

#define REPLICAS_MAX 1000L
#define CPU_MAX_CORES 64.0
#define CPU_EPSILON 1e-6
#define MEMORY_EPSILON_MI 1e-3
#define MIB_PER_GIB 1024.0
/* Far above any App Service or Container Apps size: 1 TiB. */
#define MEMORY_MAX_MIB (1024.0 * MIB_PER_GIB)
#define MSG_MAX 1024

enum kind { WEB_APP, CONTAINER_APP };

/* The section, checked: borrowed pointers into the caller's cJSON. */
struct section {
	const char *subscription;
	const char *resource_group;
	const cJSON *web_apps;		/* array or NULL */
	const cJSON *container_apps;	/* array or NULL */
};

static const char *
kind_name(enum kind k)
{
	return k == WEB_APP ? "web_app" : "container_app";
}

/* Name used in messages: "sites/web1" or "containerApps/api". */
static void
label(enum kind k, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", k == WEB_APP ? "sites" : "containerApps", name);
}

/* The ARM resource id, and the path its settings are read from. */
static char *
resource_id(const struct section *s, enum kind k, const char *name)
{
	struct buf b = {0};

	buf_printf(&b, "/subscriptions/%s/resourceGroups/%s/providers/%s/%s", s->subscription,
	    s->resource_group, k == WEB_APP ? "Microsoft.Web/sites" : "Microsoft.App/containerApps", name);
	return buf_detach(&b);
}

static char *
settings_path(const struct section *s, enum kind k, const char *name)
{
	char *id = resource_id(s, k, name);
	struct buf b = {0};

	buf_printf(&b, "%s%s", id, k == WEB_APP ? "/config/web" : "");
	free(id);
	return buf_detach(&b);
}

/* A name that can go into an ARM path as it is. */
static bool
is_path_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    strchr("-_.()", *s)))
			return false;
	return true;
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
	if (!is_path_name(*name))
		return pr_error(PR_INPUT, "%s.name: \"%s\" is not a resource name "
		    "(letters, digits, '-', '_', '.', '(' and ')')", ctx, *name);
	return PR_OK;
}

static int
check_web_app(const cJSON *e, const char *ctx)
{
	static const char *const keys[] = {"name", "always_on", NULL};

	const char *name;
	bool b;
	int rc;

	if (!cJSON_IsObject(e))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(e));
	if ((rc = doc_check_fields(e, keys, ctx)) || (rc = get_name(e, ctx, &name)))
		return rc;
	return doc_get_bool(e, "always_on", PR_OPTIONAL, ctx, &b);
}

static int
check_container_app(const cJSON *e, const char *ctx)
{
	static const char *const keys[] = {"name", "min_replicas", "max_replicas", "cpu", "memory", NULL};
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
	    (rc = doc_get_string(e, "memory", PR_OPTIONAL, ctx, &mem)))
		return rc;
	if (cJSON_GetObjectItemCaseSensitive(e, "cpu") && (cpu <= 0 || cpu > CPU_MAX_CORES))
		return pr_error(PR_INPUT, "%s.cpu: %g cores is out of range (a number of cores above 0, "
		    "at most %g, like 0.5)", ctx, cpu, CPU_MAX_CORES);
	if (mem && memory_mib(mem) < 0)
		return pr_error(PR_INPUT, "%s.memory: \"%s\" is not a memory size (write it like 1Gi or 512Mi)",
		    ctx, mem);
	return PR_OK;
}

/* Check platform and fill s.  0 or PR_INPUT (reported). */
static int
parse_section(const cJSON *platform, const struct platform_opts *o, struct section *s)
{
	static const char *const azure_keys[] = {"subscription", "resource_group", "web_apps", "container_apps", NULL};
	const char *src = o && o->source ? o->source : "platform";
	const cJSON *az, *arrays[2];
	char ctx[512];
	int rc;

	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(platform))
		return pr_error(PR_INPUT, "%s: expected an object, found %s (fix the platform section)",
		    src, doc_json_type(platform));
	if ((rc = doc_get_object(platform, "azure", PR_REQUIRED, src, &az)))
		return rc;
	snprintf(ctx, sizeof ctx, "%s.azure", src);
	if ((rc = doc_check_fields(az, azure_keys, ctx)))
		return rc;
	if ((rc = doc_get_string(az, "subscription", PR_REQUIRED, ctx, &s->subscription)) ||
	    (rc = doc_get_string(az, "resource_group", PR_REQUIRED, ctx, &s->resource_group)) ||
	    (rc = doc_get_array(az, "web_apps", PR_OPTIONAL, ctx, &s->web_apps)) ||
	    (rc = doc_get_array(az, "container_apps", PR_OPTIONAL, ctx, &s->container_apps)))
		return rc;
	if (!is_path_name(s->subscription))
		return pr_error(PR_INPUT, "%s.subscription: \"%s\" is not a subscription id", ctx, s->subscription);
	if (!is_path_name(s->resource_group))
		return pr_error(PR_INPUT, "%s.resource_group: \"%s\" is not a resource group name",
		    ctx, s->resource_group);
	arrays[0] = s->web_apps;
	arrays[1] = s->container_apps;
	for (int k = 0; k < 2; k++) {
		int i = 0;

		for (const cJSON *e = arrays[k] ? arrays[k]->child : NULL; e; e = e->next, i++) {
			char ectx[600];

			snprintf(ectx, sizeof ectx, "%s.%s[%d]", ctx, k == 0 ? "web_apps" : "container_apps", i);
			if ((rc = k == 0 ? check_web_app(e, ectx) : check_container_app(e, ectx)))
				return rc;
		}
	}
	return PR_OK;
}

int
platform_check(const cJSON *platform, const struct platform_opts *o)
{
	struct section s;

	return parse_section(platform, o, &s);
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

/* True when two values of setting key are the same. */
static bool
same_value(const char *key, const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return false;
	if (strcmp(key, "memory") == 0 && cJSON_IsString(a) && cJSON_IsString(b))
		return fabs(memory_mib(a->valuestring) - memory_mib(b->valuestring)) < MEMORY_EPSILON_MI &&
		    memory_mib(a->valuestring) >= 0;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return fabs(a->valuedouble - b->valuedouble) < CPU_EPSILON;
	return cJSON_Compare(a, b, true);
}

/* The desired settings of an entry (everything but "name").  New object. */
static cJSON *
desired_of(const cJSON *entry)
{
	cJSON *out = cJSON_CreateObject();

	for (const cJSON *it = entry->child; it; it = it->next)
		if (strcmp(it->string, "name") != 0 && !cJSON_IsNull(it))
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, true));
	return out;
}

/* The changes from before to desired: [{"setting","from","to"}]. */
static cJSON *
diff(const cJSON *before, const cJSON *desired)
{
	cJSON *changes = cJSON_CreateArray();

	for (const cJSON *d = desired->child; d; d = d->next) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(before, d->string);
		cJSON *ch;

		if (same_value(d->string, b, d))
			continue;
		ch = cJSON_CreateObject();
		cJSON_AddStringToObject(ch, "setting", d->string);
		cJSON_AddItemToObject(ch, "from", b ? cJSON_Duplicate(b, true) : cJSON_CreateNull());
		cJSON_AddItemToObject(ch, "to", cJSON_Duplicate(d, true));
		cJSON_AddItemToArray(changes, ch);
	}
	return changes;
}

static bool
changes_name(const cJSON *changes, const char *setting)
{
	for (const cJSON *ch = changes->child; ch; ch = ch->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(ch, "setting")->valuestring, setting) == 0)
			return true;
	return false;
}

/* obj[key] = item, replacing any value there. */
static void
set_item(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

/*
 * The PATCH body for changes.  Web app: {"properties": {"alwaysOn"}}.
 * Container app (JSON merge patch): the changed scale fields, and, when cpu
 * or memory change, the whole containers array (merge patch replaces
 * arrays) with each container's resources updated.
 */
static cJSON *
patch_body(enum kind k, const cJSON *arm, const cJSON *desired, const cJSON *changes)
{
	static const char *const containers_path[] = {"properties", "template", "containers", NULL};
	cJSON *body = cJSON_CreateObject();
	cJSON *props = cJSON_AddObjectToObject(body, "properties");
	cJSON *tmpl, *d;

	if (k == WEB_APP) {
		d = cJSON_GetObjectItemCaseSensitive(desired, "always_on");
		cJSON_AddBoolToObject(props, "alwaysOn", cJSON_IsTrue(d));
		return body;
	}
	tmpl = cJSON_AddObjectToObject(props, "template");
	if (changes_name(changes, "min_replicas") || changes_name(changes, "max_replicas")) {
		cJSON *scale = cJSON_AddObjectToObject(tmpl, "scale");

		if (changes_name(changes, "min_replicas"))
			cJSON_AddNumberToObject(scale, "minReplicas",
			    cJSON_GetObjectItemCaseSensitive(desired, "min_replicas")->valuedouble);
		if (changes_name(changes, "max_replicas"))
			cJSON_AddNumberToObject(scale, "maxReplicas",
			    cJSON_GetObjectItemCaseSensitive(desired, "max_replicas")->valuedouble);
	}
	if (changes_name(changes, "cpu") || changes_name(changes, "memory")) {
		const cJSON *cur = dig(arm, containers_path);
		cJSON *list = cur ? cJSON_Duplicate(cur, true) : cJSON_CreateArray();

		for (cJSON *c = list->child; c; c = c->next) {
			cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");

			if (!cJSON_IsObject(res)) {
				cJSON_DeleteItemFromObjectCaseSensitive(c, "resources");
				res = cJSON_AddObjectToObject(c, "resources");
			}
			if ((d = cJSON_GetObjectItemCaseSensitive(desired, "cpu")))
				set_item(res, "cpu", cJSON_Duplicate(d, true));
			if ((d = cJSON_GetObjectItemCaseSensitive(desired, "memory")))
				set_item(res, "memory", cJSON_Duplicate(d, true));
		}
		cJSON_AddItemToObject(tmpl, "containers", list);
	}
	return body;
}

/* Report an ARM failure as one line and keep the same text for the document. */
static void
report(cJSON *entry, const char *what, const char *lbl, const struct azure_error *err)
{
	char text[MSG_MAX], line[MSG_MAX + 256];

	azure_error_text(err, text, sizeof text);
	snprintf(line, sizeof line, "%s %s: %s", what, lbl, text);
	pr_error(PR_EXTERNAL, "%s (%s)", line, azure_error_hint(err));
	cJSON_ReplaceItemInObjectCaseSensitive(entry, "error", cJSON_CreateString(line));
	cJSON_ReplaceItemInObjectCaseSensitive(entry, "status", cJSON_CreateString("failed"));
}

/* The first desired setting after does not hold, as a message; NULL if all hold. */
static char *
unverified(const cJSON *after, const cJSON *desired)
{
	for (const cJSON *d = desired->child; d; d = d->next) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(after, d->string);

		if (!same_value(d->string, a, d)) {
			struct buf b = {0};
			char *av = a ? cJSON_PrintUnformatted(a) : xstrdup("absent");
			char *dv = cJSON_PrintUnformatted(d);

			buf_printf(&b, "%s is %s after apply, wanted %s", d->string, av, dv);
			free(av);
			free(dv);
			return buf_detach(&b);
		}
	}
	return NULL;
}

/*
 * Read, diff, patch, read back and verify one resource.  Returns its
 * pr-tools/apply/1 entry (caller frees); status says how it went.
 */
static cJSON *
apply_one(struct azure_client *c, const struct section *s, enum kind k, const cJSON *entry, bool dry_run,
    bool *auth_refused)
{
	const char *name = cJSON_GetObjectItemCaseSensitive(entry, "name")->valuestring;
	const char *api = k == WEB_APP ? PR_PLATFORM_WEB_API : PR_PLATFORM_APP_API;
	char *id = resource_id(s, k, name), *path = settings_path(s, k, name), *why = NULL;
	char lbl[512];
	cJSON *out = cJSON_CreateObject(), *desired = desired_of(entry);
	cJSON *arm = NULL, *before, *changes, *body = NULL, *after_arm = NULL, *after;
	struct azure_error err;

	label(k, name, lbl, sizeof lbl);
	cJSON_AddStringToObject(out, "type", kind_name(k));
	cJSON_AddStringToObject(out, "name", name);
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddNullToObject(out, "before");
	cJSON_AddItemToObject(out, "desired", desired);
	cJSON_AddNullToObject(out, "after");
	cJSON_AddItemToObject(out, "changes", cJSON_CreateArray());
	cJSON_AddStringToObject(out, "status", "failed");
	cJSON_AddNullToObject(out, "error");

	if (azure_get(c, path, api, &arm, &err)) {
		report(out, "GET", lbl, &err);
		*auth_refused = err.status == 401;
		goto out;
	}
	before = settings_of(k, arm);
	cJSON_ReplaceItemInObjectCaseSensitive(out, "before", before);
	changes = diff(before, desired);
	cJSON_ReplaceItemInObjectCaseSensitive(out, "changes", changes);
	if (dry_run || !changes->child) {
		if (!changes->child)
			cJSON_ReplaceItemInObjectCaseSensitive(out, "after", cJSON_Duplicate(before, true));
		cJSON_ReplaceItemInObjectCaseSensitive(out, "status",
		    cJSON_CreateString(changes->child ? "planned" : "unchanged"));
		goto out;
	}
	for (const cJSON *ch = changes->child; ch; ch = ch->next) {
		char *f = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ch, "from"));
		char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ch, "to"));

		pr_note("%s: %s %s -> %s", lbl, cJSON_GetObjectItemCaseSensitive(ch, "setting")->valuestring, f, t);
		free(f);
		free(t);
	}
	body = patch_body(k, arm, desired, changes);
	if (azure_patch(c, path, api, body, &err)) {
		report(out, "PATCH", lbl, &err);
		goto out;
	}
	if (azure_get(c, path, api, &after_arm, &err)) {
		report(out, "GET (read back)", lbl, &err);
		cJSON_ReplaceItemInObjectCaseSensitive(out, "status", cJSON_CreateString("not_verified"));
		goto out;
	}
	after = settings_of(k, after_arm);
	cJSON_ReplaceItemInObjectCaseSensitive(out, "after", after);
	if ((why = unverified(after, desired))) {
		pr_error(PR_FAIL, "verify %s: %s (the change did not stick; check the resource's activity log)",
		    lbl, why);
		cJSON_ReplaceItemInObjectCaseSensitive(out, "status", cJSON_CreateString("not_verified"));
		cJSON_ReplaceItemInObjectCaseSensitive(out, "error", cJSON_CreateString(why));
		goto out;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(out, "status", cJSON_CreateString("changed"));
	pr_note("%s: changed and verified", lbl);
out:
	cJSON_Delete(arm);
	cJSON_Delete(after_arm);
	cJSON_Delete(body);
	free(why);
	free(path);
	free(id);
	return out;
}

/* An entry for a resource that was never tried, and why. */
static cJSON *
not_tried(const struct section *s, enum kind k, const cJSON *entry, const char *why)
{
	const char *name = cJSON_GetObjectItemCaseSensitive(entry, "name")->valuestring;
	char *id = resource_id(s, k, name);
	cJSON *out = cJSON_CreateObject();

	cJSON_AddStringToObject(out, "type", kind_name(k));
	cJSON_AddStringToObject(out, "name", name);
	cJSON_AddStringToObject(out, "id", id);
	cJSON_AddNullToObject(out, "before");
	cJSON_AddItemToObject(out, "desired", desired_of(entry));
	cJSON_AddNullToObject(out, "after");
	cJSON_AddItemToObject(out, "changes", cJSON_CreateArray());
	cJSON_AddStringToObject(out, "status", "failed");
	cJSON_AddStringToObject(out, "error", why);
	free(id);
	return out;
}

static bool
has_status(const cJSON *resources, const char *status)
{
	for (const cJSON *r = resources->child; r; r = r->next)
		if (strcmp(cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring, status) == 0)
			return true;
	return false;
}

int
platform_apply(const cJSON *desired, const struct platform_opts *o, cJSON **resources)
{
	struct azure_client c;
	struct section s;
	bool dry_run = o && o->dry_run, authed, refused = false;
	int rc;

	*resources = NULL;
	if ((rc = parse_section(desired, o, &s)))
		return rc;
	if ((rc = azure_client_init(&c, o ? o->arm_endpoint : NULL, o ? o->retry_base_ms : 0)))
		return rc;
	*resources = cJSON_CreateArray();
	authed = (!cJSON_GetArraySize(s.web_apps) && !cJSON_GetArraySize(s.container_apps)) ||
	    azure_login(&c) == PR_OK;
	for (int k = 0; k < 2; k++) {
		const cJSON *arr = k == 0 ? s.web_apps : s.container_apps;
		enum kind kind = k == 0 ? WEB_APP : CONTAINER_APP;

		for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next) {
			cJSON *r;

			if (!authed)
				r = not_tried(&s, kind, e, "not attempted: no Azure token");
			else if (refused)
				r = not_tried(&s, kind, e, "not attempted: Resource Manager refused the token");
			else
				r = apply_one(&c, &s, kind, e, dry_run, &refused);
			cJSON_AddItemToArray(*resources, r);
		}
	}
	if (o && o->credential)
		*o->credential = azure_credential(&c);
	azure_client_free(&c);
	if (has_status(*resources, "failed"))
		return has_status(*resources, "changed") || has_status(*resources, "not_verified") ?
		    PR_PARTIAL : PR_EXTERNAL;
	if (has_status(*resources, "not_verified"))
		return PR_FAIL;
	return PR_OK;
}

int
platform_read(const cJSON *platform, const struct platform_opts *o, cJSON **current)
{
	struct azure_client c;
	struct section s;
	cJSON *out = NULL, *az, *lists[2];
	int rc;

	*current = NULL;
	if ((rc = parse_section(platform, o, &s)))
		return rc;
	if ((rc = azure_client_init(&c, o ? o->arm_endpoint : NULL, o ? o->retry_base_ms : 0)))
		return rc;
	if ((cJSON_GetArraySize(s.web_apps) || cJSON_GetArraySize(s.container_apps)) && (rc = azure_login(&c)))
		goto out;
	out = cJSON_CreateObject();
	az = cJSON_AddObjectToObject(out, "azure");
	cJSON_AddStringToObject(az, "subscription", s.subscription);
	cJSON_AddStringToObject(az, "resource_group", s.resource_group);
	lists[0] = cJSON_AddArrayToObject(az, "web_apps");
	lists[1] = cJSON_AddArrayToObject(az, "container_apps");
	for (int k = 0; k < 2; k++) {
		const cJSON *arr = k == 0 ? s.web_apps : s.container_apps;
		enum kind kind = k == 0 ? WEB_APP : CONTAINER_APP;

		for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next) {
			const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
			char *path = settings_path(&s, kind, name);
			char lbl[512], text[MSG_MAX];
			struct azure_error err;
			cJSON *arm = NULL, *item;

			rc = azure_get(&c, path, kind == WEB_APP ? PR_PLATFORM_WEB_API : PR_PLATFORM_APP_API,
			    &arm, &err);
			free(path);
			if (rc) {
				label(kind, name, lbl, sizeof lbl);
				azure_error_text(&err, text, sizeof text);
				rc = pr_error(PR_EXTERNAL, "GET %s: %s (%s)", lbl, text, azure_error_hint(&err));
				goto out;
			}
			item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "name", name);
			for (cJSON *v = settings_of(kind, arm), *n; v; v = NULL) {
				while ((n = v->child))
					cJSON_AddItemToObject(item, n->string, cJSON_DetachItemViaPointer(v, n));
				cJSON_Delete(v);
			}
			cJSON_AddItemToArray(lists[k], item);
			cJSON_Delete(arm);
		}
	}
	*current = out;
	out = NULL;
	rc = PR_OK;
out:
	cJSON_Delete(out);
	azure_client_free(&c);
	return rc;
}

cJSON *
platform_restore(const cJSON *desired, const cJSON *resources)
{
	const cJSON *az = cJSON_GetObjectItemCaseSensitive(desired, "azure");
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(az, "subscription");
	const cJSON *rg = cJSON_GetObjectItemCaseSensitive(az, "resource_group");
	cJSON *out = cJSON_CreateObject(), *oaz = cJSON_AddObjectToObject(out, "azure");
	cJSON *web = NULL, *apps = NULL;

	if (cJSON_IsString(sub))
		cJSON_AddStringToObject(oaz, "subscription", sub->valuestring);
	if (cJSON_IsString(rg))
		cJSON_AddStringToObject(oaz, "resource_group", rg->valuestring);
	web = cJSON_AddArrayToObject(oaz, "web_apps");
	apps = cJSON_AddArrayToObject(oaz, "container_apps");
	for (const cJSON *r = resources ? resources->child : NULL; r; r = r->next) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "type");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
		const cJSON *before = cJSON_GetObjectItemCaseSensitive(r, "before");
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(r, "desired");
		cJSON *item;

		if (!cJSON_IsString(type) || !cJSON_IsString(name) || !cJSON_IsObject(before))
			continue;
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "name", name->valuestring);
		for (const cJSON *d = want ? want->child : NULL; d; d = d->next) {
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(before, d->string);

			if (b)
				cJSON_AddItemToObject(item, d->string, cJSON_Duplicate(b, true));
		}
		cJSON_AddItemToArray(strcmp(type->valuestring, "web_app") == 0 ? web : apps, item);
	}
	return out;
}
