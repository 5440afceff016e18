/* fuzz_doc.c: the document reader (doc_parse) and the summary reader on
 * arbitrary bytes.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "doc.h"
#include "pr.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc;
	const cJSON *metrics = NULL;

	if (doc_parse("fuzz.json", (const char *)data, size, NULL, &doc) != PR_OK)
		return 0;
	if (doc_get_object(doc, "metrics", PR_OPTIONAL, "fuzz.json", &metrics) == PR_OK && metrics) {
		for (const cJSON *m = metrics->child; m; m = m->next) {
			struct stats_summary s;
			const cJSON *arr = cJSON_GetObjectItemCaseSensitive(m, "samples");
			double *v;
			size_t n;

			stats_summary_from_json(cJSON_GetObjectItemCaseSensitive(m, "summary"), "fuzz", &s);
			if (arr && doc_get_numbers(arr, "fuzz", 0, &v, &n) == PR_OK) {
				stats_summarize(v, n, &s);
				free(v);
			}
		}
	}
	cJSON_Delete(doc);
	return 0;
}
