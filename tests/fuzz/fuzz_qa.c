/* fuzz_qa.c: pr-qa's check loader (lib/qa.c), its watch's metric rules
 * (lib/qametrics.c) and JSON paths (lib/jsonpath.c) on arbitrary bytes: the
 * input is parsed as JSON; its "qa" section is loaded as a suite and its
 * "qa.watch" as metric rules, and every string in it is tried as a path
 * into the input.
 * Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jsonpath.h"
#include "qa.h"
#include "qametrics.h"

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

		if (jsonpath_check(node->valuestring, why, sizeof why) == 0)
			free(jsonpath_text(jsonpath_get(root, node->valuestring)));
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
	struct qametrics m;
	const cJSON *qa;

	if (!root)
		return 0;
	/* The suite is freed whether or not it loaded. */
	qa = cJSON_GetObjectItemCaseSensitive(root, "qa");
	qa_suite_load(qa, "fuzz.json", &s);
	qa_suite_free(&s);
	/* The rules are freed whether or not they loaded. */
	if (cJSON_IsObject(qa)) {
		qametrics_load(cJSON_GetObjectItemCaseSensitive(qa, "watch"), "fuzz.json: qa", &m);
		qametrics_free(&m);
	}
	paths(root, root);
	cJSON_Delete(root);
	return 0;
}
