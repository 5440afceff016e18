/*
 * deploycfg.c: the "deploy" section: a GitHub workflow or a Render deploy
 * (deploycfg.h).
 */
#include "deploycfg.h"
#include "buf.h"
#include "doc.h"
#include "platform.h"
#include "pr.h"

int
deploycfg_github_parse(const cJSON *deploy, const char *name, struct deploycfg_github *out)
{
	const cJSON *gh;
	struct buf ctx = {0};
	int rc;

	*out = (struct deploycfg_github){0};
	if (!deploy || !(gh = cJSON_GetObjectItemCaseSensitive(deploy, "github")))
		return pr_error(PR_INPUT,
		    "%s: no deploy.github section to trigger the deploy (add one or pass --skip-deploy)",
		    name);
	/* Messages name the file, as every section's do. */
	buf_printf(&ctx, "%s: deploy", name);
	if ((rc = doc_get_object(deploy, "github", PR_REQUIRED, ctx.data, &gh)) == PR_OK) {
		buf_adds(&ctx, ".github");
		if ((rc = doc_get_string(gh, "repo", PR_REQUIRED, ctx.data, &out->repo)) != PR_OK ||
		    (rc = doc_get_string(gh, "workflow", PR_REQUIRED, ctx.data, &out->workflow)) != PR_OK ||
		    (rc = doc_get_string(gh, "ref", PR_OPTIONAL, ctx.data, &out->ref)) != PR_OK ||
		    (rc = doc_get_object(gh, "inputs", PR_OPTIONAL, ctx.data, &out->inputs)) != PR_OK)
			*out = (struct deploycfg_github){0};
	}
	buf_free(&ctx);
	return rc;
}

bool
deploycfg_is_render(const cJSON *deploy)
{
	return cJSON_GetObjectItemCaseSensitive(deploy, "render") != NULL;
}

int
deploycfg_render_parse(const cJSON *deploy, const char *name, struct deploycfg_render *out)
{
	static const char *const keys[] = {"service", NULL};
	const cJSON *r;
	struct buf ctx = {0};
	int rc;

	*out = (struct deploycfg_render){0};
	buf_printf(&ctx, "%s: deploy", name);
	if (cJSON_GetObjectItemCaseSensitive(deploy, "github"))
		rc = pr_error(PR_INPUT, "%s: holds both github and render (keep the one that deploys the app)",
		    ctx.data);
	else if ((rc = doc_get_object(deploy, "render", PR_REQUIRED, ctx.data, &r)) == PR_OK) {
		buf_adds(&ctx, ".render");
		if ((rc = doc_check_fields(r, keys, ctx.data)) == PR_OK &&
		    (rc = doc_get_string(r, "service", PR_REQUIRED, ctx.data, &out->service)) == PR_OK &&
		    !platform_is_path_name(out->service))
			rc = pr_error(PR_INPUT, "%s.service: \"%s\" is not a Render service id (like srv-abc123)",
			    ctx.data, out->service);
	}
	if (rc)
		*out = (struct deploycfg_render){0};
	buf_free(&ctx);
	return rc;
}

cJSON *
deploycfg_render_section(const struct deploycfg_render *r, const char *commit)
{
	cJSON *sec = cJSON_CreateObject(), *svc = cJSON_CreateObject();

	cJSON_AddStringToObject(svc, "id", r->service);
	cJSON_AddStringToObject(svc, "commit", commit);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(sec, "render"), "services"), svc);
	return sec;
}
