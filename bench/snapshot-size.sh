#!/bin/sh
# snapshot-size.sh: pr-snapshot against pg_dump alone on a database of at
# least 1 GiB: wall time, CPU and peak RSS of each, the ratio of the medians,
# and the archive's size against the dump's.
#
#   bench/snapshot-size.sh [SIZE_MIB [ROUNDS]]     (default 1024 MiB, 3 rounds)
#   PR_SNAPSHOT_BEFORE=/path/to/pr-snapshot bench/snapshot-size.sh
#                         also times another build in the same rounds
#
# Starts a throwaway PostgreSQL (tests/fixtures/pg.sh), fills one table with
# generate_series rows of random hex text (about half compressible, like real
# data) until pg_total_relation_size reaches SIZE_MIB, then runs pg_dump
# --file and pr-snapshot (and the other build) in turn, ROUNDS times, each
# under GNU time.  pr-snapshot's peak RSS must not grow with the database:
# the dump streams through a temporary file in fixed-size pieces.
set -u
cd "$(dirname "$0")/.." || exit 2
PR_ROOT=$(pwd)
export PR_ROOT
. tests/cli/lib.sh
. tests/fixtures/pg.sh

size_mib=${1:-1024}
rounds=${2:-3}
ROW_BYTES=300		# about what one generated row takes on disk
rows=$((size_mib * 1024 * 1024 / ROW_BYTES))
before=${PR_SNAPSHOT_BEFORE:-}
[ -x bin/pr-snapshot ] || make -s bin/pr-snapshot || exit 1
command -v /usr/bin/time >/dev/null || { echo "snapshot-size: needs GNU time (/usr/bin/time)" >&2; exit 1; }
[ -z "$before" ] || [ -x "$before" ] ||
	{ echo "snapshot-size: PR_SNAPSHOT_BEFORE=$before is not a program" >&2; exit 2; }

pg_start || exit 1
echo "filling $rows rows (target $size_mib MiB)..." >&2
start=$(date +%s)
pg_sql "CREATE TABLE events AS SELECT g AS id, now() - g * interval '1 second' AS at,
	md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) ||
	repeat('event payload ', 8) AS body FROM generate_series(1, $rows) g;
	ALTER TABLE events ADD PRIMARY KEY (id);" >/dev/null
db_bytes=$(pg_sql "SELECT pg_database_size('app')")
echo "database: $((db_bytes / 1048576)) MiB, filled in $(($(date +%s) - start)) s" >&2

# measure LABEL CMD...: one timed run; appends "wall cpu rss_kib dump" to
# $T/runs.LABEL, where dump is the seconds pg_dump (and pg_restore --list)
# took inside the run, from pr-snapshot's note, and prints the round's line.
measure() {
	_label=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$T/time.$_label" "$@" >"$T/stdout.$_label" 2>"$T/stderr.$_label" ||
		{ echo "snapshot-size: $_label failed: $(tail -n 2 "$T/stderr.$_label")" >&2; exit 1; }
	_dump=$(sed -n 's/.*dump verified: .* in \([0-9.]*\) s$/\1/p' "$T/stderr.$_label")
	awk -v d="$_dump" '{ printf "%s %.2f %d %s\n", $1, $2 + $3, $4, d == "" ? $1 : d }' "$T/time.$_label" |
		tee -a "$T/runs.$_label" | awk -v l="$_label" '{ printf "  %-12s wall %7.2f s (its dump %6.2f s)" \
		"   cpu %7.2f s   peak RSS %7d KiB\n", l, $1, $4, $2, $3 }'
}

# median FILE FIELD: the median of one column of FILE.
median() {
	cut -d' ' -f"$2" "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

git init -q "$T/repo" && cd "$T/repo" || exit 1
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
git commit -q --allow-empty -m bench

# one LABEL ROUND: time LABEL's run in round ROUND.
one() {
	case $1 in
	pg_dump) PGPASSWORD=$PG_PASSWORD measure pg_dump /usr/bin/pg_dump --format=custom --no-password \
		--dbname "postgres://$PG_USER@127.0.0.1:$PG_PORT/app" --file "$T/alone.dump" ;;
	pr-snapshot) DATABASE_URL=$PG_URL measure pr-snapshot "$PR_ROOT/bin/pr-snapshot" --tag "bench-$2" \
		-a "$T/snap.tar.gz" ;;
	before) DATABASE_URL=$PG_URL measure before "$before" --tag "bench-before-$2" -a "$T/before.tar.gz" ;;
	esac
}

# The machine is shared: runs next to each other see about the same load,
# so each round's ratio is taken within the round, and the order rotates
# every round so that each program takes each place in turn.
labels="pg_dump pr-snapshot${before:+ before}"
echo "database $((db_bytes / 1048576)) MiB ($db_bytes bytes), $rounds rounds"
order=$labels
i=1
while [ "$i" -le "$rounds" ]; do
	echo "round $i"
	for l in $order; do one "$l" "$i"; done
	order="${order#* } ${order%% *}"
	for l in $labels; do
		[ "$l" = pg_dump ] && continue
		tail -n 1 "$T/runs.$l" | awk -v d="$(tail -n 1 "$T/runs.pg_dump" | cut -d' ' -f1)" \
			'{ print $1 / d }' >>"$T/ratios.$l"
	done
	[ "$i" -eq "$rounds" ] || rm -f "$T/alone.dump" "$T/snap.tar.gz" "$T/before.tar.gz"
	i=$((i + 1))
done

# Under a varying load the second ratio, of each run's wall time over the
# dump inside that same run, is the steadier one.
echo "medians of $rounds rounds: wall time, over pg_dump's in the same round, and over the dump inside the run:"
for l in $labels; do
	[ "$l" = pg_dump ] && ratio=1 || ratio=$(median "$T/ratios.$l" 1)
	awk '{ print $1 / $4 }' "$T/runs.$l" >"$T/inside.$l"
	printf '  %-12s wall %7.2f s (%.2fx pg_dump, %.3fx its dump)   cpu %7.2f s   peak RSS %7d KiB\n' "$l" \
		"$(median "$T/runs.$l" 1)" "$ratio" "$(median "$T/inside.$l" 1)" "$(median "$T/runs.$l" 2)" \
		"$(median "$T/runs.$l" 3)"
done
sed "s/^/  /" "$T/stderr.pr-snapshot"
echo "dump alone   $(stat -c %s "$T/alone.dump") bytes"
echo "archive      $(stat -c %s "$T/snap.tar.gz") bytes"
[ -z "$before" ] || echo "before       $(stat -c %s "$T/before.tar.gz") bytes"
jq -r '"manifest     toc_entries \(.database.toc_entries), members \([.members[].name] | join(","))"' \
	"$T/stdout.pr-snapshot"
