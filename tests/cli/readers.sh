#!/bin/sh
# readers.sh: documents, configs and flags that once slipped through the
# readers (issue 12, item 17): schema versions spelled "+1", " 1" or "01",
# ids that are not UTF-8, white space alone, and hex numbers in options.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

$PY "$FIX/gen_bench.py" --seed 1 home=100 >good.json
# bad_input NAME WANT FILE: pr-compare refuses FILE with exit 3 and one line
# that says WANT.
bad_input() {
	rm -f "$T/plot.svg"
	expect_exit 3 "$1" pr-compare --format json --plot "$T/plot.svg" good.json "$3"
	check "$1_one_line" one_line "$T/err"
	check "$1_says_why" grep -q "$2" "$T/err"
	check "$1_no_plot" [ ! -e "$T/plot.svg" ]
}

for v in '+1' ' 1' '01' '1 ' '0x1'; do
	jq --arg v "$v" '.schema = "pr-tools/bench/" + $v' good.json >schema.json
	bad_input "schema_major_$(printf %s "$v" | tr ' +' '_p')_is_refused" 'no major version' schema.json
done

printf ' \n\t\r\n  ' >blank.json
bad_input white_space_is_an_empty_document 'empty document' blank.json
check white_space_is_not_a_nesting_error sh -c "! grep -q nesting '$T/err'"

# A metric id with a byte that is not UTF-8 (0xff), in a document and in a
# qa config.
sed 's/"home"/"ho\xffme"/' good.json >latin.json
check latin_fixture_made grep -q "$(printf 'ho\377me')" latin.json
bad_input non_utf8_id_in_document_is_refused 'invalid UTF-8' latin.json
expect_exit 3 non_utf8_id_refused_by_merge pr-bench merge good.json latin.json
check non_utf8_id_refused_by_merge_one_line one_line "$T/err"
printf '{"qa": {"checks": [{"name": "h\377", "url": "http://127.0.0.1:1/"}]}}\n' >qa.json
expect_exit 3 non_utf8_check_name_in_config_is_bad_input pr-qa -f qa.json
check non_utf8_check_name_in_config_says_utf8 grep -q 'UTF-8' "$T/err"
printf '{"qa": {"checks": [{"name": "${CHECK_NAME}", "url": "http://127.0.0.1:1/"}]}}\n' >qa-env.json
CHECK_NAME=$(printf 'h\377')
export CHECK_NAME
expect_exit 3 non_utf8_check_name_from_environment_is_bad_input pr-qa -f qa-env.json
check non_utf8_check_name_from_environment_says_utf8 grep -q 'UTF-8' "$T/err"

# The same from flags: a usage error naming it.
expect_exit 2 non_utf8_check_name_flag_is_usage_error pr-qa --check "$(printf 'h\377')=http://127.0.0.1:1/"
check non_utf8_check_name_flag_says_utf8 grep -q 'UTF-8' "$T/err"
check non_utf8_check_name_flag_one_line one_line "$T/err"
expect_exit 2 non_utf8_metric_id_flag_is_usage_error pr-bench -n 1 "$(printf 'h\377')=http://127.0.0.1:1/"
check non_utf8_metric_id_flag_says_utf8 grep -q 'UTF-8' "$T/err"

# Numbers in options are decimal: -d 0x10 was read as 16 s.
for args in '--load -d 0x10' '--load -d 0x10s' '--timeout 0x10' '-n 0x10' '--load --rate 0x10' '--load -d inf' '--load -C +2'; do
	# shellcheck disable=SC2086
	expect_exit 2 "option_$(echo "$args" | tr -c 'a-z0-9\n' _)_is_usage_error" pr-bench $args a=http://127.0.0.1:1/
done
expect_exit 2 compare_alpha_hex_is_usage_error pr-compare --alpha 0x0.1p0 good.json good.json
