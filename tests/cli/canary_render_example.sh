#!/bin/sh
# canary_render_example.sh: ci-examples/render-release.yml's snapshot, stage
# and roll-back steps, run as the workflow runs them, against
# tests/fixtures/render_api.py with ci-examples/config/render.json: the
# flag goes 5, 25 and 100, each followed by a restart (Render applies
# variables at one); when the last check fails, the flag goes back to 0
# with a restart and the snapshot's commit is redeployed.  pr-qa's watch
# is tested in qa_metrics.sh and qa_plot.sh; here a stand-in pr-qa first on
# PATH gives the verdict (exit $QA_EXIT) and records how it was called.
. "$(dirname "$0")/lib.sh"
. "$FIX/render.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export RENDER_API_KEY=rnd_canary_key PR_RETRY_BASE_MS=10 RENDER_SERVICE_ID=srv-shop1 QA_LOG=1 \
	APP_URL=http://127.0.0.1:9 QA_EXIT=0
unset GITHUB_TOKEN
WF=$PR_ROOT/ci-examples/render-release.yml
FLAG=PERF_OPTIMIZATIONS_ENABLED
S=/v1/services/$RENDER_SERVICE_ID
DBPW=SECRETPW-db-c7Rw
step() { workflow_step "$WF" release "$1" "$T/work"; }
flag() { rstate | jq -r --arg f "$FLAG" '.services[0].env[$f] // "absent"'; }
# the writes since the last rreset, in order
writes() {
	rcalls
	jq -c '[.[] | select(.method != "GET" and .status < 300) | .method + " " + .path]' "$T/rcalls.json"
}
set_then_restart="[\"PUT $S/env-vars/$FLAG\",\"POST $S/restart\"]"

mkdir -p "$T/bin"
cat >"$T/bin/pr-qa" <<'EOF'
#!/bin/sh
echo "$*" >>"$T_QA_CALLS"
echo '{"schema": "pr-tools/qa/1", "verdict": "stand-in"}'
exit "$QA_EXIT"
EOF
chmod +x "$T/bin/pr-qa"
export PATH="$T/bin:$PATH" T_QA_CALLS="$T/qa.calls"

git init -q --bare "$T/remote.git"
git init -q "$T/work" && cd "$T/work" || exit 1
cp "$PR_ROOT/ci-examples/config/render.json" pr-tools.json
printf 'snapshots/\nlogs/\n*.json\n!pr-tools.json\n' >.gitignore
git add pr-tools.json .gitignore && git commit -q -m v1 && git remote add origin "$T/remote.git"
v1=$(git rev-parse HEAD)
cat >"$T/seed.json" <<EOF
{"services": [{"id": "srv-shop1", "instances": 2, "plan": "standard", "commit": "$v1",
  "env": {"$FLAG": "0", "DATABASE_URL": "postgres://shop:$DBPW@db/shop"}}]}
EOF
start_render --key "$RENDER_API_KEY" --state "$T/seed.json"

step Snapshot
ok_if render_release_snapshot_records_the_service '[ "$rc" -eq 0 ] &&
	[ "$(jq -r .platform.render.services[0].id snapshot.json)" = srv-shop1 ]'

# The release's new commit, live before the stages.
echo v2 >app.txt && git add app.txt && git commit -q -m v2
v2=$(git rev-parse HEAD)
echo "{\"render\": {\"services\": [{\"id\": \"srv-shop1\", \"commit\": \"$v2\"}]}}" >"$T/release.json"
expect_exit 0 render_release_deploys_the_new_commit pr-apply-scale -q --platform "$T/release.json"

# 5 and 25 pass their watch; the check after 100 fails, so the roll back runs.
before=0
for pct in 5 25 100; do
	[ "$pct" = 100 ] && QA_EXIT=1
	rreset
	step "Stage $pct %"
	if [ "$pct" = 100 ]; then
		ok_if render_failed_check_fails_the_stage_100_step '[ "$rc" -ne 0 ] && [ "$(flag)" = 100 ]'
	else
		ok_if "render_stage_${pct}_sets_the_flag_to_$pct" '[ "$rc" -eq 0 ] && [ "$(flag)" = "$pct" ]'
	fi
	check "render_stage_${pct}_writes_the_flag_then_restarts" [ "$(writes)" = "$set_then_restart" ]
	check "render_stage_${pct}_file_holds_the_value_before" \
		[ "$(jq -r ".restore.render.services[0].settings.$FLAG" "stage-$pct.json")" = "$before" ]
	before=$pct
done
check render_stages_watch_the_apps_metrics \
	[ "$(grep -c -- "--watch .* --metrics $APP_URL/metrics" "$T/qa.calls")" -eq 2 ]
check render_stages_keep_other_variables \
	[ "$(rstate | jq -r '.services[0].env.DATABASE_URL')" = "postgres://shop:$DBPW@db/shop" ]

rreset
step "Roll back"
ok_if render_roll_back_sets_the_flag_to_0 '[ "$rc" -eq 0 ] && [ "$(flag)" = 0 ]'
check render_roll_back_restarts_after_the_flag [ "$(writes | jq -c '.[0:2]')" = "$set_then_restart" ]
check render_roll_back_redeploys_the_snapshots_commit [ "$(rstate | jq -r '.services[0].commit')" = "$v1" ]
check render_roll_back_document_says_done [ "$(jq -r .verdict rollback.json)" = "done" ]
ok_if render_release_shows_no_secret_value_or_key '! grep -rqF -e "$DBPW" -e "$RENDER_API_KEY" \
	snapshot.json stage-*.json flag-off.json rollback.json logs "$T/err"'
