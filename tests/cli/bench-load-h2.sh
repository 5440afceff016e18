#!/bin/sh
# bench-load-h2.sh: pr-bench --load --http2, HTTP/2 on the epoll engine
# (lib/loadgen_h2.c, libnghttp2), against a throwaway nginx on loopback:
# ALPN h2 against http/1.1, several streams per connection, h2c with prior
# knowledge, a GOAWAY every 20 requests, and the bad inputs.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

start_httpd	# /sleep behind nginx, to see streams overlap
# $NGINX_HTTPS: TLS, h2 and http/1.1, with /reset.
sleep=$(nginx_server 'ssl http2' "location = /sleep { proxy_pass $HTTPD/sleep?ms=200; }")
rotate=$(nginx_server 'ssl http2' 'keepalive_requests 20;')	# GOAWAY after 20 requests
h2c=$(nginx_server 'http2')	# plain, h2 with prior knowledge only
h1=$(nginx_server 'ssl')	# TLS, http/1.1 only
start_nginx || exit 0
URL=$NGINX_HTTPS/index.html
if [ -n "${PR_VALGRIND:-}" ]; then LOAD="--load-warmup 5 -d 3"; else LOAD="-d 1"; fi
jtrue() { [ "$(jget "$T/out" "$1")" = true ]; }

run pr-bench --load --http2 -k -C 2 $LOAD x="$URL"
check "h2_exits_0" [ "$rc" -eq 0 ]
check "h2_document_is_valid" validate bench "$T/out"
check "h2_runs_on_epoll_and_speaks_http2" \
	jtrue '.metrics.x.load.engine == "epoll" and .metrics.x.load.http_version == "2"'
# nginx ends a connection after 1000 requests (keepalive_requests); the
# connections opened count the warm-up too, so the bound is loose.
check "h2_counts_responses_without_errors_on_kept_connections" \
	jtrue '.metrics.x.summary.n > 0 and .metrics.x.errors.total == 0 and .metrics.x.load.connections_opened * 100 < .metrics.x.summary.n'
# The same server, asked for http/1.1 only (ALPN), speaks it.
run pr-bench --load --http1.1 -k -C 2 -d 0.3 x="$URL"
check "h1_on_the_same_server_negotiates_http1_1" \
	jtrue '.metrics.x.load.engine == "epoll" and .metrics.x.load.http_version == "1.1" and .metrics.x.errors.total == 0'

# 10 streams on one connection overlap: requests that take 200 ms each
# complete about 10 at a time (one stream: about 5 in a second).
if [ -n "${PR_VALGRIND:-}" ]; then
	echo "# skip h2_streams_overlap_on_one_connection: a rate bound, not reachable under valgrind"
else
	run pr-bench --load --http2 --streams 10 -k -C 1 -d 1 s="https://127.0.0.1:$sleep/sleep"
	check "h2_streams_overlap_on_one_connection" \
		jtrue '.metrics.s.summary.n >= 30 and .metrics.s.errors.total == 0 and .metrics.s.load.connections_opened == 1'
	echo "# 10 streams x 200 ms on one connection: $(jget "$T/out" .metrics.s.summary.n) responses in 1 s"
fi

# A GOAWAY after every 20 requests: the refused streams go out again on a
# new connection, counted once, never as errors.
for m in 1 10; do
	run pr-bench --load --http2 --streams $m -k -C 2 $LOAD g="https://127.0.0.1:$rotate/index.html"
	check "h2_goaway_sends_refused_streams_again_streams_$m" \
		jtrue '.metrics.g.load.connections_opened > 4 and .metrics.g.summary.n > 40 and .metrics.g.errors.total == 0'
done

# h2c: http:// with prior knowledge.
run pr-bench --load --http2 -C 2 $LOAD c="http://127.0.0.1:$h2c/index.html"
check "h2c_prior_knowledge_speaks_http2" \
	jtrue '.metrics.c.load.http_version == "2" and .metrics.c.summary.n > 0 and .metrics.c.errors.total == 0'

# The open loop's accounting holds over streams too: 100 due in the second.
if [ -z "${PR_VALGRIND:-}" ]; then
	run pr-bench --load --http2 --streams 4 -k -C 2 -d 1 --rate 100 x="$URL"
	check "h2_open_loop_accounts_for_every_due_request" \
		jtrue '.metrics.x.load.requests + .metrics.x.load.unfinished == 100 and .metrics.x.errors.total == 0'
fi

# nginx's 444 resets the stream: reset, as on libcurl (bench-taxonomy.sh).
run pr-bench --load --http2 -k -C 1 $LOAD r="$NGINX_HTTPS/reset"
check "h2_stream_reset_is_class_reset" \
	jtrue '.metrics.r.errors.reset > 0 and .metrics.r.errors.total == .metrics.r.errors.reset'
# Without -k the self-signed certificate fails: tls.
run pr-bench --load --http2 -C 1 -d 0.5 v="$URL"
check "h2_untrusted_certificate_is_class_tls" \
	sh -c "[ $rc -eq 4 ] && [ \"\$(jq -r '.metrics.v.errors.tls > 0 and .metrics.v.errors.total == .metrics.v.errors.tls' $T/out)\" = true ]"

# Bad input: exit 2, one line.
expect_exit 2 "h2_refused_by_an_http1_server_exits_2" pr-bench --load --http2 -k -C 1 -d 1 x="https://127.0.0.1:$h1/"
ok_if "h2_refused_says_so_in_one_line" 'one_line "$T/err" && grep -q "does not speak HTTP/2" "$T/err"'
# A TLS server that offers no ALPN at all, with the run on two threads:
# still exit 2 and one line, from the first thread that saw it.
$PY "$FIX/tls_httpd.py" --cert "$T/ng/cert.pem" --key "$T/ng/key.pem" --port-file "$T/tls.port" >"$T/tls.log" 2>&1 &
track $!
if wait_for_file "$T/tls.port"; then
	expect_exit 2 "h2_refused_without_alpn_on_threads_exits_2" \
		pr-bench --load --http2 -k -T 2 -C 2 -d 1 x="https://127.0.0.1:$(cat "$T/tls.port")/"
	ok_if "h2_refused_without_alpn_says_so_in_one_line" 'one_line "$T/err" && grep -q "ALPN: none" "$T/err"'
else
	fail "h2_refused_without_alpn_on_threads_exits_2" "tls_httpd.py did not start"
fi
expect_exit 2 "streams_above_1000_exit_2" pr-bench --load --http2 --streams 1001 x="$URL"
expect_exit 2 "streams_0_exits_2" pr-bench --load --http2 --streams 0 x="$URL"
ok_if "streams_0_says_so_in_one_line" 'one_line "$T/err" && grep -q -- "--streams" "$T/err"'
expect_exit 2 "streams_without_http2_exits_2" pr-bench --load --streams 2 x="$URL"
expect_exit 2 "http1_1_and_http2_exit_2" pr-bench --load --http1.1 --http2 x="$URL"
