/* probe.c: one timed HTTP request on a reusable libcurl handle. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "probe.h"

#define US_PER_MS 1000.0
#define MS_PER_S 1000.0

struct probe {
	CURL *curl;
	curl_socket_t fd;	/* the socket of the last connection opened */
};

struct probe *
probe_new(void)
{
	struct probe *p = xcalloc(1, sizeof *p);

	p->fd = CURL_SOCKET_BAD;
	if (!(p->curl = curl_easy_init())) {
		free(p);
		return NULL;
	}
	return p;
}

void
probe_free(struct probe *p)
{
	if (!p)
		return;
	curl_easy_cleanup(p->curl);
	free(p);
}

/* Count and drop the body: a benchmark keeps only its timing. */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	*(size_t *)arg += size * nmemb;
	return size * nmemb;
}

/*
 * At the end of the response header, acknowledge at once.  A server that
 * writes the header and the body separately holds the body back (Nagle)
 * until the header is acknowledged, and a client's delayed ACK would add
 * some 40 ms that belong to neither the server nor the network.
 */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	const struct probe *p = arg;
	size_t len = size * nmemb;
	int one = 1;

	if (p->fd != CURL_SOCKET_BAD && ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n')))
		(void)setsockopt(p->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	return len;
}

/* Remember each new connection's socket for on_header(); one at a time. */
static int
on_socket(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	if (purpose == CURLSOCKTYPE_IPCXN)
		((struct probe *)arg)->fd = fd;
	return CURL_SOCKOPT_OK;
}

/* Timer t (microseconds since the request began), 0 when unavailable. */
static curl_off_t
timer_us(CURL *curl, CURLINFO info)
{
	curl_off_t v = 0;

	if (curl_easy_getinfo(curl, info, &v) != CURLE_OK || v < 0)
		return 0;
	return v;
}

/* b - a in milliseconds, b >= a. */
static double
span_ms(curl_off_t a, curl_off_t b)
{
	return (double)(b - a) / US_PER_MS;
}

/*
 * Fill res's phases from the handle's cumulative timers.  Each boundary is
 * the running maximum of the timers so far, so that the phases partition
 * total: a timer libcurl leaves at 0 (connect and appconnect on a reused
 * connection, appconnect without TLS, starttransfer on a failure) gives
 * its phase 0 and the span goes to the next phase, never to none.
 */
static void
read_phases(CURL *curl, struct probe_result *res)
{
	static const CURLINFO timers[] = {
		CURLINFO_NAMELOOKUP_TIME_T, CURLINFO_CONNECT_TIME_T, CURLINFO_APPCONNECT_TIME_T,
		CURLINFO_PRETRANSFER_TIME_T, CURLINFO_STARTTRANSFER_TIME_T, CURLINFO_TOTAL_TIME_T,
	};
	enum { DNS, CONN, TLS, PRE, START, TOTAL, NTIMERS };
	curl_off_t t[NTIMERS], b[NTIMERS], prev = 0;

	for (int i = 0; i < NTIMERS; i++) {
		t[i] = timer_us(curl, timers[i]);
		b[i] = prev = t[i] > prev ? t[i] : prev;
	}
	res->dns_ms = span_ms(0, b[DNS]);
	res->connect_ms = span_ms(b[DNS], b[CONN]);
	res->tls_ms = span_ms(b[CONN], b[TLS]);
	res->send_ms = span_ms(b[TLS], b[PRE]);
	res->ttfb_ms = span_ms(b[PRE], b[START]);
	res->transfer_ms = span_ms(b[START], b[TOTAL]);
	/* No first byte, no time to it. */
	res->start_ms = t[START] > 0 ? span_ms(0, b[START]) : 0.0;
	res->total_ms = span_ms(0, b[TOTAL]);
}

int
probe_do(struct probe *p, const struct probe_req *req, struct probe_result *res)
{
	const char *method = req->method ? req->method : "GET";
	double timeout_s = req->timeout_s > 0 ? req->timeout_s : PR_PROBE_TIMEOUT_S;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	CURL *curl = p->curl;
	CURLcode c;

	memset(res, 0, sizeof *res);
	for (const char *const *h = req->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);

	/* A reset keeps the handle's live connections and DNS cache. */
	curl_easy_reset(curl);
	http_curl_request(curl, req->url, method, req->body, req->body_len, req->insecure, "pr-bench/" PR_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_s * MS_PER_S));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_s * MS_PER_S));
	if (req->fresh) {
		curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(curl, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	}
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &res->body_bytes);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(curl, CURLOPT_SOCKOPTFUNCTION, on_socket);
	curl_easy_setopt(curl, CURLOPT_SOCKOPTDATA, p);

	c = curl_easy_perform(curl);
	res->curl_code = (int)c;
	read_phases(curl, res);
	if (c == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
		res->cls = failure_of_status(res->status, req->expect_status);
		if (res->cls != PR_FAILURE_OK)
			snprintf(res->error, sizeof res->error, "HTTP status %ld", res->status);
	} else {
		res->cls = failure_of_transfer(curl, (int)c);
		snprintf(res->error, sizeof res->error, "%s", *errbuf ? errbuf : curl_easy_strerror(c));
	}
	/* Options must not point at freed memory between requests. */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	return res->cls == PR_FAILURE_OK ? 0 : -1;
}
