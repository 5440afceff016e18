#!/bin/sh
# apply_render.sh: pr-apply-scale against tests/fixtures/render_api.py:
# scale, plan and environment variables applied, verified and restored; a
# second run that writes nothing; cursor pagination; deploys that go live
# or fail to build; 429 then success; the API key and the variables'
# values nowhere in any output; bad sections.
. "$(dirname "$0")/lib.sh"
. "$FIX/render.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID AZURE_ACCESS_TOKEN
KEY=rnd_CANARY-k3yQ9zT7wX2m
export RENDER_API_KEY=$KEY PR_RETRY_BASE_MS=10
# Old values are kept only in the -o file (0600); stdout shows their hashes.
export OUTPUT_JSON=$T/doc.json
# Values that must never show outside a restore section.
OLD=stage-0-OLDVALUE-p4Lq
NEW=stage-25-NEWVALUE-r8Ds
DBPW=SECRETPW-db-v6Nc
SHA1=1111111111111111111111111111111111111111
SHA2=2222222222222222222222222222222222222222

cat >"$T/seed.json" <<EOF
{"services": [{"id": "srv-api1", "name": "shop-api", "instances": 1, "plan": "starter",
  "env": {"DATABASE_URL": "postgres://shop:$DBPW@db/shop", "PERF_OPTIMIZATIONS_ENABLED": "$OLD",
          "LOG_LEVEL": "info"},
  "commit": "$SHA1"}]}
EOF
cat >"$T/pr-tools.json" <<EOF
{"platform": {"render": {"services": [{"id": "srv-api1", "instances": 3, "plan": "standard", "restart": true,
  "settings": {"PERF_OPTIMIZATIONS_ENABLED": "$NEW", "NEW_FLAG": "on"}}]}}}
EOF
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
writes_of() {
	rcalls
	jq -c '[.[] | select(.method != "GET" and .status < 300) | .method + " " + .path]' "$T/rcalls.json"
}
# is FILE FILTER WANT: jq -c FILTER on FILE prints WANT.
is() { [ "$(jq -c "$2" "$1")" = "$3" ]; }
S=/v1/services/srv-api1

# --help of each program that acts on Render says so (and that --set reaches it).
expect_exit 0 apply_help_exits_0 pr-apply-scale --help
check apply_help_names_both_providers grep -q '"azure" (App Service.*' "$T/out"
check apply_help_names_render_and_its_key grep -q 'with RENDER_API_KEY' "$T/out"
check apply_help_sets_a_render_services_env grep -q "or a Render service's" "$T/out"
expect_exit 0 rollback_help_exits_0 pr-rollback --help
check rollback_help_names_the_render_deploy grep -q 'deploy.render' "$T/out"
check rollback_help_restores_render_settings grep -q 'Render services' "$T/out"
expect_exit 0 snapshot_help_exits_0 pr-snapshot --help
check snapshot_help_records_render_services grep -q 'Render services' "$T/out"

# Apply: scale, plan, two variables, then a restart for them to take effect.
start_render --key "$KEY" --state "$T/seed.json"
expect_exit 0 render_apply_changes_what_differs pr-apply-scale -f "$T/pr-tools.json"
cp "$T/doc.json" "$T/apply.json"
cp "$T/err" "$T/apply.err"
rstate >"$T/state.json"
check render_apply_leaves_desired_state is "$T/state.json" \
	'.services[0] | [.instances, .plan, .env.PERF_OPTIMIZATIONS_ENABLED, .env.NEW_FLAG]' \
	"[3,\"standard\",\"$NEW\",\"on\"]"
check render_apply_keeps_other_variables_byte_for_byte is "$T/state.json" \
	'.services[0].env | [.DATABASE_URL, .LOG_LEVEL, (keys | length)]' \
	"[\"postgres://shop:$DBPW@db/shop\",\"info\",4]"
want="[\"PUT $S/env-vars/PERF_OPTIMIZATIONS_ENABLED\",\"PUT $S/env-vars/NEW_FLAG\",\"PATCH $S\","
want="$want\"POST $S/scale\",\"POST $S/restart\"]"
check render_apply_writes_one_key_each_then_restarts [ "$(writes_of)" = "$want" ]
check render_apply_sends_documented_bodies is "$T/rcalls.json" \
	'[.[] | select(.method == "PATCH" or (.path | endswith("/scale"))) | .body]' \
	'[{"serviceDetails":{"plan":"standard"}},{"numInstances":3}]'
check render_apply_document_validates validate apply "$T/apply.json"
check render_apply_document_shows_hashes_not_values is "$T/apply.json" \
	'.resources[0] | [.before.settings.PERF_OPTIMIZATIONS_ENABLED.sha256,
	    .after.settings.PERF_OPTIMIZATIONS_ENABLED.sha256, .before.settings.NEW_FLAG]' \
	"[\"$(sha "$OLD")\",\"$(sha "$NEW")\",null]"
check render_apply_lists_each_change is "$T/apply.json" '[.resources[0].changes[].setting]' \
	'["instances","plan","settings.PERF_OPTIMIZATIONS_ENABLED","settings.NEW_FLAG"]'
check render_apply_verified [ "$(jq -r '.verdict + " " + .resources[0].status' "$T/apply.json")" = "pass changed" ]
want="{\"id\":\"srv-api1\",\"restart\":true,\"instances\":1,\"plan\":\"starter\","
want="$want\"settings\":{\"PERF_OPTIMIZATIONS_ENABLED\":\"$OLD\",\"NEW_FLAG\":null}}"
check render_restore_section_holds_old_values_of_changed_keys_only \
	is "$T/apply.json" '.restore.render.services[0]' "$want"
ok_if render_values_only_in_restore_section \
	'! jq "del(.restore)" "$T/apply.json" | grep -qF -e "$NEW" -e "$OLD" -e "$DBPW" &&
	! grep -qF -e "$NEW" -e "$OLD" -e "$DBPW" "$T/apply.err"'

# Idempotent: the second run reads and writes nothing.
rreset
expect_exit 0 render_second_run_exits_0 pr-apply-scale -f "$T/pr-tools.json"
check render_second_run_sends_no_write [ "$(rwrites)" -eq 0 ]
check render_second_run_reports_unchanged [ "$(jq -r '.resources[0].status' "$T/out")" = unchanged ]

# Restore: the old value back, the new key deleted, the rest untouched.
rreset
expect_exit 0 render_restore_exits_0 pr-apply-scale --from-apply "$T/apply.json" --restore
rstate >"$T/state.json"
check render_restore_returns_to_seed is "$T/state.json" \
	'.services[0] | [.instances, .plan, .env.PERF_OPTIMIZATIONS_ENABLED, (.env | has("NEW_FLAG")),
	    .env.LOG_LEVEL]' \
	"[1,\"starter\",\"$OLD\",false,\"info\"]"
writes_of >"$T/writes.json"
check render_restore_deletes_the_new_key_and_restarts is "$T/writes.json" '[.[] | select(test("DELETE|restart"))]' \
	"[\"DELETE $S/env-vars/NEW_FLAG\",\"POST $S/restart\"]"

# Dry run: the plan, no write.
rreset
expect_exit 0 render_dry_run_exits_0 pr-apply-scale --dry-run -f "$T/pr-tools.json"
check render_dry_run_sends_no_write [ "$(rwrites)" -eq 0 ]
check render_dry_run_plans_four_changes is "$T/out" '.resources[0] | [.status, (.changes | length)]' '["planned",4]'

# A change that does not stick is caught by the read back: exit 1.
rmode no_stick
expect_exit 1 render_change_that_does_not_stick_exits_1 pr-apply-scale -q -f "$T/pr-tools.json"
check render_not_verified_names_the_setting_without_value \
	grep -q "verify services/srv-api1: instances is 1 after apply, wanted 3" "$T/err"
rmode clear

# Cursor pagination: 250 variables take three pages of 100; one key merged,
# the other 249 kept.
$PY - "$T/many.json" <<'EOF'
import json, sys
env = {f"VAR_{i:03d}": f"value-{i}" for i in range(250)}
json.dump({"services": [{"id": "srv-many", "instances": 1, "plan": "starter", "env": env}]}, open(sys.argv[1], "w"))
EOF
start_render --key "$KEY" --state "$T/many.json"
echo '{"render": {"services": [{"id": "srv-many", "settings": {"VAR_249": "changed"}}]}}' >"$T/many-p.json"
expect_exit 0 render_paginated_apply_exits_0 pr-apply-scale --platform "$T/many-p.json"
rcalls
check render_lists_every_page_with_cursors is "$T/rcalls.json" \
	'[.[] | select(.path | endswith("/env-vars")) | .query | test("cursor=")] | .[:3]' '[false,true,true]'
rstate >"$T/state.json"
check render_paginated_merge_keeps_the_others is "$T/state.json" \
	'.services[0].env | [length, .VAR_249, .VAR_000, .VAR_150]' '[250,"changed","value-0","value-150"]'
rreset
expect_exit 0 render_paginated_second_run_exits_0 pr-apply-scale --platform "$T/many-p.json"
check render_paginated_second_run_sends_no_write [ "$(rwrites)" -eq 0 ]

# Deploy a commit and follow it until live; the second run deploys nothing.
start_render --key "$KEY" --state "$T/seed.json"
echo "{\"render\": {\"services\": [{\"id\": \"srv-api1\", \"commit\": \"$SHA2\"}]}}" >"$T/deploy.json"
expect_exit 0 render_deploy_goes_live pr-apply-scale --platform "$T/deploy.json"
rcalls
check render_deploy_sends_commit_id is "$T/rcalls.json" '[.[] | select(.method == "POST") | .body]' \
	"[{\"commitId\":\"$SHA2\"}]"
check render_deploy_polled_until_live is "$T/rcalls.json" '[.[] | select(.path | test("/deploys/dep-"))] | length' 3
check render_deploy_leaves_commit_live [ "$(rstate | jq -r '.services[0].commit')" = "$SHA2" ]
rreset
expect_exit 0 render_deploy_second_run_exits_0 pr-apply-scale --platform "$T/deploy.json"
check render_deploy_second_run_sends_no_write [ "$(rwrites)" -eq 0 ]

# A deploy that fails to build: exit 4, one line naming the deploy.
rmode build_fail
echo "{\"render\": {\"services\": [{\"id\": \"srv-api1\", \"commit\": \"$SHA1\"}]}}" >"$T/deploy1.json"
expect_exit 4 render_build_failure_exits_4 pr-apply-scale -q --platform "$T/deploy1.json"
ok_if render_build_failure_names_the_deploy 'one_line "$T/err" &&
	grep -q "^pr-apply-scale: POST services/srv-api1/deploys: deploy dep-[0-9]* ended build_failed (read" "$T/err"'
check render_build_failure_in_document \
	is "$T/out" '.resources[0].error | test("deploy dep-[0-9]+ ended build_failed")' true
check render_build_failure_keeps_old_commit_live [ "$(rstate | jq -r '.services[0].commit')" = "$SHA2" ]
rmode clear

# 429 with Retry-After: 1, then success.
start_render --key "$KEY" --state "$T/seed.json"
rmode throttle
t0=$(date +%s%N)
expect_exit 0 render_throttled_then_succeeds pr-apply-scale -f "$T/pr-tools.json"
t1=$(date +%s%N)
rcalls
check render_throttled_call_was_retried is "$T/rcalls.json" '[.[:2][] | [.method, .path, .status]]' \
	"[[\"GET\",\"$S\",429],[\"GET\",\"$S\",200]]"
check render_throttled_retry_waited_retry_after [ $(((t1 - t0) / 1000000)) -ge 900 ]

# A 503 on a read is retried; on a POST that starts a deploy it is not (the
# deploy may have started): exit 4, one POST.
rreset
rmode busy
expect_exit 0 render_503_on_read_then_succeeds pr-apply-scale --platform "$T/deploy.json"
rcalls
check render_503_on_read_was_retried is "$T/rcalls.json" '[.[:2][] | .status]' '[503,200]'
echo "{\"render\": {\"services\": [{\"id\": \"srv-api1\", \"commit\": \"$SHA1\"}]}}" >"$T/deploy1.json"
rreset
rmode busy_write
expect_exit 4 render_503_on_deploy_exits_4 pr-apply-scale -q --platform "$T/deploy1.json"
rcalls
check render_deploy_post_never_sent_twice is "$T/rcalls.json" '[.[] | select(.method == "POST")] | length' 1

# Suspend and resume.
echo '{"render": {"services": [{"id": "srv-api1", "suspended": true}]}}' >"$T/sleep.json"
echo '{"render": {"services": [{"id": "srv-api1", "suspended": false}]}}' >"$T/wake.json"
rreset
expect_exit 0 render_suspend_exits_0 pr-apply-scale --platform "$T/sleep.json"
check render_suspend_posts_suspend [ "$(writes_of)" = '["POST /v1/services/srv-api1/suspend"]' ]
rreset
expect_exit 0 render_resume_exits_0 pr-apply-scale --platform "$T/wake.json"
check render_resume_posts_resume [ "$(writes_of)" = '["POST /v1/services/srv-api1/resume"]' ]

# Partial: the first service changes, the second is not found -> exit 5.
echo '{"render": {"services": [{"id": "srv-api1", "instances": 2}, {"id": "srv-gone", "instances": 2}]}}' >"$T/two.json"
expect_exit 5 render_partial_exits_5 pr-apply-scale -q --platform "$T/two.json"
check render_partial_says_which is "$T/out" '[.verdict, .resources[].status]' '["partial","changed","failed"]'
check render_partial_names_the_missing_service \
	grep -q "GET services/srv-gone: 404 not_found: service not found (check the service id" "$T/err"

# Auth: a wrong key is refused once, in one line; no key at all is exit 4.
RENDER_API_KEY=rnd_wrong expect_exit 4 render_wrong_key_exits_4 pr-apply-scale --platform "$T/two.json"
check render_wrong_key_one_line \
	grep -q "GET services/srv-api1: 401 unauthorized: Unauthorized (check RENDER_API_KEY" "$T/err"
check render_wrong_key_then_not_attempted \
	is "$T/out" '.resources[1].error' '"not attempted: the Render API refused the token"'
run env -u RENDER_API_KEY "$PR_BIN/pr-apply-scale" --platform "$T/two.json"
ok_if render_no_key_exits_4_saying_so '[ "$rc" -eq 4 ] && grep -q "RENDER_API_KEY is not set" "$T/err" &&
	is "$T/out" ".resources[0].error" "\"not attempted: no Render token\""'

RENDER_API_KEY="$(printf 'rnd_part1\nInjected: header')" run pr-apply-scale --platform "$T/two.json"
ok_if render_key_with_line_break_refused_unshown '[ "$rc" -eq 4 ] &&
	grep -q "RENDER_API_KEY holds a control character" "$T/err" && ! grep -q -e rnd_part1 -e Injected "$T/err"'

# --set on a Render service: the flag alone, by the service's id; the other
# variables kept, the restart the section asks for sent, the value nowhere
# but the -o file; a second run writes nothing; --restore gives it back.
start_render --key "$KEY" --state "$T/seed.json"
cat >"$T/flagged.json" <<EOF
{"platform": {"render": {"services": [{"id": "srv-api1", "instances": 9, "restart": true}]}}}
EOF
OUTPUT_JSON=$T/set.json expect_exit 0 render_set_exits_0 \
	pr-apply-scale -f "$T/flagged.json" --set srv-api1:PERF_OPTIMIZATIONS_ENABLED="$NEW"
rstate >"$T/state.json"
check render_set_changes_only_the_flag is "$T/state.json" \
	'.services[0] | [.instances, .env.PERF_OPTIMIZATIONS_ENABLED, .env.LOG_LEVEL, (.env | length)]' \
	"[1,\"$NEW\",\"info\",3]"
check render_set_restarts_the_service \
	[ "$(writes_of)" = "[\"PUT $S/env-vars/PERF_OPTIMIZATIONS_ENABLED\",\"POST $S/restart\"]" ]
check render_set_shows_no_value sh -c "! grep -q -e '$NEW' -e '$OLD' '$T/out' '$T/err'"
check render_set_keeps_the_old_value_in_the_file is "$T/set.json" \
	'.restore.render.services[0].settings.PERF_OPTIMIZATIONS_ENABLED' "\"$OLD\""
rreset
OUTPUT_JSON=$T/set2.json expect_exit 0 render_set_again_exits_0 \
	pr-apply-scale -f "$T/flagged.json" --set srv-api1:PERF_OPTIMIZATIONS_ENABLED="$NEW"
check render_set_again_writes_nothing [ "$(writes_of)" = "[]" ]
OUTPUT_JSON=$T/back.json expect_exit 0 render_set_restore_exits_0 pr-apply-scale --from-apply "$T/set.json" --restore
rstate >"$T/state.json"
check render_set_restore_gives_the_old_value is "$T/state.json" \
	'.services[0].env.PERF_OPTIMIZATIONS_ENABLED' "\"$OLD\""
expect_exit 3 render_set_unknown_service_exits_3 pr-apply-scale -f "$T/flagged.json" --set srv-nope:A=1
check render_set_unknown_service_names_it grep -q 'no resource "srv-nope"' "$T/err"
expect_exit 3 render_traffic_on_a_service_exits_3 pr-apply-scale -f "$T/flagged.json" --traffic srv-api1:latest=5

# The API key nowhere: stdout, stderr (in GitHub Actions only as the
# ::add-mask:: line), the log file, GITHUB_OUTPUT, the step summary, and
# what the API saw beyond the Authorization header.
start_render --key "$KEY" --state "$T/seed.json"
mkdir -p "$T/gha" && cd "$T/gha" || exit 1
: >"$T/gh_output" && : >"$T/gh_summary"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_output GITHUB_STEP_SUMMARY=$T/gh_summary QA_LOG=1 \
	expect_exit 0 render_apply_in_github_actions pr-apply-scale -f "$T/pr-tools.json"
ok_if render_key_not_in_stdout '! grep -qF "$KEY" "$T/out"'
ok_if render_key_in_stderr_only_as_add_mask \
	'grep -qx "::add-mask::$KEY" "$T/err" && ! grep -F "$KEY" "$T/err" | grep -qv "^::add-mask::"'
ok_if render_key_and_values_not_in_log_file \
	'ls logs/*.log >/dev/null 2>&1 && ! grep -qF -e "$KEY" -e "$NEW" -e "$OLD" -e "$DBPW" logs/*.log'
ok_if render_key_and_values_not_in_github_output_or_summary \
	'[ -s "$T/gh_summary" ] && ! grep -qF -e "$KEY" -e "$NEW" -e "$OLD" -e "$DBPW" "$T/gh_output" "$T/gh_summary"'
ok_if render_values_not_in_github_stderr '! grep -qF -e "$NEW" -e "$OLD" -e "$DBPW" "$T/err"'
rcalls
ok_if render_key_not_in_requests_beyond_the_header '! grep -qF "$KEY" "$T/rcalls.json"'
cd "$T" || exit 1

# Bad sections: exit 3, one line naming the field.
one_line_with() { one_line "$T/err" && grep -q -- "$1" "$T/err"; }
bad() { # NAME SECTION PATTERN
	echo "$2" >"$T/bad.json"
	expect_exit 3 "$1_exits_3" pr-apply-scale --platform "$T/bad.json"
	check "$1_names_the_field" one_line_with "$3"
}
bad render_unknown_provider '{"heroku": {"apps": []}}' \
	'bad.json: platform.heroku: unknown provider (expected one of: azure, render)'
bad render_missing_service_id '{"render": {"services": [{"instances": 2}]}}' 'platform.render.services\[0\].id'
bad render_azure_field_on_render_service '{"render": {"services": [{"id": "srv-api1", "min_replicas": 1}]}}' \
	'platform.render.services\[0\].min_replicas: an Azure field on a Render service'
bad render_other_provider_on_resource '{"render": {"services": [{"id": "srv-api1", "provider": "azure"}]}}' \
	'platform.render.services\[0\].provider: "azure" on a service of the render section'
bad render_unknown_plan '{"render": {"services": [{"id": "srv-api1", "plan": "huge"}]}}' \
	'platform.render.services\[0\].plan: "huge" is not a Render instance type'
bad render_setting_not_a_string '{"render": {"services": [{"id": "srv-api1", "settings": {"A": 1}}]}}' \
	'platform.render.services\[0\].settings.A: expected a string'
bad render_bad_variable_name '{"render": {"services": [{"id": "srv-api1", "settings": {"A/B": "1"}}]}}' \
	'platform.render.services\[0\].settings'
bad render_bad_commit '{"render": {"services": [{"id": "srv-api1", "commit": "main"}]}}' \
	'platform.render.services\[0\].commit: "main" is not a commit SHA'
RENDER_API_ENDPOINT=http://example.com/v1 expect_exit 3 render_plain_http_endpoint_exits_3 \
	pr-apply-scale --platform "$T/deploy.json"
check render_plain_http_endpoint_says_why grep -q "the API key would travel unencrypted" "$T/err"
