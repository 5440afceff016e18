# shellcheck shell=sh
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
#   start_fixture NAME SCRIPT [ARGS]  start tests/fixtures/SCRIPT --port-file F ARGS;
#                           sets $fixture_port (arm.sh, render.sh build on it)
#   start_httpd             start tests/fixtures/httpd.py; sets $HTTPD (http://127.0.0.1:PORT)
#   validate SCHEMA FILE    check FILE against schemas/SCHEMA.schema.json
#   workflow_step WF JOB NAME DIR  run the step NAME of JOB in workflow WF (a
#                           ci-examples file) in DIR as Actions does (bash -e
#                           -o pipefail): stdout in $T/out, stderr in $T/err,
#                           status in $rc
#   selected NAME...        true when PR_TEST_RUN selects one of the NAMEs
#
# Set by tests/run.sh's caller (see its header):
#   PR_TEST_RUN='glob ...'  report only the cases whose NAME matches one of
#       the globs.  A case is its expect_exit, check, pass or fail line, and
#       the cases of a file share its scratch directory: one case often reads
#       what an earlier one ran.  So what runs is: every `run` and every
#       expect_exit command (the state later cases read), and all other
#       script lines (servers, fixtures, a value a check compares); what is
#       skipped is the command of each unselected check, and the report of
#       each unselected case (a failure still shows, as a "# unselected"
#       comment).  A file can skip a costly block whose cases are all
#       unselected with `if selected name_a 'name_b*'; then ... fi`.
#   PR_TEST_KEEP=1          leave $T in place at exit and print "# kept $T"
#   PR_TEST_VERBOSE=1       print "# + CMD" for each command run, expect_exit
#                           and check run (other script lines are not shown:
#                           sh -x tests/cli/FILE.sh shows every line)

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
	if [ -n "${PR_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# selected NAME...: true when PR_TEST_RUN is unset or one of its
# space-separated globs matches one of the NAMEs.
selected() {
	[ -z "${PR_TEST_RUN:-}" ] && return 0
	for _sel_name in "$@"; do
		# The globs are matched against names, never expanded as paths.
		case $- in *f*) _sel_f= ;; *) _sel_f=1; set -f ;; esac
		for _sel_glob in $PR_TEST_RUN; do
			# shellcheck disable=SC2254 # the glob is meant to match
			case $_sel_name in $_sel_glob) [ -n "$_sel_f" ] && set +f; return 0 ;; esac
		done
		[ -n "$_sel_f" ] && set +f
	done
	return 1
}

# An unselected case that fails (an expect_exit, or a file's own pass/fail
# logic) still says so, as a comment the runner does not count: a selected
# case that reads its output may fail because of it.
pass() { if selected "$1"; then echo "ok $1"; fi; }
fail() { if selected "$1"; then echo "not ok $1: $2"; else echo "# unselected, not ok $1: $2"; fi; }

# show CMD...: with PR_TEST_VERBOSE, print the command, quoted for sh.
show() {
	[ -n "${PR_TEST_VERBOSE:-}" ] || return 0
	_show_line=
	for _show_arg in "$@"; do
		case $_show_arg in
		'' | *[!A-Za-z0-9_./:=@%+,-]*)
			_show_arg="'$(printf '%s' "$_show_arg" | sed "s/'/'\\\\''/g")'" ;;
		esac
		_show_line="$_show_line $_show_arg"
	done
	echo "# +$_show_line"
}

run() {
	show "$@"
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# The command runs even when NAME is not selected: later cases may read
# its $T/out, $T/err or $rc.
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

# A check's command is a test expression: unselected, it does not run.
check() {
	_name=$1
	shift
	selected "$_name" || return 0
	show "$@"
	if "$@"; then pass "$_name"; else fail "$_name" "$*"; fi
}

ok_if() {
	_name=$1
	shift
	selected "$_name" || return 0
	show "$*"
	if eval "$*"; then pass "$_name"; else fail "$_name" "$*"; fi
}

jget() { jq -r "$2" "$1"; }

# Remember a background process so that it is stopped at exit.
track() { _pids="$_pids $1"; }

# start_server NAME PORTFILE CMD...: run CMD, a server that writes its port
# to PORTFILE, in the background, its output appended to $T/NAME.log,
# stopped at exit; sets $fixture_port once it listens, else returns 1 (the
# caller reports: see $T/NAME.log).
start_server() {
	_sv_name=$1 _sv_portfile=$2
	shift 2
	"$@" >>"$T/$_sv_name.log" 2>&1 &
	track $!
	wait_for_file "$_sv_portfile" || return 1
	fixture_port=$(cat "$_sv_portfile")
}

# start_fixture NAME SCRIPT [ARGS]: start_server for a Python fixture of
# tests/fixtures (one that takes --port-file); prints "not ok NAME: fixture
# did not start" and exits when it does not.
_fixture_n=0
start_fixture() {
	_fx_name=$1 _fx_script=$2
	shift 2
	_fixture_n=$((_fixture_n + 1))
	_fx_portfile=$T/$_fx_name.port.$_fixture_n
	start_server "$_fx_name" "$_fx_portfile" $PY "$FIX/$_fx_script" --port-file "$_fx_portfile" "$@" ||
		{ echo "not ok $_fx_name: fixture did not start"; exit 1; }
}

# Start the fixture HTTP server on a free port; $HTTPD is its base URL.
start_httpd() {
	start_fixture httpd httpd.py "$@"
	# shellcheck disable=SC2034 # for the script that sources this
	HTTPD=http://127.0.0.1:$fixture_port
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

workflow_step() {
	$PY -c 'import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["jobs"][sys.argv[2]]["steps"]
print([s for s in steps if s.get("name") == sys.argv[3]][0]["run"])' "$1" "$2" "$3" >"$T/step.sh" || return 1
	(cd "$4" && bash -e -o pipefail "$T/step.sh") >"$T/out" 2>"$T/err"
	rc=$?
}
