/*
 * github.h: triggering a GitHub Actions workflow through the REST API
 * (workflow_dispatch), and following the run it started to its conclusion.
 * The API base is GITHUB_API_URL when set (GitHub Enterprise, tests), else
 * https://api.github.com.  The token goes only into the Authorization header
 * of requests to that base (never to a URL a response names) and is never
 * printed.
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
int github_dispatch(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, char *why, size_t whylen);

#define PR_GITHUB_URL_LEN 512
#define PR_GITHUB_WORD_LEN 32

/* A workflow run, as GET /repos/{repo}/actions/runs/{id} describes it. */
struct github_run {
	long long id;				/* 0: GitHub named no run */
	char html_url[PR_GITHUB_URL_LEN];	/* the run's page, for people */
	char status[PR_GITHUB_WORD_LEN];	/* queued, in_progress, completed, ... */
	char conclusion[PR_GITHUB_WORD_LEN];	/* success, failure, cancelled,
						 * timed_out, ...; "" until completed */
};

/*
 * github_dispatch with "return_run_details": true in the body, so that
 * GitHub answers 200 {"workflow_run_id", "run_url", "html_url"} and *run
 * names the run the dispatch started (status "queued").  A server that
 * answers 204 instead (GitHub Enterprise Server before the parameter) still
 * dispatched: run->id is then 0.  Returns as github_dispatch does.
 */
int github_dispatch_run(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, struct github_run *run, char *why, size_t whylen);

/*
 * GET /repos/{repo}/actions/runs/{run->id} into *run (status, conclusion,
 * html_url).  Returns 0, or PR_EXTERNAL with why holding the status and
 * GitHub's message.
 */
int github_run_get(const char *token, const char *repo, struct github_run *run, char *why, size_t whylen);

/*
 * Poll run every interval_s seconds until its status is "completed", for at
 * most timeout_s seconds.  Returns 0 when it concluded "success";
 * PR_EXTERNAL when it concluded anything else (why: "run 42 concluded
 * failure: HTML_URL"), when the time ran out ("run 42 still in_progress
 * after 30m: HTML_URL") or when the API failed.  Each change of status is
 * a note on stderr.
 */
int github_run_wait(const char *token, const char *repo, struct github_run *run, double timeout_s,
    double interval_s, char *why, size_t whylen);

#endif
