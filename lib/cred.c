/* cred.c: getting an Azure token (moved from azure.c). */
#include "azure.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "gha.h"
#include "http.h"
#include "util.h"

/*
 * The token audience for c's Resource Manager, with suffix ("/.default" for
 * a scope, "/" for the CLI's --resource): the public cloud's unless the
 * endpoint is another https cloud (US Government, China).  Caller frees.
 */
static char *
arm_audience(const struct az_client *c, const char *suffix)
{
	struct buf b = {0};

	if (strncmp(c->arm_endpoint, "https://", 8) == 0 && strcmp(c->arm_endpoint, AZ_ARM_PUBLIC) != 0)
		buf_printf(&b, "%s%s", c->arm_endpoint, suffix);
	else
		buf_printf(&b, "%s%s", AZ_ARM_PUBLIC, suffix);
	return buf_detach(&b);
}

/* Keep tok as the client's token, masked in GitHub Actions. */
static void
set_token(struct az_client *c, const char *tok, const char *source)
{
	c->token = xstrdup(tok);
	c->token_source = xstrdup(source);
	gha_mask(c->token);
	pr_log("Azure token from %s", source);
}

/* application/x-www-form-urlencoded "name=value" appended to b. */
static void
form_add(struct buf *b, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);

	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, esc ? esc : "");
	if (esc) {
		explicit_bzero(esc, strlen(esc));
		curl_free(esc);
	}
}

static bool
is_tenant_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '.' || *s == '_' || (*s >= '0' && *s <= '9') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* The client-credentials flow against the identity platform. */
static int
login_client_credentials(struct az_client *c, const char *id, const char *secret, const char *tenant)
{
	const char *host = getenv("AZURE_AUTHORITY_HOST");
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
	    "Accept: application/json", NULL};
	struct pr_http_req req = {0};
	struct pr_http_resp resp;
	struct buf form = {0}, url = {0};
	char *base, *scope;
	cJSON *doc = NULL;
	const cJSON *tok;
	int rc = PR_EXTERNAL;

	if (!host || !*host)
		host = AZ_AUTHORITY_PUBLIC;
	if (!az_is_http_url(host))
		return pr_error(PR_INPUT, "AZURE_AUTHORITY_HOST=%s: not an http(s) URL (fix or unset it)", host);
	if (!is_tenant_name(tenant))
		return pr_error(PR_INPUT, "AZURE_TENANT_ID=%s: not a tenant id or domain (fix it)", tenant);
	if (az_is_plain_remote(host))
		return pr_error(PR_INPUT, "AZURE_AUTHORITY_HOST %s is plain http: the client secret would travel "
		    "unencrypted (use https; http only to localhost, 127.0.0.1 or [::1])", host);
	base = az_strip_slash(host);
	buf_printf(&url, "%s/%s/oauth2/v2.0/token", base, tenant);
	free(base);
	form_add(&form, "client_id", id);
	form_add(&form, "client_secret", secret);
	form_add(&form, "grant_type", "client_credentials");
	scope = arm_audience(c, "/.default");
	form_add(&form, "scope", scope);
	free(scope);
	req.method = "POST";
	req.url = url.data;
	req.headers = headers;
	req.body = form.data;
	req.body_len = form.len;
	req.retry.backoff_ms = c->retry_base_ms;
	if (pr_http_do(&req, &resp) != PR_OK) {
		rc = pr_error(PR_EXTERNAL, "Azure token from %s: %s (check AZURE_AUTHORITY_HOST and the network)",
		    url.data, resp.error);
		goto out;
	}
	if (resp.status != 200) {
		struct az_error err;
		char text[1024];

		az_error_from_resp(&resp, &err);
		az_error_text(&err, text, sizeof text);
		rc = pr_error(PR_EXTERNAL, "Azure token for client %s: %s "
		    "(check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID)", id, text);
		goto out;
	}
	doc = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
	tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
	if (!cJSON_IsString(tok) || !*tok->valuestring) {
		rc = pr_error(PR_EXTERNAL, "Azure token from %s: no access_token in the response "
		    "(check AZURE_AUTHORITY_HOST)", url.data);
		goto out;
	}
	set_token(c, tok->valuestring, "client credentials");
	rc = PR_OK;
out:
	if (doc) {
		tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
		if (cJSON_IsString(tok))
			explicit_bzero(tok->valuestring, strlen(tok->valuestring));
	}
	cJSON_Delete(doc);
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	pr_http_resp_free(&resp);
	explicit_bzero(form.data, form.len);
	buf_free(&form);
	buf_free(&url);
	return rc;
}

/* True when an executable name is found on PATH. */
static bool
on_path(const char *name)
{
	const char *path = getenv("PATH");
	struct buf b = {0};
	bool found = false;

	while (path && *path && !found) {
		size_t n = strcspn(path, ":");

		buf_reset(&b);
		buf_printf(&b, "%.*s/%s", (int)n, n ? path : ".", name);
		found = access(b.data, X_OK) == 0;
		path += n;
		if (*path == ':')
			path++;
	}
	buf_free(&b);
	return found;
}

/* `az account get-access-token`: its JSON carries accessToken. */
static int
login_az_cli(struct az_client *c)
{
	char *resource = arm_audience(c, "/");
	char *const argv[] = {"az", "account", "get-access-token", "--resource", resource,
	    "--output", "json", NULL};
	char *out;
	cJSON *doc;
	const cJSON *tok;
	int rc;

	if (!on_path("az")) {
		free(resource);
		return pr_error(PR_EXTERNAL, "no Azure credentials: AZURE_ACCESS_TOKEN and AZURE_CLIENT_ID are unset "
		    "and the az command is not installed (set one of them, or install the Azure CLI and run az login)");
	}
	out = pr_run_capture(argv);
	free(resource);
	if (!out)
		return pr_error(PR_EXTERNAL, "Azure token: az account get-access-token failed "
		    "(run az login, or set AZURE_ACCESS_TOKEN)");
	doc = cJSON_Parse(out);
	tok = cJSON_GetObjectItemCaseSensitive(doc, "accessToken");
	if (cJSON_IsString(tok) && *tok->valuestring) {
		set_token(c, tok->valuestring, "az cli");
		explicit_bzero(tok->valuestring, strlen(tok->valuestring));
		rc = PR_OK;
	} else {
		rc = pr_error(PR_EXTERNAL, "Azure token: az account get-access-token gave no accessToken "
		    "(update the Azure CLI, or set AZURE_ACCESS_TOKEN)");
	}
	cJSON_Delete(doc);
	explicit_bzero(out, strlen(out));
	free(out);
	return rc;
}

int
az_login(struct az_client *c)
{
	const char *tok = getenv("AZURE_ACCESS_TOKEN");
	const char *id = getenv("AZURE_CLIENT_ID");
	const char *secret = getenv("AZURE_CLIENT_SECRET");
	const char *tenant = getenv("AZURE_TENANT_ID");

	if (c->token)
		return PR_OK;
	if (tok && *tok) {
		set_token(c, tok, "environment");
		return PR_OK;
	}
	if (id && *id) {
		if (!secret || !*secret)
			return pr_error(PR_EXTERNAL, "Azure token: AZURE_CLIENT_ID is set but AZURE_CLIENT_SECRET "
			    "is not (set it, or unset AZURE_CLIENT_ID to use az login)");
		if (!tenant || !*tenant)
			return pr_error(PR_EXTERNAL, "Azure token: AZURE_CLIENT_ID is set but AZURE_TENANT_ID "
			    "is not (set it, or unset AZURE_CLIENT_ID to use az login)");
		return login_client_credentials(c, id, secret, tenant);
	}
	return login_az_cli(c);
}
