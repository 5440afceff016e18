/*
 * test_blob.c: lib/blob's Shared Key upload against a scripted server on
 * 127.0.0.1 (tserver.h) that records each request.  The signature is
 * checked by rebuilding the string to sign from the request as the server
 * received it, following Azure's documented rules, and signing it with
 * OpenSSL directly: not with the code under test.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "pr.h"
#include "fileio.h"
#include "proc.h"
#include "t.h"
#include "tserver.h"

#define ACCOUNT "devacct"
/* base64 of "unit-test-account-key-32-bytes!!" */
#define KEY_B64 "dW5pdC10ZXN0LWFjY291bnQta2V5LTMyLWJ5dGVzISE="
#define KEY_RAW "unit-test-account-key-32-bytes!!"

/* Write len bytes of a pattern to scratch/name; the path in out. */
static int
make_file(const char *name, size_t len, char *out, size_t outlen)
{
	char *data = malloc(len ? len : 1);
	int rc;

	if (!data || !t_scratch())
		return -1;
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26 + (i / 4096) % 3);
	snprintf(out, outlen, "%s/%s", t_scratch(), name);
	rc = fileio_write_atomic(out, data, len);
	free(data);
	return rc;
}

/* Upload path as container/blob to a server answering script. */
static int
upload(struct ts_server *s, const char *const *script, const char *key, const char *path, cJSON **result,
    char *why)
{
	char endpoint[96];
	struct blob_account a = {.name = ACCOUNT, .key = key, .endpoint = endpoint};
	int rc;

	if (ts_start(s, script) != 0)
		return -1;
	/* Path-style, as Azurite: the account is the first path segment. */
	snprintf(endpoint, sizeof endpoint, "%s/" ACCOUNT "/", s->url);
	rc = blob_upload(&a, "snaps", "db/base.tar", path, result, why, PR_WHY_LEN);
	ts_stop(s);
	return rc;
}

/* Decoded value of query parameter name in target into out; 0 or -1. */
static int
query_param(const char *target, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	for (const char *p = strchr(target, '?'); p && *p; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, name, nlen) == 0 && p[1 + nlen] == '=') {
			int n = 0;
			char *dec = curl_easy_unescape(NULL, p + 2 + nlen, (int)strcspn(p + 2 + nlen, "&"), &n);

			snprintf(out, outlen, "%s", dec ? dec : "");
			curl_free(dec);
			return 0;
		}
	}
	return -1;
}

/* True when r's Authorization is Azure's Shared Key signature of r. */
static bool
signature_verifies(const struct ts_req *r)
{
	static const char *const std[] = {"Content-Encoding", "Content-Language", "Content-Length", "Content-MD5",
	    "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since",
	    "Range"};
	static const char *const ms[] = {"x-ms-blob-type", "x-ms-date", "x-ms-version"};	/* sorted */
	static const char *const params[] = {"blockid", "comp", "restype"};		/* sorted */
	struct buf sts = {0};
	char v[512], want[128], mac_b64[64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	bool ok;

	buf_printf(&sts, "%s\n", r->method);
	for (size_t i = 0; i < sizeof std / sizeof *std; i++) {
		const char *h = ts_header(r, std[i], v, sizeof v);

		/* Content-Length 0 signs as empty (version 2015-02-21 on). */
		if (h && strcmp(std[i], "Content-Length") == 0 && strcmp(h, "0") == 0)
			h = "";
		buf_printf(&sts, "%s\n", h ? h : "");
	}
	for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
		if (ts_header(r, ms[i], v, sizeof v))
			buf_printf(&sts, "%s:%s\n", ms[i], v);
	buf_printf(&sts, "/%s%.*s", ACCOUNT, (int)strcspn(r->target, "?"), r->target);
	for (size_t i = 0; i < sizeof params / sizeof *params; i++)
		if (query_param(r->target, params[i], v, sizeof v) == 0)
			buf_printf(&sts, "\n%s:%s", params[i], v);
	HMAC(EVP_sha256(), KEY_RAW, (int)strlen(KEY_RAW), (const unsigned char *)sts.data, sts.len, mac, &maclen);
	EVP_EncodeBlock((unsigned char *)mac_b64, mac, (int)maclen);
	snprintf(want, sizeof want, "SharedKey " ACCOUNT ":%s", mac_b64);
	ok = ts_header(r, "Authorization", v, sizeof v) && strcmp(v, want) == 0;
	buf_free(&sts);
	return ok;
}

static void
test_sign_matches_the_rfc4231_hmac_sha256_vector(void)
{
	char out[64];

	/* RFC 4231 test case 2: key "Jefe". */
	CHECK(blob_sign("SmVmZQ==", "what do ya want for nothing?", out, sizeof out) == 0);
	CHECK_STR(out, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

static void
test_sign_refuses_a_key_that_is_not_base64(void)
{
	char out[64];

	CHECK(blob_sign("", "x", out, sizeof out) == -1);
	CHECK(blob_sign("abc", "x", out, sizeof out) == -1);
	CHECK(blob_sign("ab!?", "x", out, sizeof out) == -1);
}

static void
test_small_file_is_one_signed_put_after_the_container(void)
{
	static const char *const script[] = {TS_201, NULL};
	struct ts_server s;
	struct buf file = {0};
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "", v[64];

	CHECK(make_file("small", 1000, path, sizeof path) == 0);
	CHECK(upload(&s, script, KEY_B64, path, &res, why) == PR_OK);
	CHECK(s.nreqs == 2);
	CHECK_STR(s.reqs[0].target, "/" ACCOUNT "/snaps?restype=container");
	CHECK_STR(s.reqs[1].method, "PUT");
	CHECK_STR(s.reqs[1].target, "/" ACCOUNT "/snaps/db/base.tar");
	CHECK_STR(ts_header(&s.reqs[1], "x-ms-blob-type", v, sizeof v), "BlockBlob");
	CHECK_STR(ts_header(&s.reqs[1], "x-ms-version", v, sizeof v), PR_BLOB_API_VERSION);
	CHECK(fileio_read_file(path, 4096, &file) == 0);
	CHECK(s.reqs[1].body.len == file.len && memcmp(s.reqs[1].body.data, file.data, file.len) == 0);
	CHECK(signature_verifies(&s.reqs[0]));
	CHECK(signature_verifies(&s.reqs[1]));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(res, "bytes")) == 1000);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(res, "blocks")) == 0);
	CHECK(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(res, "url")), "/" ACCOUNT "/snaps/db/base.tar"));
	cJSON_Delete(res);
	buf_free(&file);
	ts_free(&s);
}

static void
test_large_file_goes_up_in_blocks_then_a_block_list(void)
{
	static const char *const script[] = {TS_201, NULL};
	size_t len = 2 * PR_BLOB_BLOCK_BYTES + 100;
	struct ts_server s;
	struct buf file = {0}, joined = {0};
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "", id[64], list[512];

	CHECK(make_file("large", len, path, sizeof path) == 0);
	CHECK(upload(&s, script, KEY_B64, path, &res, why) == PR_OK);
	CHECK(s.nreqs == 5);	/* container, 3 blocks, the list */
	list[0] = '\0';
	for (int i = 1; i <= 3 && i < s.nreqs; i++) {
		CHECK(query_param(s.reqs[i].target, "comp", id, sizeof id) == 0 && strcmp(id, "block") == 0);
		CHECK(query_param(s.reqs[i].target, "blockid", id, sizeof id) == 0);
		CHECK(signature_verifies(&s.reqs[i]));
		snprintf(list + strlen(list), sizeof list - strlen(list), "<Latest>%s</Latest>", id);
		buf_add(&joined, s.reqs[i].body.data, s.reqs[i].body.len);
	}
	CHECK(fileio_read_file(path, len + 1, &file) == 0);
	CHECK(joined.len == len && memcmp(joined.data, file.data, len) == 0);
	CHECK(s.nreqs == 5 && strstr(s.reqs[4].target, "comp=blocklist") != NULL);
	CHECK(s.nreqs == 5 && s.reqs[4].body.data && strstr(s.reqs[4].body.data, list) != NULL);
	CHECK(s.nreqs == 5 && signature_verifies(&s.reqs[4]));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(res, "blocks")) == 3);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(res, "bytes")) == (double)len);
	cJSON_Delete(res);
	buf_free(&file);
	buf_free(&joined);
	ts_free(&s);
}

static void
test_existing_container_is_not_an_error(void)
{
	static const char *const script[] = {
		"HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", TS_201, NULL};
	struct ts_server s;
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "";

	CHECK(make_file("small", 10, path, sizeof path) == 0);
	CHECK(upload(&s, script, KEY_B64, path, &res, why) == PR_OK);
	CHECK(s.nreqs == 2);
	cJSON_Delete(res);
	ts_free(&s);
}

static void
test_service_error_names_the_step_status_and_azure_code(void)
{
	static const char *const body = "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code></Error>";
	char resp[512];
	const char *script[] = {TS_201, resp, NULL};
	struct ts_server s;
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "";

	snprintf(resp, sizeof resp, "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	CHECK(make_file("small", 10, path, sizeof path) == 0);
	CHECK(upload(&s, script, KEY_B64, path, &res, why) == PR_EXTERNAL);
	CHECK_STR(why, "upload snaps/db/base.tar: HTTP 403 AuthenticationFailed");
	CHECK(res == NULL);
	CHECK(strstr(why, KEY_B64) == NULL);
	ts_free(&s);
}

static void
test_unreadable_file_is_bad_input_and_nothing_is_sent(void)
{
	static const char *const script[] = {TS_201, NULL};
	struct ts_server s;
	cJSON *res = NULL;
	char why[PR_WHY_LEN] = "";

	CHECK(upload(&s, script, KEY_B64, "/nonexistent/base.tar", &res, why) == PR_INPUT);
	CHECK(s.nreqs == 0);
	CHECK(strstr(why, "/nonexistent/base.tar: cannot read") == why);
	ts_free(&s);
}

static void
test_bad_key_is_bad_input_and_nothing_is_sent(void)
{
	static const char *const script[] = {TS_201, NULL};
	struct ts_server s;
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "";

	CHECK(make_file("small", 10, path, sizeof path) == 0);
	CHECK(upload(&s, script, "not base64!", path, &res, why) == PR_INPUT);
	CHECK(s.nreqs == 0);
	CHECK_STR(why, "AZURE_STORAGE_ACCOUNT_KEY is not a base64 account key");
	CHECK(strstr(why, "not base64!") == NULL);
	ts_free(&s);
}

static void
test_the_key_never_travels(void)
{
	static const char *const script[] = {TS_201, NULL};
	struct ts_server s;
	cJSON *res = NULL;
	char path[PATH_MAX], why[PR_WHY_LEN] = "";

	CHECK(make_file("small", 10, path, sizeof path) == 0);
	CHECK(upload(&s, script, KEY_B64, path, &res, why) == PR_OK);
	for (int i = 0; i < s.nreqs; i++) {
		CHECK(strstr(s.reqs[i].head, KEY_B64) == NULL);
		CHECK(strstr(s.reqs[i].head, KEY_RAW) == NULL);
		CHECK(strstr(s.reqs[i].target, KEY_B64) == NULL);
	}
	cJSON_Delete(res);
	ts_free(&s);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	unsetenv("AZURE_STORAGE_BLOB_ENDPOINT");
	RUN(test_sign_matches_the_rfc4231_hmac_sha256_vector);
	RUN(test_sign_refuses_a_key_that_is_not_base64);
	RUN(test_small_file_is_one_signed_put_after_the_container);
	RUN(test_large_file_goes_up_in_blocks_then_a_block_list);
	RUN(test_existing_container_is_not_an_error);
	RUN(test_service_error_names_the_step_status_and_azure_code);
	RUN(test_unreadable_file_is_bad_input_and_nothing_is_sent);
	RUN(test_bad_key_is_bad_input_and_nothing_is_sent);
	RUN(test_the_key_never_travels);
	curl_global_cleanup();
	return t_done();
}
