/*
 * wsclient_conn.c: one WebSocket or Socket.IO connection at a time, blocking
 * with poll() and a deadline, over the load engine's transports
 * (transport.h), for sample mode and pr-qa (see wsclient.h).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "transport.h"
#include "util.h"
#include "wsclient.h"

#define READ_BYTES 16384
#define MS_PER_S 1000.0
#define ALPN_HTTP1 "\x08http/1.1"	/* the upgrade is HTTP/1.1 (RFC 8441 is not spoken) */

static char *
url_part(CURLU *u, CURLUPart what, unsigned flags)
{
	char *s = NULL, *out;

	if (curl_url_get(u, what, &s, flags) != CURLUE_OK)
		return NULL;
	out = xstrdup(s);
	curl_free(s);
	return out;
}

int
wsclient_url_parse(const char *url, struct wsclient_url *u, char *why, size_t whylen)
{
	CURLU *cu = curl_url();
	char *scheme = NULL, *user = NULL, *fragment = NULL;
	int rc = -1;

	memset(u, 0, sizeof *u);
	if (!cu)
		abort();	/* out of memory */
	if (!wsclient_url_is_ws(url)) {
		snprintf(why, whylen, "expected a ws:// or wss:// URL");
	} else if (strstr(url, ":///") || curl_url_set(cu, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    !(scheme = url_part(cu, CURLUPART_SCHEME, 0)) || !(u->host = url_part(cu, CURLUPART_HOST, 0)) ||
	    !*u->host) {
		snprintf(why, whylen, "not a URL (expected ws[s]://HOST[:PORT][/PATH])");
	} else if ((user = url_part(cu, CURLUPART_USER, 0)) || (user = url_part(cu, CURLUPART_PASSWORD, 0))) {
		snprintf(why, whylen, "credentials in a WebSocket URL are not sent (give an Authorization header "
		    "instead)");
	} else if ((fragment = url_part(cu, CURLUPART_FRAGMENT, 0))) {
		snprintf(why, whylen, "a WebSocket URL has no #fragment (RFC 6455 3)");
	} else {
		u->tls = strcasecmp(scheme, "wss") == 0;
		u->port = url_part(cu, CURLUPART_PORT, 0);
		u->path = url_part(cu, CURLUPART_PATH, 0);
		u->query = url_part(cu, CURLUPART_QUERY, 0);
		if (!u->path)
			u->path = xstrdup("/");
		{
			struct buf a = { 0 };

			buf_adds(&a, u->host);
			if (u->port)
				buf_printf(&a, ":%s", u->port);
			u->authority = buf_detach(&a);
		}
		if (!u->port)
			u->port = xstrdup(u->tls ? "443" : "80");
		rc = 0;
	}
	free(scheme);
	if (user)
		explicit_bzero(user, strlen(user));
	free(user);
	free(fragment);
	curl_url_cleanup(cu);
	if (rc)
		wsclient_url_free(u);
	return rc;
}

void
wsclient_url_free(struct wsclient_url *u)
{
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->query);
	free(u->authority);
	memset(u, 0, sizeof *u);
}

static int
conn_fail(struct wsclient_conn *c, enum failure cls, const char *what)
{
	c->cls = cls;
	snprintf(c->error, sizeof c->error, "%.255s", what);
	c->ready = false;
	if (c->tp)
		c->tp->close(&c->tx);
	return -1;
}

/* Wait until fd is ready for events or the deadline passes: 1, or 0 on timeout. */
static int
wait_fd(int fd, short events, double deadline_ms)
{
	for (;;) {
		double left = deadline_ms - util_mono_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)(left + 1));
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* Name lookup and a TCP connection to the first address that takes one. */
static int
open_tcp(struct wsclient_conn *c, const struct wsclient_url *u, double deadline, struct wsclient_timing *t,
    double t0)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char name[256], why[300];
	int gai, one = 1;
	enum failure cls = PR_FAILURE_CONNECT;

	snprintf(name, sizeof name, "%s", u->host[0] == '[' ? u->host + 1 : u->host);
	name[strcspn(name, "]")] = '\0';
	if ((gai = getaddrinfo(name, u->port, &hints, &ai)) != 0) {
		snprintf(why, sizeof why, "cannot resolve %.128s: %s", name, gai_strerror(gai));
		return conn_fail(c, PR_FAILURE_DNS, why);
	}
	t->dns_ms = util_mono_ms() - t0;
	snprintf(why, sizeof why, "cannot connect to %.128s port %s", name, u->port);
	for (const struct addrinfo *a = ai; a; a = a->ai_next) {
		int err = 0;
		socklen_t elen = sizeof err;

		c->tx.fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->tx.fd < 0)
			continue;
		setsockopt(c->tx.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->tx.fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(c->tx.fd, POLLOUT, deadline) &&
		    getsockopt(c->tx.fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)) {
			freeaddrinfo(ai);
			t->connect_ms = util_mono_ms() - t0 - t->dns_ms;
			return 0;
		}
		if (util_mono_ms() >= deadline) {
			cls = PR_FAILURE_TIMEOUT;
			snprintf(why, sizeof why, "connecting to %.128s port %s timed out", name, u->port);
		} else if (err) {
			snprintf(why, sizeof why, "cannot connect to %.128s port %s: %s", name, u->port, strerror(err));
		}
		close(c->tx.fd);
		c->tx.fd = -1;
	}
	freeaddrinfo(ai);
	return conn_fail(c, cls, why);
}

static int
open_tls(struct wsclient_conn *c, const struct wsclient_url *u, bool insecure, double deadline)
{
	struct transport_config tc = { .host = u->host, .insecure = insecure, .alpn = ALPN_HTTP1 };
	char why[256];

	if (c->tp->init(&c->tctx, &tc, why, sizeof why) < 0) {
		c->tctx = NULL;
		return conn_fail(c, PR_FAILURE_TLS, why);
	}
	for (;;) {
		switch (c->tp->handshake(c->tctx, &c->tx)) {
		case PR_TX_OK:
			return 0;
		case PR_TX_RETRY:
			if (!wait_fd(c->tx.fd, (short)c->tx.want, deadline))
				return conn_fail(c, PR_FAILURE_TIMEOUT, "the TLS handshake timed out");
			break;
		default:
			return conn_fail(c, PR_FAILURE_TLS, u->tls ? "the TLS handshake failed (check the certificate, "
			    "or -k for a test server)" : "the TLS handshake failed");
		}
	}
}

/* Write what the session has to send. */
static int
flush(struct wsclient_conn *c, double deadline)
{
	struct wsclient *s = &c->s;

	while (s->out.len > s->out_off) {
		size_t n = 0;

		switch (c->tp->write(&c->tx, s->out.data + s->out_off, s->out.len - s->out_off, &n)) {
		case PR_TX_OK:
			wsclient_wrote(s, n);
			break;
		case PR_TX_RETRY:
			if (!wait_fd(c->tx.fd, (short)c->tx.want, deadline))
				return conn_fail(c, PR_FAILURE_TIMEOUT, "writing to the server timed out");
			break;
		default:
			return conn_fail(c, PR_FAILURE_RESET, "the connection broke while writing");
		}
	}
	return 0;
}

static const char *
timeout_phrase(enum wsclient_event want)
{
	return want == WSCLIENT_REPLY ? "no reply in time" : "the handshake timed out";
}

/*
 * Drive the session until it says want (or fails), by the deadline; *first
 * is set to the time the first byte came, when not NULL.
 */
static int
await(struct wsclient_conn *c, enum wsclient_event want, double deadline, double *first)
{
	struct wsclient *s = &c->s;
	char buf[READ_BYTES];

	for (;;) {
		enum wsclient_event ev;
		size_t n = 0;

		while ((ev = wsclient_step(s)) != WSCLIENT_NONE && ev != want && ev != WSCLIENT_FAILED)
			;
		if (ev == WSCLIENT_FAILED) {
			flush(c, util_mono_ms() + 100);	/* the close frame, if the socket takes it */
			return conn_fail(c, s->failure, s->error);
		}
		if (flush(c, deadline) < 0)
			return -1;
		if (ev == want)
			return 0;
		switch (c->tp->read(&c->tx, buf, sizeof buf, &n)) {
		case PR_TX_OK:
			if (first && *first == 0)
				*first = util_mono_ms();
			wsclient_feed(s, buf, n);
			/* A server that never pauses (a flood of pings) never makes
			 * the read wait: the deadline is checked here too. */
			if (util_mono_ms() >= deadline)
				return conn_fail(c, PR_FAILURE_TIMEOUT, timeout_phrase(want));
			break;
		case PR_TX_RETRY:
			if (!wait_fd(c->tx.fd, (short)c->tx.want, deadline))
				return conn_fail(c, PR_FAILURE_TIMEOUT, timeout_phrase(want));
			break;
		case PR_TX_CLOSED:
			s->close_code = WS_CLOSE_ABNORMAL;
			return conn_fail(c, PR_FAILURE_RESET, "the server closed the connection");
		default:
			s->close_code = WS_CLOSE_ABNORMAL;
			return conn_fail(c, PR_FAILURE_RESET, "the connection broke while reading");
		}
	}
}

int
wsclient_conn_open(struct wsclient_conn *c, const char *url, const struct wsclient_spec *spec,
    const char *const *headers, bool insecure, double timeout_s, struct wsclient_timing *t)
{
	struct wsclient_url u;
	double t0 = util_mono_ms(), deadline = t0 + timeout_s * MS_PER_S, mark;
	char why[128];
	int rc;

	memset(c, 0, sizeof *c);
	memset(t, 0, sizeof *t);
	c->tx.fd = -1;
	if (wsclient_url_parse(url, &u, why, sizeof why) < 0)
		return conn_fail(c, PR_FAILURE_OTHER, why);
	c->tp = u.tls ? &transport_tls : &transport_tcp;
	wsclient_start(&c->s, spec, u.authority, u.path, u.query, headers);
	rc = open_tcp(c, &u, deadline, t, t0);
	mark = util_mono_ms();
	if (!rc && u.tls)
		rc = open_tls(c, &u, insecure, deadline);
	t->tls_ms = util_mono_ms() - mark;
	mark = util_mono_ms();
	if (!rc)
		rc = await(c, WSCLIENT_UPGRADED, deadline, NULL);
	t->upgrade_ms = util_mono_ms() - mark;
	mark = util_mono_ms();
	if (!rc && spec->protocol == WSCLIENT_SOCKETIO)
		rc = await(c, WSCLIENT_READY, deadline, NULL);
	t->session_ms = spec->protocol == WSCLIENT_SOCKETIO ? util_mono_ms() - mark : 0;
	t->handshake_ms = util_mono_ms() - t0;
	wsclient_url_free(&u);
	c->ready = rc == 0;
	return rc;
}

int
wsclient_conn_roundtrip(struct wsclient_conn *c, double timeout_s, double *rtt_ms, double *first_ms)
{
	double t0 = util_mono_ms(), first = 0;

	if (!c->ready)
		return conn_fail(c, PR_FAILURE_RESET, "the connection is closed");
	wsclient_send(&c->s);
	if (await(c, WSCLIENT_REPLY, t0 + timeout_s * MS_PER_S, &first) < 0)
		return -1;
	*rtt_ms = util_mono_ms() - t0;
	*first_ms = first > 0 ? first - t0 : *rtt_ms;
	return 0;
}

void
wsclient_conn_close(struct wsclient_conn *c)
{
	if (c->ready && c->tx.fd >= 0) {
		wsclient_close(&c->s);
		flush(c, util_mono_ms() + 100);
	}
	if (c->tp)
		c->tp->close(&c->tx);
	if (c->tp && c->tctx)
		c->tp->free(c->tctx);
	c->tctx = NULL;
	c->ready = false;
	wsclient_free(&c->s);
}
