/* test_readers.c: regression tests for the document and config readers,
 * one per bug that fuzzing or review of the fuzz targets found. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "hist.h"
#include "t.h"

#define HIST_HEAD "{\"unit\":\"us\",\"significant_digits\":3,\"lowest\":1,\"highest\":3600000000,"
#define TWO_POW_53 "9007199254740992"
#define WRAP_PAIRS 2048	/* 2048 * 2^53 = 2^64: a uint64_t total wraps to 0 */

/* Counts that add up to 2^64 + 1 once said n = 1: the running total wrapped. */
static void
test_hist_counts_that_wrap_around_are_refused(void)
{
	struct pr_hist *h = pr_hist_new();
	struct buf b = {0};
	cJSON *obj;

	buf_adds(&b, HIST_HEAD "\"n\":1,\"min\":2048,\"max\":2048,\"sum\":2048,\"counts\":[");
	for (int i = 0; i < WRAP_PAIRS; i++)
		buf_printf(&b, "[%d," TWO_POW_53 "],", i);
	buf_printf(&b, "[%d,1]]}", WRAP_PAIRS);
	obj = cJSON_Parse(b.data);
	CHECK(obj != NULL);
	CHECK(pr_hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_INPUT);
	cJSON_Delete(obj);
	/* The largest total that fits still reads. */
	obj = cJSON_Parse(HIST_HEAD "\"n\":" TWO_POW_53 ",\"min\":1,\"max\":1,\"sum\":" TWO_POW_53
	    ",\"counts\":[[1," TWO_POW_53 "]]}");
	CHECK(pr_hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_OK);
	CHECK(h->n == (uint64_t)1 << 53);
	cJSON_Delete(obj);
	buf_free(&b);
	free(h);
}

/* A sum whose mean falls outside [min, max] once gave a summary whose mean
 * lay outside its own range. */
static void
test_hist_sum_must_fit_min_and_max(void)
{
	static const char *const bad[] = {
		HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":0,\"counts\":[[100,2]]}",
		HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":999999,\"counts\":[[100,2]]}",
		HIST_HEAD "\"n\":0,\"sum\":5,\"counts\":[]}",
	};
	struct pr_hist *h;
	cJSON *obj;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		h = pr_hist_new();
		obj = cJSON_Parse(bad[i]);
		CHECK(obj != NULL);
		CHECK(pr_hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_INPUT);
		cJSON_Delete(obj);
		free(h);
	}
	h = pr_hist_new();
	obj = cJSON_Parse(HIST_HEAD "\"n\":2,\"min\":100,\"max\":100,\"sum\":200,\"counts\":[[100,2]]}");
	CHECK(pr_hist_from_json(obj, "load.json: metrics.a.histogram", h) == PR_OK);
	cJSON_Delete(obj);
	free(h);
}

int
main(void)
{
	pr_init("pr-tools");
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	RUN(test_hist_counts_that_wrap_around_are_refused);
	RUN(test_hist_sum_must_fit_min_and_max);
	return t_done();
}
