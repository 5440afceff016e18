/* fuzz_config.c: the configuration reader (JSON and ${VAR} expansion) on
 * arbitrary bytes.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;

	setenv("PR_FUZZ_VAR", "value", 0);
	if (config_parse("fuzz.json", (const char *)data, size, &cfg) == PR_OK)
		config_free(&cfg);
	return 0;
}
