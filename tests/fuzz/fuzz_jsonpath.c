/* fuzz_jsonpath.c: JSON paths (lib/jsonpath.c) on arbitrary bytes: the
 * first line is a path, the rest a JSON document it is looked up in (or,
 * when that is not JSON, the path itself as a string).  A path that does
 * not check must find nothing, and every value found must print.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
	char *path = malloc(plen + 1), why[128];
	const cJSON *found;
	cJSON *root;

	memcpy(path, data, plen);
	path[plen] = '\0';
	root = nl ? cJSON_ParseWithLength(nl + 1, size - plen - 1) : NULL;
	if (!root)
		root = cJSON_CreateString(path);
	found = jsonpath_get(root, path);
	/* A malformed path leads nowhere (jsonpath.h). */
	if (jsonpath_check(path, why, sizeof why) != 0 && found)
		abort();
	free(jsonpath_text(found));
	free(jsonpath_text(root));
	cJSON_Delete(root);
	free(path);
	return 0;
}
