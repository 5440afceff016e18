#!/bin/sh
# pr-rollback end to end: snapshot a real repository and PostgreSQL database,
# change both, then go back; corrupted archives are refused before any change;
# the deploy is dispatched to a local GitHub API fixture.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
today=$(date -u +%Y%m%d)
head_is() { [ "$(git rev-parse HEAD)" = "$1" ]; }
items() { pg_sql "SELECT string_agg(name, ',' ORDER BY id) FROM items"; }
step() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .status' "$1"; }

git init -q --bare "$T/remote.git"
git init -q -b main "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git remote add origin "$T/remote.git"
v1=$(git rev-parse HEAD)

expect_exit 0 rollback_help_exits_0 pr-rollback --help
check rollback_help_lists_options grep -q -- '--restore-db' "$T/out"
expect_exit 0 rollback_version pr-rollback --version
check rollback_version_text [ "$(cat "$T/out")" = "pr-rollback 0.1.0" ]
expect_exit 2 rollback_needs_a_snapshot pr-rollback
expect_exit 2 rollback_bad_option_exits_2 pr-rollback --bogus x.json
expect_exit 2 rollback_restore_db_needs_yes pr-rollback --restore-db --skip-deploy x.json
ok_if rollback_restore_db_refusal_says_why 'one_line "$T/err" && grep -q -- --yes "$T/err"'

pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear');"
DATABASE_URL=$PG_URL run pr-snapshot -q -a "$T/snap.tar.gz"
[ "$rc" -eq 0 ] || { fail rollback_setup_snapshot "$(cat "$T/err")"; exit 1; }
cp "$T/out" "$T/snap.json"
tag=$(jget "$T/snap.json" .tag)

# After the snapshot: a new commit and changed data.
echo v2 >app.txt && git commit -q -am v2
v2=$(git rev-parse HEAD)
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1; INSERT INTO items VALUES (3, 'plum');"

# --dry-run verifies and plans, and changes nothing.
DATABASE_URL=$PG_URL run pr-rollback --dry-run --restore-db --skip-deploy "$T/snap.json"
check rollback_dry_run_exits_0 [ "$rc" -eq 0 ]
check rollback_dry_run_fits_schema validate rollback "$T/out"
ok_if rollback_dry_run_plans_steps '[ "$(step "$T/out" git)" = planned ] && [ "$(step "$T/out" database)" = planned ] && [ "$(step "$T/out" verify)" = done ] && [ "$(jget "$T/out" .verdict)" = planned ]'
check rollback_dry_run_leaves_head head_is "$v2"
check rollback_dry_run_leaves_database [ "$(items)" = "rotten,pear,plum" ]

# A corrupted archive is refused (exit 3, one line naming it) before any change.
cp "$T/snap.tar.gz" "$T/bad.tar.gz"
printf 'X' | dd of="$T/bad.tar.gz" bs=1 seek=200 conv=notrunc 2>/dev/null
jq --arg p "$T/bad.tar.gz" '.archive.path = $p' "$T/snap.json" >"$T/bad.json"
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/bad.json"
ok_if rollback_corrupt_archive_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "bad.tar.gz" "$T/err"'
check rollback_corrupt_archive_leaves_head head_is "$v2"
check rollback_corrupt_archive_document_says_failed [ "$(step "$T/out" verify)" = failed ]
# The damaged archive alone (no outer manifest to compare): still refused.
run pr-rollback -q --skip-deploy "$T/bad.tar.gz"
ok_if rollback_damaged_archive_alone_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && head_is "$v2"'
# A member changed inside an otherwise valid archive: named in the message.
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x"
printf 'tampered' >>"$T/x/database.dump"
tar -czf "$T/tampered.tar.gz" -C "$T/x" database.dump manifest.json
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/tampered.tar.gz"
ok_if rollback_tampered_member_named '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "member database.dump" "$T/err"'
ok_if rollback_tampered_member_changes_nothing 'head_is "$v2" && [ "$(items)" = "rotten,pear,plum" ]'

# Unknown major version and non-JSON manifests are bad input.
jq '.schema = "pr-tools/snapshot/2"' "$T/snap.json" >"$T/v2.json"
run pr-rollback -q --skip-deploy "$T/v2.json"
ok_if rollback_unknown_major_version_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q v2.json "$T/err" && head_is "$v2"'
echo 'not json' >"$T/junk.json"
run pr-rollback -q --skip-deploy "$T/junk.json"
ok_if rollback_not_json_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err"'

# A dirty working tree is refused (exit 1) before any change.
echo dirty >>app.txt
run pr-rollback -q --skip-deploy "$T/snap.json"
ok_if rollback_dirty_tree_exits_1 '[ "$rc" -eq 1 ] && one_line "$T/err" && grep -q uncommitted "$T/err"'
check rollback_dirty_tree_leaves_head head_is "$v2"
git checkout -q -- app.txt

# The real thing: check out the tag and restore the database.
DATABASE_URL=$PG_URL run pr-rollback --restore-db --yes --skip-deploy "$T/snap.json"
check rollback_restore_exits_0 [ "$rc" -eq 0 ]
check rollback_restore_fits_schema validate rollback "$T/out"
check rollback_checks_out_tag head_is "$v1"
ok_if rollback_checkout_is_detached '! git symbolic-ref -q HEAD >/dev/null'
check rollback_database_back_as_before [ "$(items)" = "apple,pear" ]
ok_if rollback_steps_done '[ "$(step "$T/out" database)" = done ] && [ "$(step "$T/out" git)" = done ] && [ "$(step "$T/out" deploy)" = skipped ] && [ "$(jget "$T/out" .verdict)" = done ]'
# shellcheck disable=SC2034 # read in the ok_if expression below
pw_enc=$(printf %s "$PG_PASSWORD" | jq -sRr @uri)
ok_if rollback_password_never_printed '! grep -qF -e "$PG_PASSWORD" -e "$pw_enc" "$T/out" "$T/err"'
git checkout -q main

# The archive alone is enough (its manifest.json), also from a manifest on stdin.
run pr-rollback -q --skip-deploy "$T/snap.tar.gz"
ok_if rollback_from_archive_alone '[ "$rc" -eq 0 ] && head_is "$v1"'
git checkout -q main
run sh -c 'pr-rollback -q --skip-deploy - <"$1"' sh "$T/snap.json"
ok_if rollback_manifest_from_stdin '[ "$rc" -eq 0 ] && head_is "$v1"'
git checkout -q main
run pr-rollback -q --skip-deploy --tag "$tag"
ok_if rollback_from_tag_only '[ "$rc" -eq 0 ] && head_is "$v1" && [ "$(step "$T/out" verify)" = skipped ]'
git checkout -q main
SNAPSHOT_TAG=no-such-tag run pr-rollback -q --skip-deploy
ok_if rollback_unknown_tag_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && head_is "$v2"'

# A revert branch, pushed.
run pr-rollback -q --skip-deploy --revert-branch --push "$T/snap.json"
br="rollback/$tag-$today"
ok_if rollback_revert_branch_made '[ "$rc" -eq 0 ] && [ "$(git symbolic-ref --short HEAD)" = "$br" ] && head_is "$v1"'
check rollback_revert_branch_pushed [ "$(git --git-dir="$T/remote.git" rev-parse "refs/heads/$br" 2>/dev/null)" = "$v1" ]
check rollback_branch_in_document [ "$(jget "$T/out" .branch)" = "$br" ]
git checkout -q main
run pr-rollback -q --skip-deploy --revert-branch "$T/snap.json"
check rollback_existing_branch_exits_2 [ "$rc" -eq 2 ]
run pr-rollback -q --skip-deploy --revert-branch=hotfix/back "$T/snap.json"
ok_if rollback_named_revert_branch '[ "$rc" -eq 0 ] && [ "$(git symbolic-ref --short HEAD)" = hotfix/back ]'
git checkout -q main

# The deploy workflow through the GitHub API fixture.
token=ghs_fixture_token_123
$PY "$FIX/github_api.py" --port-file "$T/gh.port" --record "$T/gh.log" --token "$token" --repo acme/shop --workflow deploy.yml &
track $!
wait_for_file "$T/gh.port" || { fail rollback_github_fixture "did not start"; exit 1; }
GITHUB_API_URL=http://127.0.0.1:$(cat "$T/gh.port")
export GITHUB_API_URL
cat >"$T/cfg.json" <<'EOC'
{"deploy": {"github": {"repo": "acme/shop", "workflow": "deploy.yml", "inputs": {"reason": "rollback"}}}}
EOC
run pr-rollback -q -f "$T/cfg.json" "$T/snap.json"
ok_if rollback_without_token_exits_2 '[ "$rc" -eq 2 ] && one_line "$T/err" && head_is "$v2"'
GITHUB_TOKEN=$token run pr-rollback -q -f "$T/cfg.json" "$T/snap.json"
ok_if rollback_deploy_dispatched '[ "$rc" -eq 0 ] && [ "$(step "$T/out" deploy)" = done ]'
# shellcheck disable=SC2034 # read in the ok_if expression below
last=$(tail -n 1 "$T/gh.log")
ok_if rollback_dispatch_body_has_ref_and_inputs '[ "$(echo "$last" | jq -r .body.ref)" = "$tag" ] && [ "$(echo "$last" | jq -r .body.inputs.reason)" = rollback ]'
ok_if rollback_dispatch_path '[ "$(echo "$last" | jq -r .path)" = /repos/acme/shop/actions/workflows/deploy.yml/dispatches ]'
ok_if rollback_dispatch_authorization_sent '[ "$(echo "$last" | jq -r .headers.Authorization)" = "Bearer $token" ]'
ok_if rollback_token_never_printed '! grep -qF "$token" "$T/out" "$T/err"'
git checkout -q main
SKIP_DEPLOY=1 GITHUB_TOKEN=$token run pr-rollback -q -f "$T/cfg.json" "$T/snap.json"
ok_if rollback_skip_deploy_env '[ "$rc" -eq 0 ] && [ "$(step "$T/out" deploy)" = skipped ] && [ "$(wc -l <"$T/gh.log")" -eq 1 ]'
git checkout -q main

# 401: git was done, the deploy failed: exit 5, the document says which.
GITHUB_TOKEN=wrong-token run pr-rollback -q -f "$T/cfg.json" "$T/snap.json"
check rollback_half_way_exits_5 [ "$rc" -eq 5 ]
ok_if rollback_401_one_line_with_github_message 'one_line "$T/err" && grep -q "401: Bad credentials" "$T/err"'
ok_if rollback_partial_document '[ "$(step "$T/out" git)" = done ] && [ "$(step "$T/out" deploy)" = failed ] && [ "$(jget "$T/out" .verdict)" = partial ]'
check rollback_partial_fits_schema validate rollback "$T/out"
ok_if rollback_wrong_token_never_printed '! grep -qF wrong-token "$T/out" "$T/err"'
git checkout -q main

# 422 for a ref GitHub does not know: GitHub's message in one line.
cat >"$T/cfg422.json" <<'EOC'
{"deploy": {"github": {"repo": "acme/shop", "workflow": "deploy.yml", "ref": "no-such-branch"}}}
EOC
$PY "$FIX/github_api.py" --port-file "$T/gh2.port" --token "$token" --refs main &
track $!
wait_for_file "$T/gh2.port"
GITHUB_API_URL=http://127.0.0.1:$(cat "$T/gh2.port") GITHUB_TOKEN=$token run pr-rollback -q -f "$T/cfg422.json" "$T/snap.json"
ok_if rollback_422_reports_github_message '[ "$rc" -eq 5 ] && one_line "$T/err" && grep -q "422: No ref found for: no-such-branch" "$T/err"'
git checkout -q main

# Platform: the snapshot recorded none.
run pr-rollback -q --skip-deploy --restore-platform "$T/snap.json"
ok_if rollback_restore_platform_without_settings_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && head_is "$v2"'

# --log writes logs/pr-rollback-*.log.
run pr-rollback --log --dry-run --skip-deploy "$T/snap.json"
ok_if rollback_log_written 'ls logs/pr-rollback-*.log >/dev/null 2>&1 && grep -q verified logs/pr-rollback-*.log'
