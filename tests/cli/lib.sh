# lib.sh: helpers for end-to-end tests, sourced by tests/cli/*.sh.
#
# Each test prints "ok NAME" or "not ok NAME: why".  Programs are run from
# $PR_BIN; every file gets its own scratch directory $T, removed at exit along
# with every server it started.
#
#   run CMD...              run, keeping stdout in $T/out, stderr in $T/err, status in $rc
#   expect_exit N NAME CMD  run CMD and pass NAME when it exits N
#   pass NAME / fail NAME WHY
#   check NAME CMD...       pass NAME when CMD succeeds (a test expression)
#   ok_if NAME 'EXPR'       pass NAME when the shell expression EXPR succeeds
#                           (for expressions joined by && or ||, which check
#                           would cut at the first &&)
#   jget FILE FILTER        jq -r on FILE
#   start_httpd             start tests/fixtures/httpd.py; sets $HTTPD (http://127.0.0.1:PORT)
#   validate SCHEMA FILE    check FILE against schemas/SCHEMA.schema.json

set -u
PR_ROOT=${PR_ROOT:-$(cd "$(dirname "$0")" && git rev-parse --show-toplevel)}
PR_BIN=${PR_BIN:-$PR_ROOT/bin}
PATH=$PR_BIN:$PATH
# Debian's python3, which has python3-jsonschema and python3-yaml.
PY=/usr/bin/python3
FIX=$PR_ROOT/tests/fixtures
T=$(mktemp -d "${TMPDIR:-/tmp}/pr-test.XXXXXX")
_pids=
# Never inherit the caller's GitHub or logging environment.
unset GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY QA_LOG OUTPUT_JSON COLD_START \
	SNAPSHOT_TAG SKIP_DEPLOY DATABASE_URL AZURE_STORAGE_ACCOUNT AZURE_STORAGE_ACCOUNT_KEY NO_COLOR

cleanup() {
	for p in $_pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "ok $1"; }
fail() { echo "not ok $1: $2"; }

run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_exit() {
	_want=$1 _name=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$_want" ]; then
		pass "$_name"
	else
		fail "$_name" "exit $rc, expected $_want; stderr: $(head -c 300 "$T/err")"
	fi
}

check() {
	_name=$1
	shift
	if "$@"; then pass "$_name"; else fail "$_name" "$*"; fi
}

ok_if() {
	_name=$1
	shift
	if eval "$*"; then pass "$_name"; else fail "$_name" "$*"; fi
}

jget() { jq -r "$2" "$1"; }

# Remember a background process so that it is stopped at exit.
track() { _pids="$_pids $1"; }

# Start the fixture HTTP server on a free port; $HTTPD is its base URL.
start_httpd() {
	_portfile=$T/httpd.port.$$
	rm -f "$_portfile"
	$PY "$FIX/httpd.py" --port-file "$_portfile" "$@" >"$T/httpd.log" 2>&1 &
	track $!
	wait_for_file "$_portfile" || { echo "not ok httpd: fixture server did not start"; exit 1; }
	HTTPD=http://127.0.0.1:$(cat "$_portfile")
}

# Wait up to 10 s for a file to exist and be non-empty.
wait_for_file() {
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$1" ]
}

validate() {
	$PY "$FIX/validate.py" "$PR_ROOT/schemas/$1.schema.json" "$2"
}

# One line of stderr, as every error must be.
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
