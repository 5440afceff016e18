/* blob.c: Azure Blob Storage block-blob upload with Shared Key. */
#include "blob.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "http.h"

#define KEY_MAX_BYTES 256
#define BLOCK_ID_FMT "blk-%08ld"	/* 12 bytes: base64 without padding */
#define MAX_BLOCKS 50000L		/* the service's limit per blob */

int
pr_blob_sign(const char *key_b64, const char *string_to_sign, char *out, size_t outlen)
{
	unsigned char key[KEY_MAX_BYTES], mac[EVP_MAX_MD_SIZE];
	size_t klen = strlen(key_b64);
	unsigned maclen = 0;
	int n;

	if (klen == 0 || klen % 4 || klen / 4 * 3 > sizeof key || outlen < 64)
		return -1;
	n = EVP_DecodeBlock(key, (const unsigned char *)key_b64, (int)klen);
	if (n < 0)
		return -1;
	if (klen >= 1 && key_b64[klen - 1] == '=')
		n--;
	if (klen >= 2 && key_b64[klen - 2] == '=')
		n--;
	if (!HMAC(EVP_sha256(), key, n, (const unsigned char *)string_to_sign, strlen(string_to_sign), mac, &maclen))
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	memset(key, 0, sizeof key);
	return 0;
}

/* The path part of url ("/acct/container/blob"), without the query. */
static void
url_path(const char *url, struct buf *out)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	p += strcspn(p, "/");
	n = strcspn(p, "?");
	buf_add(out, p, n);
	if (n == 0)
		buf_addc(out, '/');
}

struct put {
	const char *url;		/* endpoint/container[/blob] */
	const char *query[2][2];	/* sorted (name, value) pairs, decoded */
	const char *ms_headers[2];	/* extra "x-ms-name:value", sorting before x-ms-date */
	const char *ctype;
	const void *body;
	size_t len;
};

/* One signed PUT.  0 when the service answered 2xx; else why is filled. */
static int
signed_put(const struct pr_blob_account *acct, const struct put *p, const char *what, char *why, size_t whylen)
{
	char date[64], sig[128], clen[32] = "";
	struct buf sts = {0}, url = {0}, auth = {0}, hdate = {0}, ctype = {0};
	const char *headers[8];
	struct pr_http_req req = {.method = "PUT", .body = p->body ? p->body : "", .body_len = p->len};
	struct pr_http_resp resp = {0};
	int h = 0, rc = PR_EXTERNAL;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (p->len)
		snprintf(clen, sizeof clen, "%zu", p->len);
	buf_printf(&sts, "PUT\n\n\n%s\n\n%s\n\n\n\n\n\n\n", clen, p->ctype);
	for (int i = 0; i < 2 && p->ms_headers[i]; i++)
		buf_printf(&sts, "%s\n", p->ms_headers[i]);
	buf_printf(&sts, "x-ms-date:%s\nx-ms-version:%s\n/%s", date, PR_BLOB_API_VERSION, acct->name);
	url_path(p->url, &sts);
	buf_adds(&url, p->url);
	for (int i = 0; i < 2 && p->query[i][0]; i++) {
		buf_printf(&sts, "\n%s:%s", p->query[i][0], p->query[i][1]);
		buf_printf(&url, "%c%s=", i ? '&' : '?', p->query[i][0]);
		for (const char *c = p->query[i][1]; *c; c++) {
			if (*c == '+' || *c == '/' || *c == '=')
				buf_printf(&url, "%%%02X", (unsigned char)*c);
			else
				buf_addc(&url, *c);
		}
	}
	if (pr_blob_sign(acct->key, sts.data, sig, sizeof sig) != 0) {
		snprintf(why, whylen, "AZURE_STORAGE_ACCOUNT_KEY is not a base64 account key");
		rc = PR_INPUT;
		goto out;
	}
	buf_printf(&auth, "Authorization: SharedKey %s:%s", acct->name, sig);
	buf_printf(&hdate, "x-ms-date: %s", date);
	buf_printf(&ctype, "Content-Type: %s", p->ctype);
	headers[h++] = auth.data;
	headers[h++] = hdate.data;
	headers[h++] = "x-ms-version: " PR_BLOB_API_VERSION;
	headers[h++] = ctype.data;
	headers[h++] = "Expect:";
	for (int i = 0; i < 2 && p->ms_headers[i]; i++)
		headers[h++] = p->ms_headers[i];
	headers[h] = NULL;
	req.url = url.data;
	req.headers = headers;
	if (pr_http_do(&req, &resp) != PR_OK) {
		snprintf(why, whylen, "%s: %s", what, resp.error);
		goto out;
	}
	if (resp.status >= 200 && resp.status < 300) {
		rc = PR_OK;
	} else if (resp.status == 409 && p->query[0][0] && strcmp(p->query[0][1], "container") == 0) {
		rc = PR_OK;	/* the container already exists */
	} else {
		const char *code = resp.body.data ? strstr(resp.body.data, "<Code>") : NULL;
		char ecode[128] = "";

		if (code)
			snprintf(ecode, sizeof ecode, "%.*s", (int)strcspn(code + 6, "<"), code + 6);
		snprintf(why, whylen, "%s: HTTP %ld%s%s", what, resp.status, *ecode ? " " : "", ecode);
	}
out:
	pr_http_resp_free(&resp);
	buf_free(&sts);
	buf_free(&url);
	buf_free(&auth);
	buf_free(&hdate);
	buf_free(&ctype);
	return rc;
}

/* Read up to len bytes of fd into data; the count or -1. */
static ssize_t
read_full(int fd, char *data, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
pr_blob_upload(const struct pr_blob_account *acct, const char *container, const char *blob,
    const char *path, cJSON **result, char *why, size_t whylen)
{
	struct pr_blob_account a = *acct;
	struct buf base = {0}, curl = {0}, burl = {0}, list = {0};
	char *chunk = NULL, what[256];
	const char *env_ep = getenv("AZURE_STORAGE_BLOB_ENDPOINT");
	int fd = -1, rc;
	long long total = 0;
	long blocks = 0;
	struct stat st;

	*result = NULL;
	if (!a.endpoint)
		a.endpoint = env_ep && *env_ep ? env_ep : NULL;
	if (a.endpoint)
		buf_adds(&base, a.endpoint);
	else
		buf_printf(&base, "https://%s.blob.core.windows.net", a.name);
	while (base.len && base.data[base.len - 1] == '/')
		base.data[--base.len] = '\0';
	buf_printf(&curl, "%s/%s", base.data, container);
	buf_printf(&burl, "%s/%s/%s", base.data, container, blob);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		rc = PR_INPUT;
		goto out;
	}
	snprintf(what, sizeof what, "create container %s", container);
	rc = signed_put(&a, &(struct put){.url = curl.data, .query = {{"restype", "container"}},
	    .ctype = "application/octet-stream"}, what, why, whylen);
	if (rc != PR_OK)
		goto out;
	chunk = xmalloc(PR_BLOB_BLOCK_BYTES);
	snprintf(what, sizeof what, "upload %s/%s", container, blob);
	if ((long long)st.st_size <= PR_BLOB_SINGLE_PUT_MAX_BYTES) {
		ssize_t n = read_full(fd, chunk, (size_t)st.st_size);

		if (n != (ssize_t)st.st_size) {
			snprintf(why, whylen, "%s: cannot read: %s", path, n == -1 ? strerror(errno) : "file shrank");
			rc = PR_INPUT;
			goto out;
		}
		rc = signed_put(&a, &(struct put){.url = burl.data, .ms_headers = {"x-ms-blob-type:BlockBlob"},
		    .ctype = "application/octet-stream", .body = chunk, .len = (size_t)n}, what, why, whylen);
		total = n;
		goto done;
	}
	buf_adds(&list, "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
	for (;;) {
		char raw[32], id[32];
		ssize_t n = read_full(fd, chunk, PR_BLOB_BLOCK_BYTES);

		if (n == -1) {
			snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
			rc = PR_INPUT;
			goto out;
		}
		if (n == 0)
			break;
		if (blocks >= MAX_BLOCKS) {
			snprintf(why, whylen, "%s: too large for %ld blocks", path, MAX_BLOCKS);
			rc = PR_INPUT;
			goto out;
		}
		snprintf(raw, sizeof raw, BLOCK_ID_FMT, blocks);
		EVP_EncodeBlock((unsigned char *)id, (const unsigned char *)raw, (int)strlen(raw));
		rc = signed_put(&a, &(struct put){.url = burl.data, .query = {{"blockid", id}, {"comp", "block"}},
		    .ctype = "application/octet-stream", .body = chunk, .len = (size_t)n}, what, why, whylen);
		if (rc != PR_OK)
			goto out;
		buf_printf(&list, "<Latest>%s</Latest>", id);
		blocks++;
		total += n;
	}
	buf_adds(&list, "</BlockList>");
	rc = signed_put(&a, &(struct put){.url = burl.data, .query = {{"comp", "blocklist"}},
	    .ctype = "application/xml", .body = list.data, .len = list.len}, what, why, whylen);
done:
	if (rc == PR_OK) {
		*result = cJSON_CreateObject();
		cJSON_AddStringToObject(*result, "container", container);
		cJSON_AddStringToObject(*result, "blob", blob);
		cJSON_AddStringToObject(*result, "url", burl.data);
		cJSON_AddNumberToObject(*result, "bytes", (double)total);
		cJSON_AddNumberToObject(*result, "blocks", (double)blocks);
	}
out:
	if (fd != -1)
		close(fd);
	free(chunk);
	buf_free(&base);
	buf_free(&curl);
	buf_free(&burl);
	buf_free(&list);
	return rc;
}
