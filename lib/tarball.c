/* tarball.c: tar.gz through libarchive, SHA-256 through OpenSSL EVP. */
#include "tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "pr.h"
#include "fileio.h"
#include "util.h"

#define MEMBER_MODE 0644
/* Level 0: deflate's stored blocks.  The big member, a pg_dump custom-format
 * file, is compressed already; deflating it again, even at level 1, added
 * about 30 % to pg_dump's own time to save under 3 %, while stored blocks
 * cost a CRC-32 and a copy.  The file stays a gzip'd tar, so every reader of
 * a tar.gz (0.1.0's pr-rollback, tar -xzf) reads it, and this reader still
 * inflates the archives older versions compressed. */
#define GZIP_LEVEL "0"

struct tarball {
	struct archive *a;
	char *what;
	unsigned char *chunk;
	time_t mtime;
	int fd;
	EVP_MD_CTX *md;		/* SHA-256 of the compressed bytes written */
	int64_t bytes;
	int write_errno;
};

/* libarchive's sink: write the compressed block to fd, hashing it. */
static la_ssize_t
sink(struct archive *a, void *ctx, const void *data, size_t len)
{
	struct tarball *t = ctx;

	if (fileio_write_all(t->fd, data, len) == -1) {
		t->write_errno = errno;
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	EVP_DigestUpdate(t->md, data, len);
	t->bytes += (int64_t)len;
	return (la_ssize_t)len;
}

static void
hex_of(const unsigned char *d, unsigned n, char hex[PR_SHA256_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n && i < 32; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[64] = '\0';
}

static void
finish_hash(EVP_MD_CTX *md, char hex[PR_SHA256_HEX_LEN])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestFinal_ex(md, d, &n);
	hex_of(d, n, hex);
}

/* The mtime written into every member: SOURCE_DATE_EPOCH or now. */
static time_t
member_mtime(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	long v;

	if (s && util_parse_long(s, 0, 253402300799L, &v) == 0)
		return (time_t)v;
	return time(NULL);
}

struct tarball *
tarball_open(int fd, const char *what, char *why, size_t whylen)
{
	struct tarball *t = xcalloc(1, sizeof *t);

	t->a = archive_write_new();
	t->what = xstrdup(what);
	t->chunk = xmalloc(PR_ARCHIVE_CHUNK_BYTES);
	t->mtime = member_mtime();
	t->fd = fd;
	t->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(t->md, EVP_sha256(), NULL);
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(t->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(t->a, "gzip", "compression-level", GZIP_LEVEL) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
	    archive_write_open(t->a, t, NULL, sink, NULL) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s: cannot start the archive: %s", what, archive_error_string(t->a));
		archive_write_free(t->a);
		EVP_MD_CTX_free(t->md);
		free(t->what);
		free(t->chunk);
		free(t);
		return NULL;
	}
	return t;
}

static int
write_header(struct tarball *t, const char *name, int64_t size, char *why, size_t whylen)
{
	struct archive_entry *e = archive_entry_new();
	int rc = PR_OK;

	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, MEMBER_MODE);
	archive_entry_set_mtime(e, t->mtime, 0);
	if (archive_write_header(t->a, e) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s: cannot add %s: %s", t->what, name, archive_error_string(t->a));
		rc = PR_EXTERNAL;
	}
	archive_entry_free(e);
	return rc;
}

static int
write_data(struct tarball *t, const char *name, const void *data, size_t len, char *why, size_t whylen)
{
	if (archive_write_data(t->a, data, len) != (la_ssize_t)len) {
		snprintf(why, whylen, "%s: cannot write %s: %s", t->what, name, archive_error_string(t->a));
		return PR_EXTERNAL;
	}
	return PR_OK;
}

int
tarball_add_file(struct tarball *t, const char *name, const char *path, struct tarball_member *m,
    char *why, size_t whylen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int64_t done = 0;
	struct stat st;
	int rc = PR_EXTERNAL;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: cannot read %s: %s", t->what, path, strerror(errno));
		goto out;
	}
	if ((rc = write_header(t, name, (int64_t)st.st_size, why, whylen)) != PR_OK)
		goto out;
	while (done < (int64_t)st.st_size) {
		ssize_t n = read(fd, t->chunk, PR_ARCHIVE_CHUNK_BYTES);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s shrank while being archived", t->what, path);
			rc = PR_EXTERNAL;
			goto out;
		}
		if ((int64_t)n > (int64_t)st.st_size - done)
			n = (ssize_t)((int64_t)st.st_size - done);
		EVP_DigestUpdate(md, t->chunk, (size_t)n);
		if ((rc = write_data(t, name, t->chunk, (size_t)n, why, whylen)) != PR_OK)
			goto out;
		done += n;
	}
	snprintf(m->name, sizeof m->name, "%s", name);
	m->bytes = done;
	finish_hash(md, m->sha256);
	rc = PR_OK;
out:
	if (fd != -1)
		close(fd);
	EVP_MD_CTX_free(md);
	return rc;
}

int
tarball_add_data(struct tarball *t, const char *name, const void *data, size_t len, struct tarball_member *m,
    char *why, size_t whylen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, data, len);
	rc = write_header(t, name, (int64_t)len, why, whylen);
	if (rc == PR_OK)
		rc = write_data(t, name, data, len, why, whylen);
	if (rc == PR_OK) {
		snprintf(m->name, sizeof m->name, "%s", name);
		m->bytes = (int64_t)len;
		finish_hash(md, m->sha256);
	}
	EVP_MD_CTX_free(md);
	return rc;
}

int
tarball_close(struct tarball *t, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen)
{
	int rc = PR_OK;

	if (archive_write_close(t->a) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s: cannot finish the archive: %s", t->what, archive_error_string(t->a));
		rc = PR_EXTERNAL;
	}
	if (hex)
		finish_hash(t->md, hex);
	if (bytes)
		*bytes = t->bytes;
	EVP_MD_CTX_free(t->md);
	archive_write_free(t->a);
	free(t->what);
	free(t->chunk);
	free(t);
	return rc;
}

bool
tarball_name_ok(const char *name)
{
	return *name && *name != '.' && !strchr(name, '/') && strlen(name) < PR_MEMBER_NAME_MAX;
}

/* The archive's bytes as libarchive reads them: one descriptor, every byte
 * hashed on the way, so the checksum is of exactly what was unpacked. */
struct source {
	int fd;
	EVP_MD_CTX *md;
	int64_t bytes;
	unsigned char *chunk;
};

static ssize_t
source_next(struct source *src)
{
	ssize_t n;

	do
		n = read(src->fd, src->chunk, PR_ARCHIVE_CHUNK_BYTES);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		EVP_DigestUpdate(src->md, src->chunk, (size_t)n);
		src->bytes += n;
	}
	return n;
}

static la_ssize_t
source_read(struct archive *a, void *ctx, const void **out)
{
	struct source *src = ctx;
	ssize_t n = source_next(src);

	if (n == -1) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	*out = src->chunk;
	return (la_ssize_t)n;
}

/* Where one member's data goes, and how much of it may come. */
struct sink_to {
	int fd;			/* -1: nowhere */
	struct buf *keep;	/* NULL: not kept */
	size_t keep_max_bytes;
	int64_t max_bytes;	/* -1: no bound */
};

/* Read the current member's data, hashing it, into where it goes. */
static int
read_member(struct archive *a, const char *what, struct tarball_member *m, const struct sink_to *to,
    unsigned char *chunk, char *why, size_t whylen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = PR_OK;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	m->bytes = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, PR_ARCHIVE_CHUNK_BYTES);

		if (n == 0)
			break;
		if (n < 0) {
			snprintf(why, whylen, "%s: member %s cannot be read: %s", what, m->name,
			    archive_error_string(a));
			rc = PR_INPUT;
			break;
		}
		if (to->max_bytes >= 0 && m->bytes + n > to->max_bytes) {
			snprintf(why, whylen,
			    "%s: member %s is larger than the manifest says (%lld bytes); stopped reading it",
			    what, m->name, (long long)to->max_bytes);
			rc = PR_INPUT;
			break;
		}
		EVP_DigestUpdate(md, chunk, (size_t)n);
		m->bytes += n;
		if (to->fd != -1 && fileio_write_all(to->fd, chunk, (size_t)n) == -1) {
			snprintf(why, whylen, "%s: cannot extract %s: %s", what, m->name, strerror(errno));
			rc = PR_EXTERNAL;
			break;
		}
		if (to->keep) {
			if (to->keep->len + (size_t)n > to->keep_max_bytes) {
				snprintf(why, whylen, "%s: member %s is larger than %zu bytes", what, m->name,
				    to->keep_max_bytes);
				rc = PR_INPUT;
				break;
			}
			buf_add(to->keep, chunk, (size_t)n);
		}
	}
	finish_hash(md, m->sha256);
	EVP_MD_CTX_free(md);
	return rc;
}

/* The bound r puts on member name: its expected bytes, -1 for none, or
 * PR_INPUT (why filled) when r does not accept the name at all. */
static int
member_bound(const struct tarball_rules *r, const char *what, const char *name, const struct tarball_member *seen,
    size_t nseen, int64_t *max_bytes, char *why, size_t whylen)
{
	*max_bytes = -1;
	for (size_t i = 0; i < nseen; i++) {
		if (strcmp(seen[i].name, name) == 0) {
			snprintf(why, whylen, "%s: member %s appears twice (a snapshot holds each member once)",
			    what, name);
			return PR_INPUT;
		}
	}
	if (!r->expect)
		return PR_OK;
	for (size_t i = 0; i < r->nexpect; i++) {
		if (strcmp(r->expect[i].name, name) == 0) {
			*max_bytes = r->expect[i].bytes;
			return PR_OK;
		}
	}
	snprintf(why, whylen, "%s: unexpected member %s (the manifest does not list it)", what, name);
	return PR_INPUT;
}

/* Open dir/name for the member's data: a new file, never through a link. */
static int
create_member(const char *dir, const char *what, const char *name, int *fd, char *why, size_t whylen)
{
	struct buf p = {0};

	buf_printf(&p, "%s/%s", dir, name);
	*fd = open(p.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd != -1)
		fileio_tmp_track(p.data);
	else
		snprintf(why, whylen, "%s: cannot extract %s into %s: %s", what, name, dir, strerror(errno));
	buf_free(&p);
	return *fd == -1 ? PR_EXTERNAL : PR_OK;
}

/* Check the current entry and read its data where r sends it into *m. */
static int
read_entry(struct archive *a, struct archive_entry *e, const char *what, const struct tarball_rules *r,
    struct tarball_member *ms, size_t count, unsigned char *chunk, char *why, size_t whylen)
{
	const char *name = archive_entry_pathname(e);
	struct tarball_member *m = &ms[count];
	struct sink_to to = {.fd = -1};
	int rc;

	/* a hard link is a regular entry that names another: refused too */
	if (!name || !tarball_name_ok(name) || archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) {
		snprintf(why, whylen, "%s: unexpected member '%s' (a snapshot holds plain files only)",
		    what, name ? name : "");
		return PR_INPUT;
	}
	if ((rc = member_bound(r, what, name, ms, count, &to.max_bytes, why, whylen)) != PR_OK)
		return rc;
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	if (to.max_bytes >= 0 && archive_entry_size_is_set(e) && archive_entry_size(e) > to.max_bytes) {
		snprintf(why, whylen, "%s: member %s is larger than the manifest says (%lld bytes, not %lld)",
		    what, name, (long long)to.max_bytes, (long long)archive_entry_size(e));
		return PR_INPUT;
	}
	if (r->keep_name && strcmp(r->keep_name, name) == 0) {
		to.keep = r->keep;
		to.keep_max_bytes = r->keep_max_bytes;
	}
	if (r->dir && (rc = create_member(r->dir, what, name, &to.fd, why, whylen)) != PR_OK)
		return rc;
	rc = read_member(a, what, m, &to, chunk, why, whylen);
	if (to.fd != -1 && close(to.fd) == -1 && rc == PR_OK) {
		snprintf(why, whylen, "%s: cannot extract %s: %s", what, name, strerror(errno));
		rc = PR_EXTERNAL;
	}
	return rc;
}

int
tarball_read_fd(int fd, const char *what, const struct tarball_rules *r, struct tarball_member **members, size_t *n,
    char raw_hex[PR_SHA256_HEX_LEN], int64_t *raw_bytes, char *why, size_t whylen)
{
	static const struct tarball_rules any;
	struct source src = {.fd = fd, .md = EVP_MD_CTX_new(), .chunk = xmalloc(PR_ARCHIVE_CHUNK_BYTES)};
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned char *chunk = xmalloc(PR_ARCHIVE_CHUNK_BYTES);
	struct tarball_member *ms = NULL;
	size_t count = 0;
	int rc = PR_OK, ar;
	ssize_t tail;

	if (!r)
		r = &any;
	EVP_DigestInit_ex(src.md, EVP_sha256(), NULL);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, &src, NULL, source_read, NULL) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s: not a readable tar.gz archive: %s", what, archive_error_string(a));
		rc = PR_INPUT;
		goto out;
	}
	while ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		ms = xrealloc(ms, (count + 1) * sizeof *ms);
		if ((rc = read_entry(a, e, what, r, ms, count, chunk, why, whylen)) != PR_OK)
			goto out;
		count++;
	}
	if (ar != ARCHIVE_EOF) {
		snprintf(why, whylen, "%s: archive is damaged after %zu member(s): %s", what, count,
		    archive_error_string(a));
		rc = PR_INPUT;
		goto out;
	}
	/* what follows the archive's end counts in its checksum too */
	while ((tail = source_next(&src)) > 0)
		;
	if (tail == -1) {
		snprintf(why, whylen, "%s: cannot read: %s", what, strerror(errno));
		rc = PR_INPUT;
	}
out:
	archive_read_free(a);
	free(chunk);
	free(src.chunk);
	if (raw_hex)
		finish_hash(src.md, raw_hex);
	if (raw_bytes)
		*raw_bytes = src.bytes;
	EVP_MD_CTX_free(src.md);
	if (rc == PR_OK) {
		*members = ms;
		*n = count;
	} else {
		free(ms);
		*members = NULL;
		*n = 0;
	}
	return rc;
}

int
tarball_read(const char *path, const char *dir, struct tarball_member **members, size_t *n, char *why, size_t whylen)
{
	struct tarball_rules r = {.dir = dir};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	*members = NULL;
	*n = 0;
	if (fd == -1) {
		snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		return PR_INPUT;
	}
	rc = tarball_read_fd(fd, path, &r, members, n, NULL, NULL, why, whylen);
	close(fd);
	return rc;
}

int
tarball_sha256_fd(int fd, const char *what, int64_t max_bytes, char hex[PR_SHA256_HEX_LEN], int64_t *bytes,
    char *why, size_t whylen)
{
	struct source src = {.fd = fd, .md = EVP_MD_CTX_new(), .chunk = xmalloc(PR_ARCHIVE_CHUNK_BYTES)};
	ssize_t n = 0;
	int rc = PR_OK;

	EVP_DigestInit_ex(src.md, EVP_sha256(), NULL);
	while (src.bytes <= max_bytes && (n = source_next(&src)) > 0)
		;
	if (src.bytes <= max_bytes && n == -1) {
		snprintf(why, whylen, "%s: cannot read: %s", what, strerror(errno));
		rc = PR_INPUT;
	}
	finish_hash(src.md, hex);
	*bytes = src.bytes;
	EVP_MD_CTX_free(src.md);
	free(src.chunk);
	return rc;
}

int
tarball_sha256_file(const char *path, char hex[PR_SHA256_HEX_LEN], int64_t *bytes, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd == -1) {
		snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		return PR_INPUT;
	}
	rc = tarball_sha256_fd(fd, path, INT64_MAX - 1, hex, bytes, why, whylen);
	close(fd);
	return rc;
}
