/* fuzz_platform.c: the "platform" section check (platform_check in
 * lib/platform.c, no network) on arbitrary bytes: the input is a config
 * file; its "platform" section, or the whole file as pr-apply-scale
 * --platform reads a bare section.  Built by `make fuzz`; run by
 * tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "pr.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct platform_opts po = { .dry_run = true, .source = "fuzz.json: platform" };
	struct config cfg;
	const cJSON *sec;

	setenv("PR_FUZZ_VAR", "value", 0);
	if (config_parse("fuzz.json", (const char *)data, size, &cfg) != PR_OK)
		return 0;
	sec = config_section(&cfg, "platform");
	platform_check(sec ? sec : cfg.root, &po);
	config_free(&cfg);
	return 0;
}
