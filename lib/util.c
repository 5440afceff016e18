/* util.c: see util.h. */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

void
util_rfc3339_now(char out[PR_RFC3339_LEN])
{
	const char *fixed = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);
	long epoch;
	struct tm tm;

	if (fixed && util_parse_long(fixed, 0, 253402300799L, &epoch) == 0)
		now = (time_t)epoch;
	gmtime_r(&now, &tm);
	strftime(out, PR_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
util_sleep_ms(double ms)
{
	struct timespec ts;

	if (!(ms > 0))
		return;
	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Length of the decimal number s starts with: an optional '-', digits and,
 * with fraction, one '.' and an exponent ("1e-30").  strtod and strtol also
 * take hex ("0x10" is 16), "inf", "nan", a '+' and leading space, which no
 * option means; callers check that the number is all of s (or is followed
 * by a unit).
 */
static size_t
decimal_len(const char *s, bool fraction)
{
	size_t n = *s == '-', digits = strspn(s + n, "0123456789");

	n += digits;
	if (fraction && s[n] == '.') {
		size_t more = strspn(s + n + 1, "0123456789");

		if (digits + more == 0)
			return 0;
		n += 1 + more;
		digits += more;
	}
	if (fraction && digits && (s[n] == 'e' || s[n] == 'E')) {
		size_t sign = s[n + 1] == '-' || s[n + 1] == '+', exp = strspn(s + n + 1 + sign, "0123456789");

		if (exp)
			n += 1 + sign + exp;
	}
	return digits ? n : 0;
}

int
util_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || decimal_len(s, true) != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || decimal_len(s, false) != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_parse_duration(const char *s, double *seconds)
{
	static const struct { const char *suffix; double scale; } units[] = {
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "", 1 },
	};
	char *end;
	double v;

	if (!s || !*s || *s == '-' || decimal_len(s, true) == 0)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + decimal_len(s, true) || !isfinite(v) || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			*seconds = v * units[i].scale;
			return 0;
		}
	}
	return -1;
}

/* ---- URLs --------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
util_percent_decode(const char *s, size_t n)
{
	struct buf b = {0};

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			buf_addc(&b, (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
			i += 2;
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return buf_detach(&b);
}

bool
util_is_secret_name(const char *name)
{
	/* Whole names, then parts of names: a short list misses api_token,
	 * X-Amz-Signature, private_token and the like. */
	static const char *const whole[] = {
		"sig", "code", "key", "cookie", "set-cookie", "proxy-authorization", "passwd", "pwd",
		"apikey", "api_key", "api-key", "x-api-key", "x-ms-blob-sas", "x-functions-key",
		"ocp-apim-subscription-key",
	};
	static const char *const within[] = { "token", "secret", "signature", "password" };
	static const char *const prefix[] = { "auth", "session" };

	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
		if (strcasecmp(name, whole[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof within / sizeof within[0]; i++)
		if (strcasestr(name, within[i]))
			return true;
	for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
		if (strncasecmp(name, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

/* True when [s, e) can be an authority's hosts: host[:port] items separated
 * by commas (libpq's multi-host form), a host being a name, an IPv4 address
 * or a bracketed IPv6 address, a port digits only. */
static bool
is_host_list(const char *s, const char *e)
{
	for (;;) {
		const char *item_end = memchr(s, ',', (size_t)(e - s));
		const char *p = s;

		if (!item_end)
			item_end = e;
		if (p < item_end && *p == '[') {
			if (!(p = memchr(p, ']', (size_t)(item_end - p))))
				return false;
			p++;
		} else {
			while (p < item_end && (isalnum((unsigned char)*p) || strchr("-._~%", *p)))
				p++;
		}
		if (p < item_end && *p == ':')
			for (p++; p < item_end && isdigit((unsigned char)*p); p++)
				;
		if (p != item_end)
			return false;
		if (item_end == e)
			return true;
		s = item_end + 1;
	}
}

const char *
util_url_userinfo_end(const char *authority, bool libpq)
{
	const char *at = strchr(authority, '@');
	const char *end = authority + strcspn(authority, libpq ? "/" : "/?#");
	const char *last = at;

	if (!at)
		return NULL;
	/* An '@' after a '/', '?' or '#' is in the path or the query, unless
	 * what comes before that character cannot be hosts: then it is a
	 * password holding the character unencoded. */
	if (at > end && is_host_list(authority, authority + strcspn(authority, "/?#")))
		return NULL;
	/* Hosts hold no '@', so a password holding '@' unencoded ends at the
	 * last '@' before the path. */
	for (;;) {
		const char *p = last + 1 + strcspn(last + 1, "@/?#");

		if (*p != '@')
			return last;
		last = p;
	}
}

static bool
is_pg_scheme(const char *url)
{
	return strncasecmp(url, "postgres://", 11) == 0 || strncasecmp(url, "postgresql://", 13) == 0;
}

/* Append the query at p (after its '?') to out with secret values hidden;
 * parameter names are compared percent-decoded (p%61ssword is password). */
static void
redact_query(struct buf *out, const char *p)
{
	while (*p && *p != '#') {
		size_t len = strcspn(p, "&#");
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		char *name = util_percent_decode(p, nlen);

		if (eq && util_is_secret_name(name)) {
			buf_add(out, p, nlen + 1);
			buf_adds(out, "REDACTED");
		} else {
			buf_add(out, p, len);
		}
		free(name);
		p += len;
		if (*p == '&')
			buf_addc(out, *p++);
	}
	buf_adds(out, p);
}

char *
util_redact_url(const char *url)
{
	struct buf out = {0};
	const char *scheme = strstr(url, "://");
	const char *authority = scheme ? scheme + 3 : url;
	const char *at = util_url_userinfo_end(authority, is_pg_scheme(url));
	const char *rest = at ? at + 1 : authority;
	const char *q = strchr(rest, '?');

	buf_add(&out, url, (size_t)(authority - url));
	if (!q || memchr(rest, '#', (size_t)(q - rest))) {
		buf_adds(&out, rest);
		return buf_detach(&out);
	}
	buf_add(&out, rest, (size_t)(q + 1 - rest));
	redact_query(&out, q + 1);
	return buf_detach(&out);
}

bool
util_url_is_loopback(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host, *at, *end;
	char name[INET6_ADDRSTRLEN + 1];
	struct in_addr a4;
	struct in6_addr a6;
	size_t len;

	if (!scheme)
		return false;
	host = scheme + 3;
	if ((at = util_url_userinfo_end(host, false)))
		host = at + 1;
	if (*host == '[') {
		end = strchr(host, ']');
		if (end && end[1] && !strchr(":/?#", end[1]))
			return false;
		host++;
	} else {
		end = host + strcspn(host, ":/?#");
	}
	if (!end || (len = (size_t)(end - host)) == 0 || len >= sizeof name)
		return false;
	memcpy(name, host, len);
	name[len] = '\0';
	if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, name, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

void
util_one_line(char *out, size_t outlen, const char *s, size_t n)
{
	size_t i = 0;

	if (outlen == 0)
		return;
	for (; s && n-- && *s && i + 1 < outlen; s++)
		out[i++] = (*s == '\r' || *s == '\n' || *s == '\t') ? ' ' : *s;
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

char *
util_scrub_dup(const char *text, const char *secret)
{
	size_t len = secret ? strlen(secret) : 0;
	struct buf out = {0};
	const char *p, *hit;

	if (!len || (len < UTIL_SCRUB_MIN ? strcmp(text, secret) != 0 : !strstr(text, secret)))
		return NULL;
	if (len < UTIL_SCRUB_MIN)
		return xstrdup(UTIL_SCRUB_SHOWN);
	for (p = text; (hit = strstr(p, secret)); p = hit + len) {
		buf_add(&out, p, (size_t)(hit - p));
		buf_adds(&out, UTIL_SCRUB_SHOWN);
	}
	buf_adds(&out, p);
	return buf_detach(&out);
}

bool
util_scrub(char *text, size_t textlen, const char *secret)
{
	char *shown = textlen ? util_scrub_dup(text, secret) : NULL;

	if (!shown)
		return false;
	snprintf(text, textlen, "%s", shown);
	explicit_bzero(shown, strlen(shown));
	free(shown);
	return true;
}
