/* fuzz_deploycfg.c: the "deploy" section reader (lib/deploycfg.c) on
 * arbitrary bytes: the input is a config file, read as pr-rollback reads
 * it.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "deploycfg.h"
#include "pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deploycfg_github gh;
	struct config cfg;

	setenv("PR_FUZZ_VAR", "value", 0);
	if (config_parse("fuzz.json", (const char *)data, size, &cfg) != PR_OK)
		return 0;
	/* Every field read is the type asked for. */
	if (deploycfg_github_parse(config_section(&cfg, "deploy"), cfg.name, &gh) == PR_OK &&
	    (!gh.repo || !gh.workflow || (gh.inputs && !cJSON_IsObject(gh.inputs))))
		abort();
	config_free(&cfg);
	return 0;
}
