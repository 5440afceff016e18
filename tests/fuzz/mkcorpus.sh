#!/bin/sh
# mkcorpus.sh: regenerate the seed corpora in tests/fuzz/corpus/ from real
# documents the programs write (bench, load, compare, snapshot, apply) and
# the example configs.  Needs the programs built (make) and network access
# to 127.0.0.1 only.  Run from anywhere: tests/fuzz/mkcorpus.sh
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=$ROOT/bin
FIX=$ROOT/tests/fixtures
C=$ROOT/tests/fuzz/corpus
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/pr-corpus.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
unset GITHUB_ACTIONS OUTPUT_JSON QA_LOG COLD_START SNAPSHOT_TAG DATABASE_URL \
	AZURE_STORAGE_ACCOUNT AZURE_STORAGE_ACCOUNT_KEY

wait_for() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; }
# The example configs with ${VAR} filled in (one variable kept for expansion).
plain() { sed -E 's#\$\{[A-Z_]*URL\}#http://127.0.0.1:8080#g; s#\$\{AZURE_SUBSCRIPTION_ID\}#${PR_FUZZ_VAR}#g; s#\$\{[A-Z_]*\}#value#g' "$1"; }

mkdir -p "$C/benchcfg" "$C/platform" "$C/compare" "$C/merge" "$C/manifest" "$C/applydoc" "$C/jsonpath"

# Configs.
plain ci-examples/config/bench.json >"$C/benchcfg/runbook.json"
cat >"$C/benchcfg/load.json" <<'EOF'
{"bench": {"samples": 5, "warmup": 0, "timeout": 2.5, "idle": "1m", "connections": 4,
  "duration": "500ms", "rate": 100, "load_warmup": 0, "insecure": true, "measure": "ttfb",
  "metrics": [{"id": "a.b:c-d", "url": "https://u:p@127.0.0.1/x?token=t", "method": "PUT",
    "expect_status": 201, "body": "text", "headers": {"X-Api-Key": "k"}, "cold_start": false},
   {"id": "json", "url": "http://127.0.0.1/", "body": [1, {"a": null}], "measure": "total"}]}}
EOF
plain ci-examples/config/platform.json >"$C/platform/runbook.json"
cat >"$C/platform/full.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "web_apps": [{"name": "web1", "always_on": false}],
  "container_apps": [{"name": "api", "min_replicas": 0, "max_replicas": 3, "cpu": 0.5, "memory": "1Gi"}]}}
EOF

# Bench documents: sample mode twice (baseline, after), load mode twice (shards).
$PY "$FIX/httpd.py" --port-file "$T/port" >"$T/httpd.log" 2>&1 &
pids="$pids $!"
wait_for "$T/port"
U=http://127.0.0.1:$(cat "$T/port")
"$BIN/pr-bench" -n 5 -w 1 -l baseline home="$U/ok" health="$U/json" >"$T/base.json" 2>/dev/null
"$BIN/pr-bench" -n 5 -w 1 --measure ttfb -l after home="$U/ok" other="$U/count" >"$T/after.json" 2>/dev/null || true
"$BIN/pr-bench" --cold-start "$U/ok" >"$T/cold.json" 2>/dev/null
"$BIN/pr-bench" --load -C 2 -d 300ms home="$U/ok" >"$T/load1.json" 2>/dev/null
"$BIN/pr-bench" --load -C 2 -d 300ms --rate 50 home="$U/ok" >"$T/load2.json" 2>/dev/null
"$BIN/pr-bench" merge "$T/load1.json" "$T/load2.json" >"$T/merged.json" 2>/dev/null
{ cat "$T/base.json"; printf '\f'; cat "$T/after.json"; } >"$C/compare/sample.json"
{ cat "$T/base.json"; printf '\f'; cat "$T/load1.json"; } >"$C/compare/sample-load.json"
cp "$T/cold.json" "$C/compare/cold.json"
cp "$T/load1.json" "$C/merge/closed.json"
cp "$T/load2.json" "$C/merge/open.json"
cp "$T/merged.json" "$C/merge/merged.json"

# Snapshot manifests: outer (stdout) and inner (manifest.json), no database.
git init -q "$T/repo"
(cd "$T/repo" && git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m init &&
	"$BIN/pr-snapshot" -q --no-upload -t fuzz-seed -a "$T/snap.tar.gz" >"$C/manifest/outer.json" 2>/dev/null)
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x" && cp "$T/x/manifest.json" "$C/manifest/inner.json"

# Apply documents through the Resource Manager fixture: a change and a dry run.
cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
                     "min_replicas": 0, "max_replicas": 3,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
EOF
$PY "$FIX/arm.py" --port-file "$T/arm.port" --state "$T/seed.json" --token fuzz-token >"$T/arm.log" 2>&1 &
pids="$pids $!"
wait_for "$T/arm.port"
AZURE_ARM_ENDPOINT=http://127.0.0.1:$(cat "$T/arm.port")
export AZURE_ARM_ENDPOINT AZURE_ACCESS_TOKEN=fuzz-token PR_RETRY_BASE_MS=10
"$BIN/pr-apply-scale" -q -n --platform "$C/platform/full.json" >"$C/applydoc/dry-run.json" 2>/dev/null
sed 's/"always_on": false/"always_on": true/; s/"min_replicas": 0/"min_replicas": 1/' "$C/platform/full.json" >"$T/want.json"
"$BIN/pr-apply-scale" -q --platform "$T/want.json" >"$C/applydoc/changed.json" 2>/dev/null

# JSON paths: a path, a newline, a document.
printf '%s\n%s' 'metrics.home.summary.p50' "$(cat "$T/base.json")" >"$C/jsonpath/bench.json"
printf '%s\n%s' '$.data.items[-1]["content-type"]' '{"data":{"items":[1,{"content-type":"x"}]}}' >"$C/jsonpath/quoted.json"
printf '%s\n%s' 'resources[0].changes[1].to' "$(cat "$C/applydoc/changed.json")" >"$C/jsonpath/apply.json"

# A manifest with a database dump and platform settings, from the real one.
jq '.members = [{"name": "database.dump", "bytes": 3505, "sha256": "0d9285e5c8c9284511617d3fbb0532a1fb41f593e6040f07902f28d7926eac18"}] + .members
	| .database = {"url": "postgres://127.0.0.1:5432/app", "dbname": "app", "format": "custom", "member": "database.dump", "toc_entries": 3}
	| .platform = input' "$C/manifest/outer.json" "$C/platform/full.json" >"$C/manifest/with-db.json"
