#!/bin/sh
# bench-load-merge.sh: `pr-bench merge` over real load runs: histograms add
# exactly, the summary is the one of all the requests, throughput adds up,
# bad inputs are refused with exit 3.  Also pr-compare on load documents.
. "$(dirname "$0")/lib.sh"

pf=$T/stall.port
$PY "$FIX/stall_server.py" --port-file "$pf" >"$T/stall.log" 2>&1 &
track $!
wait_for_file "$pf" || { echo "not ok stall: fixture server did not start"; exit 1; }
URL=http://127.0.0.1:$(cat "$pf")/

jtrue() { [ "$(jq -r "$1" "$2")" = true ]; }

# Two shards at the same time, as two machines would run them.
pr-bench --load -C 3 -d 2 --rate 300 home="$URL" >"$T/a.json" 2>"$T/a.err" &
a=$!
pr-bench --load -C 3 -d 2 --rate 200 home="$URL" >"$T/b.json" 2>"$T/b.err" &
b=$!
wait $a; rca=$?
wait $b; rcb=$?
check "two_shards_ran" [ "$rca" -eq 0 -a "$rcb" -eq 0 ]

expect_exit 0 "merge_exits_0" pr-bench merge "$T/a.json" "$T/b.json"
cp "$T/out" "$T/m.json"
check "merged_document_is_valid_bench_json" validate bench "$T/m.json"
check "merged_document_is_a_load_document" jtrue '.schema == "pr-tools/bench/1.1" and .mode == "load" and (.merged_from | length) == 2' "$T/m.json"

# The merged histogram is the bucket-by-bucket sum of the shards'.
jq -n --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" --slurpfile m "$T/m.json" '
	def bins(d): d.metrics.home.histogram.counts | map({key: (.[0] | tostring), value: .[1]}) | from_entries;
	(bins($a[0])) as $x | (bins($b[0])) as $y | (bins($m[0])) as $z |
	([($x + $y + $z) | keys[] ] | unique | all(. as $k | (($x[$k] // 0) + ($y[$k] // 0)) == ($z[$k] // 0)))
	and $m[0].metrics.home.histogram.sum == ($a[0].metrics.home.histogram.sum + $b[0].metrics.home.histogram.sum)' >"$T/sum"
check "merged_histogram_is_the_exact_sum" [ "$(cat "$T/sum")" = true ]
check "merged_n_min_max_are_exact" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" '
	.metrics.home.summary.n == ($a[0].metrics.home.summary.n + $b[0].metrics.home.summary.n) and
	.metrics.home.summary.min == ([$a[0], $b[0]] | map(.metrics.home.summary.min) | min) and
	.metrics.home.summary.max == ([$a[0], $b[0]] | map(.metrics.home.summary.max) | max)' "$T/m.json"
check "merged_mean_is_the_weighted_mean" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" '
	(($a[0].metrics.home.histogram.sum + $b[0].metrics.home.histogram.sum) / .metrics.home.summary.n / 1000) as $m |
	((.metrics.home.summary.mean - $m) | fabs) <= 0.0005 + 1e-9' "$T/m.json"
check "merged_throughput_and_counts_add_up" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" '
	.metrics.home_rps.summary.p50 == ($a[0].metrics.home.load.throughput_rps + $b[0].metrics.home.load.throughput_rps) and
	.metrics.home.load.requests == ($a[0].metrics.home.load.requests + $b[0].metrics.home.load.requests) and
	.metrics.home.errors.total == 0 and .metrics.home.load.shards == 2 and .metrics.home.load.connections == 6' "$T/m.json"

# Throughput samples: interval i of every shard is summed (they ran at the
# same time), exactly; the merge is as long as the shortest shard.
check "merged_throughput_samples_are_the_element_wise_sum" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" '
	($a[0].metrics.home_rps.samples) as $x | ($b[0].metrics.home_rps.samples) as $y |
	($x | length) == 2 and ($y | length) == 2 and .metrics.home_rps.interval_s == 1 and
	.metrics.home_rps.samples == [range(0; 2) | $x[.] + $y[.]]' "$T/m.json"
jq '.metrics.home_rps.samples |= .[:1]' "$T/b.json" >"$T/b-short.json"
run pr-bench merge "$T/a.json" "$T/b-short.json"
check "merged_throughput_samples_keep_the_shortest_length" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" \
	'.metrics.home_rps.samples == [$a[0].metrics.home_rps.samples[0] + $b[0].metrics.home_rps.samples[0]]' "$T/out"
jq '.metrics.home_rps.interval_s = 0.5' "$T/b.json" >"$T/b-half.json"
expect_exit 3 "merge_refuses_throughput_samples_of_another_interval" pr-bench merge "$T/a.json" "$T/b-half.json"
check "interval_error_names_file_and_field" grep -q "b-half.json: metrics.home_rps.interval_s" "$T/err"
jq '.metrics.home_rps.samples[0] = "x"' "$T/b.json" >"$T/b-bad.json"
expect_exit 3 "merge_refuses_a_throughput_sample_that_is_not_a_number" pr-bench merge "$T/a.json" "$T/b-bad.json"
jq 'del(.metrics.home_rps.samples, .metrics.home_rps.interval_s)' "$T/b.json" >"$T/b-old.json"
run pr-bench merge "$T/a.json" "$T/b-old.json"
check "merge_with_a_shard_without_samples_drops_them" \
	sh -c "[ $rc -eq 0 ] && jq -e '.metrics.home_rps | has(\"samples\") == false and has(\"interval_s\") == false' '$T/out' >/dev/null"

# Merging is order-free and a merge of merges equals the merge of all.
pr-bench merge "$T/b.json" "$T/a.json" >"$T/ba.json" 2>/dev/null
check "merge_order_does_not_change_the_summary" \
	[ "$(jq -c .metrics.home.summary "$T/ba.json")" = "$(jq -c .metrics.home.summary "$T/m.json")" ]
pr-bench merge "$T/a.json" >"$T/a1.json" 2>/dev/null
check "merge_of_one_run_keeps_its_summary" \
	[ "$(jq -c .metrics.home.summary "$T/a1.json")" = "$(jq -c .metrics.home.summary "$T/a.json")" ]
pr-bench merge "$T/a1.json" "$T/b.json" >"$T/a1b.json" 2>/dev/null
check "merge_of_merges_equals_merge_of_all" \
	[ "$(jq -c '.metrics.home | .summary, .histogram' "$T/a1b.json")" = "$(jq -c '.metrics.home | .summary, .histogram' "$T/m.json")" ]

# Run ids: a merge keeps its shards' ids, and the same run twice is refused
# (it would count its requests twice), also when hidden inside a merge.
check "merged_document_keeps_its_shards_run_ids" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" \
	'.merged_run_ids == [$a[0].run_id, $b[0].run_id] and (.run_id | test("^[0-9a-f]{32}$"))
	 and .run_id != $a[0].run_id and .run_id != $b[0].run_id' "$T/m.json"
check "merged_run_id_is_the_same_in_any_grouping" \
	[ "$(jget "$T/m.json" .run_id)" = "$(jget "$T/a1b.json" .run_id)" -a "$(jget "$T/m.json" .run_id)" = "$(jget "$T/ba.json" .run_id)" ]
expect_exit 3 "merge_refuses_the_same_run_twice" pr-bench merge "$T/a.json" "$T/a.json"
check "same_run_error_names_both_files" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '$T/a.json and $T/a.json both hold run' '$T/err'"
check "refused_merge_writes_nothing" [ ! -s "$T/out" ]
cp "$T/a.json" "$T/copy.json"
expect_exit 3 "merge_refuses_a_copy_of_a_run" pr-bench merge "$T/a.json" "$T/b.json" "$T/copy.json"
check "copy_error_names_both_files" grep -q "$T/a.json and $T/copy.json both hold run" "$T/err"
expect_exit 3 "merge_refuses_a_run_inside_a_merge" pr-bench merge "$T/m.json" "$T/a.json"
jq '.run_id = "xyz"' "$T/a.json" >"$T/badid.json"
expect_exit 3 "merge_refuses_a_malformed_run_id" pr-bench merge "$T/badid.json" "$T/b.json"
# Any minor version of major 1 is read (later minors only add fields);
# other spellings are not.
jq '.schema = "pr-tools/bench/1.12"' "$T/b.json" >"$T/b-minor.json"
expect_exit 0 "merge_reads_a_later_minor_version" pr-bench merge "$T/a.json" "$T/b-minor.json"
for bad in 1.01 1. 1.x 2.1 +1.1; do
	jq --arg s "pr-tools/bench/$bad" '.schema = $s' "$T/b.json" >"$T/b-bad-schema.json"
	expect_exit 3 "merge_refuses_schema_version_$bad" pr-bench merge "$T/a.json" "$T/b-bad-schema.json"
done

# Documents from pr-bench 0.1 have no run id: still merged, without one.
jq 'del(.run_id) | .schema = "pr-tools/bench/1"' "$T/a.json" >"$T/old.json"
expect_exit 0 "merge_reads_documents_without_run_ids" pr-bench merge "$T/old.json" "$T/b.json"
check "merge_with_an_old_document_claims_no_run_id" jq -e 'has("run_id") == false and has("merged_run_ids") == false' "$T/out"

# Stdin and -o.
run sh -c "pr-bench merge -o '$T/o.json' - '$T/b.json' <'$T/a.json'"
check "merge_reads_stdin_and_writes_output_file" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(jq -c .metrics.home.summary '$T/o.json')\" = '$(jq -c .metrics.home.summary "$T/m.json")' ]"

# OUTPUT_JSON names the file too; -o wins, and -o '' or OUTPUT_JSON= mean none.
mkdir "$T/oj"
run env OUTPUT_JSON="$T/oj/env.json" pr-bench merge "$T/a.json" "$T/b.json"
ok_if merge_writes_to_output_json '[ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/oj/env.json"'
run env OUTPUT_JSON="$T/oj/env2.json" pr-bench merge -o '' "$T/a.json" "$T/b.json"
ok_if merge_empty_output_flag_beats_output_json '[ "$rc" -eq 0 ] && [ -s "$T/out" ] && [ ! -e "$T/oj/env2.json" ]'
run env OUTPUT_JSON= pr-bench merge "$T/a.json" "$T/b.json"
ok_if merge_empty_output_json_means_none '[ "$rc" -eq 0 ] && [ -s "$T/out" ] && [ "$(ls -A "$T/oj")" = env.json ]'

# Refusals.
expect_exit 2 "merge_without_files_is_a_usage_error" pr-bench merge
expect_exit 3 "merge_of_a_missing_file_is_bad_input" pr-bench merge "$T/nope.json"
check "merge_error_is_one_line" one_line "$T/err"
echo '{"schema":"pr-tools/compare/1"}' >"$T/cmp.json"
expect_exit 3 "merge_refuses_other_documents" pr-bench merge "$T/a.json" "$T/cmp.json"
jq '.mode = "sample"' "$T/a.json" >"$T/sample.json"
expect_exit 3 "merge_refuses_sample_documents" pr-bench merge "$T/sample.json"
jq '.metrics.home.histogram.significant_digits = 2' "$T/a.json" >"$T/digits.json"
expect_exit 3 "merge_refuses_another_histogram_precision" pr-bench merge "$T/a.json" "$T/digits.json"
jq '.metrics.home.histogram.n += 1' "$T/a.json" >"$T/n.json"
expect_exit 3 "merge_refuses_counts_that_do_not_add_up" pr-bench merge "$T/n.json"
check "histogram_error_names_file_and_field" grep -q "n.json: metrics.home.histogram.n" "$T/err"

# pr-compare judges load documents by their medians, throughput included.
if [ -x "$PR_BIN/pr-compare" ]; then
	run pr-compare --format json "$T/a.json" "$T/b.json"
	check "pr_compare_reads_load_documents" \
		sh -c "[ $rc -le 1 ] && [ \"\$(jq -r '.metrics | has(\"home\") and has(\"home_rps\")' $T/out)\" = true ]"
fi
