/* fuzz_applydoc.c: apply documents as `pr-apply-scale --from-apply FILE
 * --restore` reads them: doc_parse (kind "apply"), the "restore" section
 * (lib/applydoc.c) and its check (platform_check, no network), on
 * arbitrary bytes.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "applydoc.h"
#include "doc.h"
#include "pr.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform_opts po = { .dry_run = true };
	cJSON *doc, *restore;
	char *source, *endpoint;

	if (doc_parse("fuzz.json", (const char *)data, size, "apply", &doc) != PR_OK)
		return 0;
	if (applydoc_restore(doc, "fuzz.json", &restore, &source, &endpoint) == PR_OK) {
		po.source = source;
		po.arm_endpoint = endpoint;
		platform_check(restore, &po);
		cJSON_Delete(restore);
		free(source);
		free(endpoint);
	}
	cJSON_Delete(doc);
	return 0;
}
