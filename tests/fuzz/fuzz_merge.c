/* fuzz_merge.c: load documents through `pr-bench merge`'s own code
 * (lib/benchmerge.c) on arbitrary bytes.  The input is one document, or two
 * split at the first NUL byte (two shards); each is parsed with
 * doc_parse (kind "bench") and added to a merge as pr-bench merge adds
 * it, then the merge is finished and its document must be a bench document
 * that merges again.  Every histogram that reads must also survive a round
 * trip through its JSON encoding (hist_from_json in lib/hist.c)
 * unchanged.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "benchmerge.h"
#include "doc.h"
#include "pr.h"
#include "hist.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every histogram of doc's metrics that reads encodes back to itself. */
static void
round_trip_histograms(const cJSON *doc)
{
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(doc, "metrics"), *m;
	struct hist *h = hist_new(), *again = hist_new();
	struct stats_summary s;

	cJSON_ArrayForEach(m, metrics) {
		const cJSON *hj = cJSON_GetObjectItemCaseSensitive(m, "histogram");
		cJSON *enc;

		if (!cJSON_IsObject(hj) || hist_from_json(hj, "fuzz.histogram", h) != PR_OK)
			continue;
		enc = hist_to_json(h);
		if (hist_from_json(enc, "fuzz.again", again) != PR_OK || memcmp(h, again, sizeof *h) != 0)
			abort();
		cJSON_Delete(enc);
		hist_summary_ms(h, &s);
	}
	free(h);
	free(again);
}

/* The merged document is a bench document, and merges again on its own. */
static void
check_result(cJSON *out)
{
	char *text = cJSON_PrintUnformatted(out);
	struct benchmerge *mg = benchmerge_new();
	cJSON *again = NULL, *twice;

	if (!text || doc_parse("merged.json", text, strlen(text), "bench", &again) != PR_OK)
		abort();
	if (benchmerge_add(mg, "merged.json", again) != PR_OK)
		abort();
	twice = benchmerge_result(mg);
	cJSON_Delete(twice);
	benchmerge_free(mg);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a.json", "b.json" };
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	size_t len[2] = { nul ? (size_t)(nul - text) : size, nul ? size - (size_t)(nul - text) - 1 : 0 };
	const char *start[2] = { text, nul ? nul + 1 : NULL };
	struct benchmerge *mg = benchmerge_new();
	int rc = PR_OK, n = nul ? 2 : 1;

	for (int i = 0; i < n && rc == PR_OK; i++) {
		cJSON *doc;

		if ((rc = doc_parse(names[i], start[i], len[i], "bench", &doc)) != PR_OK)
			break;
		round_trip_histograms(doc);
		rc = benchmerge_add(mg, names[i], doc);
	}
	if (rc == PR_OK) {
		cJSON *out = benchmerge_result(mg);

		check_result(out);
		cJSON_Delete(out);
	}
	benchmerge_free(mg);
	return 0;
}
