#!/bin/sh
# bench-tls.sh: pr-bench over HTTPS: the TLS handshake is timed on a cold
# connection, certificates are verified unless -k, and a failed verification
# is a tls error.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || { echo "not ok tls_cert: openssl could not make a certificate"; exit 1; }
$PY "$FIX/tls_httpd.py" --cert "$T/cert.pem" --key "$T/key.pem" --port-file "$T/tls.port" >"$T/tls.log" 2>&1 &
track $!
wait_for_file "$T/tls.port" || { echo "not ok tls_httpd: fixture server did not start"; exit 1; }
HTTPS=https://127.0.0.1:$(cat "$T/tls.port")

run pr-bench -n 2 -w 0 a="$HTTPS/ok"
check self_signed_certificate_is_tls_error [ "$rc $(jget "$T/out" '.metrics.a.errors.tls')" = "4 2" ]

run pr-bench -k -n 3 -w 1 a="$HTTPS/ok"
check insecure_accepts_self_signed [ "$rc $(jget "$T/out" '[.metrics.a.errors.total, .metrics.a.summary.n, .settings.insecure]|join(" ")')" = "0 0 3 true" ]
check warm_tls_connection_is_reused [ "$(jget "$T/out" '.metrics.a.phases.tls.max')" = 0 ]

run pr-bench -k --cold-start -n 2 "$HTTPS/ok"
check cold_start_times_the_tls_handshake [ "$(jget "$T/out" '.metrics.cold_start_health_ms.phases.tls.min > 0')" = true ]
check cold_start_total_includes_handshake [ "$(jget "$T/out" '.metrics.cold_start_health_ms | .summary.min >= .phases.tls.min + .phases.connect.min')" = true ]
check tls_document_validates validate bench "$T/out"
