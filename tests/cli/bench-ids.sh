#!/bin/sh
# bench-ids.sh: metric ids and run ids.  --load writes "<id>" and
# "<id>_rps", so a selection where one metric's throughput key is another's
# id is refused up front with exit 2 (flags and config alike), before any
# request; every document carries a fresh 128-bit run id.
. "$(dirname "$0")/lib.sh"

start_httpd

run curl -s "$HTTPD/count?key=ids"
before=$(jq -r .count "$T/out")
expect_exit 2 "load_refuses_id_colliding_with_throughput_key" \
	pr-bench --load -C 1 -d 1 a="$HTTPD/ok?key=ids" a_rps="$HTTPD/ok?key=ids"
check "collision_error_is_one_line_naming_both" \
	sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'a and a_rps' '$T/err'"
check "collision_refused_before_output" [ ! -s "$T/out" ]
expect_exit 2 "load_refuses_collision_in_any_order" \
	pr-bench --load -C 1 -d 1 x_rps="$HTTPD/ok?key=ids" x="$HTTPD/ok?key=ids"
run curl -s "$HTTPD/count?key=ids"
check "collision_sends_no_request" [ "$(jq -r .count "$T/out")" = "$before" ]

cat >"$T/pr-tools.json" <<JSON
{"bench": {"metrics": [
  {"id": "home", "url": "$HTTPD/ok?key=ids"},
  {"id": "home_rps", "url": "$HTTPD/ok?key=ids"}
]}}
JSON
expect_exit 2 "load_refuses_collision_between_config_metrics" pr-bench -f "$T/pr-tools.json" --load -C 1 -d 1
check "config_collision_names_both" grep -q 'home and home_rps' "$T/err"
# Sample mode writes no _rps key: the same ids are fine there.
expect_exit 0 "sample_mode_allows_the_same_ids" pr-bench -f "$T/pr-tools.json" -n 1 -w 0
check "sample_mode_writes_both_ids" [ "$(jget "$T/out" '.metrics | keys | join(",")')" = "home,home_rps" ]
# A prefix alone is no collision.
expect_exit 0 "load_allows_ids_that_only_share_a_prefix" \
	pr-bench --load -C 1 -d 0.2 a="$HTTPD/ok" a_rpsx="$HTTPD/ok" ab="$HTTPD/ok"

# Run ids: 32 lowercase hex digits, different for every run.
pr-bench -n 1 -w 0 home="$HTTPD/ok" >"$T/r1.json" 2>/dev/null
pr-bench -n 1 -w 0 home="$HTTPD/ok" >"$T/r2.json" 2>/dev/null
check "document_has_a_128_bit_hex_run_id" \
	sh -c "jq -r .run_id '$T/r1.json' | grep -Eqx '[0-9a-f]{32}'"
check "two_runs_have_different_run_ids" [ "$(jget "$T/r1.json" .run_id)" != "$(jget "$T/r2.json" .run_id)" ]
check "document_with_run_id_validates" validate bench "$T/r1.json"
