/*
 * benchdoc.h: what every pr-tools/bench document carries besides its
 * metrics: the schema with its minor version and the run id.  Shared by
 * pr-bench's modes and by the merge (benchmerge.h).
 */
#ifndef PR_BENCHDOC_H
#define PR_BENCHDOC_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "hist.h"

/*
 * The schema bench documents are written with: major 1 (what doc_parse
 * checks), minor 1 for the fields added since 0.1 (run_id, throughput
 * samples, precision).
 */
#define BENCH_SCHEMA_MAJOR "pr-tools/bench/1"
#define BENCH_SCHEMA BENCH_SCHEMA_MAJOR ".1"

/* A new bench document holding only the header (doc_new, with BENCH_SCHEMA). */
cJSON *benchdoc_new(void);

/*
 * Run ids: every document pr-bench writes carries "run_id", 32
 * lowercase hex digits (128 random bits), so that merge can refuse the same
 * run given twice.  benchdoc_run_id_new fills out and returns 0, or PR_EXTERNAL
 * (reported) when the kernel gives no randomness.  A merged document's id is
 * the XOR of its shards' (benchdoc_run_id_xor: acc ^= id, both valid), so the
 * same shards give the same id in any order and any grouping.
 */
#define BENCH_RUN_ID_LEN 32
int benchdoc_run_id_new(char out[BENCH_RUN_ID_LEN + 1]);
bool benchdoc_run_id_valid(const char *s);
void benchdoc_run_id_xor(char acc[BENCH_RUN_ID_LEN + 1], const char *id);

/*
 * Load mode's "load_phases": {name: {"summary", "histogram"}} for the n
 * histograms h named names (loadgen.h's phases).  Caller owns it.
 */
cJSON *benchdoc_phases_json(struct hist *const *h, const char *const *names, int n);

#endif
