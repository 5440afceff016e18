/*
 * fileio.h: reading whole inputs and writing files atomically.
 */
#ifndef PR_FILEIO_H
#define PR_FILEIO_H

#include <stddef.h>

#include "buf.h"

/* Largest input document or config read into memory: 1 GiB. */
#define PR_MAX_INPUT_BYTES ((size_t)1 << 30)

/*
 * Read all of path ("-" is stdin) into out, refusing directories, unreadable
 * files and inputs over max_bytes.  Returns 0, or PR_INPUT with the one-line
 * error already reported (naming path).
 */
int pr_read_file(const char *path, size_t max_bytes, struct buf *out);

/*
 * Write len bytes to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory.  A crash never leaves a half file
 * under path.  Returns 0 or PR_EXTERNAL (reported).
 */
int pr_write_atomic(const char *path, const void *data, size_t len);

/*
 * For writers that stream (archives, dumps): open a temporary file next to
 * path and return its descriptor, with its name in tmp (caller frees).
 * pr_commit_atomic() fsyncs, closes and renames it into place;
 * pr_abort_atomic() closes and removes it.  Both report their own errors.
 */
int pr_open_atomic(const char *path, char **tmp);
int pr_commit_atomic(int fd, char *tmp, const char *path);
void pr_abort_atomic(int fd, char *tmp);

/* Write all of len bytes to fd, retrying short writes and EINTR. 0 or -1. */
int pr_write_all(int fd, const void *data, size_t len);

/* mkdir -p; 0 or -1 with errno set. */
int pr_mkdirs(const char *path, int mode);

#endif
