/*
 * deploycfg.c: the "deploy" section's GitHub workflow (deploycfg.h).
 */
#include "deploycfg.h"
#include "buf.h"
#include "doc.h"
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
