/* merge.c: pr-bench merge (placeholder until the load engine lands). */
#include "bench.h"
#include "err.h"

int
bench_merge(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return pr_error(PR_USAGE, "merge is not built yet");
}
