/*
 * merge.c: `pr-bench merge FILE...`: options, then each document through
 * lib/benchmerge.c in order.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "benchmerge.h"
#include "doc.h"
#include "pr.h"

static const char merge_usage[] =
    "usage: pr-bench merge [-o FILE] FILE...\n"
    "\n"
    "Merge pr-bench --load documents (\"-\" is stdin) into one: histograms,\n"
    "errors and request counts add up, throughput adds up across shards.\n"
    "\n"
    "  -o, --output FILE   also write the document to FILE (or OUTPUT_JSON)\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n";

int
bench_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct benchmerge *mg;
	cJSON *out = NULL;
	int ch, n, rc = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			output = optarg;
			break;
		default:
			return pr_getopt_other(ch, merge_usage, argv);
		}
	}
	output = doc_output_path(output);
	n = argc - optind;
	if (n < 1)
		return pr_usage_error("merge: give one or more load documents to merge");
	mg = benchmerge_new();
	for (int i = 0; i < n && !rc; i++) {
		cJSON *doc;

		if (!(rc = doc_load(argv[optind + i], "bench", &doc)))
			rc = benchmerge_add(mg, argv[optind + i], doc);
	}
	if (!rc) {
		out = benchmerge_result(mg);
		rc = doc_emit(out, output);
	}
	benchmerge_free(mg);
	cJSON_Delete(out);
	return rc;
}
