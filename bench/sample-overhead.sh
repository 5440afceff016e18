#!/bin/sh
# sample-overhead.sh: how much pr-bench adds to what it measures, against
# curl on the same loopback endpoint with the same number of requests.
#
#   bench/sample-overhead.sh [N] [SLEEP_MS]      (defaults 50 and 20)
#
# Starts tests/fixtures/timed_httpd.py, which times its own handling, then
# measures /sleep?ms=SLEEP_MS N times with
#   - pr-bench -n N -w 2 (one kept-alive connection),
#   - one curl process given the URL N times (curl reuses its connection),
#   - a loop of N curl processes (a new connection each),
# and prints the medians of time_total and time_starttransfer, their
# differences from pr-bench, and the server's own median.
set -eu
cd "$(dirname "$0")/.."
N=${1:-50}
MS=${2:-20}
PY=/usr/bin/python3
BIN=${PR_BIN:-bin}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

[ -x "$BIN/pr-bench" ] || make -s "$BIN/pr-bench"
$PY tests/fixtures/timed_httpd.py --port-file "$tmp/port" 2>/dev/null &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base=http://127.0.0.1:$(cat "$tmp/port")
url() { echo "$base/sleep?ms=$MS&key=$1"; }

# The median of the numbers on stdin (seconds or ms, as given).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

"$BIN/pr-bench" -n "$N" -w 2 --measure total a="$(url prbench)" >"$tmp/bench.json"
pb_total=$(jq '.metrics.a.summary.p50' "$tmp/bench.json")
"$BIN/pr-bench" -n "$N" -w 2 --measure ttfb a="$(url prbench_ttfb)" >"$tmp/bench-ttfb.json"
pb_ttfb=$(jq '.metrics.a.summary.p50' "$tmp/bench-ttfb.json")

# One curl process, N URLs: keep-alive like pr-bench (2 warm-ups dropped).
set --
k=0
while [ $k -lt $((N + 2)) ]; do set -- "$@" -o /dev/null "$(url curlka)"; k=$((k + 1)); done
curl -s -w '%{time_total} %{time_starttransfer}\n' "$@" | tail -n "$N" >"$tmp/ka"
ka_total=$(awk '{ print $1 * 1000 }' "$tmp/ka" | median)
ka_ttfb=$(awk '{ print $2 * 1000 }' "$tmp/ka" | median)

# N curl processes: a new connection each.
k=0
: >"$tmp/loop"
while [ $k -lt "$N" ]; do
	curl -s -o /dev/null -w '%{time_total} %{time_starttransfer}\n' "$(url curlloop)" >>"$tmp/loop"
	k=$((k + 1))
done
loop_total=$(awk '{ print $1 * 1000 }' "$tmp/loop" | median)
loop_ttfb=$(awk '{ print $2 * 1000 }' "$tmp/loop" | median)

server=$(curl -s "$base/times?key=prbench" | jq '.[2:][]' | median)

printf 'endpoint: GET /sleep?ms=%s on 127.0.0.1, %s requests each (medians, ms)\n' "$MS" "$N"
printf '%-34s %10s %10s\n' "" total ttfb
printf '%-34s %10.3f %10.3f\n' "server's own handling time" "$server" "$server"
printf '%-34s %10.3f %10.3f\n' "pr-bench (keep-alive)" "$pb_total" "$pb_ttfb"
printf '%-34s %10.3f %10.3f\n' "curl, one process (keep-alive)" "$ka_total" "$ka_ttfb"
printf '%-34s %10.3f %10.3f\n' "curl loop (new connection each)" "$loop_total" "$loop_ttfb"
printf '%-34s %+10.3f %+10.3f\n' "pr-bench - curl keep-alive" \
	"$(echo "$pb_total - $ka_total" | bc -l)" "$(echo "$pb_ttfb - $ka_ttfb" | bc -l)"
printf '%-34s %+10.3f %+10.3f\n' "pr-bench - curl loop" \
	"$(echo "$pb_total - $loop_total" | bc -l)" "$(echo "$pb_ttfb - $loop_ttfb" | bc -l)"
printf '%-34s %+10.3f\n' "pr-bench - server" "$(echo "$pb_total - $server" | bc -l)"
