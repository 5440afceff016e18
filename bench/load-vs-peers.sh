#!/bin/sh
# load-vs-peers.sh: pr-bench --load next to wrk, h2load and ab over TLS.
#
#   bench/load-vs-peers.sh [ROUNDS] [SECONDS] [CONNECTIONS]
#
# Starts a throwaway nginx (NGINX_WORKERS, default 1) on a free loopback
# port with a self-signed certificate, TLS, HTTP/1.1 and HTTP/2, serving a
# small static file.  Then, ROUNDS times (default 3), alternating client by
# client inside each round, SECONDS each (default 5), CONNECTIONS each
# (default 50), one client thread each:
#
#   https HTTP/1.1   wrk -t1, ab -k, pr-bench --load
#   HTTP/2, 1 stream per connection    h2load -t1 -m1,  pr-bench --load --http2
#   HTTP/2, 10 streams per connection  h2load -t1 -m10, pr-bench --load --http2 --streams 10
#
# and prints for each: req/s, client CPU (user + system) per request and
# peak resident memory, then the medians and pr-bench's ratios to each peer.
# CPU per request is the steadier figure on a busy machine.
#
# pr-bench runs with -T 1 there, as the peers run with one thread.
#
# Then, unless CHECKS=0: pr-bench -T 2 against -T 1 (alternating, https
# HTTP/1.1, against a second nginx with 2 workers), with the client's and
# the server's CPU per request (on a machine of few cores the server is
# the limit when it needs more CPU per request than the client), the open
# loop's accuracy (bench/load-rate.sh, one round) and 1,000 TLS
# connections held for 5 s (their errors).
#
# PR_BENCH_H2 holds pr-bench's flags for HTTP/2 (default --http2; empty:
# libcurl's engine, with CONNECTIONS x streams handles).
# Needs nginx, openssl, wrk, h2load, ab and jq (scripts/deps.sh bench).
set -eu

rounds=${1:-3}
secs=${2:-5}
conns=${3:-50}
workers=${NGINX_WORKERS:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${PR_BIN:-$root/bin}

. "$root/bench/load-nginx.sh"
bench_need load-vs-peers wrk h2load ab jq
nginx_dir pr-peers
port=$(free_port)
plain_port=$(free_port)
nginx_conf peers "$workers" "$port" "$plain_port"
start_nginx peers "$port"
url=https://127.0.0.1:$port/index.html

# Each client run prints "REQ_PER_S CPU_US_PER_REQUEST PEAK_RSS_MB".
timed() { /usr/bin/time -f '%U %S %M' -o "$dir/time" "$@"; }
figures() {	# RPS REQUESTS
	read -r u s m <"$dir/time"
	echo "$1 $2 $u $s $m" | awk '{ printf "%.0f %.2f %.1f\n", $1, $2 ? ($3 + $4) * 1e6 / $2 : 0, $5 / 1024 }'
}
run_wrk() {
	timed wrk -t1 -c"$conns" -d"${secs}s" "$url" >"$dir/out"
	figures "$(awk '/^Requests\/sec:/ { print $2 }' "$dir/out")" "$(awk '/requests in/ { print $1 }' "$dir/out")"
}
run_ab() {
	timed ab -q -k -c "$conns" -t "$secs" -n 100000000 "$url" >"$dir/out" 2>/dev/null || true
	figures "$(awk '/^Requests per second:/ { print $4 }' "$dir/out")" "$(awk '/^Complete requests:/ { print $3 }' "$dir/out")"
}
run_h2load() {	# STREAMS
	timed h2load -t1 -c"$conns" -m"$1" -D "$secs" "$url" >"$dir/out" 2>&1
	figures "$(awk '/^finished in/ { gsub(",", ""); print $4 }' "$dir/out")" \
	    "$(awk '/^requests:/ { print $8 }' "$dir/out")"
}
run_pr() {	# FLAGS...
	timed "$bin/pr-bench" --load -k -T "${PR_THREADS:-1}" -d "$secs" "$@" x="${PR_URL:-$url}" 2>/dev/null >"$dir/out" || true
	figures "$(jq -r '.metrics.x.load.throughput_rps' "$dir/out")" "$(jq -r '.metrics.x.load.requests' "$dir/out")"
}
pr_h2() {	# STREAMS
	if [ -n "${PR_BENCH_H2-x}" ]; then
		run_pr -C "$conns" ${PR_BENCH_H2:---http2} --streams "$1"
	else
		run_pr -C $((conns * $1))
	fi
}

# The cases: name and command, each run once per round.
cases="h1_wrk h1_ab h1_pr h2m1_h2load h2m1_pr h2m10_h2load h2m10_pr"
run_case() {
	case $1 in
	h1_wrk) run_wrk ;;
	h1_ab) run_ab ;;
	h1_pr) run_pr -C "$conns" ;;
	h2m1_h2load) run_h2load 1 ;;
	h2m1_pr) pr_h2 1 ;;
	h2m10_h2load) run_h2load 10 ;;
	h2m10_pr) pr_h2 10 ;;
	esac
}

echo "load-vs-peers: nginx ($workers worker(s)) on 127.0.0.1:$port, TLS, $conns connections, ${secs}s x $rounds rounds, one client thread"
r=1
while [ "$r" -le "$rounds" ]; do
	for c in $cases; do
		# shellcheck disable=SC2046 # the figures are three words
		set -- $(run_case "$c")
		echo "$1" >>"$dir/$c.rps"
		echo "$2" >>"$dir/$c.cpu"
		echo "$3" >>"$dir/$c.mem"
		printf 'round %d  %-13s %8s req/s %7s us CPU/req %6s MB\n' "$r" "$c" "$1" "$2" "$3"
	done
	r=$((r + 1))
done

echo
printf '%-13s %10s %14s %8s\n' median req/s "us CPU/req" "peak MB"
for c in $cases; do
	printf '%-13s %10s %14s %8s\n' "$c" "$(median <"$dir/$c.rps")" "$(median <"$dir/$c.cpu")" "$(median <"$dir/$c.mem")"
done
ratio() {	# PR PEER: pr-bench's rate / the peer's, and the peer's CPU/req / pr-bench's
	printf '%-26s rate x%.3f, CPU/req: pr-bench uses x%.3f of the peer\n' "$1 vs $2" \
	    "$(echo "$(median <"$dir/$1.rps") $(median <"$dir/$2.rps")" | awk '{ print $2 ? $1 / $2 : 0 }')" \
	    "$(echo "$(median <"$dir/$1.cpu") $(median <"$dir/$2.cpu")" | awk '{ print $2 ? $1 / $2 : 0 }')"
}
echo
ratio h1_pr h1_wrk
ratio h1_pr h1_ab
ratio h2m1_pr h2m1_h2load
ratio h2m10_pr h2m10_h2load

[ "${CHECKS:-1}" = 0 ] && exit 0

# Threads: a second nginx with 2 workers; -T 1 and -T 2 alternate.
t_port=$(free_port)
nginx_conf threads 2 "$t_port" "$(free_port)"
start_nginx threads "$t_port"
echo
echo "threads: nginx (2 workers) on 127.0.0.1:$t_port, https HTTP/1.1, $conns connections, ${secs}s x $rounds rounds"
r=1
while [ "$r" -le "$rounds" ]; do
	for T in 1 2; do
		before=$(nginx_cpu_us threads)
		# shellcheck disable=SC2046 # the figures are three words
		set -- $(PR_THREADS=$T PR_URL="https://127.0.0.1:$t_port/index.html" run_pr -C "$conns")
		server=$(echo "$(nginx_cpu_us threads) $before $(jq -r '.metrics.x.load.requests' "$dir/out")" |
		    awk '{ printf "%.2f", $3 ? ($1 - $2) / $3 : 0 }')
		echo "$1" >>"$dir/T$T.rps"
		echo "$2" >>"$dir/T$T.cpu"
		printf 'round %d  -T %d %8s req/s %7s us CPU/req, nginx %7s us CPU/req\n' "$r" "$T" "$1" "$2" "$server"
	done
	r=$((r + 1))
done
printf 'median: -T 1 %s req/s, -T 2 %s req/s, x%.3f; client CPU/req -T 2 / -T 1: x%.3f\n' \
    "$(median <"$dir/T1.rps")" "$(median <"$dir/T2.rps")" \
    "$(echo "$(median <"$dir/T2.rps") $(median <"$dir/T1.rps")" | awk '{ print $2 ? $1 / $2 : 0 }')" \
    "$(echo "$(median <"$dir/T2.cpu") $(median <"$dir/T1.cpu")" | awk '{ print $2 ? $1 / $2 : 0 }')"
echo
PR_BIN=$bin "$root/bench/load-rate.sh" 1 10 200
echo
"$bin/pr-bench" --load -k -C 1000 -d 5 x="$url" 2>/dev/null >"$dir/out" || true
jq -r '.metrics.x | "1000 TLS connections for 5 s: \(.load.connections_opened) opened, \(.load.ok) ok, \(.errors.total) errors"' "$dir/out"
