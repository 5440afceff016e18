/* fuzz_ws.c: what a WebSocket or Socket.IO server sends, on arbitrary bytes:
 * a session (lib/wsclient.c) past its upgrade is fed the input as frames in
 * two pieces, so that incomplete frames, fragments, pings, closes and
 * Engine.IO / Socket.IO packets all go through ws_decode and socketio_parse;
 * the handshake reader (ws_handshake_response) reads the input as a
 * response head.  Nothing may read out of bounds, and a session may only
 * end by failing.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One session of protocol p, upgraded by hand, fed data in two pieces. */
static void
session(enum wsclient_protocol p, enum wsclient_reply reply, const uint8_t *data, size_t size)
{
	struct wsclient_spec spec = { .protocol = p, .reply = reply, .reply_arg = "x" };
	struct wsclient s;
	size_t half = size / 2;

	wsclient_spec_check(&spec);
	wsclient_start(&s, &spec, "127.0.0.1:1", "/", NULL, NULL);
	s.state = p == WSCLIENT_SOCKETIO ? WSCLIENT_S_EIO_OPEN : WSCLIENT_S_READY;
	wsclient_send(&s);
	wsclient_feed(&s, data, half);
	while (wsclient_step(&s) != WSCLIENT_NONE)
		if (s.state == WSCLIENT_S_READY && !s.waiting)
			wsclient_send(&s);
	wsclient_feed(&s, data + half, size - half);
	while (wsclient_step(&s) != WSCLIENT_NONE)
		;
	if (s.state == WSCLIENT_S_CLOSED && (s.failure == PR_FAILURE_OK || !*s.error))
		abort();	/* closed without saying why */
	wsclient_free(&s);
	if (p == WSCLIENT_SOCKETIO)
		free(spec.event);
	else
		free(spec.message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long status;
	size_t head = 0;

	ws_handshake_response((const char *)data, size, "dGhlIHNhbXBsZSBub25jZQ==", &status, &head);
	if (head > size)
		abort();
	session(WSCLIENT_WEBSOCKET, WSCLIENT_JSON, data, size);
	session(WSCLIENT_SOCKETIO, WSCLIENT_ACK, data, size);
	session(WSCLIENT_SOCKETIO, WSCLIENT_EVENT, data, size);
	return 0;
}
