/*
 * platform_render.c: the Render provider of platform.h: a web service's
 * instance count, plan, suspension, live commit and environment variables
 * through Render's REST API (lib/render.h).
 *
 *   {"render": {"services": [{"id": "srv-...", "instances": 2, "plan": "standard",
 *                             "suspended": false, "commit": "<sha>",
 *                             "settings": {"NAME": "value"}, "restart": true}]}}
 *
 * A write goes in this order, so that a deploy or restart starts what the
 * rest set up: environment variables (PUT or DELETE one key each), plan
 * (PATCH the service), instances (POST /scale), resume, then a deploy of
 * "commit" followed until live, or else, when environment variables changed
 * and "restart" is true, a restart; suspend comes last.  A second run that
 * finds everything in place sends nothing.
 */
#include "platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "render.h"

#define INSTANCES_MAX 100L
/* A commit is named by at least this many hex digits of its SHA. */
#define COMMIT_MIN_HEX 7
#define COMMIT_MAX_HEX 40
#define ENV_KEY_MAX 256

static const char *const directives[] = {"restart", "provider", NULL};

static const struct platform_kind kinds[] = {
	{.list = "services", .type = "render_service", .settings = true, .directives = directives},
	{.list = NULL},
};

/* Render's instance types (the API's "plan" enum). */
static const char *const plans[] = {"free", "starter", "starter_plus", "standard", "standard_plus", "pro",
	"pro_plus", "pro_max", "pro_ultra", "custom", NULL};

/* Fields of Azure's resources, refused by name on a Render service. */
static const char *const azure_fields[] = {"name", "always_on", "min_replicas", "max_replicas", "cpu", "memory",
	"subscription", "resource_group", NULL};

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* An environment variable name that can go into a URL path as it is. */
static bool
is_env_key(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= ENV_KEY_MAX && !(s[0] >= '0' && s[0] <= '9') &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool
is_commit(const char *s)
{
	size_t n = strlen(s);

	return n >= COMMIT_MIN_HEX && n <= COMMIT_MAX_HEX && strspn(s, "0123456789abcdef") == n;
}

static int
check_fields(const cJSON *e, const char *ctx)
{
	static const char *const keys[] = {"id", "provider", "instances", "plan", "suspended", "commit", "settings",
		"restart", NULL};

	for (const cJSON *it = e->child; it; it = it->next)
		if (in_list(azure_fields, it->string))
			return pr_error(PR_INPUT, "%s.%s: an Azure field on a Render service (a Render service takes "
			    "id, instances, plan, suspended, commit, settings and restart)", ctx, it->string);
	return doc_check_fields(e, keys, ctx);
}

static int
check_service(const cJSON *e, const char *ctx)
{
	const char *id, *provider = NULL, *plan = NULL, *commit = NULL;
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(e, PLATFORM_SETTINGS);
	long instances;
	bool b;
	int rc;

	if (!cJSON_IsObject(e))
		return pr_error(PR_INPUT, "%s: expected an object, found %s", ctx, doc_json_type(e));
	if ((rc = check_fields(e, ctx)) ||
	    (rc = doc_get_string(e, "id", PR_REQUIRED, ctx, &id)) ||
	    (rc = doc_get_string(e, "provider", PR_OPTIONAL, ctx, &provider)) ||
	    (rc = doc_get_long(e, "instances", PR_OPTIONAL, ctx, 1, INSTANCES_MAX, &instances)) ||
	    (rc = doc_get_string(e, "plan", PR_OPTIONAL, ctx, &plan)) ||
	    (rc = doc_get_bool(e, "suspended", PR_OPTIONAL, ctx, &b)) ||
	    (rc = doc_get_string(e, "commit", PR_OPTIONAL, ctx, &commit)) ||
	    (rc = doc_get_bool(e, "restart", PR_OPTIONAL, ctx, &b)))
		return rc;
	if (!platform_is_path_name(id))
		return pr_error(PR_INPUT, "%s.id: \"%s\" is not a Render service id (like srv-abc123)", ctx, id);
	if (provider && strcmp(provider, "render") != 0)
		return pr_error(PR_INPUT, "%s.provider: \"%s\" on a service of the render section (drop it, or "
		    "move the resource to the %s section)", ctx, provider, provider);
	if (plan && !in_list(plans, plan))
		return pr_error(PR_INPUT, "%s.plan: \"%s\" is not a Render instance type (starter, standard, pro, "
		    "...)", ctx, plan);
	if (commit && !is_commit(commit))
		return pr_error(PR_INPUT, "%s.commit: \"%s\" is not a commit SHA (%d to %d lowercase hex digits)", ctx,
		    commit, COMMIT_MIN_HEX, COMMIT_MAX_HEX);
	for (const cJSON *v = cJSON_IsObject(set) ? set->child : NULL; v; v = v->next)
		if (!is_env_key(v->string))
			return pr_error(PR_INPUT, "%s.settings: \"%s\" is not an environment variable name (letters, "
			    "digits, '_', '.' and '-', not starting with a digit)", ctx, v->string);
	return PR_OK;
}

static int
check(const cJSON *sec, const char *ctx)
{
	static const char *const keys[] = {"services", NULL};
	const cJSON *services = NULL;
	char ectx[640];
	int rc, i = 0;

	if ((rc = doc_check_fields(sec, keys, ctx)) ||
	    (rc = doc_get_array(sec, "services", PR_OPTIONAL, ctx, &services)))
		return rc;
	for (const cJSON *e = services ? services->child : NULL; e; e = e->next, i++) {
		snprintf(ectx, sizeof ectx, "%s.services[%d]", ctx, i);
		if ((rc = check_service(e, ectx)))
			return rc;
	}
	return PR_OK;
}

static void
label(const struct platform_resource *r, char *out, size_t outlen)
{
	snprintf(out, outlen, "services/%s", r->name);
}

static char *
resource_id(const struct platform_resource *r)
{
	return xstrdup(r->name);
}

static int
open_client(void **client, const cJSON *section, const struct platform_opts *o)
{
	struct render_client *c = xcalloc(1, sizeof *c);
	int rc;

	(void)section;
	*client = NULL;
	if ((rc = render_client_init(c, NULL, o ? o->retry_base_ms : 0))) {
		free(c);
		return rc;
	}
	*client = c;
	return PR_OK;
}

static int
login(void *client)
{
	return render_login(client);
}

static const char *
credential(void *client)
{
	(void)client;
	return NULL;	/* the document's "credential" names Azure's sources */
}

static void
close_client(void *client)
{
	render_client_free(client);
	free(client);
}

static void
fill_error(struct platform_error *out, const char *method, const char *path, const struct render_error *err)
{
	memset(out, 0, sizeof *out);
	snprintf(out->method, sizeof out->method, "%s", method);
	snprintf(out->path, sizeof out->path, "%s", path);
	out->status = err->status;
	render_error_text(err, out->text, sizeof out->text);
	out->hint = render_error_hint(err);
}

/* GET the service, its environment and, when the entry names a commit, its
 * live deploy, into {"service", "env": [{"key","value"}], "live"}. */
static int
read_service(void *client, const struct platform_resource *r, cJSON **raw, struct platform_error *err)
{
	struct render_error rerr;
	struct buf p = {0};
	cJSON *svc = NULL, *env = NULL, *live = NULL;
	int rc;

	*raw = NULL;
	buf_printf(&p, "/services/%s", r->name);
	if ((rc = render_get(client, p.data, &svc, &rerr))) {
		fill_error(err, "GET", "", &rerr);
		goto out;
	}
	buf_adds(&p, "/env-vars");
	if ((rc = render_list(client, p.data, "envVar", &env, &rerr))) {
		fill_error(err, "GET", "/env-vars", &rerr);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(r->entry, "commit")) {
		buf_reset(&p);
		buf_printf(&p, "/services/%s/deploys?status=live&limit=1", r->name);
		if ((rc = render_get(client, p.data, &live, &rerr))) {
			fill_error(err, "GET", "/deploys", &rerr);
			goto out;
		}
	}
	*raw = cJSON_CreateObject();
	cJSON_AddItemToObject(*raw, "service", svc);
	cJSON_AddItemToObject(*raw, "env", env);
	cJSON_AddItemToObject(*raw, "live", live ? live : cJSON_CreateNull());
	svc = env = live = NULL;
out:
	cJSON_Delete(svc);
	doc_wipe(env);
	cJSON_Delete(live);
	buf_free(&p);
	return rc;
}

static cJSON *
current(const struct platform_resource *r, const cJSON *raw)
{
	const cJSON *svc = cJSON_GetObjectItemCaseSensitive(raw, "service");
	const cJSON *det = cJSON_GetObjectItemCaseSensitive(svc, "serviceDetails");
	const cJSON *live = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(raw, "live"), 0);
	const cJSON *v;
	cJSON *out = cJSON_CreateObject(), *set;

	(void)r;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(det, "numInstances")))
		cJSON_AddNumberToObject(out, "instances", v->valuedouble);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(det, "plan")))
		cJSON_AddStringToObject(out, "plan", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(svc, "suspended")))
		cJSON_AddBoolToObject(out, "suspended", strcmp(v->valuestring, "suspended") == 0);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(live, "deploy"), "commit");
	if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(v, "id")))
		cJSON_AddStringToObject(out, "commit", v->valuestring);
	set = cJSON_AddObjectToObject(out, PLATFORM_SETTINGS);
	for (const cJSON *e = cJSON_GetObjectItemCaseSensitive(raw, "env")->child; e; e = e->next) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "key");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "value");

		if (cJSON_IsString(k) && cJSON_IsString(val) && !cJSON_GetObjectItemCaseSensitive(set, k->valuestring))
			cJSON_AddStringToObject(set, k->valuestring, val->valuestring);
	}
	return out;
}

/* One write: method to /services/<id><sub> with body.  Counts the writes
 * that were sent, for PR_PARTIAL. */
struct writer {
	struct render_client *c;
	const struct platform_resource *r;
	struct platform_error *err;
	int sent;
};

static int
send_one(struct writer *w, const char *method, const char *sub, const cJSON *body, bool once, cJSON **out)
{
	struct render_error rerr;
	struct buf p = {0};
	int rc;

	buf_printf(&p, "/services/%s%s", w->r->name, sub);
	rc = render_send(w->c, method, p.data, body, once, out, &rerr);
	if (rc)
		fill_error(w->err, method, sub, &rerr);
	else
		w->sent++;
	buf_free(&p);
	return rc;
}

/* PUT or DELETE each environment variable in settings, one key each. */
static int
write_env(struct writer *w, const cJSON *settings)
{
	struct buf sub = {0};
	int rc = PR_OK;

	for (const cJSON *v = settings ? settings->child : NULL; v && rc == PR_OK; v = v->next) {
		buf_reset(&sub);
		buf_printf(&sub, "/env-vars/%s", v->string);
		if (cJSON_IsNull(v)) {
			rc = send_one(w, "DELETE", sub.data, NULL, false, NULL);
		} else {
			cJSON *body = cJSON_CreateObject();

			cJSON_AddStringToObject(body, "value", v->valuestring);
			rc = send_one(w, "PUT", sub.data, body, false, NULL);
			doc_wipe(body);
		}
	}
	buf_free(&sub);
	return rc;
}

/* One field {key: value} as a body, nested under outer when given. */
static cJSON *
body_of(const char *outer, const char *key, const cJSON *value)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddItemToObject(outer ? cJSON_AddObjectToObject(b, outer) : b, key, cJSON_Duplicate(value, true));
	return b;
}

/* Deploy commit and follow it until live. */
static int
deploy(struct writer *w, const cJSON *commit)
{
	char status[RENDER_STATUS_LEN];
	struct render_error rerr;
	cJSON *body = body_of(NULL, "commitId", commit), *d = NULL;
	const cJSON *id;
	int rc = send_one(w, "POST", "/deploys", body, true, &d);

	cJSON_Delete(body);
	if (rc)
		return rc;
	if (!cJSON_IsString(id = cJSON_GetObjectItemCaseSensitive(d, "id"))) {
		snprintf(w->err->method, sizeof w->err->method, "POST");
		snprintf(w->err->path, sizeof w->err->path, "/deploys");
		snprintf(w->err->text, sizeof w->err->text, "the deploy was queued behind another one: no deploy "
		    "id to follow");
		w->err->hint = "wait for the running deploy, then run again";
		cJSON_Delete(d);
		return PR_EXTERNAL;
	}
	pr_note("%s: deploy %s of %s started", w->r->label, id->valuestring, commit->valuestring);
	if ((rc = render_deploy_wait(w->c, w->r->name, id->valuestring, status, &rerr))) {
		/* The old deploy stays live: a deploy that never went live
		 * changed nothing, so alone it is no partial work. */
		w->sent--;
		fill_error(w->err, "POST", "/deploys", &rerr);
		w->err->hint = "read the deploy's logs in the Render dashboard, fix the cause, then run again";
	} else {
		pr_note("%s: deploy %s is live", w->r->label, id->valuestring);
	}
	cJSON_Delete(d);
	return rc;
}

static int
write_service(void *client, const struct platform_resource *r, const cJSON *raw, const cJSON *change,
    struct platform_error *err)
{
	struct writer w = {.c = client, .r = r, .err = err};
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(change, PLATFORM_SETTINGS);
	const cJSON *plan = cJSON_GetObjectItemCaseSensitive(change, "plan");
	const cJSON *inst = cJSON_GetObjectItemCaseSensitive(change, "instances");
	const cJSON *susp = cJSON_GetObjectItemCaseSensitive(change, "suspended");
	const cJSON *commit = cJSON_GetObjectItemCaseSensitive(change, "commit");
	bool restart = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->entry, "restart"));
	const cJSON *now = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(raw, "service"),
	    "suspended");
	bool asleep = cJSON_IsString(now) && strcmp(now->valuestring, "suspended") == 0;
	cJSON *b = NULL;
	int rc = PR_OK;

	if (set && (rc = write_env(&w, set)))
		goto out;
	if (plan && (rc = send_one(&w, "PATCH", "", b = body_of("serviceDetails", "plan", plan), false, NULL)))
		goto out;
	cJSON_Delete(b);
	b = NULL;
	if (inst && (rc = send_one(&w, "POST", "/scale", b = body_of(NULL, "numInstances", inst), true, NULL)))
		goto out;
	if (cJSON_IsFalse(susp) && (rc = send_one(&w, "POST", "/resume", NULL, true, NULL)))
		goto out;
	if (commit)
		rc = deploy(&w, commit);
	else if (set && restart && !asleep && !cJSON_IsTrue(susp))
		rc = send_one(&w, "POST", "/restart", NULL, true, NULL);
	if (rc == PR_OK && cJSON_IsTrue(susp))
		rc = send_one(&w, "POST", "/suspend", NULL, true, NULL);
out:
	cJSON_Delete(b);
	return rc && w.sent ? PR_PARTIAL : rc;
}

/* Commits are the same when one SHA is a prefix of the other. */
static bool
same(const char *key, const cJSON *a, const cJSON *b)
{
	if (a && b && strcmp(key, "commit") == 0 && cJSON_IsString(a) && cJSON_IsString(b)) {
		size_t na = strlen(a->valuestring), nb = strlen(b->valuestring);

		return strncmp(a->valuestring, b->valuestring, na < nb ? na : nb) == 0 &&
		    (na < nb ? na : nb) >= COMMIT_MIN_HEX;
	}
	return platform_same_value(a, b);
}

const struct platform_provider platform_render = {
	.name = "render",
	.title = "Render",
	.api = "the Render API",
	.kinds = kinds,
	.key = "id",
	.check = check,
	.label = label,
	.id = resource_id,
	.open = open_client,
	.login = login,
	.credential = credential,
	.close = close_client,
	.read = read_service,
	.current = current,
	.write = write_service,
	.same = same,
};
