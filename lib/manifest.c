/*
 * manifest.c: reading and verifying pr-tools/snapshot/1 manifests against
 * their archives (manifest.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "doc.h"
#include "err.h"
#include "manifest.h"
#include "proc.h"
#include "util.h"

cJSON *
manifest_member_json(const struct pr_member *m)
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

	if ((rc = pr_get_object(manifest, "archive", PR_REQUIRED, name, &arch)) != PR_OK ||
	    (rc = pr_get_string(arch, "path", PR_REQUIRED, "archive", path)) != PR_OK)
		return rc;
	return PR_OK;
}

int
manifest_archive_sum(const cJSON *manifest, const char **sha256, double *bytes)
{
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(manifest, "archive");
	int rc;

	if ((rc = pr_get_string(arch, "sha256", PR_REQUIRED, "archive", sha256)) != PR_OK ||
	    (rc = pr_get_number(arch, "bytes", PR_REQUIRED, "archive", bytes)) != PR_OK)
		return rc;
	return PR_OK;
}

int
manifest_check_archive(const cJSON *manifest, const char *name, const char *archive)
{
	char why[PR_WHY_LEN], hex[PR_SHA256_HEX_LEN];
	const char *sha;
	double want_bytes;
	int64_t bytes;
	int rc;

	if ((rc = manifest_archive_sum(manifest, &sha, &want_bytes)) != PR_OK)
		return rc;
	if (pr_sha256_file(archive, hex, &bytes, why, sizeof why) != PR_OK)
		return pr_error(PR_INPUT, "%s (the manifest's archive must be readable)", why);
	if (strcmp(hex, sha) != 0 || (double)bytes != want_bytes)
		return pr_error(PR_INPUT, "%s: SHA-256 of the archive does not match %s (the archive is corrupted or replaced; nothing was changed)",
		    archive, name);
	return PR_OK;
}

int
manifest_check_members(const cJSON *manifest, const char *listed_in, const char *archive,
    const struct pr_member *ms, size_t n, bool lists_manifest)
{
	const cJSON *list, *it;
	size_t matched = 0;
	int rc;

	if ((rc = pr_get_array(manifest, "members", PR_REQUIRED, listed_in, &list)) != PR_OK)
		return rc;
	cJSON_ArrayForEach(it, list) {
		const char *name, *sha;
		double bytes;
		size_t i;

		if (pr_get_string(it, "name", PR_REQUIRED, listed_in, &name) != PR_OK ||
		    pr_get_string(it, "sha256", PR_REQUIRED, listed_in, &sha) != PR_OK ||
		    pr_get_number(it, "bytes", PR_REQUIRED, listed_in, &bytes) != PR_OK)
			return PR_INPUT;
		for (i = 0; i < n && strcmp(ms[i].name, name) != 0; i++)
			;
		if (i == n)
			return pr_error(PR_INPUT, "%s: member %s listed in %s is missing (the archive is incomplete; nothing was changed)",
			    archive, name, listed_in);
		if (strcmp(ms[i].sha256, sha) != 0 || (double)ms[i].bytes != bytes)
			return pr_error(PR_INPUT, "%s: member %s: SHA-256 does not match %s (the archive is corrupted; nothing was changed)",
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
				return pr_error(PR_INPUT, "%s: member %s is not listed in %s (the archive was altered; nothing was changed)",
				    archive, ms[i].name, listed_in);
		}
	}
	return PR_OK;
}

int
manifest_read_archive(const char *archive, const cJSON *outer, const char *outer_name, const char *dir,
    cJSON **inner, size_t *n)
{
	struct pr_member *ms = NULL;
	struct buf mpath = {0};
	char why[PR_WHY_LEN];
	int rc;

	*inner = NULL;
	*n = 0;
	rc = pr_tar_read(archive, dir, &ms, n, why, sizeof why);
	if (rc != PR_OK) {
		rc = pr_error(rc, "%s (nothing was changed)", why);
		goto out;
	}
	if (outer && (rc = manifest_check_members(outer, outer_name, archive, ms, *n, true)) != PR_OK)
		goto out;
	buf_printf(&mpath, "%s/%s", dir, MANIFEST_MEMBER);
	if (access(mpath.data, R_OK) != 0) {
		rc = pr_error(PR_INPUT, "%s: no %s inside (not a pr-snapshot archive)", archive, MANIFEST_MEMBER);
		goto out;
	}
	if ((rc = pr_doc_load(mpath.data, "snapshot", inner)) != PR_OK)
		goto out;
	rc = manifest_check_members(*inner, MANIFEST_MEMBER, archive, ms, *n, false);
out:
	if (rc != PR_OK) {
		cJSON_Delete(*inner);
		*inner = NULL;
	}
	free(ms);
	buf_free(&mpath);
	return rc;
}
