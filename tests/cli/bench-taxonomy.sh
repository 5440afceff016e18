#!/bin/sh
# bench-taxonomy.sh: one failure gets one class in every document.  Each
# kind of failure is measured in sample mode (probe.c), in load mode over
# http:// (the epoll engine), over https:// (the epoll engine's own TLS,
# by default, with --http1.1 and with --http2, HTTP/2), over https:// with
# credentials (libcurl's multi engine), and
# every document must name it by the same class and no other, because
# pr-compare compares them (lib/failure.h).
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

start_httpd
port=${HTTPD##*:}
closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_nginx || exit 0
# A load run must outlast the timeout, or the slow request ends the run
# unfinished instead of timed out.
if [ -n "${PR_SLOW_BUILD:-}" ]; then TIMEOUT_MS=1000 LOAD_S=3; else TIMEOUT_MS=300 LOAD_S=1; fi
SLOW_MS=$((TIMEOUT_MS * 5))

# name, URL, the one class every document must give it.
cat >"$T/cases" <<CASES
closed http://127.0.0.1:$closed/ok connect
dns http://pr-bench-test.invalid/ok dns
slow $HTTPD/sleep?ms=$SLOW_MS timeout
tls_to_plain https://127.0.0.1:$port/ok tls
five $HTTPD/status/503 status
closed_h1 $HTTPD/close reset
closed_nginx_h1 $NGINX_HTTP/reset reset
reset_h2_stream $NGINX_HTTPS/reset reset
CASES
set --
while read -r name url cls; do set -- "$@" "$name=$url"; done <"$T/cases"

run pr-bench -k -n 2 -w 0 --timeout ${TIMEOUT_MS}ms "$@"
cp "$T/out" "$T/sample.json"
run pr-bench -k --load -C 1 -d $LOAD_S --timeout ${TIMEOUT_MS}ms "$@"
cp "$T/out" "$T/load.json"
# The https:// cases again, on the epoll engine's TLS transport.
set --
while read -r name url cls; do case $url in https:*) set -- "$@" "$name=$url" ;; esac; done <"$T/cases"
run pr-bench -k --load --http1.1 -C 1 -d 1 --timeout ${TIMEOUT_MS}ms "$@"
cp "$T/out" "$T/tls.json"
run pr-bench -k --load --http2 -C 1 -d 1 --timeout ${TIMEOUT_MS}ms "$@"
cp "$T/out" "$T/h2.json"
# And on libcurl's engine, which credentials in the URL choose.
set --
while read -r name url cls; do case $url in https:*) set -- "$@" "$name=$(echo "$url" | sed 's|//|//u:p@|')" ;; esac
done <"$T/cases"
run pr-bench -k --load -C 1 -d 1 --timeout ${TIMEOUT_MS}ms "$@"
cp "$T/out" "$T/curl.json"

# The classes with a non-zero count, as "a b".
classes() {
	jq -r --arg id "$2" \
		'.metrics[$id].errors | to_entries | map(select(.key != "total" and .value > 0) | .key) | join(" ")' "$1"
}
while read -r name url cls; do
	check "sample_mode_classes_${name}_as_$cls" [ "$(classes "$T/sample.json" "$name")" = "$cls" ]
	check "load_mode_classes_${name}_as_$cls" [ "$(classes "$T/load.json" "$name")" = "$cls" ]
	check "load_throughput_classes_${name}_as_$cls" [ "$(classes "$T/load.json" "${name}_rps")" = "$cls" ]
done <"$T/cases"
while read -r name url cls; do
	case $url in https:*) ;; *) continue ;; esac
	check "tls_engine_classes_${name}_as_$cls" [ "$(classes "$T/tls.json" "$name")" = "$cls" ]
	check "h2_engine_classes_${name}_as_$cls" [ "$(classes "$T/h2.json" "$name")" = "$cls" ]
	check "curl_engine_classes_${name}_as_$cls" [ "$(classes "$T/curl.json" "$name")" = "$cls" ]
done <"$T/cases"
check "tls_engine_drove_the_https_cases" \
	[ "$(jget "$T/tls.json" '[.metrics[] | .load.engine] | unique | join(" ")')" = epoll ]
check "h2_engine_drove_the_https_cases" \
	[ "$(jget "$T/h2.json" '[.metrics[] | .load.engine + " " + .load.http_version] | unique | join(",")')" = "epoll 2" ]
check "load_mode_drove_https_on_the_epoll_engine" \
	[ "$(jget "$T/load.json" '.metrics.reset_h2_stream.load.engine')" = epoll ]
check "curl_engine_drove_the_https_cases_with_credentials" \
	[ "$(jget "$T/curl.json" '[.metrics[] | .load.engine] | unique | join(" ")')" = curl ]
check "sample_document_validates" validate bench "$T/sample.json"
check "load_document_validates" validate bench "$T/load.json"
check "tls_engine_document_validates" validate bench "$T/tls.json"
check "h2_engine_document_validates" validate bench "$T/h2.json"
