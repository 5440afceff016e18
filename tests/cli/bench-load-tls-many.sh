#!/bin/sh
# bench-load-tls-many.sh: 1,000 TLS connections at once on the epoll
# engine (two threads of 500), every one handshaken and held for the whole
# run without an error.
. "$(dirname "$0")/lib.sh"
NGINX_CONNECTIONS=2048
. "$FIX/nginx.sh"

start_nginx || exit 0
jtrue() { [ "$(jq -r "$1" "$T/out")" = true ]; }

# Under valgrind a thousand handshakes take minutes: a smaller crowd.
if [ -n "${PR_VALGRIND:-}" ]; then N=50 LOAD="--load-warmup 20 -d 3"; else N=1000 LOAD="--load-warmup 4 -d 2"; fi
run pr-bench --load -k -T 2 -C $N $LOAD many="$NGINX_HTTPS/index.html"
check "many_tls_connections_exit_0" [ "$rc" -eq 0 ]
check "many_tls_connections_document_is_valid" validate bench "$T/out"
check "many_tls_connections_have_no_errors" jtrue '.metrics.many.errors.total == 0 and .metrics.many.load.ok > 0'
# Opened once each and kept: none reopened, and every request in the window
# after each connection's first went on a reused one.
check "many_tls_connections_are_all_opened_and_held" \
	jtrue ".metrics.many.load.connections_opened == $N and .metrics.many.load.reused == .metrics.many.load.ok"
jq -r '.metrics.many | "# \(.load.connections_opened) connections, \(.load.ok) ok, \(.errors.total) errors, " +
	"p99 \(.summary.p99) ms"' "$T/out"
