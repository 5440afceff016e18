#!/bin/sh
# bench-load-threads.sh: pr-bench --load -T N: each thread drives its share
# of the connections and of the open loop's requests, with its own
# histogram, and the document holds them merged exactly.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

start_nginx || exit 0
URL=$NGINX_HTTP/index.html
jtrue() { [ "$(jget "$T/out" "$1")" = true ]; }

run pr-bench --load -T 2 -C 4 -d 1 x="$URL"
check "threads_exit_0" [ "$rc" -eq 0 ]
check "threads_document_is_valid" validate bench "$T/out"
check "threads_are_named_in_the_document" jtrue '.metrics.x.load.threads == 2'
# Every success is in the merged histogram once: its count is the ok count.
check "threads_histograms_merge_exactly" \
	jtrue '.metrics.x.histogram.n == .metrics.x.load.ok and .metrics.x.summary.n == .metrics.x.load.ok and .metrics.x.load.ok > 0'
# Four connections in all (nginx closes one after 1000 requests).
check "threads_open_the_connections_between_them" \
	jtrue '.metrics.x.load.connections_opened >= 4 and .metrics.x.load.connections_opened <= 4 + (.metrics.x.load.ok / 900 | floor)'
check "threads_count_intervals_together" jtrue '(.metrics.x_rps.samples | add) <= .metrics.x.load.ok and .metrics.x_rps.samples[0] > 0'

# The open loop's schedule is split, not copied: 1000 due in the second
# over 3 threads (334 + 333 + 333) is 1000, each answered or unfinished.
run pr-bench --load -T 3 -C 3 -d 1 --rate 1000 x="$URL"
check "threads_split_the_open_loop_exactly" \
	jtrue '.metrics.x.load.threads == 3 and .metrics.x.load.requests + .metrics.x.load.unfinished == 1000'
# Over TLS and HTTP/2 too.
run pr-bench --load -k --http1.1 -T 2 -C 2 -d 1 --rate 301 x="$NGINX_HTTPS/index.html"
check "threads_split_the_open_loop_over_tls" \
	jtrue '.metrics.x.load.threads == 2 and .metrics.x.load.requests + .metrics.x.load.unfinished == 301 and .metrics.x.errors.total == 0'
run pr-bench --load -k --http2 --streams 2 -T 2 -C 2 -d 1 --rate 301 x="$NGINX_HTTPS/index.html"
check "threads_split_the_open_loop_over_http2" \
	jtrue '.metrics.x.load.threads == 2 and .metrics.x.load.requests + .metrics.x.load.unfinished == 301 and .metrics.x.errors.total == 0'

# A response read in the turn of the loop in which the time ran out is
# unfinished, and stays counted so when the run adds the requests never
# sent (it was overwritten, and such requests went missing): at 20,000
# req/s a turn that straddles the end is all but certain.
for eng in http1 http2; do
	flags=
	[ $eng = http2 ] && flags="--http2 --streams 4"
	lost=0
	for _ in 1 2 3; do
		# shellcheck disable=SC2086 # the flags are words
		run pr-bench --load $flags -T 1 -C 50 -d 0.5 --rate 20000 x="$URL"
		n=$(jget "$T/out" '.metrics.x.load.requests + .metrics.x.load.unfinished')
		[ "$n" = 10000 ] || lost=$((lost + 1))
	done
	check "${eng}_open_loop_keeps_requests_answered_as_the_time_runs_out" [ "$lost" -eq 0 ]
done

# No more threads than connections; libcurl's engine runs on one.
run pr-bench --load -T 4 -C 2 -d 0.3 x="$URL"
check "threads_are_capped_by_connections" jtrue '.metrics.x.load.threads == 2'
run pr-bench --load -k -T 2 -C 2 -d 0.3 x="$(echo "$NGINX_HTTPS" | sed 's|//|//u:p@|')/index.html"
check "curl_engine_runs_one_thread" jtrue '.metrics.x.load.engine == "curl" and .metrics.x.load.threads == 1'
# https:// runs on the epoll engine's threads by default.
run pr-bench --load -k -T 2 -C 2 -d 0.3 x="$NGINX_HTTPS/index.html"
check "https_runs_on_the_epoll_engine_threads" \
	jtrue '.metrics.x.load.engine == "epoll" and .metrics.x.load.threads == 2'

expect_exit 2 "threads_0_exits_2" pr-bench --load -T 0 x="$URL"
expect_exit 2 "threads_above_the_limit_exit_2" pr-bench --load --threads 257 x="$URL"
ok_if "threads_above_the_limit_say_so_in_one_line" 'one_line "$T/err" && grep -q -- "-T" "$T/err"'
