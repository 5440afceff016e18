/* fuzz_comparecfg.c: pr-compare's "compare" section reader
 * (lib/comparecfg.c) on arbitrary bytes: the input is a config file; its
 * "compare" section (or the whole file) is read once with no flag given and
 * once with every flag given.  Built by `make fuzz`; run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "comparecfg.h"
#include "config.h"
#include "pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct comparecfg_given none, all = { true, true, true, true, true };
	struct config cfg = {0};
	struct compare_settings set;
	const cJSON *sec;

	if (config_parse("fuzz.json", (const char *)data, size, &cfg) != PR_OK)
		return 0;
	sec = config_section(&cfg, "compare");
	if (!sec)
		sec = cfg.root;
	comparecfg_settings_default(&set);
	comparecfg_parse(sec, "fuzz.json: compare", &none, &set);
	comparecfg_settings_free(&set);
	comparecfg_settings_default(&set);
	comparecfg_parse(sec, "fuzz.json: compare", &all, &set);
	comparecfg_settings_free(&set);
	config_free(&cfg);
	return 0;
}
