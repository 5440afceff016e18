/* cred.c: see cred.h. */
#include "cred.h"

#include <curl/curl.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "azure.h"
#include "buf.h"
#include "pr.h"
#include "fileio.h"
#include "gha.h"
#include "http.h"
#include "proc.h"
#include "util.h"

#define CRED_SCOPES_MAX 4
#define CRED_FILE_MAX_BYTES ((size_t)64 << 10)	/* a PEM or a federated token */
#define CRED_MSI_API "2019-08-01"
#define CRED_IMDS_API "2018-02-01"
#define CRED_IMDS_CONNECT_S 2.0
#define CRED_JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

enum src { SRC_NONE, SRC_TOKEN, SRC_SECRET, SRC_CERT, SRC_WORKLOAD, SRC_GITHUB, SRC_MSI, SRC_IMDS, SRC_AZ };

static const char *const src_name[] = {"none", "access-token", "client-secret", "client-certificate",
    "workload-identity", "github-oidc", "managed-identity", "imds", "az-cli"};

/* What to check when a source fails, for its error line. */
static const char *const src_hint[] = {"",
    "set a fresh AZURE_ACCESS_TOKEN",
    "check AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID",
    "check AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_TENANT_ID, "
	"and that the certificate is registered on the app",
    "check AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and the federated credential",
    "check AZURE_CLIENT_ID, AZURE_TENANT_ID, the job's permissions (id-token: write) and the "
	"federated credential's subject",
    "check that the app has a managed identity, and AZURE_CLIENT_ID for a user-assigned one",
    "check that the machine has a managed identity, and AZURE_CLIENT_ID for a user-assigned one",
    "run az login, or set AZURE_ACCESS_TOKEN"};

struct entry {
	char *scope;
	char *token;		/* secret */
	double renew_ms;	/* util_mono_ms() after which a new one is fetched */
};

struct cred {
	double retry_base_ms;
	struct entry e[CRED_SCOPES_MAX];
	int n;
	enum src used;
};

/* A token just obtained and how long it lives. */
struct got {
	char *token;
	double lifetime_s;	/* <= 0: not given */
};

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static enum src
configured(void)
{
	bool app = env("AZURE_CLIENT_ID") && env("AZURE_TENANT_ID");

	if (env("AZURE_ACCESS_TOKEN"))
		return SRC_TOKEN;
	if (app && env("AZURE_CLIENT_SECRET"))
		return SRC_SECRET;
	if (app && env("AZURE_CLIENT_CERTIFICATE_PATH"))
		return SRC_CERT;
	if (app && env("AZURE_FEDERATED_TOKEN_FILE"))
		return SRC_WORKLOAD;
	if (app && env("ACTIONS_ID_TOKEN_REQUEST_URL") && env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
		return SRC_GITHUB;
	if (env("IDENTITY_ENDPOINT") && env("IDENTITY_HEADER"))
		return SRC_MSI;
	if (env("AZURE_POD_IDENTITY_AUTHORITY_HOST") || (env("PR_AZURE_IMDS") && strcmp(env("PR_AZURE_IMDS"), "0")))
		return SRC_IMDS;
	return SRC_AZ;
}

const char *
cred_configured(void)
{
	return src_name[configured()];
}

struct cred *
cred_new(double retry_base_ms)
{
	struct cred *c = xcalloc(1, sizeof *c);

	c->retry_base_ms = retry_base_ms;
	return c;
}

static void
forget(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
cred_free(struct cred *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++) {
		forget(&c->e[i].token);
		free(c->e[i].scope);
	}
	free(c);
}

const char *
cred_source(const struct cred *c)
{
	return c && c->used != SRC_NONE ? src_name[c->used] : NULL;
}

/* An endpoint a secret may be sent to: http(s), and http only to loopback. */
static int
check_endpoint(const char *var, const char *url)
{
	if (!azure_is_http_url(url))
		return pr_error(PR_INPUT, "%s=%s: not an http(s) URL (fix or unset it)", var, url);
	if (azure_is_plain_remote(url))
		return pr_error(PR_INPUT, "%s %s is plain http: the credential would travel unencrypted "
		    "(use https; http only to localhost, 127.0.0.1 or [::1])", var, url);
	return PR_OK;
}

static bool
is_tenant_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '.' || *s == '_' || (*s >= '0' && *s <= '9') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* The tenant's v2.0 token endpoint into url. */
static int
token_url(struct buf *url)
{
	const char *host = env("AZURE_AUTHORITY_HOST"), *tenant = env("AZURE_TENANT_ID");
	char *base;
	int rc;

	if (!host)
		host = PR_CRED_AUTHORITY_PUBLIC;
	if ((rc = check_endpoint("AZURE_AUTHORITY_HOST", host)))
		return rc;
	if (!is_tenant_name(tenant))
		return pr_error(PR_INPUT, "AZURE_TENANT_ID=%s: not a tenant id or domain (fix it)", tenant);
	base = azure_strip_slash(host);
	buf_printf(url, "%s/%s/oauth2/v2.0/token", base, tenant);
	free(base);
	return PR_OK;
}

/* application/x-www-form-urlencoded "name=value" appended to b. */
static void
form_add(struct buf *b, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);

	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, esc ? esc : "");
	if (esc) {
		explicit_bzero(esc, strlen(esc));
		curl_free(esc);
	}
}

/* A JSON number or numeric string (the managed identity endpoints send
 * strings), or -1. */
static double
json_seconds(const cJSON *v)
{
	double d;

	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && util_parse_double(v->valuestring, 0, 1e12, &d) == 0)
		return d;
	return -1;
}

/*
 * The token in a 200 response's body under field, with its lifetime from
 * expires_in, or expires_on (epoch seconds).  0, or -1 when there is none.
 */
static int
got_from_body(const struct http_resp *resp, const char *field, const char *on_field, struct got *g)
{
	cJSON *doc = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(doc, field);
	double in = json_seconds(cJSON_GetObjectItemCaseSensitive(doc, "expires_in"));
	double on = json_seconds(cJSON_GetObjectItemCaseSensitive(doc, on_field));
	int rc = -1;

	if (cJSON_IsString(tok) && *tok->valuestring) {
		g->token = xstrdup(tok->valuestring);
		g->lifetime_s = in >= 0 ? in : on >= 0 ? on - (double)time(NULL) : -1;
		explicit_bzero(tok->valuestring, strlen(tok->valuestring));
		rc = 0;
	}
	cJSON_Delete(doc);
	return rc;
}

/* One request for a token; the secret-bearing parts of req are the
 * caller's.  On 200 g is filled from field. */
static int
fetch(struct cred *c, enum src s, struct http_req *req, const char *what, const char *field,
    struct got *g)
{
	struct http_resp resp;
	int rc = PR_EXTERNAL;

	req->retry.backoff_ms = c->retry_base_ms;
	if (http_do(req, &resp) != PR_OK) {
		rc = pr_error(PR_EXTERNAL, "Azure token (%s) from %s: %s (check the endpoint and the network)",
		    src_name[s], what, resp.error);
	} else if (resp.status != 200) {
		struct azure_error err;
		char text[1024];

		azure_error_from_resp(&resp, &err);
		azure_error_text(&err, text, sizeof text);
		rc = pr_error(PR_EXTERNAL, "Azure token (%s) from %s: %s (%s)", src_name[s], what, text, src_hint[s]);
	} else if (got_from_body(&resp, field, "expires_on", g) != 0) {
		rc = pr_error(PR_EXTERNAL, "Azure token (%s) from %s: no %s in the response (%s)", src_name[s], what,
		    field, src_hint[s]);
	} else {
		rc = PR_OK;
	}
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	http_resp_free(&resp);
	return rc;
}

/* The client-credentials grant with a secret or a client assertion. */
static int
entra_token(struct cred *c, enum src s, const struct buf *url, const char *scope, const char *secret,
    const char *assertion, struct got *g)
{
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL};
	struct http_req req = {.method = "POST", .url = url->data, .headers = headers};
	struct buf form = {0};
	char what[AZ_URL_MAX + 64];
	int rc;

	form_add(&form, "client_id", env("AZURE_CLIENT_ID"));
	form_add(&form, "grant_type", "client_credentials");
	form_add(&form, "scope", scope);
	if (secret) {
		form_add(&form, "client_secret", secret);
	} else {
		form_add(&form, "client_assertion_type", CRED_JWT_BEARER);
		form_add(&form, "client_assertion", assertion);
	}
	req.body = form.data;
	req.body_len = form.len;
	snprintf(what, sizeof what, "%s for client %s", url->data, env("AZURE_CLIENT_ID"));
	rc = fetch(c, s, &req, what, "access_token", g);
	buf_wipe(&form);
	return rc;
}

/* base64url without padding of n bytes, appended to b. */
static void
b64url(struct buf *b, const unsigned char *data, size_t n)
{
	char *tmp = xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)tmp, data, (int)n);

	while (len > 0 && tmp[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		buf_addc(b, tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i]);
	free(tmp);
}

/* x5t#S256: base64url of the SHA-256 of the certificate's DER. */
static int
thumbprint(X509 *cert, struct buf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!X509_digest(cert, EVP_sha256(), md, &n))
		return -1;
	b64url(out, md, n);
	return 0;
}

/* The JWT "header.claims" for a certificate assertion to aud. */
static void
jwt_body(struct buf *out, const char *x5t, const char *aud, const char *id)
{
	cJSON *h = cJSON_CreateObject(), *p = cJSON_CreateObject();
	unsigned char rnd[16];
	char jti[33], *hs, *ps;
	long now = (long)time(NULL);

	cJSON_AddStringToObject(h, "alg", "PS256");
	cJSON_AddStringToObject(h, "typ", "JWT");
	cJSON_AddStringToObject(h, "x5t#S256", x5t);
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 0, sizeof rnd);
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
	cJSON_AddStringToObject(p, "aud", aud);
	cJSON_AddNumberToObject(p, "exp", (double)(now + PR_CRED_ASSERTION_S));
	cJSON_AddStringToObject(p, "iss", id);
	cJSON_AddStringToObject(p, "jti", jti);
	cJSON_AddNumberToObject(p, "nbf", (double)now);
	cJSON_AddNumberToObject(p, "iat", (double)now);
	cJSON_AddStringToObject(p, "sub", id);
	hs = cJSON_PrintUnformatted(h);
	ps = cJSON_PrintUnformatted(p);
	b64url(out, (unsigned char *)hs, strlen(hs));
	buf_addc(out, '.');
	b64url(out, (unsigned char *)ps, strlen(ps));
	free(hs);
	free(ps);
	cJSON_Delete(h);
	cJSON_Delete(p);
}

/* PS256 (RSA-PSS, SHA-256, salt as long as the hash) of data, base64url. */
static int
sign_ps256(EVP_PKEY *key, const struct buf *data, struct buf *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t n = 0;
	int rc = -1;

	if (md && EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
	    EVP_DigestSign(md, NULL, &n, (const unsigned char *)data->data, data->len) == 1) {
		sig = xmalloc(n);
		if (EVP_DigestSign(md, sig, &n, (const unsigned char *)data->data, data->len) == 1) {
			b64url(out, sig, n);
			rc = 0;
		}
	}
	free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

/*
 * A client assertion signed with the certificate at path (PEM holding the
 * certificate and its RSA private key) for the token endpoint aud.
 */
static int
cert_assertion(const char *path, const char *aud, struct buf *out)
{
	struct buf pem = {0}, x5t = {0};
	BIO *bio = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	if ((rc = fileio_read_file(path, CRED_FILE_MAX_BYTES, &pem)))
		return rc;
	rc = PR_INPUT;
	if (!(bio = BIO_new_mem_buf(pem.data, (int)pem.len)) || !(cert = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		pr_error(PR_INPUT, "AZURE_CLIENT_CERTIFICATE_PATH %s: no PEM certificate in it "
		    "(give a PEM file with the certificate and its private key)", path);
		goto out;
	}
	BIO_free(bio);
	if (!(bio = BIO_new_mem_buf(pem.data, (int)pem.len)) ||
	    !(key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) || EVP_PKEY_base_id(key) != EVP_PKEY_RSA ||
	    X509_check_private_key(cert, key) != 1) {
		pr_error(PR_INPUT, "AZURE_CLIENT_CERTIFICATE_PATH %s: no unencrypted RSA private key matching the "
		    "certificate in it (give a PEM file with the certificate and its private key)", path);
		goto out;
	}
	if (thumbprint(cert, &x5t) != 0)
		goto out;
	jwt_body(out, x5t.data, aud, env("AZURE_CLIENT_ID"));
	buf_reset(&x5t);	/* now the signature */
	if (sign_ps256(key, out, &x5t) != 0) {
		pr_error(PR_INPUT, "AZURE_CLIENT_CERTIFICATE_PATH %s: cannot sign with its key", path);
		goto out;
	}
	buf_addc(out, '.');
	buf_add(out, x5t.data, x5t.len);
	rc = PR_OK;
out:
	BIO_free(bio);
	X509_free(cert);
	EVP_PKEY_free(key);
	buf_wipe(&pem);
	buf_free(&x5t);
	return rc;
}

/* The federated token in AZURE_FEDERATED_TOKEN_FILE, read now: the
 * platform rotates it. */
static int
file_assertion(struct buf *out)
{
	const char *path = env("AZURE_FEDERATED_TOKEN_FILE");
	int rc = fileio_read_file(path, CRED_FILE_MAX_BYTES, out);

	while (rc == PR_OK && out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
		out->data[--out->len] = '\0';
	if (rc == PR_OK && !out->len)
		rc = pr_error(PR_INPUT, "AZURE_FEDERATED_TOKEN_FILE %s is empty (check the workload identity setup)",
		    path);
	return rc;
}

/* A fresh GitHub OIDC token for Entra's audience. */
static int
github_assertion(struct cred *c, struct buf *out)
{
	const char *base = env("ACTIONS_ID_TOKEN_REQUEST_URL");
	struct buf url = {0}, auth = {0};
	const char *headers[3];
	struct http_req req = {.url = NULL, .headers = headers};
	struct got g = {0};
	char *aud = curl_easy_escape(NULL, PR_CRED_GITHUB_AUDIENCE, 0);
	int rc;

	if ((rc = check_endpoint("ACTIONS_ID_TOKEN_REQUEST_URL", base)))
		goto out;
	buf_printf(&url, "%s%caudience=%s", base, strchr(base, '?') ? '&' : '?', aud);
	buf_printf(&auth, "Authorization: Bearer %s", env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
	headers[0] = auth.data;
	headers[1] = "Accept: application/json";
	headers[2] = NULL;
	req.url = url.data;
	rc = fetch(c, SRC_GITHUB, &req, "ACTIONS_ID_TOKEN_REQUEST_URL", "value", &g);
	if (rc == PR_OK)
		buf_adds(out, g.token);
	forget(&g.token);
out:
	curl_free(aud);
	buf_wipe(&auth);
	buf_free(&url);
	return rc;
}

/* The resource for a scope: the scope without "/.default"'s ".default". */
static char *
scope_resource(const char *scope)
{
	size_t n = strlen(scope), d = strlen(".default");

	if (n > d && strcmp(scope + n - d, ".default") == 0)
		n -= d;
	char *r = xstrdup(scope);

	r[n] = '\0';
	return r;
}

/* A managed identity token: App Service's endpoint, or IMDS. */
static int
identity_token(struct cred *c, enum src s, const char *scope, struct got *g)
{
	char *resource = scope_resource(scope), *res = curl_easy_escape(NULL, resource, 0);
	const char *base = s == SRC_MSI ? env("IDENTITY_ENDPOINT") : env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
	const char *var = s == SRC_MSI ? "IDENTITY_ENDPOINT" : "AZURE_POD_IDENTITY_AUTHORITY_HOST";
	struct buf url = {0}, hdr = {0};
	const char *headers[3] = {NULL, "Accept: application/json", NULL};
	struct http_req req = {.headers = headers};
	int rc;

	if (s == SRC_IMDS && !base)
		base = PR_CRED_IMDS_HOST;
	else if ((rc = check_endpoint(var, base)))
		goto out;
	if (s == SRC_MSI) {
		buf_printf(&url, "%s%capi-version=%s", base, strchr(base, '?') ? '&' : '?', CRED_MSI_API);
		buf_printf(&hdr, "X-IDENTITY-HEADER: %s", env("IDENTITY_HEADER"));
	} else {
		char *b = azure_strip_slash(base);

		buf_printf(&url, "%s/metadata/identity/oauth2/token?api-version=%s", b, CRED_IMDS_API);
		buf_adds(&hdr, "Metadata: true");
		free(b);
	}
	buf_printf(&url, "&resource=%s", res);
	if (env("AZURE_CLIENT_ID")) {
		char *id = curl_easy_escape(NULL, env("AZURE_CLIENT_ID"), 0);

		buf_printf(&url, "&client_id=%s", id);
		curl_free(id);
	}
	headers[0] = hdr.data;
	req.url = url.data;
	if (s == SRC_IMDS)	/* a link-local address that is not there fails fast */
		req.connect_timeout_s = CRED_IMDS_CONNECT_S;
	rc = fetch(c, s, &req, s == SRC_MSI ? "IDENTITY_ENDPOINT" : "the Instance Metadata Service", "access_token", g);
out:
	buf_wipe(&hdr);
	buf_free(&url);
	curl_free(res);
	free(resource);
	return rc;
}

/* True when an executable name is found on PATH. */
static bool
on_path(const char *name)
{
	const char *path = getenv("PATH");
	struct buf b = {0};
	bool found = false;

	while (path && *path && !found) {
		size_t n = strcspn(path, ":");

		buf_reset(&b);
		buf_printf(&b, "%.*s/%s", (int)n, n ? path : ".", name);
		found = access(b.data, X_OK) == 0;
		path += n;
		if (*path == ':')
			path++;
	}
	buf_free(&b);
	return found;
}

/* `az account get-access-token`: its JSON carries accessToken and, in
 * current versions, expires_on (epoch seconds). */
static int
az_cli_token(const char *scope, struct got *g)
{
	char *resource = scope_resource(scope);
	char *const argv[] = {"az", "account", "get-access-token", "--resource", resource, "--output", "json", NULL};
	struct buf out = {0};
	struct proc_opts po = {.out = &out};
	struct http_resp fake = {0};
	char why[PR_WHY_LEN];
	int rc, status;

	if (!on_path("az")) {
		free(resource);
		return pr_error(PR_EXTERNAL, "no Azure credentials: AZURE_ACCESS_TOKEN, AZURE_CLIENT_ID, "
		    "IDENTITY_ENDPOINT are unset and the az command is not installed (set one of them, "
		    "or install the Azure CLI and run az login)");
	}
	rc = proc_run(argv, &po, &status, why, sizeof why);
	free(resource);
	if (rc != PR_OK || status != 0 || !out.data) {
		buf_free(&out);
		return pr_error(PR_EXTERNAL, "Azure token: az account get-access-token failed "
		    "(run az login, or set AZURE_ACCESS_TOKEN)");
	}
	fake.body = out;
	rc = PR_OK;
	if (got_from_body(&fake, "accessToken", "expires_on", g) != 0)
		rc = pr_error(PR_EXTERNAL, "Azure token: az account get-access-token gave no accessToken "
		    "(update the Azure CLI, or set AZURE_ACCESS_TOKEN)");
	buf_wipe(&out);
	return rc;
}

/* AZURE_CLIENT_ID set, but nothing to prove it with. */
static int
client_id_alone(void)
{
	if (!env("AZURE_TENANT_ID"))
		return pr_error(PR_EXTERNAL, "Azure token: AZURE_CLIENT_ID is set but AZURE_TENANT_ID is not "
		    "(set it, or unset AZURE_CLIENT_ID to use az login)");
	return pr_error(PR_EXTERNAL, "Azure token: AZURE_CLIENT_ID is set but not AZURE_CLIENT_SECRET, "
	    "AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, ACTIONS_ID_TOKEN_REQUEST_URL "
	    "(permissions: id-token: write) or IDENTITY_ENDPOINT (set one, or unset AZURE_CLIENT_ID to use az login)");
}

/* A new token for scope from source s. */
static int
get_token(struct cred *c, enum src s, const char *scope, struct got *g)
{
	struct buf url = {0}, assertion = {0};
	int rc = PR_OK;

	switch (s) {
	case SRC_TOKEN:
		g->token = xstrdup(env("AZURE_ACCESS_TOKEN"));
		break;
	case SRC_SECRET:
	case SRC_CERT:
	case SRC_WORKLOAD:
	case SRC_GITHUB:
		if ((rc = token_url(&url)))
			break;
		if (s == SRC_CERT)
			rc = cert_assertion(env("AZURE_CLIENT_CERTIFICATE_PATH"), url.data, &assertion);
		else if (s == SRC_WORKLOAD)
			rc = file_assertion(&assertion);
		else if (s == SRC_GITHUB)
			rc = github_assertion(c, &assertion);
		if (rc == PR_OK)
			rc = entra_token(c, s, &url, scope, s == SRC_SECRET ? env("AZURE_CLIENT_SECRET") : NULL,
			    assertion.data, g);
		break;
	case SRC_MSI:
	case SRC_IMDS:
		rc = identity_token(c, s, scope, g);
		break;
	default:
		rc = env("AZURE_CLIENT_ID") ? client_id_alone() : az_cli_token(scope, g);
		break;
	}
	buf_wipe(&assertion);
	buf_free(&url);
	return rc;
}

/* When to fetch again: PR_CRED_REFRESH_S before expiry, or halfway through
 * a shorter life, so a long watch never presents an expired token. */
static double
renew_after_ms(double lifetime_s)
{
	double margin_s;

	if (lifetime_s <= 0)
		lifetime_s = PR_CRED_UNKNOWN_LIFETIME_S;
	margin_s = fmin(PR_CRED_REFRESH_S, lifetime_s / 2);
	return util_mono_ms() + (lifetime_s - margin_s) * 1e3;
}

int
cred_token(struct cred *c, const char *scope, const char **token)
{
	struct entry *e = NULL;
	enum src s = configured();
	struct got g = {0};
	int rc;

	*token = NULL;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->e[i].scope, scope) == 0)
			e = &c->e[i];
	/* A fixed token cannot be renewed: it is used for as long as it lasts. */
	if (e && (util_mono_ms() < e->renew_ms || s == SRC_TOKEN)) {
		*token = e->token;
		return PR_OK;
	}
	if ((rc = get_token(c, s, scope, &g)))
		return rc;
	if (!e) {
		if (c->n == CRED_SCOPES_MAX)
			forget(&c->e[--c->n].token), free(c->e[c->n].scope);
		e = &c->e[c->n++];
		e->scope = xstrdup(scope);
	}
	forget(&e->token);
	e->token = g.token;
	e->renew_ms = renew_after_ms(g.lifetime_s);
	gha_mask(e->token);
	if (g.lifetime_s > 0)
		pr_log("Azure token for %s from %s, valid %.0f s", scope, src_name[s], g.lifetime_s);
	else
		pr_log("Azure token for %s from %s", scope, src_name[s]);
	c->used = s;
	*token = e->token;
	return PR_OK;
}
