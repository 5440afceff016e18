/*
 * util.h: time, numbers from the command line, URLs (redaction, userinfo,
 * percent-decoding, loopback hosts) and one-line error text.
 */
#ifndef PR_UTIL_H
#define PR_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define PR_RFC3339_LEN 32

/* The current time as RFC 3339 UTC with seconds: 2026-11-25T19:58:00Z.
 * SOURCE_DATE_EPOCH, when set, fixes it, so reruns give identical output. */
void util_rfc3339_now(char out[PR_RFC3339_LEN]);

/* Monotonic clock in milliseconds, microsecond resolution. */
double util_mono_ms(void);

/* Sleep for ms milliseconds (restarts after signals). */
void util_sleep_ms(double ms);

/*
 * Parse a duration: "30" or "30s" seconds, "250ms", "2m", "1h", fractions
 * allowed ("1.5s").  Returns 0 and sets *seconds, or -1 if s is not one or
 * is negative or not finite.  Numbers here and below are decimal only: no
 * hex ("0x10"), "inf", '+' or space.
 */
int util_parse_duration(const char *s, double *seconds);

/* Parse a finite number in [min, max]; 0 or -1. */
int util_parse_double(const char *s, double min, double max, double *out);

/* Parse a whole number in [min, max]; 0 or -1. */
int util_parse_long(const char *s, long min, long max, long *out);

/*
 * A copy of url that is safe to print or store: the userinfo (user:password@)
 * removed and the values of query parameters with secret-like names (see
 * util_is_secret_name; names compared percent-decoded) replaced with
 * "REDACTED".  postgres:// URLs are read as libpq reads them: a '?' does not
 * end the userinfo.  Caller frees.
 */
char *util_redact_url(const char *url);

/*
 * Where the userinfo of an authority ends: authority is what follows
 * "scheme://"; returns its '@', or NULL when there is no userinfo.  As in
 * libpq (libpq true, only '/' ends the authority) or RFC 3986 ('/', '?',
 * '#'), and wider where those would fail: a password holding '@', or '/',
 * '?' or '#' before which no host list can stand, ends at the last '@'
 * before the hosts.
 */
const char *util_url_userinfo_end(const char *authority, bool libpq);

/*
 * Hide secret in text (a NUL-terminated buffer of textlen bytes), in place:
 * every occurrence becomes UTIL_SCRUB_SHOWN, the result cut to fit.  A
 * secret shorter than UTIL_SCRUB_MIN bytes is hidden only when it is the
 * whole text (hiding "1" everywhere would leave nothing to read).  For
 * messages that quote what a server answered, which may echo a key or a
 * value sent.  Returns whether anything was hidden.
 */
#define UTIL_SCRUB_MIN 4
#define UTIL_SCRUB_SHOWN "(secret)"
bool util_scrub(char *text, size_t textlen, const char *secret);
/* The same rule on a string of any length: a new string with secret hidden
 * (caller frees), or NULL when text does not hold it. */
char *util_scrub_dup(const char *text, const char *secret);

/* n bytes of s with %XX decoded, as a new string.  Caller frees. */
char *util_percent_decode(const char *s, size_t n);

/*
 * True if name looks like a header or parameter that carries a secret,
 * case-insensitively: sig, code, key, cookie and a few API-key headers by
 * name; anything holding token, secret, signature or password; anything
 * starting with auth or session.
 */
bool util_is_secret_name(const char *name);

/*
 * Copy at most n bytes of s into out as one line for an error message (a
 * NUL ends s sooner, so n = SIZE_MAX copies a string; s may be NULL): CR,
 * LF and tab become spaces, trailing spaces go, and out is cut at outlen - 1
 * bytes and always terminated.
 */
void util_one_line(char *out, size_t outlen, const char *s, size_t n);

/* True when url's host is the loopback interface (localhost, 127.0.0.0/8,
 * [::1]), compared as a parsed host, never as a text prefix. */
bool util_url_is_loopback(const char *url);

#endif
