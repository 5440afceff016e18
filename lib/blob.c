/* blob.c: see blob.h. */
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
#include "pr.h"
#include "http.h"
#include "util.h"

#define KEY_MAX_BYTES 256
#define BLOCK_ID_FMT "blk-%08ld"	/* 12 bytes: base64 without padding */
#define MAX_BLOCKS 50000L		/* the service's limit per blob */

int
blob_sign(const char *key_b64, const char *string_to_sign, char *out, size_t outlen)
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

/* The storage error code in an XML error body ("<Code>X</Code>"). */
static void
error_code(const struct http_resp *resp, char *out, size_t outlen)
{
	const char *code = resp->body.data ? strstr(resp->body.data, "<Code>") : NULL;

	*out = '\0';
	if (code)
		snprintf(out, outlen, "%.*s", (int)strcspn(code + 6, "<"), code + 6);
}

/* The query value v percent-encoded where base64 needs it, appended. */
static void
add_query_value(struct buf *url, const char *v)
{
	for (const char *c = v; *c; c++) {
		if (*c == '+' || *c == '/' || *c == '=')
			buf_printf(url, "%%%02X", (unsigned char)*c);
		else
			buf_addc(url, *c);
	}
}

/*
 * The Authorization header for p into auth (nothing for a SAS), signing
 * date and the query for Shared Key.  0, or PR_INPUT/PR_EXTERNAL with why.
 */
static int
authorize(const struct blob_account *acct, const struct put *p, const char *date, struct buf *auth,
    char *why, size_t whylen)
{
	struct buf sts = {0};
	char sig[128], clen[32] = "";
	const char *token;
	int rc;

	if (acct->sas)
		return PR_OK;
	if (!acct->key) {
		if (!acct->cred) {
			snprintf(why, whylen, "no storage credential (give a key, a SAS or an Entra ID credential)");
			return PR_INPUT;
		}
		if ((rc = cred_token(acct->cred, PR_CRED_SCOPE_STORAGE, &token))) {
			snprintf(why, whylen, "no Entra ID token for Blob Storage (see the error above)");
			return rc;
		}
		buf_printf(auth, "Authorization: Bearer %s", token);
		return PR_OK;
	}
	if (p->len)
		snprintf(clen, sizeof clen, "%zu", p->len);
	buf_printf(&sts, "PUT\n\n\n%s\n\n%s\n\n\n\n\n\n\n", clen, p->ctype);
	for (int i = 0; i < 2 && p->ms_headers[i]; i++)
		buf_printf(&sts, "%s\n", p->ms_headers[i]);
	buf_printf(&sts, "x-ms-date:%s\nx-ms-version:%s\n/%s", date, PR_BLOB_API_VERSION, acct->name);
	url_path(p->url, &sts);
	for (int i = 0; i < 2 && p->query[i][0]; i++)
		buf_printf(&sts, "\n%s:%s", p->query[i][0], p->query[i][1]);
	rc = blob_sign(acct->key, sts.data, sig, sizeof sig);
	buf_free(&sts);
	if (rc != 0) {
		snprintf(why, whylen, "AZURE_STORAGE_ACCOUNT_KEY is not a base64 account key");
		return PR_INPUT;
	}
	buf_printf(auth, "Authorization: SharedKey %s:%s", acct->name, sig);
	return PR_OK;
}

/* why for a refused request: the status, the service's code and, for the
 * account that disallows Shared Key, the fix. */
static void
refusal(const struct http_resp *resp, const char *what, char *why, size_t whylen)
{
	char ecode[128];

	error_code(resp, ecode, sizeof ecode);
	if (strcmp(ecode, "KeyBasedAuthenticationNotPermitted") == 0)
		snprintf(why, whylen, "%s: HTTP %ld %s: the account disallows Shared Key; unset "
		    "AZURE_STORAGE_ACCOUNT_KEY to sign in with Entra ID (role Storage Blob Data Contributor) "
		    "or give a SAS", what, resp->status, ecode);
	else
		snprintf(why, whylen, "%s: HTTP %ld%s%s", what, resp->status, *ecode ? " " : "", ecode);
}

/* One authorized PUT.  0 when the service answered 2xx; else why is filled. */
static int
blob_put(const struct blob_account *acct, const struct put *p, const char *what, char *why, size_t whylen)
{
	char date[64];
	struct buf url = {0}, auth = {0}, hdate = {0}, ctype = {0};
	const char *headers[8];
	struct http_req req = {.method = "PUT", .body = p->body ? p->body : "", .body_len = p->len};
	struct http_resp resp = {0};
	int h = 0, rc;
	time_t now = time(NULL);
	struct tm tm;
	char *shown;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if ((rc = authorize(acct, p, date, &auth, why, whylen)))
		goto out;
	rc = PR_EXTERNAL;
	buf_adds(&url, p->url);
	if (acct->sas)
		buf_printf(&url, "?%s", acct->sas);
	for (int i = 0; i < 2 && p->query[i][0]; i++) {
		buf_printf(&url, "%c%s=", i || acct->sas ? '&' : '?', p->query[i][0]);
		add_query_value(&url, p->query[i][1]);
	}
	buf_printf(&hdate, "x-ms-date: %s", date);
	buf_printf(&ctype, "Content-Type: %s", p->ctype);
	if (auth.len)
		headers[h++] = auth.data;
	headers[h++] = hdate.data;
	headers[h++] = "x-ms-version: " PR_BLOB_API_VERSION;	/* bearer needs 2017-11-09 or later */
	headers[h++] = ctype.data;
	headers[h++] = "Expect:";
	for (int i = 0; i < 2 && p->ms_headers[i]; i++)
		headers[h++] = p->ms_headers[i];
	headers[h] = NULL;
	req.url = url.data;
	shown = util_redact_url(url.data);
	req.log_url = shown;
	req.headers = headers;
	if (http_do(&req, &resp) != PR_OK)
		snprintf(why, whylen, "%s: %s", what, resp.error);
	else if (resp.status >= 200 && resp.status < 300)
		rc = PR_OK;
	else if (resp.status == 409 && p->query[0][0] && strcmp(p->query[0][1], "container") == 0)
		rc = PR_OK;	/* the container already exists */
	else
		refusal(&resp, what, why, whylen);
	free(shown);
out:
	http_resp_free(&resp);
	buf_wipe(&url);
	buf_wipe(&auth);
	buf_free(&hdate);
	buf_free(&ctype);
	return rc;
}

int
blob_container_url(const char *url, char **endpoint, char **container, char **sas)
{
	const char *host, *q, *slash;
	size_t pathlen;

	*endpoint = *container = *sas = NULL;
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return -1;
	host = strstr(url, "://") + 3;
	q = host + strcspn(host, "?#");
	pathlen = (size_t)(q - url);
	while (pathlen > 0 && url[pathlen - 1] == '/')
		pathlen--;
	slash = NULL;
	for (const char *c = host; c < url + pathlen; c++)
		if (*c == '/')
			slash = c;
	if (!slash || slash + 1 >= url + pathlen)
		return -1;
	*endpoint = xstrdup(url);
	(*endpoint)[slash - url] = '\0';
	*container = xstrdup(slash + 1);
	(*container)[url + pathlen - slash - 1] = '\0';
	if (*q == '?' && q[1])
		*sas = xstrdup(q + 1);
	return 0;
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
blob_upload(const struct blob_account *acct, const char *container, const char *blob,
    const char *path, cJSON **result, char *why, size_t whylen)
{
	struct blob_account a = *acct;
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
	/* A container SAS cannot create its container, which must exist. */
	snprintf(what, sizeof what, "create container %s", container);
	rc = a.sas ? PR_OK : blob_put(&a, &(struct put){.url = curl.data, .query = {{"restype", "container"}},
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
		rc = blob_put(&a, &(struct put){.url = burl.data, .ms_headers = {"x-ms-blob-type:BlockBlob"},
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
		rc = blob_put(&a, &(struct put){.url = burl.data, .query = {{"blockid", id}, {"comp", "block"}},
		    .ctype = "application/octet-stream", .body = chunk, .len = (size_t)n}, what, why, whylen);
		if (rc != PR_OK)
			goto out;
		buf_printf(&list, "<Latest>%s</Latest>", id);
		blocks++;
		total += n;
	}
	buf_adds(&list, "</BlockList>");
	rc = blob_put(&a, &(struct put){.url = burl.data, .query = {{"comp", "blocklist"}},
	    .ctype = "application/xml", .body = list.data, .len = list.len}, what, why, whylen);
done:
	if (rc == PR_OK) {
		*result = cJSON_CreateObject();
		cJSON_AddStringToObject(*result, "container", container);
		cJSON_AddStringToObject(*result, "blob", blob);
		cJSON_AddStringToObject(*result, "url", burl.data);
		cJSON_AddNumberToObject(*result, "bytes", (double)total);
		cJSON_AddNumberToObject(*result, "blocks", (double)blocks);
		cJSON_AddStringToObject(*result, "credential", a.sas ? "sas" : a.key ? "shared-key" :
		    cred_source(a.cred));
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
