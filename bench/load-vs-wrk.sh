#!/bin/sh
# load-vs-wrk.sh: how fast is pr-bench --load next to wrk?
#
#   bench/load-vs-wrk.sh [ROUNDS] [SECONDS] [CONNECTIONS]
#
# Starts a throwaway nginx (worker_processes 1, bench/load-nginx.sh) on a
# free loopback port, serving a small static file, then runs wrk -t1 and
# pr-bench --load (closed loop, one thread) against it over plain HTTP with
# the same number of connections, alternating, ROUNDS times (default 3) for
# SECONDS each (default 5) with CONNECTIONS (default 50).  Prints each
# round's req/s and client CPU time per request, and the ratios of the
# medians.  Needs nginx, openssl, curl, wrk and jq (scripts/deps.sh bench).
set -eu

rounds=${1:-3}
secs=${2:-5}
conns=${3:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${PR_BIN:-$root/bin}

for p in nginx openssl curl wrk jq; do
	command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v "$p" >/dev/null 2>&1 || { echo "load-vs-wrk: $p is missing (run scripts/deps.sh bench)" >&2; exit 4; }
done
[ -x "$bin/pr-bench" ] || { echo "load-vs-wrk: $bin/pr-bench is missing (run make)" >&2; exit 4; }

. "$root/bench/load-nginx.sh"
nginx_dir pr-loadbench
port=$(free_port)
tls_port=$(free_port)
nginx_conf wrk 1 "$tls_port" "$port"
start_nginx wrk "$tls_port"
url=http://127.0.0.1:$port/index.html

# Each prints "REQ_PER_S CPU_US_PER_REQUEST": throughput, and the client's
# own CPU time (user + system) per request, which other load on the machine
# disturbs much less than throughput.  wrk prints "Requests/sec: N".
have_time=false
[ -x /usr/bin/time ] && have_time=true
cpu_s() { if $have_time; then awk '{ print $1 + $2 }' "$dir/time"; else echo 0; fi; }
timed() { if $have_time; then /usr/bin/time -f '%U %S' -o "$dir/time" "$@"; else "$@"; fi; }
wrk_rps() {
	timed wrk -t1 -c"$conns" -d"${secs}s" "$url" >"$dir/wrk.out"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$dir/wrk.out")
	n=$(awk '/requests in/ { print $1 }' "$dir/wrk.out")
	echo "$rps $(cpu_s) $n" | awk '{ printf "%s %.2f\n", $1, $3 ? $2 * 1e6 / $3 : 0 }'
}
pr_rps() {
	timed "$bin/pr-bench" --load -T 1 -C "$conns" -d "$secs" static="$url" 2>/dev/null >"$dir/pr.out"
	rps=$(jq -r '.metrics.static.load.throughput_rps' "$dir/pr.out")
	n=$(jq -r '.metrics.static.load.requests' "$dir/pr.out")
	echo "$rps $(cpu_s) $n" | awk '{ printf "%s %.2f\n", $1, $3 ? $2 * 1e6 / $3 : 0 }'
}

echo "load-vs-wrk: nginx on 127.0.0.1:$port, $conns connections, ${secs}s x $rounds rounds, one thread each"
: >"$dir/wrk" && : >"$dir/pr" && : >"$dir/wrkcpu" && : >"$dir/prcpu"
r=1
while [ $r -le "$rounds" ]; do
	# shellcheck disable=SC2046 # two words
	set -- $(wrk_rps)
	w=$1 wc=$2
	# shellcheck disable=SC2046 # two words
	set -- $(pr_rps)
	p=$1 pc=$2
	echo "$w" >>"$dir/wrk"
	echo "$p" >>"$dir/pr"
	echo "$wc" >>"$dir/wrkcpu"
	echo "$pc" >>"$dir/prcpu"
	printf 'round %d: wrk %.0f req/s (%s us CPU/req), pr-bench %.0f req/s (%s us CPU/req), ratio %.3f\n' \
	    "$r" "$w" "$wc" "$p" "$pc" "$(echo "$p $w" | awk '{ print $1 / $2 }')"
	r=$((r + 1))
done
w=$(median <"$dir/wrk")
p=$(median <"$dir/pr")
wc=$(median <"$dir/wrkcpu")
pc=$(median <"$dir/prcpu")
printf 'median: wrk %.0f req/s, pr-bench %.0f req/s, ratio %.3f\n' "$w" "$p" "$(echo "$p $w" | awk '{ print $1 / $2 }')"
printf 'median client CPU per request: wrk %s us, pr-bench %s us (wrk/pr-bench %.3f)\n' "$wc" "$pc" \
    "$(echo "$wc $pc" | awk '{ print $2 ? $1 / $2 : 0 }')"
