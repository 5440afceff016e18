/* github.c: workflow_dispatch through the GitHub REST API. */
#include "github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"

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

int
pr_github_dispatch(const char *token, const char *repo, const char *workflow, const char *ref,
    const cJSON *inputs, char *why, size_t whylen)
{
	const char *base = getenv("GITHUB_API_URL");
	const char *slash = strchr(repo, '/');
	struct buf url = {0}, auth = {0};
	const char *headers[6];
	cJSON *body = cJSON_CreateObject();
	char *text = NULL;
	struct pr_http_req req = {.method = "POST"};
	struct pr_http_resp resp = {0};
	int rc = PR_EXTERNAL;

	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/')) {
		snprintf(why, whylen, "deploy.github.repo '%s' is not owner/name", repo);
		rc = PR_INPUT;
		goto out;
	}
	if (!base || !*base)
		base = PR_GITHUB_API_DEFAULT;
	buf_adds(&url, base);
	while (url.len && url.data[url.len - 1] == '/')
		url.data[--url.len] = '\0';
	buf_adds(&url, "/repos/");
	buf_add(&url, repo, (size_t)(slash - repo));
	buf_addc(&url, '/');
	add_segment(&url, slash + 1);
	buf_adds(&url, "/actions/workflows/");
	add_segment(&url, workflow);
	buf_adds(&url, "/dispatches");

	cJSON_AddStringToObject(body, "ref", ref);
	cJSON_AddItemToObject(body, "inputs",
	    inputs ? cJSON_Duplicate(inputs, 1) : cJSON_CreateObject());
	text = cJSON_PrintUnformatted(body);
	buf_printf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.data;
	headers[1] = "Accept: application/vnd.github+json";
	headers[2] = "X-GitHub-Api-Version: " PR_GITHUB_API_VERSION;
	headers[3] = "Content-Type: application/json";
	headers[4] = "User-Agent: pr-tools/" PR_VERSION;
	headers[5] = NULL;
	req.url = url.data;
	req.headers = headers;
	req.body = text;
	req.body_len = strlen(text);
	if (pr_http_do(&req, &resp) != PR_OK) {
		snprintf(why, whylen, "GitHub API %s: %s", base, resp.error);
		goto out;
	}
	if (resp.status == HTTP_NO_CONTENT) {
		rc = PR_OK;
	} else {
		cJSON *e = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

		snprintf(why, whylen, "GitHub API %ld: %s", resp.status,
		    cJSON_IsString(m) ? m->valuestring : "unexpected response");
		cJSON_Delete(e);
	}
out:
	if (auth.data)
		memset(auth.data, 0, auth.len);
	buf_free(&auth);
	buf_free(&url);
	free(text);
	cJSON_Delete(body);
	pr_http_resp_free(&resp);
	return rc;
}
