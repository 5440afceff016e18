/*
 * loadgen_ws.c: WebSocket and Socket.IO in the load engine, over a
 * transport (transport.h): ws:// on TCP, wss:// on TLS (ALPN http/1.1, as
 * the upgrade is HTTP/1.1).  The session, its handshakes, pings and
 * replies are lib/wsclient.c's; this file moves the bytes with epoll.
 *
 * Each of o->connections connections is one slot of the schedule and
 * carries one message at a time.  Every connection is opened at the start
 * and held for the run, at most OPENING_MAX handshakes at once per thread
 * so that a server's accept queue is not flooded; the pings the server
 * sends are answered between messages.  A message due on a connection that
 * is not ready yet waits in its slot and goes out once it is: its latency
 * still runs from when it was due.
 *
 * Failures (failure.h's classes, as wsclient.h names them): a message
 * whose connection cannot be made fails with connect, tls, status (the
 * upgrade's) or timeout; one whose connection the server closes fails with
 * reset, its close code counted; no reply within o->timeout_s is timeout.
 * A connection lost between messages counts as one reset error too, so
 * that a server dropping idle clients shows.  Each lost connection is
 * opened again after CONNECT_RETRY_MS.
 */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loadgen_int.h"
#include "pr.h"
#include "util.h"
#include "wsclient.h"

#define WS_READ_BYTES 16384
#define OPENING_MAX 128			/* handshakes in progress at once, per thread */
#define US_PER_MS 1000.0
#define HTTP_SWITCHING 101		/* what a message's "status" is, for the schedule */

enum wsc_state { W_IDLE, W_WAIT, W_CONNECTING, W_TLS, W_UPGRADE, W_READY };

struct wsc {
	struct transport_conn tx;
	struct wsclient s;
	enum wsc_state state;
	uint32_t events;		/* registered with epoll */
	double open_ms;			/* when the connection was begun */
	double wake_ms;			/* W_WAIT: when to open again */
	double origin_ms, sent_ms;	/* the message in the slot */
	bool busy;			/* a message is in the slot */
	bool on_wire;			/* and it was sent */
	bool lost;			/* the connection was lost once */
	uint64_t sent;			/* messages sent on this connection */
};

struct wsl {
	struct loadgen_sched s;
	const struct loadgen_target *t;
	const struct transport *tp;
	void *tctx;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *authority;
	char *path, *query;
	int ep;
	long n, opening;
	struct wsc *c;
	double now;
	uint8_t rbuf[WS_READ_BYTES];
};

static void wsc_open(struct wsl *w, struct wsc *c);

static void
wsc_events(struct wsl *w, struct wsc *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)(c - w->c) };

	if (c->events == ev)
		return;
	epoll_ctl(w->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->tx.fd, &e);
	c->events = ev;
}

/* Account the slot's message and give the slot back to the schedule. */
static void
slot_finish(struct wsl *w, struct wsc *c, enum failure failure)
{
	loadgen_sched_finish(&w->s, c->origin_ms, c->sent_ms, util_mono_ms(), HTTP_SWITCHING, failure,
	    c->s.reply.len, c->sent > 1);
	c->busy = c->on_wire = false;
	w->s.free_slots[w->s.nfree++] = c - w->c;
}

/*
 * The connection is lost or could not be made: the message in the slot
 * fails with failure (or, between messages, the loss counts as one), the
 * close code is counted, and the connection opens again after a pause.
 */
static void
wsc_fail(struct wsl *w, struct wsc *c, enum failure failure)
{
	struct loadgen_result *r = w->s.r;

	if (c->state >= W_CONNECTING && c->state <= W_UPGRADE)
		w->opening--;
	if (c->s.close_code)
		r->close_codes[wsclient_code_slot(c->s.close_code)]++;
	if (c->busy)
		slot_finish(w, c, failure);
	else if (c->state == W_READY)
		loadgen_sched_finish(&w->s, w->now, w->now, w->now, HTTP_SWITCHING, failure, 0, false);
	if (c->tx.fd >= 0 && c->s.out.len > c->s.out_off) {
		size_t n;	/* the close frame, if the socket takes it at once */

		w->tp->write(&c->tx, c->s.out.data + c->s.out_off, c->s.out.len - c->s.out_off, &n);
	}
	w->tp->close(&c->tx);
	c->events = 0;
	r->pings += c->s.pings;
	wsclient_free(&c->s);
	c->lost = true;
	c->state = W_WAIT;
	c->wake_ms = w->now + CONNECT_RETRY_MS;
}

/* Write what the session has to send. */
static void
wsc_flush(struct wsl *w, struct wsc *c)
{
	struct wsclient *s = &c->s;

	while (s->out.len > s->out_off) {
		size_t n = 0;

		switch (w->tp->write(&c->tx, s->out.data + s->out_off, s->out.len - s->out_off, &n)) {
		case PR_TX_OK:
			wsclient_wrote(s, n);
			break;
		case PR_TX_RETRY:
			wsc_events(w, c, EPOLLIN | c->tx.want);
			return;
		default:
			wsc_fail(w, c, PR_FAILURE_RESET);
			return;
		}
	}
	wsc_events(w, c, EPOLLIN);
}

/* Put the slot's message on the wire (the connection is ready). */
static void
wsc_send(struct wsl *w, struct wsc *c)
{
	c->sent_ms = w->now;
	c->on_wire = true;
	c->sent++;
	wsclient_send(&c->s);
	wsc_flush(w, c);
}

static void
wsc_ready(struct wsl *w, struct wsc *c)
{
	struct loadgen_result *r = w->s.r;
	double hs_ms = util_mono_ms() - c->open_ms;

	w->opening--;
	c->state = W_READY;
	hist_record(r->handshake, (uint64_t)(hs_ms * US_PER_MS + 0.5));
	if (c->busy)
		wsc_send(w, c);
}

/* What the session made of the bytes read. */
static void
wsc_events_of_session(struct wsl *w, struct wsc *c)
{
	enum wsclient_event ev;

	while ((ev = wsclient_step(&c->s)) != WSCLIENT_NONE) {
		switch (ev) {
		case WSCLIENT_UPGRADED:
			if (c->s.spec->protocol == WSCLIENT_WEBSOCKET)
				wsc_ready(w, c);
			break;
		case WSCLIENT_READY:
			wsc_ready(w, c);
			break;
		case WSCLIENT_REPLY:
			if (c->busy && c->on_wire)
				slot_finish(w, c, PR_FAILURE_OK);
			break;
		case WSCLIENT_FAILED:
			wsc_fail(w, c, c->s.failure);
			return;
		case WSCLIENT_NONE:
			break;
		}
	}
	wsc_flush(w, c);
}

/* Read what has arrived (and what TLS holds decrypted) into the session. */
static void
wsc_read(struct wsl *w, struct wsc *c)
{
	do {
		size_t n = 0;

		switch (w->tp->read(&c->tx, w->rbuf, sizeof w->rbuf, &n)) {
		case PR_TX_OK:
			wsclient_feed(&c->s, w->rbuf, n);
			break;
		case PR_TX_RETRY:
			if (c->tx.want != EPOLLIN)
				wsc_events(w, c, EPOLLIN | c->tx.want);
			wsc_events_of_session(w, c);
			return;
		default:
			c->s.close_code = c->s.close_code ? c->s.close_code : WS_CLOSE_ABNORMAL;
			wsc_fail(w, c, PR_FAILURE_RESET);
			return;
		}
	} while (w->tp->pending(&c->tx) > 0);
	wsc_events_of_session(w, c);
}

static void
wsc_upgrade(struct wsl *w, struct wsc *c)
{
	c->state = W_UPGRADE;
	wsc_flush(w, c);
}

static void
wsc_handshake(struct wsl *w, struct wsc *c)
{
	switch (w->tp->handshake(w->tctx, &c->tx)) {
	case PR_TX_OK:
		wsc_upgrade(w, c);
		break;
	case PR_TX_RETRY:
		c->state = W_TLS;
		wsc_events(w, c, c->tx.want);
		break;
	default:
		wsc_fail(w, c, PR_FAILURE_TLS);
		break;
	}
}

/* Begin a connection: socket, connect, then TLS and the upgrade as it goes. */
static void
wsc_open(struct wsl *w, struct wsc *c)
{
	int one = 1;

	w->opening++;
	c->open_ms = w->now;
	c->state = W_CONNECTING;
	c->sent = 0;
	wsclient_start(&c->s, w->t->ws, w->authority, w->path, w->query, w->t->headers);
	c->tx.fd = socket(w->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->tx.fd < 0) {
		wsc_fail(w, c, PR_FAILURE_CONNECT);
		return;
	}
	setsockopt(c->tx.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->tx.fd, (struct sockaddr *)&w->addr, w->addrlen) == 0) {
		w->s.r->connections_opened++;
		wsc_handshake(w, c);
		return;
	}
	if (errno != EINPROGRESS) {
		wsc_fail(w, c, PR_FAILURE_CONNECT);
		return;
	}
	wsc_events(w, c, EPOLLOUT);
}

static void
wsc_event(struct wsl *w, struct wsc *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	switch (c->state) {
	case W_CONNECTING:
		if (getsockopt(c->tx.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			wsc_fail(w, c, PR_FAILURE_CONNECT);
			return;
		}
		w->s.r->connections_opened++;
		wsc_handshake(w, c);
		break;
	case W_TLS:
		wsc_handshake(w, c);
		break;
	case W_UPGRADE:
	case W_READY:
		if (c->s.out.len > c->s.out_off)
			wsc_flush(w, c);
		if (c->tx.fd >= 0)
			wsc_read(w, c);
		break;
	case W_IDLE:
	case W_WAIT:
		break;
	}
}

/* A message due: out now, or once its connection is ready. */
static void
slot_begin(struct wsl *w, struct wsc *c, double origin)
{
	c->origin_ms = origin;
	c->sent_ms = w->now;
	c->busy = true;
	c->on_wire = false;
	if (c->state == W_READY)
		wsc_send(w, c);
}

/* Timeouts (a message, a handshake); connections to open, within OPENING_MAX. */
static void
scan(struct wsl *w)
{
	double limit_ms = w->s.o->timeout_s * MS_PER_S;

	for (long i = 0; i < w->n; i++) {
		struct wsc *c = &w->c[i];

		if (c->busy && c->on_wire && w->now - c->sent_ms > limit_ms)
			wsc_fail(w, c, PR_FAILURE_TIMEOUT);
		else if (c->state >= W_CONNECTING && c->state <= W_UPGRADE && w->now - c->open_ms > limit_ms)
			wsc_fail(w, c, PR_FAILURE_TIMEOUT);
		else if (c->busy && !c->on_wire && w->now - c->origin_ms > limit_ms && c->state != W_READY)
			wsc_fail(w, c, PR_FAILURE_TIMEOUT);
		if (c->state == W_WAIT && w->now >= c->wake_ms)
			c->state = W_IDLE;
		if (c->state == W_IDLE && w->opening < OPENING_MAX && w->now < w->s.end)
			wsc_open(w, c);
	}
}

static int
ws_loop(struct wsl *w)
{
	struct loadgen_result *r = w->s.r;
	struct epoll_event evs[MAX_EVENTS];
	double origin, next_scan;

	w->now = util_mono_ms();
	scan(w);
	next_scan = w->now + SCAN_MS;
	while ((w->now = util_mono_ms()) < w->s.end) {
		long budget = 2 * w->n;		/* no spinning on instant failures */
		int k = loadgen_wait_events(w->ep, evs, loadgen_sched_wait_ms(&w->s, w->now, next_scan));

		if (k < 0 && errno != EINTR) {
			snprintf(r->error, sizeof r->error, "epoll_wait: %s", strerror(errno));
			return PR_EXTERNAL;
		}
		w->now = util_mono_ms();
		for (int i = 0; i < k; i++)
			wsc_event(w, &w->c[evs[i].data.u64]);
		if (w->now >= next_scan) {
			scan(w);
			next_scan = w->now + SCAN_MS;
		}
		while (budget-- > 0 && loadgen_sched_next(&w->s, w->now, &origin))
			slot_begin(w, &w->c[w->s.free_slots[--w->s.nfree]], origin);
	}
	return 0;
}

/* The end: messages in flight are unfinished; connections never lost are held. */
static void
ws_finish(struct wsl *w)
{
	struct loadgen_result *r = w->s.r;

	r->elapsed_s = w->s.o->duration_s;
	r->unfinished = loadgen_sched_unsent(&w->s);
	for (long i = 0; i < w->n; i++) {
		struct wsc *c = &w->c[i];

		if (c->busy && c->origin_ms >= w->s.warm_end)
			r->unfinished++;
		if (c->state == W_READY && !c->lost)
			r->connections_held++;
		r->pings += c->s.pings;
		if (c->state == W_READY) {
			wsclient_close(&c->s);
			wsc_flush(w, c);
		}
		w->tp->close(&c->tx);
		wsclient_free(&c->s);
	}
}

int
loadgen_run_ws(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh)
{
	struct transport_config tc = { .host = a->host, .insecure = o->insecure, .alpn = "\x08http/1.1" };
	struct wsl w = { .t = t, .tp = a->tp, .addr = a->addr, .addrlen = a->addrlen, .authority = a->authority,
		.n = o->connections };
	const char *q = strchr(a->path, '?');
	int rc;

	w.path = xstrdup(a->path);
	w.path[q ? q - a->path : (ptrdiff_t)strlen(w.path)] = '\0';
	w.query = q ? xstrdup(q + 1) : NULL;
	if (w.tp->init(&w.tctx, &tc, r->error, sizeof r->error) < 0) {
		rc = PR_EXTERNAL;
		goto out;
	}
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	if (w.ep < 0) {
		snprintf(r->error, sizeof r->error, "epoll_create1: %s", strerror(errno));
		w.tp->free(w.tctx);
		rc = PR_EXTERNAL;
		goto out;
	}
	w.c = xcalloc((size_t)w.n, sizeof *w.c);
	for (long i = 0; i < w.n; i++)
		w.c[i].tx.fd = -1;
	r->engine = "epoll";
	snprintf(r->http_version, sizeof r->http_version, "1.1");
	loadgen_sched_init(&w.s, o, r, HTTP_SWITCHING, w.n, sh);
	rc = ws_loop(&w);
	ws_finish(&w);
	free(w.c);
	free(w.s.free_slots);
	close(w.ep);
	w.tp->free(w.tctx);
out:
	free(w.path);
	free(w.query);
	return rc;
}
