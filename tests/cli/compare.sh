#!/bin/sh
# compare.sh: pr-compare end to end on generated bench documents: verdicts,
# formats, stdin, --fail-on, one-sided and summary-only metrics, the SVG
# picture, GitHub Actions outputs and byte-identical reruns.  The gate's
# statistics (quantiles, corrections, budgets) are in compare-gate.sh.
. "$(dirname "$0")/lib.sh"

gen() { $PY "$FIX/gen_bench.py" "$@"; }
export SOURCE_DATE_EPOCH=1767225600

# home gets 20 % faster, api 20 % slower, rps stays; gone and new are one-sided.
# 200 samples a side: enough to bound p95 as well as p50.
gen --seed 1 --samples 200 --label before home=100,sigma=0.1 api=50,sigma=0.1 gone=10 rps=1000,unit=rps,sigma=0.05 >"$T/base.json"
gen --seed 2 --samples 200 --label after home=80,sigma=0.1 api=60,sigma=0.1 new=10 rps=1000,unit=rps,sigma=0.05 >"$T/after.json"
check fixture_documents_fit_bench_schema validate bench "$T/base.json"

cd "$T" || exit 1

# --- the JSON document ------------------------------------------------------
expect_exit 1 regression_exits_1 pr-compare base.json after.json
cp out cmp.json
check json_is_default_when_piped test "$(jget cmp.json .schema)" = pr-tools/compare/2
check output_validates_against_compare_schema validate compare cmp.json
check faster_latency_is_improved test "$(jget cmp.json .metrics.home.verdict)" = improved
check slower_latency_is_regressed test "$(jget cmp.json .metrics.api.verdict)" = regressed
check steady_rps_is_unchanged test "$(jget cmp.json .metrics.rps.verdict)" = unchanged
check top_level_verdict_fails test "$(jget cmp.json .verdict)" = fail
check metric_only_in_baseline_is_listed \
	test "$(jget cmp.json '.metrics.gone | [.verdict, (.after == null), (.baseline.n)] | @tsv')" = "only_baseline	true	200"
check metric_only_after_is_listed \
	test "$(jget cmp.json '.metrics.new | [.verdict, (.baseline == null)] | @tsv')" = "only_after	true"
# The change is written to 0.01 % (4 decimals), the medians to the microsecond.
check change_is_relative_median_change \
	test "$(jq -r '.metrics.home | ((.after.p50 / .baseline.p50 - 1) - .change | fabs < 1e-4)' cmp.json)" = true
check ci_brackets_a_negative_change_for_improved \
	test "$(jq -r '.metrics.home | (.ci[0] < .ci[1] and .ci[1] < 0 and .p_value < 0.05 and .test == "quantile-order-statistics")' cmp.json)" = true
check inputs_are_named_with_labels \
	test "$(jq -r '[.baseline.file, .baseline.label, .after.file, .after.label] | @tsv' cmp.json)" = "base.json	before	after.json	after"
check settings_are_recorded \
	test "$(jq -c .settings cmp.json)" = '{"alpha":0.05,"threshold":0.05,"fail_on":"regression","correction":"holm","tests":6,"quantiles":[50,95],"budgets":[]}'
check each_metric_has_one_line_reason \
	test "$(jq -r '[.metrics[].reason | select(length > 0 and (contains("\n") | not))] | length' cmp.json)" = 5

# --- --fail-on, --threshold, --alpha ----------------------------------------
expect_exit 0 fail_on_none_never_exits_1 pr-compare --fail-on none base.json after.json
check fail_on_none_verdict_pass test "$(jget out .verdict)" = pass
gen --seed 1 home=100,sigma=0.1 gone=10 >one.json
gen --seed 2 home=100,sigma=0.1 new=10 >two.json
expect_exit 0 one_sided_metrics_pass_by_default pr-compare one.json two.json
expect_exit 1 fail_on_any_fails_on_one_sided_metric pr-compare --fail-on any one.json two.json
expect_exit 0 threshold_30pct_hides_20pct_change pr-compare --threshold 30% base.json after.json
check threshold_fraction_recorded test "$(pr-compare --threshold 0.3 base.json after.json | jq .settings.threshold)" = 0.3
run pr-compare --threshold 30% base.json after.json
# +20 % with an interval inside +-30 %: shown unchanged at that threshold.
check change_bounded_within_threshold_is_unchanged test "$(jget out .metrics.api.verdict)" = unchanged
expect_exit 0 tiny_alpha_finds_nothing_significant pr-compare --alpha 1e-100 base.json after.json
check tiny_alpha_leaves_it_inconclusive test "$(jget out .verdict)" = inconclusive
run pr-compare --alpha 0.01 base.json after.json
check interval_follows_alpha test "$(jq -r '.metrics.home.tests[0].reason | contains("99% CI")' out)" = true

# --- text and Markdown ------------------------------------------------------
run pr-compare --format text base.json after.json
cp out table.txt
check text_table_has_header grep -q '^metric  *stat  *baseline  *after  *change \[CI\]  *p (adj)  *verdict$' table.txt
check text_table_has_p50_and_p95 sh -c "grep -qE '^home +p50 ' table.txt && grep -qE '^ +p95 ' table.txt"
check text_table_has_every_metric sh -c "for m in home api gone rps new; do grep -q \"^\$m \" table.txt || exit 1; done"
check text_table_fits_80_columns test "$(awk '{ if (length($0) > n) n = length($0) } END { print n }' table.txt)" -le 90
check text_table_verdict_line grep -qx 'fail: 1 improved, 1 regressed, 1 unchanged, 0 inconclusive, 1 only baseline, 1 only after' table.txt
check text_row_shows_change_and_ci grep -qE '^home +p50 .* -[0-9.]+% \[-[0-9.]+, -[0-9.]+\] +<0.001 +improved$' table.txt
check no_colour_when_not_a_terminal sh -c "! grep -q \"\$(printf '\\033')\" table.txt"
# A terminal: script(1) gives the program a pty for stdout and stderr.
script -qec "pr-compare base.json after.json" /dev/null >tty.txt 2>&1
check text_is_default_on_a_terminal grep -q 'change \[CI\]' tty.txt
check colour_on_a_terminal sh -c "grep -q \"\$(printf '\\033')\\[32mimproved\" tty.txt && grep -q \"\$(printf '\\033')\\[31mregressed\" tty.txt"
NO_COLOR=1 script -qec "pr-compare base.json after.json" /dev/null >tty2.txt 2>&1
check no_colour_with_NO_COLOR sh -c "grep -q 'change \[CI\]' tty2.txt && ! grep -q \"\$(printf '\\033')\\[3\" tty2.txt"

run pr-compare --format markdown base.json after.json
cp out table.md
check markdown_has_heading grep -q '^### pr-compare: fail$' table.md
check markdown_has_table_header grep -q '^| metric | stat | baseline | after | change \[CI\] | p (adj) | verdict |$' table.md
check markdown_row_per_metric test "$(grep -c '^| [a-z]' table.md)" -eq 6
check markdown_row_per_quantile test "$(grep -c '^|  | p95 |' table.md)" -eq 2
check throughput_judged_on_its_slow_tail grep -q '^|  | p5 |' table.md
check markdown_marks_regression grep -q '^| api | p50 |.*| \*\*regressed\*\* |$' table.md

# --- stdin ------------------------------------------------------------------
run sh -c "pr-compare - after.json <base.json"
check stdin_baseline_compares sh -c "test \"\$(jq -r .metrics.home.verdict '$T/out')\" = improved && test \"\$(jq -r .baseline.file '$T/out')\" = -"
run sh -c "cat after.json | pr-compare base.json -"
check stdin_after_compares test "$(jget out .metrics.api.verdict)" = regressed

# --- summary-only (load mode) documents ---------------------------------------
gen --seed 3 --summary-only --samples 2000 home=100,sigma=0.2 api=50 rps=800,unit=rps >load1.json
gen --seed 4 --summary-only --samples 2000 home=70,sigma=0.2 api=51 rps=1000,unit=rps >load2.json
check load_fixture_fits_bench_schema validate bench load1.json
expect_exit 0 summary_only_compare_runs pr-compare load1.json load2.json
cp out load.json
# Latency metrics carry histograms: quantile tests on their buckets, with
# intervals.  The rps metric has only a summary (pr-bench 0.1): no test.
check histograms_get_quantile_tests \
	test "$(jq -r '[.metrics.home, .metrics.api] | map(.test == "quantile-histogram-buckets" and (.p_value | type) == "number" and (.ci | length) == 2) | all' load.json)" = true
check histogram_test_finds_the_30pct_drop test "$(jq -r '.metrics.home.p_value < 0.001' load.json)" = true
check summary_only_has_no_test \
	test "$(jq -r '.metrics.rps | (.test == "none" and .p_value == null and .ci == null)' load.json)" = true
check summary_only_compares_medians \
	test "$(jq -r '[.metrics.home.verdict, .metrics.rps.verdict] | @tsv' load.json)" = "improved	improved"
check summary_only_reason_says_no_test sh -c "jq -r .metrics.rps.reason '$T/load.json' | grep -q 'no samples, so no test'"
check histogram_reason_names_p95 sh -c "jq -r '.metrics.home.tests[1].reason' '$T/load.json' | grep -q '^p95 '"
check summary_only_validates validate compare load.json
run pr-compare --format text load1.json load2.json
check summary_only_text_explains sh -c "grep -q '^rps: p50' '$T/out' && grep -q 'no samples, so' '$T/out'"
expect_exit 1 samples_against_histogram_compares_quantiles pr-compare base.json load2.json
check mixed_sides_use_buckets test "$(jget out .metrics.home.test)" = quantile-histogram-buckets

# --- units that differ --------------------------------------------------------
gen --seed 5 x=100 >ms.json
gen --seed 6 x=100,unit=rps >rps.json
expect_exit 0 differing_units_do_not_fail_by_default pr-compare ms.json rps.json
check differing_units_are_not_compared sh -c "test \"\$(jq -r .metrics.x.verdict '$T/out')\" = unchanged && jq -r .metrics.x.reason '$T/out' | grep -q 'not compared: baseline is ms'"
expect_exit 1 differing_units_fail_with_fail_on_any pr-compare --fail-on any ms.json rps.json

# --- the picture --------------------------------------------------------------
mkdir plotdir
expect_exit 1 plot_is_written pr-compare --plot plotdir/cmp.svg base.json after.json
check plot_is_well_formed_xml $PY -c "import xml.etree.ElementTree as E; E.parse('plotdir/cmp.svg')"
check plot_names_every_metric $PY -c "
import xml.etree.ElementTree as E, sys
t = ' '.join(''.join(e.itertext()) for e in E.parse('plotdir/cmp.svg').iter('{http://www.w3.org/2000/svg}text'))
sys.exit(0 if all(m in t for m in ('home', 'api', 'gone', 'rps', 'new')) else 1)"
check plot_marks_medians test "$(grep -c '<title>[a-z]* median</title>' plotdir/cmp.svg)" -eq 8
check plot_leaves_no_temporary_files test "$(ls plotdir)" = cmp.svg
expect_exit 0 plot_of_summary_only_documents pr-compare --plot load.svg load1.json load2.json
check plot_of_summary_only_is_xml $PY -c "import xml.etree.ElementTree as E; E.parse('load.svg')"

# --- --output, OUTPUT_JSON ----------------------------------------------------
run pr-compare --format text -o saved.json base.json after.json
check output_file_holds_json_under_text_format sh -c "grep -q 'change \[CI\]' '$T/out' && test \"\$(jq -r .schema '$T/saved.json')\" = pr-tools/compare/2"
run env OUTPUT_JSON=env.json pr-compare base.json after.json
check OUTPUT_JSON_writes_the_document cmp -s out env.json

# --- GitHub Actions -----------------------------------------------------------
: >gh.out
: >gh.sum
run env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" GITHUB_STEP_SUMMARY="$T/gh.sum" pr-compare base.json after.json
check github_output_has_verdict_and_counts sh -c "grep -qx 'verdict=fail' '$T/gh.out' && grep -qx 'regressed=1' '$T/gh.out' && grep -qx 'inconclusive=0' '$T/gh.out'"
check github_summary_has_markdown_table grep -q '^| api |' gh.sum

# --- reruns are byte-identical ------------------------------------------------
for fmt in json text markdown; do
	pr-compare --format $fmt --plot r1.svg base.json after.json >r1.$fmt 2>/dev/null
	pr-compare --format $fmt --plot r2.svg base.json after.json >r2.$fmt 2>/dev/null
	check rerun_gives_identical_$fmt cmp -s r1.$fmt r2.$fmt
done
check rerun_gives_identical_svg cmp -s r1.svg r2.svg
check created_at_honours_SOURCE_DATE_EPOCH test "$(jget r1.json .created_at)" = 2026-01-01T00:00:00Z

# --- logs -----------------------------------------------------------------------
mkdir logrun
(cd logrun && QA_LOG=1 pr-compare ../base.json ../after.json >/dev/null 2>&1)
check QA_LOG_writes_a_log_file sh -c "ls logrun/logs/pr-compare-*.log >/dev/null 2>&1"
