/*
 * header.c: what every bench document carries besides its metrics (see
 * bench.h): the schema with its minor version, and the run id: 128 bits
 * from getrandom(2), so that two runs never share one by chance, written as
 * 32 lowercase hex digits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "bench.h"
#include "buf.h"
#include "doc.h"
#include "err.h"
#include "fileio.h"

#define RUN_ID_BYTES (BENCH_RUN_ID_LEN / 2)

static const char hex_digits[] = "0123456789abcdef";

int
bench_run_id_new(char out[BENCH_RUN_ID_LEN + 1])
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
bench_run_id_valid(const char *s)
{
	return strlen(s) == BENCH_RUN_ID_LEN && strspn(s, hex_digits) == BENCH_RUN_ID_LEN;
}

static int
hex_value(char c)
{
	return (int)(strchr(hex_digits, c) - hex_digits);
}

void
bench_run_id_xor(char acc[BENCH_RUN_ID_LEN + 1], const char *id)
{
	for (size_t i = 0; i < BENCH_RUN_ID_LEN; i++)
		acc[i] = hex_digits[hex_value(acc[i]) ^ hex_value(id[i])];
	acc[BENCH_RUN_ID_LEN] = '\0';
}

cJSON *
bench_doc_new(void)
{
	cJSON *doc = pr_doc_new("bench");

	cJSON_ReplaceItemInObjectCaseSensitive(doc, "schema", cJSON_CreateString(BENCH_SCHEMA));
	return doc;
}

/* "pr-tools/bench/1.N", N digits without a leading zero: a minor version
 * of the major version this pr-bench reads. */
static bool
is_minor_version(const char *schema)
{
	const char *m;
	size_t prefix = strlen(BENCH_SCHEMA_MAJOR ".");

	if (strncmp(schema, BENCH_SCHEMA_MAJOR ".", prefix) != 0)
		return false;
	m = schema + prefix;
	return *m && strspn(m, "0123456789") == strlen(m) && !(m[0] == '0' && m[1]);
}

int
bench_doc_load(const char *path, cJSON **out)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	const cJSON *schema;
	struct buf text = { 0 };
	cJSON *doc = NULL;
	int rc;

	*out = NULL;
	if ((rc = pr_read_file(path, PR_MAX_INPUT_BYTES, &text)))
		return rc;
	/* pr_doc_parse reads major versions only: take 1.N here, and leave
	 * every other schema (and its error message) to it.  Once lib/doc.c
	 * reads minor versions, this is pr_doc_load(path, "bench", out). */
	if ((rc = pr_json_parse(name, text.data ? text.data : "", text.len, &doc)) == 0) {
		schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
		if (cJSON_IsObject(doc) && cJSON_IsString(schema) && is_minor_version(schema->valuestring)) {
			*out = doc;
			doc = NULL;
		} else {
			rc = pr_doc_parse(name, text.data ? text.data : "", text.len, "bench", out);
		}
	}
	cJSON_Delete(doc);
	buf_free(&text);
	return rc;
}
