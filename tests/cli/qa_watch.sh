#!/bin/sh
# qa_watch.sh: pr-qa --watch (canary monitoring) against tests/fixtures/qa_app.py,
# whose /slow and /errors endpoints set the latency and the error rate.
. "$(dirname "$0")/lib.sh"

$PY "$FIX/qa_app.py" --port-file "$T/app.port" >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { echo "not ok qa_app: fixture did not start"; exit 1; }
APP=http://127.0.0.1:$(cat "$T/app.port")
cd "$T" || exit 1

w() { jget "$T/out" ".watch.$1"; }

# A healthy target: level ok, several rounds, exit 0.
start=$(date +%s)
run pr-qa --check health="$APP/health" --check text="$APP/text" --watch 2s --interval 0.4
took=$(($(date +%s) - start))
ok_if healthy_watch_is_ok_and_exits_0 '[ "$rc" -eq 0 ] && [ "$(w level)" = ok ] && [ "$(jget "$T/out" .verdict)" = pass ]'
ok_if watch_repeats_rounds_for_the_duration '[ "$(w rounds)" -ge 4 ] && [ "$(w rounds)" -le 6 ]'
ok_if watch_counts_every_request '[ "$(w requests)" -eq $(($(w rounds) * 2)) ] && [ "$(w errors)" -eq 0 ]'
check watch_stops_after_the_duration [ "$took" -le 4 ]
check watch_output_validates validate qa "$T/out"
check watch_uses_runbook_thresholds_by_default \
	[ "$(jget "$T/out" '.watch.thresholds | "\(.p95_warn_ms) \(.p95_crit_ms) \(.error_warn_pct) \(.error_crit_pct)"')" = "500 1000 1 5" ]

# Latency over the warning threshold only: warning, exit 0.
run pr-qa --check slow="$APP/slow?ms=120" --watch 1s --interval 0.2 --p95-warn 60 --p95-crit 2000
ok_if slow_p95_over_warning_is_warning '[ "$rc" -eq 0 ] && [ "$(w level)" = warning ] && grep -q '\''warning'\'' "$T/err"'
check p95_reported_from_requests [ "$(jget "$T/out" '.watch.p95_ms >= 120 and .watch.p95_ms < 2000')" = true ]

# Latency over the critical threshold: critical, exit 1 (a canary step rolls back).
run pr-qa --check slow="$APP/slow?ms=120" --watch 1s --interval 0.2 --p95-warn 30 --p95-crit 60
ok_if slow_p95_over_critical_exits_1 '[ "$rc" -eq 1 ] && [ "$(w level)" = critical ] && [ "$(jget "$T/out" .verdict)" = fail ]'
check critical_names_the_breach grep -q 'critical: p95 .* over the critical 60 ms' "$T/err"

# Every second request is a 500: error rate 50 %, critical.
run pr-qa --check flaky="$APP/errors?key=half&every=2" --watch 1s --interval 0.1 --retries 0
ok_if half_errors_is_critical '[ "$rc" -eq 1 ] && [ "$(w level)" = critical ]'
check error_rate_is_errors_over_requests \
	[ "$(jget "$T/out" '(.watch.errors / .watch.requests - .watch.error_rate) | fabs < 0.000001')" = true ] &&
	[ "$(jget "$T/out" '.watch.error_rate >= 0.4 and .watch.error_rate <= 0.6')" = true ]

# One 500 in 25 requests (2 to 4 % once 25 have been made, which 2 s allow
# even on a loaded machine): over the 1 % warning, under the 5 % critical.
run pr-qa --check rare="$APP/errors?key=rare&every=25" --watch 2s --interval 0.02 --retries 0
ok_if rare_errors_are_a_warning '[ "$rc" -eq 0 ] && [ "$(w level)" = warning ]'

# Retried 5xx still count against the error rate: each attempt is a request.
run pr-qa --check retried="$APP/errors?key=r&every=2" --watch 0.5s --interval 0.1 --retries 2
check retried_errors_count_as_requests sh -c "[ $(w requests) -gt $(w rounds) ] && [ $(w errors) -gt 0 ]"

# Thresholds from flags, validated.
expect_exit 2 warn_above_crit_is_usage_error pr-qa --check h="$APP/health" --watch 1s --p95-warn 900 --p95-crit 100
expect_exit 2 bad_percentage_is_usage_error pr-qa --check h="$APP/health" --watch 1s --error-crit 150
expect_exit 2 bad_watch_duration_is_usage_error pr-qa --check h="$APP/health" --watch soon
run pr-qa --check h="$APP/health" --watch 0.3s --interval 0.1 --error-warn 2% --error-crit 10%
ok_if percent_sign_accepted '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .watch.thresholds.error_crit_pct)" = 10 ]'

# No progress drawn when stderr is not a terminal.
check no_progress_without_terminal sh -c "! grep -q 'watch round' '$T/err'"

# A target that is down for the whole watch: exit 4.
run pr-qa --check h=http://127.0.0.1:9/health --watch 0.5s --interval 0.1 --retries 0
ok_if unreachable_watch_exits_4 '[ "$rc" -eq 4 ] && grep -q '\''cannot reach'\'' "$T/err"'
