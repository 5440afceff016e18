/* http.c: see http.h. */
#include "http.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "util.h"

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
pr_http_transient(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static bool
transient_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

double
pr_http_retry_after_ms(const char *value)
{
	double secs;
	struct tm tm;
	const char *end;

	while (*value == ' ')
		value++;
	if (pr_parse_double(value, 0, 1e9, &secs) == 0)
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
pr_http_header(const struct pr_http_resp *resp, const char *name, char *out, size_t outlen)
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
pr_curl_request(CURL *curl, const char *url, const char *method, const char *body, size_t body_len,
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
attempt(CURL *curl, const struct pr_http_req *req, struct curl_slist *hdrs, struct pr_http_resp *resp)
{
	const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
	double tmo = req->timeout_s > 0 ? req->timeout_s : PR_HTTP_TIMEOUT_S;
	double ctmo = req->connect_timeout_s > 0 ? req->connect_timeout_s : PR_HTTP_CONNECT_TIMEOUT_S;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode c;

	curl_easy_reset(curl);
	buf_reset(&resp->body);
	buf_reset(&resp->headers);
	pr_curl_request(curl, req->url, method, req->body, req->body_len, req->insecure, "pr-tools/" PR_VERSION);
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
	resp->status = 0;
	if (c == CURLE_OK) {
		double secs = 0;

		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
		curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &secs);
		resp->total_ms = secs * 1e3;
		resp->error[0] = '\0';
	} else {
		snprintf(resp->error, sizeof resp->error, "%s", *errbuf ? errbuf : curl_easy_strerror(c));
	}
	return c;
}

int
pr_http_do(const struct pr_http_req *req, struct pr_http_resp *resp)
{
	int retries = req->retries < 0 ? 0 : req->retries > 0 ? req->retries : PR_HTTP_RETRIES;
	double wait_ms = req->backoff_ms > 0 ? req->backoff_ms : PR_HTTP_BACKOFF_MS;
	double max_ms = req->max_backoff_ms > 0 ? req->max_backoff_ms : PR_HTTP_MAX_BACKOFF_MS;
	struct curl_slist *hdrs = NULL;
	char *shown = pr_redact_url(req->log_url ? req->log_url : req->url);
	CURL *curl = curl_easy_init();
	int rc = PR_EXTERNAL;

	memset(resp, 0, sizeof *resp);
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
		bool again = c == CURLE_OK ? pr_http_transient(resp->status) : transient_curl(c);
		double sleep_ms = wait_ms;
		char ra[64];

		if (c == CURLE_OK)
			pr_log("%s %s -> %ld (%.1f ms)", req->method ? req->method : "GET", shown,
			    resp->status, resp->total_ms);
		else
			pr_log("%s %s -> %s", req->method ? req->method : "GET", shown, resp->error);
		if (!again || n >= retries) {
			rc = c == CURLE_OK ? PR_OK : PR_EXTERNAL;
			break;
		}
		if (c == CURLE_OK && pr_http_header(resp, "Retry-After", ra, sizeof ra)) {
			double ms = pr_http_retry_after_ms(ra);

			if (ms >= 0)
				sleep_ms = fmin(ms, PR_HTTP_RETRY_AFTER_MAX_MS);
		}
		pr_log("retrying in %.0f ms (attempt %d of %d)", sleep_ms, n + 2, retries + 1);
		pr_sleep_ms(sleep_ms);
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
pr_http_resp_free(struct pr_http_resp *resp)
{
	buf_free(&resp->body);
	buf_free(&resp->headers);
}
