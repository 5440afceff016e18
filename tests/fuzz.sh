#!/bin/sh
# fuzz.sh: build the libFuzzer targets (make fuzz) and run each for a
# bounded time from its seed corpus.  A crash, leak or sanitizer report
# fails the target's test.
. "$(dirname "$0")/cli/lib.sh"

# Seconds each target runs; CI keeps the default (eleven targets: under two
# minutes in all, besides the build).
FUZZ_SECONDS=${PR_FUZZ_SECONDS:-10}

if ! command -v clang >/dev/null 2>&1; then
	fail fuzz_targets_build "clang is not installed (scripts/deps.sh test installs it)"
	exit 0
fi
if ! make -s -C "$PR_ROOT" fuzz >"$T/build.log" 2>&1; then
	fail fuzz_targets_build "$(tail -n 5 "$T/build.log")"
	exit 0
fi
pass fuzz_targets_build

for target in "$PR_ROOT"/build-fuzz/fuzz/fuzz_*; do
	[ -x "$target" ] || continue
	name=${target##*/}
	corpus=$PR_ROOT/tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$T/$name"
	# -timeout: one input taking this long is a hang, and fails the target.
	if "$target" -max_total_time="$FUZZ_SECONDS" -timeout=5 -close_fd_mask=2 -rss_limit_mb=2048 \
		-dict="$PR_ROOT/tests/fuzz/json.dict" "$T/$name" "$corpus" >"$T/$name.log" 2>&1; then
		pass "${name}_survives_${FUZZ_SECONDS}s"
	else
		fail "${name}_survives_${FUZZ_SECONDS}s" "$(grep -m1 -E 'ERROR|SUMMARY|Assertion' "$T/$name.log")"
	fi
done
