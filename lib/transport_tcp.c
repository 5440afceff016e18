/*
 * transport_tcp.c: the plain TCP transport (transport.h): no handshake,
 * recv and send on the non-blocking socket.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

static int
tcp_init(void **ctx, const struct transport_config *cfg, char *err, size_t errlen)
{
	(void)cfg, (void)err, (void)errlen;
	*ctx = NULL;
	return 0;
}

static void
tcp_free(void *ctx)
{
	(void)ctx;
}

static enum transport_status
tcp_handshake(void *ctx, struct transport_conn *c)
{
	(void)ctx, (void)c;
	return PR_TX_OK;
}

static enum transport_status
tcp_read(struct transport_conn *c, void *buf, size_t len, size_t *n)
{
	ssize_t got;

	do
		got = recv(c->fd, buf, len, 0);
	while (got < 0 && errno == EINTR);
	if (got > 0) {
		*n = (size_t)got;
		return PR_TX_OK;
	}
	if (got == 0)
		return PR_TX_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->want = EPOLLIN;
		return PR_TX_RETRY;
	}
	return PR_TX_ERROR;
}

static enum transport_status
tcp_write(struct transport_conn *c, const void *buf, size_t len, size_t *n)
{
	ssize_t put;

	do
		put = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (put < 0 && errno == EINTR);
	if (put >= 0) {
		*n = (size_t)put;
		return PR_TX_OK;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->want = EPOLLOUT;
		return PR_TX_RETRY;
	}
	return PR_TX_ERROR;
}

static size_t
tcp_pending(const struct transport_conn *c)
{
	(void)c;
	return 0;
}

static void
tcp_close(struct transport_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
}

const struct transport transport_tcp = {
	.name = "tcp",
	.init = tcp_init,
	.free = tcp_free,
	.handshake = tcp_handshake,
	.read = tcp_read,
	.write = tcp_write,
	.pending = tcp_pending,
	.close = tcp_close,
};
