/*
 * wsclient.c: a WebSocket or Socket.IO client session and its spec (see
 * wsclient.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "jsonpath.h"
#include "pr.h"
#include "wsclient.h"

#define CLOSE_CODE_FIRST 1000
#define CLOSE_CODE_LAST 1015
#define MAX_QUOTED 80			/* bytes of a server's refusal quoted in a message */

const char *const wsclient_spec_fields[] = { "protocol", "message", "event", "namespace", "reply", NULL };

int
wsclient_protocol_parse(const char *s, enum wsclient_protocol *p)
{
	if (strcmp(s, "websocket") == 0)
		*p = WSCLIENT_WEBSOCKET;
	else if (strcmp(s, "socketio") == 0)
		*p = WSCLIENT_SOCKETIO;
	else
		return -1;
	return 0;
}

const char *
wsclient_protocol_name(enum wsclient_protocol p)
{
	return p == WSCLIENT_SOCKETIO ? "socketio" : "websocket";
}

bool
wsclient_url_is_ws(const char *url)
{
	return strncasecmp(url, "ws://", 5) == 0 || strncasecmp(url, "wss://", 6) == 0;
}

static void
set_reply(struct wsclient_spec *spec, enum wsclient_reply r, const char *arg, const char *value)
{
	free(spec->reply_arg);
	free(spec->reply_value);
	spec->reply = r;
	spec->reply_arg = arg ? xstrdup(arg) : NULL;
	spec->reply_value = value ? xstrdup(value) : NULL;
}

int
wsclient_reply_parse(const char *s, struct wsclient_spec *spec)
{
	static const struct { const char *word; enum wsclient_reply r; } bare[] = {
		{ "echo", WSCLIENT_ECHO }, { "ack", WSCLIENT_ACK }, { "next", WSCLIENT_NEXT },
	};
	static const struct { const char *prefix; enum wsclient_reply r; } with[] = {
		{ "event:", WSCLIENT_EVENT }, { "contains:", WSCLIENT_CONTAINS }, { "json:", WSCLIENT_JSON },
	};

	for (size_t i = 0; i < sizeof bare / sizeof *bare; i++)
		if (strcmp(s, bare[i].word) == 0) {
			set_reply(spec, bare[i].r, NULL, NULL);
			return 0;
		}
	for (size_t i = 0; i < sizeof with / sizeof *with; i++) {
		size_t n = strlen(with[i].prefix);
		char *arg, *eq;

		if (strncmp(s, with[i].prefix, n) != 0 || !s[n])
			continue;
		arg = xstrdup(s + n);
		eq = with[i].r == WSCLIENT_JSON ? strchr(arg, '=') : NULL;
		if (eq)
			*eq++ = '\0';
		set_reply(spec, with[i].r, arg, eq);
		free(arg);
		return 0;
	}
	return -1;
}

const char *
wsclient_spec_check(struct wsclient_spec *spec)
{
	char why[128];

	if (spec->protocol == WSCLIENT_SOCKETIO) {
		if (!spec->event)
			spec->event = xstrdup(WSCLIENT_DEFAULT_EVENT);
		if (spec->message) {
			cJSON *j = cJSON_Parse(spec->message);

			cJSON_Delete(j);
			if (!j)
				return "the message is not JSON (Socket.IO sends it as the event's argument: "
				    "quote a string)";
		}
		if (spec->nsp && spec->nsp[0] != '/')
			return "the namespace must start with / (\"/chat\")";
		if (spec->reply == WSCLIENT_ECHO && !spec->reply_arg)
			spec->reply = WSCLIENT_ACK;
	} else {
		if (!spec->message)
			spec->message = xstrdup(WSCLIENT_DEFAULT_MESSAGE);
		if (spec->reply == WSCLIENT_ECHO && strlen(spec->message) > WS_DEFAULT_MAX_BYTES)
			return "the message is over 1 MiB, so its echo would be refused as too big (send less)";
		if (spec->reply == WSCLIENT_ACK || spec->reply == WSCLIENT_EVENT)
			return "an ack or event reply needs the socketio protocol";
		if (spec->event || spec->nsp)
			return "an event or namespace needs the socketio protocol";
	}
	if (spec->reply == WSCLIENT_JSON && jsonpath_check(spec->reply_arg, why, sizeof why) < 0)
		return "the reply's JSON path is malformed";
	return NULL;
}

/* "reply" as an object: {"event": N}, {"contains": T} or {"json": P, "equals": V}. */
static int
reply_from_object(const cJSON *r, const char *ctx, struct wsclient_spec *spec)
{
	static const char *const known[] = { "event", "contains", "json", "equals", "ack", "echo", NULL };
	const char *ev = NULL, *contains = NULL, *path = NULL;
	const cJSON *eq = cJSON_GetObjectItemCaseSensitive(r, "equals");
	int rc;

	if ((rc = doc_check_fields(r, known, ctx)) || (rc = doc_get_string(r, "event", PR_OPTIONAL, ctx, &ev)) ||
	    (rc = doc_get_string(r, "contains", PR_OPTIONAL, ctx, &contains)) ||
	    (rc = doc_get_string(r, "json", PR_OPTIONAL, ctx, &path)))
		return rc;
	if (!!ev + !!contains + !!path != 1)
		return pr_error(PR_INPUT, "%s: give one of \"event\", \"contains\" or \"json\"", ctx);
	if (eq && !path)
		return pr_error(PR_INPUT, "%s.equals goes with \"json\"", ctx);
	if (ev)
		set_reply(spec, WSCLIENT_EVENT, ev, NULL);
	else if (contains)
		set_reply(spec, WSCLIENT_CONTAINS, contains, NULL);
	else {
		char *v = eq ? jsonpath_text(eq) : NULL;

		set_reply(spec, WSCLIENT_JSON, path, v);
		free(v);
	}
	return 0;
}

/* "message": a string as it is, any other JSON as its text. */
static int
message_from_json(const cJSON *m, struct wsclient_spec *spec)
{
	if (!m || cJSON_IsNull(m))
		return 0;
	free(spec->message);
	if (cJSON_IsString(m) && spec->protocol == WSCLIENT_WEBSOCKET)
		spec->message = xstrdup(m->valuestring);
	else
		spec->message = cJSON_PrintUnformatted(m);
	return 0;
}

int
wsclient_spec_from_json(const cJSON *obj, const char *ctx, struct wsclient_spec *spec, bool *given)
{
	const char *proto = NULL, *ev = NULL, *nsp = NULL;
	const cJSON *reply = cJSON_GetObjectItemCaseSensitive(obj, "reply");
	struct buf where = { 0 };
	const char *bad;
	int rc;

	*given = false;
	for (const char *const *f = wsclient_spec_fields; *f; f++)
		*given |= cJSON_GetObjectItemCaseSensitive(obj, *f) != NULL;
	if (!*given)
		return 0;
	if ((rc = doc_get_string(obj, "protocol", PR_OPTIONAL, ctx, &proto)) ||
	    (rc = doc_get_string(obj, "event", PR_OPTIONAL, ctx, &ev)) ||
	    (rc = doc_get_string(obj, "namespace", PR_OPTIONAL, ctx, &nsp)))
		return rc;
	if (proto && wsclient_protocol_parse(proto, &spec->protocol))
		return pr_error(PR_INPUT, "%s.protocol: expected \"websocket\" or \"socketio\", found \"%s\"", ctx,
		    proto);
	message_from_json(cJSON_GetObjectItemCaseSensitive(obj, "message"), spec);
	spec->event = ev ? xstrdup(ev) : NULL;
	spec->nsp = nsp ? xstrdup(nsp) : NULL;
	buf_printf(&where, "%s.reply", ctx);
	if (cJSON_IsString(reply) && wsclient_reply_parse(reply->valuestring, spec))
		rc = pr_error(PR_INPUT, "%s: expected echo, ack, next, event:NAME, contains:TEXT or json:PATH[=VALUE], "
		    "found \"%s\"", where.data, reply->valuestring);
	else if (cJSON_IsObject(reply))
		rc = reply_from_object(reply, where.data, spec);
	else if (reply && !cJSON_IsString(reply) && !cJSON_IsNull(reply))
		rc = pr_error(PR_INPUT, "%s: expected a string or an object, found %s", where.data,
		    doc_json_type(reply));
	buf_free(&where);
	if (!rc && (bad = wsclient_spec_check(spec)))
		rc = pr_error(PR_INPUT, "%s: %s", ctx, bad);
	return rc;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
wsclient_spec_copy(struct wsclient_spec *dst, const struct wsclient_spec *src)
{
	*dst = *src;
	dst->message = dup_or_null(src->message);
	dst->event = dup_or_null(src->event);
	dst->nsp = dup_or_null(src->nsp);
	dst->reply_arg = dup_or_null(src->reply_arg);
	dst->reply_value = dup_or_null(src->reply_value);
}

void
wsclient_spec_free(struct wsclient_spec *spec)
{
	free(spec->message);
	free(spec->event);
	free(spec->nsp);
	free(spec->reply_arg);
	free(spec->reply_value);
	memset(spec, 0, sizeof *spec);
}

size_t
wsclient_code_slot(unsigned code)
{
	return code >= CLOSE_CODE_FIRST && code <= CLOSE_CODE_LAST ? code - CLOSE_CODE_FIRST : WSCLIENT_NCODES - 1;
}

void
wsclient_slot_name(size_t slot, char out[8])
{
	if (slot < WSCLIENT_NCODES - 1)
		snprintf(out, 8, "%u", (unsigned)(CLOSE_CODE_FIRST + slot));
	else
		snprintf(out, 8, "other");
}

/* ---- the session ---- */

void
wsclient_start(struct wsclient *s, const struct wsclient_spec *spec, const char *host, const char *path,
    const char *query, const char *const *headers)
{
	struct buf target = { 0 };

	memset(s, 0, sizeof *s);
	s->spec = spec;
	s->want_ack = -1;
	ws_key_new(s->key);
	if (spec->protocol == WSCLIENT_SOCKETIO) {
		socketio_path(&target, path, query);
	} else {
		buf_adds(&target, path && *path ? path : "/");
		if (query && *query)
			buf_printf(&target, "?%s", query);
	}
	ws_handshake_request(&s->out, host, target.data, s->key, headers);
	buf_free(&target);
}

void
wsclient_feed(struct wsclient *s, const void *data, size_t len)
{
	if (s->in_off == s->in.len) {
		s->in_off = 0;
		buf_reset(&s->in);
	} else if (s->in_off > 0 && s->in_off >= s->in.len / 2) {
		memmove(s->in.data, s->in.data + s->in_off, s->in.len - s->in_off);
		s->in.len -= s->in_off;
		s->in_off = 0;
	}
	buf_add(&s->in, data, len);
}

void
wsclient_wrote(struct wsclient *s, size_t n)
{
	s->out_off += n;
	if (s->out_off >= s->out.len) {
		s->out_off = 0;
		buf_reset(&s->out);
	}
}

static enum wsclient_event
failed(struct wsclient *s, enum failure f, const char *fmt, ...) PR_PRINTF(3, 4);

static enum wsclient_event
failed(struct wsclient *s, enum failure f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof s->error, fmt, ap);
	va_end(ap);
	s->failure = f;
	s->state = WSCLIENT_S_CLOSED;
	s->waiting = false;
	return WSCLIENT_FAILED;
}

static void
send_text(struct wsclient *s, const char *text, size_t len)
{
	ws_frame_encode(&s->out, WS_OP_TEXT, text, len);
}

/* Whether a ping may be answered: not while s->out holds
 * WSCLIENT_MAX_BACKLOG_BYTES not yet written. */
static bool
pong_fits(const struct wsclient *s)
{
	return s->out.len - s->out_off < WSCLIENT_MAX_BACKLOG_BYTES;
}

/* The 101 (or not): on to frames, or failed. */
static enum wsclient_event
step_upgrade(struct wsclient *s)
{
	size_t head = 0;

	switch (ws_handshake_response(s->in.data + s->in_off, s->in.len - s->in_off, s->key, &s->status, &head)) {
	case WS_HS_MORE:
		return WSCLIENT_NONE;
	case WS_HS_STATUS:
		return failed(s, PR_FAILURE_STATUS, "the upgrade was answered with HTTP status %ld, not 101",
		    s->status);
	case WS_HS_INVALID:
		return failed(s, PR_FAILURE_OTHER, "the server's answer is not a WebSocket upgrade");
	case WS_HS_OK:
		break;
	}
	s->in_off += head;
	s->state = s->spec->protocol == WSCLIENT_SOCKETIO ? WSCLIENT_S_EIO_OPEN : WSCLIENT_S_READY;
	return WSCLIENT_UPGRADED;
}

/* The text a reply is judged on: a WebSocket message, or an event's or ack's first argument. */
static bool
reply_matches(const struct wsclient *s, const char *text, size_t len)
{
	const struct wsclient_spec *sp = s->spec;
	bool ok = false;

	switch (sp->reply) {
	case WSCLIENT_ECHO:
		/* An empty message's text may be NULL: compare bytes only when there are some. */
		return sp->message && strlen(sp->message) == len && (len == 0 || memcmp(sp->message, text, len) == 0);
	case WSCLIENT_CONTAINS:
		return !*sp->reply_arg || (len && memmem(text, len, sp->reply_arg, strlen(sp->reply_arg)) != NULL);
	case WSCLIENT_JSON: {
		cJSON *doc = cJSON_ParseWithLength(text, len);
		const cJSON *at = doc ? jsonpath_get(doc, sp->reply_arg) : NULL;

		if (at && sp->reply_value) {
			char *t = jsonpath_text(at);

			ok = strcmp(t, sp->reply_value) == 0;
			free(t);
		} else {
			ok = at != NULL;
		}
		cJSON_Delete(doc);
		return ok;
	}
	case WSCLIENT_NEXT:
		return true;
	case WSCLIENT_ACK:
	case WSCLIENT_EVENT:
		return false;	/* Socket.IO only: socketio_message decides */
	}
	return false;
}

static enum wsclient_event
got_reply(struct wsclient *s, const char *text, size_t len)
{
	buf_reset(&s->reply);
	buf_add(&s->reply, text, len);
	s->waiting = false;
	s->want_ack = -1;
	return WSCLIENT_REPLY;
}

/* A Socket.IO EVENT or ACK while a reply is awaited. */
static enum wsclient_event
socketio_data(struct wsclient *s, const struct socketio_packet *p)
{
	const struct wsclient_spec *sp = s->spec;
	char *name = NULL, *arg = NULL;
	enum wsclient_event ev = WSCLIENT_NONE;

	if (!s->waiting)
		return WSCLIENT_NONE;
	if (p->type == SOCKETIO_ACK) {
		if (p->ack_id == s->want_ack && (sp->reply == WSCLIENT_ACK || sp->reply == WSCLIENT_NEXT))
			return got_reply(s, p->data, p->data_len);
		if (p->ack_id != s->want_ack || !reply_matches(s, p->data, p->data_len))
			return WSCLIENT_NONE;
		return got_reply(s, p->data, p->data_len);
	}
	if (socketio_event_split(p, &name, &arg) < 0)
		return WSCLIENT_NONE;
	if (sp->reply == WSCLIENT_EVENT ? strcmp(name, sp->reply_arg) == 0 :
	    sp->reply != WSCLIENT_ACK && reply_matches(s, arg ? arg : "", arg ? strlen(arg) : 0))
		ev = got_reply(s, arg ? arg : "", arg ? strlen(arg) : 0);
	free(name);
	free(arg);
	return ev;
}

/* A Socket.IO packet (after Engine.IO's '4'). */
static enum wsclient_event
socketio_message(struct wsclient *s, const char *text, size_t len)
{
	struct socketio_packet p;

	if (socketio_parse(text, len, &p) < 0)
		return WSCLIENT_NONE;	/* binary packets and the like: not ours */
	if (!socketio_in_nsp(&p, s->spec->nsp))
		return WSCLIENT_NONE;
	switch (p.type) {
	case SOCKETIO_CONNECT:
		if (s->state != WSCLIENT_S_SIO_CONNECT)
			return WSCLIENT_NONE;
		s->state = WSCLIENT_S_READY;
		return WSCLIENT_READY;
	case SOCKETIO_CONNECT_ERROR:
		s->status = 0;
		return failed(s, PR_FAILURE_STATUS, "the server refused the namespace: %.*s",
		    (int)(p.data_len > MAX_QUOTED ? MAX_QUOTED : p.data_len), p.data);
	case SOCKETIO_DISCONNECT:
		s->close_code = WS_CLOSE_GOING_AWAY;
		return failed(s, PR_FAILURE_RESET, "the server disconnected the Socket.IO namespace");
	default:
		return socketio_data(s, &p);
	}
}

/* An Engine.IO packet (one WebSocket text message). */
static enum wsclient_event
engineio_message(struct wsclient *s, const char *text, size_t len)
{
	struct buf pkt = { 0 };

	if (len == 0)
		return failed(s, PR_FAILURE_OTHER, "an empty Engine.IO packet");
	switch (text[0]) {
	case SOCKETIO_EIO_OPEN:
		if (s->state != WSCLIENT_S_EIO_OPEN || socketio_open_parse(text + 1, len - 1, &s->open) < 0)
			return failed(s, PR_FAILURE_OTHER, "a malformed Engine.IO open packet");
		socketio_connect_encode(&pkt, s->spec->nsp);
		send_text(s, pkt.data, pkt.len);
		buf_free(&pkt);
		s->state = WSCLIENT_S_SIO_CONNECT;
		return WSCLIENT_NONE;
	case SOCKETIO_EIO_PING:
		if (!pong_fits(s))
			return WSCLIENT_NONE;
		buf_addc(&pkt, SOCKETIO_EIO_PONG);	/* the pong carries the ping's data, if any */
		buf_add(&pkt, text + 1, len - 1);
		send_text(s, pkt.data, pkt.len);
		buf_free(&pkt);
		s->pings++;
		return WSCLIENT_NONE;
	case SOCKETIO_EIO_CLOSE:
		s->close_code = WS_CLOSE_GOING_AWAY;
		return failed(s, PR_FAILURE_RESET, "the server closed the Engine.IO session");
	case SOCKETIO_EIO_MESSAGE:
		if (s->state == WSCLIENT_S_EIO_OPEN)
			return failed(s, PR_FAILURE_OTHER, "an Engine.IO message before the open packet");
		return socketio_message(s, text + 1, len - 1);
	case SOCKETIO_EIO_PONG:
	case SOCKETIO_EIO_NOOP:
		return WSCLIENT_NONE;
	default:
		return failed(s, PR_FAILURE_OTHER, "an unknown Engine.IO packet type '%c'", text[0]);
	}
}

static enum wsclient_event
on_message(struct wsclient *s)
{
	const char *text = s->dec.msg.data ? s->dec.msg.data : "";
	size_t len = s->dec.msg.len;

	if (s->spec->protocol == WSCLIENT_SOCKETIO)
		return engineio_message(s, text, len);
	if (s->waiting && reply_matches(s, text, len))
		return got_reply(s, text, len);
	return WSCLIENT_NONE;
}

enum wsclient_event
wsclient_step(struct wsclient *s)
{
	enum wsclient_event ev = WSCLIENT_NONE;

	if (s->state == WSCLIENT_S_CLOSED)
		return WSCLIENT_NONE;
	if (s->state == WSCLIENT_S_UPGRADE)
		return step_upgrade(s);
	while (ev == WSCLIENT_NONE && s->state != WSCLIENT_S_CLOSED) {
		const uint8_t *payload = NULL;
		size_t used = 0, plen = 0;
		unsigned code = 0;

		switch (ws_decode(&s->dec, (const uint8_t *)s->in.data + s->in_off, s->in.len - s->in_off, &used,
		    &payload, &plen, &code)) {
		case WS_EV_MORE:
			if (used == 0)
				return WSCLIENT_NONE;
			break;
		case WS_EV_PING:
			if (!pong_fits(s))
				break;
			ws_frame_encode(&s->out, WS_OP_PONG, payload, plen);
			s->pings++;
			break;
		case WS_EV_PONG:
			break;
		case WS_EV_MESSAGE:
			s->in_off += used;
			used = 0;
			ev = on_message(s);
			break;
		case WS_EV_CLOSE:
			s->close_code = code;
			ws_close_encode(&s->out, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code, NULL);
			ev = failed(s, PR_FAILURE_RESET, "the server closed the WebSocket (code %u)", code);
			break;
		case WS_EV_ERROR:
			s->close_code = code;
			ws_close_encode(&s->out, code, NULL);
			return failed(s, PR_FAILURE_OTHER, "a WebSocket protocol error (closed with %u)", code);
		}
		s->in_off += used;
	}
	return ev;
}

void
wsclient_send(struct wsclient *s)
{
	const struct wsclient_spec *sp = s->spec;

	if (sp->protocol == WSCLIENT_SOCKETIO) {
		struct buf pkt = { 0 };

		s->want_ack = sp->reply == WSCLIENT_ACK || sp->reply == WSCLIENT_NEXT ? s->next_ack++ : -1;
		socketio_event_encode(&pkt, sp->nsp, s->want_ack, sp->event, sp->message);
		send_text(s, pkt.data, pkt.len);
		buf_free(&pkt);
	} else {
		send_text(s, sp->message, strlen(sp->message));
	}
	s->waiting = true;
}

void
wsclient_close(struct wsclient *s)
{
	if (s->state == WSCLIENT_S_CLOSED || s->state == WSCLIENT_S_UPGRADE)
		return;
	ws_close_encode(&s->out, WS_CLOSE_NORMAL, NULL);
	s->state = WSCLIENT_S_CLOSED;
}

void
wsclient_free(struct wsclient *s)
{
	ws_decoder_free(&s->dec);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->reply);
}
