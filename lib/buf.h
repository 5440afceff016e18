/*
 * buf.h: a growable byte buffer, always NUL-terminated.
 *
 * A zeroed struct buf is empty and ready.  The caller owns b->data and frees
 * it with buf_free().  Allocation failure aborts: every program here is short
 * lived and has no useful way to go on without memory.
 */
#ifndef PR_BUF_H
#define PR_BUF_H

#include <stddef.h>

#include "pr.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) PR_PRINTF(2, 3);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* buf_free, after overwriting the contents with zeros (explicit_bzero):
 * for buffers that held a secret. */
void buf_wipe(struct buf *b);

/* Hand over the string (never NULL) and leave b empty. */
char *buf_detach(struct buf *b);

/* malloc/calloc/realloc/strdup that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
