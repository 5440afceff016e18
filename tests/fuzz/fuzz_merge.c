/* fuzz_merge.c: load documents as `pr-bench merge` reads them: pr_doc_parse
 * (kind "bench"), each metric's "unit", "errors", "load" and "histogram",
 * and the histogram encoding (pr_hist_from_json in lib/hist.c), on
 * arbitrary bytes.  Every histogram that reads must survive a round trip
 * through its JSON encoding unchanged, summarize, and merge into a running
 * total.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "err.h"
#include "hist.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_metric(const cJSON *m, struct pr_hist *total, struct pr_hist *h, struct pr_hist *again)
{
	const cJSON *errors, *load, *hj = NULL;
	const char *unit;
	struct pr_summary s;
	cJSON *enc;

	if (pr_get_string(m, "unit", PR_REQUIRED, "fuzz", &unit) ||
	    pr_get_object(m, "errors", PR_REQUIRED, "fuzz", &errors) ||
	    pr_get_object(m, "load", PR_REQUIRED, "fuzz", &load) ||
	    pr_get_object(m, "histogram", strcmp(unit, "rps") == 0 ? PR_OPTIONAL : PR_REQUIRED, "fuzz", &hj) || !hj)
		return;
	if (pr_hist_from_json(hj, "fuzz.histogram", h) != PR_OK)
		return;
	enc = pr_hist_to_json(h);
	if (pr_hist_from_json(enc, "fuzz.again", again) != PR_OK || memcmp(h, again, sizeof *h) != 0)
		abort();
	cJSON_Delete(enc);
	pr_hist_summary_ms(h, &s);
	pr_hist_quantile_us(h, 0.999);
	pr_hist_merge(total, h);
	pr_hist_summary_ms(total, &s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_hist *total, *h, *again;
	const cJSON *metrics = NULL, *m;
	cJSON *doc;

	if (pr_doc_parse("fuzz.json", (const char *)data, size, "bench", &doc) != PR_OK)
		return 0;
	total = pr_hist_new();
	h = pr_hist_new();
	again = pr_hist_new();
	if (pr_get_object(doc, "metrics", PR_REQUIRED, "fuzz.json", &metrics) == PR_OK)
		cJSON_ArrayForEach(m, metrics)
			one_metric(m, total, h, again);
	free(total);
	free(h);
	free(again);
	cJSON_Delete(doc);
	return 0;
}
