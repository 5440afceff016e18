#!/bin/sh
# qa_metrics_prom.sh: the p95 pr-qa computes from histogram buckets against
# the real Prometheus server's histogram_quantile on the same data: the
# Debian prometheus, started here on loopback with its own storage in $T,
# scraping tests/fixtures/prom_app.py (real prometheus_client); and the
# promql rules of --prometheus, asked of that server.
. "$(dirname "$0")/lib.sh"

PROM_BIN=${PR_PROMETHEUS:-/usr/bin/prometheus}
if [ ! -x "$PROM_BIN" ]; then
	fail prometheus_installed "$PROM_BIN is missing (scripts/deps.sh test installs prometheus)"
	exit 0
fi
cd "$T" || exit 1

# The app serves no traffic of its own: a burst of 1000 requests, latencies
# uniform over 150..450 ms, lands between two of pr-qa's scrapes, so pr-qa's
# window and Prometheus's whole counts hold the same observations.
$PY "$FIX/prom_app.py" --port-file "$T/app.port" --rps 0 --latency-ms 300 >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { echo "not ok prom_app: fixture did not start"; exit 1; }
APP_PORT=$(cat "$T/app.port")
APP=http://127.0.0.1:$APP_PORT
# A canary with traffic of its own that turns to 3 % 5xx after 4 s.
$PY "$FIX/prom_app.py" --port-file "$T/canary.port" --error-after 4 --error-pct 3 >"$T/canary.log" 2>&1 &
track $!
wait_for_file "$T/canary.port" || { echo "not ok prom_app: canary fixture did not start"; exit 1; }
CANARY_PORT=$(cat "$T/canary.port")

PROM_PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PROM=http://127.0.0.1:$PROM_PORT
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ["127.0.0.1:$APP_PORT"]
  - job_name: canary
    static_configs:
      - targets: ["127.0.0.1:$CANARY_PORT"]
YML
"$PROM_BIN" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prometheus.log" 2>&1 &
track $!
i=0
until curl -sf "$PROM/-/ready" >/dev/null 2>&1 || [ $i -ge 150 ]; do sleep 0.1; i=$((i + 1)); done
check prometheus_starts curl -sf "$PROM/-/ready"

# One instant query; prints the value of the single result, or nothing.
promq() {
	curl -sf -G "$PROM/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}

cat >"$T/pr-tools.json" <<JSON
{"qa": {"checks": [{"name": "metrics", "url": "$APP/metrics"}],
  "watch": {"rules": [{"name": "p95", "kind": "quantile", "quantile": 0.95,
    "metric": "http_request_duration_seconds_bucket", "warn": 100, "crit": 200, "min_requests": 1}]}}}
JSON
( sleep 0.4; curl -s "$APP/control?burst=1000" >/dev/null ) &
track $!
run pr-qa -f "$T/pr-tools.json" --watch 2s --interval 1 --metrics "$APP/metrics"
ok_if watch_with_burst_passes '[ "$rc" -eq 0 ]'
ours=$(jq '[.watch.rules[0].series[] | select(.value != null)][0].value' "$T/out")

i=0
until [ "$(promq 'sum(http_request_duration_seconds_count{job="app"})')" = 1000 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
theirs=$(promq 'histogram_quantile(0.95, sum by (le) (http_request_duration_seconds_bucket{job="app"}))')
# The bucket the p95 falls in, from the app's own bucket bounds.
width=$(curl -s "$APP/metrics" | $PY -c '
import re, sys
les = sorted(float(m) for m in re.findall(r"http_request_duration_seconds_bucket\{le=\"([0-9.]+)\"", sys.stdin.read()))
v = float(sys.argv[1]); lo = 0.0
for le in les:
    if v <= le:
        print(le - lo); break
    lo = le
' "${theirs:-0}")
echo "# p95: pr-qa $ours s, Prometheus histogram_quantile $theirs s, bucket width $width s"
ok_if p95_matches_prometheus_within_the_bucket_width \
	'[ -n "$theirs" ] && [ "$(jq -n "($ours - $theirs) | fabs <= $width")" = true ]'
# Same observations, same formula: the same number, to rounding.
ok_if p95_equals_prometheus_on_the_same_observations \
	'[ -n "$theirs" ] && [ "$(jq -n "($ours - $theirs) | fabs < 1e-9")" = true ]'

# --prometheus: named PromQL queries, asked of the server every interval.
cat >"$T/promql.json" <<JSON
{"qa": {"checks": [{"name": "metrics", "url": "$APP/metrics"}],
  "watch": {"rules": [
    {"name": "p95-promql", "kind": "promql", "warn": 100, "crit": 200,
     "query": "histogram_quantile(0.95, sum by (le) (http_request_duration_seconds_bucket{job=\\"app\\"}))"},
    {"name": "5xx-promql", "kind": "promql", "warn": 0.01, "crit": 0.02, "for": "1s",
     "query": "sum(rate(http_requests_total{job=\\"canary\\",status=~\\"5..\\"}[3s])) / sum(rate(http_requests_total{job=\\"canary\\"}[3s]))"}]}}}
JSON
start=$(date +%s)
run pr-qa -f "$T/promql.json" --watch 25s --interval 0.5 --prometheus "$PROM"
took=$(($(date +%s) - start))
ok_if promql_canary_turned_bad_exits_1 '[ "$rc" -eq 1 ] && grep -q "critical: rule 5xx-promql" "$T/err"'
echo "# promql watch stopped after $took s; last 5xx ratio $(jq '.watch.rules[1].series[-1].value' "$T/out")"
check promql_watch_stops_early [ "$took" -le 15 ]
check promql_value_is_prometheus_own \
	[ "$(jq -n "($(jq '.watch.rules[0].series[0].value' "$T/out") - $theirs) | fabs < 1e-9")" = true ]
check promql_output_validates validate qa "$T/out"

sed 's/"query": "histogram_quantile(0.95, /"query": "histogram_quantile(0.95 /' "$T/promql.json" >"$T/badq.json"
expect_exit 3 promql_bad_query_exits_3 pr-qa -f "$T/badq.json" --watch 2s --interval 0.5 --prometheus "$PROM"
ok_if promql_bad_query_names_the_rule 'one_line "$T/err" && grep -q "rule p95-promql: Prometheus rejects the query" "$T/err"'
expect_exit 3 promql_rule_without_a_server_exits_3 pr-qa -f "$T/promql.json" --watch 2s
ok_if promql_rule_without_a_server_is_named 'one_line "$T/err" && grep -q "needs a Prometheus server" "$T/err"'
