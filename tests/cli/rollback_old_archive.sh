#!/bin/sh
# pr-rollback on an archive that pr-snapshot 0.1.0 wrote (its members gzip'd
# at level 1; later versions store them in the gzip stream uncompressed):
# verified and restored into a real PostgreSQL, from its manifest and alone.
#
# tests/fixtures/snapshot-0.1.0 was made by the 0.1.0 pr-snapshot, before the
# change of level, with SOURCE_DATE_EPOCH=1795000000: tag fixture/0.1.0, a
# database whose table items holds apple, pear and fig.
# ok_if takes its expression in single quotes, to expand when it runs.
# shellcheck disable=SC2016
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixtures/pg.sh
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
items() { pg_sql "SELECT string_agg(name, ',' ORDER BY id) FROM items"; }
step() { jq -r --arg n "$2" '.steps[] | select(.name == $n) | .status' "$1"; }
head_is() { [ "$(git rev-parse HEAD)" = "$1" ]; }

cp -R "$FIX/snapshot-0.1.0" "$T/old"
old=$T/old/snapshot.tar.gz
# The fixture really is the old format: deflated, so smaller than its members.
deflated=no
[ "$(head -c 2 "$old" | od -An -tx1 | tr -d ' ')" = 1f8b ] &&
	[ "$(stat -c %s "$old")" -lt "$(jq '[.members[].bytes] | add' "$T/old/snapshot.json")" ] && deflated=yes
check old_archive_fixture_is_deflated [ "$deflated" = yes ]

git init -q -b main "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git tag -a -m fixture fixture/0.1.0
v1=$(git rev-parse HEAD)
echo v2 >app.txt && git commit -q -am v2

pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'rotten'), (4, 'plum');"

# From the outer manifest: the archive's own SHA-256, then every member.
DATABASE_URL=$PG_URL run pr-rollback --restore-db --yes --skip-deploy "$T/old/snapshot.json"
check old_archive_restore_exits_0 [ "$rc" -eq 0 ]
check old_archive_restore_fits_schema validate rollback "$T/out"
ok_if old_archive_verified_against_the_manifest '[ "$(step "$T/out" verify)" = done ] &&
	grep -q "the archive'"'"'s own SHA-256 too" "$T/out"'
check old_archive_database_restored [ "$(items)" = "apple,pear,fig" ]
check old_archive_tag_checked_out head_is "$v1"
git checkout -q main

# The archive alone: its manifest.json lists the members.
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$old"
ok_if old_archive_alone_restores '[ "$rc" -eq 0 ] && [ "$(items)" = "apple,pear,fig" ] && head_is "$v1"'
git checkout -q main

# A byte changed in the old archive is still refused before any change.
cp "$old" "$T/bad.tar.gz"
printf 'X' | dd of="$T/bad.tar.gz" bs=1 seek=600 conv=notrunc 2>/dev/null
jq --arg p "$T/bad.tar.gz" '.archive.path = $p' "$T/old/snapshot.json" >"$T/bad.json"
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/bad.json"
ok_if old_archive_corrupted_is_refused '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "bad.tar.gz" "$T/err" &&
	[ "$(items)" = "rotten,pear,fig" ] && [ "$(git rev-parse HEAD)" != "$v1" ]'
