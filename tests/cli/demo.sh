#!/bin/sh
# demo.sh: `make demo`, the README's first command, runs the whole release
# flow end to end and shows the gate's judgements: the cached pages improved
# and the budgets held; a WebSocket metric is measured; a canary stage sets
# a flag to 5, is watched on the app's Prometheus metrics and goes back.
# The health check, which the change leaves alone, is not judged here:
# with --precision's samples a restart's few percent can be significant,
# and a loaded machine can leave a p95 unsettled.
. "$(dirname "$0")/lib.sh"

PR_DEMO_DIR=$T/demo NO_COLOR=1 run sh "$PR_ROOT/scripts/demo.sh"
D=$T/demo
ok_if demo_runs_the_release_to_the_end '[ "$rc" -eq 0 ] && grep -q "^Done in" "$T/err"'
check demo_compare_judged_every_metric test "$(jget "$D/compare.json" '.metrics | length')" = 3
check demo_cache_improves_p50 test "$(jget "$D/compare.json" '[.metrics.ttfb_home, .metrics.latency_leaderboard | .tests[] | select(.kind == "quantile" and .quantile == "p50") | .verdict] | join(",")')" = improved,improved
check demo_budgets_hold test "$(jget "$D/compare.json" '[.metrics[].tests[]? | select(.kind == "budget") | .verdict] | unique | join(",")')" = unchanged
check demo_precision_recorded test "$(jget "$D/baseline.json" '[.metrics[].precision.target] | unique | join(",")')" = 0.05
check demo_documents_validate sh -c "$PY '$FIX/validate.py' '$PR_ROOT/schemas/compare.schema.json' '$D/compare.json' && $PY '$FIX/validate.py' '$PR_ROOT/schemas/bench.schema.json' '$D/after.json'"
check demo_qa_passes_after test "$(jget "$D/qa-after.json" .verdict)" = pass
check demo_measures_a_websocket_metric test "$(jget "$D/ws.json" \
	'.metrics.chat_message | [.protocol, .summary.n, .errors.total] | map(tostring) | join(",")')" = websocket,50,0
check demo_canary_watch_passes_on_the_apps_metrics test "$(jget "$D/canary-watch.json" \
	'[.verdict, (.watch.rules[] | .name, .level, (.series | length > 0))] | map(tostring) | join(",")')" = \
	pass,p95,ok,true,5xx,ok,true
check demo_canary_stage_set_the_flag_from_0 test "$(jget "$D/canary-5.json" \
	'.restore.azure.web_apps[0].settings.PERF_OPTIMIZATIONS_ENABLED')" = 0
check demo_canary_restore_took_the_flag_from_5 test "$(jget "$D/canary-back.json" \
	'.restore.azure.web_apps[0].settings.PERF_OPTIMIZATIONS_ENABLED')" = 5
check demo_canary_says_the_flag_is_back grep -q 'restored: PERF_OPTIMIZATIONS_ENABLED=0' "$T/err"
check demo_canary_files_are_0600 test "$(stat -c %a "$D/canary-5.json" "$D/canary-back.json" | sort -u)" = 600
check demo_canary_shows_no_other_setting_value sh -c "! grep -q demo-db-password '$D/canary-5.json' \
	'$D/canary-back.json' '$D/canary-watch.json' '$T/err'"
