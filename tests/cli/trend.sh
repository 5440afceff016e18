#!/bin/sh
# trend.sh: pr-trend end to end on synthetic histories: regressions found
# and judged (recent or old, above or below the threshold, lower or higher
# is better, --stat), malformed lines skipped by line number, byte-identical
# reruns, the document against its schema, SVG, Markdown and GitHub outputs,
# and the usage and input errors.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
export SOURCE_DATE_EPOCH=1767225600

# history FILE METRIC UNIT BETTER SEED SPEC...: a history of one metric; each
# SPEC is COUNT:LEVEL:NOISE (relative, lognormal), appended in order, every
# 30 minutes from 2026-11-01.
history() {
	$PY - "$@" <<'PYEOF'
import json, math, random, sys
path, metric, unit, better, seed = sys.argv[1:6]
r = random.Random(int(seed))
i = 0
with open(path, "a") as f:
    for spec in sys.argv[6:]:
        count, level, noise = spec.split(":")
        for _ in range(int(count)):
            v = round(float(level) * math.exp(r.gauss(0, float(noise))), 3)
            rec = {"schema": "pr-tools/history/1",
                   "time": "2026-11-%02dT%02d:%02d:00Z" % (1 + i // 48, i % 48 // 2, 30 * (i % 2)),
                   "label": "probe", "commit": "%07x" % (0xa000000 + i), "metric": metric, "unit": unit,
                   "better": better, "n": 1, "p50": v, "p95": v, "errors": 0}
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
            i += 1
PYEOF
}

# --- usage and input errors ----------------------------------------------------
run pr-trend --help
check help_lists_options sh -c "[ $rc -eq 0 ] && grep -q -- --threshold '$T/out' && grep -q -- --recent '$T/out'"
expect_exit 2 no_operand_is_usage pr-trend
expect_exit 2 bad_stat_is_usage pr-trend --stat p42 x.jsonl
expect_exit 2 bad_alpha_is_usage pr-trend --alpha 1.5 x.jsonl
expect_exit 2 bad_permutations_is_usage pr-trend --permutations 3 x.jsonl
expect_exit 3 missing_history_is_bad_input pr-trend nope.jsonl
check missing_history_one_line one_line "$T/err"

# --- a recent regression fails, naming date, commit, levels and p ------------------
history reg.jsonl cold_ms ms lower 1 60:800:0.05 12:1000:0.05
expect_exit 1 recent_regression_exits_1 pr-trend --format json -o reg.json --plot reg.svg reg.jsonl
check regression_is_flagged sh -c "[ \"\$(jq -r '.metrics.cold_ms.regression' reg.json)\" = true ] && [ \"\$(jq -r .verdict reg.json)\" = fail ]"
idx=$(jq -r '.metrics.cold_ms.change_points[-1].index' reg.json)
check "change_point_at_60_(found_$idx)" sh -c "[ $idx -ge 58 ] && [ $idx -le 62 ]"
check change_point_names_commit_and_time sh -c "jq -e '.metrics.cold_ms.change_points[-1] | (.commit | test(\"^a0000\")) and (.time | test(\"^2026-11-\"))' reg.json >/dev/null"
check levels_before_and_after sh -c "jq -e '.metrics.cold_ms.change_points[-1] | .before > 760 and .before < 840 and .after > 950 and .after < 1050 and .p_value <= 0.01' reg.json >/dev/null"
check new_regime_true sh -c "jq -e '.metrics.cold_ms.new_regime' reg.json >/dev/null"
check regression_reason_on_stderr grep -q 'cold_ms: regressed at 2026-11-' "$T/err"
check document_fits_schema validate trend reg.json
check svg_is_xml_with_a_dashed_line sh -c "$PY -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' reg.svg && grep -q stroke-dasharray reg.svg"

# --- reruns are byte-identical; another seed moves nothing but p -----------------
pr-trend --format json reg.jsonl >a.json 2>/dev/null
pr-trend --format json --plot b.svg reg.jsonl >b.json 2>/dev/null
check reruns_byte_identical sh -c "cmp -s a.json b.json && cmp -s reg.svg b.svg"
pr-trend --format json --seed 99 reg.jsonl >c.json 2>/dev/null
check other_seed_same_change_points sh -c "[ \"\$(jq -c '[.metrics[].change_points[].index]' a.json)\" = \"\$(jq -c '[.metrics[].change_points[].index]' c.json)\" ]"

# --- judged only when recent, worse and above the threshold -----------------------
expect_exit 0 old_regression_not_judged pr-trend --recent 5 --format json -o old.json reg.jsonl
check old_regime_flagged_not_new sh -c "jq -e '.metrics.cold_ms.new_regime == false and (.metrics.cold_ms.change_points | length) >= 1' old.json >/dev/null"
history imp.jsonl cold_ms ms lower 2 60:1000:0.05 12:800:0.05
expect_exit 0 improvement_passes pr-trend --format json -o imp.json imp.jsonl
check improvement_is_a_change_point sh -c "jq -e '(.metrics.cold_ms.change_points | length) >= 1 and .metrics.cold_ms.regression == false' imp.json >/dev/null"
history small.jsonl cold_ms ms lower 3 80:800:0.02 20:856:0.02
expect_exit 0 seven_percent_below_10pct_threshold_passes pr-trend small.jsonl
expect_exit 1 seven_percent_above_5pct_threshold_fails pr-trend -t 5% small.jsonl
history rps.jsonl api_rps rps higher 4 60:500:0.05 12:375:0.05
expect_exit 1 throughput_drop_is_a_regression pr-trend rps.jsonl
history flat.jsonl cold_ms ms lower 5 300:800:0.10
expect_exit 0 flat_history_passes pr-trend --format json -o flat.json flat.jsonl
check flat_history_no_change_point sh -c "jq -e '(.metrics.cold_ms.change_points | length) == 0' flat.json >/dev/null"
# -o '' means no file, as OUTPUT_JSON= does, in every format.
expect_exit 0 empty_output_means_none pr-trend --format text -o '' flat.jsonl

# --- --stat and --metric -------------------------------------------------------------
$PY - <<'PYEOF'
import json
with open("tail.jsonl", "w") as f:
    for i in range(80):
        p95 = 900 + (i % 7) if i < 60 else 1400 + (i % 7)
        f.write(json.dumps({"schema": "pr-tools/history/1", "time": "2026-11-01T%02d:%02d:00Z" % (i // 60, i % 60),
            "metric": "api_ms", "unit": "ms", "better": "lower", "n": 100, "p50": 100 + (i % 5), "p95": p95}) + "\n")
PYEOF
expect_exit 0 p50_steady_passes pr-trend tail.jsonl
expect_exit 1 p95_step_fails pr-trend --stat p95 tail.jsonl
cat reg.jsonl tail.jsonl >two.jsonl
expect_exit 0 metric_selects_one pr-trend --metric api_ms --format json -o two.json two.jsonl
check metric_selection_only_that_one sh -c "[ \"\$(jq -c '.metrics | keys' two.json)\" = '[\"api_ms\"]' ]"
expect_exit 2 unknown_metric_is_usage pr-trend --metric nope two.jsonl

# --- records out of time order are sorted; malformed lines skipped by number -------
$PY -c 'import random,sys; l=open("reg.jsonl").readlines(); random.Random(1).shuffle(l); open("shuf.jsonl","w").writelines(l)'
pr-trend --format json shuf.jsonl >shuf.json 2>/dev/null
check shuffled_lines_same_result sh -c "[ \"\$(jq -c '.metrics' shuf.json)\" = \"\$(jq -c '.metrics' a.json)\" ]"
{ sed -n 1,2p reg.jsonl; echo '{not json'; sed -n 3,4p reg.jsonl; echo '{"schema":"pr-tools/bench/1","time":"2026-11-01T00:00:00Z","metric":"x","unit":"ms","better":"lower"}';
  echo '{"schema":"pr-tools/history/1","time":"2026-11-01T00:00:00Z","metric":"cold_ms","unit":"ms","better":"lower","p50":"fast"}';
  echo; sed -n '5,$p' reg.jsonl; } >bad.jsonl
expect_exit 1 malformed_lines_do_not_stop_the_analysis pr-trend --format json -o bad.json bad.jsonl
check malformed_json_line_3_named grep -q 'bad.jsonl:3: skipped: not a JSON object' "$T/err"
check wrong_schema_line_6_named grep -q 'bad.jsonl:6: skipped: schema' "$T/err"
check wrong_type_line_7_named grep -q 'bad.jsonl:7: skipped: p50: expected a number' "$T/err"
check empty_line_8_named grep -q 'bad.jsonl:8: skipped: empty line' "$T/err"
check skipped_lines_counted sh -c "[ \"\$(jq -r .skipped_lines bad.json)\" = 4 ] && [ \"\$(jq -r .metrics.cold_ms.points bad.json)\" = 72 ]"

# --- text, Markdown and GitHub Actions ------------------------------------------------
run pr-trend --format markdown reg.jsonl
check markdown_table_with_sparkline sh -c "grep -q '^### pr-trend: fail' '$T/out' && grep -q '| cold\\\\_ms | 72 | .*▁' '$T/out'"
: >gh.out
: >gh.md
run env GITHUB_ACTIONS=true GITHUB_OUTPUT=gh.out GITHUB_STEP_SUMMARY=gh.md pr-trend --format text reg.jsonl
check github_outputs sh -c "grep -qx verdict=fail gh.out && grep -qx regressions=1 gh.out"
check github_summary grep -q '^### pr-trend: fail' gh.md
check github_error_annotation grep -q '^::error.*cold_ms: regressed' "$T/err"
