/* fuzz_benchcfg.c: pr-bench's "bench" section reader (lib/benchcfg.c) on
 * arbitrary bytes: the input is a config file; its "bench" section (or the
 * whole file) is read once with no flags given and once with every flag
 * given, and each metric read is copied and freed.  Built by `make fuzz`;
 * run by tests/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "benchcfg.h"
#include "config.h"
#include "pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_section(const cJSON *sec, const struct benchcfg_given *g)
{
	struct benchcfg_settings set = {
		.samples = 20, .warmup = 2, .connections = 10, .timeout_s = 10, .duration_s = 10,
		.measure = MEASURE_TOTAL,
	};
	struct benchcfg_metric *v = NULL, copy;
	size_t n = 0;

	if (benchcfg_parse(sec, "fuzz.json: bench", g, &set, &v, &n) != PR_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		benchcfg_metric_copy(&copy, &v[i]);
		benchcfg_metric_free(&copy);
	}
	benchcfg_metrics_free(v, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct benchcfg_given none, all = {
		true, true, true, true, true, true, true, true, true, true,
	};
	struct config cfg;
	const cJSON *sec;

	setenv("PR_FUZZ_VAR", "value", 0);
	if (config_parse("fuzz.json", (const char *)data, size, &cfg) != PR_OK)
		return 0;
	sec = config_section(&cfg, "bench");
	read_section(sec ? sec : cfg.root, &none);
	read_section(sec ? sec : cfg.root, &all);
	config_free(&cfg);
	return 0;
}
