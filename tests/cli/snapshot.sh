#!/bin/sh
# pr-snapshot end to end: a real git repository with a bare remote, a real
# PostgreSQL server, the archive checked with tar and sha256sum.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
today=$(date -u +%Y%m%d)

# A repository with one commit and a bare remote called origin.
git init -q --bare "$T/remote.git"
git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git remote add origin "$T/remote.git"

expect_exit 0 snapshot_help_exits_0 pr-snapshot --help
check snapshot_help_lists_options grep -q -- '--database-url' "$T/out"
expect_exit 0 snapshot_version pr-snapshot --version
check snapshot_version_text [ "$(cat "$T/out")" = "pr-snapshot 0.1.0" ]
expect_exit 2 snapshot_bad_option_exits_2 pr-snapshot --no-such-option
expect_exit 2 snapshot_stray_argument_exits_2 pr-snapshot extra

pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;"

# The plain run: tag, dump, archive, manifest.
DATABASE_URL=$PG_URL run pr-snapshot
if [ "$rc" -eq 0 ]; then pass snapshot_with_database_exits_0; else fail snapshot_with_database_exits_0 "exit $rc: $(cat "$T/err")"; fi
cp "$T/out" "$T/snap.json"
check snapshot_manifest_fits_schema validate snapshot "$T/snap.json"
tag=$(jget "$T/snap.json" .tag)
check snapshot_default_tag_is_dated [ "$tag" = "release/pre-perf-$today" ]
check snapshot_tag_is_annotated [ "$(git cat-file -t "$tag")" = tag ]
check snapshot_tag_points_at_head [ "$(git rev-parse "$tag^{commit}")" = "$(git rev-parse HEAD)" ]
check snapshot_commit_recorded [ "$(jget "$T/snap.json" .commit)" = "$(git rev-parse HEAD)" ]
archive=$(jget "$T/snap.json" .archive.path)
case $archive in snapshots/pre-perf-"$today"-[0-9][0-9][0-9][0-9][0-9][0-9].tar.gz) pass snapshot_default_archive_path ;;
*) fail snapshot_default_archive_path "$archive" ;; esac
check snapshot_archive_sha256_matches [ "$(sha256sum "$archive" | cut -d' ' -f1)" = "$(jget "$T/snap.json" .archive.sha256)" ]
check snapshot_archive_bytes_match [ "$(stat -c %s "$archive")" = "$(jget "$T/snap.json" .archive.bytes)" ]
mkdir "$T/x" && tar -xzf "$archive" -C "$T/x"
ok=1
for m in $(jget "$T/snap.json" '.members[].name'); do
	want=$(jq -r --arg m "$m" '.members[] | select(.name == $m) | .sha256' "$T/snap.json")
	[ "$(sha256sum "$T/x/$m" | cut -d' ' -f1)" = "$want" ] || ok=0
done
check snapshot_every_member_sha256_matches [ "$ok" = 1 ]
ok_if snapshot_archive_holds_dump_and_manifest '[ -s "$T/x/database.dump" ] && [ -s "$T/x/manifest.json" ]'
check snapshot_inner_manifest_fits_schema validate snapshot "$T/x/manifest.json"
check snapshot_inner_manifest_is_outer_minus_archive_checksum [ "$(jq -c 'del(.archive.sha256, .archive.bytes, .upload) | .members |= map(select(.name != "manifest.json"))' "$T/snap.json")" = "$(jq -c 'del(.archive.sha256, .archive.bytes, .upload)' "$T/x/manifest.json")" ]
# shellcheck disable=SC2034 # read in the ok_if expression below
toc=$(pg_restore --list "$T/x/database.dump" | grep -vc '^;')
ok_if snapshot_toc_entries_recorded '[ "$(jget "$T/snap.json" .database.toc_entries)" = "$toc" ] && [ "$toc" -ge 2 ]'
check snapshot_dump_is_custom_format [ "$(head -c 5 "$T/x/database.dump")" = PGDMP ]
pw_enc=$(printf %s "$PG_PASSWORD" | jq -sRr @uri)
if grep -qF -e "$PG_PASSWORD" -e "$pw_enc" "$T/out" "$T/err" "$T/x/manifest.json"; then
	fail snapshot_password_never_printed "password found in output or manifest"
else pass snapshot_password_never_printed; fi
check snapshot_database_url_redacted [ "$(jget "$T/snap.json" .database.url)" = "postgres://127.0.0.1:$PG_PORT/app" ]
check snapshot_no_temporary_files_left [ "$(ls snapshots | wc -l)" = 1 ]

# An existing tag is never moved.
before=$(git rev-parse "$tag")
echo v2 >app.txt && git commit -q -am v2
expect_exit 2 snapshot_existing_default_tag_refused pr-snapshot
check snapshot_existing_tag_error_one_line one_line "$T/err"
check snapshot_existing_tag_error_says_pick_another grep -q -- '--tag' "$T/err"
check snapshot_existing_tag_not_moved [ "$(git rev-parse "$tag")" = "$before" ]
SNAPSHOT_TAG=$tag run pr-snapshot
check snapshot_existing_named_tag_exits_2 [ "$rc" -eq 2 ]

# --tag and --push: the tag is on the remote afterwards, -a chooses the path.
expect_exit 0 snapshot_push_exits_0 pr-snapshot --tag perf/before-v2 --push -a "$T/named.tar.gz"
check snapshot_pushed_tag_on_remote [ "$(git --git-dir="$T/remote.git" rev-parse "refs/tags/perf/before-v2^{commit}" 2>/dev/null)" = "$(git rev-parse HEAD)" ]
check snapshot_pushed_recorded [ "$(jget "$T/out" .pushed)" = true ]
ok_if snapshot_output_path_chosen '[ -s "$T/named.tar.gz" ] && [ "$(jget "$T/out" .database)" = null ]'

# SNAPSHOT_TAG names the tag; a flag wins over it.
SNAPSHOT_TAG=from-env run pr-snapshot -a "$T/env.tar.gz"
ok_if snapshot_tag_from_env '[ "$rc" -eq 0 ] && git rev-parse -q --verify refs/tags/from-env >/dev/null'
SNAPSHOT_TAG=from-env-2 run pr-snapshot --tag from-flag -a "$T/flag.tar.gz"
ok_if snapshot_tag_flag_wins_over_env 'git rev-parse -q --verify refs/tags/from-flag >/dev/null && ! git rev-parse -q --verify refs/tags/from-env-2 >/dev/null'

# The password reaches pg_dump by environment only: a wrapper records argv and env.
mkdir "$T/wrap"
cat >"$T/wrap/pg_dump" <<EOW
#!/bin/sh
printf '%s\n' "\$@" >"$T/dump.argv"
tr '\0' '\n' </proc/\$\$/cmdline >"$T/dump.cmdline"
printf '%s' "\$PGPASSWORD" >"$T/dump.pgpassword"
exec /usr/bin/pg_dump "\$@"
EOW
chmod +x "$T/wrap/pg_dump"
PATH=$T/wrap:$PATH DATABASE_URL=$PG_URL run pr-snapshot --tag wrapped -a "$T/wrapped.tar.gz"
check snapshot_dump_through_wrapper_exits_0 [ "$rc" -eq 0 ]
if grep -qF -e "$PG_PASSWORD" -e "$pw_enc" "$T/dump.argv" "$T/dump.cmdline"; then
	fail snapshot_password_not_in_pg_dump_argv "$(cat "$T/dump.argv")"
else pass snapshot_password_not_in_pg_dump_argv; fi
check snapshot_password_passed_by_environment [ "$(cat "$T/dump.pgpassword")" = "$PG_PASSWORD" ]
check snapshot_pg_dump_custom_format grep -qx -- '--format=custom' "$T/dump.argv"

# The config's database section, with ${VAR} expansion.
cat >"$T/cfg.json" <<'EOC'
{"database": {"url": "${APP_DB_URL}"}}
EOC
APP_DB_URL=$PG_URL run pr-snapshot -f "$T/cfg.json" --tag from-config -a "$T/cfg.tar.gz"
ok_if snapshot_database_from_config '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .database.dbname)" = app ]'
run pr-snapshot -f "$T/cfg.json" --tag unset-var -a "$T/unset.tar.gz"
ok_if snapshot_config_unset_variable_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err"'
# A bad URL from the config names the config's field, not the flag.
echo '{"database": {"url": "mysql://x@y/z"}}' >"$T/badcfg.json"
run pr-snapshot -f "$T/badcfg.json" --tag bad-cfg-url -a "$T/bad/cfg.tar.gz"
ok_if snapshot_bad_config_url_names_the_field '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "badcfg.json: database.url: " "$T/err" && ! grep -q -- --database-url "$T/err"'

# A wrong password: exit 4, one line, no tag and no archive left behind.
bad="postgres://$PG_USER:wrong@127.0.0.1:$PG_PORT/app"
DATABASE_URL=$bad run pr-snapshot -q --tag bad-pw -a "$T/bad/bad.tar.gz"
check snapshot_bad_password_exits_4 [ "$rc" -eq 4 ]
check snapshot_bad_password_one_line one_line "$T/err"
ok_if snapshot_bad_password_not_printed '! grep -q wrong "$T/err"'
ok_if snapshot_failure_leaves_no_tag '! git rev-parse -q --verify refs/tags/bad-pw >/dev/null'
check snapshot_failure_leaves_no_files [ -z "$(ls "$T/bad")" ]
DATABASE_URL=mysql://x@y/z run pr-snapshot --tag bad-url -a "$T/bad/x.tar.gz"
ok_if snapshot_bad_url_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err"'

# Outside a git repository: bad input.
mkdir "$T/norepo" && cd "$T/norepo" && GIT_CEILING_DIRECTORIES=$T run pr-snapshot -a x.tar.gz
ok_if snapshot_outside_git_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err"'
cd "$T/repo" || exit 1

# QA_LOG, OUTPUT_JSON and GitHub Actions outputs.
: >"$T/gh_out"
: >"$T/gh_sum"
QA_LOG=1 OUTPUT_JSON=$T/copy.json GITHUB_ACTIONS=true GITHUB_OUTPUT=$T/gh_out GITHUB_STEP_SUMMARY=$T/gh_sum \
	run pr-snapshot --tag gha -a "$T/gha.tar.gz"
ok_if snapshot_qa_log_written 'ls logs/pr-snapshot-*.log >/dev/null 2>&1'
check snapshot_output_json_copy cmp -s "$T/out" "$T/copy.json"
check snapshot_github_output grep -qx 'tag=gha' "$T/gh_out"
check snapshot_github_summary grep -q 'pr-snapshot' "$T/gh_sum"
