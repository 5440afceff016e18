#!/bin/sh
# demo.sh: the whole performance release, in the runbook's order, against a
# local product: a small web app in a git repository with a bare remote, a
# throwaway PostgreSQL server, a local Azure Resource Manager, the app's
# Prometheus metrics and its WebSocket chat (both stand-ins from
# tests/fixtures), and a canary stage with its way back.  No cloud account
# is needed.  Run by `make demo`; the documents it writes stay in
# build/demo/ to be read afterwards.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
# The tests run it elsewhere, with the programs of the build under test.
work=${PR_DEMO_DIR:-$root/build/demo}
PATH=${PR_BIN:-$root/bin}:$PATH
PY=/usr/bin/python3
FIX=$root/tests/fixtures
export PATH

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
[ -n "${NO_COLOR:-}" ] || [ ! -t 2 ] && step() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }

# Everything the demo starts is stopped on the way out.
pids=
# shellcheck disable=SC2034 # pg.sh keeps its server under $T
T=$work/tmp
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -n "${PG_DIR:-}" ] && pg_stop
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_port() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ] || { echo "demo: a local server did not start ($1)" >&2; exit 1; }
	cat "$1"
}

start_app() {
	rm -f "$work/app.port"
	$PY "$root/scripts/demo/app.py" --config "$work/app/app.json" --port "${APP_PORT:-0}" \
		--port-file "$work/app.port" &
	app_pid=$!
	pids="$pids $app_pid"
	APP_PORT=$(wait_port "$work/app.port")
}

# start_fixture NAME SCRIPT [ARGS]: a tests/fixtures server, stopped on the
# way out; sets $port.  (Not in $(...): the server must be this shell's child.)
start_fixture() {
	_name=$1 _script=$2
	shift 2
	$PY "$FIX/$_script" --port-file "$work/$_name.port" "$@" >"$work/$_name.log" 2>&1 &
	pids="$pids $!"
	port=$(wait_port "$work/$_name.port")
}
# has_module NAME: python3 can import NAME (make demo installs them).
has_module() { $PY -c "import $1" 2>/dev/null; }

rm -rf "$work"
mkdir -p "$work/tmp"
started=$(date +%s)

step "Setting up: a product repository, its database, its cloud"
# The product: app.json holds the one setting the change flips.
git init -q --bare "$work/remote.git"
git init -q -b main "$work/app"
cd "$work/app"
git config user.email demo@pr-tools.invalid
git config user.name "pr-tools demo"
echo '{"cache": false}' > app.json

# The database, when this machine can run one (root on Debian).
DATABASE_URL=
if [ "$(id -u)" = 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
	# pg.sh is the tests' throwaway server; it needs lib.sh's PY.
	. "$FIX/pg.sh"
	trap cleanup EXIT
	pg_start >/dev/null
	pg_sql "CREATE TABLE tasks (id serial PRIMARY KEY, title text, done boolean DEFAULT false);
		INSERT INTO tasks (title) SELECT 'task ' || g FROM generate_series(1, 1000) g;" >/dev/null
	DATABASE_URL=$PG_URL
	note "PostgreSQL on 127.0.0.1:$PG_PORT with 1000 tasks"
else
	note "no PostgreSQL here (needs root and postgresql): the snapshot skips the database"
fi
export DATABASE_URL

# The cloud: a local Resource Manager with one web app and one container app.
cat > "$work/arm-state.json" <<JSON
{"web_apps": [{"subscription": "00000000-0000-0000-0000-000000000001",
               "resource_group": "demo-rg", "name": "demo-web", "always_on": false,
               "app_settings": {"PERF_OPTIMIZATIONS_ENABLED": "0", "DB_PASSWORD": "demo-db-password"}}],
 "container_apps": [{"subscription": "00000000-0000-0000-0000-000000000001",
                     "resource_group": "demo-rg", "name": "demo-api",
                     "min_replicas": 0, "max_replicas": 3,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
JSON
AZURE_ACCESS_TOKEN=demo-token-not-secret
start_fixture arm arm.py --state "$work/arm-state.json" --lro-polls 1 --token "$AZURE_ACCESS_TOKEN"
AZURE_ARM_ENDPOINT=http://127.0.0.1:$port
export AZURE_ARM_ENDPOINT AZURE_ACCESS_TOKEN
note "Azure Resource Manager (local) at $AZURE_ARM_ENDPOINT"

# What the canary watches: the app's own Prometheus metrics (prom_app.py
# serves 200 requests a second through real prometheus_client instruments).
METRICS_URL=
if has_module prometheus_client; then
	start_fixture metrics prom_app.py --rps 200
	METRICS_URL=http://127.0.0.1:$port/metrics
	note "the app's Prometheus metrics at $METRICS_URL"
else
	note "no python3-prometheus-client: the canary stage is skipped"
fi
# The chat: a WebSocket echo server (Python websockets).
WS_URL=
if has_module websockets; then
	start_fixture ws ws_echo.py
	WS_URL=ws://127.0.0.1:$port/chat
	note "the chat's WebSocket at $WS_URL"
else
	note "no python3-websockets: the WebSocket metric is skipped"
fi

# The app's password, and the one QA logs in with: the same secret.
export DEMO_PASSWORD=demo-password QA_PASSWORD=demo-password
start_app
export APP_URL=http://127.0.0.1:$APP_PORT
note "the product at $APP_URL (cache off)"

cat > pr-tools.json <<'JSON'
{
  "bench": {
    "samples": 30,
    "warmup": 3,
    "precision": "5%",
    "precision_quantiles": [50, 95],
    "max_samples": 1500,
    "metrics": [
      {"id": "ttfb_home", "url": "${APP_URL}/", "measure": "ttfb"},
      {"id": "latency_health", "url": "${APP_URL}/health"},
      {"id": "latency_leaderboard", "url": "${APP_URL}/api/leaderboard"}
    ]
  },
  "compare": {
    "budgets": ["p95<500ms", "errors<1%"]
  },
  "qa": {
    "base_url": "${APP_URL}",
    "timeout": "5s",
    "watch": {
      "rules": [
        {"name": "p95", "kind": "quantile", "quantile": 0.95, "metric": "http_request_duration_seconds_bucket",
         "warn": 0.4, "crit": 0.5, "for": "2s", "min_requests": 50},
        {"name": "5xx", "kind": "ratio", "metric": "http_requests_total{status=~\"5..\"}",
         "denominator": "http_requests_total", "warn": 0.005, "crit": 0.01, "for": "2s", "min_requests": 50}
      ]
    },
    "checks": [
      {"name": "health", "url": "/health",
       "expect": {"status": 200, "json": {"status": "ok"}}},
      {"name": "login", "method": "POST", "url": "/api/login",
       "json": {"user": "demo", "password": "${QA_PASSWORD}"},
       "expect": {"status": 200}, "capture": {"session": {"cookie": "sid"}}},
      {"name": "tasks need the session", "url": "/api/tasks",
       "headers": {"Cookie": "sid={{session}}"},
       "expect": {"status": 200, "json": {"tasks[0].id": {"exists": true}}}},
      {"name": "leaderboard", "url": "/api/leaderboard",
       "expect": {"status": 200, "max_latency_ms": 500}}
    ]
  },
  "platform": {
    "azure": {
      "subscription": "00000000-0000-0000-0000-000000000001",
      "resource_group": "demo-rg",
      "web_apps": [{"name": "demo-web", "always_on": true}],
      "container_apps": [{"name": "demo-api", "min_replicas": 1, "max_replicas": 1}]
    }
  }
}
JSON
git add app.json pr-tools.json
git commit -qm "demo app: no cache"
git remote add origin "$work/remote.git"
git push -q origin main

step "1/10 pr-snapshot: tag, database dump, platform settings, one verified archive"
pr-snapshot --push --archive "$work/snapshot.tar.gz" > "$work/snapshot.json"
note "$(jq -r '"tag \(.tag), \(.members | length) members, archive sha256 \(.archive.sha256[0:16])..."' "$work/snapshot.json")"

step "2/10 pr-bench: the baseline, sampled until p50 and p95 are known within 5 %"
pr-bench --label baseline > "$work/baseline.json"
note "$(jq -r '[.metrics | to_entries[] | "\(.key) p50 \(.value.summary.p50 * 100 | round / 100) ms (n \(.value.summary.n))"] | join(", ")' "$work/baseline.json")"
if [ -n "$WS_URL" ]; then
	# The chat's message round trip over one WebSocket, and its handshake.
	# (Run from $work: pr-tools.json's HTTP metrics are not asked for here.)
	(cd "$work" && pr-bench --label baseline --samples 50 "chat_message=$WS_URL") > "$work/ws.json"
	note "$(jq -r '.metrics.chat_message | "chat_message (WebSocket) p50 \(.summary.p50) ms a message, " +
		"handshake \(.phases.handshake.p50) ms"' "$work/ws.json")"
fi

step "3/10 pr-qa: the product works before the change"
pr-qa > "$work/qa-before.json"
note "$(jq -r '"\(.summary.passed) of \(.summary.total) checks passed"' "$work/qa-before.json")"

step "4/10 pr-apply-scale: Always On, one replica always warm"
pr-apply-scale -q > "$work/apply.json"
note "$(jq -r '[.resources[] | "\(.name): \(.status)"] | join(", ")' "$work/apply.json")"

step "5/10 The change: turn the cache on, commit, deploy"
echo '{"cache": true}' > app.json
git commit -qam "Cache pages in memory"
git push -q origin main
kill "$app_pid"
wait "$app_pid" 2>/dev/null || true
start_app
note "deployed $(git rev-parse --short HEAD) and restarted the product"

step "6/10 pr-bench: after the change"
pr-bench --label after > "$work/after.json"

step "7/10 pr-compare: did it get faster? p50, p95, error rates and budgets, Holm-corrected"
pr-compare "$work/baseline.json" "$work/after.json" --format json --plot "$work/compare.svg" \
	> "$work/compare.json" || true
pr-compare "$work/baseline.json" "$work/after.json" --format text || true

step "8/10 pr-qa: the product still works"
pr-qa --junit "$work/qa-after.xml" > "$work/qa-after.json"
note "$(jq -r '"\(.summary.passed) of \(.summary.total) checks passed"' "$work/qa-after.json")"

step "9/10 The canary: a flag at 5 %, watched on the app's own metrics, then back to 0"
if [ -n "$METRICS_URL" ]; then
	# -o keeps the flag's old value (0600): stdout shows only hashes.
	pr-apply-scale -q --set demo-web:PERF_OPTIMIZATIONS_ENABLED=5 -o "$work/canary-5.json" > /dev/null
	note "$(curl -s "$AZURE_ARM_ENDPOINT/_fixture/state" | jq -r '.web_apps[0].app_settings |
		"PERF_OPTIMIZATIONS_ENABLED=\(.PERF_OPTIMIZATIONS_ENABLED) on demo-web, " +
		"its \(length - 1) other setting(s) kept"')"
	pr-qa --watch 4s --interval 1 --metrics "$METRICS_URL" > "$work/canary-watch.json"
	rules='[.watch.rules[] |
		"\(.name) \(.series[-1].value * 1000 | round / 1000) (\(.level); crit above \(.crit))"]'
	note "$(jq -r "\"watch: \\(.verdict); \" + ($rules | join(\", \"))" "$work/canary-watch.json")"
	pr-apply-scale -q --from-apply "$work/canary-5.json" --restore -o "$work/canary-back.json" > /dev/null
	note "restored: PERF_OPTIMIZATIONS_ENABLED=$(curl -s "$AZURE_ARM_ENDPOINT/_fixture/state" |
		jq -r '.web_apps[0].app_settings.PERF_OPTIMIZATIONS_ENABLED') (a critical would have done this at once)"
else
	note "skipped: needs python3-prometheus-client (make demo installs it)"
fi

step "10/10 pr-rollback --dry-run: the way back, planned and verified"
if [ -n "$DATABASE_URL" ]; then
	pr-rollback --dry-run --skip-deploy --restore-platform --restore-db --yes -q \
		"$work/snapshot.json" > "$work/rollback-plan.json"
else
	pr-rollback --dry-run --skip-deploy --restore-platform -q \
		"$work/snapshot.json" > "$work/rollback-plan.json"
fi
jq -r '.steps[] | "    \(.name): \(.status) \(.detail // "")"' "$work/rollback-plan.json" >&2

printf '\nDone in %ss.  Documents: %s/*.json, picture: %s/compare.svg\n' \
	$(($(date +%s) - started)) "$work" "$work" >&2
