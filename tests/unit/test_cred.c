/*
 * test_cred.c: lib/cred's choice of source (DefaultAzureCredential's
 * order, IMDS only on request), its per-scope cache, lib/blob's container
 * URL split, and lib/azure's reading of App Service's extended error code.
 * The token requests themselves are tested end to end (cli/cred-chain.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azure.h"
#include "blob.h"
#include "cred.h"
#include "pr.h"
#include "http.h"
#include "t.h"

static const char *const vars[] = {"AZURE_ACCESS_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "PR_AZURE_IMDS", NULL};

static void
clear_env(void)
{
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

/* Every source's variables set; unset them from the first, one source at
 * a time, and the next in DefaultAzureCredential's order takes over. */
static void
test_chain_order(void)
{
	static const struct {
		const char *unset[2];
		const char *want;
	} steps[] = {
		{{NULL}, "access-token"},
		{{"AZURE_ACCESS_TOKEN"}, "client-secret"},
		{{"AZURE_CLIENT_SECRET"}, "client-certificate"},
		{{"AZURE_CLIENT_CERTIFICATE_PATH"}, "workload-identity"},
		{{"AZURE_FEDERATED_TOKEN_FILE"}, "github-oidc"},
		{{"ACTIONS_ID_TOKEN_REQUEST_URL"}, "managed-identity"},
		{{"IDENTITY_ENDPOINT"}, "imds"},
		{{"AZURE_POD_IDENTITY_AUTHORITY_HOST"}, "az-cli"},
	};

	clear_env();
	for (int i = 0; vars[i]; i++)
		if (strcmp(vars[i], "PR_AZURE_IMDS") != 0)
			setenv(vars[i], "x", 1);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		for (int j = 0; j < 2 && steps[i].unset[j]; j++)
			unsetenv(steps[i].unset[j]);
		CHECK_STR(cred_configured(), steps[i].want);
	}
	clear_env();
}

/* IMDS is never chosen unless asked for: an off-Azure run must not wait on
 * or send to 169.254.169.254. */
static void
test_imds_only_on_request(void)
{
	clear_env();
	CHECK_STR(cred_configured(), "az-cli");
	setenv("AZURE_CLIENT_ID", "x", 1);
	CHECK_STR(cred_configured(), "az-cli");	/* (and an error there: nothing to use it with) */
	setenv("PR_AZURE_IMDS", "0", 1);
	CHECK_STR(cred_configured(), "az-cli");
	setenv("PR_AZURE_IMDS", "1", 1);
	CHECK_STR(cred_configured(), "imds");
	/* a client id and tenant without a secret, file or GitHub token are
	 * not the app sources */
	setenv("AZURE_TENANT_ID", "t", 1);
	CHECK_STR(cred_configured(), "imds");
	clear_env();
}

/* A fixed token is cached per scope and named, never fetched twice. */
static void
test_cache_per_scope(void)
{
	struct cred *c = cred_new(0);
	const char *a = NULL, *b = NULL, *s = NULL;

	clear_env();
	setenv("AZURE_ACCESS_TOKEN", "tok-1", 1);
	CHECK(cred_source(c) == NULL);
	CHECK(cred_token(c, PR_CRED_SCOPE_ARM, &a) == PR_OK);
	setenv("AZURE_ACCESS_TOKEN", "tok-2", 1);
	CHECK(cred_token(c, PR_CRED_SCOPE_ARM, &b) == PR_OK);
	CHECK(a == b);
	CHECK_STR(b, "tok-1");
	CHECK(cred_token(c, PR_CRED_SCOPE_STORAGE, &s) == PR_OK);
	CHECK_STR(s, "tok-2");
	CHECK_STR(cred_source(c), "access-token");
	cred_free(c);
	clear_env();
}

static void
test_container_url(void)
{
	char *ep, *c, *sas;

	CHECK(blob_container_url("https://acct.blob.core.windows.net/snaps?sv=1&sig=abc%3D", &ep, &c, &sas) == 0);
	CHECK_STR(ep, "https://acct.blob.core.windows.net");
	CHECK_STR(c, "snaps");
	CHECK_STR(sas, "sv=1&sig=abc%3D");
	free(ep), free(c), free(sas);
	CHECK(blob_container_url("http://127.0.0.1:10000/devstoreaccount1/snaps/", &ep, &c, &sas) == 0);
	CHECK_STR(ep, "http://127.0.0.1:10000/devstoreaccount1");
	CHECK_STR(c, "snaps");
	CHECK(sas == NULL);
	free(ep), free(c);
	CHECK(blob_container_url("pr-snapshots", &ep, &c, &sas) == -1);
	CHECK(blob_container_url("https://acct.blob.core.windows.net", &ep, &c, &sas) == -1);
	CHECK(blob_container_url("https://acct.blob.core.windows.net/?sig=x", &ep, &c, &sas) == -1);
}

/* App Service's 409 for Always On on a Free plan: "Code"/"Message" and the
 * extended code in Details, read into one line and its own hint. */
static void
test_app_service_extended_code(void)
{
	static const char body[] =
	    "{\"Code\":\"Conflict\",\"Message\":\"There was a conflict. AlwaysOn cannot be set.\","
	    "\"Details\":[{\"Message\":\"m\"},{\"Code\":\"Conflict\"},{\"ErrorEntity\":{\"ExtendedCode\":\"01020\","
	    "\"Code\":\"Conflict\"}}]}";
	struct http_resp resp = {.status = 409};
	struct azure_error err;
	char text[128];

	resp.body.data = (char *)body;
	resp.body.len = strlen(body);
	azure_error_from_resp(&resp, &err);
	CHECK_STR(err.ext_code, "01020");
	azure_error_text(&err, text, sizeof text);
	CHECK_STR(text, "409 Conflict: There was a conflict. AlwaysOn cannot be set.");
	CHECK(strstr(azure_error_hint(&err), "Free or Shared tier does not allow Always On") != NULL);
	err.ext_code[0] = '\0';
	CHECK_STR(azure_error_hint(&err), "fix the platform section");
}

int
main(void)
{
	pr_init("test_cred");
	pr_set_quiet(true);
	RUN(test_chain_order);
	RUN(test_imds_only_on_request);
	RUN(test_cache_per_scope);
	RUN(test_container_url);
	RUN(test_app_service_extended_code);
	return t_done();
}
