/*
 * http.h: one HTTP request with timeouts and bounded, polite retries, on
 * libcurl.  For API calls (ARM, GitHub, Blob Storage, QA checks); pr-bench
 * times its own requests and does not retry.
 *
 * This is the one retry loop.  Each caller gives a policy (struct
 * http_retry): which failure classes (failure.h) are worth another try,
 * how many tries, and the backoff; by default connect and name errors,
 * timeouts, resets, 408, 429 and 5xx, 4 more times.  The wait doubles from
 * backoff_ms up to max_backoff_ms, and a Retry-After header on a response
 * (seconds or HTTP date) replaces it, up to PR_HTTP_RETRY_AFTER_MAX_MS,
 * for every caller.  Everything else is returned at once.  Secret headers
 * are never logged.
 */
#ifndef PR_HTTP_H
#define PR_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#include "buf.h"
#include "failure.h"

#define PR_HTTP_TIMEOUT_S 30.0
#define PR_HTTP_CONNECT_TIMEOUT_S 10.0
#define PR_HTTP_RETRIES 4
#define PR_HTTP_BACKOFF_MS 500.0
#define PR_HTTP_MAX_BACKOFF_MS 30000.0
#define PR_HTTP_RETRY_AFTER_MAX_MS 120000.0
#define PR_HTTP_MAX_BODY_BYTES ((size_t)64 << 20)

/* What is retried by default: no response for a reason that may pass, or
 * a transient status (http_transient).  Not tls, not other. */
#define PR_HTTP_RETRY_CLASSES (PR_FAILURE_BIT(PR_FAILURE_DNS) | PR_FAILURE_BIT(PR_FAILURE_CONNECT) | \
	PR_FAILURE_BIT(PR_FAILURE_TIMEOUT) | PR_FAILURE_BIT(PR_FAILURE_RESET) | PR_FAILURE_BIT(PR_FAILURE_STATUS))

struct http_resp;

/* A retry policy; a zero field takes its default. */
struct http_retry {
	int retries;			/* extra attempts; -1 means none, 0 PR_HTTP_RETRIES */
	unsigned classes;		/* PR_FAILURE_BIT()s retried; 0: PR_HTTP_RETRY_CLASSES */
	bool (*transient)(long status);	/* with PR_FAILURE_STATUS: which statuses;
					 * NULL: http_transient */
	/* Or NULL; when set, a response transient() rejects is retried when
	 * this says so from its body too (ARM's 409 "another operation is in
	 * progress", unlike its other 409s). */
	bool (*transient_resp)(const struct http_resp *resp);
	double backoff_ms;		/* first wait; 0 means PR_HTTP_BACKOFF_MS */
	double max_backoff_ms;		/* 0 means PR_HTTP_MAX_BACKOFF_MS */
	/* Called after every attempt, the last included, or NULL. */
	void (*on_attempt)(void *arg, const struct http_resp *resp);
	void *arg;
};

struct http_req {
	const char *method;		/* NULL means GET (or POST with a body) */
	const char *url;
	const char *const *headers;	/* NULL-terminated "Name: value" list */
	const char *body;		/* may be NULL */
	size_t body_len;
	double timeout_s;		/* whole request; 0 means the default */
	double connect_timeout_s;	/* 0 means the default */
	struct http_retry retry;	/* all zero: the default policy */
	bool follow_redirects;
	bool insecure;			/* skip TLS verification (test servers) */
	const char *log_url;		/* shown in logs instead of url when set
					 * (url holds values that must not be logged) */
};

struct http_resp {
	long status;			/* HTTP status, 0 when none arrived */
	struct buf body;
	struct buf headers;		/* the final response's header block */
	double total_ms;		/* of the final attempt, with or without a
					 * response */
	int attempts;
	int curl_code;			/* CURLE_OK when a response arrived */
	enum failure failure;	/* class of curl_code (failure.h);
					 * PR_FAILURE_OK when a response arrived */
	char error[256];		/* transport error text, "" when none */
};

/*
 * Perform req, retrying as req->retry says.  Returns 0 when a response
 * arrived (any status: the caller judges it) and PR_EXTERNAL when none did after the
 * retries, with resp->error saying why.  Nothing is reported: the caller
 * knows what the request was for.  Free resp with http_resp_free().
 */
int http_do(const struct http_req *req, struct http_resp *resp);
void http_resp_free(struct http_resp *resp);

/* Value of header name (case-insensitive) in resp, copied into out, or
 * NULL when absent. */
const char *http_header(const struct http_resp *resp, const char *name, char *out, size_t outlen);

/* Retry-After as milliseconds from now (delta seconds or an HTTP date);
 * -1 when it cannot be read. */
double http_retry_after_ms(const char *value);

/* How long to wait before asking again after resp: its Retry-After when it
 * has a readable one, else fallback_ms; at most max_ms either way. */
double http_wait_ms(const struct http_resp *resp, double fallback_ms, double max_ms);

/*
 * What every libcurl transfer here shares, set on curl after a reset: the
 * URL, http and https only, no signals, the user agent, the method (NULL
 * is GET, or POST with a body; HEAD asks for no body), the body, and TLS
 * verification unless insecure.  Callers add timeouts and callbacks.
 */
void http_curl_request(CURL *curl, const char *url, const char *method, const char *body, size_t body_len,
    bool insecure, const char *agent);

/* True for statuses worth another try: 408, 429 and 5xx. */
bool http_transient(long status);

/*
 * The one-line message of a failed API call into out (util_one_line): the
 * transport's resp->error when no response came (status 0); else
 * api_message, the API's own from its JSON body (NULL when it has none);
 * else the first snippet_bytes of a body that is not JSON (body_is_json
 * false); else "no error details in the response".
 */
void http_error_message(const struct http_resp *resp, const char *api_message, bool body_is_json,
    size_t snippet_bytes, char *out, size_t outlen);

#endif
