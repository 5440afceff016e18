#!/bin/sh
# demo.sh: `make demo`, the README's first command, runs the whole release
# flow end to end and shows the gate's judgements: the cached pages improved,
# budgets held, nothing regressed.  A loaded machine can leave a p95
# unsettled (inconclusive), so the verdict may be pass or inconclusive.
. "$(dirname "$0")/lib.sh"

PR_DEMO_DIR=$T/demo NO_COLOR=1 run sh "$PR_ROOT/scripts/demo.sh"
D=$T/demo
ok_if demo_runs_the_release_to_the_end '[ "$rc" -eq 0 ] && grep -q "^Done in" "$T/err"'
ok_if demo_compare_does_not_fail 'case $(jget "$D/compare.json" .verdict) in pass | inconclusive) true ;; *) false ;; esac'
check demo_cache_improves_p50 test "$(jget "$D/compare.json" '.metrics.ttfb_home.tests[] | select(.kind == "quantile" and .quantile == "p50") | .verdict')" = improved
check demo_budgets_hold test "$(jget "$D/compare.json" '[.metrics[].tests[]? | select(.kind == "budget") | .verdict] | unique | join(",")')" = unchanged
check demo_precision_recorded test "$(jget "$D/baseline.json" '[.metrics[].precision.target] | unique | join(",")')" = 0.05
check demo_documents_validate sh -c "$PY '$FIX/validate.py' '$PR_ROOT/schemas/compare.schema.json' '$D/compare.json' && $PY '$FIX/validate.py' '$PR_ROOT/schemas/bench.schema.json' '$D/after.json'"
check demo_qa_passes_after test "$(jget "$D/qa-after.json" .verdict)" = pass
