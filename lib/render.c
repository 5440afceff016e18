/* render.c: see render.h. */
#include "render.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure.h"
#include "buf.h"
#include "doc.h"
#include "gha.h"
#include "http.h"
#include "pr.h"
#include "util.h"

#define RENDER_BODY_SNIPPET 200
#define RENDER_BODY_START_BYTES 1024	/* a request body's first print buffer; doubled until it fits */
#define RENDER_RETRY_BASE_MAX_MS 600000.0

int
render_client_init(struct render_client *c, const char *endpoint, double retry_base_ms)
{
	const char *env;

	memset(c, 0, sizeof *c);
	if (!endpoint || !*endpoint)
		endpoint = getenv("RENDER_API_ENDPOINT");
	if (!endpoint || !*endpoint)
		endpoint = RENDER_API_PUBLIC;
	if (!azure_is_http_url(endpoint))
		return pr_error(PR_INPUT, "Render API endpoint %s: not an http(s) URL (fix RENDER_API_ENDPOINT)",
		    endpoint);
	if (azure_is_plain_remote(endpoint))
		return pr_error(PR_INPUT, "Render API endpoint %s is plain http: the API key would travel "
		    "unencrypted (use https; http only to localhost, 127.0.0.1 or [::1])", endpoint);
	if (retry_base_ms <= 0 && (env = getenv("PR_RETRY_BASE_MS")) && *env &&
	    util_parse_double(env, 0, RENDER_RETRY_BASE_MAX_MS, &retry_base_ms) == -1)
		return pr_error(PR_INPUT, "PR_RETRY_BASE_MS=%s: not a number of milliseconds "
		    "from 0 to %.0f (fix or unset it)", env, RENDER_RETRY_BASE_MAX_MS);
	c->endpoint = azure_strip_slash(endpoint);
	c->retry_base_ms = retry_base_ms;
	c->poll_ms = retry_base_ms > 0 ? retry_base_ms : RENDER_DEPLOY_POLL_MS;
	c->deploy_timeout_ms = RENDER_DEPLOY_TIMEOUT_MS;
	return PR_OK;
}

void
render_client_free(struct render_client *c)
{
	if (c->key) {
		explicit_bzero(c->key, strlen(c->key));
		free(c->key);
	}
	free(c->endpoint);
	memset(c, 0, sizeof *c);
}

int
render_login(struct render_client *c)
{
	const char *key = getenv("RENDER_API_KEY");

	if (!key || !*key)
		return pr_error(PR_EXTERNAL, "RENDER_API_KEY is not set: no key for the Render API (create one under "
		    "Account Settings, API Keys, and pass it as a secret)");
	/* It goes into a header line: a line break would end the header. */
	for (const char *p = key; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return pr_error(PR_INPUT, "RENDER_API_KEY holds a control character such as a line break "
			    "(set it to the key alone)");
	gha_mask(key);
	free(c->key);
	c->key = xstrdup(key);
	return PR_OK;
}

/* err from a response: Render's {"id", "message"}, or a bit of the body,
 * with the key hidden should the server echo it. */
static void
error_from_resp(const struct render_client *c, const struct http_resp *resp, struct render_error *err)
{
	cJSON *doc = NULL;
	const cJSON *id, *msg;

	memset(err, 0, sizeof *err);
	err->status = resp->status;
	if (resp->status && resp->body.len)
		doc = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
	if (cJSON_IsString(id))
		util_one_line(err->id, sizeof err->id, id->valuestring, SIZE_MAX);
	http_error_message(resp, cJSON_IsString(msg) ? msg->valuestring : NULL, doc != NULL, RENDER_BODY_SNIPPET,
	    err->message, sizeof err->message);
	util_scrub(err->message, sizeof err->message, c->key);
	util_scrub(err->id, sizeof err->id, c->key);
	cJSON_Delete(doc);
}

void
render_error_text(const struct render_error *err, char *out, size_t outlen)
{
	if (err->status && *err->id)
		snprintf(out, outlen, "%ld %s: %s", err->status, err->id, err->message);
	else if (err->status)
		snprintf(out, outlen, "%ld: %s", err->status, err->message);
	else
		snprintf(out, outlen, "%s", err->message);
}

const char *
render_error_hint(const struct render_error *err)
{
	switch (err->status) {
	case 0:
		return "check the network and RENDER_API_ENDPOINT, or the deploy's logs in the Render dashboard, "
		    "then run again";
	case 400:
	case 409:
	case 422:
		return "fix the platform section";
	case 401:
		return "check RENDER_API_KEY: it is missing, mistyped or revoked";
	case 402:
		return "the workspace's billing does not allow this plan or instance count";
	case 403:
		return "use an API key of a workspace member who may change the service";
	case 404:
	case 410:
		return "check the service id (srv-...) in the platform section";
	default:
		if (err->status == 429 || err->status >= 500)
			return "Render is busy or failing; run again later";
		return "see the Render error above";
	}
}

/* A POST that starts something is repeated only when it was not taken in:
 * throttled, or refused before it was sent. */
static bool
throttled(long status)
{
	return status == 429;
}

/* One request to path with the key (and a JSON body when given). */
static int
request(struct render_client *c, const char *method, const char *path, const char *body, bool once,
    struct http_resp *resp)
{
	struct buf auth = {0}, url = {0};
	const char *headers[4];
	struct http_req req = {0};
	int rc;

	if (!c->key) {
		memset(resp, 0, sizeof *resp);
		snprintf(resp->error, sizeof resp->error, "no Render API key (see the error above)");
		return PR_EXTERNAL;
	}
	buf_printf(&auth, "Authorization: Bearer %s", c->key);
	buf_printf(&url, "%s%s", c->endpoint, path);
	headers[0] = auth.data;
	headers[1] = "Accept: application/json";
	headers[2] = body ? "Content-Type: application/json" : NULL;
	headers[3] = NULL;
	req.method = method;
	req.url = url.data;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.retry.backoff_ms = c->retry_base_ms;
	if (once) {
		req.retry.classes = PR_FAILURE_BIT(PR_FAILURE_DNS) | PR_FAILURE_BIT(PR_FAILURE_CONNECT) |
		    PR_FAILURE_BIT(PR_FAILURE_STATUS);
		req.retry.transient = throttled;
	}
	rc = http_do(&req, resp);
	buf_wipe(&auth);
	buf_free(&url);
	return rc;
}

/* The body of a 2xx response as JSON: *out, or NULL when it is empty.
 * PR_EXTERNAL with err when it is not JSON. */
static int
parse_body(const struct http_resp *resp, cJSON **out, struct render_error *err)
{
	*out = NULL;
	if (!resp->body.len)
		return PR_OK;
	if (!(*out = cJSON_ParseWithLength(resp->body.data, resp->body.len))) {
		err->status = resp->status;
		snprintf(err->message, sizeof err->message, "the response is not JSON");
		return PR_EXTERNAL;
	}
	return PR_OK;
}

/*
 * body as JSON text (caller wipes and frees), printed into memory of ours:
 * cJSON's own printing grows its buffer by realloc, which would leave
 * copies of an environment variable's value behind in freed memory.
 */
static char *
body_text(const cJSON *body)
{
	for (size_t size = RENDER_BODY_START_BYTES;; size *= 2) {
		char *text = xmalloc(size);

		if (cJSON_PrintPreallocated((cJSON *)body, text, (int)size, false))
			return text;
		explicit_bzero(text, size);
		free(text);
	}
}

int
render_send(struct render_client *c, const char *method, const char *path, const cJSON *body, bool once,
    cJSON **out, struct render_error *err)
{
	struct http_resp resp;
	char *text = body ? body_text(body) : NULL;
	cJSON *doc = NULL;
	int rc = PR_EXTERNAL;

	if (out)
		*out = NULL;
	memset(err, 0, sizeof *err);
	request(c, method, path, text, once, &resp);
	if (resp.status < 200 || resp.status > 299)
		error_from_resp(c, &resp, err);
	else if ((rc = parse_body(&resp, &doc, err)) == PR_OK && out) {
		*out = doc;
		doc = NULL;
	}
	doc_wipe(doc);		/* a PUT's answer echoes the value */
	http_resp_free(&resp);
	if (text)	/* a PUT of an environment variable holds its value */
		explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

int
render_get(struct render_client *c, const char *path, cJSON **out, struct render_error *err)
{
	int rc = render_send(c, "GET", path, NULL, false, out, err);

	if (rc == PR_OK && !cJSON_IsObject(*out) && !cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		err->status = 200;
		snprintf(err->message, sizeof err->message, "the response is not a JSON object or array");
		return PR_EXTERNAL;
	}
	return rc;
}

/* s with every byte but RFC 3986's unreserved ones percent-encoded. */
static void
add_encoded(struct buf *b, const char *s)
{
	for (; *s; s++)
		if (strchr("-._~", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z'))
			buf_addc(b, *s);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
}

int
render_list(struct render_client *c, const char *path, const char *kind, cJSON **items, struct render_error *err)
{
	char *cursor = NULL, *prev = NULL;
	int rc = PR_OK, pages = 0;

	*items = cJSON_CreateArray();
	for (;;) {
		struct buf p = {0};
		cJSON *page = NULL;
		int n = 0;

		buf_printf(&p, "%s%climit=%d", path, strchr(path, '?') ? '&' : '?', RENDER_PAGE_LIMIT);
		if (cursor) {
			buf_adds(&p, "&cursor=");
			add_encoded(&p, cursor);
		}
		rc = render_get(c, p.data, &page, err);
		buf_free(&p);
		if (rc == PR_OK && !cJSON_IsArray(page)) {
			err->status = 200;
			snprintf(err->message, sizeof err->message, "the list is not a JSON array");
			rc = PR_EXTERNAL;
		}
		free(prev);
		prev = cursor;
		cursor = NULL;
		for (const cJSON *it = rc == PR_OK ? page->child : NULL; it; it = it->next, n++) {
			const cJSON *item = cJSON_GetObjectItemCaseSensitive(it, kind);
			const cJSON *cur = cJSON_GetObjectItemCaseSensitive(it, "cursor");

			if (cJSON_IsObject(item))
				cJSON_AddItemToArray(*items, cJSON_Duplicate(item, true));
			free(cursor);
			cursor = cJSON_IsString(cur) && *cur->valuestring ? xstrdup(cur->valuestring) : NULL;
		}
		doc_wipe(page);		/* environment variables' values */
		if (rc || n < RENDER_PAGE_LIMIT || !cursor)
			break;
		if (prev && strcmp(prev, cursor) == 0) {
			err->status = 200;
			snprintf(err->message, sizeof err->message, "page %d gave the cursor it was asked with: "
			    "the list would never end", pages + 1);
			rc = PR_EXTERNAL;
			break;
		}
		if (++pages >= RENDER_PAGES_MAX) {
			err->status = 200;
			snprintf(err->message, sizeof err->message, "more than %d pages: the cursor does not advance",
			    RENDER_PAGES_MAX);
			rc = PR_EXTERNAL;
			break;
		}
	}
	free(cursor);
	free(prev);
	if (rc) {
		cJSON_Delete(*items);
		*items = NULL;
	}
	return rc;
}

/* A deploy status after which it will not go live. */
static bool
deploy_ended(const char *status)
{
	static const char *const ended[] = {"build_failed", "update_failed", "pre_deploy_failed", "canceled",
	    "deactivated", NULL};

	for (const char *const *e = ended; *e; e++)
		if (strcmp(status, *e) == 0)
			return true;
	return false;
}

int
render_deploy_wait(struct render_client *c, const char *service, const char *deploy_id,
    char status[RENDER_STATUS_LEN], struct render_error *err)
{
	double start_ms = util_mono_ms();
	struct buf path = {0};
	int rc = -1;

	snprintf(status, RENDER_STATUS_LEN, "created");
	buf_printf(&path, "/services/%s/deploys/%s", service, deploy_id);
	while (rc == -1) {
		cJSON *d = NULL;
		const cJSON *st;

		if ((rc = render_get(c, path.data, &d, err)))
			break;
		st = cJSON_GetObjectItemCaseSensitive(d, "status");
		if (!cJSON_IsString(st)) {
			snprintf(err->message, sizeof err->message, "deploy %s has no \"status\"", deploy_id);
			rc = PR_EXTERNAL;
		} else if (snprintf(status, RENDER_STATUS_LEN, "%s", st->valuestring), strcmp(status, "live") == 0) {
			rc = PR_OK;
		} else if (deploy_ended(status)) {
			err->status = 0;
			snprintf(err->message, sizeof err->message, "deploy %s ended %s", deploy_id, status);
			rc = PR_EXTERNAL;
		} else if (util_mono_ms() - start_ms + c->poll_ms > c->deploy_timeout_ms) {
			err->status = 0;
			snprintf(err->message, sizeof err->message, "deploy %s was still %s after %.0f s", deploy_id,
			    status, c->deploy_timeout_ms / 1e3);
			rc = PR_EXTERNAL;
		} else {
			pr_log("deploy %s %s", deploy_id, status);
			rc = -1;
			util_sleep_ms(c->poll_ms);
		}
		cJSON_Delete(d);
	}
	buf_free(&path);
	return rc;
}
