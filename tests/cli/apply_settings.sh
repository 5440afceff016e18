#!/bin/sh
# apply_settings.sh: pr-apply-scale --set and --traffic against
# tests/fixtures/arm.py: App Service app settings (list, merge, one PUT),
# Container Apps env (a new revision followed to healthy, secretRef left
# alone) and revision traffic; idempotence, restore, the dry run, bad input,
# and no setting value in any output, log or summary.
. "$(dirname "$0")/lib.sh"

. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10

# Distinctive values: none may appear anywhere but the -o file's restore section.
OLD=cnryOLD7f3a NEW=cnryNEW9b2c SECRET=cnrySECRET5d1e ENVOLD=cnryENVOLD1c4e ENVNEW=cnryENVNEW8a0f
cat >"$T/seed.json" <<EOF
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "web1", "always_on": true,
   "app_settings": {"DB_PASSWORD": "$SECRET-\\u00e9 \\"q\\" back\\\\slash\\nline", "EMPTY": "",
                    "PERF_OPTIMIZATIONS_ENABLED": "$OLD", "ZZ_LAST": "$SECRET-tail"}}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
   "min_replicas": 1, "max_replicas": 3, "secrets": ["db-password"], "revisions_mode": "Multiple",
   "revisions": ["api--1"], "traffic": [{"latestRevision": true, "weight": 100}],
   "containers": [{"name": "api", "cpu": 0.5, "memory": "1Gi",
                   "env": [{"name": "DB_PASSWORD", "secretRef": "db-password"},
                           {"name": "PERF_OPTIMIZATIONS_ENABLED", "value": "$ENVOLD"},
                           {"name": "OTHER", "value": "$SECRET-env"}]},
                  {"name": "sidecar", "cpu": 0.25, "memory": "0.5Gi",
                   "env": [{"name": "PERF_OPTIMIZATIONS_ENABLED", "value": "$ENVOLD-sidecar"}]}]}]}
EOF
cat >"$T/pr-tools.json" <<'EOF'
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "web_apps": [{"name": "web1", "always_on": true}],
  "container_apps": [{"name": "api", "min_replicas": 1}]}}}
EOF
F=PERF_OPTIMIZATIONS_ENABLED
writes() { curl -s "$ARM/_fixture/writes"; }
sha() { printf %s "$1" | sha256sum | cut -c1-64; }
# restored FILE LIST [NAME]: the restore section's value of NAME (default $F) in LIST's first entry
restored() { jq -r --arg n "${3:-$F}" ".restore.azure.$2[0].settings[\$n]" "$1"; }
revs() { state | jq -c '[.container_apps[0].revisions[] | [.name, .weight]]'; }
envs() { state | jq -c '.container_apps[0].containers | map(.env)'; }
reset() { curl -s -X POST "$ARM/_fixture/reset" >/dev/null; }
web_settings() { state | jq -S -c '.web_apps[0].app_settings'; }
# every output a run leaves: stdout, stderr, the log, GitHub outputs and summary
outputs() { cat "$T/out" "$T/err" "$T/gh.out" "$T/gh.md" "$T"/work/logs/* 2>/dev/null; }
leaks() { outputs | grep -c -e "$OLD" -e "$NEW" -e "$SECRET" -e "$ENVOLD" -e "$ENVNEW"; }
gh_run() { # gh_run EXIT NAME CMD...: run inside a fake GitHub Actions job with --log
	_code=$1 _name=$2
	shift 2
	rm -rf "$T/work" "$T/gh.out" "$T/gh.md"
	mkdir -p "$T/work"
	expect_exit "$_code" "$_name" env -C "$T/work" GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" \
		GITHUB_STEP_SUMMARY="$T/gh.md" "$@" --log
}

# --- App Service: one key merged, every other setting kept byte for byte.
start_arm --state "$T/seed.json"
web_settings >"$T/web-before.json"
gh_run 0 set_web_app_setting_exits_0 pr-apply-scale -f "$T/pr-tools.json" \
	--set web1:PERF_OPTIMIZATIONS_ENABLED="$NEW" -o "$T/stage.json"
check set_lands_in_app_settings [ "$(state | jq -r '.web_apps[0].app_settings.PERF_OPTIMIZATIONS_ENABLED')" = "$NEW" ]
check set_keeps_every_other_setting_byte_for_byte \
	[ "$(web_settings | jq -c "del(.$F)")" = "$(jq -c "del(.$F)" "$T/web-before.json")" ]
calls
check set_reads_with_list_and_writes_one_put \
	[ "$(jq -c '[.[] | select(.path | test("appsettings")) | .method + " " + (.path | sub(".*/config/"; ""))]' \
		"$T/calls.json")" = '["POST appsettings/list","PUT appsettings","POST appsettings/list"]' ]
check set_sends_no_other_write [ "$(writes | jq -c 'keys | map(sub("/subscriptions/.*/sites/"; ""))')" = \
	'["PUT web1/config/appsettings"]' ]
check set_without_resource_flags_changes_only_the_setting \
	[ "$(jq -c '[.resources[] | .name, .status]' "$T/out")" = '["web1","changed"]' ]
check set_document_shows_sha256_of_old_and_new \
	[ "$(jq -r '.resources[0].changes[0] | [.setting, .from.sha256, .to.sha256] | join(" ")' "$T/out")" = \
	  "settings.$F $(sha "$OLD") $(sha "$NEW")" ]
check set_file_restore_holds_old_plain_value [ "$(restored "$T/stage.json" web_apps)" = "$OLD" ]
check set_file_restore_holds_only_the_changed_key \
	[ "$(jq -c '.restore.azure.web_apps[0].settings | keys' "$T/stage.json")" = "[\"$F\"]" ]
check set_file_holding_values_is_0600 [ "$(stat -c %a "$T/stage.json")" = 600 ]
check set_stdout_restore_is_hashed [ "$(restored "$T/out" web_apps | jq -r .sha256)" = "$(sha "$OLD")" ]
check set_no_value_in_stdout_stderr_log_or_summary [ "$(leaks)" -eq 0 ]
check set_log_was_written sh -c "ls '$T'/work/logs/pr-apply-scale-*.log >/dev/null"
check set_summary_names_the_setting grep -qF 'settings.PERF\_OPTIMIZATIONS\_ENABLED' "$T/gh.md"
check set_document_validates validate apply "$T/stage.json"
check set_stdout_document_validates validate apply "$T/out"

# A second run sends no write at all.
reset
expect_exit 0 second_set_exits_0 pr-apply-scale -f "$T/pr-tools.json" --set "web1:$F=$NEW" -o "$T/again.json"
check second_set_sends_no_write [ "$(writes)" = '{}' ]
check second_set_reports_unchanged [ "$(jq -c '[.resources[].status]' "$T/out")" = '["unchanged"]' ]
check second_set_restore_is_empty [ "$(jq -c '.restore.azure.web_apps[0] | has("settings")' "$T/again.json")" = false ]

# --restore gives the old value back, the whole set as it was.
gh_run 0 restore_setting_exits_0 pr-apply-scale --from-apply "$T/stage.json" --restore -o "$T/restored.json"
check restore_gives_the_old_value_back [ "$(web_settings)" = "$(cat "$T/web-before.json")" ]
check restore_no_value_in_any_output [ "$(leaks)" -eq 0 ]
check restore_file_keeps_the_canary_value_for_going_forward_again \
	[ "$(jq -r '.restore.azure.web_apps[0].settings.PERF_OPTIMIZATIONS_ENABLED' "$T/restored.json")" = "$NEW" ]

# A key that did not exist: restore deletes it.
expect_exit 0 set_new_key_exits_0 pr-apply-scale -f "$T/pr-tools.json" --set web1:CANARY_NEW_FLAG=on -o "$T/new.json"
check restore_of_new_key_is_null \
	[ "$(jq -c '.restore.azure.web_apps[0].settings' "$T/new.json")" = '{"CANARY_NEW_FLAG":null}' ]
expect_exit 0 restore_new_key_exits_0 pr-apply-scale --from-apply "$T/new.json" --restore -o "$T/new-restored.json"
check restore_deletes_a_key_that_did_not_exist [ "$(web_settings)" = "$(cat "$T/web-before.json")" ]

# Dry run: the plan by name only, nothing written, no -o needed.
reset
expect_exit 0 dry_run_set_exits_0 pr-apply-scale -n -f "$T/pr-tools.json" --set web1:PERF_OPTIMIZATIONS_ENABLED="$NEW"
check dry_run_set_sends_no_write [ "$(writes)" = '{}' ]
check dry_run_set_plans_the_setting \
	[ "$(jq -c '[.resources[0].status, .resources[0].changes[].setting]' "$T/out")" = \
	  "[\"planned\",\"settings.$F\"]" ]
check dry_run_set_no_value_anywhere [ "$(leaks)" -eq 0 ]

# The config's settings map does the same as --set.
cat >"$T/flag.json" <<EOF
{"platform": {"azure": {"subscription": "sub-1", "resource_group": "rg-perf",
  "web_apps": [{"name": "web1", "settings": {"PERF_OPTIMIZATIONS_ENABLED": "$NEW"}}]}}}
EOF
expect_exit 0 config_settings_map_applies pr-apply-scale -f "$T/flag.json" -o "$T/flag-out.json"
check config_settings_map_lands [ "$(state | jq -r '.web_apps[0].app_settings.PERF_OPTIMIZATIONS_ENABLED')" = "$NEW" ]

# --- Container Apps: an env change makes a new revision, followed to healthy.
start_arm --state "$T/seed.json" --revision-polls 2
state | jq -c '.container_apps[0].containers' >"$T/containers-before.json"
gh_run 0 set_container_env_exits_0 pr-apply-scale -f "$T/pr-tools.json" \
	--set api:PERF_OPTIMIZATIONS_ENABLED="$ENVNEW" -o "$T/env.json"
check env_change_makes_a_new_healthy_revision \
	[ "$(state | jq -c '[.container_apps[0].revisions[] | [.name, .provisioning, .running, .health]]')" = \
	  '[["api--1","Provisioned","Running","Healthy"],["api--2","Provisioned","Running","Healthy"]]' ]
calls
check env_change_follows_the_revision_until_healthy \
	[ "$(jq '[.[] | select(.path | endswith("/revisions/api--2"))] | length' "$T/calls.json")" -eq 3 ]
check env_change_sets_only_the_first_containers_variable \
	[ "$(envs)" = "$(jq -c --arg v "$ENVNEW" '.[0].env[1].value = $v | map(.env)' "$T/containers-before.json")" ]
check env_change_keeps_secretref_untouched \
	[ "$(envs | jq -c '.[0][0]')" = '{"name":"DB_PASSWORD","secretRef":"db-password"}' ]
check env_no_value_in_any_output [ "$(leaks)" -eq 0 ]
check env_file_restore_holds_old_value [ "$(restored "$T/env.json" container_apps)" = "$ENVOLD" ]
reset
expect_exit 0 second_env_run_exits_0 pr-apply-scale -f "$T/pr-tools.json" --set "api:$F=$ENVNEW" -o "$T/env2.json"
check second_env_run_sends_no_write [ "$(writes)" = '{}' ]
expect_exit 0 env_restore_exits_0 pr-apply-scale --from-apply "$T/env.json" --restore -o "$T/env-restored.json"
check env_restore_gives_the_old_value_back \
	[ "$(envs)" = "$(jq -c 'map(.env)' "$T/containers-before.json")" ]

# Dry run of an env change and a traffic shift: the plan, no write, no revision.
reset
expect_exit 0 dry_run_env_and_traffic_exits_0 pr-apply-scale -n -f "$T/pr-tools.json" --set "api:$F=$ENVNEW" \
	--traffic api:latest=5
check dry_run_env_and_traffic_sends_no_write [ "$(writes)" = '{}' ]
check dry_run_env_and_traffic_plans_both \
	[ "$(jq -c '[.resources[0].status, [.resources[0].changes[].setting]]' "$T/out")" = \
	  "[\"planned\",[\"traffic\",\"settings.$F\"]]" ]
check dry_run_env_and_traffic_no_value_anywhere [ "$(leaks)" -eq 0 ]

# A revision that fails to provision: exit 5 (the change was made), one line naming it.
mode revision_fail api
expect_exit 5 failed_revision_exits_5 pr-apply-scale -q -f "$T/pr-tools.json" --set "api:$F=$ENVNEW" -o "$T/fail.json"
msg="pr-apply-scale: GET containerApps/api/revisions/api--4: the new revision is not healthy: Failed:"
msg="$msg Container 'api' failed to start: exit code 1. (see the revision's logs; go back with"
check failed_revision_is_named_in_one_line grep -qxF "$msg pr-apply-scale --from-apply FILE --restore)" "$T/err"
check failed_revision_file_still_holds_restore [ "$(restored "$T/fail.json" container_apps)" = "$ENVOLD" ]
mode clear

# A revision that stays Degraded: the section's revision_timeout bounds the wait (default 20 minutes).
jq '.platform.azure.revision_timeout = "1s"' "$T/pr-tools.json" >"$T/bounded.json"
mode revision_degraded api
t0=$(date +%s)
expect_exit 5 degraded_revision_exits_5_after_its_timeout pr-apply-scale -q -f "$T/bounded.json" \
	--set "api:$F=$ENVNEW-degraded" -o "$T/degraded.json"
check degraded_revision_wait_ends_within_its_bound [ $(($(date +%s) - t0)) -le 10 ]
msg="pr-apply-scale: GET containerApps/api/revisions/api--[0-9]*: the new revision is not healthy: still Provisioned,"
check degraded_revision_is_named_in_one_line grep -qx "$msg Degraded, Unhealthy after 1 s (see the revision's logs.*" \
	"$T/err"
check degraded_revision_error_is_one_line one_line "$T/err"
check degraded_revision_restore_keeps_the_bound \
	[ "$(jq -r '.restore.azure.revision_timeout' "$T/degraded.json")" = 1s ]
mode clear
jq '.platform.azure.revision_timeout = "soon"' "$T/pr-tools.json" >"$T/bounded.json"
expect_exit 3 bad_revision_timeout_exits_3 pr-apply-scale -f "$T/bounded.json" --set "api:$F=$ENVNEW" -o "$T/x.json"
check bad_revision_timeout_is_named grep -q 'platform.azure.revision_timeout: expected seconds' "$T/err"

# --- Traffic: the latest revision gets 5 %, the stable one the rest.
cat >"$T/seed-traffic.json" <<'EOF'
{"container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
   "revisions_mode": "Multiple", "revisions": ["api--1", "api--2"],
   "traffic": [{"revisionName": "api--1", "weight": 100}, {"latestRevision": true, "weight": 0}]}]}
EOF
start_arm --state "$T/seed-traffic.json"
expect_exit 0 traffic_shift_exits_0 pr-apply-scale -f "$T/pr-tools.json" --traffic api:latest=5
check traffic_shift_lands [ "$(revs)" = '[["api--1",95],["api--2",5]]' ]
check traffic_shift_change_is_listed [ "$(jq -c '.resources[0].changes' "$T/out")" = \
	'[{"setting":"traffic","from":{"api--1":100,"latest":0},"to":{"latest":5}}]' ]
check traffic_restore_holds_old_weights \
	[ "$(jq -c '.restore.azure.container_apps[0].traffic' "$T/out")" = '{"api--1":100,"latest":0}' ]
check traffic_shift_makes_no_revision [ "$(state | jq '.container_apps[0].revisions | length')" -eq 2 ]
check traffic_document_validates validate apply "$T/out"
cp "$T/out" "$T/traffic.json"
reset
expect_exit 0 second_traffic_run_exits_0 pr-apply-scale -f "$T/pr-tools.json" --traffic api:latest=5
check second_traffic_run_sends_no_write [ "$(writes)" = '{}' ]
expect_exit 0 traffic_restore_exits_0 pr-apply-scale --from-apply "$T/traffic.json" --restore
check traffic_restore_sends_all_back_to_the_old_revision [ "$(revs)" = '[["api--1",100],["api--2",0]]' ]

# Single revision mode refuses a split: Resource Manager's 400, exit 4.
cat >"$T/single.json" <<'EOF'
{"container_apps": [{"subscription": "sub-1", "resource_group": "rg-perf", "name": "api",
   "revisions": ["api--1", "api--2"], "revisions_mode": "Single"}]}
EOF
start_arm --state "$T/single.json"
expect_exit 4 traffic_in_single_mode_exits_4 pr-apply-scale -q -f "$T/pr-tools.json" --traffic api:latest=5,api--1=95
check traffic_in_single_mode_error_is_one_line one_line "$T/err"

# --- Bad input: exit 2 or 3, one line naming it, never a value.
start_arm --state "$T/seed.json"
expect_exit 2 set_without_equals_exits_2 pr-apply-scale -f "$T/pr-tools.json" --set "web1:$NEW"
check set_without_equals_names_the_form \
	grep -qF "pr-apply-scale: --set: expected [RESOURCE:]NAME=VALUE, found no '=' in the argument" "$T/err"
check set_without_equals_is_one_line one_line "$T/err"
expect_exit 2 set_with_empty_name_exits_2 pr-apply-scale -f "$T/pr-tools.json" --set "web1:=$NEW"
check set_errors_never_show_the_value sh -c "! grep -q '$NEW' '$T/err'"
expect_exit 2 set_ambiguous_resource_exits_2 pr-apply-scale -f "$T/pr-tools.json" --set "FLAG=$NEW" -o "$T/x.json"
check set_ambiguous_resource_names_them grep -q "names 2 resources (web1, api); write RESOURCE:NAME=VALUE" "$T/err"
expect_exit 3 set_unknown_resource_exits_3 pr-apply-scale -f "$T/pr-tools.json" --set "web9:FLAG=$NEW" -o "$T/x.json"
check set_unknown_resource_is_named_in_one_line \
	grep -qxF "pr-apply-scale: --set web9:...: no resource \"web9\" in $T/pr-tools.json: platform \
(it names web1, api)" "$T/err"
check set_unknown_resource_never_shows_the_value sh -c "! grep -q '$NEW' '$T/err'"
expect_exit 3 set_bad_name_exits_3 pr-apply-scale -f "$T/pr-tools.json" --set "api:BAD NAME=$NEW" -o "$T/x.json"
check set_bad_name_is_named grep -q 'container_apps\[0\].settings: "BAD NAME" is not a name Azure takes' "$T/err"
expect_exit 2 traffic_malformed_exits_2 pr-apply-scale -f "$T/pr-tools.json" --traffic api:latest=150
expect_exit 3 traffic_on_a_web_app_exits_3 pr-apply-scale -f "$T/pr-tools.json" --traffic web1:latest=5
check traffic_on_a_web_app_is_named grep -q 'web_apps\[0\].traffic: unknown field' "$T/err"
expect_exit 2 set_without_output_file_exits_2 pr-apply-scale -f "$T/pr-tools.json" --set "web1:FLAG=$NEW"
check set_without_output_file_says_why grep -q 'give -o FILE or OUTPUT_JSON' "$T/err"
expect_exit 4 set_secretref_variable_exits_4 pr-apply-scale -q -f "$T/pr-tools.json" --set "api:DB_PASSWORD=$NEW" \
	-o "$T/x.json"
msg="pr-apply-scale: PATCH containerApps/api: settings.DB_PASSWORD is a secretRef variable, which pr-apply-scale"
check set_secretref_variable_is_refused_in_one_line \
	grep -qxF "$msg does not write (change the secret it refers to instead)" "$T/err"
check set_secretref_sends_no_write [ "$(writes)" = '{}' ]
