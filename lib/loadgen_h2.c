/*
 * loadgen_h2.c: HTTP/2 in the load engine, through libnghttp2 (the library
 * h2load and curl use), over a transport (transport.h): TLS with ALPN "h2",
 * or plain TCP with prior knowledge (h2c).
 *
 * Each of o->connections connections carries up to o->streams requests at
 * once, one per stream.  A slot of the schedule is one stream of one
 * connection: slot i belongs to connection i % connections, so that the
 * first requests spread over every connection.  A request waits in its slot
 * ("queued") until its connection is ready, then goes out; the frames of a
 * loop's turn are gathered and written once per connection.
 *
 * nghttp2 does the framing, HPACK and flow control (windows are opened
 * wide and updated as data is read).  A GOAWAY stops new streams on its
 * connection; the streams the server refused (above its last stream id)
 * and requests that failed before a byte came back on a reused connection
 * go out again once, on a new connection, as libcurl's engine does
 * (idempotent methods only).  Failures are classed as failure.h's table
 * says: a stream reset is reset, a protocol error other.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "pr.h"
#include "loadgen_int.h"
#include "util.h"

#define H2_READ_BYTES 65536		/* read at once from a connection */
#define H2_OUT_BYTES 16384		/* frames gathered before a write */
#define H2_STREAM_WINDOW ((1 << 24) - 1)	/* bytes a stream may receive unacknowledged */
#define H2_CONN_WINDOW ((1 << 30) - 1)	/* and a whole connection */
#define H2_MAX_HEADERS 64		/* request header fields, pseudo-headers included */
#define HTTP_CONTINUE_CLASS 100

enum h2_state { H_IDLE, H_WAIT, H_CONNECTING, H_HANDSHAKE, H_READY, H_DRAINING };

struct h2conn;

struct h2slot {
	struct h2conn *c;
	int32_t stream_id;		/* > 0 while on the wire */
	double origin_ms, sent_ms;
	double wrote_ms, first_ms;	/* handed to the socket, its first response byte */
	uint64_t bytes;			/* response bytes */
	long status;			/* the final :status, 0 before it */
	size_t body_off;		/* request body bytes handed to nghttp2 */
	bool busy;			/* a request in progress, queued or on the wire */
	bool queued;			/* waiting for its connection */
	bool reused;			/* on the wire on a connection that served before */
	bool retried;
};

struct h2conn {
	struct transport_conn tx;
	struct h2 *h;
	enum h2_state state;
	uint32_t events;		/* registered with epoll */
	nghttp2_session *ng;
	long index;
	long nqueued;			/* of its slots, waiting */
	long nwire;			/* of its slots, on the wire */
	uint64_t streams_opened;	/* on this connection */
	double wake_ms;			/* H_WAIT: when to connect again */
	double phase_ms;		/* when connect() or the handshake began */
	struct buf out;			/* frames not yet written: out.data[out_off, out.len) */
	size_t out_off;
	bool dirty;			/* frames may be waiting in nghttp2 */
};

struct h2 {
	struct loadgen_sched s;
	const struct loadgen_target *t;
	const struct transport *tp;
	void *tctx;
	bool tls;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int ep;
	long nconn, streams;
	struct h2conn *c;
	struct h2slot *slot;
	nghttp2_nv nva[H2_MAX_HEADERS];
	size_t nnva;
	char *owned[H2_MAX_HEADERS];	/* the strings nva points to that we made */
	size_t nowned;
	size_t body_len;
	nghttp2_session_callbacks *cbs;
	bool may_retry;
	double now;
	double read_ms;			/* when the bytes in rbuf were read */
	uint8_t rbuf[H2_READ_BYTES];
	bool refused;			/* a server refused h2 in ALPN: stop */
	char alpn_seen[16];
};

static void conn_end(struct h2 *h, struct h2conn *c, enum failure failure);
static void conn_connect(struct h2 *h, struct h2conn *c);

static struct h2slot *
conn_slot(struct h2 *h, struct h2conn *c, long k)
{
	return &h->slot[c->index + k * h->nconn];
}

static void
conn_events(struct h2 *h, struct h2conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)c->index };

	if (c->events == ev)
		return;
	epoll_ctl(h->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->tx.fd, &e);
	c->events = ev;
}

/* Account sl's request and give the slot back to the schedule. */
static void
slot_finish(struct h2 *h, struct h2slot *sl, enum failure failure)
{
	if (loadgen_sched_finish(&h->s, sl->origin_ms, sl->sent_ms, util_mono_ms(), sl->status, failure, sl->bytes,
	    sl->reused))
		loadgen_sched_phase(&h->s, LOADGEN_PHASE_TTFB, sl->wrote_ms, sl->first_ms);
	if (sl->stream_id > 0)
		sl->c->nwire--;
	sl->busy = sl->queued = false;
	sl->stream_id = 0;
	h->s.free_slots[h->s.nfree++] = sl - h->slot;
}

static void
slot_queue(struct h2slot *sl)
{
	if (sl->stream_id > 0)
		sl->c->nwire--;
	sl->queued = true;
	sl->stream_id = 0;
	sl->c->nqueued++;
	sl->c->dirty = true;
}

/* ---- nghttp2's callbacks (user data: the struct h2conn) ---- */

static ssize_t
body_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags, nghttp2_data_source *src,
    void *user)
{
	struct h2slot *sl = src->ptr;
	struct h2 *h = ((struct h2conn *)user)->h;
	size_t n = h->body_len - sl->body_off < len ? h->body_len - sl->body_off : len;

	(void)ng, (void)id;
	memcpy(buf, h->t->body + sl->body_off, n);
	sl->body_off += n;
	if (sl->body_off == h->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int
on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
    const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	struct h2slot *sl = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);

	(void)flags;
	if (!sl)
		return 0;
	if (sl->bytes == 0)
		sl->first_ms = ((struct h2conn *)user)->h->read_ms;
	sl->bytes += namelen + valuelen;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0 && valuelen == 3) {
		long status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');

		/* An interim 1xx response precedes the final one (RFC 9113 8.1). */
		if (status / 100 * 100 != HTTP_CONTINUE_CLASS)
			sl->status = status;
	}
	return 0;
}

static int
on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *user)
{
	struct h2slot *sl = nghttp2_session_get_stream_user_data(ng, id);

	(void)flags, (void)data, (void)user;
	if (sl)
		sl->bytes += len;
	return 0;
}

static int
on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *user)
{
	struct h2conn *c = user;

	(void)ng;
	if (frame->hd.type == NGHTTP2_GOAWAY && c->state == H_READY)
		c->state = H_DRAINING;	/* no new stream here; the refused ones close next */
	return 0;
}

/*
 * A stream ended.  One the server refused (GOAWAY's last stream id, or
 * REFUSED_STREAM) was never processed, and goes out again on a new
 * connection; so does, once, one reset before a byte came back on a reused
 * connection.
 */
static int
on_stream_close(nghttp2_session *ng, int32_t id, uint32_t error_code, void *user)
{
	struct h2conn *c = user;
	struct h2 *h = c->h;
	struct h2slot *sl = nghttp2_session_get_stream_user_data(ng, id);

	if (!sl || sl->stream_id != id)
		return 0;
	if (error_code == NGHTTP2_NO_ERROR) {
		slot_finish(h, sl, sl->status ? PR_FAILURE_OK : PR_FAILURE_OTHER);
		return 0;
	}
	if (h->may_retry && !sl->retried && sl->bytes == 0 &&
	    (error_code == NGHTTP2_REFUSED_STREAM || sl->reused)) {
		sl->retried = true;
		slot_queue(sl);
		if (c->state == H_READY)
			c->state = H_DRAINING;	/* the next try goes on a new connection */
		return 0;
	}
	slot_finish(h, sl, PR_FAILURE_RESET);
	return 0;
}

/* ---- a connection ---- */

/* A new nghttp2 session with our settings: no push, wide windows. */
static int
session_start(struct h2 *h, struct h2conn *c)
{
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW },
	};

	if (nghttp2_session_client_new(&c->ng, h->cbs, c) != 0)
		return -1;
	if (nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof *iv) != 0 ||
	    nghttp2_session_set_local_window_size(c->ng, NGHTTP2_FLAG_NONE, 0, H2_CONN_WINDOW) != 0)
		return -1;
	c->dirty = true;
	return 0;
}

/* Put c's queued requests on the wire (handed to it at wrote_ms). */
static void
submit_queued(struct h2 *h, struct h2conn *c, double wrote_ms)
{
	nghttp2_data_provider body = { .read_callback = body_read };

	for (long k = 0; k < h->streams && c->nqueued > 0; k++) {
		struct h2slot *sl = conn_slot(h, c, k);
		int32_t id;

		if (!sl->queued)
			continue;
		body.source.ptr = sl;
		sl->body_off = 0;
		id = nghttp2_submit_request(c->ng, NULL, h->nva, h->nnva, h->t->body ? &body : NULL, sl);
		if (id < 0) {	/* stream ids used up: the rest wait for a new connection */
			c->state = H_DRAINING;
			return;
		}
		sl->queued = false;
		c->nqueued--;
		sl->wrote_ms = wrote_ms;
		sl->stream_id = id;
		c->nwire++;
		sl->reused = c->streams_opened++ > 0;
	}
}

/* Write what nghttp2 has to send, gathered; then end c if it is done. */
static void
conn_flush(struct h2 *h, struct h2conn *c)
{
	c->dirty = false;
	if (c->state == H_READY && c->nqueued > 0)
		submit_queued(h, c, util_mono_ms());
	for (;;) {
		size_t n = 0;

		while (c->out.len - c->out_off < H2_OUT_BYTES) {
			const uint8_t *data;
			ssize_t got = nghttp2_session_mem_send(c->ng, &data);

			if (got < 0) {
				conn_end(h, c, PR_FAILURE_OTHER);
				return;
			}
			if (got == 0)
				break;
			buf_add(&c->out, data, (size_t)got);
		}
		if (c->out.len == c->out_off)
			break;
		switch (h->tp->write(&c->tx, c->out.data + c->out_off, c->out.len - c->out_off, &n)) {
		case PR_TX_OK:
			c->out_off += n;
			if (c->out_off == c->out.len) {
				c->out_off = 0;
				buf_reset(&c->out);
			}
			break;
		case PR_TX_RETRY:
			conn_events(h, c, EPOLLIN | c->tx.want);
			return;
		default:
			conn_end(h, c, PR_FAILURE_RESET);
			return;
		}
	}
	conn_events(h, c, EPOLLIN);
	/* Draining (a GOAWAY, a request to send again): close once the
	 * streams on the wire are over, and open anew for the queued ones. */
	if (c->state == H_DRAINING && c->nwire == 0)
		conn_end(h, c, PR_FAILURE_RESET);
}

/*
 * Close c.  Its streams on the wire fail with failure, or go out again
 * (see on_stream_close); its queued requests fail too when the connection
 * could not be made (connect, tls), and otherwise wait for the next one,
 * opened at once.
 */
static void
conn_end(struct h2 *h, struct h2conn *c, enum failure failure)
{
	for (long k = 0; k < h->streams; k++) {
		struct h2slot *sl = conn_slot(h, c, k);

		if (!sl->busy)
			continue;
		if (sl->stream_id > 0) {
			nghttp2_session_set_stream_user_data(c->ng, sl->stream_id, NULL);
			if (h->may_retry && !sl->retried && sl->bytes == 0 && sl->reused) {
				sl->retried = true;
				slot_queue(sl);
			} else {
				slot_finish(h, sl, failure);
			}
		} else if (failure == PR_FAILURE_CONNECT || failure == PR_FAILURE_TLS) {
			c->nqueued--;
			slot_finish(h, sl, failure);
		}
	}
	nghttp2_session_del(c->ng);
	c->ng = NULL;
	h->tp->close(&c->tx);
	c->events = 0;
	c->out_off = 0;
	buf_reset(&c->out);
	c->streams_opened = 0;
	c->dirty = false;
	if (failure == PR_FAILURE_CONNECT) {
		c->state = H_WAIT;
		c->wake_ms = h->now + CONNECT_RETRY_MS;
		return;
	}
	c->state = H_IDLE;
	if (c->nqueued > 0 && !h->refused)
		conn_connect(h, c);
}

/* The handshake is done: check that the server speaks h2, start the session. */
static void
conn_ready(struct h2 *h, struct h2conn *c)
{
	if (h->tls && strcmp(c->tx.alpn, "h2") != 0) {
		snprintf(h->alpn_seen, sizeof h->alpn_seen, "%s", *c->tx.alpn ? c->tx.alpn : "none");
		h->refused = true;
		conn_end(h, c, PR_FAILURE_TLS);
		return;
	}
	if (session_start(h, c) < 0) {
		conn_end(h, c, PR_FAILURE_OTHER);
		return;
	}
	c->state = H_READY;
	conn_flush(h, c);
}

static void
conn_handshake(struct h2 *h, struct h2conn *c)
{
	switch (h->tp->handshake(h->tctx, &c->tx)) {
	case PR_TX_OK:
		if (h->tls)
			loadgen_sched_phase(&h->s, LOADGEN_PHASE_TLS, c->phase_ms, util_mono_ms());
		conn_ready(h, c);
		break;
	case PR_TX_RETRY:
		c->state = H_HANDSHAKE;
		conn_events(h, c, c->tx.want);
		break;
	default:
		conn_end(h, c, PR_FAILURE_TLS);
		break;
	}
}

/* The socket is connected: on to the handshake, timed from now. */
static void
conn_connected(struct h2 *h, struct h2conn *c)
{
	c->phase_ms = loadgen_sched_connected(&h->s, c->phase_ms);
	conn_handshake(h, c);
}

static void
conn_connect(struct h2 *h, struct h2conn *c)
{
	int one = 1;

	c->tx.fd = socket(h->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->tx.fd < 0) {
		conn_end(h, c, PR_FAILURE_CONNECT);
		return;
	}
	setsockopt(c->tx.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->phase_ms = util_mono_ms();
	if (connect(c->tx.fd, (struct sockaddr *)&h->addr, h->addrlen) == 0) {
		conn_connected(h, c);
		return;
	}
	if (errno != EINPROGRESS) {
		conn_end(h, c, PR_FAILURE_CONNECT);
		return;
	}
	c->state = H_CONNECTING;
	conn_events(h, c, EPOLLOUT);
}

/*
 * Read everything that has arrived into nghttp2: the responses of all the
 * streams that completed go in before the loop's one write per connection.
 * One read takes what the socket holds (TLS reads ahead, many records at
 * once), so reading goes on only while the transport holds more or the
 * buffer came back full, not until a read would block: that would cost a
 * read call per turn for nothing.
 */
static void
conn_read(struct h2 *h, struct h2conn *c)
{
	size_t n;

	do {
		n = 0;

		switch (h->tp->read(&c->tx, h->rbuf, sizeof h->rbuf, &n)) {
		case PR_TX_OK:
			break;
		case PR_TX_RETRY:
			if (c->tx.want != EPOLLIN)
				conn_events(h, c, EPOLLIN | c->tx.want);
			c->dirty = true;
			return;
		default:
			conn_end(h, c, PR_FAILURE_RESET);
			return;
		}
		h->read_ms = util_mono_ms();
		if (nghttp2_session_mem_recv(c->ng, h->rbuf, n) < 0) {
			conn_end(h, c, PR_FAILURE_OTHER);
			return;
		}
	} while (n == sizeof h->rbuf || h->tp->pending(&c->tx) > 0);
	c->dirty = true;
}

static void
conn_event(struct h2 *h, struct h2conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	switch (c->state) {
	case H_CONNECTING:
		if (getsockopt(c->tx.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_end(h, c, PR_FAILURE_CONNECT);
			return;
		}
		conn_connected(h, c);
		break;
	case H_HANDSHAKE:
		conn_handshake(h, c);
		break;
	case H_READY:
	case H_DRAINING:
		conn_read(h, c);
		break;
	case H_IDLE:
	case H_WAIT:
		break;
	}
}

/* A request due: into its slot, out with its connection's next write. */
static void
slot_begin(struct h2 *h, struct h2slot *sl, double origin)
{
	struct h2conn *c = sl->c;

	sl->origin_ms = origin;
	sl->sent_ms = h->now;
	sl->bytes = 0;
	sl->status = 0;
	sl->first_ms = 0;
	sl->busy = true;
	sl->retried = false;
	sl->reused = false;
	slot_queue(sl);
	if (c->state == H_IDLE)
		conn_connect(h, c);
}

/* Requests out of time fail (a stream on the wire is cancelled); connections
 * whose pause after a failed connect ended open again. */
static void
scan(struct h2 *h)
{
	double limit_ms = h->s.o->timeout_s * MS_PER_S;

	for (long i = 0; i < h->nconn * h->streams; i++) {
		struct h2slot *sl = &h->slot[i];

		if (!sl->busy || h->now - sl->sent_ms <= limit_ms)
			continue;
		if (sl->stream_id > 0) {
			nghttp2_session_set_stream_user_data(sl->c->ng, sl->stream_id, NULL);
			nghttp2_submit_rst_stream(sl->c->ng, NGHTTP2_FLAG_NONE, sl->stream_id, NGHTTP2_CANCEL);
			sl->c->dirty = true;
		} else if (sl->queued) {
			sl->c->nqueued--;
		}
		slot_finish(h, sl, PR_FAILURE_TIMEOUT);
	}
	for (long i = 0; i < h->nconn; i++) {
		struct h2conn *c = &h->c[i];

		if (c->state == H_WAIT && h->now >= c->wake_ms) {
			c->state = H_IDLE;
			if (c->nqueued > 0)
				conn_connect(h, c);
		}
	}
}

/* ---- the request, built once ---- */

static void
nv_add(struct h2 *h, const char *name, const char *value)
{
	nghttp2_nv *nv = &h->nva[h->nnva++];

	nv->name = (uint8_t *)name;
	nv->namelen = strlen(name);
	nv->value = (uint8_t *)value;
	nv->valuelen = strlen(value);
	nv->flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
}

static char *
own(struct h2 *h, char *s)
{
	h->owned[h->nowned++] = s;
	return s;
}

/* Header fields HTTP/2 forbids (RFC 9113 8.2.2), or that become pseudo-headers. */
static bool
h2_drops(const char *name)
{
	static const char *const drop[] = { "host", "connection", "keep-alive", "proxy-connection",
		"transfer-encoding", "upgrade", "te" };

	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		if (strcmp(name, drop[i]) == 0)
			return true;
	return false;
}

/* :method, :scheme, :authority, :path, then the target's headers, names in
 * lower case (HTTP/2 requires it).  Returns -1 when there are too many. */
static int
build_nva(struct h2 *h, const char *authority, const char *path)
{
	const struct loadgen_target *t = h->t;
	const char *auth = authority;
	bool has_ua = false;
	size_t n = 0;

	for (const char *const *p = t->headers; p && *p; p++)
		n++;
	if (n + 6 > H2_MAX_HEADERS)
		return -1;
	for (const char *const *p = t->headers; p && *p; p++)
		if (strncasecmp(*p, "host:", 5) == 0)
			auth = *p + 5 + strspn(*p + 5, " \t");
	nv_add(h, ":method", t->method ? t->method : "GET");
	nv_add(h, ":scheme", h->tls ? "https" : "http");
	nv_add(h, ":authority", auth);
	nv_add(h, ":path", path);
	for (const char *const *p = t->headers; p && *p; p++) {
		const char *colon = strchr(*p, ':');
		char *name;

		if (!colon)
			continue;
		name = own(h, xstrdup(*p));
		name[colon - *p] = '\0';
		for (char *q = name; *q; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		if (h2_drops(name))
			continue;
		has_ua |= strcmp(name, "user-agent") == 0;
		nv_add(h, name, colon + 1 + strspn(colon + 1, " \t"));
	}
	if (!has_ua)
		nv_add(h, "user-agent", "pr-bench/" PR_VERSION);
	if (t->body) {
		char *len = own(h, xmalloc(24));

		snprintf(len, 24, "%zu", h->body_len);
		nv_add(h, "content-length", len);
	}
	return 0;
}

static void
callbacks_new(struct h2 *h)
{
	nghttp2_session_callbacks_new(&h->cbs);
	nghttp2_session_callbacks_set_on_header_callback(h->cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(h->cbs, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(h->cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(h->cbs, on_stream_close);
}

/* ---- the run ---- */

static int
h2_loop(struct h2 *h)
{
	struct loadgen_result *r = h->s.r;
	struct epoll_event evs[MAX_EVENTS];
	double origin, next_scan;

	h->now = util_mono_ms();
	next_scan = h->now + SCAN_MS;
	while ((h->now = util_mono_ms()) < h->s.end && !h->refused) {
		long budget = 2 * h->nconn * h->streams;	/* no spinning on instant failures */
		int k = loadgen_wait_events(h->ep, evs, loadgen_sched_wait_ms(&h->s, h->now, next_scan));

		if (k < 0 && errno != EINTR) {
			snprintf(r->error, sizeof r->error, "epoll_wait: %s", strerror(errno));
			return PR_EXTERNAL;
		}
		h->now = util_mono_ms();
		for (int i = 0; i < k; i++)
			conn_event(h, &h->c[evs[i].data.u64]);
		if (h->now >= next_scan) {
			scan(h);
			next_scan = h->now + SCAN_MS;
		}
		while (budget-- > 0 && loadgen_sched_next(&h->s, h->now, &origin))
			slot_begin(h, &h->slot[h->s.free_slots[--h->s.nfree]], origin);
		for (long i = 0; i < h->nconn; i++)
			if (h->c[i].dirty && h->c[i].ng)
				conn_flush(h, &h->c[i]);
	}
	if (h->refused) {
		snprintf(r->error, sizeof r->error, "the server does not speak HTTP/2 (ALPN: %s); drop --http2",
		    h->alpn_seen);
		return PR_USAGE;
	}
	return 0;
}

int
loadgen_run_h2(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh)
{
	const struct transport *tp = a->tp;
	/* http/1.1 too, so that a server without h2 says so by choosing it
	 * instead of failing the handshake (nginx's no_application_protocol). */
	struct transport_config tc = { .host = a->host, .insecure = o->insecure, .alpn = "\x02h2\x08http/1.1" };
	struct h2 h = { .t = t, .tp = tp, .tls = tp == &transport_tls, .nconn = o->connections };
	long nslots;
	int rc = 0;

	h.streams = o->streams > 0 ? o->streams : 1;
	nslots = h.nconn * h.streams;
	h.body_len = t->body ? strlen(t->body) : 0;
	h.may_retry = loadgen_idempotent(t);
	if (build_nva(&h, a->authority, a->path) < 0) {
		snprintf(r->error, sizeof r->error, "too many request headers for HTTP/2 (at most %d)",
		    H2_MAX_HEADERS - 6);
		return PR_USAGE;
	}
	h.addr = a->addr;
	h.addrlen = a->addrlen;
	if (tp->init(&h.tctx, &tc, r->error, sizeof r->error) < 0) {
		rc = PR_EXTERNAL;
		goto out;
	}
	h.ep = epoll_create1(EPOLL_CLOEXEC);
	if (h.ep < 0) {
		snprintf(r->error, sizeof r->error, "epoll_create1: %s", strerror(errno));
		tp->free(h.tctx);
		rc = PR_EXTERNAL;
		goto out;
	}
	callbacks_new(&h);
	h.c = xcalloc((size_t)h.nconn, sizeof *h.c);
	h.slot = xcalloc((size_t)nslots, sizeof *h.slot);
	for (long i = 0; i < h.nconn; i++) {
		h.c[i].tx.fd = -1;
		h.c[i].h = &h;
		h.c[i].index = i;
	}
	for (long i = 0; i < nslots; i++)
		h.slot[i].c = &h.c[i % h.nconn];
	r->engine = "epoll";
	snprintf(r->http_version, sizeof r->http_version, "2");
	loadgen_sched_init(&h.s, o, r, t->expect_status, nslots, sh);
	rc = h2_loop(&h);
	r->elapsed_s = o->duration_s;
	r->unfinished += loadgen_sched_unsent(&h.s);	/* after those answered as the time ran out */
	for (long i = 0; i < nslots; i++)
		if (h.slot[i].busy && h.slot[i].origin_ms >= h.s.warm_end)
			r->unfinished++;
	for (long i = 0; i < h.nconn; i++) {
		nghttp2_session_del(h.c[i].ng);
		tp->close(&h.c[i].tx);
		buf_free(&h.c[i].out);
	}
	free(h.c);
	free(h.slot);
	free(h.s.free_slots);
	nghttp2_session_callbacks_del(h.cbs);
	close(h.ep);
	tp->free(h.tctx);
out:
	for (size_t i = 0; i < h.nowned; i++)
		free(h.owned[i]);
	return rc;
}
