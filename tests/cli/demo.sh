#!/bin/sh
# demo.sh: `make demo`, the README's first command, runs the whole release
# flow end to end and shows the gate's judgements: the cached pages improved
# and the budgets held.  The health check, which the change leaves alone,
# is not judged here: with --precision's samples a restart's few percent can
# be significant, and a loaded machine can leave a p95 unsettled.
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
