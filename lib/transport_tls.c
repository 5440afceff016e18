/*
 * transport_tls.c: TLS over OpenSSL for the load engine (transport.h).
 *
 * One SSL_CTX per run.  Verification is libcurl's: the system's trust
 * store, the certificate must name the URL's host (an IP address is
 * matched as one), and -k turns both off.  The client session cache keeps
 * the last session the server issued (TLS 1.3 sends it after the
 * handshake), and a new connection offers one, so that a connection
 * opened again resumes instead of paying a full handshake.  A TLS 1.3
 * ticket is meant to be offered once (RFC 8446 C.4), so the sessions
 * received wait in a small pool and each new connection takes the newest;
 * when the pool is empty the last one taken is offered again (TLS 1.2
 * sessions, and most servers' tickets, resume any number of times).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "transport.h"

#define SESSION_POOL 64	/* sessions kept for connections opened at once */
#define TLS_READ_AHEAD_BYTES 65536	/* read from the socket at once */

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	SSL_SESSION *pool[SESSION_POOL];	/* unused sessions, oldest first */
	size_t npool;
	SSL_SESSION *last;	/* the last one offered, or NULL */
	char host[256];		/* without IPv6 brackets */
	bool host_is_ip;
};

/* SSL_CTX ex-data index of the struct tls_ctx, for the session callback;
 * made once, whichever load thread comes first. */
static int tls_ctx_index = -1;
static pthread_once_t tls_index_once = PTHREAD_ONCE_INIT;

static void
tls_index_new(void)
{
	tls_ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* A new session arrived: keep it (the reference is ours) for the next connection. */
static int
tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_ctx *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ctx_index);

	if (!t || !SSL_SESSION_is_resumable(sess))
		return 0;
	if (t->npool == SESSION_POOL) {
		SSL_SESSION_free(t->pool[0]);
		memmove(t->pool, t->pool + 1, (SESSION_POOL - 1) * sizeof *t->pool);
		t->npool--;
	}
	t->pool[t->npool++] = sess;
	return 1;
}

static int
tls_init(void **ctx, const struct transport_config *cfg, char *err, size_t errlen)
{
	struct tls_ctx *t = calloc(1, sizeof *t);
	unsigned char addr[16];
	size_t hlen;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_once(&tls_index_once, tls_index_new);
	snprintf(t->host, sizeof t->host, "%s", cfg->host[0] == '[' ? cfg->host + 1 : cfg->host);
	hlen = strcspn(t->host, "]");
	t->host[hlen] = '\0';
	t->host_is_ip = inet_pton(AF_INET, t->host, addr) == 1 || inet_pton(AF_INET6, t->host, addr) == 1;
	t->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ssl_ctx) {
		snprintf(err, errlen, "OpenSSL could not make a TLS context: %s",
		    ERR_reason_error_string(ERR_get_error()));
		free(t);
		return -1;
	}
	SSL_CTX_set_ex_data(t->ssl_ctx, tls_ctx_index, t);
	SSL_CTX_set_min_proto_version(t->ssl_ctx, TLS1_2_VERSION);
	/* A peer that closes without close_notify ends the stream like EOF,
	 * as an HTTP/1.1 body read until close requires. */
	SSL_CTX_set_options(t->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Buffers stay with their connection (SSL_MODE_RELEASE_BUFFERS would
	 * free and allocate them again on every request). */
	SSL_CTX_set_mode(t->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Read what the socket holds, many records at once, instead of each
	 * record's header and then its body: half the read calls. */
	SSL_CTX_set_read_ahead(t->ssl_ctx, 1);
	SSL_CTX_set_default_read_buffer_len(t->ssl_ctx, TLS_READ_AHEAD_BYTES);
	SSL_CTX_set_session_cache_mode(t->ssl_ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(t->ssl_ctx, tls_new_session);
	if (cfg->alpn)
		SSL_CTX_set_alpn_protos(t->ssl_ctx, (const unsigned char *)cfg->alpn, (unsigned)strlen(cfg->alpn));
	if (cfg->insecure) {
		SSL_CTX_set_verify(t->ssl_ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(t->ssl_ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_default_verify_paths(t->ssl_ctx);
	}
	*ctx = t;
	return 0;
}

static void
tls_free(void *ctx)
{
	struct tls_ctx *t = ctx;

	if (!t)
		return;
	while (t->npool)
		SSL_SESSION_free(t->pool[--t->npool]);
	if (t->last)
		SSL_SESSION_free(t->last);
	SSL_CTX_free(t->ssl_ctx);
	free(t);
}

/* A new SSL for c's socket: SNI, the name to verify, the session to resume. */
static SSL *
tls_new(struct tls_ctx *t, struct transport_conn *c)
{
	SSL *ssl = SSL_new(t->ssl_ctx);

	if (!ssl)
		return NULL;
	SSL_set_fd(ssl, c->fd);
	SSL_set_connect_state(ssl);
	if (t->host_is_ip) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host);
	} else {
		SSL_set_tlsext_host_name(ssl, t->host);	/* SNI names hosts, never addresses */
		SSL_set1_host(ssl, t->host);
	}
	if (t->npool) {
		if (t->last)
			SSL_SESSION_free(t->last);
		t->last = t->pool[--t->npool];
	}
	if (t->last)
		SSL_set_session(ssl, t->last);
	return ssl;
}

/* After a call on ssl returned rc <= 0: PR_TX_RETRY (c->want set), _CLOSED or _ERROR. */
static enum transport_status
tls_status(SSL *ssl, struct transport_conn *c, int rc)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		c->want = EPOLLIN;
		return PR_TX_RETRY;
	case SSL_ERROR_WANT_WRITE:
		c->want = EPOLLOUT;
		return PR_TX_RETRY;
	case SSL_ERROR_ZERO_RETURN:
		return PR_TX_CLOSED;
	default:
		ERR_clear_error();	/* the queue is per thread: leave it clean */
		return PR_TX_ERROR;
	}
}

static enum transport_status
tls_handshake(void *ctx, struct transport_conn *c)
{
	struct tls_ctx *t = ctx;
	const unsigned char *proto;
	unsigned plen;
	int rc;

	if (!c->tls && !(c->tls = tls_new(t, c)))
		return PR_TX_ERROR;
	rc = SSL_do_handshake(c->tls);
	if (rc <= 0)
		return tls_status(c->tls, c, rc);
	c->resumed = SSL_session_reused(c->tls);
	SSL_get0_alpn_selected(c->tls, &proto, &plen);
	if (plen >= sizeof c->alpn)
		plen = 0;
	if (plen)	/* no protocol chosen: proto is NULL */
		memcpy(c->alpn, proto, plen);
	c->alpn[plen] = '\0';
	return PR_TX_OK;
}

static enum transport_status
tls_read(struct transport_conn *c, void *buf, size_t len, size_t *n)
{
	int rc = SSL_read_ex(c->tls, buf, len, n);

	return rc == 1 ? PR_TX_OK : tls_status(c->tls, c, rc);
}

static enum transport_status
tls_write(struct transport_conn *c, const void *buf, size_t len, size_t *n)
{
	int rc = SSL_write_ex(c->tls, buf, len, n);

	return rc == 1 ? PR_TX_OK : tls_status(c->tls, c, rc);
}

/* Decrypted bytes, or (read ahead) records read but not yet decrypted:
 * at least 1 whenever a read would not need the socket. */
static size_t
tls_pending(const struct transport_conn *c)
{
	int n;

	if (!c->tls || !SSL_has_pending(c->tls))
		return 0;
	n = SSL_pending(c->tls);
	return n > 0 ? (size_t)n : 1;
}

/*
 * No close_notify: the load is over or the stream is broken, and the
 * server does not wait for one.  Marked as shut down all the same, or
 * SSL_free would take the session for a bad one and make it, and the
 * tickets in the pool that are the same object, unresumable.
 */
static void
tls_close(struct transport_conn *c)
{
	if (c->tls) {
		SSL_set_shutdown(c->tls, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(c->tls);
	}
	c->tls = NULL;
	c->resumed = false;
	c->alpn[0] = '\0';
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
}

const struct transport transport_tls = {
	.name = "tls",
	.init = tls_init,
	.free = tls_free,
	.handshake = tls_handshake,
	.read = tls_read,
	.write = tls_write,
	.pending = tls_pending,
	.close = tls_close,
};
