/* github.c: workflow_dispatch through the GitHub REST API, and the run it
 * started. */
#include "github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pr.h"
#include "http.h"
#include "util.h"

#define HTTP_OK 200
#define HTTP_NO_CONTENT 204

/* Percent-encode s for one path segment. */
static void
add_segment(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			buf_addc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

static const char *
api_base(void)
{
	const char *base = getenv("GITHUB_API_URL");

	return base && *base ? base : PR_GITHUB_API_DEFAULT;
}

/* url = the API base + "/repos/OWNER/NAME".  PR_INPUT when repo is not
 * owner/name. */
static int
repo_url(struct buf *url, const char *repo, char *why, size_t whylen)
{
	const char *slash = strchr(repo, '/');

	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/')) {
		snprintf(why, whylen, "deploy.github.repo '%s' is not owner/name", repo);
		return PR_INPUT;
	}
	buf_adds(url, api_base());
	while (url->len && url->data[url->len - 1] == '/')
		url->data[--url->len] = '\0';
	buf_adds(url, "/repos/");
	buf_add(url, repo, (size_t)(slash - repo));
	buf_addc(url, '/');
	add_segment(url, slash + 1);
	return PR_OK;
}

/* One API request.  Returns 0 when a response arrived (any status: the
 * caller judges it), PR_EXTERNAL with why when none did.  The header that
 * held the token is wiped. */
static int
api_request(const char *token, const char *method, const char *url, const char *body,
    struct http_resp *resp, char *why, size_t whylen)
{
	struct buf auth = {0};
	const char *headers[6];
	struct http_req req = {.method = method, .url = url};
	int rc = PR_OK;

	buf_printf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.data;
	headers[1] = "Accept: application/vnd.github+json";
	headers[2] = "X-GitHub-Api-Version: " PR_GITHUB_API_VERSION;
	headers[3] = "User-Agent: pr-tools/" PR_VERSION;
	headers[4] = body ? "Content-Type: application/json" : NULL;
	headers[5] = NULL;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	if (http_do(&req, resp) != PR_OK) {
		snprintf(why, whylen, "GitHub API %s: %s", api_base(), resp->error);
		rc = PR_EXTERNAL;
	}
	memset(auth.data, 0, auth.len);
	buf_free(&auth);
	return rc;
}

/* The response's JSON body, or NULL. */
static cJSON *
resp_json(const struct http_resp *resp)
{
	return cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
}

/* why = "GitHub API STATUS: message" from an error response. */
static int
api_error(const struct http_resp *resp, char *why, size_t whylen)
{
	cJSON *e = resp_json(resp);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

	snprintf(why, whylen, "GitHub API %ld: %s", resp->status,
	    cJSON_IsString(m) ? m->valuestring : "unexpected response");
	cJSON_Delete(e);
	return PR_EXTERNAL;
}

static void
copy_string(char *dst, size_t len, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	snprintf(dst, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* The run a 200 dispatch answer names: {"workflow_run_id", "html_url", ...}. */
static int
read_dispatch_details(const struct http_resp *resp, struct github_run *run, char *why, size_t whylen)
{
	cJSON *j = resp_json(resp);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "workflow_run_id");
	int rc = PR_OK;

	if (!cJSON_IsNumber(id) || id->valuedouble < 1) {
		snprintf(why, whylen, "GitHub API 200: no workflow_run_id in the dispatch answer");
		rc = PR_EXTERNAL;
	} else {
		run->id = (long long)id->valuedouble;
		copy_string(run->html_url, sizeof run->html_url, j, "html_url");
		snprintf(run->status, sizeof run->status, "queued");
	}
	cJSON_Delete(j);
	return rc;
}

static int
dispatch(const char *token, const char *repo, const char *workflow, const char *ref, const cJSON *inputs,
    struct github_run *run, char *why, size_t whylen)
{
	struct buf url = {0};
	cJSON *body = cJSON_CreateObject();
	char *text = NULL;
	struct http_resp resp = {0};
	int rc;

	if ((rc = repo_url(&url, repo, why, whylen)) != PR_OK)
		goto out;
	buf_adds(&url, "/actions/workflows/");
	add_segment(&url, workflow);
	buf_adds(&url, "/dispatches");
	cJSON_AddStringToObject(body, "ref", ref);
	cJSON_AddItemToObject(body, "inputs", inputs ? cJSON_Duplicate(inputs, 1) : cJSON_CreateObject());
	if (run)
		cJSON_AddTrueToObject(body, "return_run_details");
	text = cJSON_PrintUnformatted(body);
	if ((rc = api_request(token, "POST", url.data, text, &resp, why, whylen)) != PR_OK)
		goto out;
	if (resp.status == HTTP_NO_CONTENT)
		rc = PR_OK;
	else if (run && resp.status == HTTP_OK)
		rc = read_dispatch_details(&resp, run, why, whylen);
	else
		rc = api_error(&resp, why, whylen);
out:
	buf_free(&url);
	free(text);
	cJSON_Delete(body);
	http_resp_free(&resp);
	return rc;
}

int
github_dispatch(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, char *why, size_t whylen)
{
	return dispatch(token, repo, workflow, ref, inputs, NULL, why, whylen);
}

int
github_dispatch_run(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, struct github_run *run, char *why, size_t whylen)
{
	memset(run, 0, sizeof *run);
	return dispatch(token, repo, workflow, ref, inputs, run, why, whylen);
}

int
github_run_get(const char *token, const char *repo, struct github_run *run, char *why, size_t whylen)
{
	struct buf url = {0};
	struct http_resp resp = {0};
	cJSON *j = NULL;
	int rc;

	/* The run's URL is built from the configured base, never taken from
	 * the dispatch answer's run_url: the token goes to that base only. */
	if ((rc = repo_url(&url, repo, why, whylen)) != PR_OK)
		goto out;
	buf_printf(&url, "/actions/runs/%lld", run->id);
	if ((rc = api_request(token, "GET", url.data, NULL, &resp, why, whylen)) != PR_OK)
		goto out;
	if (resp.status != HTTP_OK) {
		rc = api_error(&resp, why, whylen);
		goto out;
	}
	j = resp_json(&resp);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "status"))) {
		snprintf(why, whylen, "GitHub API 200: run %lld has no status", run->id);
		rc = PR_EXTERNAL;
		goto out;
	}
	copy_string(run->status, sizeof run->status, j, "status");
	copy_string(run->conclusion, sizeof run->conclusion, j, "conclusion");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "html_url")))
		copy_string(run->html_url, sizeof run->html_url, j, "html_url");
out:
	cJSON_Delete(j);
	buf_free(&url);
	http_resp_free(&resp);
	return rc;
}

int
github_run_wait(const char *token, const char *repo, struct github_run *run, double timeout_s,
    double interval_s, char *why, size_t whylen)
{
	double end_ms = util_mono_ms() + timeout_s * 1e3;
	char last[PR_GITHUB_WORD_LEN] = "";
	int rc;

	if (run->id == 0) {
		snprintf(why, whylen,
		    "GitHub named no run for the dispatch (return_run_details unsupported): cannot wait for it");
		return PR_EXTERNAL;
	}
	for (;;) {
		if ((rc = github_run_get(token, repo, run, why, whylen)) != PR_OK)
			return rc;
		if (strcmp(run->status, last) != 0)
			pr_note("run %lld: %s", run->id, run->status);
		snprintf(last, sizeof last, "%s", run->status);
		if (strcmp(run->status, "completed") == 0)
			break;
		if (util_mono_ms() + interval_s * 1e3 > end_ms) {
			snprintf(why, whylen, "run %lld still %s after %.0f s: %s", run->id, run->status, timeout_s,
			    run->html_url);
			return PR_EXTERNAL;
		}
		util_sleep_ms(interval_s * 1e3);
	}
	if (strcmp(run->conclusion, "success") == 0)
		return PR_OK;
	snprintf(why, whylen, "run %lld concluded %s: %s", run->id, *run->conclusion ? run->conclusion : "(none)",
	    run->html_url);
	return PR_EXTERNAL;
}
