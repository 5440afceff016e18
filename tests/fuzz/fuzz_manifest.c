/* fuzz_manifest.c: snapshot manifests as pr-rollback reads them:
 * doc_parse (kind "snapshot"), the archive's path and checksum, and the
 * member lists checked (lib/manifest.c) against the members the manifest
 * itself lists and against a fixed archive, on arbitrary bytes.  No file
 * is read.  A manifest checked against its own list must pass.  Built by
 * `make fuzz`; run by tests/fuzz.sh. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "pr.h"
#include "manifest.h"

#define FUZZ_MEMBERS 64
#define FUZZ_MAX_BYTES 9e15	/* exact in a double and an int64_t */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tarball_member fixed[] = {
		{ "database.dump", 3505, "0d9285e5c8c9284511617d3fbb0532a1fb41f593e6040f07902f28d7926eac18" },
		{ "manifest.json", 700, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	};
	struct tarball_member own[FUZZ_MEMBERS];
	const cJSON *list, *it;
	const char *path, *sha;
	double bytes;
	size_t n = 0;
	bool usable = true;
	cJSON *doc;

	if (doc_parse("fuzz.json", (const char *)data, size, "snapshot", &doc) != PR_OK)
		return 0;
	manifest_archive_path(doc, "fuzz.json", &path);
	manifest_archive_sum(doc, &sha, &bytes);
	manifest_check_members(doc, "fuzz.json", "fuzz.tar.gz", fixed, 2, true);
	manifest_check_members(doc, MANIFEST_MEMBER, "fuzz.tar.gz", fixed, 2, false);
	/* The members as listed, when they are plain: they must match. */
	list = cJSON_GetObjectItemCaseSensitive(doc, "members");
	cJSON_ArrayForEach(it, list) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *sh = cJSON_GetObjectItemCaseSensitive(it, "sha256");
		const cJSON *by = cJSON_GetObjectItemCaseSensitive(it, "bytes");

		if (n == FUZZ_MEMBERS || !cJSON_IsString(nm) || !cJSON_IsString(sh) || !cJSON_IsNumber(by) ||
		    strlen(nm->valuestring) >= PR_MEMBER_NAME_MAX || strlen(sh->valuestring) >= PR_SHA256_HEX_LEN ||
		    !(fabs(by->valuedouble) <= FUZZ_MAX_BYTES) || by->valuedouble != (double)(int64_t)by->valuedouble) {
			usable = false;
			break;
		}
		for (size_t i = 0; i < n; i++)
			usable = usable && strcmp(own[i].name, nm->valuestring) != 0;
		snprintf(own[n].name, sizeof own[n].name, "%s", nm->valuestring);
		snprintf(own[n].sha256, sizeof own[n].sha256, "%s", sh->valuestring);
		own[n].bytes = (int64_t)by->valuedouble;
		n++;
	}
	if (cJSON_IsArray(list) && usable &&
	    manifest_check_members(doc, "fuzz.json", "fuzz.tar.gz", own, n, true) != PR_OK)
		abort();
	cJSON_Delete(doc);
	return 0;
}
