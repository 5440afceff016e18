#!/bin/sh
# pr-snapshot under signals, hangs, broken pipes, full disks and odd output
# paths, with a real PostgreSQL: pg_dump is never left running, no temporary
# file or half snapshot (a tag without its archive, or the reverse) is left,
# files follow the umask, and special files are written in place.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
no_tag() { ! git rev-parse -q --verify "refs/tags/$1" >/dev/null; }
mode() { stat -c %a "$1"; }
# pg_as_admin SQL: as the superuser, over the local socket
pg_as_admin() { _pg_as psql -qAt -h "$PG_DIR" -p "$PG_PORT" -U postgres -d app -c "$1"; }

git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1

pg_start || exit 1
pg_sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple');"
export DATABASE_URL=$PG_URL

# 7. A lock that pg_dump waits for, for ever: a session holds the table.
lock_items() {
	_pg_as psql -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d app \
		-c "BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);" >/dev/null 2>&1 &
	track $!
	_i=0
	until [ "$(pg_as_admin "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'items'::regclass")" = 1 ] ||
		[ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
unlock_items() { pg_as_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null; }
# wait until pg_dump waits for the lock
wait_dump_blocked() {
	_i=0
	until [ "$(pg_as_admin "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock'")" = 1 ] ||
		[ $_i -ge 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

# snapshot_signalled SIG TAG ARCHIVE: pr-snapshot blocked in pg_dump, then
# sent SIG; sets $rc (its exit status) and $dump (the pg_dump it ran).
snapshot_signalled() {
	pr-snapshot -q --tag "$2" -a "$3" >"$T/out" 2>"$T/err" &
	snap=$!
	track $snap
	wait_dump_blocked
	dump=$(pgrep -P "$snap" pg_dump)
	kill -"$1" "$snap"
	wait "$snap"
	rc=$?
}

lock_items
mkdir "$T/sig"
snapshot_signalled TERM sig "$T/sig/a.tar.gz"
ok_if snapshot_sigterm_ends_by_the_signal '[ "$rc" -eq 143 ]'
ok_if snapshot_sigterm_stops_pg_dump '[ -n "$dump" ] && ! kill -0 "$dump" 2>/dev/null'
ok_if snapshot_sigterm_leaves_no_files '[ -z "$(ls -A "$T/sig")" ] && no_tag sig'
[ -n "$dump" ] && kill "$dump" 2>/dev/null

# SIGINT too (Ctrl-C sent to pr-snapshot alone, as a CI runner may).
snapshot_signalled INT int "$T/sig/b.tar.gz"
ok_if snapshot_sigint_stops_pg_dump_and_cleans_up '[ "$rc" -eq 130 ] && [ -n "$dump" ] && ! kill -0 "$dump" 2>/dev/null && [ -z "$(ls -A "$T/sig")" ]'
[ -n "$dump" ] && kill "$dump" 2>/dev/null

# --db-timeout bounds the whole dump: exit 4, one line, nothing left.
start=$(date +%s)
run pr-snapshot -q --db-timeout 2s --tag slow -a "$T/sig/c.tar.gz"
took=$(($(date +%s) - start))
ok_if snapshot_db_timeout_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err" && grep -q "still running after 2 s" "$T/err"'
ok_if snapshot_db_timeout_is_bounded '[ "$took" -le 10 ] && [ -z "$(ls -A "$T/sig")" ] && no_tag slow'
unlock_items
expect_exit 2 snapshot_db_timeout_bad_value pr-snapshot --db-timeout soon

# A server that accepts TCP and never answers: connect_timeout ends it.
cat >"$T/silent.py" <<'EOP'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
EOP
$PY "$T/silent.py" "$T/silent.port" &
track $!
wait_for_file "$T/silent.port"
start=$(date +%s)
DATABASE_URL="postgres://u:p@127.0.0.1:$(cat "$T/silent.port")/app" run timeout 60 pr-snapshot -q --tag silent -a "$T/sig/d.tar.gz"
# shellcheck disable=SC2034 # read in the ok_if expression below
took=$(($(date +%s) - start))
ok_if snapshot_silent_server_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err"'
ok_if snapshot_silent_server_gives_up_in_time '[ "$took" -le 20 ] && [ -z "$(ls -A "$T/sig")" ] && no_tag silent'

# A broken pipe (2>&1 | head -n 1): SIGPIPE is ignored, the failed write of
# the manifest is an error, and nothing is left: no tag, no archive, no
# temporary.  pg_dump is slowed by a wrapper so that head has gone by then.
mkdir "$T/wrap" "$T/pipe"
printf '#!/bin/sh\nsleep 1\nexec /usr/bin/pg_dump "$@"\n' >"$T/wrap/pg_dump"
chmod +x "$T/wrap/pg_dump"
{ PATH=$T/wrap:$PATH pr-snapshot --tag pipe -a "$T/pipe/a.tar.gz"; echo $? >"$T/pipe.rc"; } 2>&1 | head -n 1 >/dev/null
ok_if snapshot_broken_pipe_exits_4 '[ "$(cat "$T/pipe.rc")" = 4 ]'
ok_if snapshot_broken_pipe_leaves_nothing '[ -z "$(ls -A "$T/pipe")" ] && no_tag pipe'

# 14. stdout on a full disk: the archive shares the tag's fate.
mkdir "$T/full"
pr-snapshot -q --tag full -a "$T/full/a.tar.gz" >/dev/full 2>"$T/err"
rc=$?
ok_if snapshot_full_stdout_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err"'
ok_if snapshot_full_stdout_leaves_no_orphan_archive '[ -z "$(ls -A "$T/full")" ] && no_tag full'

# 5. Modes: the archive is 0600 unless --archive-mode says, documents follow
# the umask.
mkdir "$T/um"
(umask 077 && exec pr-snapshot -q --tag um1 -a "$T/um/a.tar.gz" -o "$T/um/a.json" >/dev/null 2>"$T/err")
ok_if snapshot_umask_077_keeps_files_private '[ "$(mode "$T/um/a.tar.gz")" = 600 ] && [ "$(mode "$T/um/a.json")" = 600 ]'
(umask 022 && exec pr-snapshot -q --tag um2 -a "$T/um/b.tar.gz" -o "$T/um/b.json" >/dev/null 2>"$T/err")
ok_if snapshot_archive_private_by_default '[ "$(mode "$T/um/b.tar.gz")" = 600 ] && [ "$(mode "$T/um/b.json")" = 644 ]'
(umask 022 && exec pr-snapshot -q --tag um3 --archive-mode 0640 -a "$T/um/c.tar.gz" >/dev/null 2>"$T/err")
ok_if snapshot_archive_mode_option '[ "$(mode "$T/um/c.tar.gz")" = 640 ]'
(umask 077 && exec pr-snapshot -q --tag um4 --archive-mode 0644 -a "$T/um/d.tar.gz" >/dev/null 2>"$T/err")
ok_if snapshot_archive_mode_still_under_umask '[ "$(mode "$T/um/d.tar.gz")" = 600 ]'
expect_exit 2 snapshot_archive_mode_bad_value pr-snapshot --archive-mode rw

# 6. -o to a FIFO is written through it, not renamed over; -o to a link
# keeps the link and replaces the file it names.
mkfifo "$T/um/fifo"
timeout 20 cat "$T/um/fifo" >"$T/um/fifo.got" &
reader=$!
run pr-snapshot -q --tag fifo -a "$T/um/e.tar.gz" -o "$T/um/fifo"
wait "$reader"
ok_if snapshot_output_fifo_written_in_place '[ "$rc" -eq 0 ] && [ -p "$T/um/fifo" ] && cmp -s "$T/out" "$T/um/fifo.got"'
# An archive written into a FIFO is never removed on failure: it was not ours.
mkfifo "$T/um/afifo"
timeout 20 cat "$T/um/afifo" >"$T/um/afifo.got" &
reader=$!
pr-snapshot -q --tag afifo -a "$T/um/afifo" >/dev/full 2>"$T/err"
rc=$?
wait "$reader"
ok_if snapshot_failed_run_keeps_a_fifo_archive_target '[ "$rc" -eq 4 ] && [ -p "$T/um/afifo" ] && [ -s "$T/um/afifo.got" ] && no_tag afifo'
echo old >"$T/um/real.json"
ln -s real.json "$T/um/link.json"
run pr-snapshot -q --tag link -a "$T/um/f.tar.gz" -o "$T/um/link.json"
ok_if snapshot_output_link_kept '[ "$rc" -eq 0 ] && [ -L "$T/um/link.json" ] && cmp -s "$T/out" "$T/um/real.json"'

# 16. An archive path starting with '-' is a path, to pg_restore too.
mkdir dash && cd dash || exit 1
run pr-snapshot -q --tag dash --archive=-snap.tar.gz
ok_if snapshot_dash_archive_path '[ "$rc" -eq 0 ] && [ -s ./-snap.tar.gz ] && [ "$(jget "$T/out" .database.toc_entries)" -ge 2 ]'
cd "$T/repo" && rm -rf dash || exit 1

# 17. --log on a full disk: exit 4 and one line, before anything is done.
# The log's name has the second in it: every name for the next 30 s is a
# link to /dev/full.
mkdir -p logs
now=$(date -u +%s)
for i in $(seq 0 30); do ln -sf /dev/full "logs/pr-snapshot-$(date -u -d "@$((now + i))" +%Y%m%d-%H%M%S).log"; done
run pr-snapshot --log --tag fulllog -a "$T/full/b.tar.gz"
ok_if snapshot_unwritable_log_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err" && grep -q "cannot write log" "$T/err"'
ok_if snapshot_unwritable_log_does_nothing '[ -z "$(ls -A "$T/full")" ] && no_tag fulllog'
rm -rf logs
