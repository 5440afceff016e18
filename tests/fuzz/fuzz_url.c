/* fuzz_url.c: URL readers (lib/util.c, lib/pg.c) on arbitrary bytes: the
 * input, as a string, is split as a database URL, redacted, and tested for
 * a loopback host.  What the split hands to pg_dump (bare) must never hold
 * password= under any encoding of its name, and a refusal must never quote
 * the input (its message is printable ASCII only).  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pr.h"
#include "pg.h"
#include "proc.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No parameter of url's query decodes to password or sslpassword. */
static int
has_password_param(const char *url)
{
	const char *q = strchr(url, '?');

	for (const char *p = q ? q + 1 : ""; *p;) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		char *name = eq ? util_percent_decode(p, (size_t)(eq - p)) : NULL;
		int hit = name && (strcasecmp(name, "password") == 0 || strcasecmp(name, "sslpassword") == 0);

		free(name);
		if (hit)
			return 1;
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	char why[PR_WHY_LEN];
	struct pg_url u;

	memcpy(url, data, size);
	url[size] = '\0';
	if (pg_url_parse(url, &u, why, sizeof why) == PR_OK) {
		if (has_password_param(u.bare))
			abort();
		pg_url_free(&u);
	} else {
		/* The messages are fixed text: a byte of any other kind in
		 * one came from the input. */
		for (const char *p = why; *p; p++)
			if (*p < ' ' || *p > '~')
				abort();
	}
	free(util_redact_url(url));
	(void)util_url_is_loopback(url);
	free(url);
	return 0;
}
