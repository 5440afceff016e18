#!/bin/sh
# pipelines.sh: pr-tools in plain shell pipelines, against APP_URL.
#
#   APP_URL=http://127.0.0.1:8080 sh ci-examples/pipelines.sh
#
# Each step writes one JSON document; jq picks out what a script needs.
set -eu
: "${APP_URL:?set APP_URL to the base URL of the product}"
out=${OUT:-$(mktemp -d)}

# 1. Measure twice and compare, the second run streamed through stdin.
pr-bench -n 20 --label before home="$APP_URL/" health="$APP_URL/health" > "$out/baseline.json"
pr-bench -n 20 --label after home="$APP_URL/" health="$APP_URL/health" |
	pr-compare "$out/baseline.json" - --format json > "$out/compare.json" || true
jq -r '.metrics | to_entries[] | "\(.key): \(.value.verdict)"' "$out/compare.json"

# 2. Fail a script on any regression, with the table for people.
if ! pr-compare "$out/baseline.json" "$out/baseline.json" --format text; then
	echo "regressed" >&2
	exit 1
fi

# 3. A QA smoke test of one endpoint, without a config file.
pr-qa --check health="$APP_URL/health" --expect-status 200 > "$out/qa.json"
jq -r '.verdict' "$out/qa.json"

echo "documents in $out" >&2
