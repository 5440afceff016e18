/*
 * github.h: triggering a GitHub Actions workflow through the REST API
 * (workflow_dispatch).  The API base is GITHUB_API_URL when set (GitHub
 * Enterprise, tests), else https://api.github.com.  The token goes only into
 * the Authorization header and is never printed.
 */
#ifndef PR_GITHUB_H
#define PR_GITHUB_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define PR_GITHUB_API_DEFAULT "https://api.github.com"
#define PR_GITHUB_API_VERSION "2022-11-28"

/*
 * POST /repos/{repo}/actions/workflows/{workflow}/dispatches with
 * {"ref": ref, "inputs": inputs} (inputs may be NULL: {}).  repo is
 * "owner/name"; workflow a file name ("deploy.yml") or an id.  Returns 0 on
 * 204, PR_EXTERNAL otherwise with why holding the status and GitHub's
 * "message" ("GitHub API 401: Bad credentials").
 */
int pr_github_dispatch(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, char *why, size_t whylen);

#endif
