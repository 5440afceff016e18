#!/bin/sh
# bench-errors.sh: pr-bench reports failed requests per metric and class,
# warns once per metric, and exits 4 only when nothing could be measured.
. "$(dirname "$0")/lib.sh"

start_httpd
port=${HTTPD##*:}
# A closed loopback port: bind one, note it, and let it go.
closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Under sanitizers and valgrind (PR_SLOW_BUILD) a first TLS handshake alone
# can take seconds, which would turn the tls metric's errors into timeouts:
# the per-request timeout and the slow response that must exceed it are
# scaled; what each metric must count stays the same.
if [ -n "${PR_SLOW_BUILD:-}" ]; then TIMEOUT_MS=5000; else TIMEOUT_MS=300; fi
SLOW_MS=$((TIMEOUT_MS * 5))

run pr-bench -n 2 -w 0 --timeout ${TIMEOUT_MS}ms \
	good="$HTTPD/ok" \
	closed="http://127.0.0.1:$closed/ok" \
	dns="http://pr-bench-test.invalid/ok" \
	slow="$HTTPD/sleep?ms=$SLOW_MS" \
	tls="https://127.0.0.1:$port/ok" \
	five="$HTTPD/status/503" \
	reset="$HTTPD/close"
cp "$T/out" "$T/mixed.json"
cp "$T/err" "$T/mixed.err"
check some_measured_exits_0 [ "$rc" -eq 0 ]
errs() { jget "$T/mixed.json" ".metrics.$1.errors | [.total, .$2] | join(\" \")"; }
check closed_port_counts_connect_errors [ "$(errs closed connect)" = "2 2" ]
check invalid_name_counts_dns_errors [ "$(errs dns dns)" = "2 2" ]
check slow_response_counts_timeouts [ "$(errs slow timeout)" = "2 2" ]
check https_to_plain_port_counts_tls_errors [ "$(errs tls tls)" = "2 2" ]
check status_503_counts_status_errors [ "$(errs five status)" = "2 2" ]
check closed_without_response_counts_resets [ "$(errs reset reset)" = "2 2" ]
check good_metric_has_no_errors [ "$(errs good total)" = "0 0" ]
check failed_samples_are_not_kept [ "$(jget "$T/mixed.json" '[(.metrics.five.samples|length), .metrics.five.summary.n, .metrics.good.summary.n]|join(" ")')" = "0 0 2" ]
check one_warning_line_per_failing_metric [ "$(grep -c 'warning' "$T/mixed.err")-$(wc -l <"$T/mixed.err")" = 6-6 ]
check warning_names_metric_and_cause grep -q "closed: 2 of 2 requests failed (connect 2)" "$T/mixed.err"
check document_with_errors_validates validate bench "$T/mixed.json"

# A timeout is honoured: 2 samples of a response 5 timeouts long take less
# time than one such response would, beyond the run's own cost (measured
# without the slow metric, so that a slow build's start-up does not count).
start=$(date +%s%N)
run pr-bench -n 2 -w 0 --timeout ${TIMEOUT_MS}ms ok="$HTTPD/ok"
base_ms=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
run pr-bench -n 2 -w 0 --timeout ${TIMEOUT_MS}ms slow="$HTTPD/sleep?ms=$SLOW_MS" ok="$HTTPD/ok"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check timeout_bounds_the_run [ "$((ms - base_ms))" -lt "$SLOW_MS" ]

# Partial failure of one metric: some samples fail, the rest are data.
run pr-bench -n 4 -w 0 flaky="$HTTPD/flaky?key=e1&fail=2"
check partial_failure_keeps_successes [ "$rc $(jget "$T/out" '[.metrics.flaky.errors.status, (.metrics.flaky.samples|length)]|join(" ")')" = "0 2 2" ]

# Nothing at all: exit 4, still one document on stdout.
run pr-bench -n 2 -w 0 closed="http://127.0.0.1:$closed/ok" dns="http://pr-bench-test.invalid/"
tail -n 1 "$T/err" >"$T/err.last"
check nothing_measured_exits_4 [ "$rc" -eq 4 ]
check nothing_measured_still_prints_document [ "$(jget "$T/out" '.metrics.closed.errors.connect')" = 2 ]
check nothing_measured_error_is_last_line grep -q 'no request succeeded' "$T/err.last"

# expect_status turns a non-2xx answer into a success (config only).
cat >"$T/cfg.json" <<JSON
{"bench": {"metrics": [{"id": "gone", "url": "$HTTPD/status/404", "expect_status": 404},
                       {"id": "want201", "url": "$HTTPD/ok", "expect_status": 201}]}}
JSON
run pr-bench -f "$T/cfg.json" -n 2 -w 0
check expect_status_matches_counts_as_success [ "$(jget "$T/out" '.metrics.gone.errors.total')" = 0 ]
check expect_status_mismatch_of_2xx_is_status_error [ "$(jget "$T/out" '.metrics.want201.errors.status')" = 2 ]
