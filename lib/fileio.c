/* fileio.c: see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK_BYTES 65536

int
pr_read_file(const char *path, size_t max_bytes, struct buf *out)
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
pr_write_all(int fd, const void *data, size_t len)
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

int
pr_open_atomic(const char *path, char **tmp)
{
	struct buf name = {0};
	int fd;

	buf_printf(&name, "%s.tmp.XXXXXX", path);
	fd = mkostemp(name.data, O_CLOEXEC);
	if (fd == -1) {
		int e = errno;

		buf_free(&name);
		*tmp = NULL;
		pr_error(PR_EXTERNAL, "cannot create %s: %s (check the directory exists and is writable)",
		    path, strerror(e));
		return -1;
	}
	fchmod(fd, 0644);
	*tmp = buf_detach(&name);
	return fd;
}

int
pr_commit_atomic(int fd, char *tmp, const char *path)
{
	int rc = PR_OK;

	if (fsync(fd) == -1 || close(fd) == -1) {
		rc = pr_error(PR_EXTERNAL, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		rc = pr_error(PR_EXTERNAL, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
	} else {
		sync_dir_of(path);
	}
	free(tmp);
	return rc;
}

void
pr_abort_atomic(int fd, char *tmp)
{
	if (fd != -1)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
}

int
pr_write_atomic(const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd = pr_open_atomic(path, &tmp);

	if (fd == -1)
		return PR_EXTERNAL;
	if (pr_write_all(fd, data, len) == -1) {
		int e = errno;

		pr_abort_atomic(fd, tmp);
		return pr_error(PR_EXTERNAL, "cannot write %s: %s", path, strerror(e));
	}
	return pr_commit_atomic(fd, tmp, path);
}

int
pr_mkdirs(const char *path, int mode)
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
