/*
 * benchdoc.c: what every bench document carries besides its metrics (see
 * benchdoc.h): the schema with its minor version, and the run id: 128 bits
 * from getrandom(2), so that two runs never share one by chance, written as
 * 32 lowercase hex digits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "benchdoc.h"
#include "doc.h"
#include "pr.h"

#define RUN_ID_BYTES (BENCH_RUN_ID_LEN / 2)

static const char hex_digits[] = "0123456789abcdef";

int
benchdoc_run_id_new(char out[BENCH_RUN_ID_LEN + 1])
{
	unsigned char b[RUN_ID_BYTES];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pr_error(PR_EXTERNAL, "getrandom: %s (cannot make a run id)", strerror(errno));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof b; i++) {
		out[2 * i] = hex_digits[b[i] >> 4];
		out[2 * i + 1] = hex_digits[b[i] & 0xf];
	}
	out[BENCH_RUN_ID_LEN] = '\0';
	return 0;
}

bool
benchdoc_run_id_valid(const char *s)
{
	return strlen(s) == BENCH_RUN_ID_LEN && strspn(s, hex_digits) == BENCH_RUN_ID_LEN;
}

static int
hex_value(char c)
{
	return (int)(strchr(hex_digits, c) - hex_digits);
}

void
benchdoc_run_id_xor(char acc[BENCH_RUN_ID_LEN + 1], const char *id)
{
	for (size_t i = 0; i < BENCH_RUN_ID_LEN; i++)
		acc[i] = hex_digits[hex_value(acc[i]) ^ hex_value(id[i])];
	acc[BENCH_RUN_ID_LEN] = '\0';
}

cJSON *
benchdoc_new(void)
{
	cJSON *doc = doc_new("bench");

	cJSON_ReplaceItemInObjectCaseSensitive(doc, "schema", cJSON_CreateString(BENCH_SCHEMA));
	return doc;
}

cJSON *
benchdoc_phases_json(struct hist *const *h, const char *const *names, int n)
{
	cJSON *o = cJSON_CreateObject();

	for (int i = 0; i < n; i++) {
		cJSON *p = cJSON_AddObjectToObject(o, names[i]);
		struct stats_summary s;

		hist_summary_ms(h[i], &s);
		cJSON_AddItemToObject(p, "summary", stats_summary_to_json(&s));
		cJSON_AddItemToObject(p, "histogram", hist_to_json(h[i]));
	}
	return o;
}
