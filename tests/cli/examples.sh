#!/bin/sh
# examples.sh: every workflow, config and pipeline in ci-examples/, and every
# example in the man pages and the README, parses and uses only options that
# the programs' --help lists (long and, in man pages and the README, short);
# the jq examples run on real documents.
. "$(dirname "$0")/lib.sh"

# Documents for the jq examples (pr-json(5)): a bench document and a
# comparison in which one metric regressed.
$PY "$FIX/gen_bench.py" --seed 1 --samples 40 home=100,sigma=0.1 api=50,sigma=0.1 >"$T/baseline.json"
$PY "$FIX/gen_bench.py" --seed 2 --samples 40 home=70,sigma=0.1 api=60,sigma=0.1 >"$T/after.json"
pr-compare --format json "$T/baseline.json" "$T/after.json" >"$T/compare.json"
EXAMPLE_DIR=$T $PY "$FIX/check_examples.py" "$PR_ROOT"

# The configs the man pages show run: pr-qa(1)'s login flow against
# qa_app.py, pr-apply-scale(1)'s platform section against arm.py (a plan).
. "$FIX/arm.sh"
cd "$T" || exit 1
$PY "$FIX/qa_app.py" --port-file "$T/app.port" >"$T/app.log" 2>&1 &
track $!
wait_for_file "$T/app.port" || { fail qa_app "fixture did not start"; exit 1; }
expect_exit 0 pr-qa.1_config_example_runs env APP_URL="http://127.0.0.1:$(cat "$T/app.port")" \
	QA_USER=qa QA_PASSWORD=qa-pass pr-qa -f examples_in_pr-qa.1.json
check pr-qa.1_config_example_checks_twice [ "$(jq '[.checks[] | select(.result == "pass")] | length' "$T/out")" = 2 ]
cat >"$T/seed.json" <<'JSON'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-shop", "name": "shop-web", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-shop", "name": "shop-api",
                     "min_replicas": 0, "max_replicas": 10,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
JSON
start_arm --state "$T/seed.json"
expect_exit 0 pr-apply-scale.1_config_example_plans env AZURE_ACCESS_TOKEN=test-token AZURE_SUBSCRIPTION_ID=sub-1 \
	pr-apply-scale -f examples_in_pr-apply-scale.1.json --dry-run
check pr-apply-scale.1_config_example_plans_both [ "$(jq '[.resources[] | select(.status == "planned")] | length' "$T/out")" = 2 ]
