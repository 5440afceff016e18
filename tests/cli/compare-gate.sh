#!/bin/sh
# compare-gate.sh: pr-compare as a release gate.  The simulation of
# bench/compare-gate.sh at fewer trials, with other seeds and distributions
# than the issue's (the limits keep a safe margin from what it measures);
# --quantiles, --correction, --budget, --fail-on inconclusive, the compare
# config section, GitHub outputs, their errors; and 20,000 metrics a side.
# shellcheck disable=SC2046 # set -- $(...) splits the figures into $1 $2 on purpose
. "$(dirname "$0")/lib.sh"

LIMIT_S=30
cd "$T" || exit 1

# --- the simulation: counts from bench/compare-gate.sh ------------------------
# field LINE N: the N-th "a/b" figure of a line, as "a b".
figure() { echo "$1" | grep -oE '[0-9]+/[0-9]+' | sed -n "${2}p" | tr / ' '; }
# at_most / at_least A B LIMIT: a of b is at most / at least LIMIT (a fraction).
at_most() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a <= l * b) }'; }
at_least() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a >= l * b) }'; }

for dist in gamma pareto; do
	out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.5 --seed 11 --dist $dist aa8 2>&1)
	set -- $(figure "$out" 1)
	check "aa8_${dist}_fails_${1}_of_${2}_good_releases" at_most "$1" "$2" 0.08
done
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.3 --seed 12 --dist gamma one15 2>&1)
set -- $(figure "$out" 4)
check "one15_gamma_never_unchanged_(${1}_of_${2})" test "$1" -eq 0
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.3 --seed 13 --dist pareto one15n300 2>&1)
set -- $(figure "$out" 1)
check "one15n300_pareto_regressed_${1}_of_${2}" at_least "$1" "$2" 0.85
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 1 --seed 14 tail 2>&1)
set -- $(figure "$out" 1)
check "tail_2000_fails_${1}_of_${2}" at_least "$1" "$2" 0.9
set -- $(figure "$out" 2)
check "tail_2000_aa_passes_${1}_of_${2}" at_least "$1" "$2" 0.9
# A wider body: about 88 % of A/A pairs are shown unchanged, the rest
# inconclusive (never failed); the limit guards the rate against losing power.
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.7 --seed 17 --dist gamma tailwide 2>&1)
set -- $(figure "$out" 1)
check "tailwide_gamma_fails_${1}_of_${2}" at_least "$1" "$2" 0.9
set -- $(figure "$out" 2)
check "tailwide_gamma_aa_passes_${1}_of_${2}" at_least "$1" "$2" 0.6
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.3 --seed 15 --dist gamma tailhist 2>&1)
set -- $(figure "$out" 1)
check "tail_histograms_fail_${1}_of_${2}" at_least "$1" "$2" 0.9
set -- $(figure "$out" 2)
check "tail_histograms_aa_passes_${1}_of_${2}" at_least "$1" "$2" 0.9
out=$("$PR_ROOT/bench/compare-gate.sh" --trials-scale 0.5 --seed 16 errors 2>&1)
set -- $(figure "$out" 1)
check "errors_05_to_3pct_regressed_${1}_of_${2}" at_least "$1" "$2" 0.9
set -- $(figure "$out" 2)
check "errors_05_to_06pct_regressed_${1}_of_${2}" at_most "$1" "$2" 0.1

# --- documents for the options --------------------------------------------------
$PY - <<'EOF'
import json, math, random
r = random.Random(5)
def lat(n, med, tail=0.0):
    return [round(med * math.exp(r.gauss(0, 0.2)) * (3 if r.random() < tail else 1), 3) for _ in range(n)]
def m(xs, errors=0):
    return {"unit": "ms", "better": "lower", "samples": xs, "errors": {"total": errors}}
def doc(name, metrics):
    json.dump({"schema": "pr-tools/bench/1.1", "metrics": metrics}, open(name, "w"))
doc("base.json", {"api": m(lat(2000, 40), 10), "home": m(lat(2000, 20))})
doc("same.json", {"api": m(lat(2000, 40), 10), "home": m(lat(2000, 20))})
doc("tail.json", {"api": m(lat(2000, 40, 0.1), 10), "home": m(lat(2000, 20))})
doc("errs.json", {"api": m(lat(2000, 40), 60), "home": m(lat(2000, 20))})
doc("few1.json", {"api": m(lat(20, 40))})
doc("few2.json", {"api": m(lat(20, 40))})
EOF

expect_exit 0 same_release_passes pr-compare base.json same.json
check same_release_verdict_pass test "$(jget out .verdict)" = pass
check same_release_unchanged_everywhere test "$(jq -r '[.metrics[].verdict] | unique | join(",")' out)" = unchanged
check settings_record_holm_and_family test "$(jq -r '.settings | [.correction, .tests] | @tsv' out)" = "holm	5"
check every_test_has_raw_and_adjusted_p \
	test "$(jq -r '[.metrics[].tests[] | select(.kind != "budget") | (.p_adjusted >= .p_value)] | all' out)" = true
check compare_document_validates validate compare out
expect_exit 1 tail_release_fails pr-compare base.json tail.json
check tail_is_a_p95_regression test "$(jq -r '.metrics.api.tests[] | select(.quantile == "p95") | .verdict' out)" = regressed
check tail_median_not_regressed test "$(jq -r '.metrics.api.tests[] | select(.quantile == "p50") | .verdict' out)" != regressed
expect_exit 1 error_rate_increase_fails pr-compare base.json errs.json
check error_rate_test_regressed \
	test "$(jq -r '.metrics.api.tests[] | select(.kind == "error_rate") | [.verdict, .method] | @tsv' out)" = "regressed	fisher-exact"

# Too little data: inconclusive, exit 0, a warning, the n that would settle it.
: >gh.out
run env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" pr-compare few1.json few2.json
check few_samples_exit_0 test "$rc" -eq 0
check few_samples_inconclusive test "$(jget out .verdict)" = inconclusive
check few_samples_warn_annotation grep -q '^::warning title=pr-compare::inconclusive' err
check few_samples_say_samples_needed test "$(jq -r '.metrics.api.tests[0] | (.samples_needed > 20 and .min_detectable > 0.05)' out)" = true
check github_outputs_verdict_regressed_inconclusive \
	sh -c "grep -qx 'verdict=inconclusive' gh.out && grep -qx 'regressed=0' gh.out && grep -qx 'inconclusive=1' gh.out"
expect_exit 1 fail_on_inconclusive_exits_1 pr-compare --fail-on inconclusive few1.json few2.json
check fail_on_inconclusive_verdict_fail test "$(jget out .verdict)" = fail

# --quantiles and --correction
run pr-compare --quantiles 50,90,99 base.json same.json
check quantiles_50_90_99_judged test "$(jq -r '[.metrics.api.tests[] | .quantile // empty] | join(",")' out)" = p50,p90,p99
run pr-compare --correction none base.json tail.json
check correction_none_leaves_p_raw \
	test "$(jq -r '[.metrics[].tests[] | select(.p_value != null) | .p_value == .p_adjusted] | all' out)" = true
run pr-compare --correction bh base.json tail.json
check correction_bh_recorded test "$(jget out .settings.correction)" = bh

# --budget
expect_exit 1 broken_budget_fails pr-compare --budget 'p95<45ms' base.json same.json
check broken_budget_reason sh -c "jq -r .metrics.api.reason out | grep -q '^budget p95<45ms broken: '"
check global_time_budget_applies_to_every_ms_metric \
	test "$(jq -r '[.metrics[].tests[] | select(.kind == "budget")] | length' out)" = 2
expect_exit 0 held_budget_passes pr-compare --budget 'api:p99<1s' --budget 'errors<1%' base.json same.json
expect_exit 1 errors_budget_broken pr-compare --budget 'errors<1%' base.json errs.json
run pr-compare --format text --budget 'p95<45ms' base.json same.json
check text_shows_broken_budget grep -qE '^ +budget +p95<45ms .* broken ' out

# The compare section of pr-tools.json (-f), flags winning.
cat >cfg.json <<'EOF'
{"compare": {"quantiles": [50, 99], "correction": "bh", "threshold": "10%",
             "metrics": {"api": {"budgets": ["p50<30ms"]}}}}
EOF
expect_exit 1 config_budget_applies pr-compare -f cfg.json base.json same.json
check config_settings_apply test "$(jq -r '.settings | [.correction, .threshold, (.quantiles | join(","))] | @tsv' out)" = "bh	0.1	50,99"
run pr-compare -f cfg.json --correction holm base.json same.json
check flag_wins_over_config test "$(jget out .settings.correction)" = holm

# ./pr-tools.json is read without -f only when it has a compare section:
# a compare step need not hold the other sections' secrets.
mkdir implicit implicit2
echo '{"bench": {"metrics": [{"id": "a", "url": "${UNSET_PR_TEST_VAR}/"}]}}' >implicit/pr-tools.json
run sh -c "cd implicit && pr-compare ../base.json ../same.json"
check default_config_without_compare_is_not_read test "$rc" -eq 0
echo '{"compare": {"budgets": ["p50<30ms"]}}' >implicit2/pr-tools.json
run sh -c "cd implicit2 && pr-compare ../base.json ../same.json"
check default_config_compare_section_applies sh -c "test $rc -eq 1 && jq -r .metrics.api.reason out | grep -q 'budget p50<30ms broken'"

# --- errors: exit 2 for flags, 3 for documents and config, one line each --------
usage() {
	_n=$1 _want=$2
	shift 2
	run timeout $LIMIT_S pr-compare "$@"
	if [ "$rc" -eq "$_want" ] && one_line "$T/err" && [ ! -s "$T/out" ]; then
		pass "$_n"
	else
		fail "$_n" "exit $rc (want $_want), $(wc -l <"$T/err") stderr lines: $(head -c 300 "$T/err")"
	fi
}
usage quantile_0_is_usage_error 2 --quantiles 0 base.json same.json
usage quantile_100_is_usage_error 2 --quantiles 50,100 base.json same.json
usage quantile_abc_is_usage_error 2 --quantiles abc base.json same.json
usage correction_bonferroni_is_usage_error 2 --correction bonferroni base.json same.json
usage budget_without_unit_is_usage_error 2 --budget 'p95<500' base.json same.json
usage budget_without_operator_is_usage_error 2 --budget 'p95' base.json same.json
usage budget_unknown_stat_is_usage_error 2 --budget 'speed<1s' base.json same.json
usage budget_unknown_metric_is_usage_error 2 --budget 'nosuch:p95<1s' base.json same.json
check unknown_budget_metric_named grep -q 'nosuch' err
usage budget_unit_mismatch_is_usage_error 2 --budget 'api:p95<100rps' base.json same.json
usage fail_on_maybe_is_usage_error 2 --fail-on maybe base.json same.json
echo '{"compare": {"quantiles": [0]}}' >badq.json
usage config_bad_quantile_is_input_error 3 -f badq.json base.json same.json
check config_error_names_field grep -q 'compare.quantiles' err
echo '{"compare": {"budgets": ["p95<<1s"]}}' >badb.json
usage config_bad_budget_is_input_error 3 -f badb.json base.json same.json
echo '{"compare": {"metrics": {"nosuch": {"budgets": ["p95<1s"]}}}}' >badm.json
usage config_unknown_metric_is_input_error 3 -f badm.json base.json same.json
echo '{"compare": {"corection": "bh"}}' >badf.json
usage config_unknown_field_is_input_error 3 -f badf.json base.json same.json
echo '{"compare": {"correction": "bonferroni"}}' >badc.json
usage config_bad_correction_is_input_error 3 -f badc.json base.json same.json
run pr-compare --help
check help_lists_gate_options sh -c "for o in quantiles correction budget config; do grep -q -- \"--\$o\" '$T/out' || exit 1; done"

# --- 5,000 and 20,000 metrics a side: linear time (issue 12) ---------------------
# Four times the metrics must take about four times as long (today's
# quadratic matching took 9.5 times); the best of two runs, so that a busy
# machine does not decide.  The ratio holds under valgrind too.
$PY - <<'EOF'
import json
for n in (5000, 20000):
    for side, k in (("b", 0), ("a", 1)):
        m = {"metric-%05d" % i: {"unit": "ms", "better": "lower", "samples": [10 + (i + j + k) % 7 for j in range(6)]}
             for i in range(n)}
        json.dump({"schema": "pr-tools/bench/1", "metrics": m}, open("many%d-%s.json" % (n, side), "w"))
EOF
# best_secs N: the faster of two comparisons of N metrics a side.
best_secs() {
	_best=
	for _i in 1 2; do
		_s=$(date +%s.%N)
		run timeout $LIMIT_S pr-compare many$1-b.json many$1-a.json
		_e=$(date +%s.%N)
		_best=$(awk -v a="$_s" -v b="$_e" -v m="$_best" 'BEGIN { t = b - a; if (m != "" && m < t) t = m; printf "%.3f", t }')
	done
	echo "$_best"
}
t5=$(best_secs 5000)
t20=$(best_secs 20000)
# (The runs above were in a subshell: the last one's output is in out.)
check "20000_metrics_all_compared" test "$(jq '.metrics | length' out)" -eq 20000
ratio=$(awk -v a="$t5" -v b="$t20" 'BEGIN { printf "%.1f", b / a }')
check "4x_metrics_take_${ratio}x_time_(${t5}s_vs_${t20}s)" awk -v r="$ratio" 'BEGIN { exit !(r < 7) }'
