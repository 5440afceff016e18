/*
 * blob.h: uploading a file to Azure Blob Storage as a block blob.  Small
 * files go up in one Put Blob; larger ones in PR_BLOB_BLOCK_BYTES pieces
 * with Put Block and Put Block List, so memory stays bounded.
 *
 * Three ways to authorize, the first given wins:
 *   sas         a container SAS (the query of a container URL, or
 *               AZURE_STORAGE_SAS_TOKEN); the container must exist
 *   shared-key  the account key: HMAC-SHA256 of the canonical request
 *   (chain)     an Entra ID token for https://storage.azure.com/.default
 *               from cred.h (the identity needs a data role such as
 *               Storage Blob Data Contributor), the way to go when the
 *               account disallows Shared Key
 * The key, the SAS signature and the token are never printed: URLs shown
 * have their sig redacted (util_redact_url).
 */
#ifndef PR_BLOB_H
#define PR_BLOB_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define PR_BLOB_API_VERSION "2021-12-02"
#define PR_BLOB_SINGLE_PUT_MAX_BYTES ((long long)4 << 20)
#define PR_BLOB_BLOCK_BYTES ((size_t)4 << 20)
#define PR_BLOB_DEFAULT_CONTAINER "pr-snapshots"

#include "cred.h"

struct blob_account {
	const char *name;	/* AZURE_STORAGE_ACCOUNT (only Shared Key needs it
				 * when endpoint is given) */
	const char *key;	/* AZURE_STORAGE_ACCOUNT_KEY, base64, or NULL */
	const char *endpoint;	/* NULL: AZURE_STORAGE_BLOB_ENDPOINT or https://<name>.blob.core.windows.net */
	const char *sas;	/* SAS query without '?', or NULL; wins over key */
	struct cred *cred;	/* bearer tokens when key and sas are NULL */
};

/*
 * Split a container URL ("https://acct.blob.core.windows.net/c?sv=...")
 * into its endpoint, container name and SAS query (NULL when none); all
 * caller-freed.  0, or -1 when url is not an http(s) URL with a container.
 */
int blob_container_url(const char *url, char **endpoint, char **container, char **sas);

/*
 * Upload the file at path as container/blob (the container is created when
 * missing and the credential may create it).  *result is {"container",
 * "blob","url","bytes","blocks","credential"} (caller frees): url without
 * the SAS, credential "sas", "shared-key" or the chain's source name.
 * Returns 0, PR_INPUT (unreadable file, bad key), or PR_EXTERNAL (network,
 * auth, service error: why holds the status and Azure's error code).
 */
int blob_upload(const struct blob_account *acct, const char *container, const char *blob,
    const char *path, cJSON **result, char *why, size_t whylen);

/*
 * The Shared Key signature of string_to_sign with the base64 key, as base64
 * in out (at least 64 bytes).  0, or -1 when the key is not base64.
 * Exposed for unit tests.
 */
int blob_sign(const char *key_b64, const char *string_to_sign, char *out, size_t outlen);

#endif
