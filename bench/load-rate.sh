#!/bin/sh
# load-rate.sh: does pr-bench --load --rate keep the rate it is given?
#
#   bench/load-rate.sh [ROUNDS] [SECONDS] [CONNECTIONS]
#
# Starts a throwaway nginx (NGINX_WORKERS, default 2, so that it is not the
# limit) on loopback, then, ROUNDS times (default 3), runs the open loop at
# each rate of RATES (default "1000 10000 40000" req/s) for SECONDS (default
# 10) with CONNECTIONS (default 200), over http:// and over https://
# (HTTP/1.1 on the epoll engine's TLS), with pr-bench's default threads.
# For each it prints the target, the rate achieved (requests answered in
# the measured window / SECONDS) and its error, the requests accounted for
# (answered, or unfinished: in flight or not yet sent when the time was up)
# against those due, the requests sent over 1 ms late, p50/p99 latency, and
# the CPU seconds the client and nginx's workers used (their sum near the
# machine's cores x SECONDS: the machine, not the schedule, is the limit);
# then each case's median error and spread over the rounds, and whether the
# median is within 0.5 % of the target.
# Needs nginx, openssl, curl and jq (scripts/deps.sh bench).
set -eu

rounds=${1:-3}
secs=${2:-10}
conns=${3:-200}
rates=${RATES:-1000 10000 40000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${PR_BIN:-$root/bin}

. "$root/bench/load-nginx.sh"
bench_need load-rate jq
nginx_dir pr-rate

port=$(free_port)
plain_port=$(free_port)
nginx_conf rate "${NGINX_WORKERS:-2}" "$port" "$plain_port"
start_nginx rate "$port"

echo "load-rate: nginx (${NGINX_WORKERS:-2} workers), open loop, $conns connections, ${secs}s x $rounds rounds"
row='%-5s %6s %6s %10s %9s %9s %9s %8s %8s %8s %8s\n'
# shellcheck disable=SC2059 # the row's format
printf "$row" round scheme target achieved "error %" "acc. %" late p50_ms p99_ms cpu_s nginx_s
# one ROUND SCHEME RATE: one run, its row printed, its error kept.
one() {
	u=https://127.0.0.1:$port/index.html
	[ "$2" = http ] && u=http://127.0.0.1:$plain_port/index.html
	before=$(nginx_cpu_us rate)
	/usr/bin/time -f '%U %S' -o "$dir/time" \
		"$bin/pr-bench" --load -k -C "$conns" -d "$secs" --rate "$3" x="$u" >"$dir/out" 2>/dev/null || true
	read -r cu cs <"$dir/time"
	server=$(echo "$(nginx_cpu_us rate) $before" | awk '{ print ($1 - $2) / 1e6 }')
	line=$(jq -r --argjson rate "$3" --argjson secs "$secs" '.metrics.x as $m | $m.load |
	    ($rate * $secs) as $due | (.requests / $secs) as $got |
	    [$got, ($got / $rate - 1) * 100, ((.requests + .unfinished) / $due - 1) * 100, .late,
	     $m.summary.p50, $m.summary.p99] | map(tostring) | join(" ")' "$dir/out")
	echo "$line" | cut -d' ' -f2 >>"$dir/$2-$3.err"
	# shellcheck disable=SC2086 # the figures are six words
	printf '%-5s %6s %6s %10.1f %9.3f %9.3f %9s %8s %8s %8.2f %8.2f\n' "$1" "$2" "$3" $line \
	    "$(echo "$cu $cs" | awk '{ print $1 + $2 }')" "$server"
}
r=1
while [ "$r" -le "$rounds" ]; do
	for scheme in http https; do
		for rate in $rates; do one "$r" "$scheme" "$rate"; done
	done
	r=$((r + 1))
done

echo
printf '%-6s %6s %16s %22s %8s\n' scheme target "median error %" "spread %" "<=0.5%"
for scheme in http https; do
	for rate in $rates; do
		m=$(median <"$dir/$scheme-$rate.err")
		printf '%-6s %6s %16.3f %22s %8s\n' "$scheme" "$rate" "$m" "$(spread <"$dir/$scheme-$rate.err")" \
		    "$(echo "$m" | awk '{ print ($1 <= 0.5 && $1 >= -0.5) ? "yes" : "no" }')"
	done
done
