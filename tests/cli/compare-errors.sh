#!/bin/sh
# compare-errors.sh: every malformed input gets exit 3 and exactly one line
# on stderr naming the file, never a crash or a hang; bad options exit 2.
. "$(dirname "$0")/lib.sh"

# A stuck program is killed after this many seconds, and the test fails.
LIMIT_S=20

cd "$T" || exit 1
$PY "$FIX/gen_bench.py" --seed 1 home=100 >good.json

# bad_input NAME FILE [FIRST]: pr-compare FILE good.json (or good.json FILE
# when FIRST is "after") exits 3 with one stderr line naming FILE.
bad_input() {
	_n=$1 _f=$2
	if [ "${3:-}" = after ]; then
		run timeout $LIMIT_S pr-compare good.json "$_f"
	else
		run timeout $LIMIT_S pr-compare "$_f" good.json
	fi
	if [ "$rc" -ne 3 ]; then
		fail "$_n" "exit $rc, expected 3; stderr: $(head -c 300 "$T/err")"
	elif ! one_line "$T/err"; then
		fail "$_n" "stderr has $(wc -l <"$T/err") lines: $(head -c 300 "$T/err")"
	elif ! grep -qF -- "$_f" "$T/err"; then
		fail "$_n" "stderr does not name $_f: $(cat "$T/err")"
	elif [ -s "$T/out" ]; then
		fail "$_n" "something on stdout"
	else
		pass "$_n"
	fi
}

# doc NAME JQ: good.json changed by a jq filter, written to NAME.
doc() { jq "$2" good.json >"$1"; }

: >empty.json
bad_input empty_file_is_bad_input empty.json
echo 'this is not json' >notjson.json
bad_input not_json_is_bad_input notjson.json
head -c 200 good.json >truncated.json
bad_input truncated_json_is_bad_input truncated.json
bad_input truncated_json_after_is_bad_input truncated.json after
doc qa.json '.schema = "pr-tools/qa/1"'
bad_input wrong_schema_is_bad_input qa.json
doc v2.json '.schema = "pr-tools/bench/2"'
bad_input unknown_major_version_is_bad_input v2.json
check unknown_major_version_message_says_version grep -q 'major version 2' err
doc noschema.json 'del(.schema)'
bad_input missing_schema_is_bad_input noschema.json
echo '[1, 2, 3]' >array.json
bad_input array_document_is_bad_input array.json
doc nometrics.json 'del(.metrics)'
bad_input missing_metrics_is_bad_input nometrics.json
doc metricsarray.json '.metrics = [1]'
bad_input metrics_not_an_object_is_bad_input metricsarray.json
doc metricnum.json '.metrics.home = 5'
bad_input metric_not_an_object_is_bad_input metricnum.json
doc samplesstr.json '.metrics.home.samples = "fast"'
bad_input samples_a_string_is_bad_input samplesstr.json
check samples_a_string_message_names_field grep -q 'metrics.home.samples' err
doc samplestr.json '.metrics.home.samples[3] = "12"'
bad_input sample_a_string_is_bad_input samplestr.json
doc summarystr.json '.metrics.home.summary = "quick"'
bad_input summary_not_an_object_is_bad_input summarystr.json
doc nounit.json 'del(.metrics.home.unit)'
bad_input missing_unit_is_bad_input nounit.json
doc better.json '.metrics.home.better = "faster"'
bad_input unknown_better_is_bad_input better.json
doc negative.json '.metrics.home.samples[0] = -5'
bad_input negative_sample_is_bad_input negative.json
doc negsummary.json 'del(.metrics.home.samples) | .metrics.home.summary.p50 = -1'
bad_input negative_summary_is_bad_input negsummary.json
doc nodata.json 'del(.metrics.home.samples) | del(.metrics.home.summary)'
bad_input metric_without_data_is_bad_input nodata.json
sed 's/"samples": \[[0-9.]*/"samples": [1e999/' good.json >inf.json
check infinite_fixture_made grep -q 1e999 inf.json
bad_input non_finite_sample_is_bad_input inf.json
jq -c 'del(.metrics.home.samples, .metrics.home.phases)' good.json | sed 's/"p50":[0-9.]*/"p50":1e999/' >infsum.json
check infinite_summary_fixture_made grep -q '"p50":1e999' infsum.json
bad_input non_finite_summary_is_bad_input infsum.json
jq -c . good.json | sed 's/"metrics":{/"metrics":{"home":{"unit":"ms","samples":[1]},/' >dup.json
check duplicate_fixture_made test "$(grep -o '"home":' dup.json | wc -l)" -eq 2
bad_input duplicate_metric_is_bad_input dup.json
head -c 100000 /dev/zero | tr '\0' '[' >nested.json
bad_input absurd_nesting_is_bad_input nested.json
head -c 4096 /dev/urandom >binary.json
printf '\0\1\2' >>binary.json
bad_input binary_data_is_bad_input binary.json
mkdir dir.json
bad_input directory_is_bad_input dir.json
bad_input missing_file_is_bad_input no-such-file.json
bad_input missing_after_file_is_bad_input no-such-file.json after

run timeout $LIMIT_S pr-compare - - </dev/null
check both_stdin_exits_3 test "$rc" -eq 3
check both_stdin_one_line one_line err
check both_stdin_names_stdin grep -q stdin err
run sh -c "timeout $LIMIT_S pr-compare - good.json <notjson.json"
check stdin_errors_name_stdin sh -c "test $rc -eq 3 && grep -q '<stdin>' '$T/err'"

# --- options: exit 2 and one line ---------------------------------------------
usage() {
	_n=$1
	shift
	run timeout $LIMIT_S pr-compare "$@"
	if [ "$rc" -eq 2 ] && one_line "$T/err"; then
		pass "$_n"
	else
		fail "$_n" "exit $rc, $(wc -l <"$T/err") stderr lines: $(head -c 300 "$T/err")"
	fi
}
usage alpha_2_is_usage_error --alpha 2 good.json good.json
usage alpha_0_is_usage_error --alpha 0 good.json good.json
usage threshold_abc_is_usage_error --threshold abc good.json good.json
usage threshold_5_without_percent_is_usage_error --threshold 5 good.json good.json
usage threshold_negative_is_usage_error --threshold -5% good.json good.json
usage format_xml_is_usage_error --format xml good.json good.json
usage fail_on_sometimes_is_usage_error --fail-on sometimes good.json good.json
usage one_positional_is_usage_error good.json
usage three_positionals_is_usage_error good.json good.json good.json
usage no_arguments_is_usage_error
check usage_error_names_option sh -c "pr-compare --alpha 2 good.json good.json 2>&1 | grep -q -- '--alpha 2'"
expect_exit 0 help_exits_0 pr-compare --help
check help_lists_every_option sh -c "for o in alpha threshold fail-on format output plot log help version; do grep -q -- \"--\$o\" '$T/out' || exit 1; done"
run pr-compare --version
check version_line test "$(cat out)" = "pr-compare 0.1.0"

# A file that cannot be written: exit 4, one line.
run pr-compare --plot /nonexistent-dir/x.svg good.json good.json
check unwritable_plot_is_external_error sh -c "test $rc -eq 4 && test \$(wc -l <'$T/err') -eq 1"
