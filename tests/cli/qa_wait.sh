#!/bin/sh
# qa_wait.sh: pr-qa --wait-until repeats the checks until they all pass or
# the time is up, against tests/fixtures/qa_app.py, whose /deployed reports
# an old commit for its first requests and the deployed one after.
. "$(dirname "$0")/lib.sh"

$PY "$FIX/qa_app.py" --port-file "$T/app.port" >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { echo "not ok qa_app: fixture did not start"; exit 1; }
APP=http://127.0.0.1:$(cat "$T/app.port")
export APP DEPLOY_SHA=3f2a9c1
cd "$T" || exit 1

# config KEY AFTER: a suite whose one check passes once /deployed reports
# DEPLOY_SHA, which it does from request AFTER+1 of KEY on.
config() {
	cat >"$T/$1.json" <<EOC
{"qa": {"base_url": "\${APP}", "checks": [
  {"name": "health_reports_deployed_commit", "url": "/deployed?key=$1&after=$2&new=$DEPLOY_SHA",
   "expect": {"status": 200, "json": {"commit": "\${DEPLOY_SHA}"}}}]}}
EOC
}

expect_exit 2 wait_until_with_watch_is_usage pr-qa --check h="$APP/health" --watch 1s --wait-until 1s
expect_exit 2 wait_until_not_a_duration_is_usage pr-qa --check h="$APP/health" --wait-until soon
ok_if wait_until_usage_one_line 'one_line "$T/err"'

# The deploy lands on the 4th request: 4 rounds, pass, exit 0.
config lands 3
run pr-qa -f "$T/lands.json" --wait-until 10s --interval 0.1 --retries 0
ok_if wait_until_passes_once_deployed '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .verdict)" = pass ]'
check wait_until_stops_at_the_first_pass [ "$(jget "$T/out" .wait.rounds)" = 4 ]
ok_if wait_until_records_the_wait '[ "$(jget "$T/out" .wait.until_s)" = 10 ] && [ "$(jget "$T/out" .wait.interval_s)" = 0.1 ] && [ "$(jget "$T/out" ".wait.elapsed_ms >= 300 and .wait.elapsed_ms < 5000")" = true ]'
check wait_until_document_fits_schema validate qa "$T/out"
ok_if wait_until_notes_rounds 'grep -q "wait: round 1: 0 of 1 checks pass" "$T/err" && grep -q "every check passes after 4 round" "$T/err"'

# Passing at once: one round, no wait.
config at_once 0
run pr-qa -f "$T/at_once.json" --wait-until 10s --interval 5
ok_if wait_until_passing_at_once_is_one_round '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .wait.rounds)" = 1 ] && [ "$(jget "$T/out" ".wait.elapsed_ms < 2000")" = true ]'

# Never deployed within the time: the last round's verdict, exit 1, and no
# round starts after the time is up.
config never 100000
start_s=$(date +%s)
run pr-qa -f "$T/never.json" --wait-until 0.5s --interval 0.1 --retries 0
took_s=$(($(date +%s) - start_s))
ok_if wait_until_time_up_exits_1 '[ "$rc" -eq 1 ] && [ "$(jget "$T/out" .verdict)" = fail ]'
ok_if wait_until_rounds_fit_the_time '[ "$(jget "$T/out" .wait.rounds)" -ge 4 ] && [ "$(jget "$T/out" .wait.rounds)" -le 6 ]'
check wait_until_time_up_is_bounded [ "$took_s" -le 3 ]
ok_if wait_until_time_up_says_so 'grep -q "1 of 1 checks still fail after" "$T/err"'
check wait_until_failed_document_fits_schema validate qa "$T/out"

# A target down for the whole wait: exit 4, as without --wait-until.
run pr-qa --check h=http://127.0.0.1:9/health --wait-until 0.3s --interval 0.1 --retries 0
ok_if wait_until_unreachable_exits_4 '[ "$rc" -eq 4 ] && grep -q "cannot reach" "$T/err"'
