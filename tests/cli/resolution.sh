#!/bin/sh
# resolution.sh: no number in any document carries more than the measured
# resolution: times in ms at most 3 decimals (microseconds), merged
# quantiles too, and nothing with binary noise (0.04319999999999999).  One
# document of each kind, from the real programs against local servers
# (tests/fixtures/check_resolution.py reads the numbers as written).
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"
. "$FIX/arm.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
start_httpd
mkdir "$T/docs"
D=$T/docs

# doc KIND NAME CMD...: run CMD, keep its document as $D/NAME.json.
doc() {
	_kind=$1 _name=$2
	shift 2
	run "$@"
	cp "$T/out" "$D/$_name.json"
	case $(jq -r .schema "$D/$_name.json" 2>/dev/null) in
	"pr-tools/$_kind/"[0-9]*) pass "${_name}_document_written" ;;
	*) fail "${_name}_document_written" "exit $rc: $(head -c 300 "$T/err")" ;;
	esac
}

# Sleeps of a few ms give quantiles between samples (interpolated) and means
# that are not whole microseconds.
U="$HTTPD/sleep?ms=2"
doc bench sample pr-bench -n 20 a="$U" b="$HTTPD/ok"
doc bench sample-after pr-bench -n 20 --measure ttfb a="$U" b="$HTTPD/ok"
doc bench cold pr-bench --cold-start --idle 0 -n 3 "$HTTPD/ok"
doc bench load-1 pr-bench --load -C 2 -d 1 a="$U"
doc bench load-2 pr-bench --load -C 3 -d 1 --rate 300 a="$U"
doc bench merge pr-bench merge "$D/load-1.json" "$D/load-2.json"
doc compare compare pr-compare --format json "$D/sample.json" "$D/sample-after.json"
doc compare compare-load pr-compare --format json "$D/load-1.json" "$D/merge.json"
doc qa qa pr-qa --check "ok=$HTTPD/ok" --check "slow=$U"
doc qa qa-watch pr-qa --check "ok=$HTTPD/ok" --watch 1s --interval 0.3

export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10
cat >"$T/seed.json" <<'JSON'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg", "name": "api",
                     "min_replicas": 0, "max_replicas": 3,
                     "containers": [{"name": "api", "cpu": 0.35, "memory": "1.5Gi"}]}]}
JSON
cat >"$T/pr-tools.json" <<'JSON'
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg",
  "web_apps": [{"name": "web1", "always_on": true}],
  "container_apps": [{"name": "api", "min_replicas": 1, "max_replicas": 2, "cpu": 0.7, "memory": "1.5Gi"}]}}}
JSON
start_arm --state "$T/seed.json"
doc apply apply pr-apply-scale -f "$T/pr-tools.json"

pg_start
git init -q --bare "$T/remote.git"
git init -q -b main "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git remote add origin "$T/remote.git"
DATABASE_URL=$PG_URL doc snapshot snapshot pr-snapshot -f "$T/pr-tools.json" -t perf/resolution -a "$T/snap.tar.gz" --no-upload
doc rollback rollback pr-rollback --dry-run --skip-deploy "$D/snapshot.json"

for f in "$D"/*.json; do
	name=$(basename "$f" .json)
	if $PY "$FIX/check_resolution.py" "$f" >"$T/res" 2>&1; then
		pass "${name}_numbers_at_measured_resolution"
	else
		fail "${name}_numbers_at_measured_resolution" "$(wc -l <"$T/res") numbers: $(head -3 "$T/res" | tr '\n' ' ')"
	fi
done
