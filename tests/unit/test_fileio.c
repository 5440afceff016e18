/* test_fileio.c: files written atomically get the umask's mode, and
 * targets that are not regular files (a FIFO, a device, a link) are written
 * through, never renamed over. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "pr.h"
#include "fileio.h"
#include "t.h"

static char dir[] = "/tmp/test_fileio.XXXXXX";

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static void
test_output_mode_follows_the_umask(void)
{
	char path[256];
	mode_t old = umask(077);

	snprintf(path, sizeof path, "%s/private.json", dir);
	CHECK(fileio_write_atomic(path, "{}", 2) == PR_OK);
	CHECK((mode_of(path) & 07777) == 0600);
	umask(022);
	snprintf(path, sizeof path, "%s/shared.json", dir);
	CHECK(fileio_write_atomic(path, "{}", 2) == PR_OK);
	CHECK((mode_of(path) & 07777) == 0644);
	umask(old);
}

static void
test_stream_mode_is_the_callers(void)
{
	char path[256];
	struct fileio_atomic f;
	mode_t old = umask(022);

	snprintf(path, sizeof path, "%s/archive.tar.gz", dir);
	CHECK(fileio_open_atomic(&f, path, 0600) != -1);
	CHECK(fileio_write_all(f.fd, "x", 1) == 0);
	CHECK(fileio_commit_atomic(&f) == PR_OK);
	CHECK((mode_of(path) & 07777) == 0600);
	umask(old);
}

static void
test_link_to_a_file_stays_a_link(void)
{
	char target[256], link[256];
	struct buf got = {0};

	snprintf(target, sizeof target, "%s/real.json", dir);
	snprintf(link, sizeof link, "%s/link.json", dir);
	CHECK(fileio_write_atomic(target, "old", 3) == PR_OK);
	CHECK(symlink("real.json", link) == 0);
	CHECK(fileio_write_atomic(link, "new", 3) == PR_OK);
	CHECK(S_ISLNK(mode_of(link)));
	CHECK(fileio_read_file(target, 100, &got) == PR_OK);
	CHECK_STR(got.data, "new");
	buf_free(&got);
}

static void
test_fifo_is_written_in_place(void)
{
	char path[256], got[16] = {0};
	pid_t pid;
	int fd, st;

	snprintf(path, sizeof path, "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	pid = fork();
	if (pid == 0)
		_exit(fileio_write_atomic(path, "through", 7) == PR_OK ? 0 : 1);
	fd = open(path, O_RDONLY);
	CHECK(fd != -1 && read(fd, got, sizeof got - 1) == 7);
	CHECK_STR(got, "through");
	if (fd != -1)
		close(fd);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(S_ISFIFO(mode_of(path)));
}

static void
test_device_is_written_in_place(void)
{
	char path[256], link[256];

	/* a null device of our own, so that old code renaming over it could
	 * never replace the system's /dev/null */
	snprintf(path, sizeof path, "%s/null", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == -1)
		return;		/* not root: nothing to show */
	CHECK(fileio_write_atomic(path, "gone", 4) == PR_OK);
	CHECK(S_ISCHR(mode_of(path)));
	snprintf(link, sizeof link, "%s/null-link", dir);
	CHECK(symlink(path, link) == 0);
	CHECK(fileio_write_atomic(link, "gone", 4) == PR_OK);
	CHECK(S_ISLNK(mode_of(link)) && S_ISCHR(mode_of(path)));
}

/* A temporary directory is private, and goes with its files; so does a file. */
static void
test_tmp_dir_and_file_removed(void)
{
	char *tmp, file[256], lone[256];
	int fd;

	CHECK(fileio_tmp_mkdir("test_fileio", &tmp) == 0);
	CHECK((mode_of(tmp) & 07777) == 0700);
	snprintf(file, sizeof file, "%s/member", tmp);
	CHECK((fd = open(file, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	fileio_tmp_track(file);
	fileio_tmp_remove(tmp);
	CHECK(mode_of(file) == 0);
	CHECK(mode_of(tmp) == 0);
	free(tmp);
	snprintf(lone, sizeof lone, "%s/lone.tmp", dir);
	CHECK((fd = open(lone, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	fileio_tmp_track(lone);
	fileio_tmp_remove(lone);
	CHECK(mode_of(lone) == 0);
	fileio_tmp_remove(lone);	/* already gone: nothing to do */
}

int
main(void)
{
	char cmd[300];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	pr_init("pr-tools");
	RUN(test_output_mode_follows_the_umask);
	RUN(test_stream_mode_is_the_callers);
	RUN(test_link_to_a_file_stays_a_link);
	RUN(test_fifo_is_written_in_place);
	RUN(test_device_is_written_in_place);
	RUN(test_tmp_dir_and_file_removed);
	rc = t_done();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
