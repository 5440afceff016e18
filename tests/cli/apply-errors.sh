#!/bin/sh
# apply-errors.sh: pr-apply-scale when things go wrong: ARM 4xx errors, failed
# long-running operations, partial applies, settings that do not stick,
# missing resources, bad configuration, usage errors, no network.
. "$(dirname "$0")/lib.sh"

. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10

cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": false}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
                     "min_replicas": 0, "max_replicas": 3,
                     "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi"}]}]}
EOF
platform() { # platform FILE WEB_JSON APP_JSON
	printf '{"azure": {"subscription": "sub-1", "resource_group": "rg-perf", "web_apps": [%s], "container_apps": [%s]}}\n' \
		"$2" "$3" >"$1"
}

# A 4xx from ARM: one line with its code and message, exit 4 (nothing changed).
start_arm --state "$T/seed.json"
platform "$T/bad-scale.json" "" '{"name": "api", "min_replicas": 3, "max_replicas": 1}'
expect_exit 4 arm_400_exits_4_when_nothing_changed pr-apply-scale -q --platform "$T/bad-scale.json"
check arm_400_error_line_names_method_resource_code_and_fix \
	grep -qxF "pr-apply-scale: PATCH containerApps/api: 400 InvalidParameter: maxReplicas must be >= minReplicas (fix the platform section)" "$T/err"
check arm_400_error_is_one_line one_line "$T/err"
check arm_400_document_marks_resource_failed \
	[ "$(jq -c '[.verdict, .resources[0].status, (.resources[0].error | test("InvalidParameter"))]' "$T/out")" = '["error","failed",true]' ]
check arm_400_document_validates validate apply "$T/out"

# A long-running operation that ends Failed: its error, exit 4.
mode lro_fail api
platform "$T/scale.json" "" '{"name": "api", "min_replicas": 1, "max_replicas": 1}'
expect_exit 4 lro_failed_exits_4 pr-apply-scale -q --platform "$T/scale.json"
check lro_failed_reports_operation_error \
	grep -q "PATCH containerApps/api: ContainerAppOperationError: operation Failed: Failed to provision revision" "$T/err"
check lro_failed_leaves_state_alone [ "$(state | jq -c '.container_apps[0].min_replicas')" = 0 ]

# Canceled is an end too.
mode clear
mode lro_cancel api
expect_exit 4 lro_canceled_exits_4 pr-apply-scale -q --platform "$T/scale.json"
check lro_canceled_reports_operation_error \
	grep -qxF "pr-apply-scale: PATCH containerApps/api: OperationCanceled: operation Canceled: The operation was canceled by a newer update. (check the resource in the Azure portal, then run again)" "$T/err"
mode clear
mode lro_fail api

# Two resources, one fails: exit 5 and the document says which.
platform "$T/both.json" '{"name": "web1", "always_on": true}' '{"name": "api", "min_replicas": 1, "max_replicas": 1}'
expect_exit 5 partial_apply_exits_5 pr-apply-scale -q --platform "$T/both.json"
check partial_document_says_which_changed_and_which_failed \
	[ "$(jq -c '[.verdict, (.resources[] | [.name, .status])]' "$T/out")" = '["partial",["web1","changed"],["api","failed"]]' ]
check partial_restore_names_only_what_was_read \
	[ "$(jq -c '[.restore.azure.web_apps[0].always_on, .restore.azure.container_apps[0].min_replicas]' "$T/out")" = '[false,0]' ]
mode clear

# PATCH accepted but the setting does not stick: exit 1, not_verified.
start_arm --state "$T/seed.json"
mode no_stick api
expect_exit 1 setting_that_does_not_stick_exits_1 pr-apply-scale -q --platform "$T/scale.json"
check not_verified_status_and_reason \
	[ "$(jq -c '[.verdict, .resources[0].status, .resources[0].error]' "$T/out")" = '["fail","not_verified","min_replicas is 0 after apply, wanted 1"]' ]
check not_verified_error_line grep -q "^pr-apply-scale: verify containerApps/api: min_replicas is 0 after apply, wanted 1" "$T/err"
check not_verified_document_validates validate apply "$T/out"

# A resource that does not exist: 404 ResourceNotFound, exit 4.
platform "$T/ghost.json" "" '{"name": "ghost", "min_replicas": 1}'
expect_exit 4 missing_resource_exits_4 pr-apply-scale -q --platform "$T/ghost.json"
check missing_resource_reports_404_resource_not_found \
	grep -q "GET containerApps/ghost: 404 ResourceNotFound: .* (check the subscription, resource group and resource name)" "$T/err"

# Bad configuration: exit 3 naming the field, before any request.
start_arm --state "$T/seed.json"
cat >"$T/pr-tools.json" <<'EOF'
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "container_apps": [{"name": "api", "min_replicas": "one"}]}}}
EOF
expect_exit 3 bad_config_type_exits_3 pr-apply-scale -f "$T/pr-tools.json"
check bad_config_error_names_file_and_field \
	grep -q "pr-tools.json: platform.azure.container_apps\[0\].min_replicas" "$T/err"
check bad_config_error_is_one_line one_line "$T/err"
check bad_config_makes_no_request [ "$(ncalls)" -eq 0 ]
echo '{"platform": {"azure": {"resource_group": "rg-perf"}}}' >"$T/nosub.json"
expect_exit 3 missing_subscription_exits_3 pr-apply-scale -f "$T/nosub.json"
check missing_subscription_is_named grep -q "platform.azure.subscription" "$T/err"
platform "$T/mem.json" "" '{"name": "api", "memory": "lots"}'
expect_exit 3 bad_memory_exits_3 pr-apply-scale --platform "$T/mem.json"
check bad_memory_says_how_to_write_it grep -q 'write it like 1Gi or 512Mi' "$T/err"
platform "$T/typo.json" "" '{"name": "api", "min_replica": 1}'
expect_exit 3 unknown_setting_exits_3 pr-apply-scale --platform "$T/typo.json"
check unknown_setting_is_named_with_the_known_ones \
	grep -q "platform.azure.container_apps\[0\].min_replica: unknown field (expected one of: name, min_replicas, max_replicas, cpu, memory, settings, traffic)" "$T/err"
echo '{"platform": ' >"$T/broken.json"
expect_exit 3 invalid_json_exits_3 pr-apply-scale -f "$T/broken.json"
expect_exit 3 no_platform_section_exits_3 pr-apply-scale -f "$T/seed.json"
echo '{"schema": "pr-tools/apply/9", "restore": {}}' >"$T/future.json"
expect_exit 3 apply_document_of_unknown_major_exits_3 pr-apply-scale --from-apply "$T/future.json" --restore

# Usage errors: exit 2.
expect_exit 2 always_on_needs_on_or_off pr-apply-scale --web-app web1 --always-on yes
expect_exit 2 replicas_need_container_app pr-apply-scale --min-replicas 1
expect_exit 2 restore_needs_from_apply pr-apply-scale --restore
expect_exit 2 unknown_option_exits_2 pr-apply-scale --frobnicate

# No network: exit 4 after bounded retries, with a hint.
dead=http://127.0.0.1:9
start_s=$(date +%s)
expect_exit 4 unreachable_endpoint_exits_4 pr-apply-scale -q --arm-endpoint "$dead" --platform "$T/scale.json"
check unreachable_endpoint_gives_up_quickly [ $(($(date +%s) - start_s)) -lt 20 ]
check unreachable_endpoint_says_check_network grep -q "check the network and the Resource Manager endpoint" "$T/err"
expect_exit 3 non_http_endpoint_exits_3 pr-apply-scale --arm-endpoint ftp://example --platform "$T/scale.json"

# The fixture keeps ARM's rules: api-version and a bearer token required.
check fixture_requires_api_version sh -c "curl -s -H 'Authorization: Bearer test-token' \
	'$ARM/subscriptions/sub-1/resourceGroups/rg-perf/providers/Microsoft.App/containerApps/api' | grep -q MissingApiVersionParameter"
check fixture_rejects_unsupported_api_version sh -c "curl -s -H 'Authorization: Bearer test-token' \
	'$ARM/subscriptions/sub-1/resourceGroups/rg-perf/providers/Microsoft.App/containerApps/api?api-version=1999-01-01' | grep -q NoRegisteredProviderFound"
check fixture_requires_bearer_token sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' \
	'$ARM/subscriptions/sub-1/resourceGroups/rg-perf/providers/Microsoft.App/containerApps/api?api-version=2025-01-01') = 401 ]"
