/*
 * ws.h: the client side of the WebSocket protocol (RFC 6455) as pure code:
 * no sockets, no clock.  The engines that move the bytes (wsprobe.c for one
 * connection at a time, loadgen_ws.c under load) call it.
 *
 *   handshake  ws_key_new makes a Sec-WebSocket-Key, ws_handshake_request
 *              the HTTP/1.1 Upgrade request, ws_handshake_response checks
 *              the server's answer (101, Upgrade, Connection and the
 *              Sec-WebSocket-Accept that ws_accept_of computes: SHA-1 of
 *              the key and the RFC's GUID, in base64).
 *   frames     ws_frame_encode writes one client frame, always masked
 *              with a fresh random key (RFC 6455 5.3).
 *   messages   ws_decode takes the bytes the server sent, one whole frame
 *              at a time, and returns what happened: a complete message
 *              (fragments joined), a ping (to answer with a pong of the
 *              same payload), a pong, a close (code and reason),
 *              or a protocol error with the close code to send back.
 *
 * Protocol errors (RFC 6455 5.2, 5.4, 5.5, 7.4.1): a masked server frame,
 * reserved bits set, an unknown opcode, a control frame that is fragmented
 * or longer than 125 bytes, a continuation without a message or a new data
 * frame inside one, a close payload of one byte or with an invalid code:
 * 1002.  Text that is not UTF-8: 1007.  A frame or a message larger than
 * the decoder's max_bytes: 1009.  Nothing here reports: results say why.
 */
#ifndef PR_WS_H
#define PR_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WS_KEY_LEN 24			/* base64 of 16 random bytes */
#define WS_ACCEPT_LEN 28		/* base64 of a SHA-1 */
#define WS_MAX_CONTROL_BYTES 125
#define WS_DEFAULT_MAX_BYTES (1u << 20)	/* a frame or message larger is refused */
#define WS_MAX_HANDSHAKE_BYTES 16384	/* a response head larger is an error */

enum ws_opcode {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xA,
};

/* Close codes this code sends or names (RFC 6455 7.4.1). */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000, WS_CLOSE_GOING_AWAY = 1001, WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_NO_STATUS = 1005, WS_CLOSE_ABNORMAL = 1006, WS_CLOSE_BAD_DATA = 1007,
	WS_CLOSE_TOO_BIG = 1009,
};

/* A new random Sec-WebSocket-Key, NUL-terminated. */
void ws_key_new(char key[WS_KEY_LEN + 1]);

/* The Sec-WebSocket-Accept a server must answer key with, NUL-terminated. */
void ws_accept_of(const char *key, char accept[WS_ACCEPT_LEN + 1]);

/*
 * Append the Upgrade request for path ("/chat?x=1") on host (host[:port] as
 * the Host header) to out; headers are extra "Name: value" lines
 * (NULL-terminated, or NULL).
 */
void ws_handshake_request(struct buf *out, const char *host, const char *path, const char *key,
    const char *const *headers);

enum ws_handshake {
	WS_HS_MORE,		/* the head is not complete yet */
	WS_HS_OK,		/* 101 with a matching accept: frames follow */
	WS_HS_STATUS,		/* a complete response, but not 101 */
	WS_HS_INVALID		/* not HTTP, too large, or a 101 that is not a
				 * WebSocket upgrade for this key */
};

/*
 * Look at the len bytes the server sent so far in answer to key.  Sets
 * *status (0 until a status line is read) and, once the head is complete,
 * *head_len (the bytes of the head: frames may follow in the same read).
 */
enum ws_handshake ws_handshake_response(const char *data, size_t len, const char *key, long *status, size_t *head_len);

/*
 * Whether a header value (vlen bytes, not NUL-terminated) holds token as one
 * of its comma-separated items, case-insensitively, blanks around items
 * ignored: "Upgrade" in "keep-alive, Upgrade", not "websocket" in
 * "websocketx".  Any HTTP/1.1 list header (Connection, Transfer-Encoding).
 */
bool ws_has_token(const char *v, size_t vlen, const char *token);

/* Append one masked client frame (FIN set) of opcode with len bytes. */
void ws_frame_encode(struct buf *out, enum ws_opcode op, const void *payload, size_t len);

/* A close frame with code and reason (reason may be NULL), masked. */
void ws_close_encode(struct buf *out, unsigned code, const char *reason);

/* The incoming side of a connection: zero it, then set max_bytes (0 means
 * WS_DEFAULT_MAX_BYTES).  Free with ws_decoder_free. */
struct ws_decoder {
	size_t max_bytes;
	struct buf msg;			/* the message being joined, then the last one */
	enum ws_opcode msg_op;		/* its opcode (text or binary) */
	bool in_msg;			/* fragments have begun */
};

enum ws_event {
	WS_EV_MORE,		/* no whole frame yet: read more */
	WS_EV_MESSAGE,		/* d->msg holds a whole text or binary message */
	WS_EV_PING,		/* answer with a WS_OP_PONG frame of its payload */
	WS_EV_PONG,
	WS_EV_CLOSE,		/* the server closes: *close_code, reason in d->msg */
	WS_EV_ERROR		/* a protocol error: *close_code says which */
};

/*
 * Decode the first frame in data[0, len): returns what it was and sets
 * *used to the bytes it took (0 with WS_EV_MORE and WS_EV_ERROR).  A
 * fragment of a message returns WS_EV_MORE with *used > 0: call again.
 * With WS_EV_PING, *payload and *payload_len point into data.  With
 * WS_EV_CLOSE, *close_code is the server's code (WS_CLOSE_NO_STATUS when it
 * gave none); with WS_EV_ERROR, the code to close with.
 */
enum ws_event ws_decode(struct ws_decoder *d, const uint8_t *data, size_t len, size_t *used, const uint8_t **payload,
    size_t *payload_len, unsigned *close_code);

void ws_decoder_free(struct ws_decoder *d);

/* A close code a peer may send in a close frame (RFC 6455 7.4). */
bool ws_close_code_valid(unsigned code);

#endif
