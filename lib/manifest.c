/*
 * manifest.c: reading and verifying pr-tools/snapshot/1 manifests against
 * their archives (manifest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "pr.h"
#include "fileio.h"
#include "manifest.h"
#include "proc.h"
#include "util.h"

/* A manifest.json is a few kilobytes; anything near this is not one. */
#define MAX_MANIFEST_BYTES ((size_t)1 << 20)
/* Sizes in a manifest are JSON numbers: exact up to 2^53. */
#define MAX_MEMBER_BYTES 9007199254740992.0
/* The private copy of an archive that cannot be read twice; never a member
 * name, which cannot start with '.'. */
#define ARCHIVE_COPY ".archive"

cJSON *
manifest_member_json(const struct tarball_member *m)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "name", m->name);
	cJSON_AddNumberToObject(j, "bytes", (double)m->bytes);
	cJSON_AddStringToObject(j, "sha256", m->sha256);
	return j;
}

int
manifest_archive_path(const cJSON *manifest, const char *name, const char **path)
{
	const cJSON *arch;
	int rc;

	if ((rc = doc_get_object(manifest, "archive", PR_REQUIRED, name, &arch)) != PR_OK ||
	    (rc = doc_get_string(arch, "path", PR_REQUIRED, "archive", path)) != PR_OK)
		return rc;
	return PR_OK;
}

int
manifest_valid_indexes(const cJSON *manifest, const char *name, char ***names, size_t *n)
{
	const cJSON *db = cJSON_GetObjectItemCaseSensitive(manifest, "database"), *list = NULL, *it;
	struct buf ctx = {0};
	size_t i = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if (!cJSON_IsObject(db))
		return pr_error(PR_INPUT, "%s: the snapshot recorded no database, so no indexes to compare with", name);
	buf_printf(&ctx, "%s: database", name);
	if ((rc = doc_get_array(db, "indexes", PR_OPTIONAL, ctx.data, &list)) == PR_OK && !list)
		rc = pr_error(PR_INPUT, "%s: the snapshot recorded no indexes (take it with a pr-snapshot that "
		    "records them)", name);
	*names = xcalloc(list ? (size_t)cJSON_GetArraySize(list) + 1 : 1, sizeof **names);
	if (rc != PR_OK)
		list = NULL;
	cJSON_ArrayForEach(it, list) {
		const char *schema = NULL, *iname = NULL;
		bool valid = false;
		struct buf where = {0}, q = {0};

		buf_printf(&where, "%s.indexes[%zu]", ctx.data, i++);
		if ((rc = doc_get_string(it, "schema", PR_REQUIRED, where.data, &schema)) == PR_OK &&
		    (rc = doc_get_string(it, "name", PR_REQUIRED, where.data, &iname)) == PR_OK &&
		    (rc = doc_get_bool(it, "valid", PR_REQUIRED, where.data, &valid)) == PR_OK && valid) {
			buf_printf(&q, "%s.%s", schema, iname);
			(*names)[(*n)++] = buf_detach(&q);
		}
		buf_free(&where);
		if (rc != PR_OK)
			break;
	}
	buf_free(&ctx);
	return rc;
}

int
manifest_archive_sum(const cJSON *manifest, const char **sha256, double *bytes)
{
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(manifest, "archive");
	int rc;

	if ((rc = doc_get_string(arch, "sha256", PR_REQUIRED, "archive", sha256)) != PR_OK ||
	    (rc = doc_get_number(arch, "bytes", PR_REQUIRED, "archive", bytes)) != PR_OK)
		return rc;
	return PR_OK;
}

int
manifest_check_members(const cJSON *manifest, const char *listed_in, const char *archive,
    const struct tarball_member *ms, size_t n, bool lists_manifest)
{
	const cJSON *list, *it;
	size_t matched = 0;
	int rc;

	if ((rc = doc_get_array(manifest, "members", PR_REQUIRED, listed_in, &list)) != PR_OK)
		return rc;
	cJSON_ArrayForEach(it, list) {
		const char *name, *sha;
		double bytes;
		size_t i;

		if (doc_get_string(it, "name", PR_REQUIRED, listed_in, &name) != PR_OK ||
		    doc_get_string(it, "sha256", PR_REQUIRED, listed_in, &sha) != PR_OK ||
		    doc_get_number(it, "bytes", PR_REQUIRED, listed_in, &bytes) != PR_OK)
			return PR_INPUT;
		for (i = 0; i < n && strcmp(ms[i].name, name) != 0; i++)
			;
		if (i == n)
			return pr_error(PR_INPUT,
			    "%s: member %s listed in %s is missing (the archive is incomplete; nothing was changed)",
			    archive, name, listed_in);
		if (strcmp(ms[i].sha256, sha) != 0 || (double)ms[i].bytes != bytes)
			return pr_error(PR_INPUT,
			    "%s: member %s: SHA-256 does not match %s (the archive is corrupted; nothing was changed)",
			    archive, name, listed_in);
		matched++;
	}
	if (matched + (lists_manifest ? 0 : 1) != n) {
		for (size_t i = 0; i < n; i++) {
			bool found = !lists_manifest && strcmp(ms[i].name, MANIFEST_MEMBER) == 0;

			cJSON_ArrayForEach(it, list) {
				const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");

				found = found || (cJSON_IsString(nm) && strcmp(nm->valuestring, ms[i].name) == 0);
			}
			if (!found)
				return pr_error(PR_INPUT,
				    "%s: member %s is not listed in %s (the archive was altered; nothing was changed)",
				    archive, ms[i].name, listed_in);
		}
	}
	return PR_OK;
}

int
manifest_members(const cJSON *manifest, const char *name, struct tarball_member **ms, size_t *n)
{
	const cJSON *list, *it;
	int rc;

	*ms = NULL;
	*n = 0;
	if ((rc = doc_get_array(manifest, "members", PR_REQUIRED, name, &list)) != PR_OK)
		return rc;
	*ms = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof **ms);
	cJSON_ArrayForEach(it, list) {
		struct tarball_member *m = &(*ms)[*n];
		const char *nm, *sha;
		double bytes;

		if ((rc = doc_get_string(it, "name", PR_REQUIRED, name, &nm)) != PR_OK ||
		    (rc = doc_get_string(it, "sha256", PR_REQUIRED, name, &sha)) != PR_OK ||
		    (rc = doc_get_number(it, "bytes", PR_REQUIRED, name, &bytes)) != PR_OK)
			goto fail;
		if (!tarball_name_ok(nm) || manifest_member_of(*ms, *n, nm)) {
			rc = pr_error(PR_INPUT, "%s: member '%s' is not a plain name listed once (nothing was changed)",
			    name, nm);
			goto fail;
		}
		if (!(bytes >= 0 && bytes <= MAX_MEMBER_BYTES) || bytes != (double)(int64_t)bytes) {
			rc = pr_error(PR_INPUT, "%s: member %s: bytes must be a whole number (nothing was changed)",
			    name, nm);
			goto fail;
		}
		snprintf(m->name, sizeof m->name, "%s", nm);
		snprintf(m->sha256, sizeof m->sha256, "%s", sha);
		m->bytes = (int64_t)bytes;
		(*n)++;
	}
	return PR_OK;
fail:
	free(*ms);
	*ms = NULL;
	*n = 0;
	return rc;
}

const struct tarball_member *
manifest_member_of(const struct tarball_member *ms, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ms[i].name, name) == 0)
			return &ms[i];
	return NULL;
}

/* A descriptor on archive that stays what it is: the file itself when it is
 * a regular file, else an unnamed copy in dir (at most max_bytes + 1 of it). */
static int
open_once(const char *archive, const char *dir, int64_t max_bytes, int *fd)
{
	struct buf copy = {0};
	unsigned char *chunk;
	struct stat st;
	int in, rc = PR_OK;
	int64_t done = 0;

	if ((in = open(archive, O_RDONLY | O_CLOEXEC)) == -1 || fstat(in, &st) == -1) {
		rc = pr_error(PR_INPUT, "%s: cannot read: %s (the manifest's archive must be readable)", archive,
		    strerror(errno));
		if (in != -1)
			close(in);
		return rc;
	}
	if (S_ISREG(st.st_mode)) {
		*fd = in;
		return PR_OK;
	}
	buf_printf(&copy, "%s/" ARCHIVE_COPY, dir);
	*fd = open(copy.data, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd == -1) {
		rc = pr_error(PR_EXTERNAL, "cannot copy %s into %s: %s", archive, dir, strerror(errno));
		goto out;
	}
	unlink(copy.data);
	chunk = xmalloc(PR_ARCHIVE_CHUNK_BYTES);
	for (;;) {
		ssize_t n = read(in, chunk, PR_ARCHIVE_CHUNK_BYTES);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || done > max_bytes) {
			if (n == -1)
				rc = pr_error(PR_INPUT, "%s: cannot read: %s", archive, strerror(errno));
			break;
		}
		if (fileio_write_all(*fd, chunk, (size_t)n) == -1) {
			rc = pr_error(PR_EXTERNAL, "cannot copy %s into %s: %s", archive, dir, strerror(errno));
			break;
		}
		done += n;
	}
	free(chunk);
	if (rc == PR_OK && lseek(*fd, 0, SEEK_SET) == -1)
		rc = pr_error(PR_EXTERNAL, "cannot read back the copy of %s: %s", archive, strerror(errno));
	if (rc != PR_OK) {
		close(*fd);
		*fd = -1;
	}
out:
	close(in);
	buf_free(&copy);
	return rc;
}

/* First pass with an outer manifest: the archive's bytes are the ones it
 * records, and its members are the ones it lists. */
static int
first_pass_outer(int fd, const char *archive, const cJSON *outer, const char *outer_name, char hex[PR_SHA256_HEX_LEN],
    struct tarball_member **expect, size_t *nexpect)
{
	char why[PR_WHY_LEN];
	const char *sha;
	double want_bytes;
	int64_t bytes;
	int rc;

	if ((rc = manifest_archive_sum(outer, &sha, &want_bytes)) != PR_OK)
		return rc;
	if (tarball_sha256_fd(fd, archive, (int64_t)want_bytes, hex, &bytes, why, sizeof why) != PR_OK)
		return pr_error(PR_INPUT, "%s (the manifest's archive must be readable)", why);
	if (strcmp(hex, sha) != 0 || (double)bytes != want_bytes)
		return pr_error(PR_INPUT, "%s: SHA-256 of the archive does not match %s "
		    "(the archive is corrupted or replaced; nothing was changed)",
		    archive, outer_name);
	return manifest_members(outer, outer_name, expect, nexpect);
}

/* First pass without one: read manifest.json (nothing is written); its
 * members, and itself as read, are what the archive may hold. */
static int
first_pass_inner(int fd, const char *archive, char hex[PR_SHA256_HEX_LEN], struct tarball_member **expect,
    size_t *nexpect)
{
	struct buf text = {0};
	struct tarball_rules r = {.keep_name = MANIFEST_MEMBER, .keep = &text, .keep_max_bytes = MAX_MANIFEST_BYTES};
	struct tarball_member *ms = NULL;
	const struct tarball_member *self;
	char why[PR_WHY_LEN];
	cJSON *doc = NULL;
	size_t n = 0;
	int rc;

	if ((rc = tarball_read_fd(fd, archive, &r, &ms, &n, hex, NULL, why, sizeof why)) != PR_OK) {
		rc = pr_error(rc, "%s (nothing was changed)", why);
		goto out;
	}
	if (!(self = manifest_member_of(ms, n, MANIFEST_MEMBER))) {
		rc = pr_error(PR_INPUT, "%s: no %s inside (not a pr-snapshot archive)", archive, MANIFEST_MEMBER);
		goto out;
	}
	if ((rc = doc_parse(MANIFEST_MEMBER, text.data ? text.data : "", text.len, "snapshot", &doc)) != PR_OK ||
	    (rc = manifest_members(doc, MANIFEST_MEMBER, expect, nexpect)) != PR_OK)
		goto out;
	if (manifest_member_of(*expect, *nexpect, MANIFEST_MEMBER)) {
		rc = pr_error(PR_INPUT, "%s: %s lists itself (the archive was altered; nothing was changed)", archive,
		    MANIFEST_MEMBER);
		goto out;
	}
	(*expect)[(*nexpect)++] = *self;	/* manifest_members left room for one */
out:
	if (rc != PR_OK) {
		free(*expect);
		*expect = NULL;
		*nexpect = 0;
	}
	cJSON_Delete(doc);
	free(ms);
	buf_free(&text);
	return rc;
}

/* Second pass: extract what was listed, and nothing else, through fd. */
static int
extract(int fd, const char *archive, const char *dir, const struct tarball_member *expect, size_t nexpect,
    const char hex[PR_SHA256_HEX_LEN], struct tarball_member **ms, size_t *n)
{
	struct tarball_rules r = {.dir = dir, .expect = expect, .nexpect = nexpect};
	char why[PR_WHY_LEN], again[PR_SHA256_HEX_LEN];
	int rc;

	if (lseek(fd, 0, SEEK_SET) == -1)
		return pr_error(PR_EXTERNAL, "%s: cannot read it again: %s", archive, strerror(errno));
	if ((rc = tarball_read_fd(fd, archive, &r, ms, n, again, NULL, why, sizeof why)) != PR_OK)
		return pr_error(rc, "%s (nothing was changed)", why);
	if (strcmp(again, hex) != 0)
		return pr_error(PR_INPUT, "%s: the archive changed while it was being verified (nothing was changed)",
		    archive);
	return PR_OK;
}

int
manifest_verify_archive(const char *archive, const cJSON *outer, const char *outer_name, const char *dir,
    cJSON **inner, struct tarball_member **members, size_t *n)
{
	struct tarball_member *expect = NULL;
	char hex[PR_SHA256_HEX_LEN];
	struct buf mpath = {0};
	size_t nexpect = 0;
	const char *sha;
	double bytes = -1;
	int fd = -1, rc;

	*inner = NULL;
	*members = NULL;
	*n = 0;
	if (outer && (rc = manifest_archive_sum(outer, &sha, &bytes)) != PR_OK)
		return rc;
	if ((rc = open_once(archive, dir, bytes >= 0 ? (int64_t)bytes : INT64_MAX - 1, &fd)) != PR_OK)
		return rc;
	rc = outer ? first_pass_outer(fd, archive, outer, outer_name, hex, &expect, &nexpect) :
	    first_pass_inner(fd, archive, hex, &expect, &nexpect);
	if (rc != PR_OK || (rc = extract(fd, archive, dir, expect, nexpect, hex, members, n)) != PR_OK)
		goto out;
	if (outer && (rc = manifest_check_members(outer, outer_name, archive, *members, *n, true)) != PR_OK)
		goto out;
	buf_printf(&mpath, "%s/%s", dir, MANIFEST_MEMBER);
	if (!manifest_member_of(*members, *n, MANIFEST_MEMBER)) {
		rc = pr_error(PR_INPUT, "%s: no %s inside (not a pr-snapshot archive)", archive, MANIFEST_MEMBER);
		goto out;
	}
	if ((rc = doc_load(mpath.data, "snapshot", inner)) != PR_OK)
		goto out;
	rc = manifest_check_members(*inner, MANIFEST_MEMBER, archive, *members, *n, false);
out:
	if (rc != PR_OK) {
		cJSON_Delete(*inner);
		*inner = NULL;
		free(*members);
		*members = NULL;
		*n = 0;
	}
	if (fd != -1)
		close(fd);
	free(expect);
	buf_free(&mpath);
	return rc;
}
