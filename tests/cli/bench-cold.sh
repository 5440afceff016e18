#!/bin/sh
# bench-cold.sh: pr-bench --cold-start and COLD_START=1: an idle wait, then
# one request on a new connection, recorded as cold_start_health_ms.
. "$(dirname "$0")/lib.sh"

$PY "$FIX/timed_httpd.py" --port-file "$T/timed.port" >"$T/timed.log" 2>&1 &
track $!
wait_for_file "$T/timed.port" || { echo "not ok timed: fixture server did not start"; exit 1; }
TIMED=http://127.0.0.1:$(cat "$T/timed.port")
conns() { curl -s "$TIMED/conns"; }

c0=$(conns)
run pr-bench --cold-start -o "$T/cold.json" "$TIMED/sleep?ms=3&key=cold"
c1=$(conns)
check cold_start_exits_0 [ "$rc" -eq 0 ]
check cold_start_default_metric_id [ "$(jget "$T/out" '[.mode, (.metrics|keys|join(","))]|join(" ")')" = "cold_start cold_start_health_ms" ]
check cold_start_records_one_request [ "$(jget "$T/out" '[(.metrics.cold_start_health_ms.samples|length), (.metrics.cold_start_health_ms.warmup|length), .settings.samples, .settings.warmup]|join(" ")')" = "1 0 1 0" ]
run curl -s "$TIMED/times?key=cold"
check cold_start_sends_no_warmup [ "$(jq length "$T/out")" = 1 ]
check cold_start_uses_a_new_connection [ $((c1 - c0)) -eq 2 ]
check cold_start_times_the_connect [ "$(jget "$T/cold.json" '.metrics.cold_start_health_ms.phases.connect.min > 0')" = true ]
check cold_start_unit_ms [ "$(jget "$T/cold.json" '.metrics.cold_start_health_ms | [.unit, .better]|join(" ")')" = "ms lower" ]
check cold_start_output_file_validates validate bench "$T/cold.json"

# Several cold samples: a new connection each.
c0=$(conns)
run pr-bench --cold-start -n 3 probe="$TIMED/sleep?ms=1&key=cold3"
c1=$(conns)
check cold_samples_each_on_new_connection [ $((c1 - c0)) -eq 4 ]
check cold_samples_named_metric_kept [ "$(jget "$T/out" '.metrics.probe.samples|length')" = 3 ]

# The idle wait comes before the request.
start=$(date +%s%N)
run pr-bench --cold-start --idle 600ms "$TIMED/sleep?ms=1"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check idle_waits_before_the_request [ "$ms" -ge 600 ]
check idle_is_recorded [ "$(jget "$T/out" .settings.idle_s)" = 0.6 ]
expect_exit 2 bad_idle_is_usage_error pr-bench --cold-start --idle soon "$TIMED/sleep"
expect_exit 2 cold_start_and_load_conflict pr-bench --cold-start --load "$TIMED/sleep"

# COLD_START=1, as the runbook's cron probe sets it, with OUTPUT_JSON.
COLD_START=1 OUTPUT_JSON=$T/env.json pr-bench --idle 0 cold_start_health_ms="$TIMED/sleep?ms=1" >"$T/out" 2>"$T/err"
check cold_start_variable_selects_mode [ "$(jget "$T/env.json" .mode)" = cold_start ]
check cold_start_variable_output_equals_stdout cmp -s "$T/out" "$T/env.json"
COLD_START=0 pr-bench -n 2 -w 0 a="$TIMED/sleep?ms=1" >"$T/out" 2>"$T/err"
check cold_start_0_is_sample_mode [ "$(jget "$T/out" .mode)" = sample ]

# A cold start that fails is exit 4 with the document.
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run pr-bench --cold-start "http://127.0.0.1:$port/health"
check failed_cold_start_exits_4 [ "$rc $(jget "$T/out" '.metrics.cold_start_health_ms.errors.connect')" = "4 1" ]
