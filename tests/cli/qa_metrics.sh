#!/bin/sh
# qa_metrics.sh: pr-qa --watch --metrics, metric rules judged on the app's own
# Prometheus metrics (tests/fixtures/prom_app.py, real prometheus_client), and
# its p95 against the real Prometheus server's histogram_quantile.
. "$(dirname "$0")/lib.sh"

start_app() {
	rm -f "$T/app.port"
	$PY "$FIX/prom_app.py" --port-file "$T/app.port" "$@" >"$T/app.log" 2>&1 &
	track $!
	wait_for_file "$T/app.port" || { echo "not ok prom_app: fixture did not start"; exit 1; }
	APP=http://127.0.0.1:$(cat "$T/app.port")
}
cd "$T" || exit 1

# The runbook's rules, with the for: window scaled from 5 minutes to 2 s.
rules() {
	cat >"$T/pr-tools.json" <<JSON
{"qa": {"checks": [{"name": "work", "url": "$APP/work", "expect": {"status": [200, 500]}}],
  "watch": {"rules": [
    {"name": "5xx", "kind": "ratio", "metric": "http_requests_total{status=~\"5..\"}",
     "denominator": "http_requests_total", "warn": 0.01, "crit": 0.02, "for": "$1", "min_requests": 20},
    {"name": "p95", "kind": "quantile", "quantile": 0.95, "metric": "http_request_duration_seconds_bucket",
     "warn": 0.5, "crit": 1, "for": "$1", "min_requests": 20},
    {"name": "db", "kind": "gauge", "metric": "db_connections", "denominator": "db_pool_size",
     "warn": 0.8, "crit": 0.95}]}}}
JSON
}

# A canary that turns to 3 % 5xx after 4 s: critical 2 s (for:) after the
# first bad interval, and the watch stops there, within one interval.
start_app --error-after 4 --error-pct 3
rules 2s
start=$(date +%s)
run pr-qa -f "$T/pr-tools.json" --watch 25s --interval 0.5 --metrics "$APP/metrics"
took=$(($(date +%s) - start))
ok_if bad_canary_exits_1 '[ "$rc" -eq 1 ] && [ "$(jget "$T/out" .verdict)" = fail ]'
check bad_canary_names_the_rule grep -q 'critical: rule 5xx' "$T/err"
# First point over crit, and the last point: for: <= gap <= for: + interval.
gap=$(jq '.watch.rules[0].series as $s | ($s | map(select(.value != null and .value > 0.02)) | .[0].t_s) as $f | ($s[-1].t_s - $f)' "$T/out")
echo "# 5xx over crit from first bad interval to stop: $gap s (for: 2 s, interval 0.5 s); watch took $took s"
ok_if bad_canary_stops_within_one_interval_after_for '[ "$(echo "$gap >= 2 and $gap <= 2.5" | jq -n "$(cat)")" = true ]'
ok_if bad_canary_stops_long_before_the_end '[ "$took" -le 10 ]'
check bad_canary_is_pending_before_critical \
	[ "$(jq '[.watch.rules[0].series[] | select(.pending)] | length > 0 and (map(.level) | index("critical") | not)' "$T/out")" = true ]
check bad_canary_ratio_is_3_pct [ "$(jq '.watch.rules[0].series[-1].value | . > 0.025 and . < 0.035' "$T/out")" = true ]
check rule_series_validates validate qa "$T/out"

# A healthy app passes the whole watch, each rule judged every interval.
start_app
rules 1s
start=$(date +%s)
run pr-qa -f "$T/pr-tools.json" --watch 3s --interval 0.5 --metrics "$APP/metrics"
took=$(($(date +%s) - start))
ok_if healthy_app_passes_the_whole_watch '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .verdict)" = pass ] && [ "$took" -ge 2 ]'
check healthy_rules_are_ok [ "$(jq '[.watch.rules[].level] | unique' -c "$T/out")" = '["ok"]' ]
check healthy_series_has_a_point_per_interval [ "$(jq '.watch.rules[0].series | length' "$T/out")" -ge 4 ]
check gauge_ratio_is_db_over_pool [ "$(jq '.watch.rules[2].series[0].value' "$T/out")" = 0.2 ]

# --initial-delay: no rule judged before it.
run pr-qa -f "$T/pr-tools.json" --watch 2s --interval 0.5 --metrics "$APP/metrics" --initial-delay 1.2
check initial_delay_skips_the_first_rounds [ "$(jq '.watch.rules[0].series | map(.t_s) | min >= 1.2' "$T/out")" = true ]

# A gauge turned up while the watch runs: db at 97 of 100 is critical at once.
( sleep 1; curl -s "$APP/control?db=97" >/dev/null ) &
track $!
run pr-qa -f "$T/pr-tools.json" --watch 10s --interval 0.5 --metrics "$APP/metrics"
ok_if gauge_turned_up_is_critical '[ "$rc" -eq 1 ] && grep -q "rule db" "$T/err"'
curl -s "$APP/control?db=20" >/dev/null

# Bad input: exit 3, one line naming it.
expect_exit 3 malformed_exposition_exits_3 pr-qa -f "$T/pr-tools.json" --watch 2s --interval 0.5 --metrics "$APP/broken"
ok_if malformed_exposition_names_the_line 'one_line "$T/err" && grep -q "broken: not Prometheus exposition text: line 3" "$T/err"'
sed 's/db_pool_size/db_pool_max/' "$T/pr-tools.json" >"$T/missing.json"
expect_exit 3 missing_metric_exits_3 pr-qa -f "$T/missing.json" --watch 2s --interval 0.5 --metrics "$APP/metrics"
ok_if missing_metric_is_named 'one_line "$T/err" && grep -q "metric db_pool_max is missing" "$T/err"'
sed 's/status=~/status~/' "$T/pr-tools.json" >"$T/matcher.json"
expect_exit 3 bad_matcher_exits_3 pr-qa -f "$T/matcher.json" --watch 2s --metrics "$APP/metrics"
ok_if bad_matcher_is_named 'one_line "$T/err" && grep -q "qa.watch.rules\[0\].metric: selector" "$T/err"'
sed 's/"crit": 0.02/"crit": 0.005/' "$T/pr-tools.json" >"$T/crit.json"
expect_exit 3 crit_below_warn_exits_3 pr-qa -f "$T/crit.json" --watch 2s --metrics "$APP/metrics"
ok_if crit_below_warn_is_named 'one_line "$T/err" && grep -q "rules\[0\]: crit 0.005 is below warn 0.01" "$T/err"'

# A metrics URL's credentials never reach a message.
expect_exit 3 credentials_in_metrics_url_exit_3 pr-qa -f "$T/pr-tools.json" --watch 2s --interval 0.5 \
	--metrics "http://scraper:s3cr3t-pw@127.0.0.1:${APP##*:}/broken"
ok_if metrics_url_password_never_shown '! grep -q s3cr3t-pw "$T/err" "$T/out" && grep -q "not Prometheus exposition text" "$T/err"'
