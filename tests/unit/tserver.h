/*
 * tserver.h: a scripted HTTP/1.1 server on 127.0.0.1 in a thread of the unit
 * test, for the modules that talk HTTP (http, github, blob).  It answers the
 * Nth request with the Nth scripted response (the last one repeats), closes
 * the connection after each, and records every request (method, target,
 * header block, body) for the test to check.
 *
 *	static const char *const r[] = {TS_503, TS_204, NULL};
 *	struct ts_server s;
 *	if (ts_start(&s, r) == 0) { ...request s.url...; CHECK(s.nreqs == 2); ts_stop(&s); }
 *
 * A response is the raw bytes to send; TS_DROP closes without answering and
 * TS_STALL waits TS_STALL_MS first.  One connection at a time: enough for
 * clients that send one request at a time.
 */
#ifndef PR_TSERVER_H
#define PR_TSERVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"

#define TS_MAX_REQS 16
#define TS_HEAD_MAX_BYTES 16384
#define TS_STALL_MS 1500

#define TS_DROP "\001drop"
#define TS_STALL "\001stall"
#define TS_204 "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
#define TS_201 "HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
#define TS_503 "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

struct ts_req {
	char method[16];
	char target[1024];	/* path and query, as sent */
	char head[TS_HEAD_MAX_BYTES];	/* the header lines, "\r\n"-separated */
	struct buf body;
};

struct ts_server {
	int lfd;
	int port;
	char url[64];		/* http://127.0.0.1:PORT */
	const char *const *responses;
	pthread_t thread;
	int running;		/* the thread was started */
	int nreqs;
	struct ts_req reqs[TS_MAX_REQS];
};

/* Value of header name in r (case-insensitive, trimmed) into out, or NULL. */
static inline const char *
ts_header(const struct ts_req *r, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	for (const char *p = r->head; *p; ) {
		size_t len = strcspn(p, "\r\n");

		if (len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;

			while (*v == ' ')
				v++;
			snprintf(out, outlen, "%.*s", (int)(len - (size_t)(v - p)), v);
			return out;
		}
		p += len;
		p += strspn(p, "\r\n");
	}
	return NULL;
}

/* Read one request from fd into r: 0, or -1 when the client went away. */
static inline int
ts_read_request(int fd, struct ts_req *r)
{
	char head[TS_HEAD_MAX_BYTES], cl[32];
	size_t len = 0, want = 0;
	char *end = NULL;

	while (!end) {
		ssize_t n = recv(fd, head + len, sizeof head - 1 - len, 0);

		if (n <= 0)
			return -1;
		len += (size_t)n;
		head[len] = '\0';
		end = strstr(head, "\r\n\r\n");
		if (!end && len == sizeof head - 1)
			return -1;
	}
	*end = '\0';
	sscanf(head, "%15s %1023s", r->method, r->target);
	snprintf(r->head, sizeof r->head, "%s", strstr(head, "\r\n") ? strstr(head, "\r\n") + 2 : "");
	if (ts_header(r, "Content-Length", cl, sizeof cl))
		want = strtoul(cl, NULL, 10);
	buf_add(&r->body, end + 4, len - (size_t)(end + 4 - head));
	while (r->body.len < want) {
		char chunk[65536];
		ssize_t n = recv(fd, chunk, sizeof chunk, 0);

		if (n <= 0)
			return -1;
		buf_add(&r->body, chunk, (size_t)n);
	}
	return 0;
}

static inline void *
ts_serve(void *arg)
{
	struct ts_server *s = arg;
	int nresp = 0;

	while (s->responses[nresp])
		nresp++;
	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		const char *resp;

		if (fd < 0)
			return NULL;
		if (s->nreqs == TS_MAX_REQS || ts_read_request(fd, &s->reqs[s->nreqs]) != 0) {
			close(fd);
			continue;
		}
		resp = s->responses[s->nreqs < nresp ? s->nreqs : nresp - 1];
		s->nreqs++;
		if (strcmp(resp, TS_STALL) == 0)
			usleep(TS_STALL_MS * 1000);
		else if (strcmp(resp, TS_DROP) != 0)
			send(fd, resp, strlen(resp), MSG_NOSIGNAL);
		close(fd);
	}
}

/* Listen on a free loopback port and serve responses (NULL-terminated,
 * at least one).  0, or -1 when the socket cannot be had. */
static inline int
ts_start(struct ts_server *s, const char *const *responses)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;

	memset(s, 0, sizeof *s);
	s->responses = responses;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
	s->running = pthread_create(&s->thread, NULL, ts_serve, s) == 0;
	return s->running ? 0 : -1;
}

/* Stop serving; the recorded requests stay readable until ts_free(). */
static inline void
ts_stop(struct ts_server *s)
{
	if (s->lfd >= 0)
		shutdown(s->lfd, SHUT_RDWR);
	if (s->running)
		pthread_join(s->thread, NULL);
	if (s->lfd >= 0)
		close(s->lfd);
	s->running = 0;
	s->lfd = -1;
}

static inline void
ts_free(struct ts_server *s)
{
	for (int i = 0; i < TS_MAX_REQS; i++)
		buf_free(&s->reqs[i].body);
}

/* A port with nothing listening: bound once, then let go. */
static inline int
ts_closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#endif
