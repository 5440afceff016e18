/* fuzz_qa.c: pr-qa's check loader (lib/qa.c) and JSON paths (lib/jsonpath.c)
 * on arbitrary bytes: the input is parsed as JSON; its "qa" section is loaded
 * as a suite, and every string in it is tried as a path into the input.
 * Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jsonpath.h"
#include "qa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
paths(const cJSON *root, const cJSON *node)
{
	char why[128];

	if (cJSON_IsString(node)) {
		const char *placeholder_names[] = { "a" };
		const char *missing;
		size_t len;
		char *s;

		if (pr_jsonpath_check(node->valuestring, why, sizeof why) == 0)
			free(pr_jsonpath_text(pr_jsonpath_get(root, node->valuestring)));
		s = qa_expand(node->valuestring, (char *const *)placeholder_names,
		    (char *const *)placeholder_names, 1, &missing, &len);
		free(s);
	}
	for (const cJSON *it = node->child; it; it = it->next)
		paths(root, it);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *root = cJSON_ParseWithLength((const char *)data, size);
	struct qa_suite s;

	if (!root)
		return 0;
	/* The suite is freed whether or not it loaded. */
	qa_suite_load(cJSON_GetObjectItemCaseSensitive(root, "qa"), "fuzz.json", &s);
	qa_suite_free(&s);
	paths(root, root);
	cJSON_Delete(root);
	return 0;
}
