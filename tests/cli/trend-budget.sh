#!/bin/sh
# trend-budget.sh: pr-compare holding one document to its budgets (the
# probe's alert): the same --budget syntax and config budgets as two-document
# comparisons, exit 1 with the reason on stderr, a GitHub annotation and
# outputs, baseline null in the document, and the usage errors.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

$PY - <<'PYEOF'
import json
def doc(xs, errors=0):
    s = sorted(xs)
    return {"schema": "pr-tools/bench/1.1", "tool": {"name": "pr-bench", "version": "0.1.0"},
            "created_at": "2026-12-01T07:00:00Z", "mode": "cold_start", "label": "probe",
            "git": {"commit": "abcdef1"}, "host": None, "settings": {},
            "metrics": {"cold_start_health_ms": {"unit": "ms", "better": "lower", "measure": "total", "url": None,
                "samples": xs, "phases": {},
                "errors": {"total": errors, "dns": 0, "connect": 0, "tls": 0, "timeout": 0, "reset": 0, "status": errors, "other": 0},
                "summary": {"n": len(xs), "min": s[0], "p50": s[len(s) // 2], "p90": s[-1], "p95": s[-1], "p99": s[-1],
                            "max": s[-1], "mean": sum(xs) / len(xs), "stddev": 0}}}}
json.dump(doc([800.5, 900.25, 1100.0]), open("good.json", "w"))
json.dump(doc([800.5, 900.25, 4100.0]), open("slow.json", "w"))
json.dump(doc([800.5, 900.25, 1000.0], errors=1), open("errors.json", "w"))
json.dump({"compare": {"budgets": ["p95<3s"]}}, open("pr-tools.json", "w"))
json.dump({}, open("none.json", "w"))
PYEOF

expect_exit 0 within_budget_passes pr-compare --format json -o good.out.json --budget 'p95<3s' good.json
check document_baseline_null sh -c "jq -e '.baseline == null and .verdict == \"pass\"' good.out.json >/dev/null"
check document_fits_schema validate compare good.out.json
expect_exit 1 p95_breach_fails pr-compare --format text --budget 'p95<3s' -f none.json slow.json
check breach_reason_on_stderr grep -q 'cold_start_health_ms: budget p95<3s broken: .* (limit 3000 ms)' "$T/err"
check breach_reason_in_report grep -q 'broken' "$T/out"
expect_exit 1 error_rate_breach_fails pr-compare --budget 'errors<1%' -f none.json errors.json
expect_exit 0 per_metric_budget_held pr-compare --budget 'cold_start_health_ms:p50<1s' -f none.json slow.json
expect_exit 1 config_budget_applies pr-compare slow.json
expect_exit 2 no_budget_is_usage pr-compare -f none.json good.json
check no_budget_one_line one_line "$T/err"
expect_exit 2 unknown_metric_budget_is_usage pr-compare --budget 'nope:p95<1s' -f none.json good.json
expect_exit 2 bad_budget_is_usage pr-compare --budget 'p95<<1s' -f none.json good.json
: >gh.out
: >gh.md
run env GITHUB_ACTIONS=true GITHUB_OUTPUT=gh.out GITHUB_STEP_SUMMARY=gh.md pr-compare --format text --budget 'p95<3s' -f none.json slow.json
check github_annotation grep -q '^::error.*budget p95<3s broken' "$T/err"
check github_outputs sh -c "grep -qx verdict=fail gh.out && grep -qx regressed=1 gh.out"
check github_summary grep -qF 'budget p95\<3s broken' gh.md
expect_exit 0 two_documents_unchanged pr-compare --format text -f none.json good.json good.json
