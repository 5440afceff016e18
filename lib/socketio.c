/*
 * socketio.c: Engine.IO v4 and Socket.IO v4 packets (see socketio.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "socketio.h"

#define SOCKETIO_DEFAULT_PATH "/socket.io/"
#define MAX_ACK_ID 2147483647L

void
socketio_path(struct buf *out, const char *path, const char *query)
{
	buf_adds(out, path && *path && strcmp(path, "/") != 0 ? path : SOCKETIO_DEFAULT_PATH);
	buf_adds(out, "?EIO=4&transport=websocket");
	if (query && *query)
		buf_printf(out, "&%s", query);
}

int
socketio_open_parse(const char *json, size_t len, struct socketio_open *o)
{
	cJSON *doc = cJSON_ParseWithLength(json, len);
	const cJSON *sid, *pi, *pt;
	int rc = -1;

	memset(o, 0, sizeof *o);
	sid = cJSON_GetObjectItemCaseSensitive(doc, "sid");
	pi = cJSON_GetObjectItemCaseSensitive(doc, "pingInterval");
	pt = cJSON_GetObjectItemCaseSensitive(doc, "pingTimeout");
	if (cJSON_IsString(sid) && cJSON_IsNumber(pi) && cJSON_IsNumber(pt) && pi->valuedouble >= 0 &&
	    pt->valuedouble >= 0) {
		snprintf(o->sid, sizeof o->sid, "%s", sid->valuestring);
		o->ping_interval_ms = pi->valuedouble;
		o->ping_timeout_ms = pt->valuedouble;
		rc = 0;
	}
	cJSON_Delete(doc);
	return rc;
}

static bool
main_nsp(const char *nsp)
{
	return !nsp || !*nsp || strcmp(nsp, "/") == 0;
}

void
socketio_connect_encode(struct buf *out, const char *nsp)
{
	buf_addc(out, SOCKETIO_EIO_MESSAGE);
	buf_addc(out, '0' + SOCKETIO_CONNECT);
	if (!main_nsp(nsp))
		buf_printf(out, "%s,", nsp);
}

void
socketio_event_encode(struct buf *out, const char *nsp, long ack_id, const char *event, const char *args_json)
{
	cJSON *name = cJSON_CreateString(event);
	char *quoted = cJSON_PrintUnformatted(name);

	buf_addc(out, SOCKETIO_EIO_MESSAGE);
	buf_addc(out, '0' + SOCKETIO_EVENT);
	if (!main_nsp(nsp))
		buf_printf(out, "%s,", nsp);
	if (ack_id >= 0)
		buf_printf(out, "%ld", ack_id);
	buf_printf(out, "[%s%s%s]", quoted, args_json ? "," : "", args_json ? args_json : "");
	free(quoted);
	cJSON_Delete(name);
}

int
socketio_parse(const char *s, size_t len, struct socketio_packet *p)
{
	size_t i = 1;

	memset(p, 0, sizeof *p);
	p->ack_id = -1;
	p->nsp = "/";
	p->nsp_len = 1;
	p->data = "";
	if (len == 0 || s[0] < '0' + SOCKETIO_CONNECT || s[0] > '0' + SOCKETIO_BINARY_ACK)
		return -1;
	p->type = (enum socketio_type)(s[0] - '0');
	if (p->type == SOCKETIO_BINARY_EVENT || p->type == SOCKETIO_BINARY_ACK)
		return -1;
	if (i < len && s[i] == '/') {
		const char *comma = memchr(s + i, ',', len - i);

		p->nsp = s + i;
		p->nsp_len = comma ? (size_t)(comma - (s + i)) : len - i;
		i += p->nsp_len + (comma != NULL);
	}
	if (i < len && s[i] >= '0' && s[i] <= '9') {
		long id = 0;

		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			id = id * 10 + (s[i] - '0');
			if (id > MAX_ACK_ID)
				return -1;
		}
		p->ack_id = id;
	}
	p->data = s + i;
	p->data_len = len - i;
	if (p->type == SOCKETIO_ACK && p->ack_id < 0)
		return -1;
	return 0;
}

bool
socketio_in_nsp(const struct socketio_packet *p, const char *nsp)
{
	if (main_nsp(nsp))
		return p->nsp_len == 1 && p->nsp[0] == '/';
	return strlen(nsp) == p->nsp_len && memcmp(nsp, p->nsp, p->nsp_len) == 0;
}

int
socketio_event_split(const struct socketio_packet *p, char **name, char **first_arg)
{
	cJSON *doc = cJSON_ParseWithLength(p->data, p->data_len);
	const cJSON *first = cJSON_GetArrayItem(doc, 0);
	int rc = -1;

	*name = *first_arg = NULL;
	if (cJSON_IsArray(doc) && cJSON_IsString(first)) {
		const cJSON *arg = first->next;

		*name = xstrdup(first->valuestring);
		*first_arg = arg ? cJSON_PrintUnformatted(arg) : NULL;
		rc = 0;
	}
	cJSON_Delete(doc);
	return rc;
}
