#!/bin/sh
# qa_secrets.sh: what pr-qa must never print or send, against
# tests/fixtures/qa_app.py: captured values in failures (document, stderr,
# log, JUnit), a captured CR/LF put into a header (header injection), the
# two kinds of placeholder filled in one pass, and secret query parameters
# named by pattern.
. "$(dirname "$0")/lib.sh"

CANARY="CANARY-h3ad3r-9c1e77"
$PY "$FIX/qa_app.py" --port-file "$T/app.port" --session "$CANARY" >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { fail qa_app_fixture "did not start"; exit 1; }
APP=http://127.0.0.1:$(cat "$T/app.port")
mkdir -p "$T/work" && cd "$T/work" || exit 1

failures() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .failures | join("; ")' "$T/out"; }
result() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .result' "$T/out"; }
absent() { ! grep -rqF "$CANARY" "$@"; }
# Only ::add-mask:: lines may hold the canary on a GitHub runner's stderr.
masked_only() { ! grep -F "$CANARY" "$1" | grep -qv '^::add-mask::'; }
injected() { curl -s "$APP/injected" | jq .count; }

# run_qa CONFIG: plainly with --log and --junit, then on a GitHub runner.
run_qa() {
	rm -rf logs "$T/qa.xml"
	run pr-qa -f "$1" --log --junit "$T/qa.xml"
	cp "$T/out" "$T/plain.out"
	cp "$T/err" "$T/plain.err"
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh.out GITHUB_STEP_SUMMARY=$T/gh.md run pr-qa -f "$1"
	cp "$T/err" "$T/gha.err"
	cp "$T/plain.out" "$T/out"
}
# Checks shared by every scenario: the canary is nowhere.
nowhere() {
	check "$1_canary_not_in_document" absent "$T/out"
	check "$1_canary_not_on_stderr" absent "$T/plain.err"
	check "$1_canary_not_in_log" sh -c "ls logs/*.log >/dev/null && ! grep -qF '$CANARY' logs/*.log"
	check "$1_canary_not_in_junit" sh -c "[ -s '$T/qa.xml' ] && ! grep -qF '$CANARY' '$T/qa.xml'"
	check "$1_canary_only_masked_in_github_actions" masked_only "$T/gha.err"
	check "$1_canary_not_in_github_outputs" absent "$T/gh.out" "$T/gh.md"
}

# --- a captured header expected to equal something else ------------------
cat >"$T/header.json" <<EOF
{"qa": {"base_url": "$APP", "timeout": "5s", "checks": [
 {"name": "grab", "url": "/leaky", "capture": {"tok": {"header": "X-Auth-Token"}},
  "expect": {"headers": {"X-Auth-Token": "wrong"}}},
 {"name": "later_header", "url": "/echo", "headers": {"X-Echo": "{{tok}}"},
  "expect": {"headers": {"X-Echo": "wrong"}}},
 {"name": "later_json", "url": "/echo", "headers": {"X-Echo": "{{tok}}"},
  "expect": {"json": {"headers.X-Echo": "wrong"}}},
 {"name": "holds_capture", "url": "/echo", "headers": {"X-Echo": "id {{tok}} more"},
  "expect": {"json": {"headers.X-Echo": "wrong"}}}
]}}
EOF
run_qa "$T/header.json"
check captured_header_run_exits_1 [ "$rc" -eq 1 ]
check captured_header_checks_all_fail [ "$(jq -r '[.checks[].result] | join(",")' "$T/out")" = fail,fail,fail,fail ]
check captured_header_failure_says_secret [ "$(failures grab)" = 'header X-Auth-Token: expected "(secret)", got "(secret)"' ]
check later_header_equal_to_capture_says_secret [ "$(failures later_header)" = 'header X-Echo: expected "wrong", got "(secret)"' ]
check later_json_equal_to_capture_says_captured [ "$(failures later_json)" = 'json headers.X-Echo: expected "wrong", got a captured value' ]
check value_holding_capture_not_quoted [ "$(failures holds_capture)" = 'json headers.X-Echo: expected "wrong", got a captured value' ]
nowhere captured_header

# --- a captured CR/LF never reaches a header -----------------------------
before=$(injected)
cat >"$T/inject.json" <<EOF
{"qa": {"base_url": "$APP", "timeout": "5s", "checks": [
 {"name": "grab", "url": "/leaky", "capture": {"crlf": {"json": "data.crlf"}, "tok": {"json": "data.token"}}},
 {"name": "inject", "url": "/echo", "headers": {"X-Note": "{{crlf}}", "X-Echo": "{{tok}}"}},
 {"name": "inject_url", "url": "/echo?n={{crlf}}"},
 {"name": "after", "url": "/echo", "headers": {"X-Echo": "{{tok}}"}, "expect": {"status": 200}}
]}}
EOF
run_qa "$T/inject.json"
check injection_run_exits_1 [ "$rc" -eq 1 ]
check injection_check_fails [ "$(result inject)" = fail ]
check injection_failure_names_header [ "$(failures inject)" = 'header X-Note: a placeholder put a line break or control character in its value (refused, not sent)' ]
check injection_in_url_fails [ "$(failures inject_url)" = 'url: a placeholder put a line break or control character in it (refused, not sent)' ]
check injection_never_sent [ "$(injected)" = "$before" ]
check injection_later_checks_still_run [ "$(result after)" = pass ]
check injection_error_one_line_on_stderr [ "$(grep -c 'refused, not sent' "$T/plain.err")" -le 2 ]
nowhere injection

# --- ${VAR} and {{name}} in one pass -------------------------------------
cat >"$T/onepass.json" <<EOF
{"qa": {"base_url": "$APP", "timeout": "5s", "checks": [
 {"name": "grab", "url": "/leaky", "capture": {"tok": {"json": "data.token"}, "tmpl": {"json": "data.tmpl"}}},
 {"name": "env_holds_braces", "url": "/echo", "headers": {"X-Echo": "\${PR_QA_ENV}"},
  "expect": {"headers": {"X-Echo": "abc{{tok}}def"}}},
 {"name": "capture_holds_dollar", "url": "/echo", "headers": {"X-Echo": "{{tmpl}}"},
  "expect": {"headers": {"X-Echo": "\$\${PR_QA_T}"}}},
 {"name": "literal_dollar", "url": "/echo", "headers": {"X-Echo": "\$\${PR_QA_T}-{{tok}}"},
  "expect": {"json": {"headers.X-Echo": {"contains": "\$\${PR_QA_T}-"}}}}
]}}
EOF
PR_QA_ENV='abc{{tok}}def' PR_QA_T=expanded run_qa "$T/onepass.json"
check one_pass_run_exits_0 [ "$rc" -eq 0 ]
check env_value_braces_stay_text [ "$(result env_holds_braces)" = pass ]
check captured_dollar_stays_text [ "$(result capture_holds_dollar)" = pass ]
check escaped_dollar_in_template [ "$(result literal_dollar)" = pass ]
check one_pass_url_shows_environment [ "$(jq -r '.checks[1].request.url' "$T/out")" = "$APP/echo" ]
PR_QA_T=x run pr-qa -f "$T/onepass.json"
check unset_env_in_template_exits_3 [ "$rc" -eq 3 ]
check unset_env_in_template_named grep -q 'qa.checks\[1\].headers.X-Echo: environment variable PR_QA_ENV is not set' "$T/err"

# --- secret query parameters, by pattern ---------------------------------
cat >"$T/query.json" <<EOF
{"qa": {"base_url": "$APP", "timeout": "5s", "checks": [
 {"name": "q", "url": "/health?page=2&api_token=$CANARY&X-Amz-Signature=$CANARY&private_token=$CANARY&auth=$CANARY&session=$CANARY&x%2Damz%2Dcredential%2Dsecret=$CANARY",
  "expect": {"status": 200}}
]}}
EOF
run_qa "$T/query.json"
check query_run_exits_0 [ "$rc" -eq 0 ]
check query_shown_redacted [ "$(jq -r '.checks[0].request.url' "$T/out")" = "$APP/health?page=2&api_token=REDACTED&X-Amz-Signature=REDACTED&private_token=REDACTED&auth=REDACTED&session=REDACTED&x%2Damz%2Dcredential%2Dsecret=REDACTED" ]
check query_canary_not_in_document absent "$T/out"
check query_canary_not_in_log sh -c "! grep -qF '$CANARY' logs/*.log"

# A line break from the environment is still a config error, at load.
cat >"$T/envcrlf.json" <<EOF2
{"qa": {"base_url": "$APP", "checks": [{"name": "a", "url": "/echo", "headers": {"X-Note": "\${PR_QA_CRLF}"}}]}}
EOF2
before=$(injected)
PR_QA_CRLF="$(printf 'a\r\nX-Injected: yes')" run pr-qa -f "$T/envcrlf.json"
check env_line_break_in_header_exits_3 [ "$rc" -eq 3 ]
check env_line_break_named grep -q 'qa.checks\[0\].headers.X-Note: a header value cannot hold a line break' "$T/err"
check env_line_break_never_sent [ "$(injected)" = "$before" ]
