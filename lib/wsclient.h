/*
 * wsclient.h: one WebSocket or Socket.IO client session, and what it sends
 * and waits for, shared by pr-bench's sample mode, its load engine
 * (loadgen_ws.c) and pr-qa's WebSocket checks.
 *
 * A session is sans-I/O: the caller moves bytes.  wsclient_start puts the
 * Upgrade request in s->out; the caller writes s->out (wsclient_wrote says
 * how much went) and hands what it reads to wsclient_feed, then calls
 * wsclient_step until it returns WSCLIENT_NONE.  The session answers the
 * server's pings itself (WebSocket pings with pongs, Engine.IO "2" with
 * "3"), so a connection held for a long run stays up, and answers a close
 * with a close.  For Socket.IO it waits for Engine.IO's open packet and
 * connects to the namespace before saying WSCLIENT_READY.  wsclient_send
 * then puts the spec's message out and arms the wait for its reply;
 * WSCLIENT_REPLY says the reply came (its text in s->reply).
 *
 * Failures are failure.h's classes, so that documents name them as HTTP
 * failures are named: a handshake answered with another status than 101,
 * or a Socket.IO CONNECT_ERROR, is "status" (s->status holds it); a close
 * by the server (a close frame, Engine.IO close, Socket.IO DISCONNECT) is
 * "reset", with the close code in s->close_code; a breach of the protocol
 * (RFC 6455, a bad upgrade, an Engine.IO packet that is not one) is
 * "other", with the close code sent.  Timeouts, connect, dns and tls are
 * the caller's, who owns the clock and the socket.
 */
#ifndef PR_WSCLIENT_H
#define PR_WSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "failure.h"
#include "socketio.h"
#include "transport.h"
#include "ws.h"

enum wsclient_protocol { WSCLIENT_WEBSOCKET, WSCLIENT_SOCKETIO };

/* What counts as the reply to a message. */
enum wsclient_reply {
	WSCLIENT_ECHO,		/* a message equal to the one sent (WebSocket default) */
	WSCLIENT_ACK,		/* Socket.IO: the ack of the emit (Socket.IO default) */
	WSCLIENT_EVENT,		/* Socket.IO: an event named reply_arg */
	WSCLIENT_CONTAINS,	/* a message (an event's or ack's data) holding reply_arg */
	WSCLIENT_JSON,		/* a message whose JSON has path reply_arg (= reply_value) */
	WSCLIENT_NEXT		/* the next message, whatever it is (pr-qa judges it) */
};

/* What a metric or check sends and waits for.  Owns its strings. */
struct wsclient_spec {
	enum wsclient_protocol protocol;
	char *message;		/* WebSocket: the text sent; Socket.IO: the
				 * event's argument as JSON, or NULL for none */
	char *event;		/* Socket.IO: the event emitted */
	char *nsp;		/* Socket.IO: the namespace ("/chat"), NULL for "/" */
	enum wsclient_reply reply;
	char *reply_arg;	/* event name, text or JSON path */
	char *reply_value;	/* WSCLIENT_JSON: the text the value must equal
				 * (jsonpath_text), or NULL: the path must exist */
};

/* A ping is not answered while this much is still unwritten: a server
 * that floods pings and does not read would grow s->out without end (RFC
 * 6455 5.5.3 lets a client answer only the latest ping). */
#define WSCLIENT_MAX_BACKLOG_BYTES (64u << 10)

#define WSCLIENT_DEFAULT_EVENT "message"
#define WSCLIENT_DEFAULT_MESSAGE "ping"

/*
 * Fill spec's defaults: the reply (ECHO, or ACK for Socket.IO), the event
 * ("message"), the message ("ping" for WebSocket).  Returns NULL, or what is
 * wrong, as a phrase naming the field ("the message is not JSON: Socket.IO
 * sends it as the event's argument"): a Socket.IO message that is not JSON,
 * an ACK or EVENT reply without Socket.IO, a namespace not starting with /,
 * a malformed JSON path.
 */
const char *wsclient_spec_check(struct wsclient_spec *spec);

/* "websocket" or "socketio" into *p; -1 for anything else. */
int wsclient_protocol_parse(const char *s, enum wsclient_protocol *p);
const char *wsclient_protocol_name(enum wsclient_protocol p);

/*
 * A reply as --reply gives it: echo, ack, next, event:NAME, contains:TEXT,
 * json:PATH or json:PATH=VALUE.  Fills spec->reply, reply_arg and
 * reply_value; -1 for anything else.
 */
int wsclient_reply_parse(const char *s, struct wsclient_spec *spec);

/*
 * The spec's fields of a JSON object (a bench metric or a qa check):
 * "protocol", "message" (a string, or JSON sent as its text), "event",
 * "namespace", "reply" (a --reply string, or {"event": NAME}, {"contains":
 * TEXT}, {"json": PATH, "equals": VALUE}).  Reported as "<ctx>.<field>: ..."
 * and PR_INPUT; 0 when fine.  *given says whether any of the fields was there.
 */
int wsclient_spec_from_json(const cJSON *obj, const char *ctx, struct wsclient_spec *spec, bool *given);

/* The field names wsclient_spec_from_json reads, NULL-terminated. */
extern const char *const wsclient_spec_fields[];

void wsclient_spec_copy(struct wsclient_spec *dst, const struct wsclient_spec *src);
void wsclient_spec_free(struct wsclient_spec *spec);

/* Whether url is ws:// or wss:// (case-insensitively). */
bool wsclient_url_is_ws(const char *url);

enum wsclient_state { WSCLIENT_S_UPGRADE, WSCLIENT_S_EIO_OPEN, WSCLIENT_S_SIO_CONNECT, WSCLIENT_S_READY,
	WSCLIENT_S_CLOSED };

enum wsclient_event {
	WSCLIENT_NONE,		/* nothing more until more bytes come */
	WSCLIENT_UPGRADED,	/* the 101 came: the WebSocket is open */
	WSCLIENT_READY,		/* messages may be sent (Socket.IO: connected) */
	WSCLIENT_REPLY,		/* the reply to the message sent: s->reply */
	WSCLIENT_FAILED		/* s->failure says why; write s->out, then close */
};

struct wsclient {
	const struct wsclient_spec *spec;
	enum wsclient_state state;
	char key[WS_KEY_LEN + 1];
	struct ws_decoder dec;
	struct buf in;			/* bytes read, not yet decoded: in.data[in_off, in.len) */
	size_t in_off;
	struct buf out;			/* bytes to write: out.data[out_off, out.len) */
	size_t out_off;
	struct buf reply;		/* the last reply's text */
	long next_ack;			/* Socket.IO: the next ack id */
	long want_ack;			/* the ack awaited, -1 when none */
	bool waiting;			/* a message is out, its reply not in */
	long status;			/* the handshake's HTTP status, 0 before */
	unsigned close_code;		/* the server's (or the one we sent on error) */
	enum failure failure;
	char error[160];		/* what failed, for a message */
	struct socketio_open open;	/* Socket.IO: the server's open packet */
	unsigned long pings;		/* pings answered: WebSocket and Engine.IO */
};

/* Begin a session: the Upgrade request for host ("host[:port]") and path
 * (with query; Socket.IO's transport query is added) goes into s->out. */
void wsclient_start(struct wsclient *s, const struct wsclient_spec *spec, const char *host, const char *path,
    const char *query, const char *const *headers);

/* Bytes read from the server. */
void wsclient_feed(struct wsclient *s, const void *data, size_t len);

/* Decode what was fed, up to the next event. */
enum wsclient_event wsclient_step(struct wsclient *s);

/* Put the spec's message out and wait for its reply (state READY). */
void wsclient_send(struct wsclient *s);

/* n bytes of s->out were written. */
void wsclient_wrote(struct wsclient *s, size_t n);

/* Put a normal close (1000) out; the session is closed. */
void wsclient_close(struct wsclient *s);

/* Free what s owns (not the spec). */
void wsclient_free(struct wsclient *s);

/* ---- one connection at a time, blocking (wsclient_conn.c) ---- */

/* A ws:// or wss:// URL's parts (new strings; free with wsclient_url_free). */
struct wsclient_url {
	char *host;		/* as in the URL ("[::1]") */
	char *port;		/* the default (80, 443) when the URL has none */
	char *path, *query;	/* query NULL when none */
	char *authority;	/* for the Host header: host[:port], the port unless default */
	bool tls;		/* wss:// */
};

/* 0, or -1 with why (a phrase) when url is not ws[s]://HOST[:PORT][/PATH][?QUERY]:
 * credentials (user:password@, which would go unsent) and a #fragment are refused. */
int wsclient_url_parse(const char *url, struct wsclient_url *u, char *why, size_t whylen);
void wsclient_url_free(struct wsclient_url *u);

/* How long each step of opening a connection took, in ms. */
struct wsclient_timing {
	double dns_ms, connect_ms, tls_ms;
	double upgrade_ms;	/* the Upgrade request written .. the 101 read */
	double session_ms;	/* Socket.IO: the 101 .. connected to the namespace; 0 for WebSocket */
	double handshake_ms;	/* all of it: the start .. ready for messages */
};

struct wsclient_conn {
	const struct transport *tp;
	void *tctx;			/* the transport's run state, made once */
	struct transport_conn tx;	/* tx.fd -1 when closed */
	struct wsclient s;
	bool ready;			/* open, messages may go */
	enum failure cls;		/* after a failure: why (failure.h) */
	char error[256];
};

/*
 * Open a connection to url (ws:// or wss://) as spec says, through the
 * handshakes (TCP, TLS unless ws://, the upgrade, Socket.IO's namespace),
 * within timeout_s, filling *t.  c is zeroed first.  Returns 0 (c->ready),
 * or -1 with c->cls and c->error set and the connection closed.  Close
 * with wsclient_conn_close in either case.
 */
int wsclient_conn_open(struct wsclient_conn *c, const char *url, const struct wsclient_spec *spec,
    const char *const *headers, bool insecure, double timeout_s, struct wsclient_timing *t);

/*
 * Send the spec's message and wait up to timeout_s for its reply (text in
 * c->s.reply), answering pings meanwhile.  *rtt_ms: sent .. reply read;
 * *first_ms: sent .. the first byte read after it.  Returns 0, or -1 as
 * wsclient_conn_open (a timeout is PR_FAILURE_TIMEOUT; the connection is
 * then closed too, as a late reply would be taken for the next one's).
 */
int wsclient_conn_roundtrip(struct wsclient_conn *c, double timeout_s, double *rtt_ms, double *first_ms);

/* Close politely (a close frame, when open) and free; safe after a failure. */
void wsclient_conn_close(struct wsclient_conn *c);

/* Close codes counted by class for documents: slot of a code (0 .. WSCLIENT_NCODES - 1). */
#define WSCLIENT_NCODES 17		/* 1000..1015, then every other code */
size_t wsclient_code_slot(unsigned code);
/* The code a slot stands for, as text ("1006", "other"). */
void wsclient_slot_name(size_t slot, char out[8]);

#endif
