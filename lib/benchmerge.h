/*
 * benchmerge.h: `pr-bench merge`'s merging, one pr-tools/bench/1 load
 * document from those of shards run at the same time: histograms, errors and
 * request counts add up, throughput adds up (per interval for the samples,
 * as long as the shortest shard), "duration_s" and "warmup_s" take the
 * largest, strings that differ become "mixed".  A run id seen twice is
 * refused (its requests would count twice); the result's "run_id" is the XOR
 * of the shards' and "merged_run_ids" lists them, when every input had ids.
 *
 *   mg = benchmerge_new();
 *   for each input: rc = benchmerge_add(mg, path, doc);   (stop at the first error)
 *   out = benchmerge_result(mg);                          (caller owns out)
 *   benchmerge_free(mg);
 */
#ifndef PR_BENCHMERGE_H
#define PR_BENCHMERGE_H

#include <cjson/cJSON.h>

struct benchmerge;

struct benchmerge *benchmerge_new(void);

/*
 * Add the parsed bench document doc (doc_load kind "bench"; mg takes it,
 * even on error) named path in errors and in "merged_from" (path must
 * outlive mg).  Returns 0 or PR_INPUT (reported): not a load document, a
 * field of another type than an earlier input's, a run given twice.
 */
int benchmerge_add(struct benchmerge *mg, const char *path, cJSON *doc);

/* The merged document of the inputs added so far (at least one). */
cJSON *benchmerge_result(struct benchmerge *mg);

void benchmerge_free(struct benchmerge *mg);

#endif
