/*
 * transport.h: the byte streams the load engine speaks over, one table of
 * operations each, as wrk's struct sock and curl's lib/vtls/.
 *
 * The engine (loadgen.c) opens a non-blocking TCP socket and connects it
 * itself; from then on it calls only the table's operations, so that a new
 * transport is a new table and never a branch in the engine:
 *
 *   transport_tcp  plain TCP: no handshake, read and write are recv and send
 *   transport_tls  TLS through OpenSSL: non-blocking handshake, ALPN, session
 *              resumption (the run's last session offered to each new
 *              connection), verification unless insecure
 *
 * Every operation is non-blocking.  PR_TX_RETRY means "call again when the
 * socket is ready for c->want" (EPOLLIN or EPOLLOUT: TLS may want to write
 * while reading); the engine registers exactly that with epoll.
 *
 * Above these sit the protocols, each an engine of the same shape
 * (loadgen_int.h): run_plain in loadgen.c frames HTTP/1.1, loadgen_run_h2 in
 * loadgen_h2.c HTTP/2, each over any transport here, sharing the schedule,
 * the accounting, the address and the threads (run_engine picks one).  A
 * message protocol (WebSocket, Socket.IO) is a new engine file of that
 * shape over these same tables; a byte stream (a Unix socket) is a new
 * table here.  Neither touches the other engines.
 *
 * Failures: the caller classes a handshake that fails as PR_FAILURE_TLS,
 * a read or write that fails as PR_FAILURE_RESET (failure.h's table).
 */
#ifndef PR_TRANSPORT_H
#define PR_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum transport_status {
	PR_TX_OK,		/* done; for read, *n > 0 bytes */
	PR_TX_RETRY,		/* would block: wait for c->want */
	PR_TX_CLOSED,		/* read: the peer closed the stream cleanly */
	PR_TX_ERROR		/* the stream is broken; close it */
};

/* One connection's transport state, embedded in the engine's connection. */
struct transport_conn {
	int fd;			/* connected, non-blocking; -1 when closed */
	void *tls;		/* the transport's own state (an SSL *), or NULL */
	uint32_t want;		/* after PR_TX_RETRY: EPOLLIN or EPOLLOUT */
	bool resumed;		/* TLS: the handshake resumed a session */
	char alpn[16];		/* TLS: the protocol the server chose, or "" */
};

/* What a run asks of its transport. */
struct transport_config {
	const char *host;	/* for SNI and verification ("127.0.0.1", "[::1]" or a name) */
	bool insecure;		/* skip certificate verification (-k) */
	const char *alpn;	/* protocols offered, wire format ("\x08http/1.1"), or NULL */
};

struct transport {
	const char *name;	/* "tcp", "tls" */
	/* Make the run's shared state (*ctx; an SSL_CTX for TLS).  Returns 0,
	 * or -1 with a one-line reason in err. */
	int (*init)(void **ctx, const struct transport_config *cfg, char *err, size_t errlen);
	void (*free)(void *ctx);
	/* After connect(): set up and advance the handshake.  PR_TX_OK when
	 * the stream is ready, PR_TX_RETRY, or PR_TX_ERROR. */
	enum transport_status (*handshake)(void *ctx, struct transport_conn *c);
	enum transport_status (*read)(struct transport_conn *c, void *buf, size_t len, size_t *n);
	enum transport_status (*write)(struct transport_conn *c, const void *buf, size_t len, size_t *n);
	/* Bytes the transport holds (decrypted, or read ahead from the
	 * socket) that epoll will not announce; > 0 means read again. */
	size_t (*pending)(const struct transport_conn *c);
	/* Close the stream and the socket (fd becomes -1); no-op when closed. */
	void (*close)(struct transport_conn *c);
};

extern const struct transport transport_tcp;
extern const struct transport transport_tls;

#endif
