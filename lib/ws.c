/*
 * ws.c: RFC 6455 for a client, as pure code (see ws.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "doc.h"
#include "ws.h"

/* RFC 6455 1.3: what the key is hashed with. */
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_BYTES 16
#define WS_MASK_BYTES 4
#define WS_LEN16 126			/* payload length marks (RFC 6455 5.2) */
#define WS_LEN64 127
#define WS_FIN 0x80
#define WS_RSV 0x70
#define WS_MASKED 0x80
#define HTTP_SWITCHING 101

void
ws_key_new(char key[WS_KEY_LEN + 1])
{
	unsigned char raw[WS_KEY_BYTES];

	if (RAND_bytes(raw, sizeof raw) != 1)
		abort();	/* no randomness: nothing safe to do */
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
}

void
ws_accept_of(const char *key, char accept[WS_ACCEPT_LEN + 1])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char in[WS_KEY_LEN + sizeof WS_GUID];
	unsigned int mdlen = 0;

	snprintf(in, sizeof in, "%.*s%s", WS_KEY_LEN, key, WS_GUID);
	if (EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL) != 1)
		abort();	/* OpenSSL without SHA-1 cannot speak RFC 6455 */
	EVP_EncodeBlock((unsigned char *)accept, md, mdlen);
}

void
ws_handshake_request(struct buf *out, const char *host, const char *path, const char *key,
    const char *const *headers)
{
	bool has_ua = false;

	buf_printf(out, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", *path ? path : "/", host, key);
	for (const char *const *h = headers; h && *h; h++) {
		has_ua |= strncasecmp(*h, "user-agent:", 11) == 0;
		buf_printf(out, "%s\r\n", *h);
	}
	if (!has_ua)
		buf_adds(out, "User-Agent: pr-tools/" PR_VERSION "\r\n");
	buf_adds(out, "\r\n");
}

/* The value of header name in head (len bytes, lines ending \r\n), trimmed; NULL when absent. */
static const char *
header_value(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *end = head + len, *line = memchr(head, '\n', len);

	while (line && ++line < end) {
		const char *eol = memchr(line, '\r', (size_t)(end - line));

		if (!eol)
			return NULL;
		if ((size_t)(eol - line) > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
			const char *v = line + nlen + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
				(*vlen)--;
			return v;
		}
		line = memchr(eol, '\n', (size_t)(end - eol));
	}
	return NULL;
}

/* Whether the comma-separated value holds token as one of its items,
 * case-insensitively ("keep-alive, Upgrade"; not "websocketx"). */
bool
ws_has_token(const char *v, size_t vlen, const char *token)
{
	size_t tlen = strlen(token);
	const char *end = v + vlen;

	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v)), *stop = comma ? comma : end, *last = stop;

		while (v < stop && (*v == ' ' || *v == '\t'))
			v++;
		while (last > v && (last[-1] == ' ' || last[-1] == '\t'))
			last--;
		if ((size_t)(last - v) == tlen && strncasecmp(v, token, tlen) == 0)
			return true;
		v = comma ? comma + 1 : end;
	}
	return false;
}

enum ws_handshake
ws_handshake_response(const char *data, size_t len, const char *key, long *status, size_t *head_len)
{
	const char *end = len ? memmem(data, len, "\r\n\r\n", 4) : NULL, *v;	/* data may be NULL when empty */
	char want[WS_ACCEPT_LEN + 1];
	size_t vlen;

	*status = 0;
	if (len >= 12 && memcmp(data, "HTTP/1.", 7) == 0 && data[8] == ' ' && data[9] >= '1' && data[9] <= '5' &&
	    data[10] >= '0' && data[10] <= '9' && data[11] >= '0' && data[11] <= '9')
		*status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
	else if (len >= 12 || (len > 0 && memcmp(data, "HTTP/1.", len < 7 ? len : 7) != 0))
		return WS_HS_INVALID;
	if (!end)
		return len >= WS_MAX_HANDSHAKE_BYTES ? WS_HS_INVALID : WS_HS_MORE;
	*head_len = (size_t)(end - data) + 4;
	if (*status != HTTP_SWITCHING)
		return WS_HS_STATUS;
	ws_accept_of(key, want);
	if (!(v = header_value(data, *head_len, "upgrade", &vlen)) || !ws_has_token(v, vlen, "websocket") ||
	    !(v = header_value(data, *head_len, "connection", &vlen)) || !ws_has_token(v, vlen, "upgrade") ||
	    !(v = header_value(data, *head_len, "sec-websocket-accept", &vlen)) || vlen != WS_ACCEPT_LEN ||
	    memcmp(v, want, WS_ACCEPT_LEN) != 0)
		return WS_HS_INVALID;
	return WS_HS_OK;
}

void
ws_frame_encode(struct buf *out, enum ws_opcode op, const void *payload, size_t len)
{
	uint8_t head[2 + 8 + WS_MASK_BYTES], *mask;
	const uint8_t *p = payload;
	size_t n = 2, start;

	head[0] = (uint8_t)(WS_FIN | op);
	if (len < WS_LEN16) {
		head[1] = (uint8_t)(WS_MASKED | len);
	} else if (len <= 0xFFFF) {
		head[1] = WS_MASKED | WS_LEN16;
		head[n++] = (uint8_t)(len >> 8);
		head[n++] = (uint8_t)len;
	} else {
		head[1] = WS_MASKED | WS_LEN64;
		for (int i = 7; i >= 0; i--)
			head[n++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	mask = head + n;
	if (RAND_bytes(mask, WS_MASK_BYTES) != 1)
		abort();	/* an unmasked or predictable frame is not allowed */
	n += WS_MASK_BYTES;
	buf_add(out, head, n);
	start = out->len;
	buf_grow(out, len);
	for (size_t i = 0; i < len; i++)
		out->data[start + i] = (char)(p[i] ^ mask[i % WS_MASK_BYTES]);
	out->len += len;
	out->data[out->len] = '\0';
}

void
ws_close_encode(struct buf *out, unsigned code, const char *reason)
{
	uint8_t p[WS_MAX_CONTROL_BYTES];
	size_t rlen = reason ? strlen(reason) : 0;

	if (rlen > WS_MAX_CONTROL_BYTES - 2)
		rlen = WS_MAX_CONTROL_BYTES - 2;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (rlen)
		memcpy(p + 2, reason, rlen);
	ws_frame_encode(out, WS_OP_CLOSE, p, 2 + rlen);
}

bool
ws_close_code_valid(unsigned code)
{
	/* 1004-1006 and 1015 are reserved, never sent (RFC 6455 7.4.1). */
	if (code >= 1000 && code <= 1014)
		return code != 1004 && code != 1005 && code != 1006;
	return code >= 3000 && code <= 4999;
}

void
ws_decoder_free(struct ws_decoder *d)
{
	buf_free(&d->msg);
	d->in_msg = false;
}

/* The frame head: opcode, fin, payload length and where the payload starts; 0 when incomplete. */
static size_t
frame_head(const uint8_t *data, size_t len, uint64_t *plen)
{
	size_t n = 2;

	if (len < 2)
		return 0;
	*plen = data[1] & 0x7F;
	if (*plen == WS_LEN16) {
		if (len < 4)
			return 0;
		*plen = (uint64_t)data[2] << 8 | data[3];
		n = 4;
	} else if (*plen == WS_LEN64) {
		if (len < 10)
			return 0;
		*plen = 0;
		for (int i = 0; i < 8; i++)
			*plen = *plen << 8 | data[2 + i];
		n = 10;
	}
	return n;
}

static enum ws_event
fail(unsigned *close_code, unsigned code)
{
	*close_code = code;
	return WS_EV_ERROR;
}

/* A whole close frame's payload: the code and reason, or a protocol error. */
static enum ws_event
decode_close(struct ws_decoder *d, const uint8_t *p, size_t n, unsigned *close_code)
{
	buf_reset(&d->msg);
	if (n == 0) {
		*close_code = WS_CLOSE_NO_STATUS;
		return WS_EV_CLOSE;
	}
	if (n == 1 || !ws_close_code_valid((unsigned)p[0] << 8 | p[1]) ||
	    !doc_utf8_valid((const char *)p + 2, n - 2, NULL))
		return fail(close_code, WS_CLOSE_PROTOCOL);
	*close_code = (unsigned)p[0] << 8 | p[1];
	buf_add(&d->msg, p + 2, n - 2);
	return WS_EV_CLOSE;
}

/* A data frame (or fragment) into the message being joined. */
static enum ws_event
decode_data(struct ws_decoder *d, unsigned op, bool fin, const uint8_t *p, size_t n, unsigned *close_code)
{
	if (op == WS_OP_CONT && !d->in_msg)
		return fail(close_code, WS_CLOSE_PROTOCOL);
	if (op != WS_OP_CONT) {
		if (d->in_msg)
			return fail(close_code, WS_CLOSE_PROTOCOL);
		buf_reset(&d->msg);
		d->msg_op = (enum ws_opcode)op;
		d->in_msg = true;
	}
	if (d->msg.len + n > d->max_bytes)
		return fail(close_code, WS_CLOSE_TOO_BIG);
	buf_add(&d->msg, p, n);
	if (!fin)
		return WS_EV_MORE;
	d->in_msg = false;
	if (d->msg_op == WS_OP_TEXT && !doc_utf8_valid(d->msg.data, d->msg.len, NULL))
		return fail(close_code, WS_CLOSE_BAD_DATA);
	return WS_EV_MESSAGE;
}

enum ws_event
ws_decode(struct ws_decoder *d, const uint8_t *data, size_t len, size_t *used, const uint8_t **payload,
    size_t *payload_len, unsigned *close_code)
{
	uint64_t plen = 0;
	size_t hn = frame_head(data, len, &plen);
	unsigned op;
	bool fin;
	enum ws_event ev;

	*used = 0;
	*close_code = 0;
	if (!d->max_bytes)
		d->max_bytes = WS_DEFAULT_MAX_BYTES;
	if (hn == 0)
		return WS_EV_MORE;
	op = data[0] & 0x0F;
	fin = (data[0] & WS_FIN) != 0;
	if ((data[0] & WS_RSV) || (data[1] & WS_MASKED))
		return fail(close_code, WS_CLOSE_PROTOCOL);	/* no extension agreed; servers never mask */
	if (op >= WS_OP_CLOSE && (op > WS_OP_PONG || !fin || plen > WS_MAX_CONTROL_BYTES))
		return fail(close_code, WS_CLOSE_PROTOCOL);
	if (op > WS_OP_BINARY && op < WS_OP_CLOSE)
		return fail(close_code, WS_CLOSE_PROTOCOL);
	if (plen > d->max_bytes)
		return fail(close_code, WS_CLOSE_TOO_BIG);
	if (len - hn < plen)
		return WS_EV_MORE;
	*payload = data + hn;
	*payload_len = (size_t)plen;
	switch (op) {
	case WS_OP_PING:
		ev = WS_EV_PING;
		break;
	case WS_OP_PONG:
		ev = WS_EV_PONG;
		break;
	case WS_OP_CLOSE:
		ev = decode_close(d, data + hn, (size_t)plen, close_code);
		break;
	default:
		ev = decode_data(d, op, fin, data + hn, (size_t)plen, close_code);
		break;
	}
	if (ev != WS_EV_ERROR)
		*used = hn + (size_t)plen;
	return ev;
}
