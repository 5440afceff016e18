#!/bin/sh
# run.sh: run test files and print one closing line "N passed, N failed".
#
#   tests/run.sh                     everything, one file at a time
#   tests/run.sh 'cli/compare*'      files matching a glob (relative to tests/;
#                                    unit tests are unit/test_NAME, or test_NAME)
#   tests/run.sh -j 2 [GLOB]         up to 2 files at a time (make check -j2)
#
# A test file is a unit-test binary (build/tests/test_*) or a shell script
# (tests/cli/*.sh, tests/*.sh).  Each prints "ok NAME" or "not ok NAME: why"
# per case.  A file that dies without saying why counts as one failure, and
# so does a glob that matches no file, or a PR_TEST_RUN that matches no case.
#
# Each file prints one block, in the same order whatever -j is: a line with
# its counts and seconds, then its failures (or, with PR_TEST_VERBOSE or
# PR_TEST_RUN, everything it printed).  Files run in parallel (-j N > 1)
# first, the longest first by the seconds each took last time (kept in
# $PR_UNIT/.run-times); the files in ALONE below, whose assertions bound
# latency or rate, then run one by one with nothing else running, so -j
# cannot make them flaky.  Without -j, files run one at a time in that order.
#
# Environment, passed on to every file (tests/cli/lib.sh and tests/unit/t.h):
#   PR_TEST_RUN='glob ...'  only the cases whose name matches one of the globs
#                           (see lib.sh for what "only" means in a script)
#   PR_TEST_KEEP=1          keep each file's scratch directory and say where
#   PR_TEST_VERBOSE=1       show each command a case runs, and every line
#   PR_TEST_TIMEOUT=S       stop and fail a file after S seconds (600)
#   PR_BIN, PR_UNIT         other builds of the programs and unit tests
#                           (make sanitize and make valgrind use them)
set -u

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
PR_BIN=${PR_BIN:-bin}
PR_UNIT=${PR_UNIT:-build/tests}
case $PR_BIN in /*) ;; *) PR_BIN=$root/$PR_BIN ;; esac
case $PR_UNIT in /*) ;; *) PR_UNIT=$root/$PR_UNIT ;; esac
export PR_BIN PR_UNIT PR_ROOT="$root"
# A test that runs make (install.sh, fuzz.sh) must not inherit the flags of
# the make that runs us: `make sanitize` would otherwise rebuild bin/ with
# its own CFLAGS and B, and `make -j2 check` would hand it a jobserver whose
# descriptors it does not have.  The job count reaches us as -j instead.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
# One test file may take this long before it is stopped and failed.
FILE_TIMEOUT=${PR_TEST_TIMEOUT:-600}
# How often the printer looks for a finished file.
POLL_S=0.2

# Files whose assertions bound time, run alone (with a reason each):
#   cli/bench.sh           median within 1 ms of the server's; 25 ms max
#   cli/bench-phases.sh    phases within 20 us of curl's, nginx pinned to CPU 1
#   cli/bench-load.sh      open-loop request counts at 200/s, p50 < 10 ms
#   cli/bench-load-tls.sh  responses per second over TLS
#   cli/bench-load-merge.sh two shards at 300/s and 200/s at once
#   cli/bench-errors.sh    a timeout bounds the run's wall time
#   unit/test_loadgen      open loop keeps 190-200 requests/s
#   unit/test_probe        one request's total time within 190-1000 ms
#   cli/bench-load-h2.sh   streams overlap: 30 of 50 responses in the window
#   cli/qa_metrics.sh      a watch stops within one interval after for:
#   cli/qa_watch.sh        enough requests in 1-2 s to see a rare error
#   cli/bench-ws.sh        WebSocket and Socket.IO medians within 2.5 ms of 20
#   cli/bench-ws-load.sh   2,000 Socket.IO clients; an open loop's p50 < 50 ms
ALONE=' cli/bench.sh cli/bench-phases.sh cli/bench-load.sh cli/bench-load-tls.sh
cli/bench-load-merge.sh cli/bench-errors.sh unit/test_loadgen unit/test_probe
cli/bench-load-h2.sh cli/qa_metrics.sh cli/qa_watch.sh cli/bench-ws.sh cli/bench-ws-load.sh '

njobs=1
while [ $# -gt 0 ]; do
	case $1 in
	-j) njobs=${2:-}; if [ $# -ge 2 ]; then shift 2; else shift; fi ;;
	-j*) njobs=${1#-j}; shift ;;
	--) shift; break ;;
	-*) echo "usage: tests/run.sh [-j N] [GLOB]" >&2; exit 2 ;;
	*) break ;;
	esac
done
case $njobs in '' | *[!0-9]* | 0) echo "run.sh: -j wants a positive number, not '$njobs'" >&2; exit 2 ;; esac
pattern=${1:-*}

work=$(mktemp -d "${TMPDIR:-/tmp}/pr-run.XXXXXX") || exit 2
sched=
# Stop what is still running, by the process ids we started, then tidy up.
stop() {
	[ -n "$sched" ] && kill "$sched" 2>/dev/null
	for p in "$work"/*.pid; do
		[ -e "$p" ] || continue
		[ -e "${p%.pid}.rc" ] || kill "$(cat "$p")" 2>/dev/null
	done
	rm -rf "$work"
}
trap stop EXIT
# Signals too: `tests/run.sh | head` must not leave files running.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# The files, as "path rel" lines: parallel ones first, then ALONE, each
# group in name order.
alone_set=$(printf '%s' "$ALONE" | tr '\n' ' ')
together=
alone=
for f in "$PR_UNIT"/test_* tests/cli/*.sh tests/*.sh; do
	[ -e "$f" ] || continue
	case $f in tests/run.sh | */lib.sh) continue ;; esac
	case $f in
	"$PR_UNIT"/*) rel=unit/${f#"$PR_UNIT"/} ;;
	*) rel=${f#tests/} ;;
	esac
	# shellcheck disable=SC2254 # T is a glob
	case $rel in $pattern | unit/$pattern) ;; *) continue ;; esac
	case $alone_set in
	*" $rel "*) alone="$alone$f $rel
" ;;
	*) together="$together$f $rel
" ;;
	esac
done
if [ -z "$together$alone" ]; then
	echo "run.sh: no test file matches '$pattern' (try 'cli/compare*', 'unit/*' or 'test_stats')" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# "N path rel" lines: N is the file's place in the output.  Together files
# start longest first (by the seconds each took last time, in $times), so
# that a long one (fuzz.sh) does not start last and run on alone.
times=$PR_UNIT/.run-times
printf '%s%s' "$together" "$alone" | awk '{ print NR, $0 }' >"$work/all"
printf '%s' "$together" | awk '{ print NR, $0 }' >"$work/together"
cp "$times" "$work/before" 2>/dev/null || : >"$work/before"
awk 'FILENAME == ARGV[1] { secs[$1] = $2; next } { print secs[$3] + 0, $0 }' "$work/before" "$work/together" |
	sort -s -k1,1nr | cut -d' ' -f2- >"$work/start"
printf '%s' "$alone" | awk -v n="$(printf '%s' "$together" | wc -l)" '{ print n + NR, $0 }' >"$work/alone"

# run_file N PATH: run one file; its output goes to $work/N.out, its exit
# status and seconds to $work/N.rc (written last: the printer waits for it).
run_file() {
	_start=$(date +%s)
	case $2 in
	*.sh) timeout -k 5 "$FILE_TIMEOUT" sh "$2" >"$work/$1.out" 2>&1 </dev/null & ;;
	*) timeout -k 5 "$FILE_TIMEOUT" "$2" >"$work/$1.out" 2>&1 </dev/null & ;;
	esac
	echo $! >"$work/$1.pid"
	wait $!
	# (After an interrupt $work may be gone: nothing to say then.)
	{ echo "$? $(($(date +%s) - _start))" >"$work/$1.tmp" && mv "$work/$1.tmp" "$work/$1.rc"; } 2>/dev/null
}

# The scheduler: a FIFO holds one token per free slot; each file takes one
# to start and puts it back when done.  ALONE files start once every other
# file has finished.
schedule() {
	mkfifo "$work/slots" && exec 3<>"$work/slots" && rm "$work/slots" || exit 2
	_i=0
	while [ "$_i" -lt "$njobs" ]; do echo >&3; _i=$((_i + 1)); done
	while read -r _i _f _rel; do
		read -r _ <&3
		{ run_file "$_i" "$_f"; echo >&3; } &
	done <"$work/start"
	wait
	while read -r _i _f _rel; do
		run_file "$_i" "$_f"
	done <"$work/alone"
}
schedule &
sched=$!

# The printer: each file's block in order, as soon as it is finished.
passed=0
failed=0
while read -r i f rel; do
	while [ ! -e "$work/$i.rc" ]; do
		kill -0 "$sched" 2>/dev/null || [ -e "$work/$i.rc" ] || {
			echo "run.sh: the scheduler stopped before $rel finished" >&2
			exit 2
		}
		sleep "$POLL_S"
	done
	read -r rc secs <"$work/$i.rc"
	out=$work/$i.out
	p=$(grep -c '^ok ' "$out")
	n=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		[ "$rc" -eq 124 ] && why="stopped after ${FILE_TIMEOUT}s (PR_TEST_TIMEOUT)" || why="exited $rc without a failing test"
		echo "not ok ${f#"$root"/}: $why" >>"$out"
		n=1
	fi
	passed=$((passed + p))
	failed=$((failed + n))
	printf '%-40s %4d passed %4d failed  %3ds\n' "${f#"$root"/}" "$p" "$n" "$secs"
	if [ -n "${PR_TEST_VERBOSE:-}${PR_TEST_RUN:-}" ]; then
		sed 's/^/    /' "$out"
	elif [ "$n" -gt 0 ]; then
		grep -v '^ok ' "$out" | tail -n 40 | sed 's/^/    /'
	elif [ -n "${PR_TEST_KEEP:-}" ]; then
		grep '^# kept ' "$out" | sed 's/^/    /'
	fi
	echo "$rel $secs" >>"$work/times"
done <"$work/all"
wait "$sched"
sched=
# Remember each file's seconds for the next run's start order (files not
# run this time keep theirs).
if [ -d "$PR_UNIT" ]; then
	awk 'FILENAME == ARGV[1] { new[$1] = 1; print; next } !($1 in new)' "$work/times" "$work/before" \
		>"$times.tmp" 2>/dev/null && mv "$times.tmp" "$times"
fi

if [ -n "${PR_TEST_RUN:-}" ] && [ $((passed + failed)) -eq 0 ]; then
	echo "run.sh: no case matches PR_TEST_RUN='$PR_TEST_RUN' in these files" >&2
	failed=1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
