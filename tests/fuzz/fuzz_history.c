/* fuzz_history.c: the history reader (lib/history.c) and pr-trend's
 * analysis and reports (lib/trendreport.c) on arbitrary bytes: the input is
 * a history file.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "history.h"
#include "trend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct history h = {0};
	struct trend_options o = { .threshold = 0.1, .recent = 30, .history = "fuzz.jsonl" };
	struct trend_result r;
	struct buf out = {0};
	cJSON *doc;

	history_parse("fuzz.jsonl", (const char *)data, size, &h);
	trend_settings_default(&o.method);
	o.method.permutations = 19;	/* the reports, not the statistics, are fuzzed */
	if (trend_analyse(&h, &o, &r) == 0) {
		doc = trend_document(&r);
		cJSON_Delete(doc);
		trend_text(&r, &out);
		trend_markdown(&r, &out);
		trend_svg(&r, &out);
	}
	buf_free(&out);
	trend_result_free(&r);
	history_free(&h);
	return 0;
}
