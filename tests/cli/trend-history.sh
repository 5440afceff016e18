#!/bin/sh
# trend-history.sh: pr-bench --history against tests/fixtures/httpd.py: one
# record per run and metric (schema-checked), small samples kept, failed
# runs recorded, --history-keep by count and by age, the option errors, and
# four processes appending at once while others rewrite (bounding), losing
# no record.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
start_httpd

# lines_valid FILE: every line fits schemas/history.schema.json.
lines_valid() {
	$PY - "$1" "$PR_ROOT/schemas/history.schema.json" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[2]))
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        jsonschema.validate(json.loads(line), schema)
    except Exception as e:
        sys.exit("line %d: %s" % (n, str(e).splitlines()[0]))
PYEOF
}

# --- one record per run and metric ---------------------------------------------------
expect_exit 0 bench_with_history pr-bench -n 3 -w 0 --history h.jsonl -l probe a="$HTTPD/ok" b="$HTTPD/ok"
check two_records_for_two_metrics sh -c "[ \$(wc -l <h.jsonl) -eq 2 ]"
check records_fit_schema lines_valid h.jsonl
check record_has_run_quantiles_and_samples sh -c "jq -se '.[0] | .metric == \"a\" and .n == 3 and (.samples | length) == 3 and .label == \"probe\" and (.p95 >= .p50) and .errors == 0' h.jsonl >/dev/null"
check record_run_id_matches_document sh -c "[ \"\$(jq -r .run_id '$T/out')\" = \"\$(head -1 h.jsonl | jq -r .run_id)\" ]"
check record_is_one_compact_line sh -c "! grep -q '^[[:space:]]' h.jsonl"
pr-bench -n 40 -w 0 --history big.jsonl a="$HTTPD/ok" >/dev/null 2>&1
check many_samples_not_kept sh -c "jq -e 'has(\"samples\") | not' big.jsonl >/dev/null && jq -e '.n == 40' big.jsonl >/dev/null"
pr-bench -n 2 -w 0 -t 2s --history fail.jsonl a="$HTTPD/status/500" >/dev/null 2>&1
check failed_run_recorded_with_errors sh -c "jq -e '.n == 0 and .p50 == null and .errors == 2' fail.jsonl >/dev/null"
check pr_trend_reads_what_bench_wrote sh -c "pr-trend --format json h.jsonl | jq -e '.metrics.a.points == 1' >/dev/null"

# --- options -------------------------------------------------------------------------
expect_exit 2 keep_without_history_is_usage pr-bench --history-keep 90d a="$HTTPD/ok"
expect_exit 2 bad_keep_is_usage pr-bench --history x.jsonl --history-keep 90x a="$HTTPD/ok"
expect_exit 2 zero_keep_is_usage pr-bench --history x.jsonl --history-keep 0 a="$HTTPD/ok"
expect_exit 4 unwritable_history_is_external pr-bench -n 1 -w 0 --history nodir/h.jsonl a="$HTTPD/ok"
check document_still_printed_when_history_fails jq -e '.metrics.a' "$T/out"

# --- --history-keep: a count per metric, and an age ------------------------------------
for i in 1 2 3 4 5; do
	SOURCE_DATE_EPOCH=$((1767225600 + i * 60)) pr-bench -n 1 -w 0 --history k.jsonl --history-keep 3 a="$HTTPD/ok" b="$HTTPD/ok" >/dev/null 2>&1
done
check keep_3_per_metric sh -c "[ \$(grep -c '\"metric\":\"a\"' k.jsonl) -eq 3 ] && [ \$(grep -c '\"metric\":\"b\"' k.jsonl) -eq 3 ]"
check keep_newest sh -c "[ \"\$(jq -rs 'map(select(.metric == \"a\")) | map(.time) | join(\" \")' k.jsonl)\" = '2026-01-01T00:03:00Z 2026-01-01T00:04:00Z 2026-01-01T00:05:00Z' ]"
echo 'not a record' >>k.jsonl
SOURCE_DATE_EPOCH=$((1767225600 + 86400 * 2)) pr-bench -n 1 -w 0 --history k.jsonl --history-keep 1d a="$HTTPD/ok" >/dev/null 2>"$T/err"
check keep_age_drops_old_records sh -c "[ \$(grep -c '\"metric\"' k.jsonl) -eq 1 ] && grep -q 'dropped 6 records' '$T/err'"
check keep_leaves_malformed_lines grep -qx 'not a record' k.jsonl
check keep_leaves_no_temporary_file sh -c "[ \$(ls -A | grep -c '^k.jsonl') -eq 1 ] && ! ls -A | grep -q '\\.tmp'"

# --- four appenders racing with bounding rewrites lose nothing --------------------------
# Writers 1-4 append fresh records and bound the file to 90 days, so each of
# their runs also rewrites it; writer 5 keeps adding records dated 2020 for
# them to drop.  Without the lock and the check that the file locked is still
# the one at the path, appends land in replaced files and vanish.
RUNS=20
writers=
for w in 1 2 3 4; do
	( for i in $(seq $RUNS); do pr-bench -n 1 -w 0 --history race.jsonl --history-keep 90d -l "w$w" a="$HTTPD/ok" b="$HTTPD/ok" >/dev/null 2>&1 || echo "w$w run $i failed"; done ) >"w$w.log" &
	writers="$writers $!"
done
( for i in $(seq $RUNS); do SOURCE_DATE_EPOCH=1577836800 pr-bench -n 1 -w 0 --history race.jsonl -l old a="$HTTPD/ok" >/dev/null 2>&1; done ) &
writers="$writers $!"
# Only the writers: a bare wait would also wait for the fixture server.
for p in $writers; do wait "$p"; done
check racing_runs_all_succeeded sh -c "! grep -q failed w1.log w2.log w3.log w4.log"
fresh=$(grep -c '"label":"w' race.jsonl)
check "racing_appends_lose_no_record_(${fresh}_of_$((4 * RUNS * 2)))" test "$fresh" -eq $((4 * RUNS * 2))
check racing_records_whole_lines lines_valid race.jsonl
check racing_each_run_twice sh -c "[ \"\$(grep '\"label\":\"w' race.jsonl | jq -r .run_id | sort | uniq -c | awk '{print \$1}' | sort -u)\" = 2 ]"
