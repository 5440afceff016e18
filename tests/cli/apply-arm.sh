#!/bin/sh
# apply-arm.sh: Resource Manager as it answers today, against arm.py: the
# current api-versions (the fixture refuses others), App Service's refusal
# of Always On on a Free/Shared plan (409, ExtendedCode 01020: one line, not
# retried), 409 "another operation is in progress" retried with backoff,
# and x-ms-ratelimit-remaining-* in the log.
. "$(dirname "$0")/lib.sh"
. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10 QA_LOG=1
mkdir -p "$T/work" && cd "$T/work" || exit 1
cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
                     "min_replicas": 0, "max_replicas": 3, "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
EOF
cat >"$T/web.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}]}}
EOF
cat >"$T/both.json" <<'EOF'
{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [{"name": "web1", "always_on": true}],
  "container_apps": [{"name": "api", "min_replicas": 1}]}}
EOF
patch_statuses() { calls; jq -c '[.[] | select(.method == "PATCH") | .status]' "$T/calls.json"; }

# The api-versions sent are the current stable ones (older ones get 400).
start_arm --state "$T/seed.json"
run pr-apply-scale --platform "$T/both.json"
calls
ok_if arm_current_api_versions '[ "$rc" -eq 0 ] && [ "$(jq -r "[.[] | .query | capture(\"api-version=(?<v>[0-9-]+)\").v] | unique | join(\" \")" "$T/calls.json")" = "2024-11-01 2025-01-01" ]'

# Another operation in progress: 409, retried, then applied.
start_arm --state "$T/seed.json"
mode in_progress web1
run pr-apply-scale --platform "$T/web.json"
ok_if arm_409_in_progress_retried '[ "$rc" -eq 0 ] && [ "$(patch_statuses)" = "[409,200]" ] && [ "$(state | jq .web_apps[0].always_on)" = true ]'
ok_if arm_409_retry_logged 'grep -q "retrying in" logs/azure-performance-apply-*.log'

# Always On on a Free or Shared plan: one line naming the fix, one PATCH.
start_arm --state "$T/seed.json"
mode free_tier web1
run pr-apply-scale -q --platform "$T/web.json"
ok_if arm_always_on_free_tier_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err"'
ok_if arm_always_on_free_tier_says_fix 'grep -q "PATCH sites/web1: 409 Conflict: There was a conflict. AlwaysOn cannot be set for this site as the plan does not allow it.* (the App Service plan.s Free or Shared tier does not allow Always On: scale the plan to Basic or higher, or drop always_on from the platform section)" "$T/err"'
ok_if arm_always_on_free_tier_not_retried '[ "$(patch_statuses)" = "[409]" ]'

# Rate limit headers reach the log.
rm -rf logs
start_arm --state "$T/seed.json"
run pr-apply-scale --platform "$T/web.json"
ok_if arm_rate_limits_logged 'grep -q "Resource Manager x-ms-ratelimit-remaining-subscription-reads: 119[0-9][0-9]" logs/*.log &&
	grep -q "Resource Manager x-ms-ratelimit-remaining-subscription-writes: 1199" logs/*.log'
