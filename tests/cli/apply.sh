#!/bin/sh
# apply.sh: pr-apply-scale against tests/fixtures/arm.py: changes, idempotence,
# dry run, long-running operations, throttling, flags, restore, logs.
. "$(dirname "$0")/lib.sh"

. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10

cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
                     "min_replicas": 0, "max_replicas": 3,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"},
                                    {"name": "sidecar", "cpu": 0.25, "memory": "0.5Gi"}]}]}
EOF
cat >"$T/pr-tools.json" <<'EOF'
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "web_apps": [{"name": "web1", "always_on": true}],
  "container_apps": [{"name": "api", "min_replicas": 1, "max_replicas": 1}]}}}
EOF

# --help and --version
run pr-apply-scale --help
ok_if help_prints_usage_and_exits_0 '[ "$rc" -eq 0 ] && grep -q -- '\''--dry-run'\'' "$T/out"'
run pr-apply-scale --version
ok_if version_prints_name_and_version '[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "pr-apply-scale 0.1.0" ]'

# Apply: both resources change, the fixture holds the desired state.
start_arm --state "$T/seed.json"
expect_exit 0 apply_changes_differing_settings pr-apply-scale -f "$T/pr-tools.json"
cp "$T/out" "$T/apply.json"
state >"$T/state.json"
check apply_leaves_desired_state_in_resource_manager \
	[ "$(jq -c '[.web_apps[0].always_on, .container_apps[0].min_replicas, .container_apps[0].max_replicas]' "$T/state.json")" = '[true,1,1]' ]
check apply_document_says_changed_with_before_and_after \
	[ "$(jq -c '[.verdict, (.resources[] | .status, (.before | if has("always_on") then .always_on else .max_replicas end), (.after | if has("always_on") then .always_on else .max_replicas end))]' "$T/apply.json")" = '["pass","changed",false,true,"changed",3,1]' ]
check apply_document_lists_each_change \
	[ "$(jq -c '[.resources[1].changes[] | [.setting, .from, .to]]' "$T/apply.json")" = '[["min_replicas",0,1],["max_replicas",3,1]]' ]
check apply_document_validates_against_schema validate apply "$T/apply.json"
check apply_document_records_arm_resource_ids \
	[ "$(jq -r '.resources[1].id' "$T/apply.json")" = /subscriptions/sub-1/resourceGroups/rg-perf/providers/Microsoft.App/containerApps/api ]
calls
check apply_patches_only_what_differs \
	[ "$(jq -c '[.[] | select(.method == "PATCH") | .body]' "$T/calls.json")" = '[{"properties":{"alwaysOn":true}},{"properties":{"template":{"scale":{"minReplicas":1,"maxReplicas":1}}}}]' ]
check apply_sends_api_versions \
	[ "$(jq -r '[.[] | select(.method == "PATCH") | .query] | join(" ")' "$T/calls.json")" = "api-version=2024-11-01 api-version=2025-01-01" ]
check apply_follows_async_operation_until_succeeded \
	[ "$(jq '[.[] | select(.path | test("containerappOperationStatuses"))] | length' "$T/calls.json")" -eq 3 ]
check apply_restore_holds_before_settings \
	[ "$(jq -c '.restore.azure | [.subscription, .web_apps[0].always_on, .container_apps[0].min_replicas, .container_apps[0].max_replicas, (.container_apps[0] | has("cpu"))]' "$T/apply.json")" = '["sub-1",false,0,3,false]' ]

# Idempotent: a second run changes nothing and makes no PATCH at all.
curl -s -X POST "$ARM/_fixture/reset" >/dev/null
expect_exit 0 second_run_exits_0 pr-apply-scale -f "$T/pr-tools.json"
check second_run_makes_zero_patch_calls [ "$(patches)" -eq 0 ]
check second_run_reports_unchanged [ "$(jq -c '[.resources[].status]' "$T/out")" = '["unchanged","unchanged"]' ]

# Restore from the apply document puts the before-settings back.
expect_exit 0 restore_from_apply_document_exits_0 pr-apply-scale --from-apply "$T/apply.json" --restore
check restore_returns_to_original_state \
	[ "$(state | jq -c '[.web_apps[0].always_on, .container_apps[0].min_replicas, .container_apps[0].max_replicas]')" = '[false,0,3]' ]
# And the restore section can be piped in as a platform section.
jq .restore "$T/apply.json" >"$T/restore.json"
expect_exit 0 restore_section_is_a_platform_section pr-apply-scale --platform - <"$T/restore.json"

# Dry run: the plan, no PATCH, no change.
start_arm --state "$T/seed.json"
expect_exit 0 dry_run_exits_0 pr-apply-scale --dry-run -f "$T/pr-tools.json"
check dry_run_makes_zero_patch_calls [ "$(patches)" -eq 0 ]
check dry_run_prints_plan_with_before_and_changes \
	[ "$(jq -c '[.dry_run, (.resources[] | .status, (.before | if has("always_on") then .always_on else .min_replicas end), (.changes | length), .after)]' "$T/out")" = '[true,"planned",false,1,null,"planned",0,2,null]' ]
check dry_run_changes_nothing [ "$(state | jq -c '.web_apps[0].always_on')" = false ]
check dry_run_document_validates validate apply "$T/out"

# Flags for one resource: CPU and memory go to every container (merge patch
# replaces the containers array, so the whole array is sent).
start_arm --state "$T/seed.json"
expect_exit 0 flags_apply_one_container_app pr-apply-scale --subscription sub-1 --resource-group rg-perf \
	--container-app api --min-replicas 2 --max-replicas 4 --cpu 1 --memory 2Gi
check flags_set_cpu_and_memory_of_every_container \
	[ "$(state | jq -c '.container_apps[0] | [.min_replicas, .max_replicas, (.containers[] | .name, .cpu, .memory)]')" = '[2,4,"api",1,"2Gi","sidecar",1,"2Gi"]' ]
calls
check flags_patch_keeps_container_images \
	[ "$(jq -r '[.[] | select(.method == "PATCH") | .body.properties.template.containers[].image] | join(" ")' "$T/calls.json")" = "example.azurecr.io/api:1 example.azurecr.io/sidecar:1" ]
expect_exit 0 flags_web_app_always_on pr-apply-scale --subscription sub-1 --resource-group rg-perf --web-app web1 --always-on on
check flags_web_app_always_on_lands [ "$(state | jq -c '.web_apps[0].always_on')" = true ]
check memory_compares_by_quantity sh -c "pr-apply-scale --subscription sub-1 --resource-group rg-perf \
	--container-app api --memory 2048Mi >'$T/mem.json' 2>/dev/null && jq -e '.resources[0].status == \"unchanged\"' '$T/mem.json' >/dev/null"

# Long-running operation honours Retry-After between polls.
start_arm --state "$T/seed.json" --retry-after 1 --lro-polls 1
start_s=$(date +%s.%N)
expect_exit 0 lro_with_retry_after_succeeds pr-apply-scale --subscription sub-1 --resource-group rg-perf --container-app api --max-replicas 5
took=$(echo "$(date +%s.%N) - $start_s" | bc 2>/dev/null || $PY -c "print($(date +%s.%N) - $start_s)")
check lro_waits_retry_after_between_polls $PY -c "import sys; sys.exit(0 if 1.9 <= $took < 10 else 1)"

# 429 with Retry-After is retried and the apply goes through.
start_arm --state "$T/seed.json"
mode throttle
expect_exit 0 throttled_request_is_retried pr-apply-scale -f "$T/pr-tools.json"
calls
check throttle_429_was_seen_then_success \
	[ "$(jq -c '[.[0].status, .[1].status]' "$T/calls.json")" = '[429,200]' ]

# QA_LOG=1 writes logs/pr-apply-scale-YYYYMMDD-HHMMSS.log, and the old name as a link to it.
mkdir -p "$T/work"
(cd "$T/work" && QA_LOG=1 pr-apply-scale -f "$T/pr-tools.json" >/dev/null 2>&1)
check qa_log_writes_named_log_file sh -c "ls '$T/work/logs/' | grep -Eq '^pr-apply-scale-[0-9]{8}-[0-9]{6}\.log$'"
check qa_log_old_name_is_a_link sh -c "ls '$T/work/logs/' | grep -Eq '^azure-performance-apply-[0-9]{8}-[0-9]{6}\.log$' && [ -L '$T'/work/logs/azure-performance-apply-*.log ]"
(cd "$T/work" && rm -rf logs && pr-apply-scale --log -f "$T/pr-tools.json" >/dev/null 2>&1)
check log_flag_writes_log_file sh -c "cat '$T'/work/logs/pr-apply-scale-*.log | grep -q 'containerApps'"

# OUTPUT_JSON and -o also write the document.
OUTPUT_JSON=$T/o.json pr-apply-scale -f "$T/pr-tools.json" >/dev/null 2>&1
check output_json_writes_document [ "$(jq -r .schema "$T/o.json")" = pr-tools/apply/1 ]

# Inside GitHub Actions: outputs and a step summary.
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh.out GITHUB_STEP_SUMMARY=$T/gh.md \
	pr-apply-scale -f "$T/pr-tools.json" >/dev/null 2>&1
check github_output_has_verdict grep -q '^verdict=pass' "$T/gh.out"
check github_summary_has_table grep -q '| Resource | Status | Changes |' "$T/gh.md"

# The runbook's pilot (ci-examples/config/platform.json): Always On, one
# warm replica, CPU and memory left alone.
start_arm --state "$T/seed.json"
export AZURE_SUBSCRIPTION_ID=sub-1 AZURE_RESOURCE_GROUP=rg-perf AZURE_WEB_APP=web1 AZURE_CONTAINER_APP=api
expect_exit 0 pilot_config_applies pr-apply-scale -f "$PR_ROOT/ci-examples/config/platform.json"
check pilot_sets_always_on_and_one_replica_and_keeps_cpu_memory \
	[ "$(state | jq -c '[.web_apps[0].always_on, (.container_apps[0] | .min_replicas, .max_replicas, .containers[0].cpu, .containers[0].memory)]')" = '[true,1,1,0.5,"1Gi"]' ]
expect_exit 0 pilot_config_via_platform_option_is_idempotent pr-apply-scale --platform "$PR_ROOT/ci-examples/config/platform.json"
check pilot_second_run_unchanged [ "$(jq -c '[.resources[].status]' "$T/out")" = '["unchanged","unchanged"]' ]

# An operation with only a Location header: 202 while running, then 200.
start_arm --state "$T/seed.json"
mode location_only api
expect_exit 0 lro_location_only_succeeds pr-apply-scale -f "$T/pr-tools.json"
calls
check lro_location_polled_until_done \
	[ "$(jq -c '[.[] | select(.path | test("containerappOperationResults")) | .status]' "$T/calls.json")" = '[202,202,200]' ]
check lro_location_change_landed [ "$(state | jq -c '.container_apps[0].max_replicas')" = 1 ]

# A 503 is retried too.
start_arm --state "$T/seed.json"
mode busy
expect_exit 0 server_error_is_retried pr-apply-scale -f "$T/pr-tools.json"
calls
check server_error_503_was_seen_then_success [ "$(jq -c '[.[0].status, .[1].status]' "$T/calls.json")" = '[503,200]' ]
