#!/bin/sh
# compare-bench.sh: pr-compare on documents that the real pr-bench wrote
# against the local fixture server: a slowed endpoint is a regression, in a
# pipeline from pr-bench's stdout, and load-mode documents compare by
# their summaries.
. "$(dirname "$0")/lib.sh"

start_httpd
cd "$T" || exit 1

pr-bench -n 15 -w 1 --label base slow="$HTTPD/sleep?ms=2" fast="$HTTPD/ok" >base.json 2>bench.err
check real_baseline_measured test "$(jq -r .schema base.json 2>/dev/null)" = pr-tools/bench/1.1
run sh -c "pr-bench -n 15 -w 1 --label after slow='$HTTPD/sleep?ms=25' fast='$HTTPD/ok' 2>>'$T/bench.err' | pr-compare base.json -"
check slowed_endpoint_fails_the_pipeline test "$rc" -eq 1
check slowed_endpoint_is_regressed test "$(jget out .metrics.slow.verdict)" = regressed
check slowed_endpoint_was_tested test "$(jget out .metrics.slow.test)" = quantile-order-statistics
check real_documents_keep_labels test "$(jq -r '[.baseline.label, .after.label, .after.file] | @tsv' out)" = "base	after	-"
check real_comparison_validates validate compare out

pr-bench --load -C 2 -d 1 ok="$HTTPD/ok" >load.json 2>>bench.err
expect_exit 0 load_documents_compare pr-compare load.json load.json
# A document against itself: nothing changed; a throughput of one second
# (one per-second sample, or none from pr-bench 0.1) cannot be bounded.
check self_comparison_unchanged_or_inconclusive \
	test "$(jq -r '(.metrics | length) as $n | [.metrics[] | select(.verdict == "inconclusive" or .verdict == "unchanged")] | length == $n' out)" = true
# (Unchanged needs enough requests in one second to bound p95 within 5 %.)
check load_latency_quantile_tests_see_no_change \
	test "$(jq -r '.metrics.ok | [.test, .verdict != "regressed", .p_value] | @tsv' out)" = "quantile-histogram-buckets	true	1"
check load_comparison_validates validate compare out
