/*
 * loadgen.c: the load engine (see loadgen.h): a lean epoll HTTP/1.1 client
 * over plain TCP or TLS (transport.h), and a libcurl multi loop for what
 * the epoll engines do not reach (proxies, credentials).  They share the
 * scheduling (closed or open loop) and the accounting.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "pr.h"
#include "loadgen.h"
#include "loadgen_int.h"
#include "transport.h"
#include "util.h"
#include "ws.h"

#define CONN_BUF_BYTES 16384		/* first read buffer of a connection */
#define MAX_HEADER_BYTES 65536		/* a response head larger is an error */
#define MAX_CHUNK_LINE_BYTES 1024
#define LATE_MS 1.0			/* open loop: sent this late counts as late */
#define FDS_RESERVED 64			/* files besides the sockets */
#define PROBE_MAX_MS 2000.0		/* longest wait to choose among addresses */
#define US_PER_MS 1000.0
#define HTTP_SWITCHING_PROTOCOLS 101
#define THREAD_START_MS 1.0		/* threads start together this long after the last is ready */

void
loadgen_sched_init(struct loadgen_sched *s, const struct loadgen_opts *o, struct loadgen_result *r, long expect_status,
    long nslots, const struct loadgen_shard *sh)
{
	struct loadgen_shard one = { .t0_ms = util_mono_ms(), .index = 0, .count = 1 };

	if (!sh)
		sh = &one;
	loadgen_start_wait(sh);
	memset(s, 0, sizeof *s);
	s->o = o;
	s->r = r;
	s->expect_status = expect_status;
	s->t0 = sh->start ? sh->start->t0_ms : sh->t0_ms;
	s->warm_end = s->t0 + o->warmup_s * MS_PER_S;
	s->end = s->warm_end + o->duration_s * MS_PER_S;
	s->interval_ms = o->rate_rps > 0 ? MS_PER_S * (double)sh->count / o->rate_rps : 0;
	s->due0 = s->t0 + (o->rate_rps > 0 ? MS_PER_S * (double)sh->index / o->rate_rps : 0);
	/* Whole intervals only (the epsilon keeps 1.0 / 0.1 from flooring to 9). */
	r->nintervals = (size_t)floor(o->duration_s / r->interval_s + 1e-9);
	r->ok_per_interval = xcalloc(r->nintervals ? r->nintervals : 1, sizeof *r->ok_per_interval);
	s->free_slots = xcalloc((size_t)nslots, sizeof *s->free_slots);
	for (long i = nslots - 1; i >= 0; i--)
		s->free_slots[s->nfree++] = i;
}

void
loadgen_start_wait(const struct loadgen_shard *sh)
{
	struct loadgen_start *st = sh->start;

	if (!st)
		return;
	pthread_mutex_lock(&st->mu);
	if (!st->waited[sh->index]) {
		st->waited[sh->index] = true;
		if (--st->pending == 0)
			pthread_cond_broadcast(&st->cv);	/* run_threads sets t0 */
		while (!st->go)
			pthread_cond_wait(&st->cv, &st->mu);
	}
	pthread_mutex_unlock(&st->mu);
}

/*
 * The next request to start at time now, if any: sets *origin to the time
 * its latency runs from and returns true.  Closed loop: now, while the run
 * lasts.  Open loop: the next due time once it has come.
 */
bool
loadgen_sched_next(struct loadgen_sched *s, double now, double *origin)
{
	double due;

	if (s->nfree == 0 || now >= s->end || now < s->t0)
		return false;
	if (s->interval_ms == 0) {
		*origin = now;
		return true;
	}
	due = s->due0 + (double)s->next_k * s->interval_ms;
	if (due > now || due >= s->end)
		return false;
	s->next_k++;
	*origin = due;
	return true;
}

/* Milliseconds to wait for events before the schedule needs attention. */
double
loadgen_sched_wait_ms(const struct loadgen_sched *s, double now, double next_scan)
{
	double until = next_scan < s->end ? next_scan : s->end;

	if (now < s->t0)
		return s->t0 - now;	/* the threads start together */
	if (s->interval_ms == 0 && s->nfree > 0)
		return 0;	/* closed loop: a free slot starts at once */
	if (s->interval_ms > 0 && s->nfree > 0) {
		double due = s->due0 + (double)s->next_k * s->interval_ms;

		if (due < until)
			until = due;
	}
	return until > now ? until - now : 0;
}

/* Open loop: how many of this schedule's requests are due before time t (ms). */
static uint64_t
due_before(const struct loadgen_sched *s, double t)
{
	uint64_t k;

	if (t <= s->due0)
		return 0;
	/* The division may round either way: settle k by the comparison
	 * loadgen_sched_next makes, so that the two agree on every request. */
	k = (uint64_t)ceil((t - s->due0) / s->interval_ms);
	while (k > 0 && s->due0 + (double)(k - 1) * s->interval_ms >= t)
		k--;
	while (s->due0 + (double)k * s->interval_ms < t)
		k++;
	return k;
}

/* Open loop: requests due in the measured window that were never sent. */
uint64_t
loadgen_sched_unsent(const struct loadgen_sched *s)
{
	uint64_t from, to;

	if (s->interval_ms == 0)
		return 0;
	from = due_before(s, s->warm_end);
	if (s->next_k > from)
		from = s->next_k;
	to = due_before(s, s->end);
	return to > from ? to - from : 0;
}

static bool
counted(const struct loadgen_sched *s, double origin, double t)
{
	return origin >= s->warm_end && t < s->end;
}

/* Count a success completed at t (ms) in its whole interval, if any. */
static void
count_interval(struct loadgen_result *r, double warm_end, double t)
{
	double k = floor((t - warm_end) / (r->interval_s * MS_PER_S));

	if (k >= 0 && k < (double)r->nintervals)
		r->ok_per_interval[(size_t)k]++;
}

/* A span of milliseconds as the histograms' whole microseconds. */
static uint64_t
span_us(double from_ms, double to_ms)
{
	return to_ms > from_ms ? (uint64_t)((to_ms - from_ms) * US_PER_MS + 0.5) : 0;
}

bool
loadgen_sched_finish(struct loadgen_sched *s, double origin, double sent, double t, long status, enum failure failure,
    uint64_t bytes, bool reused)
{
	struct loadgen_result *r = s->r;

	if (!counted(s, origin, t)) {
		/* Answered in the same turn of the loop as the time ran out:
		 * still in flight when it was up, as the engines count it. */
		if (origin >= s->warm_end && t >= s->end)
			r->unfinished++;
		return false;
	}
	r->bytes_read += bytes;
	if (failure == PR_FAILURE_OK)
		failure = failure_of_status(status, s->expect_status);
	if (failure != PR_FAILURE_OK) {
		r->errors[failure]++;
		r->error_total++;
		return false;
	}
	r->ok++;
	count_interval(r, s->warm_end, t);
	r->reused += reused;
	if (s->interval_ms > 0 && sent - origin > LATE_MS)
		r->late++;
	hist_record(r->hist, span_us(origin, t));
	return true;
}

const char *const loadgen_phase_names[LOADGEN_NPHASES] = { "connect", "tls", "ttfb" };

double
loadgen_sched_connected(struct loadgen_sched *s, double began_ms)
{
	double t = util_mono_ms();

	s->r->connections_opened++;
	loadgen_sched_phase(s, LOADGEN_PHASE_CONNECT, began_ms, t);
	return t;
}

void
loadgen_sched_phase(struct loadgen_sched *s, enum loadgen_phase ph, double from_ms, double to_ms)
{
	if (from_ms >= s->warm_end && from_ms < s->end)
		hist_record(s->r->phases[ph], span_us(from_ms, to_ms));
}

/* ---- the epoll engine for http:// ---- */

enum conn_state { C_FREE, C_WAIT, C_CONNECTING, C_HANDSHAKE, C_WRITING, C_READING };
enum parse_state { P_HEAD, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER, P_DONE };

struct conn {
	struct transport_conn tx;		/* the stream; tx.fd -1 when closed */
	enum conn_state state;
	uint32_t events;		/* registered with epoll */
	char *buf;
	size_t pos, len, cap;		/* unparsed bytes are buf[pos, len) */
	size_t woff;			/* request bytes written */
	double origin_ms, sent_ms, wake_ms;
	double phase_ms;		/* when connect() or the handshake began */
	double wrote_ms, first_ms;	/* the request written, its first response byte */
	uint64_t served;		/* responses on this socket */
	uint64_t bytes;			/* read for the current request */
	bool reused;
	enum parse_state ps;
	long status;
	bool keep, until_close;
	uint64_t remaining;		/* body or chunk bytes still to come */
};

struct plain {
	struct loadgen_sched s;
	const struct transport *tp;	/* what the bytes travel over */
	void *tctx;			/* its state for the run */
	bool tls;			/* tp has a handshake to time */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *req;
	size_t req_len;
	bool head;
	int ep;
	struct conn *c;
	double now;
};

static void conn_fail(struct plain *p, struct conn *c, enum failure failure);
static void compact(struct conn *c);

static void
conn_events(struct plain *p, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)(c - p->c) };

	if (c->events == ev)
		return;
	epoll_ctl(p->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->tx.fd, &e);
	c->events = ev;
}

static void
conn_close(struct plain *p, struct conn *c)
{
	p->tp->close(&c->tx);	/* also leaves the epoll set */
	c->events = 0;
	c->pos = c->len = 0;
	c->served = 0;
}

static void
conn_release(struct plain *p, struct conn *c)
{
	c->state = C_FREE;
	p->s.free_slots[p->s.nfree++] = c - p->c;
}

/* Read the status line and the headers that frame the body; -1 if not HTTP. */
static int
parse_head(struct plain *p, struct conn *c, const char *s, size_t hlen)
{
	const char *line, *end = s + hlen - 2, *eol;
	bool chunked = false, has_len = false;
	uint64_t len = 0;

	if (hlen < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ')
		return -1;
	if (s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9')
		return -1;
	c->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	c->keep = s[7] == '1';
	line = memchr(s, '\n', hlen) + 1;
	for (; line < end; line = eol + 2) {
		const char *colon, *v;
		size_t vlen;

		eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			continue;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(eol - v);
		switch (colon - line) {
		case 14:
			if (strncasecmp(line, "content-length", 14) == 0) {
				char *stop;

				errno = 0;
				len = strtoull(v, &stop, 10);
				if (stop == v || errno)
					return -1;
				has_len = true;
			}
			break;
		case 17:
			if (strncasecmp(line, "transfer-encoding", 17) == 0)
				chunked = ws_has_token(v, vlen, "chunked");
			break;
		case 10:
			if (strncasecmp(line, "connection", 10) == 0) {
				if (ws_has_token(v, vlen, "close"))
					c->keep = false;
				else if (ws_has_token(v, vlen, "keep-alive"))
					c->keep = true;
			}
			break;
		}
	}
	c->until_close = false;
	if (p->head || c->status < 200 || c->status == 204 || c->status == 304) {
		c->ps = P_DONE;
	} else if (chunked) {
		c->ps = P_CHUNK_SIZE;
	} else if (has_len) {
		c->remaining = len;
		c->ps = len ? P_BODY : P_DONE;
	} else {
		c->until_close = true;
		c->keep = false;
		c->ps = P_BODY;
	}
	return 0;
}

/*
 * An informational response (100 Continue, 103 Early Hints) precedes the
 * final one on the same request (RFC 9110 15.2), so it is skipped.  101 is
 * the last HTTP/1.1 response on its connection and counts as final.
 */
static bool
is_interim(long status)
{
	return status >= 100 && status < 200 && status != HTTP_SWITCHING_PROTOCOLS;
}

/* Consume what has arrived: 1 when the response is complete, 0 when more
 * is needed, -1 when it is not HTTP/1.1 as we know it.  Interim 1xx
 * responses are read past. */
static int
parse(struct plain *p, struct conn *c)
{
	for (;;) {
		char *s = c->buf + c->pos, *e;
		size_t avail = c->len - c->pos, take;

		switch (c->ps) {
		case P_HEAD:
			e = memmem(s, avail, "\r\n\r\n", 4);
			if (!e)
				return avail >= MAX_HEADER_BYTES ? -1 : 0;
			if (parse_head(p, c, s, (size_t)(e - s) + 4) < 0)
				return -1;
			c->pos += (size_t)(e - s) + 4;
			if (is_interim(c->status))
				c->ps = P_HEAD;	/* the final response is still to come */
			else if (c->status == HTTP_SWITCHING_PROTOCOLS)
				c->keep = false;	/* no longer HTTP/1.1: never reuse */
			break;
		case P_BODY:
			if (c->until_close) {
				c->pos = c->len;
				return 0;
			}
			/* fall through */
		case P_CHUNK_DATA:
			take = avail < c->remaining ? avail : (size_t)c->remaining;
			c->pos += take;
			c->remaining -= take;
			if (c->remaining)
				return 0;
			c->ps = c->ps == P_BODY ? P_DONE : P_CHUNK_CRLF;
			break;
		case P_CHUNK_SIZE:
			e = memmem(s, avail, "\r\n", 2);
			if (!e)
				return avail > MAX_CHUNK_LINE_BYTES ? -1 : 0;
			{
				char *stop;

				errno = 0;
				c->remaining = strtoull(s, &stop, 16);
				if (stop == s || errno)
					return -1;
			}
			c->pos += (size_t)(e - s) + 2;
			c->ps = c->remaining ? P_CHUNK_DATA : P_TRAILER;
			break;
		case P_CHUNK_CRLF:
			if (avail < 2)
				return 0;
			if (s[0] != '\r' || s[1] != '\n')
				return -1;
			c->pos += 2;
			c->ps = P_CHUNK_SIZE;
			break;
		case P_TRAILER:
			e = memmem(s, avail, "\r\n", 2);
			if (!e)
				return avail > MAX_HEADER_BYTES ? -1 : 0;
			c->pos += (size_t)(e - s) + 2;
			if (e == s)
				c->ps = P_DONE;
			break;
		case P_DONE:
			return 1;
		}
	}
}

static void
conn_done(struct plain *p, struct conn *c)
{
	double t = util_mono_ms();

	if (loadgen_sched_finish(&p->s, c->origin_ms, c->sent_ms, t, c->status, PR_FAILURE_OK, c->bytes, c->reused))
		loadgen_sched_phase(&p->s, LOADGEN_PHASE_TTFB, c->wrote_ms, c->first_ms);
	c->served++;
	c->pos = c->len = 0;
	if (!c->keep)
		conn_close(p, c);
	conn_release(p, c);
}

/* End c's request with failure, classed as failure.h's table says. */
static void
conn_fail(struct plain *p, struct conn *c, enum failure failure)
{
	loadgen_sched_finish(&p->s, c->origin_ms, c->sent_ms, util_mono_ms(), 0, failure, c->bytes, c->reused);
	conn_close(p, c);
	if (failure == PR_FAILURE_CONNECT) {
		c->state = C_WAIT;
		c->wake_ms = p->now + CONNECT_RETRY_MS;
	} else {
		conn_release(p, c);
	}
}

static void
conn_write(struct plain *p, struct conn *c)
{
	while (c->woff < p->req_len) {
		size_t n = 0;

		switch (p->tp->write(&c->tx, p->req + c->woff, p->req_len - c->woff, &n)) {
		case PR_TX_OK:
			c->woff += n;
			break;
		case PR_TX_RETRY:
			c->state = C_WRITING;
			conn_events(p, c, EPOLLIN | c->tx.want);
			return;
		default:
			conn_fail(p, c, PR_FAILURE_RESET);
			return;
		}
	}
	c->wrote_ms = util_mono_ms();
	c->state = C_READING;
	conn_events(p, c, EPOLLIN);
}

/* Advance the transport's handshake; on to the request once it is done. */
static void
conn_handshake(struct plain *p, struct conn *c)
{
	switch (p->tp->handshake(p->tctx, &c->tx)) {
	case PR_TX_OK:
		if (p->tls)
			loadgen_sched_phase(&p->s, LOADGEN_PHASE_TLS, c->phase_ms, util_mono_ms());
		conn_write(p, c);
		break;
	case PR_TX_RETRY:
		c->state = C_HANDSHAKE;
		conn_events(p, c, c->tx.want);
		break;
	default:
		conn_fail(p, c, PR_FAILURE_TLS);
		break;
	}
}

/* The socket is connected: on to the handshake, timed from now. */
static void
conn_connected(struct plain *p, struct conn *c)
{
	c->phase_ms = loadgen_sched_connected(&p->s, c->phase_ms);
	conn_handshake(p, c);
}

static void
conn_connect(struct plain *p, struct conn *c)
{
	int one = 1;

	c->tx.fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->tx.fd < 0) {
		conn_fail(p, c, PR_FAILURE_CONNECT);
		return;
	}
	setsockopt(c->tx.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->phase_ms = util_mono_ms();
	if (connect(c->tx.fd, (struct sockaddr *)&p->addr, p->addrlen) == 0) {
		conn_connected(p, c);
		return;
	}
	if (errno != EINPROGRESS) {
		conn_fail(p, c, PR_FAILURE_CONNECT);
		return;
	}
	c->state = C_CONNECTING;
	conn_events(p, c, EPOLLOUT);
}

static void
conn_begin(struct plain *p, struct conn *c, double origin)
{
	c->origin_ms = origin;
	c->sent_ms = p->now;
	c->bytes = 0;
	c->woff = 0;
	c->ps = P_HEAD;
	c->status = 0;
	c->reused = c->tx.fd >= 0 && c->served > 0;
	if (c->tx.fd < 0)
		conn_connect(p, c);
	else
		conn_write(p, c);
}

/*
 * Read what has arrived and parse it.  A TLS transport may hold decrypted
 * bytes epoll does not announce, so reading goes on while it has some.
 */
static void
conn_read(struct plain *p, struct conn *c)
{
	int rc;

	do {
		size_t n = 0;

		if (c->cap - c->len == 0) {
			if (c->cap >= MAX_HEADER_BYTES) {
				conn_fail(p, c, PR_FAILURE_OTHER);
				return;
			}
			c->cap *= 2;
			c->buf = xrealloc(c->buf, c->cap);
		}
		switch (p->tp->read(&c->tx, c->buf + c->len, c->cap - c->len, &n)) {
		case PR_TX_OK:
			break;
		case PR_TX_RETRY:
			conn_events(p, c, c->tx.want);
			return;
		case PR_TX_CLOSED:
			if (c->ps == P_BODY && c->until_close)
				conn_done(p, c);
			else
				conn_fail(p, c, PR_FAILURE_RESET);
			return;
		default:
			conn_fail(p, c, PR_FAILURE_RESET);
			return;
		}
		if (c->bytes == 0)
			c->first_ms = util_mono_ms();
		c->bytes += (uint64_t)n;
		c->len += n;
		rc = parse(p, c);
		if (rc < 0) {
			conn_fail(p, c, PR_FAILURE_OTHER);
			return;
		}
		if (rc > 0) {
			conn_done(p, c);
			return;
		}
		compact(c);
	} while (p->tp->pending(&c->tx) > 0);
	/* A response that comes in pieces: acknowledge at once, or a server
	 * under Nagle waits out our delayed ACK (40 ms). */
	{
		int one = 1;

		setsockopt(c->tx.fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	}
	if (c->events != EPOLLIN)
		conn_events(p, c, EPOLLIN);
}

/* Move the unparsed bytes to the front of the buffer. */
static void
compact(struct conn *c)
{
	if (c->pos == c->len) {
		c->pos = c->len = 0;
	} else if (c->pos > 0) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
}

/*
 * Something happened on an idle connection: the server closed it (open anew
 * next time), unless it is a transport's own record (a TLS 1.3 session
 * ticket) that leaves nothing to read.
 */
static void
conn_idle_event(struct plain *p, struct conn *c)
{
	char byte;
	size_t n;

	if (p->tp->read(&c->tx, &byte, 1, &n) == PR_TX_RETRY)
		conn_events(p, c, c->tx.want);
	else
		conn_close(p, c);
}

static void
conn_event(struct plain *p, struct conn *c, uint32_t ev)
{
	int err = 0;
	socklen_t len = sizeof err;

	switch (c->state) {
	case C_CONNECTING:
		if (getsockopt(c->tx.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_fail(p, c, PR_FAILURE_CONNECT);
			return;
		}
		conn_connected(p, c);
		break;
	case C_HANDSHAKE:
		conn_handshake(p, c);
		break;
	case C_WRITING:
		conn_write(p, c);
		break;
	case C_READING:
		conn_read(p, c);
		break;
	case C_FREE:
		(void)ev;
		conn_idle_event(p, c);
		break;
	case C_WAIT:
		break;
	}
}

/* Fail requests that ran out of time; free connections whose pause ended. */
static void
scan(struct plain *p, long n)
{
	double limit_ms = p->s.o->timeout_s * MS_PER_S;

	for (long i = 0; i < n; i++) {
		struct conn *c = &p->c[i];

		if (c->state == C_WAIT && p->now >= c->wake_ms)
			conn_release(p, c);
		else if (c->state >= C_CONNECTING && p->now - c->sent_ms > limit_ms)
			conn_fail(p, c, PR_FAILURE_TIMEOUT);
	}
}

static void
dispatch(struct plain *p)
{
	double origin;
	long budget = 2 * p->s.o->connections;	/* no spinning on instant failures */

	while (budget-- > 0 && loadgen_sched_next(&p->s, p->now, &origin))
		conn_begin(p, &p->c[p->s.free_slots[--p->s.nfree]], origin);
}

int
loadgen_wait_events(int ep, struct epoll_event *evs, double wait_ms)
{
	static _Thread_local bool no_pwait2;
	struct timespec ts;
	int n;

	if (!no_pwait2) {
		ts.tv_sec = (time_t)(wait_ms / MS_PER_S);
		ts.tv_nsec = (long)((wait_ms - (double)ts.tv_sec * MS_PER_S) * 1e6);
		n = epoll_pwait2(ep, evs, MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		no_pwait2 = true;
	}
	return epoll_wait(ep, evs, MAX_EVENTS, (int)ceil(wait_ms));
}

/* The request bytes, built once. */
static char *
build_request(const struct loadgen_target *t, const char *host, const char *port, bool default_port,
    const char *path, size_t *len)
{
	struct buf b = { 0 };
	bool has_host = false, has_ua = false;
	const char *method = t->method ? t->method : "GET";

	buf_printf(&b, "%s %s HTTP/1.1\r\n", method, path);
	for (const char *const *h = t->headers; h && *h; h++) {
		has_host |= strncasecmp(*h, "host:", 5) == 0;
		has_ua |= strncasecmp(*h, "user-agent:", 11) == 0;
		buf_printf(&b, "%s\r\n", *h);
	}
	if (!has_host)
		buf_printf(&b, "Host: %s%s%s\r\n", host, default_port ? "" : ":", default_port ? "" : port);
	if (!has_ua)
		buf_adds(&b, "User-Agent: pr-bench/" PR_VERSION "\r\n");
	if (t->body)
		buf_printf(&b, "Content-Length: %zu\r\n", strlen(t->body));
	buf_adds(&b, "\r\n");
	if (t->body)
		buf_adds(&b, t->body);
	*len = b.len;
	return buf_detach(&b);
}

/*
 * The first of the resolved addresses that accepts a connection within
 * timeout_s (capped at PROBE_MAX_MS), so that "localhost" works whether the
 * server listens on ::1 or 127.0.0.1; the first address when none does (the
 * run then counts connect errors).
 */
static void
pick_address(const struct addrinfo *ai, double timeout_s, struct sockaddr_storage *addr, socklen_t *len)
{
	double wait_ms = timeout_s * MS_PER_S < PROBE_MAX_MS ? timeout_s * MS_PER_S : PROBE_MAX_MS;

	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	if (!ai->ai_next)
		return;
	for (const struct addrinfo *a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err = 0;
		socklen_t elen = sizeof err;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		bool ok;

		if (fd < 0)
			continue;
		ok = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && poll(&pfd, 1, (int)wait_ms) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0);
		close(fd);
		if (ok) {
			memcpy(addr, a->ai_addr, a->ai_addrlen);
			*len = a->ai_addrlen;
			return;
		}
	}
}

int
loadgen_resolve_target(const char *host, const char *port, double timeout_s, struct sockaddr_storage *addr,
    socklen_t *len, struct loadgen_result *r)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char name[256];
	int gai;

	/* "[::1]" from the URL is "::1" to the resolver. */
	snprintf(name, sizeof name, "%s", host);
	if (name[0] == '[') {
		memmove(name, name + 1, strlen(name));
		name[strcspn(name, "]")] = '\0';
	}
	if ((gai = getaddrinfo(name, port, &hints, &ai)) != 0) {
		snprintf(r->error, sizeof r->error, "cannot resolve %.128s: %.80s (check the URL)",
		    name, gai_strerror(gai));
		r->errors[PR_FAILURE_DNS]++;
		r->error_total++;
		return PR_EXTERNAL;
	}
	pick_address(ai, timeout_s, addr, len);
	freeaddrinfo(ai);
	return 0;
}

static int
run_plain(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh)
{
	const struct transport *tp = a->tp;
	struct transport_config tc = { .host = a->host, .insecure = o->insecure, .alpn = "\x08http/1.1" };
	struct plain p = { 0 };
	struct epoll_event evs[MAX_EVENTS];
	double next_scan;
	int rc = 0;
	long n = o->connections;

	p.addr = a->addr;
	p.addrlen = a->addrlen;
	p.tp = tp;
	p.tls = tp == &transport_tls;
	if (tp->init(&p.tctx, &tc, r->error, sizeof r->error) < 0)
		return PR_EXTERNAL;
	p.ep = epoll_create1(EPOLL_CLOEXEC);
	if (p.ep < 0) {
		snprintf(r->error, sizeof r->error, "epoll_create1: %s", strerror(errno));
		tp->free(p.tctx);
		return PR_EXTERNAL;
	}
	p.head = t->method && strcasecmp(t->method, "HEAD") == 0;
	p.req = build_request(t, a->host, a->port, a->default_port, a->path, &p.req_len);
	p.c = xcalloc((size_t)n, sizeof *p.c);
	for (long i = 0; i < n; i++) {
		p.c[i].tx.fd = -1;
		p.c[i].cap = CONN_BUF_BYTES;
		p.c[i].buf = xmalloc(CONN_BUF_BYTES);
	}
	r->engine = "epoll";
	snprintf(r->http_version, sizeof r->http_version, "1.1");
	loadgen_sched_init(&p.s, o, r, t->expect_status, n, sh);
	p.now = util_mono_ms();
	next_scan = p.now + SCAN_MS;
	dispatch(&p);
	while ((p.now = util_mono_ms()) < p.s.end) {
		int k = loadgen_wait_events(p.ep, evs, loadgen_sched_wait_ms(&p.s, p.now, next_scan));

		if (k < 0 && errno != EINTR) {
			snprintf(r->error, sizeof r->error, "epoll_wait: %s", strerror(errno));
			rc = PR_EXTERNAL;
			break;
		}
		p.now = util_mono_ms();
		for (int i = 0; i < k; i++)
			conn_event(&p, &p.c[evs[i].data.u64], evs[i].events);
		p.now = util_mono_ms();
		if (p.now >= next_scan) {
			scan(&p, n);
			next_scan = p.now + SCAN_MS;
		}
		dispatch(&p);
	}
	r->elapsed_s = o->duration_s;
	r->unfinished += loadgen_sched_unsent(&p.s);	/* after those answered as the time ran out */
	for (long i = 0; i < n; i++) {
		if (p.c[i].state >= C_CONNECTING && p.c[i].origin_ms >= p.s.warm_end)
			r->unfinished++;
		conn_close(&p, &p.c[i]);
		free(p.c[i].buf);
	}
	free(p.c);
	free(p.req);
	free(p.s.free_slots);
	close(p.ep);
	tp->free(p.tctx);
	return rc;
}

/* ---- the libcurl multi engine: proxies and credentials ---- */

struct slot {
	CURL *easy;
	double origin_ms, sent_ms;
	uint64_t bytes;
	bool retried;			/* sent a second time (see curl_retry) */
};

static size_t
count_bytes(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	((struct slot *)arg)->bytes += size * nmemb;
	return size * nmemb;
}

static CURL *
slot_easy(const struct loadgen_target *t, const struct loadgen_opts *o, struct curl_slist *headers, struct slot *s)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	http_curl_request(e, t->url, t->method, t->body, t->body ? strlen(t->body) : 0, o->insecure,
	    "pr-bench/" PR_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    o->http1_1 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * MS_PER_S));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, count_bytes);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, count_bytes);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
	if (headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	s->easy = e;
	return e;
}

/* The phases of a transfer sent at sent_ms, from libcurl's timers (us since it began). */
static void
curl_phases(struct loadgen_sched *sc, CURL *e, double sent_ms, bool connected)
{
	curl_off_t dns = 0, tcp = 0, tls = 0, pre = 0, start = 0;

	curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &dns);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &tcp);
	curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &tls);
	curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
	if (connected && tcp >= dns)
		loadgen_sched_phase(sc, LOADGEN_PHASE_CONNECT, sent_ms + (double)dns / US_PER_MS,
		    sent_ms + (double)tcp / US_PER_MS);
	if (connected && tls > 0 && tls >= tcp)
		loadgen_sched_phase(sc, LOADGEN_PHASE_TLS, sent_ms + (double)tcp / US_PER_MS,
		    sent_ms + (double)tls / US_PER_MS);
	if (start >= pre)
		loadgen_sched_phase(sc, LOADGEN_PHASE_TTFB, sent_ms + (double)pre / US_PER_MS,
		    sent_ms + (double)start / US_PER_MS);
}

static void
curl_done(struct loadgen_sched *sc, CURLMsg *m, struct slot *slots)
{
	struct slot *s;
	long status = 0, version = 0, connects = 0;
	double t = util_mono_ms();
	enum failure failure = PR_FAILURE_OK;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
	if (m->data.result == CURLE_OK) {
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(m->easy_handle, CURLINFO_HTTP_VERSION, &version);
		snprintf(sc->r->http_version, sizeof sc->r->http_version, "%s",
		    version == CURL_HTTP_VERSION_2_0 ? "2" : version == CURL_HTTP_VERSION_1_0 ? "1.0" : "1.1");
	} else {
		failure = failure_of_transfer(m->easy_handle, m->data.result);
	}
	curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
	sc->r->connections_opened += (uint64_t)connects;
	if (loadgen_sched_finish(sc, s->origin_ms, s->sent_ms, t, status, failure, s->bytes, connects == 0))
		curl_phases(sc, m->easy_handle, s->sent_ms, connects > 0);
	sc->free_slots[sc->nfree++] = s - slots;
}

/* Methods a client may send again after a connection failure (RFC 9110 9.2.2). */
bool
loadgen_idempotent(const struct loadgen_target *t)
{
	static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" };

	if (!t->method)
		return t->body == NULL;	/* a body without a method is a POST */
	for (size_t i = 0; i < sizeof safe / sizeof *safe; i++)
		if (strcasecmp(t->method, safe[i]) == 0)
			return true;
	return false;
}

/*
 * Whether the failed request in m is to go out once more instead of counting
 * as an error: it failed before a byte came back, on a connection it reused,
 * in the way a server's graceful close races a new request (an HTTP/2 GOAWAY
 * after its max requests per connection, nginx's default 1000, or a
 * keep-alive close), so the server never processed it; browsers send such
 * requests again too.  Once only, idempotent methods only; the latency still
 * runs from the request's origin, so the retry's cost is not hidden.
 */
static bool
curl_retry(const CURLMsg *m, const struct slot *s, bool may_retry)
{
	long connects = 0;

	/* A reset with no byte received (so not CURLE_PARTIAL_FILE). */
	if (!may_retry || s->retried || s->bytes > 0 || failure_from_curl(m->data.result) != PR_FAILURE_RESET)
		return false;
	curl_easy_getinfo(m->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0;
}

static int
run_curl(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r)
{
	struct loadgen_sched sc;
	struct curl_slist *headers = NULL;
	struct slot *slots;
	CURLM *multi = curl_multi_init();
	double next_scan, now, origin;
	int running, rc = 0;
	long n = o->connections;
	bool may_retry = loadgen_idempotent(t);

	if (!multi) {
		snprintf(r->error, sizeof r->error, "libcurl multi interface failed to start");
		return PR_EXTERNAL;
	}
	for (const char *const *h = t->headers; h && *h; h++)
		headers = curl_slist_append(headers, *h);
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, n);
	slots = xcalloc((size_t)n, sizeof *slots);
	for (long i = 0; i < n; i++) {
		if (!slot_easy(t, o, headers, &slots[i])) {
			snprintf(r->error, sizeof r->error, "libcurl could not make a handle");
			rc = PR_EXTERNAL;
			goto out;
		}
	}
	r->engine = "curl";
	snprintf(r->http_version, sizeof r->http_version, "1.1");
	loadgen_sched_init(&sc, o, r, t->expect_status, n, NULL);
	next_scan = sc.t0;
	while ((now = util_mono_ms()) < sc.end) {
		CURLMsg *m;
		int left;

		while (loadgen_sched_next(&sc, now, &origin)) {
			struct slot *s = &slots[sc.free_slots[--sc.nfree]];

			s->origin_ms = origin;
			s->sent_ms = now;
			s->bytes = 0;
			s->retried = false;
			curl_multi_add_handle(multi, s->easy);
		}
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left))) {
			CURL *e = m->easy_handle;
			struct slot *s;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
			curl_multi_remove_handle(multi, e);
			if (curl_retry(m, s, may_retry)) {
				s->retried = true;
				curl_multi_add_handle(multi, e);
				continue;
			}
			curl_done(&sc, m, slots);
		}
		now = util_mono_ms();
		if (next_scan <= now)
			next_scan = now + SCAN_MS;
		curl_multi_poll(multi, NULL, 0, (int)ceil(loadgen_sched_wait_ms(&sc, now, next_scan)), NULL);
	}
	r->elapsed_s = o->duration_s;
	r->unfinished += loadgen_sched_unsent(&sc) + (uint64_t)(n - sc.nfree);
	free(sc.free_slots);
out:
	for (long i = 0; i < n; i++) {
		if (slots[i].easy) {
			curl_multi_remove_handle(multi, slots[i].easy);
			curl_easy_cleanup(slots[i].easy);
		}
	}
	free(slots);
	curl_slist_free_all(headers);
	curl_multi_cleanup(multi);
	return rc;
}

/* ---- threads: each runs the engine on its share, the results merged ---- */

struct worker {
	pthread_t tid;
	const struct loadgen_target *t;
	const struct loadgen_engine_args *a;
	struct loadgen_opts o;		/* the run's, with this thread's connections */
	struct loadgen_result r;
	struct loadgen_shard sh;
	int rc;
};

static void
result_init(struct loadgen_result *r, const struct loadgen_opts *o)
{
	memset(r, 0, sizeof *r);
	r->hist = hist_new();
	r->handshake = hist_new();
	for (int ph = 0; ph < LOADGEN_NPHASES; ph++)
		r->phases[ph] = hist_new();
	r->engine = "epoll";
	r->interval_s = o->interval_s > 0 ? o->interval_s : PR_LOAD_INTERVAL_S;
}

static int
run_engine(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a, const struct loadgen_shard *sh)
{
	if (t->ws)
		return loadgen_run_ws(t, o, r, a, sh);
	return o->http2 ? loadgen_run_h2(t, o, r, a, sh) : run_plain(t, o, r, a, sh);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	w->rc = run_engine(w->t, &w->o, &w->r, w->a, &w->sh);
	loadgen_start_wait(&w->sh);	/* an engine that failed to set up */
	return NULL;
}

/* Add w's counts into r: histograms merge exactly, counters add. */
static void
merge_result(struct loadgen_result *r, const struct loadgen_result *w)
{
	hist_merge(r->hist, w->hist);
	for (int ph = 0; ph < LOADGEN_NPHASES; ph++)
		hist_merge(r->phases[ph], w->phases[ph]);
	r->ok += w->ok;
	for (int c = 0; c < PR_FAILURE_NCLASSES; c++)
		r->errors[c] += w->errors[c];
	r->error_total += w->error_total;
	r->bytes_read += w->bytes_read;
	r->connections_opened += w->connections_opened;
	r->reused += w->reused;
	r->late += w->late;
	r->unfinished += w->unfinished;
	hist_merge(r->handshake, w->handshake);
	r->connections_held += w->connections_held;
	r->pings += w->pings;
	for (size_t c = 0; c < WSCLIENT_NCODES; c++)
		r->close_codes[c] += w->close_codes[c];
	if (!r->ok_per_interval) {
		r->nintervals = w->nintervals;
		r->ok_per_interval = xcalloc(w->nintervals ? w->nintervals : 1, sizeof *r->ok_per_interval);
	}
	for (size_t i = 0; i < r->nintervals && i < w->nintervals; i++)
		r->ok_per_interval[i] += w->ok_per_interval[i];
	r->elapsed_s = w->elapsed_s;
	r->engine = w->engine;
	if (!*r->http_version)
		memcpy(r->http_version, w->http_version, sizeof r->http_version);
	if (!*r->error)
		memcpy(r->error, w->error, sizeof r->error);
}

/* Once every thread is ready (or gone), start them all at one t0. */
static void
threads_go(struct loadgen_start *st)
{
	pthread_mutex_lock(&st->mu);
	while (st->pending > 0)
		pthread_cond_wait(&st->cv, &st->mu);
	st->t0_ms = util_mono_ms() + THREAD_START_MS;
	st->go = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

/*
 * Run the engine on r->threads threads (o->threads, or one per core, at
 * most one per connection), each with its share of the connections and of
 * the open loop's requests, all starting at the same moment.
 */
static int
run_threads(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r,
    const struct loadgen_engine_args *a)
{
	long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
	struct loadgen_start st = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct worker *w;
	int rc = 0;

	if (n < 1)
		n = 1;
	if (n > o->connections)
		n = o->connections;
	r->threads = n;
	if (n == 1)
		return run_engine(t, o, r, a, NULL);
	w = xcalloc((size_t)n, sizeof *w);
	st.pending = n;
	st.waited = xcalloc((size_t)n, sizeof *st.waited);
	for (long i = 0; i < n; i++) {
		int err;

		w[i].t = t;
		w[i].a = a;
		w[i].o = *o;
		w[i].o.connections = o->connections / n + (i < o->connections % n);
		w[i].sh = (struct loadgen_shard){ .index = i, .count = n, .start = &st };
		result_init(&w[i].r, o);
		if ((err = pthread_create(&w[i].tid, NULL, worker_main, &w[i])) != 0) {
			w[i].rc = -1;	/* the others still run; this share is not sent */
			snprintf(r->error, sizeof r->error, "cannot start thread %ld: %s", i + 1, strerror(err));
			rc = PR_EXTERNAL;
			pthread_mutex_lock(&st.mu);	/* ...and is not waited for */
			st.waited[i] = true;
			st.pending--;
			pthread_mutex_unlock(&st.mu);
		}
	}
	threads_go(&st);
	for (long i = 0; i < n; i++) {
		if (w[i].rc == -1)
			continue;
		pthread_join(w[i].tid, NULL);
		merge_result(r, &w[i].r);
		if (w[i].rc && !rc)
			rc = w[i].rc;
	}
	for (long i = 0; i < n; i++)
		loadgen_result_free(&w[i].r);
	free(w);
	free(st.waited);
	return rc;
}

/* ---- the entry points ---- */

/* The value of environment variable lower (or of upper, its twin that
 * libcurl also reads) when set and not empty, or NULL. */
static const char *
env_either(const char *lower, const char *upper)
{
	const char *v = getenv(lower);

	if ((!v || !*v) && upper)
		v = getenv(upper);
	return v && *v ? v : NULL;
}

/* Whether host is one of no_proxy's comma-separated names ("*", a name, or
 * a domain it is under), as libcurl matches them. */
static bool
no_proxy_matches(const char *list, const char *host)
{
	size_t hlen = strlen(host);

	while (*list) {
		size_t n = strcspn(list, ", ");
		const char *name = list;

		if (n > 0 && *name == '.') {
			name++;
			n--;
		}
		if ((n == 1 && *name == '*') ||
		    (n > 0 && n <= hlen && strncasecmp(host + hlen - n, name, n) == 0 &&
		    (n == hlen || host[hlen - n - 1] == '.')))
			return true;
		list += strcspn(list, ",");
		list += strspn(list, ", ");
	}
	return false;
}

/*
 * Whether libcurl would send scheme://host through a proxy from the
 * environment (http_proxy, HTTPS_PROXY, ALL_PROXY, less NO_PROXY): the
 * epoll engine does not speak to proxies, so such a URL runs on libcurl.
 */
static bool
uses_proxy(const char *scheme, const char *host)
{
	const char *proxy = strcmp(scheme, "https") == 0 ? env_either("https_proxy", "HTTPS_PROXY")
	    : env_either("http_proxy", NULL);	/* libcurl reads no HTTP_PROXY (CGI) */
	const char *no = env_either("no_proxy", "NO_PROXY");
	char name[256];

	if (!proxy)
		proxy = env_either("all_proxy", "ALL_PROXY");
	if (!proxy)
		return false;
	snprintf(name, sizeof name, "%s", host[0] == '[' ? host + 1 : host);
	name[strcspn(name, "]")] = '\0';
	return !no || !no_proxy_matches(no, name);
}

int
loadgen_run(const struct loadgen_target *t, const struct loadgen_opts *o, struct loadgen_result *r)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *user = NULL;
	struct buf target = { 0 }, http_url = { 0 };
	int rc;

	result_init(r, o);
	r->threads = 1;
	/* ws:// and wss:// are parsed as the http:// and https:// they upgrade from. */
	if (t->ws)
		buf_printf(&http_url, "http%s", t->url + strlen("ws"));
	if (!u || curl_url_set(u, CURLUPART_URL, t->ws ? http_url.data : t->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		snprintf(r->error, sizeof r->error, "not a URL pr-bench can load (give http://HOST[:PORT]/PATH)");
		rc = PR_USAGE;
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	if (!t->ws && (user || uses_proxy(scheme, host))) {
		rc = run_curl(t, o, r);
	} else if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) {
		bool tls = strcmp(scheme, "https") == 0;
		const struct transport *tp = tls ? &transport_tls : &transport_tcp;
		char *explicit_port = NULL;
		bool default_port = curl_url_get(u, CURLUPART_PORT, &explicit_port, 0) != CURLUE_OK ||
		    strcmp(explicit_port, tls ? "443" : "80") == 0;

		curl_free(explicit_port);
		buf_adds(&target, path);
		if (query)
			buf_printf(&target, "?%s", query);
		{
			struct buf authority = { 0 };
			struct loadgen_engine_args a = { .tp = tp, .host = host, .port = port, .path = target.data,
				.default_port = default_port };

			buf_printf(&authority, "%s%s%s", host, default_port ? "" : ":", default_port ? "" : port);
			a.authority = authority.data;
			rc = loadgen_resolve_target(host, port, o->timeout_s, &a.addr, &a.addrlen, r);
			if (rc == 0)
				rc = run_threads(t, o, r, &a);
			buf_free(&authority);
		}
	} else {
		snprintf(r->error, sizeof r->error, "scheme %.32s is not supported under load (use http or https)",
		    scheme);
		rc = PR_USAGE;
		goto out;
	}
	if (rc == 0 && r->elapsed_s > 0)
		r->throughput_rps = (double)r->ok / r->elapsed_s;
out:
	buf_free(&target);
	buf_free(&http_url);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

void
loadgen_result_free(struct loadgen_result *r)
{
	free(r->hist);
	r->hist = NULL;
	free(r->handshake);
	r->handshake = NULL;
	for (int ph = 0; ph < LOADGEN_NPHASES; ph++) {
		free(r->phases[ph]);
		r->phases[ph] = NULL;
	}
	free(r->ok_per_interval);
	r->ok_per_interval = NULL;
	r->nintervals = 0;
}

int
loadgen_raise_nofile(long connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)connections + FDS_RESERVED;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rlim_t soft = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;

		rl.rlim_cur = soft;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
		return pr_error(PR_USAGE, "-C %ld needs %llu open files but the limit is %llu "
		    "(raise it with ulimit -n %llu, or use fewer connections)", connections,
		    (unsigned long long)want, (unsigned long long)rl.rlim_cur, (unsigned long long)want);
	return 0;
}
