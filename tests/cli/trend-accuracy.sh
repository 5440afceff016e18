#!/bin/sh
# trend-accuracy.sh: bench/trend-accuracy.sh at fewer trials, with other
# seeds, noise shapes and lengths than the issue's (the limits keep a safe
# margin from what the bench measures), the Python reference agreeing, the
# malformed line named, and 10,000 x 10 points within a loose time limit.
# shellcheck disable=SC2046 # set -- $(...) splits the figures into $1 $2 on purpose
. "$(dirname "$0")/lib.sh"

# figure TEXT N: the N-th "a/b" figure of TEXT, as "a b".
figure() { echo "$1" | grep -oE '[0-9]+/[0-9]+' | sed -n "${2}p" | tr / ' '; }
at_most() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a <= l * b) }'; }
at_least() { awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(a >= l * b) }'; }

for cfg in "laplace 0.06 400 21" "lognormal 0.05 600 22"; do
	set -- $cfg
	noise=$1 sd=$2 points=$3 seed=$4
	out=$("$PR_ROOT/bench/trend-accuracy.sh" --no-speed --trials 30 --noise "$noise" --sd "$sd" --points "$points" --seed "$seed" 2>&1)
	line=$(echo "$out" | grep '0 shifts'); set -- $(figure "$line" 1)
	check "${noise}_flat_false_change_points_${1}_of_${2}" at_most "$1" "$2" 0.15
	line=$(echo "$out" | grep '1 shift:'); set -- $(figure "$line" 1)
	check "${noise}_one_shift_found_${1}_of_${2}" at_least "$1" "$2" 0.85
	line=$(echo "$out" | grep '3 shifts'); set -- $(figure "$line" 1)
	check "${noise}_three_shifts_found_${1}_of_${2}" at_least "$1" "$2" 0.8
	set -- $(figure "$line" 2)
	check "${noise}_three_shifts_false_${1}_per_${2}" at_most "$1" "$2" 0.3
	check "${noise}_reference_agrees" sh -c "echo '$out' | grep -q 'reference: the same change points'"
	check "${noise}_malformed_line_named" sh -c "echo '$out' | grep -q 'malformed line: reported with its line number, skipped'"
done

out=$("$PR_ROOT/bench/trend-accuracy.sh" --trials 2 --seed 23 --ref-metrics 0 2>&1)
s=$(echo "$out" | sed -n 's/.*metrics in \([0-9.]*\) s on one core (\([0-9.]*\) s CPU.*/\2/p')
# The issue's bound is 1 s; 3 s of CPU leaves room for a loaded, sanitized build.
check "ten_thousand_by_ten_in_${s}_s_cpu" awk -v s="$s" 'BEGIN { exit !(s != "" && s < 3) }'
