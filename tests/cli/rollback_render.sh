#!/bin/sh
# rollback_render.sh: a Render service through a release and back, against
# tests/fixtures/render_api.py: pr-snapshot records its instances, plan and
# the names and hashes of its environment variables (never their values);
# pr-rollback redeploys the snapshot's commit through Render (deploy.render)
# and restores the settings; a variable changed since the snapshot is named,
# not guessed; a deploy that fails to build is exit 4 naming it.
. "$(dirname "$0")/lib.sh"
. "$FIX/render.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export RENDER_API_KEY=rnd_test_key PR_RETRY_BASE_MS=10
unset GITHUB_TOKEN
step() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .status' "$1"; }
detail() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .detail' "$1"; }
# is FILE FILTER WANT: jq -c FILTER on FILE prints WANT.
is() { [ "$(jq -c "$2" "$1")" = "$3" ]; }
OLD=stage-0-OLDVALUE-h2Jk
NEW=stage-100-NEWVALUE-w5Pz
DBPW=SECRETPW-db-m3Xe

git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1
v1=$(git rev-parse HEAD)
cat >"$T/seed.json" <<EOF
{"services": [{"id": "srv-api1", "instances": 1, "plan": "starter", "commit": "$v1",
  "env": {"PERF_OPTIMIZATIONS_ENABLED": "$OLD", "DATABASE_URL": "postgres://shop:$DBPW@db/shop"}}]}
EOF
cat >"$T/cfg.json" <<'EOF'
{"platform": {"render": {"services": [{"id": "srv-api1"}]}},
 "deploy": {"render": {"service": "srv-api1"}}}
EOF
start_render --state "$T/seed.json"

expect_exit 0 snapshot_runs pr-snapshot -f "$T/cfg.json" --tag before -a "$T/snap.tar.gz"
check snapshot_records_render_settings is "$T/out" \
	'.platform.render.services[0] | [.id, .instances, .plan, .suspended, (.settings | keys)]' \
	'["srv-api1",1,"starter",false,["DATABASE_URL","PERF_OPTIMIZATIONS_ENABLED"]]'
check snapshot_records_hashes_of_values is "$T/out" '.platform.render.services[0].settings.PERF_OPTIMIZATIONS_ENABLED' \
	"{\"sha256\":\"$(printf '%s' "$OLD" | sha256sum | cut -d' ' -f1)\"}"
cp "$T/out" "$T/snap.json"
check snapshot_render_fits_schema validate snapshot "$T/snap.json"
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x"
ok_if snapshot_holds_no_value_anywhere \
	'! grep -rqF -e "$OLD" -e "$DBPW" "$T/x" "$T/snap.json" "$T/err"'

# The release: a new commit deployed, scaled up, the flag at 100.
echo v2 >app.txt && git commit -q -am v2
v2=$(git rev-parse HEAD)
cat >"$T/release.json" <<EOF
{"render": {"services": [{"id": "srv-api1", "commit": "$v2", "instances": 3, "plan": "standard"}]}}
EOF
expect_exit 0 release_applies pr-apply-scale -q --platform "$T/release.json"
check release_is_live [ "$(rstate | jq -c '.services[0] | [.commit, .instances, .plan]')" = "[\"$v2\",3,\"standard\"]" ]

# Dry run: the plan, nothing written.
rreset
run pr-rollback -f "$T/cfg.json" --dry-run --restore-platform "$T/snap.json"
ok_if rollback_dry_run_plans_render_deploy '[ "$rc" -eq 0 ] && [ "$(step "$T/out" deploy)" = planned ]'
check rollback_dry_run_names_commit_and_service grep -q \
	"would deploy before ($(printf '%.12s' "$v1")) to Render service srv-api1" "$T/out"
check rollback_dry_run_sends_no_write [ "$(rwrites)" -eq 0 ]

# Rollback: the snapshot's commit redeployed through Render, then its settings.
rreset
run pr-rollback -f "$T/cfg.json" --restore-platform "$T/snap.json"
ok_if rollback_render_exits_0 '[ "$rc" -eq 0 ]'
check rollback_render_done is "$T/out" \
	'[.verdict, (.steps[] | select(.name == "deploy" or .name == "platform") | .status)]' '["done","done","done"]'
rstate >"$T/state.json"
check rollback_redeploys_snapshot_commit is "$T/state.json" '.services[0].commit' "\"$v1\""
rcalls
check rollback_deploy_sends_commit_id is "$T/rcalls.json" \
	'[.[] | select(.path | endswith("/deploys")) | select(.method == "POST") | .body.commitId]' "[\"$v1\"]"
check rollback_restores_render_settings is "$T/state.json" \
	'.services[0] | [.instances, .plan, .env.PERF_OPTIMIZATIONS_ENABLED]' "[1,\"starter\",\"$OLD\"]"
check rollback_render_fits_schema validate rollback "$T/out"
git checkout -q -

# Again: the commit is live and the settings hold, so nothing is written.
rreset
run pr-rollback -f "$T/cfg.json" --restore-platform "$T/snap.json"
ok_if rollback_twice_writes_nothing '[ "$rc" -eq 0 ] && [ "$(rwrites)" -eq 0 ] &&
	detail "$T/out" deploy | grep -q "is live on Render service srv-api1 already"'
git checkout -q -

# A variable changed since the snapshot: the snapshot has only its hash, so
# the platform step names it and says where its value is (exit 5: git done).
cat >"$T/flag.json" <<EOF
{"render": {"services": [{"id": "srv-api1", "settings": {"PERF_OPTIMIZATIONS_ENABLED": "$NEW"}}]}}
EOF
expect_exit 0 flag_stage_applies pr-apply-scale -q --platform "$T/flag.json" -o "$T/flag-apply.json"
rreset
run pr-rollback -f "$T/cfg.json" --skip-deploy --restore-platform "$T/snap.json"
ok_if rollback_changed_variable_fails_the_platform_step '[ "$rc" -eq 5 ] && [ "$(step "$T/out" platform)" = failed ]'
check rollback_names_variable_changed_since_snapshot grep -q "settings.PERF_OPTIMIZATIONS_ENABLED differs from \
the snapshot.s, which kept only its hash: put it back from the apply" "$T/err"
ok_if rollback_never_writes_a_hash '[ "$(rwrites)" -eq 0 ] &&
	[ "$(rstate | jq -r ".services[0].env.PERF_OPTIMIZATIONS_ENABLED")" = "$NEW" ]'
ok_if rollback_output_holds_no_value '! grep -qF -e "$NEW" -e "$OLD" -e "$DBPW" "$T/out" "$T/err"'
git checkout -q -
expect_exit 0 flag_restored_from_apply_document pr-apply-scale -q --from-apply "$T/flag-apply.json" --restore \
	-o "$T/flag-restored.json"
check flag_back_to_old_value [ "$(rstate | jq -r '.services[0].env.PERF_OPTIMIZATIONS_ENABLED')" = "$OLD" ]

# A deploy that fails to build: exit 4, the deploy named, nothing else changed.
rmode build_fail
echo v3 >app.txt && git commit -q -am v3
run pr-rollback -f "$T/cfg.json" --deploy-only --ref HEAD
ok_if rollback_build_failure_exits_4_naming_deploy '[ "$rc" -eq 4 ] && [ "$(step "$T/out" deploy)" = failed ] &&
	detail "$T/out" deploy | grep -q "deploy dep-[0-9]* ended build_failed"'
check rollback_build_failure_keeps_live_commit [ "$(rstate | jq -r '.services[0].commit')" = "$v1" ]
rmode clear

# deploy.render is checked before any change.
echo '{"deploy": {"render": {"service": "srv-api1", "branch": "main"}}}' >"$T/bad.json"
expect_exit 3 deploy_render_unknown_field_exits_3 pr-rollback -f "$T/bad.json" --deploy-only --ref HEAD
check deploy_render_unknown_field_named grep -q "bad.json: deploy.render.branch: unknown field" "$T/err"
echo '{"deploy": {"render": {"service": "srv-api1"}, "github": {"repo": "o/r", "workflow": "d.yml"}}}' >"$T/both.json"
expect_exit 3 deploy_render_and_github_exits_3 pr-rollback -f "$T/both.json" --deploy-only --ref HEAD
run env -u RENDER_API_KEY "$PR_BIN/pr-rollback" -f "$T/cfg.json" --deploy-only --ref HEAD
ok_if deploy_render_without_key_is_usage_error '[ "$rc" -eq 2 ] && grep -q "RENDER_API_KEY is not set" "$T/err"'
