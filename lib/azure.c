/* azure.c: see azure.h. */
#include "azure.h"

#include <curl/curl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "gha.h"
#include "http.h"
#include "util.h"

#define AZ_HEADER_MAX 8192
#define AZ_BODY_SNIPPET 200
#define AZ_RETRY_BASE_MAX_MS 600000.0

bool
azure_is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* True for http:// to a host other than the loopback interface: a token
 * or client secret sent there would travel unencrypted. */
bool
azure_is_plain_remote(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 && !util_url_is_loopback(url);
}

/* A copy of url without trailing slashes.  Caller frees. */
char *
azure_strip_slash(const char *url)
{
	char *s = xstrdup(url);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/*
 * The token audience for c's Resource Manager, with suffix ("/.default" for
 * a scope): the public cloud's unless the endpoint is another https cloud
 * (US Government, China).  Caller frees.
 */
static char *
arm_audience(const struct azure_client *c, const char *suffix)
{
	struct buf b = {0};

	if (strncmp(c->arm_endpoint, "https://", 8) == 0 && strcmp(c->arm_endpoint, AZ_ARM_PUBLIC) != 0)
		buf_printf(&b, "%s%s", c->arm_endpoint, suffix);
	else
		buf_printf(&b, "%s%s", AZ_ARM_PUBLIC, suffix);
	return buf_detach(&b);
}

int
azure_client_init(struct azure_client *c, const char *arm_endpoint, double retry_base_ms)
{
	const char *env;

	memset(c, 0, sizeof *c);
	if (!arm_endpoint || !*arm_endpoint)
		arm_endpoint = getenv("AZURE_ARM_ENDPOINT");
	if (!arm_endpoint || !*arm_endpoint)
		arm_endpoint = AZ_ARM_PUBLIC;
	if (!azure_is_http_url(arm_endpoint))
		return pr_error(PR_INPUT, "Resource Manager endpoint %s: not an http(s) URL "
		    "(fix --arm-endpoint or AZURE_ARM_ENDPOINT)", arm_endpoint);
	c->arm_endpoint = azure_strip_slash(arm_endpoint);
	if (azure_is_plain_remote(c->arm_endpoint)) {
		int rc = pr_error(PR_INPUT, "Resource Manager endpoint %s is plain http: the token would travel "
		    "unencrypted (use https; http only to localhost, 127.0.0.1 or [::1])", c->arm_endpoint);

		azure_client_free(c);
		return rc;
	}
	if (retry_base_ms <= 0 && (env = getenv("PR_RETRY_BASE_MS")) && *env &&
	    util_parse_double(env, 0, AZ_RETRY_BASE_MAX_MS, &retry_base_ms) == -1)
		return pr_error(PR_INPUT, "PR_RETRY_BASE_MS=%s: not a number of milliseconds "
		    "from 0 to %.0f (fix or unset it)", env, AZ_RETRY_BASE_MAX_MS);
	c->retry_base_ms = retry_base_ms;
	c->poll_ms = retry_base_ms > 0 ? retry_base_ms : AZ_LRO_POLL_MS;
	c->lro_timeout_ms = AZ_LRO_TIMEOUT_MS;
	c->scope = arm_audience(c, "/.default");
	c->cred = cred_new(retry_base_ms);
	return PR_OK;
}

void
azure_client_free(struct azure_client *c)
{
	cred_free(c->cred);
	free(c->arm_endpoint);
	free(c->scope);
	memset(c, 0, sizeof *c);
}

/* App Service's Details[].ErrorEntity.ExtendedCode, into err->ext_code. */
static void
ext_code(const cJSON *doc, struct azure_error *err)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItem(doc, "Details")) {
		const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "ErrorEntity"), "ExtendedCode");

		if (cJSON_IsString(x))
			snprintf(err->ext_code, sizeof err->ext_code, "%s", x->valuestring);
	}
}

/*
 * Fill err from a response: ARM's {"error": {"code", "message"}}, the
 * identity platform's {"error", "error_description"}, or a bit of the body.
 */
void
azure_error_from_resp(const struct http_resp *resp, struct azure_error *err)
{
	cJSON *doc = NULL;
	const cJSON *e, *code = NULL, *msg = NULL;

	memset(err, 0, sizeof *err);
	err->status = resp->status;
	if (resp->status && resp->body.len)
		doc = cJSON_ParseWithLength(resp->body.data, resp->body.len);
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	ext_code(doc, err);
	if (cJSON_IsObject(e)) {
		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		msg = cJSON_GetObjectItemCaseSensitive(e, "message");
	} else if (cJSON_IsString(e)) {
		code = e;
		msg = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
	} else if (doc) {	/* App Service writes "Code" and "Message" */
		code = cJSON_GetObjectItem(doc, "code");
		msg = cJSON_GetObjectItem(doc, "message");
	}
	if (cJSON_IsString(code))
		util_one_line(err->code, sizeof err->code, code->valuestring, SIZE_MAX);
	http_error_message(resp, cJSON_IsString(msg) ? msg->valuestring : NULL, doc != NULL, AZ_BODY_SNIPPET,
	    err->message, sizeof err->message);
	cJSON_Delete(doc);
}

void
azure_error_text(const struct azure_error *err, char *out, size_t outlen)
{
	if (err->status && *err->code)
		snprintf(out, outlen, "%ld %s: %s", err->status, err->code, err->message);
	else if (err->status)
		snprintf(out, outlen, "%ld: %s", err->status, err->message);
	else if (*err->code)
		snprintf(out, outlen, "%s: %s", err->code, err->message);
	else
		snprintf(out, outlen, "%s", err->message);
}

const char *
azure_error_hint(const struct azure_error *err)
{
	switch (err->status) {
	case 0:
		return *err->code ? "check the resource in the Azure portal, then run again" :
		    "check the network and the Resource Manager endpoint, then run again";
	case 409:
		if (strcmp(err->ext_code, AZ_EXT_ALWAYS_ON_TIER) == 0)
			return "the App Service plan's Free or Shared tier does not allow Always On: "
			    "scale the plan to Basic or higher, or drop always_on from the platform section";
		return "fix the platform section";
	case 400:
	case 422:
		return "fix the platform section";
	case 401:
		return "check the Azure credential named in the log (see pr-apply-scale(1), ENVIRONMENT)";
	case 403:
		return "grant the identity a role that may write the resource, such as Contributor";
	case 404:
		return "check the subscription, resource group and resource name";
	default:
		if (err->status == 429 || err->status >= 500)
			return "Azure is busy or failing; run again later";
		return "see the Azure error above";
	}
}

/* True when url has the same scheme, host and port as base. */
static bool
same_origin(const char *url, const char *base)
{
	const char *p = strstr(base, "://");
	size_t n;

	if (!p)
		return false;
	p += 3;
	n = (size_t)(p - base) + strcspn(p, "/?#");
	return strncasecmp(url, base, n) == 0 && (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

/* A 409 saying another operation on the resource is still running: it
 * passes, so the request is worth another try (the policy's backoff). */
static bool
operation_in_progress(const struct http_resp *resp)
{
	struct azure_error err;

	if (resp->status != 409)
		return false;
	azure_error_from_resp(resp, &err);
	return strcasestr(err.code, "OperationInProgress") || strcasestr(err.message, "operation is in progress") ||
	    strcasestr(err.message, "operation in progress");
}

/* Log Resource Manager's x-ms-ratelimit-remaining-* headers: how close the
 * subscription is to throttling. */
static void
log_rate_limits(void *arg, const struct http_resp *resp)
{
	static const char prefix[] = "x-ms-ratelimit-remaining-";
	const char *p = resp->headers.data;

	(void)arg;
	while (p && *p) {
		size_t n = strcspn(p, "\r\n");

		if (n > sizeof prefix && strncasecmp(p, prefix, sizeof prefix - 1) == 0)
			pr_log("Resource Manager %.*s", (int)n, p);
		p += n;
		p += strspn(p, "\r\n");
	}
}

/*
 * One request to url with the bearer token (and a JSON body when given).
 * Returns http_do's result; resp as there.
 */
static int
arm_request(struct azure_client *c, const char *method, const char *url, const char *body,
    struct http_resp *resp)
{
	struct buf auth = {0};
	const char *headers[4];
	struct http_req req = {0};
	const char *token;
	int rc;

	if ((rc = cred_token(c->cred, c->scope, &token))) {
		memset(resp, 0, sizeof *resp);
		snprintf(resp->error, sizeof resp->error, "no fresh Azure token (see the error above)");
		return rc;
	}
	buf_printf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.data;
	headers[1] = "Accept: application/json";
	headers[2] = body ? "Content-Type: application/json" : NULL;
	headers[3] = NULL;
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.retry.backoff_ms = c->retry_base_ms;
	req.retry.transient_resp = operation_in_progress;
	req.retry.on_attempt = log_rate_limits;
	rc = http_do(&req, resp);
	buf_wipe(&auth);
	return rc;
}

/* The full URL of path with api_version.  Caller frees. */
static char *
arm_url(const struct azure_client *c, const char *path, const char *api_version)
{
	struct buf u = {0};

	buf_printf(&u, "%s%s%capi-version=%s", c->arm_endpoint, path, strchr(path, '?') ? '&' : '?',
	    api_version);
	return buf_detach(&u);
}

int
azure_get(struct azure_client *c, const char *path, const char *api_version, cJSON **out, struct azure_error *err)
{
	struct http_resp resp;
	char *url = arm_url(c, path, api_version);
	int rc = PR_EXTERNAL;

	*out = NULL;
	memset(err, 0, sizeof *err);
	arm_request(c, "GET", url, NULL, &resp);
	if (resp.status != 200) {
		azure_error_from_resp(&resp, err);
		goto out;
	}
	*out = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		err->status = resp.status;
		snprintf(err->message, sizeof err->message, "the response is not a JSON object");
		goto out;
	}
	rc = PR_OK;
out:
	http_resp_free(&resp);
	free(url);
	return rc;
}

/* Milliseconds to wait before the next poll, from resp's Retry-After. */
static double
poll_wait_ms(const struct azure_client *c, const struct http_resp *resp)
{
	return http_wait_ms(resp, c->poll_ms, AZ_LRO_POLL_MAX_MS);
}

/*
 * Poll a long-running operation from its first response (201/202).  With
 * Azure-AsyncOperation the status body says InProgress, Succeeded, Failed or
 * Canceled; with Location only, 202 means still running and 200/201/204
 * done.  Returns 0 or PR_EXTERNAL with err filled in.
 */
static int
follow_lro(struct azure_client *c, const struct http_resp *first, struct azure_error *err)
{
	char async_url[AZ_URL_MAX] = "", loc_url[AZ_URL_MAX] = "";
	const char *url;
	double start_ms = util_mono_ms(), wait_ms = poll_wait_ms(c, first);
	bool use_async;

	http_header(first, "Azure-AsyncOperation", async_url, sizeof async_url);
	http_header(first, "Location", loc_url, sizeof loc_url);
	use_async = *async_url != '\0';
	url = use_async ? async_url : loc_url;
	if (!*url)
		return PR_OK;	/* 201 with the resource: nothing to wait for */
	if (!same_origin(url, c->arm_endpoint)) {
		err->status = 0;
		snprintf(err->code, sizeof err->code, "UnexpectedOperationUrl");
		snprintf(err->message, sizeof err->message,
		    "the operation status URL is not on %s; not sending the token there", c->arm_endpoint);
		return PR_EXTERNAL;
	}
	for (;;) {
		struct http_resp resp;
		cJSON *doc = NULL;
		const cJSON *st;
		int rc = -1;

		if (util_mono_ms() - start_ms + wait_ms > c->lro_timeout_ms) {
			err->status = 0;
			snprintf(err->code, sizeof err->code, "OperationTimeout");
			snprintf(err->message, sizeof err->message,
			    "the operation was still running after %.0f s", c->lro_timeout_ms / 1e3);
			return PR_EXTERNAL;
		}
		util_sleep_ms(wait_ms);
		arm_request(c, "GET", url, NULL, &resp);
		if (!use_async) {
			if (resp.status == 202)
				wait_ms = poll_wait_ms(c, &resp);
			else if (resp.status == 200 || resp.status == 201 || resp.status == 204)
				rc = PR_OK;
			else {
				azure_error_from_resp(&resp, err);
				rc = PR_EXTERNAL;
			}
			http_resp_free(&resp);
			if (rc != -1)
				return rc;
			continue;
		}
		if (resp.status != 200) {
			azure_error_from_resp(&resp, err);
			http_resp_free(&resp);
			return PR_EXTERNAL;
		}
		doc = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
		st = cJSON_GetObjectItemCaseSensitive(doc, "status");
		if (!cJSON_IsString(st)) {
			err->status = resp.status;
			snprintf(err->message, sizeof err->message, "operation status without a \"status\" field");
			rc = PR_EXTERNAL;
		} else if (strcasecmp(st->valuestring, "Succeeded") == 0) {
			rc = PR_OK;
		} else if (strcasecmp(st->valuestring, "Failed") == 0 ||
		    strcasecmp(st->valuestring, "Canceled") == 0) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
			const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
			const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
			char m[512];

			util_one_line(m, sizeof m, cJSON_IsString(msg) ? msg->valuestring : "no error details",
			    SIZE_MAX);
			err->status = 0;
			util_one_line(err->code, sizeof err->code,
			    cJSON_IsString(code) ? code->valuestring : st->valuestring, SIZE_MAX);
			snprintf(err->message, sizeof err->message, "operation %s: %s", st->valuestring, m);
			rc = PR_EXTERNAL;
		} else {
			pr_log("operation %s", st->valuestring);
			wait_ms = poll_wait_ms(c, &resp);
		}
		cJSON_Delete(doc);
		http_resp_free(&resp);
		if (rc != -1)
			return rc;
	}
}

int
azure_send(struct azure_client *c, const char *method, const char *path, const char *api_version,
    const cJSON *body, cJSON **out, struct azure_error *err)
{
	struct http_resp resp;
	char *url = arm_url(c, path, api_version);
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	int rc = PR_EXTERNAL;

	if (out)
		*out = NULL;
	memset(err, 0, sizeof *err);
	arm_request(c, method, url, text, &resp);
	if (resp.status == 200 || resp.status == 204)
		rc = PR_OK;
	else if (resp.status == 201 || resp.status == 202)
		rc = follow_lro(c, &resp, err);
	else
		azure_error_from_resp(&resp, err);
	if (rc == PR_OK && out && (resp.status == 200 || resp.status == 201) && resp.body.len) {
		*out = cJSON_ParseWithLength(resp.body.data, resp.body.len);
		if (!cJSON_IsObject(*out)) {
			cJSON_Delete(*out);
			*out = NULL;
			err->status = resp.status;
			snprintf(err->message, sizeof err->message, "the response is not a JSON object");
			rc = PR_EXTERNAL;
		}
	}
	/* Either side may hold app settings, which are secrets. */
	buf_wipe(&resp.body);
	http_resp_free(&resp);
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	free(url);
	return rc;
}

int
azure_patch(struct azure_client *c, const char *path, const char *api_version, const cJSON *body,
    struct azure_error *err)
{
	return azure_send(c, "PATCH", path, api_version, body, NULL, err);
}

int
azure_login(struct azure_client *c)
{
	const char *token;

	return cred_token(c->cred, c->scope, &token);
}

const char *
azure_credential(const struct azure_client *c)
{
	return cred_source(c->cred);
}
