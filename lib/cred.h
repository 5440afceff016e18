/*
 * cred.h: one Azure credential chain with one get-a-token-for-this-scope
 * call, shared by Resource Manager (lib/azure) and Blob Storage (lib/blob).
 *
 * The chain follows DefaultAzureCredential's order and variable names; the
 * first source whose variables are set is the one used (a source that is
 * configured but fails is an error, not a reason to try the next: a typo in
 * a secret must not silently sign in as someone else):
 *
 *   access-token        AZURE_ACCESS_TOKEN: a ready token (cannot be refreshed)
 *   client-secret       AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
 *   client-certificate  AZURE_TENANT_ID, AZURE_CLIENT_ID,
 *                       AZURE_CLIENT_CERTIFICATE_PATH (PEM: certificate and
 *                       private key); a PS256 client assertion with x5t#S256
 *   workload-identity   AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID,
 *                       AZURE_TENANT_ID; the file is reread for each token
 *   github-oidc         ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN
 *                       (permissions: id-token: write), AZURE_CLIENT_ID,
 *                       AZURE_TENANT_ID; audience api://AzureADTokenExchange,
 *                       a fresh GitHub token for every access token (it
 *                       lives 5 minutes)
 *   managed-identity    IDENTITY_ENDPOINT and IDENTITY_HEADER (App Service,
 *                       Container Apps), api-version 2019-08-01
 *   imds                the Instance Metadata Service, only when asked for
 *                       (AZURE_POD_IDENTITY_AUTHORITY_HOST, or
 *                       PR_AZURE_IMDS=1): unlike DefaultAzureCredential the
 *                       chain never probes 169.254.169.254 on its own, so a
 *                       run off Azure neither waits on it nor sends to it
 *   az-cli              `az account get-access-token`
 *
 * AZURE_CLIENT_ID with managed identity or IMDS picks a user-assigned
 * identity.  AZURE_AUTHORITY_HOST replaces https://login.microsoftonline.com.
 * Every endpoint must be https, or http to the loopback interface.
 *
 * Tokens are cached per scope and fetched again PR_CRED_REFRESH_S before
 * they expire (or half their lifetime, when that is shorter).  A token is a
 * secret: it is masked in GitHub Actions, never printed or logged; the log
 * and the documents name only the source ("github-oidc").
 */
#ifndef PR_CRED_H
#define PR_CRED_H

#define PR_CRED_SCOPE_ARM "https://management.azure.com/.default"
#define PR_CRED_SCOPE_STORAGE "https://storage.azure.com/.default"
#define PR_CRED_AUTHORITY_PUBLIC "https://login.microsoftonline.com"
#define PR_CRED_IMDS_HOST "http://169.254.169.254"
#define PR_CRED_GITHUB_AUDIENCE "api://AzureADTokenExchange"
/* Fetch a new token this long before the cached one expires. */
#define PR_CRED_REFRESH_S 300.0
/* Lifetime assumed for a token whose expiry is not given (az, AZURE_ACCESS_TOKEN). */
#define PR_CRED_UNKNOWN_LIFETIME_S 300.0
/* A client assertion we sign is valid this long. */
#define PR_CRED_ASSERTION_S 600

struct cred;

/* A chain with lib/http's retry base retry_base_ms (0: the default). */
struct cred *cred_new(double retry_base_ms);
void cred_free(struct cred *c);

/*
 * A bearer token for scope ("https://management.azure.com/.default") into
 * *token: the cached one while it has time left, else a new one from the
 * chain's source.  *token belongs to c and stays valid until the next call
 * or cred_free.  Returns 0, PR_INPUT (a malformed variable or file) or
 * PR_EXTERNAL (no source, or the source failed), reported in one line
 * naming the source and the variables to check.
 */
int cred_token(struct cred *c, const char *scope, const char **token);

/* The name of the source that gave the last token ("github-oidc"), or NULL
 * before the first. */
const char *cred_source(const struct cred *c);

/* The source the environment selects, without asking it for anything. */
const char *cred_configured(void);

#endif
