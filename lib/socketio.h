/*
 * socketio.h: Socket.IO v4 over Engine.IO v4, the text packets that ride in
 * WebSocket messages (ws.h), as pure code.
 *
 * Engine.IO v4 (one packet per WebSocket message): a type digit, then data.
 *   0{"sid":..,"pingInterval":25000,"pingTimeout":20000,"maxPayload":..}
 *        open, the server's first packet
 *   1    close          2  ping (the server's; answer 3 at once)
 *   3    pong           4  message: a Socket.IO packet follows
 *   6    noop
 * The client opens the WebSocket at PATH?EIO=4&transport=websocket
 * (socketio_path) and never pings in v4: the server does, and closes a
 * connection that does not answer within pingInterval + pingTimeout.
 *
 * Socket.IO v4 (inside an Engine.IO message): a type digit, then
 * "/namespace," unless it is "/", then an ack id, then JSON:
 *   40 / 40/chat,{auth}         CONNECT (client), 40{"sid":..} (server)
 *   41                          DISCONNECT
 *   42["event",args...]         EVENT; 4212["event",...] asks for ack 12
 *   43 12[args...]              ACK of id 12 (no space: "4312[...]")
 *   44{"message":..}            CONNECT_ERROR
 * Binary events (45, 46) are not spoken.
 *
 * Nothing is reported; results say what went wrong.
 */
#ifndef PR_SOCKETIO_H
#define PR_SOCKETIO_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Engine.IO v4 packet types. */
enum socketio_eio {
	SOCKETIO_EIO_OPEN = '0', SOCKETIO_EIO_CLOSE = '1', SOCKETIO_EIO_PING = '2', SOCKETIO_EIO_PONG = '3',
	SOCKETIO_EIO_MESSAGE = '4', SOCKETIO_EIO_UPGRADE = '5', SOCKETIO_EIO_NOOP = '6',
};

/* Socket.IO v4 packet types. */
enum socketio_type {
	SOCKETIO_CONNECT = 0, SOCKETIO_DISCONNECT, SOCKETIO_EVENT, SOCKETIO_ACK, SOCKETIO_CONNECT_ERROR,
	SOCKETIO_BINARY_EVENT, SOCKETIO_BINARY_ACK,
};

/* Engine.IO's open packet. */
struct socketio_open {
	double ping_interval_ms, ping_timeout_ms;
	char sid[64];
};

/* A Socket.IO packet, its parts pointing into the text it came from. */
struct socketio_packet {
	enum socketio_type type;
	const char *nsp;		/* "/" or "/chat" (not NUL-terminated) */
	size_t nsp_len;
	long ack_id;			/* -1 when none */
	const char *data;		/* the JSON, "" when none */
	size_t data_len;
};

/*
 * The request path for the WebSocket transport: path (the URL's, "/" or ""
 * meaning "/socket.io/") with EIO=4&transport=websocket added to its query.
 * Appended to out.
 */
void socketio_path(struct buf *out, const char *path, const char *query);

/* Parse an open packet's payload (after the '0'); 0, or -1 when it is not one. */
int socketio_open_parse(const char *json, size_t len, struct socketio_open *o);

/* Append the CONNECT packet for nsp (NULL or "/" for the main namespace). */
void socketio_connect_encode(struct buf *out, const char *nsp);

/*
 * Append an EVENT packet: emit(event, args) on nsp, asking for an ack when
 * ack_id >= 0.  args_json is one JSON value (the event's single argument)
 * or NULL for none.
 */
void socketio_event_encode(struct buf *out, const char *nsp, long ack_id, const char *event, const char *args_json);

/*
 * Parse a Socket.IO packet (the text after Engine.IO's '4', len bytes).
 * Returns 0, or -1 when it is not one.
 */
int socketio_parse(const char *s, size_t len, struct socketio_packet *p);

/* Whether p belongs to namespace nsp (NULL or "/" for the main one). */
bool socketio_in_nsp(const struct socketio_packet *p, const char *nsp);

/*
 * An EVENT's name and its first argument as JSON text: new strings (caller
 * frees; *first_arg NULL when there is none).  -1 when p's data is not a
 * JSON array starting with a string.
 */
int socketio_event_split(const struct socketio_packet *p, char **name, char **first_arg);

#endif
