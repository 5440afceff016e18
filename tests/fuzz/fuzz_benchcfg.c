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
read_section(const cJSON *sec, const struct bench_given *g)
{
	struct bench_settings set = {
		.samples = 20, .warmup = 2, .connections = 10, .timeout_s = 10, .duration_s = 10,
		.measure = MEASURE_TOTAL,
	};
	struct bench_metric *v = NULL, copy;
	size_t n = 0;

	if (bench_config_parse(sec, "fuzz.json: bench", g, &set, &v, &n) != PR_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		bench_metric_copy(&copy, &v[i]);
		bench_metric_free(&copy);
	}
	bench_metrics_free(v, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bench_given none, all = {
		true, true, true, true, true, true, true, true, true, true,
	};
	struct pr_config cfg;
	const cJSON *sec;

	setenv("PR_FUZZ_VAR", "value", 0);
	if (pr_config_parse("fuzz.json", (const char *)data, size, &cfg) != PR_OK)
		return 0;
	sec = pr_config_section(&cfg, "bench");
	read_section(sec ? sec : cfg.root, &none);
	read_section(sec ? sec : cfg.root, &all);
	pr_config_free(&cfg);
	return 0;
}
