/*
 * util.h: time, numbers from the command line, and URL redaction.
 */
#ifndef PR_UTIL_H
#define PR_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define PR_RFC3339_LEN 32

/* The current time as RFC 3339 UTC with seconds: 2026-11-25T19:58:00Z.
 * SOURCE_DATE_EPOCH, when set, fixes it, so reruns give identical output. */
void pr_rfc3339_now(char out[PR_RFC3339_LEN]);

/* Monotonic clock in milliseconds, microsecond resolution. */
double pr_mono_ms(void);

/* Sleep for ms milliseconds (restarts after signals). */
void pr_sleep_ms(double ms);

/*
 * Parse a duration: "30" or "30s" seconds, "250ms", "2m", "1h", fractions
 * allowed ("1.5s").  Returns 0 and sets *seconds, or -1 if s is not one or
 * is negative or not finite.  Numbers here and below are decimal only: no
 * hex ("0x10"), "inf", '+' or space.
 */
int pr_parse_duration(const char *s, double *seconds);

/* Parse a finite number in [min, max]; 0 or -1. */
int pr_parse_double(const char *s, double min, double max, double *out);

/* Parse a whole number in [min, max]; 0 or -1. */
int pr_parse_long(const char *s, long min, long max, long *out);

/*
 * A copy of url that is safe to print or store: user:password@ removed and
 * the values of credential-like query parameters (sig, token, key, secret,
 * password, code, access_token, ...) replaced with "REDACTED".  Caller frees.
 */
char *pr_redact_url(const char *url);

/* True if name looks like a header or parameter that carries a secret. */
bool pr_is_secret_name(const char *name);

/* Trimmed output of a shell-free command (argv), or NULL. Caller frees. */
char *pr_run_capture(char *const argv[]);

#endif
