/* main.c: pr-bench (placeholder until sample mode lands). */
#include <stdio.h>

#include "bench.h"
#include "err.h"

int
main(int argc, char **argv)
{
	(void)argc;
	pr_init(argv[0]);
	return pr_error(PR_USAGE, "not built yet");
}
