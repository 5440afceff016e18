/* http.c: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pr.h"
#include "util.h"

#define US_PER_MS 1000.0

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;

	if (b->len + len > PR_HTTP_MAX_BODY_BYTES)
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	buf_add(b, data, len);
	return len;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;

	/* A new status line starts a new header block (redirects, 100). */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		buf_reset(b);
	buf_add(b, data, len);
	return len;
}

bool
http_transient(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

double
http_retry_after_ms(const char *value)
{
	double secs;
	struct tm tm;
	const char *end;

	while (*value == ' ')
		value++;
	if (util_parse_double(value, 0, 1e9, &secs) == 0)
		return secs * 1e3;
	memset(&tm, 0, sizeof tm);
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end) {
		double delta = difftime(timegm(&tm), time(NULL));

		return delta > 0 ? delta * 1e3 : 0;
	}
	return -1;
}

const char *
http_header(const struct http_resp *resp, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = resp->headers.data;

	if (!p || outlen == 0)
		return NULL;
	while (*p) {
		const char *eol = strpbrk(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			size_t vlen;

			while (*v == ' ' || *v == '\t')
				v++;
			vlen = len - (size_t)(v - p);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= outlen)
				vlen = outlen - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return out;
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return NULL;
}

void
http_curl_request(CURL *curl, const char *url, const char *method, const char *body, size_t body_len,
    bool insecure, const char *agent)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_USERAGENT, agent);
	if (method && strcasecmp(method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	else if (method && (strcasecmp(method, "GET") != 0 || body))
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static CURLcode
attempt(CURL *curl, const struct http_req *req, struct curl_slist *hdrs, struct http_resp *resp)
{
	const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
	double tmo = req->timeout_s > 0 ? req->timeout_s : PR_HTTP_TIMEOUT_S;
	double ctmo = req->connect_timeout_s > 0 ? req->connect_timeout_s : PR_HTTP_CONNECT_TIMEOUT_S;
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_off_t total_us = 0;
	CURLcode c;

	curl_easy_reset(curl);
	buf_reset(&resp->body);
	buf_reset(&resp->headers);
	http_curl_request(curl, req->url, method, req->body, req->body_len, req->insecure, "pr-tools/" PR_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(tmo * 1e3));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(ctmo * 1e3));
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp->body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp->headers);

	c = curl_easy_perform(curl);
	resp->attempts++;
	resp->curl_code = (int)c;
	resp->failure = failure_of_transfer(curl, (int)c);
	resp->status = 0;
	curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total_us);
	resp->total_ms = (double)total_us / US_PER_MS;
	if (c == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->error[0] = '\0';
	} else {
		snprintf(resp->error, sizeof resp->error, "%s", *errbuf ? errbuf : curl_easy_strerror(c));
	}
	return c;
}

/* Whether resp's outcome is one p retries. */
static bool
worth_retry(const struct http_retry *p, const struct http_resp *resp)
{
	unsigned classes = p->classes ? p->classes : PR_HTTP_RETRY_CLASSES;
	bool (*transient)(long) = p->transient ? p->transient : http_transient;

	if (resp->failure != PR_FAILURE_OK)
		return classes & PR_FAILURE_BIT(resp->failure);
	return (classes & PR_FAILURE_BIT(PR_FAILURE_STATUS)) &&
	    (transient(resp->status) || (p->transient_resp && p->transient_resp(resp)));
}

double
http_wait_ms(const struct http_resp *resp, double fallback_ms, double max_ms)
{
	char ra[64];
	double ms = -1;

	if (resp->failure == PR_FAILURE_OK && http_header(resp, "Retry-After", ra, sizeof ra))
		ms = http_retry_after_ms(ra);
	return fmin(ms >= 0 ? ms : fallback_ms, max_ms);
}

/* Log the attempt just made, the URL as shown. */
static void
log_attempt(const struct http_req *req, const char *shown, const struct http_resp *resp)
{
	const char *method = req->method ? req->method : "GET";

	if (resp->failure == PR_FAILURE_OK)
		pr_log("%s %s -> %ld (%.1f ms)", method, shown, resp->status, resp->total_ms);
	else
		pr_log("%s %s -> %s", method, shown, resp->error);
}

int
http_do(const struct http_req *req, struct http_resp *resp)
{
	const struct http_retry *p = &req->retry;
	int retries = p->retries < 0 ? 0 : p->retries > 0 ? p->retries : PR_HTTP_RETRIES;
	double wait_ms = p->backoff_ms > 0 ? p->backoff_ms : PR_HTTP_BACKOFF_MS;
	double max_ms = p->max_backoff_ms > 0 ? p->max_backoff_ms : PR_HTTP_MAX_BACKOFF_MS;
	struct curl_slist *hdrs = NULL;
	char *shown = util_redact_url(req->log_url ? req->log_url : req->url);
	CURL *curl = curl_easy_init();
	int rc = PR_EXTERNAL;

	memset(resp, 0, sizeof *resp);
	resp->failure = PR_FAILURE_OTHER;	/* until an attempt says otherwise */
	if (!curl) {
		snprintf(resp->error, sizeof resp->error, "cannot initialise libcurl");
		goto out;
	}
	for (const char *const *h = req->headers; h && *h; h++) {
		if (strpbrk(*h, "\r\n")) {
			/* It would go out as two headers: callers check
			 * their own, this is the backstop. */
			resp->curl_code = CURLE_BAD_FUNCTION_ARGUMENT;
			snprintf(resp->error, sizeof resp->error, "refused: a request header holds a line break");
			goto out;
		}
		hdrs = curl_slist_append(hdrs, *h);
	}

	for (int n = 0; ; n++) {
		CURLcode c = attempt(curl, req, hdrs, resp);
		double sleep_ms;

		log_attempt(req, shown, resp);
		if (p->on_attempt)
			p->on_attempt(p->arg, resp);
		if (n >= retries || !worth_retry(p, resp)) {
			rc = c == CURLE_OK ? PR_OK : PR_EXTERNAL;
			break;
		}
		sleep_ms = http_wait_ms(resp, wait_ms, PR_HTTP_RETRY_AFTER_MAX_MS);
		pr_log("retrying in %.0f ms (attempt %d of %d)", sleep_ms, n + 2, retries + 1);
		util_sleep_ms(sleep_ms);
		wait_ms = fmin(wait_ms * 2, max_ms);
	}
out:
	curl_slist_free_all(hdrs);
	if (curl)
		curl_easy_cleanup(curl);
	free(shown);
	return rc;
}

void
http_resp_free(struct http_resp *resp)
{
	buf_free(&resp->body);
	buf_free(&resp->headers);
}

void
http_error_message(const struct http_resp *resp, const char *api_message, bool body_is_json,
    size_t snippet_bytes, char *out, size_t outlen)
{
	if (resp->status == 0)
		util_one_line(out, outlen, resp->error, sizeof resp->error);
	else if (api_message)
		util_one_line(out, outlen, api_message, SIZE_MAX);
	else if (resp->body.len && !body_is_json)
		util_one_line(out, outlen, resp->body.data,
		    resp->body.len < snippet_bytes ? resp->body.len : snippet_bytes);
	else if (outlen)
		*out = '\0';
	if (outlen && !*out)
		snprintf(out, outlen, "no error details in the response");
}
