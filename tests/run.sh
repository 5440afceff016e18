#!/bin/sh
# run.sh: run every test file and print one closing line "N passed, N failed".
#
#   tests/run.sh                 everything
#   tests/run.sh 'cli/compare*'  files matching a glob (relative to tests/)
#
# A test file is a unit-test binary (build/tests/test_*) or a shell script
# (tests/cli/*.sh, tests/*.sh).  Each prints "ok NAME" or "not ok NAME: why"
# per test.  A file that dies without saying why counts as one failure.
# PR_BIN and PR_UNIT point at other builds (make sanitize uses them).
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
# its own CFLAGS and B.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
# One test file may take this long before it is stopped and failed.
FILE_TIMEOUT=${PR_TEST_TIMEOUT:-600}

pattern=${1:-*}
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

files=
for f in "$PR_UNIT"/test_* tests/cli/*.sh tests/*.sh; do
	[ -e "$f" ] || continue
	case $f in tests/run.sh | */lib.sh) continue ;; esac
	case $f in
	"$PR_UNIT"/*) rel=unit/${f#"$PR_UNIT"/} ;;
	*) rel=${f#tests/} ;;
	esac
	case $rel in $pattern | unit/$pattern) files="$files $f" ;; esac
done
if [ -z "$files" ]; then
	echo "run.sh: no test file matches '$pattern' (try 'cli/compare*' or 'unit/test_stats')" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

for f in $files; do
	name=${f#"$root"/}
	start=$(date +%s)
	case $f in
	*.sh) timeout -k 5 "$FILE_TIMEOUT" sh "$f" >"$out" 2>&1 ;;
	*) timeout -k 5 "$FILE_TIMEOUT" "$f" >"$out" 2>&1 ;;
	esac
	rc=$?
	p=$(grep -c '^ok ' "$out")
	n=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		echo "not ok $name: exited $rc without a failing test" >>"$out"
		n=1
	fi
	passed=$((passed + p))
	failed=$((failed + n))
	printf '%-40s %4d passed %4d failed  %3ds\n' "$name" "$p" "$n" $(($(date +%s) - start))
	if [ "$n" -gt 0 ]; then
		grep -v '^ok ' "$out" | tail -n 40 | sed 's/^/    /'
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
