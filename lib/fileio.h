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
int fileio_read_file(const char *path, size_t max_bytes, struct buf *out);

/* Mode of output files before the umask: what open() and shells use, so
 * that umask 077 keeps documents private. */
#define PR_OUTPUT_MODE 0666

/*
 * Write len bytes to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory.  A crash never leaves a half file
 * under path.  The file gets PR_OUTPUT_MODE less the umask.  See
 * fileio_open_atomic() for targets that are not regular files.  Returns 0 or
 * PR_EXTERNAL (reported).
 */
int fileio_write_atomic(const char *path, const void *data, size_t len);
/* The same with mode (less the umask) instead, e.g. 0600 for a file holding secrets. */
int fileio_write_atomic_mode(const char *path, const void *data, size_t len, int mode);

/*
 * For writers that stream (archives, documents).  fileio_open_atomic() opens
 * f->fd for path, created with mode (less the umask), and returns it, or -1
 * (reported).  fileio_commit_atomic() puts the bytes written in place;
 * fileio_abort_atomic() undoes what it can.  Both report their own errors and
 * free what open allocated.
 *
 * A regular file, or a path that does not exist yet, is replaced
 * atomically: a temporary file beside it (removed by fileio_tmp_remove_all() on
 * a signal) is fsynced and renamed over it.  A symbolic link is followed,
 * and the regular file it names is replaced the same way, so the link stays
 * a link; a link into /dev or /proc (/dev/stdout, /dev/fd/N) is not
 * followed.  Anything else that exists (a FIFO, a character device such as
 * /dev/null, the terminal, /dev/stdout) is written in place, never renamed
 * over: f->tmp is then NULL and abort cannot take back what was written.
 */
struct fileio_atomic {
	int fd;
	char *tmp;		/* temporary name, NULL when writing in place */
	char *dest;		/* the file renamed over: path, or a link's target */
};
int fileio_open_atomic(struct fileio_atomic *f, const char *path, int mode);
int fileio_commit_atomic(struct fileio_atomic *f);
void fileio_abort_atomic(struct fileio_atomic *f);

/*
 * Temporary files and directories to remove when a signal ends the program
 * (proc.h installs the handler): at most PR_TMP_MAX paths, removed in the
 * reverse order of tracking (files inside a directory before it).
 * fileio_tmp_track copies path; fileio_tmp_untrack forgets it (after it was removed
 * or renamed into place).  fileio_tmp_remove_all() is async-signal-safe.
 */
#define PR_TMP_MAX 32
void fileio_tmp_track(const char *path);
void fileio_tmp_untrack(const char *path);
void fileio_tmp_remove_all(void);

/*
 * A new private directory PR_TMP_ROOT/<prefix>.XXXXXX (mkdtemp), tracked:
 * 0 with *dir (caller frees), or -1 with errno set.
 */
#define PR_TMP_ROOT "/tmp"
int fileio_tmp_mkdir(const char *prefix, char **dir);

/*
 * Remove the temporary path and untrack it: a file, or a directory with the
 * files in it (one level, as an extraction leaves them, each untracked).
 * The one way to drop what fileio_tmp_track holds, besides a signal.
 */
void fileio_tmp_remove(const char *path);

/* Write all of len bytes to fd, retrying short writes and EINTR. 0 or -1. */
int fileio_write_all(int fd, const void *data, size_t len);

/* mkdir -p; 0 or -1 with errno set. */
int fileio_mkdirs(const char *path, int mode);

#endif
