#!/bin/sh
# compare-stats.sh: pr-compare's decisions over many generated document
# pairs, end to end.  Same distribution: at most about alpha (5 %) of pairs
# may be called changed.  A real 20 % shift must be seen in at least 95 %,
# both directions, for a latency (lower is better) and a throughput (higher
# is better).  The measured rates are in the test names.
. "$(dirname "$0")/lib.sh"

TRIALS=500
# Under valgrind a comparison takes about a second: the pairs still run, to
# find memory errors, but too few of them to judge a rate.
[ -n "${PR_VALGRIND:-}" ] && TRIALS=20
cd "$T" || exit 1

# judge NAME CMD...: a rate check, skipped (and said so) under valgrind.
judge() {
	if [ -n "${PR_VALGRIND:-}" ]; then
		echo "# skip $1: $TRIALS pairs under valgrind are too few to judge a rate"
	else
		check "$@"
	fi
}

# rates SCENARIO BASE_SPEC AFTER_SPEC SEED: run TRIALS pairs, leave the
# verdict counts in $T/SCENARIO.counts ("verdict count" lines).
rates() {
	$PY "$FIX/gen_bench.py" --repeat $TRIALS --prefix "$1-b-" --seed "$4" "$2"
	$PY "$FIX/gen_bench.py" --repeat $TRIALS --prefix "$1-a-" --seed $(($4 + 100000)) "$3"
	_i=0
	: >"$1.all"
	while [ $_i -lt $TRIALS ]; do
		pr-compare --format json ${CMP_ARGS:-} "$1-b-$_i.json" "$1-a-$_i.json" >>"$1.all" 2>>"$1.err"
		_i=$((_i + 1))
	done
	jq -r .metrics.m.verdict "$1.all" | sort | uniq -c | awk '{ print $2, $1 }' >"$1.counts"
}

# pct SCENARIO VERDICT: the share of trials with that verdict, in percent.
pct() {
	awk -v v="$2" -v n=$TRIALS '$1 == v { c = $2 } END { printf "%.1f", 100 * c / n }' "$1.counts"
}

# at_most / at_least PERCENT LIMIT
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# Same distribution: lognormal sigma 0.3 with 2 % stalls of 3-10x.  The
# test is exact here, so the expected rate is alpha; the limit allows two
# standard errors of 500 trials.
rates null m=100,sigma=0.3,outliers=0.02 m=100,sigma=0.3,outliers=0.02 1000
reg=$(pct null regressed)
imp=$(pct null improved)
both=$(awk -v a="$reg" -v b="$imp" 'BEGIN { printf "%.1f", a + b }')
judge "same_distribution_changed_in_${both}pct_of_${TRIALS}_pairs_(${reg}_regressed_${imp}_improved)" \
	at_most "$both" 6.95

# A real 20 % shift with a run-to-run spread of sigma 0.1 (30 vs 30).
rates slower m=100,sigma=0.1,outliers=0.02 m=120,sigma=0.1,outliers=0.02 2000
r=$(pct slower regressed)
judge "latency_20pct_higher_regressed_in_${r}pct" at_least "$r" 95
# 30 samples cannot bound p95, so an improvement judged on p50 and p95 is
# inconclusive (never unchanged): these two judge p50 alone.
CMP_ARGS="--quantiles 50"
rates faster m=100,sigma=0.1,outliers=0.02 m=80,sigma=0.1,outliers=0.02 3000
r=$(pct faster improved)
judge "latency_20pct_lower_improved_in_${r}pct_on_p50" at_least "$r" 95
rates rps_up m=1000,unit=rps,sigma=0.1 m=1200,unit=rps,sigma=0.1 4000
r=$(pct rps_up improved)
judge "rps_20pct_higher_improved_in_${r}pct_on_p50" at_least "$r" 95
CMP_ARGS=
rates rps_down m=1000,unit=rps,sigma=0.1 m=800,unit=rps,sigma=0.1 5000
r=$(pct rps_down regressed)
judge "rps_20pct_lower_regressed_in_${r}pct" at_least "$r" 95
check no_errors_on_stderr sh -c "! cat null.err slower.err faster.err rps_up.err rps_down.err | grep -v 'warning: inconclusive' | grep -q ."
check same_distribution_is_never_unchanged_at_30 test "$(pct null unchanged)" = 0.0
for s in null slower faster rps_up rps_down; do
	check "every_${s}_comparison_ran" test "$(jq -s length $s.all)" -eq $TRIALS
done
