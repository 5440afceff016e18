#!/bin/sh
# pr-rollback against hostile archives and signals, with a real PostgreSQL:
# what is restored must be what was verified (duplicate members, an archive
# swapped between the check and the extraction, a database.member outside
# the archive), extraction stops at the manifest's sizes, and a signal
# during pg_restore stops it and leaves no extraction directory.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
head_is() { [ "$(git rev-parse HEAD)" = "$1" ]; }
items() { pg_sql "SELECT string_agg(name, ',' ORDER BY id) FROM items"; }
has_foreign() { [ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename = 'foreign_t'")" != 0 ]; }
# repack DIR OUT NAME...: a tar.gz of DIR's files NAME..., in that order
repack() { _d=$1 _o=$2; shift 2; tar -czf "$_o" -C "$_d" "$@"; }
# outer MANIFEST ARCHIVE OUT: MANIFEST pointing at ARCHIVE with its real checksum
outer() {
	jq --arg p "$2" --arg s "$(sha256sum "$2" | cut -d' ' -f1)" --argjson b "$(stat -c %s "$2")" \
		'.archive.path = $p | .archive.sha256 = $s | .archive.bytes = $b' "$1" >"$3"
}

git init -q --bare "$T/remote.git"
git init -q -b main "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1 && git remote add origin "$T/remote.git"
# shellcheck disable=SC2034 # read in the ok_if expression below
v1=$(git rev-parse HEAD)

pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear');"
DATABASE_URL=$PG_URL run pr-snapshot -q -a "$T/snap.tar.gz"
[ "$rc" -eq 0 ] || { fail rollback_hardening_setup "$(cat "$T/err")"; exit 1; }
cp "$T/out" "$T/snap.json"
mkdir "$T/x" && tar -xzf "$T/snap.tar.gz" -C "$T/x"

# A foreign dump: the same table plus one that must never be restored.
pg_sql "CREATE TABLE foreign_t (id int); INSERT INTO items VALUES (9, 'foreign');"
mkdir "$T/f" && pg_dump --format=custom --dbname "$PG_URL" --file "$T/f/database.dump" 2>/dev/null ||
	{ fail rollback_hardening_foreign_dump "pg_dump failed"; exit 1; }
pg_sql "DROP TABLE foreign_t; DELETE FROM items WHERE id = 9;"

echo v2 >app.txt && git commit -q -am v2
# shellcheck disable=SC2034 # read in the ok_if expression below
v2=$(git rev-parse HEAD)
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"

# 1. A genuine database.dump followed by a foreign one: the checksum would
# match the first, the extraction keep the second.  Refused, nothing changed.
tar -cf "$T/dup.tar" -C "$T/x" database.dump
tar -rf "$T/dup.tar" -C "$T/f" database.dump
tar -rf "$T/dup.tar" -C "$T/x" manifest.json
gzip -c "$T/dup.tar" >"$T/dup.tar.gz"
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/dup.tar.gz"
ok_if rollback_duplicate_member_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "member database.dump appears twice" "$T/err"'
ok_if rollback_duplicate_member_changes_nothing 'head_is "$v2" && [ "$(items)" = "rotten,pear" ] && ! has_foreign'
outer "$T/snap.json" "$T/dup.tar.gz" "$T/dup.json"
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/dup.json"
ok_if rollback_duplicate_member_with_manifest_exits_3 '[ "$rc" -eq 3 ] && grep -q "appears twice" "$T/err" && ! has_foreign'

# 2. The archive swapped between the check and the extraction: a FIFO gives
# the genuine archive to its first reader and, a second later (so that the
# two never merge into one stream), the foreign one to the next.  Read
# once, what is restored is what was hashed: the genuine data.
mkfifo "$T/swap.tar.gz"
jq --arg p "$T/swap.tar.gz" '.archive.path = $p' "$T/snap.json" >"$T/swap.json"
timeout 60 sh -c 'cat "$1" >"$3"; sleep 1; cat "$2" >"$3"' sh "$T/snap.tar.gz" "$T/dup.tar.gz" "$T/swap.tar.gz" 2>/dev/null &
feeder=$!
track $feeder
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/swap.json"
ok_if rollback_swapped_archive_restores_what_was_verified '[ "$rc" -eq 0 ] && [ "$(items)" = "apple,pear" ] && ! has_foreign && head_is "$v1"'
kill "$feeder" 2>/dev/null
git checkout -q main
pg_sql "UPDATE items SET name = 'rotten' WHERE id = 1;"

# 8. database.member names a file outside the archive: refused before the
# checkout, whatever the file holds.
mkdir "$T/m"
cp "$T/x/database.dump" "$T/m/"
jq --arg m "../..$T/f/database.dump" '.database.member = $m' "$T/x/manifest.json" >"$T/m/manifest.json"
repack "$T/m" "$T/outside.tar.gz" database.dump manifest.json
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/outside.tar.gz"
ok_if rollback_member_outside_archive_exits_3 '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "not a verified member" "$T/err"'
ok_if rollback_member_outside_archive_changes_nothing 'head_is "$v2" && [ "$(items)" = "rotten,pear" ] && ! has_foreign'
# A member the archive does not hold: also before the checkout (was exit 5).
jq '.database.member = "other.dump"' "$T/x/manifest.json" >"$T/m/manifest.json"
repack "$T/m" "$T/missing.tar.gz" database.dump manifest.json
DATABASE_URL=$PG_URL run pr-rollback -q --restore-db --yes --skip-deploy "$T/missing.tar.gz"
ok_if rollback_missing_member_exits_3_before_checkout '[ "$rc" -eq 3 ] && one_line "$T/err" && head_is "$v2"'
DATABASE_URL=$PG_URL run pr-rollback -q --dry-run --restore-db --skip-deploy "$T/missing.tar.gz"
ok_if rollback_missing_member_refused_in_dry_run '[ "$rc" -eq 3 ] && grep -q "not a verified member" "$T/err"'

# 10. A member far larger than its manifest says: extraction stops at the
# listed size.  Under a 1 MiB file-size limit, writing the 32 MiB member
# would kill the program (SIGXFSZ) or fail with exit 4.
mkdir "$T/b"
head -c 33554432 /dev/zero >"$T/b/database.dump"
jq '.members |= map(if .name == "database.dump" then .bytes = 1 else . end)' "$T/x/manifest.json" >"$T/b/manifest.json"
repack "$T/b" "$T/bomb.tar.gz" database.dump manifest.json
run sh -c 'ulimit -f 2048; exec pr-rollback -q --dry-run --skip-deploy "$1"' sh "$T/bomb.tar.gz"
ok_if rollback_oversized_member_stops_at_manifest_size '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "member database.dump is larger than the manifest says" "$T/err"'
# The same bound from an outer manifest that lists 1 byte.
jq '.members |= map(if .name == "database.dump" then .bytes = 1 else . end)' "$T/snap.json" >"$T/small.json"
outer "$T/small.json" "$T/snap.tar.gz" "$T/small2.json"
run sh -c 'ulimit -f 64; exec pr-rollback -q --dry-run --skip-deploy "$1"' sh "$T/small2.json"
ok_if rollback_outer_manifest_size_bounds_extraction '[ "$rc" -eq 3 ] && one_line "$T/err" && grep -q "larger than the manifest says" "$T/err"'

# 7. SIGTERM during pg_restore: forwarded to it and waited for, and the
# extraction directory removed.  pg_restore here is a wrapper that records
# its arguments and pid, then waits.
mkdir "$T/wrap"
cat >"$T/wrap/pg_restore" <<EOW
#!/bin/sh
printf '%s\n' "\$@" >"$T/restore.argv"
echo \$\$ >"$T/restore.pid"
exec sleep 30
EOW
chmod +x "$T/wrap/pg_restore"
rm -f "$T/restore.pid"
PATH=$T/wrap:$PATH DATABASE_URL=$PG_URL pr-rollback -q --restore-db --yes --skip-deploy "$T/snap.json" \
	>"$T/out" 2>"$T/err" &
rb=$!
track $rb
wait_for_file "$T/restore.pid"
kill -TERM "$rb"
wait "$rb"
rc=$?
rpid=$(cat "$T/restore.pid" 2>/dev/null)
workdir=$(dirname "$(tail -n 1 "$T/restore.argv" 2>/dev/null)")
ok_if rollback_sigterm_ends_by_the_signal '[ "$rc" -eq 143 ]'
ok_if rollback_sigterm_stops_pg_restore '[ -n "$rpid" ] && ! kill -0 "$rpid" 2>/dev/null'
ok_if rollback_sigterm_removes_extraction_directory '[ -n "$workdir" ] && [ "$workdir" != . ] && [ ! -e "$workdir" ]'
[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
[ -n "$workdir" ] && [ "$workdir" != . ] && rm -rf "$workdir"
git checkout -q main

# 16. The dump reaches pg_restore after "--", so no path is read as an option.
ok_if rollback_pg_restore_path_after_double_dash '[ "$(tail -n 2 "$T/restore.argv" | head -n 1)" = "--" ]'
