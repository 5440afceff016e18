/*
 * blob.h: uploading a file to Azure Blob Storage as a block blob, with
 * Shared Key authorization (HMAC-SHA256 of the canonical request, x-ms-date,
 * x-ms-version).  Small files go up in one Put Blob; larger ones in
 * PR_BLOB_BLOCK_BYTES pieces with Put Block and Put Block List, so memory
 * stays bounded.  The account key is used only to sign and never printed.
 */
#ifndef PR_BLOB_H
#define PR_BLOB_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define PR_BLOB_API_VERSION "2021-12-02"
#define PR_BLOB_SINGLE_PUT_MAX_BYTES ((long long)4 << 20)
#define PR_BLOB_BLOCK_BYTES ((size_t)4 << 20)
#define PR_BLOB_DEFAULT_CONTAINER "pr-snapshots"

struct pr_blob_account {
	const char *name;	/* AZURE_STORAGE_ACCOUNT */
	const char *key;	/* AZURE_STORAGE_ACCOUNT_KEY, base64 */
	const char *endpoint;	/* NULL: AZURE_STORAGE_BLOB_ENDPOINT or https://<name>.blob.core.windows.net */
};

/*
 * Upload the file at path as container/blob (the container is created when
 * missing).  *result is {"container","blob","url","bytes","blocks"} (caller
 * frees).  Returns 0, PR_INPUT (unreadable file, bad key), or PR_EXTERNAL
 * (network, auth, service error: why holds the status and Azure's error
 * code).
 */
int pr_blob_upload(const struct pr_blob_account *acct, const char *container, const char *blob,
    const char *path, cJSON **result, char *why, size_t whylen);

/*
 * The Shared Key signature of string_to_sign with the base64 key, as base64
 * in out (at least 64 bytes).  0, or -1 when the key is not base64.
 * Exposed for unit tests.
 */
int pr_blob_sign(const char *key_b64, const char *string_to_sign, char *out, size_t outlen);

#endif
