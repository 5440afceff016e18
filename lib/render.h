/*
 * render.h: a small client of Render's public REST API
 * (https://api.render.com/v1) on lib/http.
 *
 * It owns one request with the API key and Render's error body
 * ({"id", "message"}), cursor pagination of list endpoints (each item
 * {"cursor", "<kind>": {...}}, the next page asked with ?cursor= the last
 * item's), and following a deploy until it is live or has failed.  Requests
 * that are safe to repeat are retried by lib/http's one policy (429, 5xx,
 * network errors; Retry-After honoured); a POST that starts something (a
 * deploy, a restart, a scale) is retried only on 429 and on errors before
 * the request was sent, so it never runs twice.
 *
 * The API key is a secret: it comes from the environment only, travels only
 * in the Authorization header, is masked in GitHub Actions, wiped when the
 * client is freed, and never printed or logged.
 *
 * Environment:
 *   RENDER_API_KEY       the API key (Account Settings, API Keys)
 *   RENDER_API_ENDPOINT  the API's base URL instead of the public one (tests)
 *   PR_RETRY_BASE_MS     first retry wait and deploy poll interval in ms
 */
#ifndef PR_RENDER_H
#define PR_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#define RENDER_API_PUBLIC "https://api.render.com/v1"
/* Items asked per page of a list (the API's maximum). */
#define RENDER_PAGE_LIMIT 100
/* More pages than this is a loop, not a service's environment. */
#define RENDER_PAGES_MAX 1000
/* Wait between polls of a deploy without Retry-After. */
#define RENDER_DEPLOY_POLL_MS 5000.0
#define RENDER_DEPLOY_POLL_MAX_MS 60000.0
/* Give up on a deploy after this long (builds can be slow). */
#define RENDER_DEPLOY_TIMEOUT_MS (30.0 * 60.0 * 1000.0)
#define RENDER_STATUS_LEN 32

struct render_client {
	char *endpoint;		/* base URL without a trailing slash */
	char *key;		/* the API key, or NULL before render_login */
	double retry_base_ms;	/* first retry wait; 0 means lib/http's default */
	double poll_ms;		/* deploy poll interval without Retry-After */
	double deploy_timeout_ms;
};

/* What went wrong with one call, ready for a one-line message. */
struct render_error {
	long status;		/* HTTP status; 0 when no response arrived */
	char id[128];		/* Render's error id, or "" */
	char message[768];	/* Render's message, the transport error, or
				 * what a deploy ended as */
};

/*
 * Set up c for endpoint (NULL: RENDER_API_ENDPOINT, else the public API)
 * with retry_base_ms (0: PR_RETRY_BASE_MS, else lib/http's default).
 * Returns 0 or PR_INPUT (reported, c released) for an endpoint that is not
 * an http(s) URL, or is plain http to a host other than the loopback
 * interface (the key would travel unencrypted).  Release with
 * render_client_free().
 */
int render_client_init(struct render_client *c, const char *endpoint, double retry_base_ms);
void render_client_free(struct render_client *c);

/* Take RENDER_API_KEY (masked in GitHub Actions).  Returns 0, PR_EXTERNAL
 * when it is not set (reported, saying where keys come from) or PR_INPUT
 * when it holds a control character (reported, never shown). */
int render_login(struct render_client *c);

/*
 * GET path ("/services/srv-..."): on 200 *out is the parsed body (caller
 * frees) and 0 is returned; otherwise PR_EXTERNAL with err filled in (not
 * reported: the caller knows what the call was for).
 */
int render_get(struct render_client *c, const char *path, cJSON **out, struct render_error *err);

/*
 * Every page of the list at path (which may hold a query already), the
 * items' member kind ("envVar", "deploy", "service") gathered into the
 * array *items (caller frees).  Returns 0 or PR_EXTERNAL with err.
 */
int render_list(struct render_client *c, const char *path, const char *kind, cJSON **items,
    struct render_error *err);

/*
 * method ("PUT", "PATCH", "POST", "DELETE") to path with body (or NULL).
 * Any 2xx is success; *out (when not NULL) gets the parsed body or NULL
 * when there is none.  once: the call starts something that must not run
 * twice (see above).  Returns 0 or PR_EXTERNAL with err.
 */
int render_send(struct render_client *c, const char *method, const char *path, const cJSON *body, bool once,
    cJSON **out, struct render_error *err);

/*
 * Poll deploy deploy_id of service until it is "live" (0) or ends
 * otherwise: build_failed, update_failed, pre_deploy_failed, canceled or
 * deactivated give PR_EXTERNAL with err->message "deploy dep-... ended
 * build_failed"; so does the timeout.  status gets the last status seen.
 */
int render_deploy_wait(struct render_client *c, const char *service, const char *deploy_id,
    char status[RENDER_STATUS_LEN], struct render_error *err);

/* "400 invalid: message" (or the transport error) into out. */
void render_error_text(const struct render_error *err, char *out, size_t outlen);

/* What the user should do about err, e.g. "check RENDER_API_KEY". */
const char *render_error_hint(const struct render_error *err);

#endif
