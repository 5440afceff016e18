#!/bin/sh
# canary_example.sh: ci-examples/canary.yml's stage and roll-back steps, run
# as the workflow runs them, against tests/fixtures/arm.py with
# ci-examples/config/canary.json: the flag goes 5, 25, 100 and back to 0;
# with mode traffic the latest revision goes 5, 25 and all traffic back to
# the old revision.  (The watch steps are pr-qa's, tested in qa_metrics.sh
# and qa_plot.sh.)
. "$(dirname "$0")/lib.sh"

. "$FIX/arm.sh"

unset AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_TENANT_ID
export AZURE_ACCESS_TOKEN=test-token PR_RETRY_BASE_MS=10 FLAG=PERF_OPTIMIZATIONS_ENABLED \
	AZURE_SUBSCRIPTION_ID=sub-1 AZURE_RESOURCE_GROUP=rg-shop AZURE_WEB_APP=shop-web \
	AZURE_CONTAINER_APP=shop-api APP_URL=http://127.0.0.1:9
WF=$PR_ROOT/ci-examples/canary.yml
# step NAME: run the workflow step NAME's script in $T/work, as Actions does.
step() { workflow_step "$WF" canary "$1" "$T/work"; }
fresh() { rm -rf "$T/work" && mkdir -p "$T/work" && cp "$PR_ROOT/ci-examples/config/canary.json" "$T/work/"; }
flag() { state | jq -r --arg f "$FLAG" '.web_apps[0].app_settings[$f] // "absent"'; }
# the weights of shop-api--1 and shop-api--2
weights() { state | jq -r '[.container_apps[0].revisions[] | .weight] | map(tostring) | join(" ")'; }

cat >"$T/seed.json" <<'EOF'
{"web_apps": [{"subscription": "sub-1", "resource_group": "rg-shop", "name": "shop-web",
   "app_settings": {"PERF_OPTIMIZATIONS_ENABLED": "0", "DB_PASSWORD": "cnrySECRET"}}],
 "container_apps": [{"subscription": "sub-1", "resource_group": "rg-shop", "name": "shop-api",
   "revisions_mode": "Multiple", "revisions": ["shop-api--1", "shop-api--2"],
   "traffic": [{"revisionName": "shop-api--1", "weight": 100}, {"latestRevision": true, "weight": 0}]}]}
EOF

# Mode flag: the stages, then a failure's roll back.
start_arm --state "$T/seed.json"
fresh
export MODE=flag
step "Write the stage command"
ok_if flag_stage_command_written '[ "$rc" -eq 0 ] && [ -x "$T/work/stage.sh" ]'
step "Stage 1: 5 %"
ok_if flag_stage_5_sets_5 '[ "$rc" -eq 0 ] && [ "$(flag)" = 5 ]'
check flag_stage_5_file_is_0600 [ "$(stat -c %a "$T/work/stage-5.json")" = 600 ]
check flag_stage_5_file_holds_the_old_value \
	[ "$(jq -r ".restore.azure.web_apps[0].settings.$FLAG" "$T/work/stage-5.json")" = 0 ]
check flag_stage_stdout_document_holds_a_hash \
	jq -e ".restore.azure.web_apps[0].settings.$FLAG.sha256" "$T/work/stage-5.stdout.json"
check flag_stage_stdout_document_holds_no_value sh -c "! grep -q cnrySECRET '$T/work/stage-5.stdout.json'"
step "Stage 2: 25 %"
ok_if flag_stage_25_sets_25 '[ "$rc" -eq 0 ] && [ "$(flag)" = 25 ]'
step "Roll back"
ok_if flag_roll_back_sets_0 '[ "$rc" -eq 0 ] && [ "$(flag)" = 0 ]'
check flag_roll_back_keeps_other_settings [ "$(state | jq -r '.web_apps[0].app_settings.DB_PASSWORD')" = cnrySECRET ]
step "Stage 3: 100 %"
ok_if flag_stage_100_sets_100 '[ "$rc" -eq 0 ] && [ "$(flag)" = 100 ]'
check flag_stages_leave_the_container_app_alone [ "$(weights)" = "100 0" ]

# Mode traffic: the latest revision's share, then all traffic back to the old one.
start_arm --state "$T/seed.json"
fresh
export MODE=traffic
step "Write the stage command"
step "Stage 1: 5 %"
ok_if traffic_stage_5_gives_latest_5 '[ "$rc" -eq 0 ] && [ "$(weights)" = "95 5" ]'
step "Stage 2: 25 %"
ok_if traffic_stage_25_gives_latest_25 '[ "$rc" -eq 0 ] && [ "$(weights)" = "75 25" ]'
step "Roll back"
ok_if traffic_roll_back_sends_all_to_the_old_revision '[ "$rc" -eq 0 ] && [ "$(weights)" = "100 0" ]'
check traffic_stages_leave_the_flag_alone [ "$(flag)" = 0 ]
step "Stage 3: 100 %"
ok_if traffic_stage_100_gives_latest_all '[ "$rc" -eq 0 ] && [ "$(weights)" = "0 100" ]'
