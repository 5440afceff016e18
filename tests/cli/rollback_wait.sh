#!/bin/sh
# rollback_wait.sh: pr-rollback --wait follows the deploy run the dispatch
# started (return_run_details) to its conclusion, against the GitHub API
# fixture, whose run goes queued, in_progress, completed: success is done,
# failure, cancelled and timed_out are exit 4 with the run's URL in one line,
# and the wait is bounded by --wait-timeout.  --deploy-only runs the deploy
# step alone.
. "$(dirname "$0")/lib.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
step() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .status' "$1"; }
detail() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .detail' "$1"; }
token=ghs_wait_fixture_token_9
unset GITHUB_TOKEN SKIP_DEPLOY SNAPSHOT_TAG

# start_github NAME ARGS...: a fixture recording to $T/NAME.log; sets GITHUB_API_URL.
start_github() {
	_n=$1
	shift
	$PY "$FIX/github_api.py" --port-file "$T/$_n.port" --record "$T/$_n.log" --token "$token" \
		--repo acme/shop --workflow deploy.yml "$@" >"$T/$_n.err" 2>&1 &
	track $!
	wait_for_file "$T/$_n.port" || { fail "github_fixture_$_n" "did not start"; exit 1; }
	GITHUB_API_URL=http://127.0.0.1:$(cat "$T/$_n.port")
	export GITHUB_API_URL
}
gets() { grep -c '"method": "GET"' "$T/$1.log"; }
url_of() { echo "https://github.com/acme/shop/actions/runs/$1"; }

mkdir "$T/work" && cd "$T/work" || exit 1
cat >pr-tools.json <<'EOC'
{"deploy": {"github": {"repo": "acme/shop", "workflow": "deploy.yml", "inputs": {"reason": "release"}}}}
EOC

# Usage: the options that contradict each other, and bad durations.
expect_exit 2 wait_with_skip_deploy_is_usage pr-rollback --wait --skip-deploy --tag v1
expect_exit 2 deploy_only_with_skip_deploy_is_usage pr-rollback --deploy-only --skip-deploy --ref main
expect_exit 2 deploy_only_with_restore_is_usage pr-rollback --deploy-only --restore-db --yes --ref main
expect_exit 2 deploy_only_with_sql_is_usage pr-rollback --deploy-only --sql drop.sql --ref main
expect_exit 2 deploy_only_needs_a_ref pr-rollback --deploy-only
ok_if deploy_only_needs_a_ref_one_line 'one_line "$T/err"'
expect_exit 2 wait_timeout_not_a_duration pr-rollback --deploy-only --ref main --wait --wait-timeout soon
expect_exit 2 wait_interval_zero_is_usage pr-rollback --deploy-only --ref main --wait --wait-interval 0

# A run that succeeds: three looks (queued, in_progress, completed), exit 0.
start_github ok
GITHUB_TOKEN=$token run pr-rollback --deploy-only --ref main --wait --wait-interval 0.1
ok_if wait_success_exits_0 '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .verdict)" = done ]'
ok_if wait_asked_for_run_details '[ "$(grep "\"POST\"" "$T/ok.log" | jq -r .body.return_run_details)" = true ]'
ok_if wait_dispatched_the_ref_and_inputs '[ "$(grep "\"POST\"" "$T/ok.log" | jq -r ".body.ref + \" \" + .body.inputs.reason")" = "main release" ]'
check wait_polled_until_completed [ "$(gets ok)" -eq 3 ]
ok_if wait_polled_the_run_it_was_given '[ "$(grep "\"GET\"" "$T/ok.log" | jq -r .path | sort -u)" = /repos/acme/shop/actions/runs/4242 ]'
ok_if wait_success_detail_names_the_run 'detail "$T/out" deploy | grep -qF "run 4242 concluded success: $(url_of 4242)"'
ok_if wait_notes_each_status 'grep -q "run 4242: queued" "$T/err" && grep -q "run 4242: in_progress" "$T/err" && grep -q "run 4242: completed" "$T/err"'
ok_if deploy_only_skips_the_other_steps '[ "$(step "$T/out" git)" = skipped ] && [ "$(detail "$T/out" git)" = --deploy-only ] && [ "$(step "$T/out" verify)" = skipped ]'
check deploy_only_document_fits_schema validate rollback "$T/out"
ok_if wait_token_never_printed '! grep -qF "$token" "$T/out" "$T/err"'

# A dry run says it would wait, and sends nothing.
GITHUB_TOKEN=$token run pr-rollback -q --deploy-only --ref main --wait --dry-run
ok_if wait_dry_run_plans_the_wait '[ "$rc" -eq 0 ] && [ "$(step "$T/out" deploy)" = planned ] && detail "$T/out" deploy | grep -q "and wait for its run" && [ "$(grep -c "" "$T/ok.log")" -eq 4 ]'

# Without --wait: the dispatch as before (204), no run is looked at.
GITHUB_TOKEN=$token run pr-rollback -q --deploy-only --ref main
ok_if no_wait_does_not_ask_for_run_details '[ "$rc" -eq 0 ] && [ "$(grep "\"POST\"" "$T/ok.log" | tail -n 1 | jq -r .body.return_run_details)" = null ] && [ "$(gets ok)" -eq 3 ]'

# A run that fails, is cancelled or times out on GitHub: exit 4, one line
# with the run's page; the document says the deploy step failed.
for c in failure cancelled timed_out; do
	start_github "$c" --conclusion "$c"
	GITHUB_TOKEN=$token run pr-rollback -q --deploy-only --ref main --wait --wait-interval 0.05
	ok_if "wait_run_${c}_exits_4" '[ "$rc" -eq 4 ]'
	ok_if "wait_run_${c}_one_line_with_url" 'one_line "$T/err" && grep -qF "run 4242 concluded $c: $(url_of 4242)" "$T/err"'
	ok_if "wait_run_${c}_document" '[ "$(step "$T/out" deploy)" = failed ] && [ "$(jget "$T/out" .verdict)" = failed ]'
done
check wait_failed_document_fits_schema validate rollback "$T/out"
ok_if wait_failed_token_never_printed '! grep -qF "$token" "$T/out" "$T/err"'

# A run that never completes: --wait-timeout bounds the wait, exit 4.
start_github stuck --run-statuses queued,in_progress
start_s=$(date +%s)
GITHUB_TOKEN=$token run pr-rollback -q --deploy-only --ref main --wait --wait-timeout 0.5s --wait-interval 0.1
took_s=$(($(date +%s) - start_s))
ok_if wait_timeout_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err" && grep -qF "run 4242 still in_progress after" "$T/err" && grep -qF "$(url_of 4242)" "$T/err"'
check wait_timeout_bounds_the_wait [ "$took_s" -le 3 ]
check wait_timeout_looked_several_times [ "$(gets stuck)" -ge 3 ]

# A whole rollback whose deploy run fails after the checkout: exit 5, and
# the document says the checkout was done.
git init -q -b main repo && cd repo || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git tag v1
echo v2 >app.txt && git commit -q -am v2
cp ../pr-tools.json . && echo pr-tools.json >.git/info/exclude
start_github partial --conclusion failure
GITHUB_TOKEN=$token run pr-rollback -q --tag v1 --wait --wait-interval 0.05
ok_if wait_failure_after_checkout_exits_5 '[ "$rc" -eq 5 ] && [ "$(step "$T/out" git)" = done ] && [ "$(step "$T/out" deploy)" = failed ] && [ "$(jget "$T/out" .verdict)" = partial ]'
ok_if wait_failure_after_checkout_names_the_run 'one_line "$T/err" && grep -qF "$(url_of 4242)" "$T/err"'
git checkout -q main

# In GitHub Actions: the run's page is a step output, the token masked.
start_github gha
: >"$T/gh_output"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_output GITHUB_TOKEN=$token \
	run pr-rollback -q --deploy-only --ref main --wait --wait-interval 0.05
ok_if wait_run_url_is_a_step_output '[ "$rc" -eq 0 ] && grep -qxF "deploy_run_url=$(url_of 4242)" "$T/gh_output"'
ok_if wait_token_only_masked_in_actions '! grep -F "$token" "$T/err" | grep -qv "^::add-mask::" && ! grep -qF "$token" "$T/out" "$T/gh_output"'
