/*
 * tarball.h: snapshot archives (tar.gz, through libarchive), written and read
 * as streams, with a SHA-256 of every member computed on the way through.
 * Written archives are gzip streams of stored (uncompressed) deflate blocks:
 * the dump inside is compressed already.  Readers inflate any gzip level,
 * so the level-1 archives of 0.1.0 read as before.
 * Memory use does not depend on member size: data moves in
 * PR_ARCHIVE_CHUNK_BYTES pieces.  (Not named archive.h: that is libarchive's
 * own header, which -Ilib would hide.)
 */
#ifndef PR_TARBALL_H
#define PR_TARBALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PR_ARCHIVE_CHUNK_BYTES ((size_t)256 << 10)
#define PR_SHA256_HEX_LEN 65	/* 64 hex digits and a NUL */
#define PR_MEMBER_NAME_MAX 128

/* One member as written or read: its name, size and SHA-256 (hex). */
struct tarball_member {
	char name[PR_MEMBER_NAME_MAX];
	int64_t bytes;
	char sha256[PR_SHA256_HEX_LEN];
};

struct tarball;

/*
 * Start a gzip'd tar (stored blocks, see above) on fd (owned by the caller,
 * who closes it).  what names the archive in messages.  Returns the writer
 * (caller closes with tarball_close) or NULL with why filled.
 */
struct tarball *tarball_open(int fd, const char *what, char *why, size_t whylen);

/* Add member name with the bytes of the file at path, streamed, filling *m. */
int tarball_add_file(struct tarball *t, const char *name, const char *path, struct tarball_member *m,
    char *why, size_t whylen);

/* Add member name holding len bytes of data, filling *m. */
int tarball_add_data(struct tarball *t, const char *name, const void *data, size_t len, struct tarball_member *m,
    char *why, size_t whylen);

/* Finish the archive (trailer, gzip end) and free t; hex and bytes (either
 * may be NULL) get the SHA-256 and size of everything written to the fd.
 * 0 or PR_EXTERNAL. */
int tarball_close(struct tarball *t, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen);

/* How tarball_read_fd treats the members it reads. */
struct tarball_rules {
	const char *dir;		/* write each member to dir/<name>, a new file; NULL: hash only */
	const struct tarball_member *expect;	/* when set, the only names accepted, each at most .bytes */
	size_t nexpect;
	const char *keep_name;		/* also keep this member's data in *keep (NULL: none), */
	struct buf *keep;		/* at most keep_max_bytes of it */
	size_t keep_max_bytes;
};

/*
 * Read the archive on fd (named what in messages) to its end, through this
 * one descriptor, member by member.  Every member is hashed, and so is every
 * byte read from fd: *raw_hex and *raw_bytes (either may be NULL) are the
 * SHA-256 and size of exactly the bytes the members came from.  Refused with
 * PR_INPUT before a byte of the member is written: a name with '/' or
 * starting with '.', anything but a plain file, a name seen twice, a name
 * that r->expect does not list; and a member whose data outgrows its
 * expected bytes (reading stops there, so a lying archive cannot fill the
 * disk).  Files are created in r->dir with O_EXCL and tracked for removal on
 * a signal (fileio.h); the caller removes them.  *members is a new array of
 * *n entries (caller frees).  Returns 0, PR_INPUT for an archive that cannot
 * be read (truncated, not gzip, refused as above), PR_EXTERNAL for a failure
 * to write into dir; why says which.
 */
int tarball_read_fd(int fd, const char *what, const struct tarball_rules *r, struct tarball_member **members, size_t *n,
    char raw_hex[PR_SHA256_HEX_LEN], int64_t *raw_bytes, char *why, size_t whylen);

/* tarball_read_fd on the file at path, extracting into dir (NULL: none),
 * every plain member accepted. */
int tarball_read(const char *path, const char *dir, struct tarball_member **members, size_t *n,
    char *why, size_t whylen);

/* Whether name may be a member: not empty, no '/', not starting with '.',
 * shorter than PR_MEMBER_NAME_MAX. */
bool tarball_name_ok(const char *name);

/* SHA-256 (hex) and size of everything read from fd to its end, streamed;
 * reading stops after max_bytes + 1 (a file larger than max_bytes is
 * reported by *bytes > max_bytes).  0 or PR_INPUT (why names what). */
int tarball_sha256_fd(int fd, const char *what, int64_t max_bytes, char hex[PR_SHA256_HEX_LEN], int64_t *bytes,
    char *why, size_t whylen);

/* SHA-256 (hex) and size of the file at path, streamed.  0 or PR_INPUT. */
int tarball_sha256_file(const char *path, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen);

#endif
