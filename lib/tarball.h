/*
 * tarball.h: snapshot archives (tar.gz, through libarchive), written and read
 * as streams, with a SHA-256 of every member computed on the way through.
 * Memory use does not depend on member size: data moves in
 * PR_ARCHIVE_CHUNK_BYTES pieces.  (Not named archive.h: that is libarchive's
 * own header, which -Ilib would hide.)
 */
#ifndef PR_TARBALL_H
#define PR_TARBALL_H

#include <stddef.h>
#include <stdint.h>

#define PR_ARCHIVE_CHUNK_BYTES ((size_t)256 << 10)
#define PR_SHA256_HEX_LEN 65	/* 64 hex digits and a NUL */
#define PR_MEMBER_NAME_MAX 128

/* One member as written or read: its name, size and SHA-256 (hex). */
struct pr_member {
	char name[PR_MEMBER_NAME_MAX];
	int64_t bytes;
	char sha256[PR_SHA256_HEX_LEN];
};

struct pr_tar;

/*
 * Start a gzip-compressed tar on fd (owned by the caller, who closes it).
 * what names the archive in messages.  Returns the writer (caller closes with
 * pr_tar_close) or NULL with why filled.
 */
struct pr_tar *pr_tar_open(int fd, const char *what, char *why, size_t whylen);

/* Add member name with the bytes of the file at path, streamed, filling *m. */
int pr_tar_add_file(struct pr_tar *t, const char *name, const char *path, struct pr_member *m, char *why, size_t whylen);

/* Add member name holding len bytes of data, filling *m. */
int pr_tar_add_data(struct pr_tar *t, const char *name, const void *data, size_t len, struct pr_member *m, char *why, size_t whylen);

/* Finish the archive (trailer, gzip end) and free t; hex and bytes (either
 * may be NULL) get the SHA-256 and size of everything written to the fd.
 * 0 or PR_EXTERNAL. */
int pr_tar_close(struct pr_tar *t, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen);

/*
 * Read the archive at path member by member.  Every member is hashed; when
 * dir is set it is also written to dir/<name>.  Names with '/' or starting
 * with '.' are refused (a snapshot holds plain files only).  *members is a new
 * array of *n entries (caller frees).  Returns 0, or PR_INPUT for an archive
 * that cannot be read (truncated, not gzip, bad name), PR_EXTERNAL for a
 * failure to write into dir; why says which.
 */
int pr_tar_read(const char *path, const char *dir, struct pr_member **members, size_t *n, char *why, size_t whylen);

/* SHA-256 (hex) and size of the file at path, streamed.  0 or PR_INPUT. */
int pr_sha256_file(const char *path, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen);

#endif
