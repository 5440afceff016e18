/*
 * azure.h: a small Azure Resource Manager (ARM) client on lib/http.
 *
 * It owns two things: one ARM request with its api-version and ARM's error
 * body, and following a long-running operation (201/202 with
 * Azure-AsyncOperation or Location) to its end.  Tokens come from the
 * credential chain (cred.h), asked again before every request so that a
 * long operation never presents an expired one.  The token is a secret: it
 * travels only in the Authorization header, is masked in GitHub Actions and
 * never printed or logged.
 *
 * Environment (and cred.h's):
 *   AZURE_ARM_ENDPOINT    Resource Manager base URL (sovereign clouds, tests)
 *   PR_RETRY_BASE_MS      first retry wait and default poll interval in ms
 */
#ifndef PR_AZURE_H
#define PR_AZURE_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "cred.h"

#define AZ_ARM_PUBLIC "https://management.azure.com"
/* Wait between polls of a long-running operation without Retry-After. */
#define AZ_LRO_POLL_MS 5000.0
/* Give up on a long-running operation after this long. */
#define AZ_LRO_TIMEOUT_MS (20.0 * 60.0 * 1000.0)
/* Longest wait between two polls, whatever Retry-After says. */
#define AZ_LRO_POLL_MAX_MS 60000.0
#define AZ_URL_MAX 2048
/* App Service's extended code for "the plan does not allow Always On". */
#define AZ_EXT_ALWAYS_ON_TIER "01020"

struct azure_client {
	char *arm_endpoint;	/* base URL without a trailing slash */
	char *scope;		/* token scope for this Resource Manager */
	struct cred *cred;
	double retry_base_ms;	/* first retry wait; 0 means lib/http's default */
	double poll_ms;		/* LRO poll interval without Retry-After */
	double lro_timeout_ms;
};

/* What went wrong with one ARM call, ready for a one-line message. */
struct azure_error {
	long status;		/* HTTP status; 0 when no response arrived */
	char code[128];		/* ARM error code ("InvalidParameter"), or "" */
	char ext_code[16];	/* App Service's ExtendedCode ("01020"), or "" */
	char message[768];	/* ARM error message or transport error */
};

/*
 * Set up c for arm_endpoint (NULL: AZURE_ARM_ENDPOINT, else the public
 * cloud) with retry_base_ms (0: PR_RETRY_BASE_MS, else lib/http's default).
 * Returns 0 or PR_INPUT (reported, c released) for an endpoint that is not
 * an http(s) URL, or is plain http to a host other than the loopback
 * interface (the token would travel unencrypted).  Release with
 * azure_client_free().
 */
int azure_client_init(struct azure_client *c, const char *arm_endpoint, double retry_base_ms);
void azure_client_free(struct azure_client *c);

/*
 * Get the first token from the chain (cred.h), to fail early and once.
 * The audience is https://management.azure.com (scope .../.default), or the
 * endpoint itself when it is another https cloud.  Returns 0, PR_INPUT or
 * PR_EXTERNAL (reported, saying which source was tried and what to do).
 */
int azure_login(struct azure_client *c);

/* The credential source that gave the token ("github-oidc"), or NULL. */
const char *azure_credential(const struct azure_client *c);

/*
 * GET path (from "/subscriptions/...") with api_version.  On 200 *out is the
 * parsed body (caller frees) and 0 is returned; otherwise PR_EXTERNAL with
 * err filled in (not reported: the caller knows what the call was for).
 */
int azure_get(struct azure_client *c, const char *path, const char *api_version, cJSON **out,
    struct azure_error *err);

/*
 * PATCH body to path and, when ARM answers 201/202 with Azure-AsyncOperation
 * or Location, poll it (honouring Retry-After) until Succeeded, or until
 * Failed or Canceled (err then holds the operation's error).  Returns 0 or
 * PR_EXTERNAL with err filled in (not reported).
 */
int azure_patch(struct azure_client *c, const char *path, const char *api_version, const cJSON *body,
    struct azure_error *err);

/*
 * The same for any method (POST, PUT, PATCH) with body (or NULL).  When
 * the answer (or, after an operation, nothing) is a 200/201 with a body and
 * out is not NULL, *out is that body, a JSON object (caller frees).  The
 * request text and the response are wiped from memory after use: they may
 * hold app settings, which are secrets.  Returns 0 or PR_EXTERNAL with err
 * filled in (not reported).
 */
int azure_send(struct azure_client *c, const char *method, const char *path, const char *api_version,
    const cJSON *body, cJSON **out, struct azure_error *err);

/* "400 InvalidParameter: message" (or the transport error) into out. */
void azure_error_text(const struct azure_error *err, char *out, size_t outlen);

/* Shared with cred.c: an http(s) URL; plain http off the loopback
 * interface; url without trailing slashes (caller frees); err from a
 * response's ARM or identity-platform error body. */
bool azure_is_http_url(const char *s);
bool azure_is_plain_remote(const char *url);
char *azure_strip_slash(const char *url);
struct http_resp;
void azure_error_from_resp(const struct http_resp *resp, struct azure_error *err);

/* What the user should do about err, e.g. "fix the platform section". */
const char *azure_error_hint(const struct azure_error *err);

#endif
