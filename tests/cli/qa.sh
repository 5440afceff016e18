#!/bin/sh
# qa.sh: pr-qa end to end against tests/fixtures/qa_app.py.
. "$(dirname "$0")/lib.sh"

CANARY="CANARY-s3ss10n-7f3a91"
TOKEN_CANARY="CANARY-t0ken-55c2e8"

start_fixture qa_app qa_app.py --session "$CANARY"
APP=http://127.0.0.1:$fixture_port
export APP_URL=$APP QA_USER=qa QA_PASSWORD=qa-pass
cd "$T" || exit 1

# A config with one check (JSON text of the check object).
one_check() {
	printf '{"qa": {"base_url": "%s", "timeout": "5s", "checks": [%s]}}\n' "$APP" "$1" >"$T/one.json"
}

# The failures and result of check $1 in $T/out.
failures() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .failures | join("; ")' "$T/out"; }
result() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .result' "$T/out"; }

# "testcases failures errors skipped" of a JUnit file, parsed by xml.etree.
junit_counts() {
	$PY -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(len(r.findall(".//testcase")), len(r.findall(".//testcase/failure")),
      len(r.findall(".//testcase/error")), len(r.findall(".//testcase/skipped")))
' "$1"
}

# --- basics -------------------------------------------------------------
run pr-qa --help
ok_if help_prints_usage_and_exits_0 '[ "$rc" -eq 0 ] && grep -q -- '\''--watch DURATION'\'' "$T/out"'
run pr-qa --version
ok_if version_prints_name_and_version '[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "pr-qa 0.1.0" ]'
expect_exit 2 unknown_option_is_usage_error pr-qa --bogus
expect_exit 2 check_without_equals_is_usage_error pr-qa --check health
expect_exit 2 bad_retries_is_usage_error pr-qa --check h="$APP/health" --retries many
expect_exit 2 no_config_no_checks_is_usage_error pr-qa

# --- the runbook's checklist passes -------------------------------------
run pr-qa -f "$PR_ROOT/ci-examples/config/qa.json" --junit "$T/pass.xml"
cp "$T/out" "$T/pass.json"
if [ "$rc" -eq 0 ] && [ "$(jget "$T/pass.json" .verdict)" = pass ] &&
	[ "$(jget "$T/pass.json" '.summary | "\(.total) \(.passed)"')" = "12 12" ]; then
	pass runbook_checklist_passes_against_the_app
else
	fail runbook_checklist_passes_against_the_app "rc=$rc $(jq -c '[.checks[]|select(.result!="pass")|{name,failures}]' "$T/pass.json" 2>/dev/null)"
fi
check output_validates_against_schema validate qa "$T/pass.json"
check target_is_the_base_url [ "$(jget "$T/pass.json" .target)" = "$APP" ]
check login_reports_captured_name_only [ "$(jget "$T/pass.json" '.checks[1].captured | join(",")')" = session ]
check url_shows_placeholder_not_value \
	[ "$(jget "$T/pass.json" '.checks[] | select(.name=="task_read") | .request.url')" = "$APP/api/tasks/{{task_id}}" ]
check junit_parses_with_12_passing_testcases [ "$(junit_counts "$T/pass.xml")" = "12 0 0 0" ]

# --- each kind of failing expectation ----------------------------------
cat >"$T/fails.json" <<JSON
{"qa": {"base_url": "$APP", "checks": [
 {"name": "status_wrong", "url": "/api/tasks", "expect": {"status": 200}},
 {"name": "json_equals_wrong", "url": "/health", "expect": {"json": {"status": "down"}}},
 {"name": "json_missing", "url": "/health", "expect": {"json": {"data.build": {"exists": true}}}},
 {"name": "body_missing_text", "url": "/text", "expect": {"body_contains": "goodbye"}},
 {"name": "header_wrong", "url": "/text", "expect": {"headers": {"Content-Type": "application/json"}}},
 {"name": "header_missing", "url": "/health", "expect": {"headers": {"X-Request-Id": {"exists": true}}}},
 {"name": "too_slow", "url": "/slow?ms=150", "expect": {"max_latency_ms": 50}},
 {"name": "status_list_ok", "url": "/api/tasks", "expect": {"status": [401, 403]}},
 {"name": "header_prefix_ok", "url": "/text", "expect": {"headers": {"Content-Type": "text/plain"}, "body_contains": "hello"}}
]}}
JSON
run pr-qa -f "$T/fails.json" --junit "$T/fails.xml"
ok_if failing_expectations_exit_1 '[ "$rc" -eq 1 ] && [ "$(jget "$T/out" .verdict)" = fail ]'
check status_mismatch_is_reported [ "$(failures status_wrong)" = "status: expected 200, got 401" ]
check json_equals_mismatch_is_reported [ "$(failures json_equals_wrong)" = 'json status: expected "down", got "ok"' ]
check json_exists_missing_is_reported [ "$(failures json_missing)" = "json data.build: missing" ]
check body_contains_is_reported [ "$(failures body_missing_text)" = 'body: does not contain "goodbye"' ]
check header_mismatch_is_reported \
	[ "$(failures header_wrong)" = 'header Content-Type: expected "application/json", got "text/plain; charset=utf-8"' ]
check header_exists_is_reported [ "$(failures header_missing)" = "header X-Request-Id: missing" ]
case $(failures too_slow) in
"latency: "*" ms is over the 50 ms limit") pass max_latency_is_reported ;;
*) fail max_latency_is_reported "$(failures too_slow)" ;;
esac
check status_list_and_header_prefix_pass [ "$(result status_list_ok) $(result header_prefix_ok)" = "pass pass" ]
check summary_counts_failures [ "$(jget "$T/out" '.summary | "\(.total) \(.passed) \(.failed)"')" = "9 2 7" ]
check failing_output_validates validate qa "$T/out"
check junit_counts_failures [ "$(junit_counts "$T/fails.xml")" = "9 7 0 0" ]
check junit_failure_message_is_the_reason $PY -c '
import sys, xml.etree.ElementTree as ET
f = ET.parse(sys.argv[1]).getroot().find(".//testcase[@name=\"status_wrong\"]/failure")
sys.exit(f is None or f.get("message") != "status: expected 200, got 401")' "$T/fails.xml"

# --- captures and the login flow -----------------------------------------
cat >"$T/flow.json" <<'JSON'
{"qa": {"base_url": "${APP_URL}", "checks": [
 {"name": "login", "method": "POST", "url": "/api/login",
  "json": {"username": "${QA_USER}", "password": "${QA_PASSWORD}"},
  "capture": {"sid": {"cookie": "sid"}, "token": {"json": "data.token"}}},
 {"name": "me_by_cookie", "url": "/api/me", "headers": {"Cookie": "sid={{sid}}"},
  "expect": {"status": 200, "json": {"data.name": "qa"}}},
 {"name": "create_by_bearer", "method": "POST", "url": "/api/tasks",
  "headers": {"Authorization": "Bearer {{token}}"}, "json": {"title": "from {{sid}}"},
  "expect": {"status": 201}, "capture": {"where": {"header": "Location"}, "etag": {"header": "ETag"}}},
 {"name": "read_by_location", "url": "{{where}}", "headers": {"Authorization": "Bearer {{token}}"},
  "expect": {"status": 200, "json": {"data.title": {"contains": "from "}}}}
]}}
JSON
run pr-qa -f "$T/flow.json" --log
cp "$T/out" "$T/flow.out"
cp "$T/err" "$T/flow.err"
ok_if login_flow_passes_with_cookie_token_and_header_captures '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" '\''[.checks[].result] | join(",")'\'')" = "pass,pass,pass,pass" ]'
check captured_names_listed [ "$(jget "$T/out" '.checks[0].captured | join(",")')" = "sid,token" ]
check log_flag_writes_program_named_log ls logs/pr-qa-*.log
# the runbook's name still reaches the same log, as a link
check log_runbook_name_links_to_the_log sh -c 'for l in logs/qa-verify-prod-*.log; do [ -L "$l" ] && cmp -s "$l" "logs/pr-qa-${l#logs/qa-verify-prod-}" || exit 1; done'

# A wrong password: login fails, the checks that need its session are skipped.
QA_PASSWORD=wrong run pr-qa -f "$T/flow.json" --junit "$T/skip.xml"
check failed_login_exits_1_without_crash [ "$rc" -eq 1 ]
check failed_login_reports_status_and_capture \
	[ "$(failures login)" = "status: expected 2xx, got 401; capture sid: no Set-Cookie for sid in the response; capture token: data.token not found in the response" ]
check dependent_check_skipped_with_reason \
	[ "$(result me_by_cookie):$(failures me_by_cookie)" = 'skipped:skipped: needs {{sid}}, which check "login" did not capture' ]
check transitively_dependent_check_skipped [ "$(result read_by_location)" = skipped ]
check skipped_counted_in_summary [ "$(jget "$T/out" '.summary | "\(.failed) \(.skipped)"')" = "1 3" ]
check junit_marks_skipped [ "$(junit_counts "$T/skip.xml")" = "4 1 0 3" ]

# --- secrets never leak -------------------------------------------------
export QA_TOKEN=$TOKEN_CANARY
cat >"$T/secret.json" <<JSON
{"qa": {"base_url": "$APP", "checks": [
 {"name": "login", "method": "POST", "url": "/api/login", "json": {"username": "qa", "password": "qa-pass"},
  "capture": {"sid": {"cookie": "sid"}, "tok": {"json": "data.token"}}, "expect": {"json": {"data.token": "nope"}}},
 {"name": "bad_bearer", "url": "/api/me", "headers": {"Authorization": "Bearer \${QA_TOKEN}"}, "expect": {"status": 200}},
 {"name": "token_in_url", "url": "/api/me/{{sid}}?token={{sid}}", "headers": {"Cookie": "sid={{sid}}"},
  "expect": {"json": {"data.name": "{{sid}}"}}},
 {"name": "relogin", "method": "POST", "url": "/api/login", "json": {"username": "qa", "password": "qa-pass"},
  "expect": {"json": {"data.token": "x"}}}
]}}
JSON
rm -rf logs
QA_LOG=1 run pr-qa -f "$T/secret.json" --junit "$T/secret.xml"
log=$(ls logs/qa-verify-prod-*.log 2>/dev/null | head -n 1)
ok_if qa_log_env_writes_log_with_requests '[ -n "$log" ] && grep -q '\''api/login -> 200'\'' "$log"'
leaks=
for f in "$T/out" "$T/err" "$T/secret.xml" "$log" "$T/flow.out" "$T/flow.err"; do
	[ -f "$f" ] && grep -q -e "$CANARY" -e "$TOKEN_CANARY" "$f" && leaks="$leaks $f"
done
check captured_and_secret_header_values_never_printed [ -z "$leaks" ]
check secret_suite_still_judged [ "$(jget "$T/out" '[.checks[].result] | join(",")')" = "fail,fail,fail,fail" ]
check uncaptured_secret_like_field_value_hidden \
	[ "$(failures relogin)" = 'json data.token: expected "x", got a captured value' ]
check mismatch_on_captured_path_hides_value \
	[ "$(failures login)" = 'json data.token: expected "nope", got a captured value' ]
rm -rf logs

# --- retries ------------------------------------------------------------
run pr-qa --check flaky="$APP/flaky?key=a&fail=2"
check flaky_endpoint_passes_after_retries \
	[ "$rc $(jget "$T/out" '.checks[0] | "\(.result) \(.attempts)"')" = "0 pass 3" ]
run pr-qa --check broken="$APP/flaky?key=b&fail=1000"
check consistently_failing_endpoint_fails \
	[ "$rc $(jget "$T/out" '.checks[0] | "\(.result) \(.status) \(.attempts)"')" = "1 fail 503 3" ]
run pr-qa --check once="$APP/flaky?key=c&fail=1" --retries 0
check retries_0_makes_one_attempt [ "$rc $(jget "$T/out" '.checks[0].attempts')" = "1 1" ]
# A 503 with Retry-After: the next attempt waits as long as the server asks,
# not the 100 ms backoff (README: retries honour Retry-After).
start=$(date +%s%N)
run pr-qa --check ra="$APP/flaky?key=ra&fail=1&retry_after=1"
took_ms=$((($(date +%s%N) - start) / 1000000))
waited=$([ "$took_ms" -ge 1000 ] && echo waited || echo "did not wait (${took_ms} ms)")
check retry_after_on_503_is_honoured \
	[ "$rc $(jget "$T/out" '.checks[0] | "\(.result) \(.attempts)"') $waited" = "0 pass 2 waited" ]

# --- timeouts, unreachable, flags -----------------------------------------
one_check '{"name": "slow", "url": "/slow?ms=3000", "timeout": "200ms"}'
start=$(date +%s)
run pr-qa -f "$T/one.json"
took=$(($(date +%s) - start))
ok_if check_timeout_shorter_than_slow_endpoint_errors '[ "$rc" -eq 1 ] && [ "$(result slow)" = error ] && [ "$(failures slow)" = "request: no response within 0.2 s (timeout)" ]'
check timeout_is_not_retried_and_returns_quickly [ "$took" -le 2 ]

run pr-qa --check a=http://127.0.0.1:9/health --check b=http://127.0.0.1:9/api --retries 1
ok_if unreachable_target_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err" && grep -q '\''cannot reach'\'' "$T/err"'
check unreachable_output_still_a_document [ "$(jget "$T/out" '.summary.errors')" = 2 ]

expect_exit 0 expect_status_flag_accepts_404 pr-qa --check missing="$APP/nope" --expect-status 404
expect_exit 1 expect_status_flag_rejects_other pr-qa --check health="$APP/health" --expect-status 404
run pr-qa --check h=/health --base-url "$APP" -o "$T/copy.json"
ok_if output_file_matches_stdout '[ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/copy.json"'
check base_url_flag_resolves_relative [ "$(jget "$T/out" '.checks[0].request.url')" = "$APP/health" ]
run pr-qa --check h="http://user:hunter2@127.0.0.1:9/x?password=hunter2" --retries 0
ok_if credentials_in_urls_redacted '[ "$rc" -eq 4 ] && ! grep -q hunter2 "$T/out" "$T/err"'

# --- GitHub Actions -----------------------------------------------------
: >"$T/gh_out"
: >"$T/gh_sum"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_out GITHUB_STEP_SUMMARY=$T/gh_sum run pr-qa -f "$T/fails.json"
check github_outputs_verdict_passed_failed \
	grep -qx 'verdict=fail' "$T/gh_out" && grep -qx 'passed=2' "$T/gh_out" && grep -qx 'failed=7' "$T/gh_out"
check github_summary_has_table grep -q '^| status\\_wrong | fail | 401 |' "$T/gh_sum"

# --- malformed configs: exit 3, one line naming the file and the field ------
B=$T/bad.json
bad_config() {
	_name=$1 _want=$2
	printf '%s\n' "$3" >"$B"
	run pr-qa -f "$B"
	if [ "$rc" -eq 3 ] && one_line "$T/err" && grep -qF -- "$_want" "$T/err"; then
		pass "$_name"
	else
		fail "$_name" "exit $rc; stderr: $(head -c 300 "$T/err")"
	fi
}
bad_config malformed_status_names_field "pr-qa: $B: qa.checks[2].expect.status: expected a number or an array of numbers" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/"}, {"name": "b", "url": "/"}, {"name": "c", "url": "/", "expect": {"status": "200"}}]}}'
bad_config status_array_of_strings_rejected "qa.checks[0].expect.status: expected a number or an array of numbers" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "expect": {"status": [200, "201"]}}]}}'
bad_config missing_url_names_field "$B: qa.checks[0].url: missing" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a"}]}}'
bad_config unknown_field_named "$B: qa.checks[0].expects: unknown field (expected one of: name, method, url," \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "expects": {}}]}}'
bad_config unknown_section_field_named "$B: qa.time_out: unknown field (expected one of: base_url, timeout, checks, watch)" \
	'{"qa": {"base_url": "http://x", "time_out": "5s", "checks": [{"name": "a", "url": "/"}]}}'
bad_config bad_json_path_named "$B: qa.checks[0].expect.json.data..id: not a JSON path" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "expect": {"json": {"data..id": 1}}}]}}'
bad_config uncaptured_reference_named "$B: qa.checks[0].headers.Cookie: {{sid}} is not captured by an earlier check" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "headers": {"Cookie": "sid={{sid}}"}}]}}'
bad_config duplicate_name_named "$B: qa.checks[1].name: \"a\" is already" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/"}, {"name": "a", "url": "/"}]}}'
bad_config relative_url_without_base "$B: qa.checks[0].url: \"/x\" is relative" \
	'{"qa": {"checks": [{"name": "a", "url": "/x"}]}}'
bad_config bad_timeout_named "$B: qa.timeout: expected seconds or a duration such as \"10s\" or \"500ms\" (at most 168h)" \
	'{"qa": {"base_url": "http://x", "timeout": "soon", "checks": [{"name": "a", "url": "/"}]}}'
bad_config bad_header_name_named "$B: qa.checks[0].headers: \"X(Y)\" is not a header name (letters, digits and" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "headers": {"X(Y)": "v"}}]}}'
bad_config zero_timeout_named "$B: qa.checks[0].timeout: must be more than 0" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "timeout": 0}]}}'
bad_config bad_capture_named "$B: qa.checks[0].capture.tok: expected {\"json\": PATH}" \
	'{"qa": {"base_url": "http://x", "checks": [{"name": "a", "url": "/", "capture": {"tok": {"body": "x"}}}]}}'
bad_config unset_env_var_named "environment variable PR_QA_UNSET_VAR is not set" \
	'{"qa": {"base_url": "${PR_QA_UNSET_VAR}", "checks": [{"name": "a", "url": "/"}]}}'
bad_config no_qa_section "$B: no \"qa\" section" '{"bench": {}}'
bad_config empty_checks "$B: qa.checks: empty" '{"qa": {"base_url": "http://x", "checks": []}}'
bad_config invalid_json_file "$B" '{"qa": {"checks": [}'
expect_exit 3 missing_config_file_is_bad_input pr-qa -f "$T/does-not-exist.json"

# --- documentation --------------------------------------------------------
check man_page_is_lint_clean sh -c "[ -z \"\$(mandoc -Tlint -Wwarning '$PR_ROOT/man/pr-qa.1' 2>&1)\" ]"
pr-qa --help | grep -o -- '--[a-z0-9-]*' | sort -u >"$T/help.opts"
grep -o 'Fl -[a-z0-9-]*' "$PR_ROOT/man/pr-qa.1" | sed 's/^Fl -/--/' | sort -u >"$T/man.opts"
check man_page_options_match_help cmp -s "$T/help.opts" "$T/man.opts"
