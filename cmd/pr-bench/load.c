/* load.c: pr-bench --load (placeholder until the load engine lands). */
#include "bench.h"
#include "err.h"

int
bench_load(const struct bench_opts *o, cJSON *metrics)
{
	(void)o;
	(void)metrics;
	return pr_error(PR_USAGE, "--load is not built yet");
}
