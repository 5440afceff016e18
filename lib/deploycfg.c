/*
 * deploycfg.c: the "deploy" section's GitHub workflow (deploycfg.h).
 */
#include "deploycfg.h"
#include "doc.h"
#include "err.h"

int
deploy_github_parse(const cJSON *deploy, const char *name, struct deploy_github *out)
{
	const cJSON *gh;
	int rc;

	*out = (struct deploy_github){0};
	if (!deploy || !(gh = cJSON_GetObjectItemCaseSensitive(deploy, "github")))
		return pr_error(PR_INPUT, "%s: no deploy.github section to trigger the deploy (add one or pass --skip-deploy)",
		    name);
	if ((rc = pr_get_string(gh, "repo", PR_REQUIRED, "deploy.github", &out->repo)) != PR_OK ||
	    (rc = pr_get_string(gh, "workflow", PR_REQUIRED, "deploy.github", &out->workflow)) != PR_OK ||
	    (rc = pr_get_string(gh, "ref", PR_OPTIONAL, "deploy.github", &out->ref)) != PR_OK ||
	    (rc = pr_get_object(gh, "inputs", PR_OPTIONAL, "deploy.github", &out->inputs)) != PR_OK)
		return rc;
	return PR_OK;
}
