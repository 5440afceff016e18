/* test_ws.c: RFC 6455 (lib/ws.h), Socket.IO / Engine.IO v4 (lib/socketio.h) packets,
 * and the client session (lib/wsclient.h) against what a hostile server sends. */
#include <stdint.h>
#include <stdlib.h>

#include "socketio.h"
#include "ws.h"
#include "wsclient.h"
#include "t.h"

/* Decode one frame from bytes; the event, with *used set. */
static enum ws_event
decode1(struct ws_decoder *d, const uint8_t *b, size_t n, size_t *used, unsigned *code)
{
	const uint8_t *p = NULL;
	size_t plen = 0;

	return ws_decode(d, b, n, used, &p, &plen, code);
}

/* RFC 6455 1.3's example key and accept. */
static void
test_accept_is_the_rfc_example(void)
{
	char accept[WS_ACCEPT_LEN + 1];

	ws_accept_of("dGhlIHNhbXBsZSBub25jZQ==", accept);
	CHECK_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void
test_keys_are_random_base64_of_16_bytes(void)
{
	char a[WS_KEY_LEN + 1], b[WS_KEY_LEN + 1];

	ws_key_new(a);
	ws_key_new(b);
	CHECK(strlen(a) == WS_KEY_LEN);
	CHECK(strcmp(a + WS_KEY_LEN - 2, "==") == 0);
	CHECK(strcmp(a, b) != 0);
}

static void
test_handshake_request_asks_for_an_upgrade(void)
{
	struct buf b = { 0 };
	const char *hdrs[] = { "Authorization: Bearer x", NULL };

	ws_handshake_request(&b, "127.0.0.1:8080", "/chat?room=1", "dGhlIHNhbXBsZSBub25jZQ==", hdrs);
	CHECK(strncmp(b.data, "GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 48) == 0);
	CHECK(strstr(b.data, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
	CHECK(strstr(b.data, "\r\nAuthorization: Bearer x\r\n") != NULL);
	CHECK(strcmp(b.data + b.len - 4, "\r\n\r\n") == 0);
	buf_free(&b);
}

static void
test_has_token_finds_a_token_in_a_list(void)
{
	const char *v = "keep-alive, Upgrade";

	CHECK(ws_has_token(v, strlen(v), "upgrade"));
	CHECK(!ws_has_token(v, strlen(v), "websocket"));
	CHECK(!ws_has_token(v, 6, "upgrade"));	/* only vlen bytes are read */
}

static void
test_handshake_response_checks_status_and_accept(void)
{
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi";
	const char *wrong = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
	const char *denied = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
	long status;
	size_t head = 0;

	CHECK(ws_handshake_response(ok, strlen(ok), key, &status, &head) == WS_HS_OK);
	CHECK(status == 101 && head == strlen(ok) - 4);
	CHECK(ws_handshake_response(ok, 40, key, &status, &head) == WS_HS_MORE);
	CHECK(ws_handshake_response(ok, 5, key, &status, &head) == WS_HS_MORE);
	CHECK(ws_handshake_response(wrong, strlen(wrong), key, &status, &head) == WS_HS_INVALID);
	CHECK(ws_handshake_response(denied, strlen(denied), key, &status, &head) == WS_HS_STATUS);
	CHECK(status == 403);
	CHECK(ws_handshake_response("SSH-2.0-OpenSSH", 15, key, &status, &head) == WS_HS_INVALID);
}

/* Upgrade and Connection hold tokens: one of a list counts, a longer word does not. */
static void
test_handshake_tokens_are_whole_items(void)
{
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	const char *listed = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
	    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	const char *longer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocketx\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	const char *inside = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: noupgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	long status;
	size_t head = 0;

	CHECK(ws_handshake_response(listed, strlen(listed), key, &status, &head) == WS_HS_OK);
	CHECK(ws_handshake_response(longer, strlen(longer), key, &status, &head) == WS_HS_INVALID);
	CHECK(ws_handshake_response(inside, strlen(inside), key, &status, &head) == WS_HS_INVALID);
}

/* Our frames are masked (RFC 6455 5.3): unmasking gives the payload back. */
static void
test_client_frames_are_masked_with_fresh_keys(void)
{
	struct buf a = { 0 }, b = { 0 };
	const uint8_t *p;

	ws_frame_encode(&a, WS_OP_TEXT, "Hello", 5);
	ws_frame_encode(&b, WS_OP_TEXT, "Hello", 5);
	p = (const uint8_t *)a.data;
	CHECK(a.len == 2 + 4 + 5);
	CHECK(p[0] == 0x81 && p[1] == 0x85);
	for (int i = 0; i < 5; i++)
		CHECK((p[6 + i] ^ p[2 + i % 4]) == (uint8_t)"Hello"[i]);
	CHECK(memcmp(a.data + 2, b.data + 2, 4) != 0);
	buf_free(&a);
	buf_free(&b);
}

/* RFC 6455 5.7: the 256-byte and 64 KiB length encodings. */
static void
test_long_frames_use_16_and_64_bit_lengths(void)
{
	struct buf b = { 0 };
	char *big = calloc(65536, 1);
	const uint8_t *p;

	ws_frame_encode(&b, WS_OP_BINARY, big, 256);
	p = (const uint8_t *)b.data;
	CHECK(p[0] == 0x82 && p[1] == (0x80 | 0x7E) && p[2] == 0x01 && p[3] == 0x00 && b.len == 4 + 4 + 256);
	buf_reset(&b);
	ws_frame_encode(&b, WS_OP_BINARY, big, 65536);
	p = (const uint8_t *)b.data;
	CHECK(p[1] == (0x80 | 0x7F) && p[2] == 0 && p[7] == 0x01 && p[8] == 0 && p[9] == 0 && b.len == 10 + 4 + 65536);
	buf_free(&b);
	free(big);
}

/* RFC 6455 5.7: a single-frame unmasked text message. */
static void
test_decodes_the_rfc_single_frame(void)
{
	static const uint8_t f[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	struct ws_decoder d = { 0 };
	size_t used;
	unsigned code;

	CHECK(decode1(&d, f, 3, &used, &code) == WS_EV_MORE && used == 0);
	CHECK(decode1(&d, f, sizeof f, &used, &code) == WS_EV_MESSAGE && used == sizeof f);
	CHECK(d.msg.len == 5 && memcmp(d.msg.data, "Hello", 5) == 0 && d.msg_op == WS_OP_TEXT);
	ws_decoder_free(&d);
}

/* RFC 6455 5.7: "Hel" + "lo" in two fragments, with a ping between them (5.4). */
static void
test_joins_fragments_around_a_ping(void)
{
	static const uint8_t f[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
		0x80, 0x02, 0x6c, 0x6f };
	struct ws_decoder d = { 0 };
	const uint8_t *p = NULL;
	size_t used, plen = 0, off = 0;
	unsigned code;

	CHECK(ws_decode(&d, f, sizeof f, &used, &p, &plen, &code) == WS_EV_MORE && used == 5);
	off += used;
	CHECK(ws_decode(&d, f + off, sizeof f - off, &used, &p, &plen, &code) == WS_EV_PING && used == 7);
	CHECK(plen == 5 && memcmp(p, "Hello", 5) == 0);
	off += used;
	CHECK(ws_decode(&d, f + off, sizeof f - off, &used, &p, &plen, &code) == WS_EV_MESSAGE && used == 4);
	CHECK(d.msg.len == 5 && memcmp(d.msg.data, "Hello", 5) == 0);
	ws_decoder_free(&d);
}

static void
test_close_frames_give_code_and_reason(void)
{
	static const uint8_t bye[] = { 0x88, 0x05, 0x03, 0xE9, 'b', 'y', 'e' };	/* 1001 */
	static const uint8_t bare[] = { 0x88, 0x00 };
	static const uint8_t one[] = { 0x88, 0x01, 0x03 };
	static const uint8_t reserved[] = { 0x88, 0x02, 0x03, 0xEE };	/* 1006 may not be sent */
	struct ws_decoder d = { 0 };
	size_t used;
	unsigned code;

	CHECK(decode1(&d, bye, sizeof bye, &used, &code) == WS_EV_CLOSE && code == 1001);
	CHECK(d.msg.len == 3 && memcmp(d.msg.data, "bye", 3) == 0);
	CHECK(decode1(&d, bare, sizeof bare, &used, &code) == WS_EV_CLOSE && code == WS_CLOSE_NO_STATUS);
	CHECK(decode1(&d, one, sizeof one, &used, &code) == WS_EV_ERROR && code == WS_CLOSE_PROTOCOL);
	CHECK(decode1(&d, reserved, sizeof reserved, &used, &code) == WS_EV_ERROR && code == WS_CLOSE_PROTOCOL);
	ws_decoder_free(&d);
}

/* Each breach of RFC 6455 5.2-5.5 is an error with the code to close with. */
static void
test_protocol_errors_are_classed(void)
{
	static const struct { uint8_t f[8]; size_t n; unsigned code; } bad[] = {
		{ { 0x81, 0x85, 1, 2, 3, 4, 'x' }, 7, WS_CLOSE_PROTOCOL },	/* masked by the server */
		{ { 0xC1, 0x01, 'x' }, 3, WS_CLOSE_PROTOCOL },			/* RSV1 without an extension */
		{ { 0x83, 0x01, 'x' }, 3, WS_CLOSE_PROTOCOL },			/* reserved opcode */
		{ { 0x09, 0x01, 'x' }, 3, WS_CLOSE_PROTOCOL },			/* a fragmented ping */
		{ { 0x89, 0x7E, 0x00, 0x7E }, 4, WS_CLOSE_PROTOCOL },		/* a ping of 126 bytes */
		{ { 0x80, 0x01, 'x' }, 3, WS_CLOSE_PROTOCOL },			/* continuation of nothing */
		{ { 0x81, 0x02, 0xC3, 0x28 }, 4, WS_CLOSE_BAD_DATA },		/* text, not UTF-8 */
	};
	size_t used;
	unsigned code;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct ws_decoder d = { 0 };

		CHECK(decode1(&d, bad[i].f, bad[i].n, &used, &code) == WS_EV_ERROR);
		CHECK(code == bad[i].code && used == 0);
		ws_decoder_free(&d);
	}
}

static void
test_new_message_inside_a_fragmented_one_is_an_error(void)
{
	static const uint8_t f[] = { 0x01, 0x01, 'a', 0x81, 0x01, 'b' };
	struct ws_decoder d = { 0 };
	size_t used;
	unsigned code;

	CHECK(decode1(&d, f, sizeof f, &used, &code) == WS_EV_MORE && used == 3);
	CHECK(decode1(&d, f + 3, 3, &used, &code) == WS_EV_ERROR && code == WS_CLOSE_PROTOCOL);
	ws_decoder_free(&d);
}

static void
test_frames_and_messages_over_the_limit_are_too_big(void)
{
	static const uint8_t big[] = { 0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0 };	/* 4 GiB announced */
	static const uint8_t parts[] = { 0x02, 0x03, 'a', 'b', 'c', 0x80, 0x03, 'd', 'e', 'f' };
	struct ws_decoder d = { .max_bytes = 5 };
	size_t used;
	unsigned code;

	CHECK(decode1(&d, big, sizeof big, &used, &code) == WS_EV_ERROR && code == WS_CLOSE_TOO_BIG);
	CHECK(decode1(&d, parts, sizeof parts, &used, &code) == WS_EV_MORE && used == 5);
	CHECK(decode1(&d, parts + 5, 5, &used, &code) == WS_EV_ERROR && code == WS_CLOSE_TOO_BIG);
	ws_decoder_free(&d);
}

static void
test_close_encode_carries_the_code(void)
{
	struct buf b = { 0 };
	const uint8_t *p;

	ws_close_encode(&b, WS_CLOSE_NORMAL, "done");
	p = (const uint8_t *)b.data;
	CHECK(p[0] == 0x88 && p[1] == (0x80 | 6));
	CHECK((p[6] ^ p[2]) == 0x03 && (p[7] ^ p[3]) == 0xE8);
	buf_free(&b);
}

/* ---- Engine.IO and Socket.IO ---- */

static void
test_socketio_path_adds_the_transport(void)
{
	struct buf b = { 0 };

	socketio_path(&b, "/", NULL);
	CHECK_STR(b.data, "/socket.io/?EIO=4&transport=websocket");
	buf_reset(&b);
	socketio_path(&b, "/rt/", "token=x");
	CHECK_STR(b.data, "/rt/?EIO=4&transport=websocket&token=x");
	buf_free(&b);
}

static void
test_open_packet_gives_ping_timing(void)
{
	const char *open = "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[],\"pingInterval\":25000,"
	    "\"pingTimeout\":20000,\"maxPayload\":1000000}";
	struct socketio_open o;

	CHECK(socketio_open_parse(open, strlen(open), &o) == 0);
	CHECK_STR(o.sid, "lv_VI97HAXpY6yYWAAAC");
	CHECK(o.ping_interval_ms == 25000 && o.ping_timeout_ms == 20000);
	CHECK(socketio_open_parse("{\"sid\":1}", 9, &o) == -1);
	CHECK(socketio_open_parse("nope", 4, &o) == -1);
}

static void
test_connect_and_event_packets(void)
{
	struct buf b = { 0 };

	socketio_connect_encode(&b, NULL);
	CHECK_STR(b.data, "40");
	buf_reset(&b);
	socketio_connect_encode(&b, "/chat");
	CHECK_STR(b.data, "40/chat,");
	buf_reset(&b);
	socketio_event_encode(&b, "/", 12, "chat message", "{\"text\":\"hi\"}");
	CHECK_STR(b.data, "4212[\"chat message\",{\"text\":\"hi\"}]");
	buf_reset(&b);
	socketio_event_encode(&b, "/chat", -1, "ping", NULL);
	CHECK_STR(b.data, "42/chat,[\"ping\"]");
	buf_free(&b);
}

static void
test_parses_acks_events_and_namespaces(void)
{
	struct socketio_packet p;
	char *name, *arg;
	const char *ack = "3/chat,12[\"ok\"]", *ev = "2[\"reply\",{\"n\":1}]", *conn = "0{\"sid\":\"x\"}";

	CHECK(socketio_parse(ack, strlen(ack), &p) == 0);
	CHECK(p.type == SOCKETIO_ACK && p.ack_id == 12 && p.data_len == 6 && socketio_in_nsp(&p, "/chat"));
	CHECK(!socketio_in_nsp(&p, "/"));
	CHECK(socketio_parse(ev, strlen(ev), &p) == 0);
	CHECK(p.type == SOCKETIO_EVENT && p.ack_id == -1 && socketio_in_nsp(&p, NULL));
	CHECK(socketio_event_split(&p, &name, &arg) == 0);
	CHECK_STR(name, "reply");
	CHECK_STR(arg, "{\"n\":1}");
	free(name);
	free(arg);
	CHECK(socketio_parse(conn, strlen(conn), &p) == 0 && p.type == SOCKETIO_CONNECT);
	CHECK(socketio_parse("3[1]", 4, &p) == -1);		/* an ack without an id */
	CHECK(socketio_parse("5-1", 3, &p) == -1);		/* binary: not spoken */
	CHECK(socketio_parse("x", 1, &p) == -1);
	CHECK(socketio_parse("399999999999[]", 14, &p) == -1);	/* id out of range */
}

/* Past the upgrade: the session as a WebSocket one, ready for messages. */
static void
session_open(struct wsclient *s, const struct wsclient_spec *spec)
{
	struct buf resp = { 0 };
	char accept[WS_ACCEPT_LEN + 1];

	wsclient_start(s, spec, "127.0.0.1:1", "/", NULL, NULL);
	wsclient_wrote(s, s->out.len);
	ws_accept_of(s->key, accept);
	buf_printf(&resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	wsclient_feed(s, resp.data, resp.len);
	CHECK(wsclient_step(s) == WSCLIENT_UPGRADED);
	buf_free(&resp);
}

/* A server that floods pings and never reads: the pongs queued stay bounded. */
static void
test_pongs_to_a_ping_flood_stay_bounded(void)
{
	static const uint8_t ping[2] = { 0x89, 0x00 };
	struct wsclient_spec spec = { .protocol = WSCLIENT_WEBSOCKET };
	struct wsclient s;

	CHECK(wsclient_spec_check(&spec) == NULL);
	session_open(&s, &spec);
	for (int i = 0; i < 200000; i++)
		wsclient_feed(&s, ping, sizeof ping);
	CHECK(wsclient_step(&s) == WSCLIENT_NONE);
	CHECK(s.out.len - s.out_off <= WSCLIENT_MAX_BACKLOG_BYTES + 2 * WS_MAX_CONTROL_BYTES);
	CHECK(s.pings > 0 && s.pings < 200000);
	wsclient_wrote(&s, s.out.len - s.out_off);	/* written: the next ping is answered */
	wsclient_feed(&s, ping, sizeof ping);
	CHECK(wsclient_step(&s) == WSCLIENT_NONE);
	CHECK(s.out.len > 0);
	wsclient_free(&s);
	wsclient_spec_free(&spec);
}

int
main(void)
{
	RUN(test_accept_is_the_rfc_example);
	RUN(test_keys_are_random_base64_of_16_bytes);
	RUN(test_handshake_request_asks_for_an_upgrade);
	RUN(test_has_token_finds_a_token_in_a_list);
	RUN(test_handshake_response_checks_status_and_accept);
	RUN(test_handshake_tokens_are_whole_items);
	RUN(test_client_frames_are_masked_with_fresh_keys);
	RUN(test_long_frames_use_16_and_64_bit_lengths);
	RUN(test_decodes_the_rfc_single_frame);
	RUN(test_joins_fragments_around_a_ping);
	RUN(test_close_frames_give_code_and_reason);
	RUN(test_protocol_errors_are_classed);
	RUN(test_new_message_inside_a_fragmented_one_is_an_error);
	RUN(test_frames_and_messages_over_the_limit_are_too_big);
	RUN(test_close_encode_carries_the_code);
	RUN(test_socketio_path_adds_the_transport);
	RUN(test_open_packet_gives_ping_timing);
	RUN(test_connect_and_event_packets);
	RUN(test_parses_acks_events_and_namespaces);
	RUN(test_pongs_to_a_ping_flood_stay_bounded);
	return t_done();
}
