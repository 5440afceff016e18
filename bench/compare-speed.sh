#!/bin/sh
# compare-speed.sh: time pr-compare on two documents of 1,000,000 samples
# each (a 5 % slower after side), RUNS times, and print the median seconds.
#
#   bench/compare-speed.sh [SAMPLES] [RUNS]
#
# Target: under 1 s on a 2-core machine.  The documents are generated once
# with tests/fixtures/gen_bench.py (fixed seeds) under $TMPDIR.
set -eu
cd "$(dirname "$0")/.."
samples=${1:-1000000}
runs=${2:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/pr-compare-speed.XXXXXX")
trap 'rm -rf "$dir"' EXIT

[ -x bin/pr-compare ] || make -s bin/pr-compare
gen=tests/fixtures/gen_bench.py
/usr/bin/python3 $gen --seed 1 --samples "$samples" home=100,sigma=0.3,outliers=0.01 >"$dir/base.json"
/usr/bin/python3 $gen --seed 2 --samples "$samples" home=105,sigma=0.3,outliers=0.01 >"$dir/after.json"
echo "documents: $(wc -c <"$dir/base.json") and $(wc -c <"$dir/after.json") bytes, $samples samples each" >&2

i=0
: >"$dir/times"
while [ $i -lt "$runs" ]; do
	start=$(date +%s.%N)
	bin/pr-compare --format json "$dir/base.json" "$dir/after.json" >"$dir/out.json" || [ $? -eq 1 ]
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }' >>"$dir/times"
	i=$((i + 1))
done
sort -n "$dir/times" | tr '\n' ' ' | sed 's/^/runs (s): /' >&2
echo >&2
median=$(sort -n "$dir/times" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }')
echo "pr-compare on 2 x $samples samples: median $median s over $runs runs"
