#!/bin/sh
# bench-load-tls.sh: pr-bench --load over https:// without a protocol flag:
# HTTP/1.1 on the epoll engine's TLS, libcurl's engine only for a proxy or
# credentials, against a throwaway nginx with a self-signed certificate on
# loopback.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

# A second server that closes each connection after 20 requests (HTTP/2
# GOAWAY), as nginx does after 1000 by default: a request racing the close
# must be sent again, not counted as an error.
port_rotate=$(nginx_server 'ssl http2' 'keepalive_requests 20;')
start_nginx || exit 0
URL=$NGINX_HTTPS/index.html

jtrue() { [ "$(jq -r "$1" "$T/out")" = true ]; }
# Under valgrind (PR_VALGRIND) a TLS handshake takes seconds and a second of
# load brings a handful of requests: runs get a warm-up and a longer window,
# and the checks of how many requests fit in a window (throughput, reuse
# ratio, connection rotation, the open loop's rate) are skipped, saying so.
# A failed verification, in the window, takes longer still there.
if [ -n "${PR_VALGRIND:-}" ]; then LOAD="--load-warmup 5 -d 3" UNTRUSTED="-d 8"; else LOAD="-d 1" UNTRUSTED="-d 1"; fi
timing() {
	if [ -n "${PR_VALGRIND:-}" ]; then echo "# skip $1: a rate bound, not reachable under valgrind"; else check "$@"; fi
}

run pr-bench --load -k -C 4 $LOAD tls="$URL"
check "https_load_exits_0" [ "$rc" -eq 0 ]
check "https_load_document_is_valid" validate bench "$T/out"
check "https_load_runs_http1_1_on_the_epoll_engine_by_default" \
	jtrue '.metrics.tls.load.http_version == "1.1" and .metrics.tls.load.engine == "epoll"'
check "https_load_counts_responses_without_errors" \
	jtrue '.metrics.tls.summary.n > 0 and .metrics.tls.errors.total == 0'
timing "https_load_counts_over_50_responses" jtrue '.metrics.tls.summary.n > 50'
check "https_load_reuses_connections" jtrue '.metrics.tls.load.reused > 0'
timing "https_load_opens_a_connection_per_10_responses_at_most" \
	jtrue '.metrics.tls.load.connections_opened * 10 < .metrics.tls.load.ok'

run pr-bench --load -k -C 4 $LOAD tls="https://127.0.0.1:$port_rotate/index.html"
timing "https_load_sends_again_requests_racing_a_goaway" \
	jtrue '.metrics.tls.load.connections_opened > 10 and .metrics.tls.summary.n > 50 and .metrics.tls.errors.total == 0'

# 100 requests are due in the second: each either answered in it or counted
# as unfinished; under load almost all are answered.
run pr-bench --load -k -C 4 -d 1 --rate 100 tls="$URL"
timing "https_open_loop_accounts_for_every_due_request" \
	jtrue '.metrics.tls.load.loop == "open" and .metrics.tls.load.requests + .metrics.tls.load.unfinished == 100'
timing "https_open_loop_keeps_the_rate" \
	jtrue '.metrics.tls.load.loop == "open" and .metrics.tls.load.requests >= 95 and .metrics.tls.load.requests <= 101'

# Without -k the self-signed certificate fails verification: tls errors.
run pr-bench --load -C 2 $UNTRUSTED tls="$URL"
check "untrusted_certificate_counts_as_tls_errors" \
	sh -c "[ $rc -eq 4 ] && [ \"\$(jq -r '.metrics.tls.errors.tls > 0' $T/out)\" = true ]"

# The engine reads past 103 Early Hints over TLS too.
$PY "$FIX/tls_httpd.py" --cert "$T/ng/cert.pem" --key "$T/ng/key.pem" --port-file "$T/tls.port" >"$T/tls.log" 2>&1 &
track $!
if wait_for_file "$T/tls.port"; then
	run pr-bench --load -k -C 2 -d 1 hints="https://127.0.0.1:$(cat "$T/tls.port")/interim?codes=103"
	check "https_load_reads_past_early_hints" jtrue '.metrics.hints.errors.total == 0 and .metrics.hints.summary.n > 5'
else
	fail "https_load_reads_past_early_hints" "tls_httpd.py did not start"
fi

# A proxy from the environment: the epoll engine speaks to none, so libcurl
# runs the URL (and, the proxy being closed, counts connect errors); a
# no_proxy that names the host leaves it on the epoll engine.
closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run env https_proxy="http://127.0.0.1:$closed" no_proxy= NO_PROXY= pr-bench --load -k -C 2 -d 0.5 tls="$URL"
check "https_load_through_a_proxy_runs_on_libcurl" \
	jtrue '.metrics.tls.load.engine == "curl" and .metrics.tls.errors.connect > 0 and .metrics.tls.load.ok == 0'
run env https_proxy="http://127.0.0.1:$closed" no_proxy=example.com,127.0.0.1 pr-bench --load -k -C 2 -d 0.5 tls="$URL"
check "https_load_honours_no_proxy" \
	jtrue '.metrics.tls.load.engine == "epoll" and .metrics.tls.errors.total == 0 and .metrics.tls.load.ok > 0'
# Credentials in the URL go to libcurl, which sends them.
run pr-bench --load -k -C 2 -d 0.5 tls="https://u:p@${NGINX_HTTPS#https://}/index.html"
check "https_load_with_credentials_runs_on_libcurl" \
	jtrue '.metrics.tls.load.engine == "curl" and .metrics.tls.load.http_version == "2" and
		.metrics.tls.errors.total == 0'
