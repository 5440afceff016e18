/* fileio.c: see fileio.h. */
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK_BYTES 65536

int
fileio_read_file(const char *path, size_t max_bytes, struct buf *out)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	struct stat st;
	int fd, rc = PR_OK;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return pr_error(PR_INPUT, "cannot read %s: %s", name, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = pr_error(PR_INPUT, "cannot read %s: is a directory (give a file)", name);
		goto out;
	}
	for (;;) {
		ssize_t n;

		buf_grow(out, READ_CHUNK_BYTES);
		n = read(fd, out->data + out->len, READ_CHUNK_BYTES);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = pr_error(PR_INPUT, "cannot read %s: %s", name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > max_bytes) {
			rc = pr_error(PR_INPUT, "cannot read %s: larger than %zu bytes", name, max_bytes);
			goto out;
		}
	}
out:
	if (!is_stdin)
		close(fd);
	return rc;
}

int
fileio_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
sync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Temporaries removed on a signal: set in order, read by the handler. */
static char *tmp_paths[PR_TMP_MAX];
static volatile sig_atomic_t tmp_count;

void
fileio_tmp_track(const char *path)
{
	if (tmp_count < PR_TMP_MAX) {
		tmp_paths[tmp_count] = xstrdup(path);
		tmp_count = tmp_count + 1;
	}
}

void
fileio_tmp_untrack(const char *path)
{
	char *gone;

	for (int i = tmp_count - 1; i >= 0; i--) {
		if (strcmp(tmp_paths[i], path) != 0)
			continue;
		/* keep the order (files after their directory) for the handler,
		 * which may run between any two of these steps */
		gone = tmp_paths[i];
		for (int j = i; j + 1 < tmp_count; j++)
			tmp_paths[j] = tmp_paths[j + 1];
		tmp_count = tmp_count - 1;
		free(gone);
		return;
	}
}

void
fileio_tmp_remove_all(void)
{
	for (int i = tmp_count - 1; i >= 0; i--) {
		if (unlink(tmp_paths[i]) == -1)
			rmdir(tmp_paths[i]);
	}
}

int
fileio_tmp_mkdir(const char *prefix, char **dir)
{
	struct buf b = {0};

	buf_printf(&b, "%s/%s.XXXXXX", PR_TMP_ROOT, prefix);
	if (!mkdtemp(b.data)) {
		buf_free(&b);
		*dir = NULL;
		return -1;
	}
	*dir = buf_detach(&b);
	fileio_tmp_track(*dir);
	return 0;
}

void
fileio_tmp_remove(const char *path)
{
	DIR *d;
	struct dirent *e;

	if (unlink(path) == 0 || errno == ENOENT || !(d = opendir(path))) {
		fileio_tmp_untrack(path);
		return;
	}
	while ((e = readdir(d))) {
		struct buf p = {0};

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		buf_printf(&p, "%s/%s", path, e->d_name);
		unlink(p.data);
		fileio_tmp_untrack(p.data);
		buf_free(&p);
	}
	closedir(d);
	rmdir(path);
	fileio_tmp_untrack(path);
}

/* How fileio_open_atomic treats a path: replaced by rename, or written in place. */
enum target_kind { TARGET_REPLACE, TARGET_IN_PLACE };

#define MAX_LINK_HOPS 16

/* Links into these are the kernel's (/dev/stdout -> /proc/self/fd/1): the
 * file behind them is a descriptor we share, never something to rename. */
static bool
is_system_link(const char *target)
{
	return strncmp(target, "/dev/", 5) == 0 || strncmp(target, "/proc/", 6) == 0;
}

/* Follow path's symbolic links to the file that would be written: *dest is
 * that path (caller frees). */
static enum target_kind
resolve_target(const char *path, char **dest)
{
	char *cur = xstrdup(path);

	for (int hop = 0; hop < MAX_LINK_HOPS; hop++) {
		char target[PATH_MAX], *copy;
		struct buf next = {0};
		struct stat st;
		ssize_t n;

		*dest = cur;
		if (lstat(cur, &st) == -1 || S_ISREG(st.st_mode))
			return TARGET_REPLACE;	/* new, or open reports why not */
		if (!S_ISLNK(st.st_mode) || (n = readlink(cur, target, sizeof target - 1)) == -1)
			return TARGET_IN_PLACE;
		target[n] = '\0';
		if (is_system_link(target))
			return TARGET_IN_PLACE;
		if (target[0] == '/') {
			buf_adds(&next, target);
		} else {
			copy = xstrdup(cur);
			buf_printf(&next, "%s/%s", dirname(copy), target);
			free(copy);
		}
		free(cur);
		cur = buf_detach(&next);
	}
	*dest = cur;
	return TARGET_IN_PLACE;		/* a loop: open says ELOOP */
}

/* Create dest.tmp.XXXXXX with mode (O_EXCL, so never someone else's). */
static int
create_tmp(const char *dest, int mode, char **tmp)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct buf name = {0};

	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char r[6];
		int fd;

		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			break;
		buf_reset(&name);
		buf_printf(&name, "%s.tmp.", dest);
		for (size_t i = 0; i < sizeof r; i++)
			buf_addc(&name, alnum[r[i] % (sizeof alnum - 1)]);
		fd = open(name.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
		if (fd != -1) {
			fileio_tmp_track(name.data);
			*tmp = buf_detach(&name);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	buf_free(&name);
	return -1;
}

int
fileio_open_atomic(struct fileio_atomic *f, const char *path, int mode)
{
	enum target_kind kind = resolve_target(path, &f->dest);

	f->tmp = NULL;
	if (kind == TARGET_IN_PLACE)
		f->fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
	else
		f->fd = create_tmp(f->dest, mode, &f->tmp);
	if (f->fd == -1) {
		pr_error(PR_EXTERNAL, "cannot create %s: %s (check the directory exists and is writable)",
		    path, strerror(errno));
		free(f->dest);
		f->dest = NULL;
	}
	return f->fd;
}

static void
atomic_free(struct fileio_atomic *f)
{
	if (f->tmp)
		fileio_tmp_untrack(f->tmp);
	free(f->tmp);
	free(f->dest);
	f->tmp = f->dest = NULL;
	f->fd = -1;
}

int
fileio_commit_atomic(struct fileio_atomic *f)
{
	int rc = PR_OK;

	if (!f->tmp) {
		if (close(f->fd) == -1)
			rc = pr_error(PR_EXTERNAL, "cannot write %s: %s", f->dest, strerror(errno));
	} else if (fsync(f->fd) == -1 || close(f->fd) == -1) {
		rc = pr_error(PR_EXTERNAL, "cannot write %s: %s", f->dest, strerror(errno));
		unlink(f->tmp);
	} else if (rename(f->tmp, f->dest) == -1) {
		rc = pr_error(PR_EXTERNAL, "cannot rename %s to %s: %s", f->tmp, f->dest, strerror(errno));
		unlink(f->tmp);
	} else {
		sync_dir_of(f->dest);
	}
	atomic_free(f);
	return rc;
}

void
fileio_abort_atomic(struct fileio_atomic *f)
{
	if (f->fd != -1)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	atomic_free(f);
}

int
fileio_write_atomic(const char *path, const void *data, size_t len)
{
	return fileio_write_atomic_mode(path, data, len, PR_OUTPUT_MODE);
}

int
fileio_write_atomic_mode(const char *path, const void *data, size_t len, int mode)
{
	struct fileio_atomic f;

	if (fileio_open_atomic(&f, path, mode) == -1)
		return PR_EXTERNAL;
	if (fileio_write_all(f.fd, data, len) == -1) {
		int e = errno;

		fileio_abort_atomic(&f);
		return pr_error(PR_EXTERNAL, "cannot write %s: %s", path, strerror(e));
	}
	return fileio_commit_atomic(&f);
}

int
fileio_mkdirs(const char *path, int mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) == -1 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}
