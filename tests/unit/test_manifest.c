/* test_manifest.c: snapshot manifests read and checked against their
 * archives: member lists, the archive's own checksum, and an archive read
 * back whole with its manifest.json. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "manifest.h"
#include "proc.h"
#include "tarball.h"
#include "t.h"

#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char dir[] = "/tmp/test_manifest.XXXXXX";

static const struct tarball_member members[] = {
	{ "database.dump", 3, SHA256_ABC },
	{ "manifest.json", 10, "00" },
};

static int
check(const char *json, bool lists_manifest)
{
	cJSON *m = cJSON_Parse(json);
	int rc = manifest_check_members(m, "snap.json", "a.tar.gz", members, 2, lists_manifest);

	cJSON_Delete(m);
	return rc;
}

static void
test_members_that_match_pass(void)
{
	CHECK(check("{\"members\":[{\"name\":\"database.dump\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"},"
	    "{\"name\":\"manifest.json\",\"bytes\":10,\"sha256\":\"00\"}]}", true) == PR_OK);
	/* manifest.json cannot list itself. */
	CHECK(check("{\"members\":[{\"name\":\"database.dump\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"}]}",
	    false) == PR_OK);
}

static void
test_missing_changed_and_unlisted_members_are_named(void)
{
	t_stderr_capture();
	CHECK(check("{\"members\":[{\"name\":\"other\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"}]}",
	    false) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "a.tar.gz: member other listed in snap.json is missing") != NULL);
	t_stderr_capture();
	CHECK(check("{\"members\":[{\"name\":\"database.dump\",\"bytes\":4,\"sha256\":\"" SHA256_ABC "\"}]}",
	    false) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "a.tar.gz: member database.dump: SHA-256 does not match snap.json") != NULL);
	t_stderr_capture();
	CHECK(check("{\"members\":[{\"name\":\"database.dump\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"}]}",
	    true) == PR_INPUT);
	CHECK(strstr(t_stderr_text(),
	    "a.tar.gz: member manifest.json is not listed in snap.json (the archive was altered") != NULL);
	t_stderr_capture();
	CHECK(check("{\"members\":{}}", true) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "snap.json.members") != NULL);
}

static void
test_archive_path_and_sum(void)
{
	cJSON *m = cJSON_Parse("{\"archive\":{\"path\":\"s.tar.gz\",\"bytes\":3,\"sha256\":\"ab\"}}");
	const char *path = NULL, *sha = NULL;
	double bytes = 0;

	CHECK(manifest_archive_path(m, "snap.json", &path) == PR_OK);
	CHECK_STR(path, "s.tar.gz");
	CHECK(manifest_archive_sum(m, &sha, &bytes) == PR_OK);
	CHECK_STR(sha, "ab");
	CHECK(bytes == 3);
	cJSON_Delete(m);
	m = cJSON_Parse("{\"archive\":{\"path\":1}}");
	t_stderr_capture();
	CHECK(manifest_archive_path(m, "snap.json", &path) == PR_INPUT);
	CHECK(manifest_archive_sum(m, &sha, &bytes) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "archive.path") != NULL);
	cJSON_Delete(m);
}

/* An archive at path holding data.bin ("abc") and a manifest.json listing it. */
static void
make_archive(const char *path, const char *listed_sha)
{
	char why[PR_WHY_LEN], text[512];
	struct tarball_member m[2];
	struct tarball *t;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	snprintf(text, sizeof text, "{\"schema\":\"pr-tools/snapshot/1\",\"tool\":{\"name\":\"t\",\"version\":\"0\"},"
	    "\"created_at\":\"2026-01-01T00:00:00Z\","
	    "\"members\":[{\"name\":\"data.bin\",\"bytes\":3,\"sha256\":\"%s\"}]}",
	    listed_sha);
	t = tarball_open(fd, path, why, sizeof why);
	tarball_add_data(t, "data.bin", "abc", 3, &m[0], why, sizeof why);
	tarball_add_data(t, MANIFEST_MEMBER, text, strlen(text), &m[1], why, sizeof why);
	tarball_close(t, NULL, NULL, why, sizeof why);
	close(fd);
}

/* An archive holding the members given as name, data pairs, in order. */
static void
make_members(const char *path, const char *const *pairs, size_t npairs)
{
	char why[PR_WHY_LEN];
	struct tarball_member m;
	struct tarball *t;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	t = tarball_open(fd, path, why, sizeof why);
	for (size_t i = 0; i + 1 < npairs; i += 2)
		tarball_add_data(t, pairs[i], pairs[i + 1], strlen(pairs[i + 1]), &m, why, sizeof why);
	tarball_close(t, NULL, NULL, why, sizeof why);
	close(fd);
}

/* An outer manifest for the archive at path listing the member objects
 * given (JSON text), with the archive's real checksum. */
static cJSON *
outer_for(const char *path, const char *list)
{
	char hex[PR_SHA256_HEX_LEN], why[PR_WHY_LEN], json[2048];
	int64_t bytes = 0;

	tarball_sha256_file(path, hex, &bytes, why, sizeof why);
	snprintf(json, sizeof json, "{\"archive\":{\"path\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\"},\"members\":[%s]}",
	    path, (long long)bytes, hex, list);
	return cJSON_Parse(json);
}

static void
test_archive_reads_back_and_verifies(void)
{
	char path[300], out[300], sub[300];
	cJSON *inner = NULL, *outer;
	struct tarball_member *ms = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/good.tar.gz", dir);
	snprintf(out, sizeof out, "%s/good", dir);
	mkdir(out, 0700);
	make_archive(path, SHA256_ABC);
	CHECK(manifest_verify_archive(path, NULL, NULL, out, &inner, &ms, &n) == PR_OK);
	CHECK(inner != NULL && n == 2 && manifest_member_of(ms, n, "data.bin") != NULL);
	cJSON_Delete(inner);
	free(ms);
	/* The outer manifest must list manifest.json too: it is unexpected. */
	outer = outer_for(path, "{\"name\":\"data.bin\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"}");
	snprintf(sub, sizeof sub, "%s/good2", dir);
	mkdir(sub, 0700);
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, outer, "snap.json", sub, &inner, &ms, &n) == PR_INPUT);
	CHECK(inner == NULL && ms == NULL);
	CHECK(strstr(t_stderr_text(), "unexpected member manifest.json") != NULL);
	cJSON_Delete(outer);
}

static void
test_altered_member_fails_against_its_manifest(void)
{
	char path[300], out[300];
	cJSON *inner = NULL;
	struct tarball_member *ms = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/bad.tar.gz", dir);
	snprintf(out, sizeof out, "%s/bad", dir);
	mkdir(out, 0700);
	make_archive(path, "0000");
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, NULL, NULL, out, &inner, &ms, &n) == PR_INPUT);
	CHECK(inner == NULL);
	CHECK(strstr(t_stderr_text(), "member data.bin: SHA-256 does not match manifest.json") != NULL);
}

static void
test_archive_checksum_against_the_manifest(void)
{
	char path[300], out[300], json[700], hex[PR_SHA256_HEX_LEN], why[PR_WHY_LEN];
	struct tarball_member *ms = NULL;
	cJSON *m, *inner = NULL;
	int64_t bytes;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/sum.tar.gz", dir);
	snprintf(out, sizeof out, "%s/sum", dir);
	mkdir(out, 0700);
	make_archive(path, SHA256_ABC);
	CHECK(tarball_sha256_file(path, hex, &bytes, why, sizeof why) == PR_OK);
	snprintf(json, sizeof json, "{\"archive\":{\"path\":\"%s\",\"bytes\":%lld,\"sha256\":\"%s\"},\"members\":[]}",
	    path, (long long)bytes + 1, hex);
	m = cJSON_Parse(json);
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, m, "snap.json", out, &inner, &ms, &n) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "SHA-256 of the archive does not match snap.json") != NULL);
	cJSON_Delete(m);
}

static void
test_duplicate_member_is_refused(void)
{
	/* A genuine data.bin ("abc"), then another: the check would match the
	 * first and extraction keep the second. */
	static const char *const pairs[] = {"data.bin", "abc", "data.bin", "EVIL", MANIFEST_MEMBER, "{}"};
	char path[300], out[200], got[8] = {0};
	struct tarball_member *ms = NULL;
	cJSON *outer, *inner = NULL;
	size_t n = 0;
	int fd;

	snprintf(path, sizeof path, "%s/dup.tar.gz", dir);
	snprintf(out, sizeof out, "%s/dup", dir);
	mkdir(out, 0700);
	make_members(path, pairs, 6);
	outer = outer_for(path, "{\"name\":\"data.bin\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"},"
	    "{\"name\":\"manifest.json\",\"bytes\":2,"
	    "\"sha256\":\"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"}");
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, outer, "snap.json", out, &inner, &ms, &n) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "member data.bin appears twice") != NULL);
	/* what was extracted before the refusal is the first copy only */
	snprintf(path, sizeof path, "%s/data.bin", out);
	fd = open(path, O_RDONLY);
	CHECK(fd == -1 || (read(fd, got, sizeof got - 1) >= 0 && strcmp(got, "abc") == 0));
	if (fd != -1)
		close(fd);
	cJSON_Delete(outer);
}

static void
test_extraction_stops_at_the_listed_size(void)
{
	char path[300], out[200], big[4097];
	const char *pairs[] = {"data.bin", big};
	struct tarball_member *ms = NULL;
	cJSON *outer, *inner = NULL;
	struct stat st;
	size_t n = 0;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(path, sizeof path, "%s/big.tar.gz", dir);
	snprintf(out, sizeof out, "%s/big", dir);
	mkdir(out, 0700);
	make_members(path, pairs, 2);
	outer = outer_for(path, "{\"name\":\"data.bin\",\"bytes\":1,\"sha256\":\"00\"}");
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, outer, "snap.json", out, &inner, &ms, &n) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "member data.bin is larger than the manifest says") != NULL);
	snprintf(path, sizeof path, "%s/data.bin", out);
	CHECK(stat(path, &st) == -1 || st.st_size <= 1);
	cJSON_Delete(outer);
}

static void
test_unlisted_member_is_never_extracted(void)
{
	static const char *const pairs[] = {"data.bin", "abc", "extra.sh", "rm -rf /", MANIFEST_MEMBER, "{}"};
	char path[300], out[200];
	struct tarball_member *ms = NULL;
	cJSON *outer, *inner = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/extra.tar.gz", dir);
	snprintf(out, sizeof out, "%s/extra", dir);
	mkdir(out, 0700);
	make_members(path, pairs, 6);
	outer = outer_for(path, "{\"name\":\"data.bin\",\"bytes\":3,\"sha256\":\"" SHA256_ABC "\"}");
	t_stderr_capture();
	CHECK(manifest_verify_archive(path, outer, "snap.json", out, &inner, &ms, &n) == PR_INPUT);
	CHECK(strstr(t_stderr_text(), "unexpected member extra.sh") != NULL);
	snprintf(path, sizeof path, "%s/extra.sh", out);
	CHECK(access(path, F_OK) == -1);
	cJSON_Delete(outer);
}

/* An archive of pr-snapshot 0.1.0 (gzip level 1) verifies against the
 * manifest it printed and extracts (tests/fixtures/snapshot-0.1.0). */
static void
test_archive_of_0_1_0_verifies_and_extracts(void)
{
	const char *root = getenv("PR_ROOT");
	char path[512], mpath[512], out[300];
	struct tarball_member *ms = NULL;
	cJSON *outer = NULL, *inner = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/tests/fixtures/snapshot-0.1.0/snapshot.tar.gz", root ? root : ".");
	snprintf(mpath, sizeof mpath, "%s/tests/fixtures/snapshot-0.1.0/snapshot.json", root ? root : ".");
	snprintf(out, sizeof out, "%s/old", dir);
	mkdir(out, 0700);
	CHECK(doc_load(mpath, "snapshot", &outer) == PR_OK);
	CHECK(manifest_verify_archive(path, outer, mpath, out, &inner, &ms, &n) == PR_OK);
	CHECK(inner != NULL && n == 2 && manifest_member_of(ms, n, "database.dump") != NULL);
	snprintf(path, sizeof path, "%s/database.dump", out);
	CHECK(access(path, R_OK) == 0);
	cJSON_Delete(inner);
	cJSON_Delete(outer);
	free(ms);
}

static void
test_manifest_listing_a_path_is_refused(void)
{
	cJSON *m = cJSON_Parse("{\"members\":[{\"name\":\"../x.dump\",\"bytes\":1,\"sha256\":\"00\"}]}");
	struct tarball_member *ms = NULL;
	size_t n = 0;

	t_stderr_capture();
	CHECK(manifest_members(m, "snap.json", &ms, &n) == PR_INPUT && ms == NULL);
	CHECK(strstr(t_stderr_text(), "'../x.dump' is not a plain name") != NULL);
	cJSON_Delete(m);
}

int
main(void)
{
	char cmd[400];
	int rc;

	if (!mkdtemp(dir))
		return 1;
	pr_init("pr-tools");
	RUN(test_members_that_match_pass);
	RUN(test_missing_changed_and_unlisted_members_are_named);
	RUN(test_archive_path_and_sum);
	RUN(test_archive_reads_back_and_verifies);
	RUN(test_altered_member_fails_against_its_manifest);
	RUN(test_archive_checksum_against_the_manifest);
	RUN(test_duplicate_member_is_refused);
	RUN(test_extraction_stops_at_the_listed_size);
	RUN(test_unlisted_member_is_never_extracted);
	RUN(test_manifest_listing_a_path_is_refused);
	RUN(test_archive_of_0_1_0_verifies_and_extracts);
	rc = t_done();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
