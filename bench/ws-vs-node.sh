#!/bin/sh
# ws-vs-node.sh: pr-bench --load on Socket.IO next to the runbook's Node
# client (bench/ws_bench.js: npm socket.io-client, what `node
# tests/ws/ws_bench.js <url> 50 30` does), on the same server in one run.
#
#   bench/ws-vs-node.sh [SECONDS] [CLIENTS]
#
# Starts tests/fixtures/sio_server.js (npm socket.io 4) on a free loopback
# port, then runs the Node client and pr-bench --load (closed loop, one
# thread, --protocol socketio, an ack per message) with CLIENTS clients
# (default 50) for SECONDS (default 30) each.  Prints each one's messages
# per second and client CPU time (user + system) per message, and the
# ratios.  Needs node, jq and build/sio (scripts/deps.sh bench).  Not a
# timed test: the figures depend on the machine and what else runs on it.
set -eu

secs=${1:-30}
clients=${2:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${PR_BIN:-$root/bin}
export NODE_PATH="$root/build/sio/node_modules"

for p in node jq; do
	command -v "$p" >/dev/null 2>&1 || { echo "ws-vs-node: $p is missing (run scripts/deps.sh bench)" >&2; exit 4; }
done
[ -f "$NODE_PATH/socket.io-client/package.json" ] ||
	{ echo "ws-vs-node: build/sio has no socket.io-client (run scripts/deps.sh bench)" >&2; exit 4; }
[ -x "$bin/pr-bench" ] || { echo "ws-vs-node: $bin/pr-bench is missing (run make)" >&2; exit 4; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/pr-wsbench.XXXXXX")
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

node "$root/tests/fixtures/sio_server.js" "$dir/port" >"$dir/server.log" 2>&1 &
server_pid=$!
i=0
until [ -s "$dir/port" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || {
		echo "ws-vs-node: the Socket.IO server did not start: $(cat "$dir/server.log")" >&2
		exit 4
	}
	sleep 0.1
done
url=ws://127.0.0.1:$(cat "$dir/port")/

# cpu_of CMD...: run CMD, stdout to $dir/out; prints its CPU seconds (user +
# system, its children included), measured by the kernel's rusage.
cpu_of() {
	/usr/bin/python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    rc = subprocess.run(sys.argv[2:], stdout=out).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$dir/out" "$@"
}

echo "ws-vs-node: socket.io 4 on 127.0.0.1, $clients clients for ${secs}s each, closed loop, one thread"
node_cpu=$(cpu_of node "$root/bench/ws_bench.js" "$url" "$clients" "$secs")
node_rps=$(jq -r '.msgs_per_s' "$dir/out")
node_n=$(jq -r '.messages' "$dir/out")
node_p50=$(jq -r '.p50_ms' "$dir/out")
pr_cpu=$(cpu_of "$bin/pr-bench" --load -T 1 -C "$clients" -d "$secs" --protocol socketio \
	--message '{"text":"hi"}' chat="$url")
pr_rps=$(jq -r '.metrics.chat.load.throughput_rps' "$dir/out")
pr_n=$(jq -r '.metrics.chat.load.requests' "$dir/out")
pr_p50=$(jq -r '.metrics.chat.summary.p50' "$dir/out")

us_per() { echo "$1 $2" | awk '{ printf "%.1f", $2 ? $1 * 1e6 / $2 : 0 }'; }
node_us=$(us_per "$node_cpu" "$node_n")
pr_us=$(us_per "$pr_cpu" "$pr_n")
printf '%-10s %10s %12s %14s %8s\n' client msgs/s messages 'CPU us/msg' 'p50 ms'
printf '%-10s %10.0f %12s %14s %8.3f\n' node "$node_rps" "$node_n" "$node_us" "$node_p50"
printf '%-10s %10.0f %12s %14s %8.3f\n' pr-bench "$pr_rps" "$pr_n" "$pr_us" "$pr_p50"
printf 'ratios: pr-bench/node msgs/s %.3f, node/pr-bench CPU per message %.2f\n' \
	"$(echo "$pr_rps $node_rps" | awk '{ print $2 ? $1 / $2 : 0 }')" \
	"$(echo "$node_us $pr_us" | awk '{ print $2 ? $1 / $2 : 0 }')"
