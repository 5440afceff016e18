#!/bin/sh
# bench-load-tls-engine.sh: pr-bench --load --http1.1 over https://, the
# epoll engine's own TLS transport (lib/transport_tls.c), against a
# throwaway nginx on loopback that offers h2 and http/1.1 and logs whether
# each handshake resumed a session.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

# Session resumption, and a server that closes each connection after 10
# requests, so that the run opens many and its log shows how their
# handshakes went ("r": resumed, ".": full).
nginx_http 'ssl_session_cache shared:tls:1m;'
nginx_http "log_format tls '\$connection \$ssl_session_reused \$server_protocol';"
port_rotate=$(nginx_server 'ssl http2' "keepalive_requests 10; access_log $T/ng/rotate.log tls;")
start_nginx || exit 0
URL=$NGINX_HTTPS/index.html
# Under valgrind (PR_VALGRIND) a handshake takes seconds: longer windows.
if [ -n "${PR_VALGRIND:-}" ]; then LOAD="--load-warmup 5 -d 3" UNTRUSTED="-d 8"; else LOAD="-d 1" UNTRUSTED="-d 1"; fi

run pr-bench --load --http1.1 -k -C 4 $LOAD tls="$URL"
check "tls_engine_exits_0" [ "$rc" -eq 0 ]
check "tls_engine_document_is_valid" validate bench "$T/out"
# nginx offers h2 first; the engine asks for http/1.1 only (ALPN) and gets it.
ok_if "tls_engine_is_epoll_and_negotiates_http1_1" \
	'[ "$(jget "$T/out" ".metrics.tls.load.engine + \" \" + .metrics.tls.load.http_version")" = "epoll 1.1" ]'
ok_if "tls_engine_counts_responses_without_errors" \
	'[ "$(jget "$T/out" ".metrics.tls.summary.n > 0 and .metrics.tls.errors.total == 0")" = true ]'
ok_if "tls_engine_keeps_connections_alive" \
	'[ "$(jget "$T/out" ".metrics.tls.load.connections_opened * 10 < .metrics.tls.load.ok and .metrics.tls.load.reused > 0")" = true ]'

# Connections opened again resume a session: only the first handshake of
# each connection slot is full (-C 2; a little slack for slow runs).
# Closing a connection without close_notify must not spoil its session
# (transport_tls.c's tls_close): then every other handshake was full.
run pr-bench --load --http1.1 -k -C 2 $LOAD rot="https://127.0.0.1:$port_rotate/index.html"
ok_if "tls_engine_reopens_closed_connections_without_errors" \
	'[ "$(jget "$T/out" ".metrics.rot.load.connections_opened > 4 and .metrics.rot.errors.total == 0")" = true ]'
full=$(awk '{ s[$1] = $2 } END { n = 0; for (c in s) if (s[c] == ".") n++; print n }' "$T/ng/rotate.log")
resumed=$(awk '{ s[$1] = $2 } END { n = 0; for (c in s) if (s[c] == "r") n++; print n }' "$T/ng/rotate.log")
ok_if "tls_engine_resumes_sessions" '[ "$resumed" -gt 10 ] && [ "$full" -le 4 ]'
echo "# handshakes: $full full, $resumed resumed"

# The same open-loop accounting as over plain TCP: 100 due in the second.
if [ -z "${PR_VALGRIND:-}" ]; then
	run pr-bench --load --http1.1 -k -C 4 -d 1 --rate 100 tls="$URL"
	ok_if "tls_engine_open_loop_accounts_for_every_due_request" \
		'[ "$(jget "$T/out" ".metrics.tls.load.requests + .metrics.tls.load.unfinished == 100 and .metrics.tls.errors.total == 0")" = true ]'
fi

# Without -k the self-signed certificate fails verification: tls errors,
# exit 4, and the same class libcurl's engine gives (bench-taxonomy.sh).
run pr-bench --load --http1.1 -C 2 $UNTRUSTED tls="$URL"
ok_if "tls_engine_untrusted_certificate_is_class_tls" \
	'[ "$rc" -eq 4 ] && [ "$(jget "$T/out" ".metrics.tls.errors.tls > 0 and .metrics.tls.errors.total == .metrics.tls.errors.tls")" = true ]'

# A plain-HTTP server on the https URL's port: the handshake never ends, tls.
start_httpd
run pr-bench --load --http1.1 -k -C 2 -d 1 plain="$(echo "$HTTPD" | sed 's/^http:/https:/')/"
ok_if "tls_engine_plain_server_is_class_tls" \
	'[ "$rc" -eq 4 ] && [ "$(jget "$T/out" ".metrics.plain.errors.tls > 0 and .metrics.plain.errors.total == .metrics.plain.errors.tls")" = true ]'

# nginx's 444 closes the connection without a response: reset.
run pr-bench --load --http1.1 -k -C 2 $LOAD r="$NGINX_HTTPS/reset"
ok_if "tls_engine_closed_without_response_is_class_reset" \
	'[ "$(jget "$T/out" ".metrics.r.errors.reset > 0 and .metrics.r.errors.total == .metrics.r.errors.reset")" = true ]'
