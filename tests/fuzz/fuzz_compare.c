/* fuzz_compare.c: bench documents as pr-compare reads them: doc_parse
 * (kind "bench"), compare_run (lib/compare.c) and every rendering of the result
 * (lib/report.c), on arbitrary bytes.  The input holds the baseline and the
 * after document split at the first form feed; without one, the document
 * is compared with itself, which must never regress.  Built by `make fuzz`;
 * run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "comparecfg.h"
#include "doc.h"
#include "pr.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *ff = memchr(data, '\f', size);
	size_t blen = ff ? (size_t)(ff - text) : size;
	struct compare_settings set;
	struct compare_input base, after;
	struct compare_result r = {0};
	cJSON *bdoc = NULL, *adoc = NULL;
	struct buf b = {0};

	comparecfg_settings_default(&set);
	set.fail_on = CMP_FAIL_ON_ANY;
	if (doc_parse("base.json", text, blen, "bench", &bdoc) != PR_OK)
		goto out;
	if (ff && doc_parse("after.json", ff + 1, size - blen - 1, "bench", &adoc) != PR_OK)
		goto out;
	base = (struct compare_input){ "base.json", bdoc };
	after = (struct compare_input){ "after.json", adoc ? adoc : bdoc };
	if (compare_run(&base, &after, &set, &r) != PR_OK)
		goto out;
	/* The same data on both sides: nothing regressed or improved. */
	if (!adoc && (r.count[CMP_REGRESSED] || r.count[CMP_IMPROVED]))
		abort();
	free(compare_document_text(&r));
	report_text(&r, true, &b);
	report_markdown(&r, &b);
	report_svg(&r, &b);
out:
	buf_free(&b);
	compare_result_free(&r);
	cJSON_Delete(bdoc);
	cJSON_Delete(adoc);
	return 0;
}
