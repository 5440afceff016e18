#!/bin/sh
# snapshot-size.sh: pr-snapshot against pg_dump alone on a database of at
# least 1 GiB: wall time and peak RSS of each, and the archive's size.
#
#   bench/snapshot-size.sh [SIZE_MIB]     (default 1024)
#
# Starts a throwaway PostgreSQL (tests/fixtures/pg.sh), fills one table with
# generate_series rows of random hex text (about half compressible, like real
# data) until pg_total_relation_size reaches SIZE_MIB, then measures with
# /usr/bin/time -v.  pr-snapshot's peak RSS must not grow with the database:
# the dump streams through a temporary file in fixed-size pieces.
set -u
cd "$(dirname "$0")/.." || exit 2
PR_ROOT=$(pwd)
export PR_ROOT
. tests/cli/lib.sh
. tests/fixtures/pg.sh

size_mib=${1:-1024}
ROW_BYTES=300		# about what one generated row takes on disk
rows=$((size_mib * 1024 * 1024 / ROW_BYTES))
[ -x bin/pr-snapshot ] || make -s bin/pr-snapshot || exit 1
command -v /usr/bin/time >/dev/null || { echo "snapshot-size: needs GNU time (/usr/bin/time)" >&2; exit 1; }

pg_start || exit 1
echo "filling $rows rows (target $size_mib MiB)..." >&2
start=$(date +%s)
pg_sql "CREATE TABLE events AS SELECT g AS id, now() - g * interval '1 second' AS at,
	md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) ||
	repeat('event payload ', 8) AS body FROM generate_series(1, $rows) g;
	ALTER TABLE events ADD PRIMARY KEY (id);" >/dev/null
db_bytes=$(pg_sql "SELECT pg_database_size('app')")
echo "database: $((db_bytes / 1048576)) MiB, filled in $(($(date +%s) - start)) s" >&2

# measure LABEL CMD...: wall seconds and peak RSS (KiB) from GNU time.
measure() {
	_label=$1
	shift
	/usr/bin/time -v -o "$T/time.$_label" "$@" >"$T/stdout.$_label" 2>"$T/stderr.$_label" ||
		{ echo "snapshot-size: $_label failed: $(tail -n 2 "$T/stderr.$_label")" >&2; exit 1; }
	_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.$_label")
	_wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time.$_label")
	printf '%-12s wall %10s   peak RSS %8d KiB\n' "$_label" "$_wall" "$_rss"
}

git init -q "$T/repo" && cd "$T/repo" || exit 1
GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b git commit -q --allow-empty -m bench
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b

echo "database $((db_bytes / 1048576)) MiB ($db_bytes bytes)"
PGPASSWORD=$PG_PASSWORD measure pg_dump /usr/bin/pg_dump --format=custom --no-password \
	--dbname "postgres://$PG_USER@127.0.0.1:$PG_PORT/app" --file "$T/alone.dump"
DATABASE_URL=$PG_URL measure pr-snapshot "$PR_ROOT/bin/pr-snapshot" --tag bench -a "$T/snap.tar.gz"
sed "s/^/  /" "$T/stderr.pr-snapshot"
echo "dump alone   $(stat -c %s "$T/alone.dump") bytes"
echo "archive      $(stat -c %s "$T/snap.tar.gz") bytes"
jq -r '"manifest     toc_entries \(.database.toc_entries), members \([.members[].name] | join(","))"' "$T/stdout.pr-snapshot"
