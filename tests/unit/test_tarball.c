/* test_tarball.c: archives written and read back with per-member SHA-256;
 * Blob Storage's Shared Key signature against an independent computation. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "pr.h"
#include "fileio.h"
#include "proc.h"
#include "tarball.h"
#include "t.h"

#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* More than one chunk, so that data moves through the writer in pieces. */
#define STORED_BYTES (PR_ARCHIVE_CHUNK_BYTES * 3 / 2)

static char dir[] = "/tmp/test_tarball.XXXXXX";

static void
test_round_trip_with_checksums(void)
{
	char path[256], src[256], why[PR_WHY_LEN], hex[PR_SHA256_HEX_LEN], hex2[PR_SHA256_HEX_LEN];
	struct tarball_member m[2], *got = NULL;
	struct tarball *t;
	size_t n = 0;
	int64_t bytes = 0, bytes2 = 0;
	int fd;

	snprintf(src, sizeof src, "%s/src", dir);
	CHECK(fileio_write_atomic(src, "abc", 3) == 0);
	snprintf(path, sizeof path, "%s/a.tar.gz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd != -1);
	t = tarball_open(fd, path, why, sizeof why);
	CHECK(t != NULL);
	CHECK(tarball_add_file(t, "data.bin", src, &m[0], why, sizeof why) == 0);
	CHECK(tarball_add_data(t, "note.txt", "abc", 3, &m[1], why, sizeof why) == 0);
	CHECK(tarball_close(t, hex, &bytes, why, sizeof why) == 0);
	close(fd);
	CHECK_STR(m[0].sha256, SHA256_ABC);
	CHECK_STR(m[1].sha256, SHA256_ABC);
	CHECK(m[0].bytes == 3);
	CHECK(tarball_sha256_file(path, hex2, &bytes2, why, sizeof why) == 0);
	CHECK_STR(hex, hex2);
	CHECK(bytes == bytes2);
	CHECK(tarball_read(path, NULL, &got, &n, why, sizeof why) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(got[0].name, "data.bin");
		CHECK_STR(got[0].sha256, SHA256_ABC);
		CHECK_STR(got[1].name, "note.txt");
	}
	free(got);
}

static void
test_not_an_archive_is_bad_input(void)
{
	char path[256], why[PR_WHY_LEN];
	struct tarball_member *got = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/plain.txt", dir);
	CHECK(fileio_write_atomic(path, "hello\n", 6) == 0);
	CHECK(tarball_read(path, NULL, &got, &n, why, sizeof why) == PR_INPUT);
	CHECK(got == NULL && n == 0);
}

/* a.tar.gz (from the round trip) with data.bin added again at the end */
static void
test_duplicate_member_is_refused(void)
{
	char path[256], why[PR_WHY_LEN];
	struct tarball_member m, *got = NULL;
	struct tarball *t;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/dup.tar.gz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t = tarball_open(fd, path, why, sizeof why);
	CHECK(tarball_add_data(t, "data.bin", "abc", 3, &m, why, sizeof why) == 0);
	CHECK(tarball_add_data(t, "data.bin", "xyz", 3, &m, why, sizeof why) == 0);
	CHECK(tarball_close(t, NULL, NULL, why, sizeof why) == 0);
	close(fd);
	CHECK(tarball_read(path, NULL, &got, &n, why, sizeof why) == PR_INPUT);
	CHECK(got == NULL && strstr(why, "member data.bin appears twice") != NULL);
}

static void
test_raw_checksum_is_of_every_byte_read(void)
{
	char path[256], why[PR_WHY_LEN], raw[PR_SHA256_HEX_LEN], whole[PR_SHA256_HEX_LEN];
	struct tarball_member expect = {"data.bin", 3, ""}, *got = NULL;
	struct tarball_rules r = {.expect = &expect, .nexpect = 1};
	int64_t raw_bytes = 0, bytes = 0;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/a.tar.gz", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd != -1 && write(fd, "trailing", 8) == 8);	/* after the archive's end */
	close(fd);
	fd = open(path, O_RDONLY);
	CHECK(tarball_read_fd(fd, path, &r, &got, &n, raw, &raw_bytes, why, sizeof why) == PR_INPUT);
	CHECK(strstr(why, "unexpected member note.txt") != NULL);
	free(got);
	r = (struct tarball_rules){0};
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(tarball_read_fd(fd, path, &r, &got, &n, raw, &raw_bytes, why, sizeof why) == 0);
	close(fd);
	CHECK(tarball_sha256_file(path, whole, &bytes, why, sizeof why) == 0);
	CHECK_STR(raw, whole);
	CHECK(raw_bytes == bytes);
	free(got);
}

/* A member that deflates to almost nothing is stored as it is: the dump
 * inside a snapshot is compressed already, so deflating it again only cost
 * time.  The archive is still a gzip stream (tar -xzf, 0.1.0's readers). */
static void
test_members_are_stored_uncompressed_in_gzip(void)
{
	char path[256], why[PR_WHY_LEN], hex[PR_SHA256_HEX_LEN];
	unsigned char *zeros = xcalloc(1, STORED_BYTES), magic[2] = {0};
	struct tarball_member m, *got = NULL;
	struct tarball *t;
	int64_t bytes = 0;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/stored.tar.gz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t = tarball_open(fd, path, why, sizeof why);
	CHECK(t != NULL && tarball_add_data(t, "zeros.bin", zeros, STORED_BYTES, &m, why, sizeof why) == 0);
	CHECK(tarball_close(t, hex, &bytes, why, sizeof why) == 0);
	close(fd);
	CHECK(bytes > (int64_t)STORED_BYTES);
	fd = open(path, O_RDONLY);
	CHECK(fd != -1 && read(fd, magic, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
	close(fd);
	CHECK(tarball_read(path, NULL, &got, &n, why, sizeof why) == 0);
	CHECK(n == 1 && got[0].bytes == (int64_t)STORED_BYTES);
	CHECK(n == 1 && strcmp(got[0].sha256, m.sha256) == 0);
	free(got);
	free(zeros);
}

/* The archive pr-snapshot 0.1.0 wrote (gzip level 1) reads as before, with
 * the checksums its manifest recorded (tests/fixtures/snapshot-0.1.0). */
static void
test_reads_the_deflated_archives_of_0_1_0(void)
{
	const char *root = getenv("PR_ROOT");
	char path[512], why[PR_WHY_LEN], hex[PR_SHA256_HEX_LEN];
	struct tarball_member *got = NULL;
	int64_t bytes = 0;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/tests/fixtures/snapshot-0.1.0/snapshot.tar.gz", root ? root : ".");
	CHECK(tarball_sha256_file(path, hex, &bytes, why, sizeof why) == 0);
	CHECK_STR(hex, "18608973bf7e08b41a86290921e6b8049f712e1ce0a2daf7b2e6a20345c58d1d");
	CHECK(tarball_read(path, NULL, &got, &n, why, sizeof why) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(got[0].name, "database.dump");
		CHECK(got[0].bytes == 1585);
		CHECK_STR(got[0].sha256, "ed0657fc58913515d6c7b651b9a943afb6f39d8d8cd279171ae99352d624d343");
		CHECK_STR(got[1].name, "manifest.json");
		CHECK_STR(got[1].sha256, "6d0c3ce932db018b80565b80e80d3ef9a09421009dd1b86e4de4367f01818eb7");
	}
	free(got);
}

static void
test_shared_key_signature(void)
{
	/* Azurite's published development key; expected value computed with
	 * Python's hmac and base64 over the same string. */
	const char *key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
	const char *sts = "PUT\n\n\n\n\napplication/octet-stream\n\n\n\n\n\n\n"
	    "x-ms-date:Wed, 25 Nov 2026 20:00:00 GMT\nx-ms-version:2021-12-02\n"
	    "/devstoreaccount1/devstoreaccount1/c?restype:container";
	char sig[128];

	CHECK(blob_sign(key, sts, sig, sizeof sig) == 0);
	CHECK_STR(sig, "HIvVfpR6PO/8iA5YAgErIdLOE3VUzdivSSeeEfCC9uI=");
	CHECK(blob_sign("not base64!", sts, sig, sizeof sig) == -1);
}

int
main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_round_trip_with_checksums);
	RUN(test_not_an_archive_is_bad_input);
	RUN(test_duplicate_member_is_refused);
	RUN(test_raw_checksum_is_of_every_byte_read);
	RUN(test_members_are_stored_uncompressed_in_gzip);
	RUN(test_reads_the_deflated_archives_of_0_1_0);
	RUN(test_shared_key_signature);
	for (const char *f = "src\0a.tar.gz\0plain.txt\0dup.tar.gz\0stored.tar.gz\0"; *f; f += strlen(f) + 1) {
		char p[256];

		snprintf(p, sizeof p, "%s/%s", dir, f);
		unlink(p);
	}
	rmdir(dir);
	return t_done();
}
