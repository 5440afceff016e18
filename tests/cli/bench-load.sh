#!/bin/sh
# bench-load.sh: pr-bench --load end to end against real local servers:
# closed and open loop, coordinated omission, warm-up, errors, resets,
# 1000 connections, the fd limit.  Every run is a few seconds at most.
. "$(dirname "$0")/lib.sh"

# Start tests/fixtures/stall_server.py with ARGS; $STALL is its base URL.
start_stall() {
	start_fixture stall stall_server.py "$@"
	STALL=http://127.0.0.1:$fixture_port
}

# num EXPR: a jq expression on $T/out that must be true.
jtrue() { [ "$(jq -r "$1" "$T/out")" = true ]; }

# --- closed loop ----------------------------------------------------------
start_stall
run pr-bench --load -C 4 -d 1 home="$STALL/"
cp "$T/out" "$T/closed.json"
check "closed_loop_exits_0" [ "$rc" -eq 0 ]
check "closed_loop_document_is_valid_bench_json" validate bench "$T/closed.json"
check "closed_loop_mode_is_load" jtrue '.mode == "load" and .metrics.home.load.loop == "closed"'
check "closed_loop_counts_responses_without_errors" \
	jtrue '.metrics.home.summary.n > 100 and .metrics.home.errors.total == 0'
check "closed_loop_reuses_its_connections" \
	jtrue '.metrics.home.load.connections_opened == 4 and .metrics.home.load.reused >= .metrics.home.load.ok - 4'
check "histogram_count_equals_summary_n" jtrue '(.metrics.home.histogram.counts | map(.[1]) | add) == .metrics.home.summary.n'
check "throughput_is_a_companion_metric_better_higher" \
	jtrue '.metrics.home_rps.unit == "rps" and .metrics.home_rps.better == "higher" and .metrics.home_rps.summary.p50 == .metrics.home.load.throughput_rps'
check "throughput_is_ok_responses_per_second" \
	jtrue '.metrics.home.load.throughput_rps == .metrics.home.load.ok / .metrics.home.load.duration_s'
check "throughput_has_a_sample_per_whole_second" \
	jtrue '.metrics.home_rps.interval_s == 1 and (.metrics.home_rps.samples | length) == 1 and .metrics.home_rps.samples[0] > 0 and .metrics.home_rps.samples[0] <= .metrics.home.load.ok'
check "bytes_read_are_counted" jtrue '.metrics.home.load.bytes_read >= 67 * .metrics.home.load.ok'
check "summary_is_in_milliseconds" jtrue '.metrics.home.summary.p50 > 0 and .metrics.home.summary.p50 < 50'

# --- open loop at a fixed rate --------------------------------------------
run pr-bench --load -C 4 -d 2 --rate 200 home="$STALL/"
check "open_loop_sends_at_the_given_rate" \
	jtrue '.metrics.home.load.loop == "open" and .metrics.home.load.requests >= 390 and .metrics.home.load.requests <= 401'
check "open_loop_throughput_sample_is_the_rate_each_second" \
	jtrue '(.metrics.home_rps.samples | length) == 2 and (.metrics.home_rps.samples | all(. >= 190 and . <= 201)) and (.metrics.home_rps.samples | add) <= .metrics.home.load.ok'
check "load_document_with_throughput_samples_validates" validate bench "$T/out"

run pr-bench --load -C 4 -d 1 --load-warmup 1 --rate 200 home="$STALL/"
check "warmup_requests_are_excluded" \
	jtrue '.metrics.home.load.requests >= 190 and .metrics.home.load.requests <= 201 and .metrics.home.load.warmup_s == 1'

# --- a server that stalls once for 1 s -----------------------------------
# Open loop at 100 req/s: the requests due during the stall wait for it and
# their latency, measured from when they were due, shows it.
start_stall --stall-after 1 --stall-ms 1000
run pr-bench --load -C 10 -d 3 --rate 100 home="$STALL/"
cp "$T/out" "$T/open-stall.json"
check "open_loop_p99_shows_a_1s_stall" jtrue '.metrics.home.summary.p99 > 200'
check "open_loop_median_stays_normal" jtrue '.metrics.home.summary.p50 < 10'
check "open_loop_counts_late_requests" jtrue '.metrics.home.load.late >= 50'
check "throughput_samples_show_the_stalled_second" \
	jtrue '(.metrics.home_rps.samples | length) == 3 and (.metrics.home_rps.samples | min) < 50 and (.metrics.home_rps.samples | max) > 120'
# Closed loop on the same scenario: the stalled connections simply send
# fewer requests, and p99 hides the stall (only max shows it).
start_stall --stall-after 1 --stall-ms 1000
run pr-bench --load -C 10 -d 3 home="$STALL/"
cp "$T/out" "$T/closed-stall.json"
check "closed_loop_p99_hides_the_stall" jtrue '.metrics.home.summary.p99 < 200 and .metrics.home.summary.max > 900'
echo "# stall: open p99 $(jget "$T/open-stall.json" .metrics.home.summary.p99) ms," \
	"closed p99 $(jget "$T/closed-stall.json" .metrics.home.summary.p99) ms" \
	"max $(jget "$T/closed-stall.json" .metrics.home.summary.max) ms"

# A stall still going on when the time is up: those requests are reported
# as unfinished rather than silently dropped.
start_stall --stall-after 1 --stall-ms 1000
run pr-bench --load -C 5 -d 1.5 --rate 100 home="$STALL/"
check "open_loop_reports_requests_cut_off_by_the_end" \
	jtrue '.metrics.home.load.unfinished >= 40 and .metrics.home.load.unfinished <= 55'

# --- response framing -----------------------------------------------------
start_stall
run pr-bench --load -C 2 -d 1 ch="$STALL/chunked"
check "chunked_responses_are_read_whole" jtrue '.metrics.ch.summary.n > 100 and .metrics.ch.errors.total == 0 and .metrics.ch.load.reused > 0'

run pr-bench --load -C 2 -d 1 uc="$STALL/until-close"
check "bodies_ending_at_close_are_read_and_connections_reopened" \
	jtrue '.metrics.uc.summary.n > 20 and .metrics.uc.errors.total == 0 and .metrics.uc.load.connections_opened >= .metrics.uc.load.ok and .metrics.uc.load.bytes_read == 67 * .metrics.uc.load.ok'

# --- from the configuration, and inside GitHub Actions --------------------------
cat >"$T/pr-tools.json" <<EOF
{"bench": {"connections": 3, "duration": "1s", "rate": 100, "timeout": "2s",
  "metrics": [{"id": "cfg_home", "url": "$STALL/"},
              {"id": "cfg_post", "url": "$STALL/", "method": "POST", "body": {"a": 1},
               "headers": {"X-Test": "1"}}]}}
EOF
run env GITHUB_ACTIONS=true GITHUB_OUTPUT="$T/gh.out" GITHUB_STEP_SUMMARY="$T/gh.md" \
	pr-bench --load -f "$T/pr-tools.json"
check "config_drives_every_metric_open_loop" \
	jtrue '.metrics.cfg_home.load.loop == "open" and .metrics.cfg_home.load.connections == 3 and .metrics.cfg_home.load.requests >= 95 and .metrics.cfg_home.load.requests <= 101'
check "config_post_with_body_succeeds" jtrue '.metrics.cfg_post.summary.n >= 95 and .metrics.cfg_post.errors.total == 0 and .metrics.cfg_post.method == "POST"'
check "github_outputs_have_latency_and_throughput" \
	sh -c "grep -q '^cfg_home_p50=' '$T/gh.out' && grep -q '^cfg_home_rps_p50=' '$T/gh.out' && grep -qF 'cfg\_home\_rps' '$T/gh.md'"

# --- errors ----------------------------------------------------------------
start_stall --stall-after 0.3 --stall-ms 1000
run pr-bench --load -C 4 -d 1.5 -t 200ms slow="$STALL/"
check "requests_over_the_timeout_count_as_timeouts" \
	jtrue '.metrics.slow.errors.timeout >= 4 and .metrics.slow.summary.max < 250'

run pr-bench --load -C 2 -d 1 bad="$STALL/status/500"
check "non_2xx_counts_as_status_errors_and_exits_4" \
	sh -c "[ $rc -eq 4 ] && [ \"\$(jq -r '.metrics.bad.errors.status > 0 and .metrics.bad.summary.n == 0' $T/out)\" = true ]"

start_stall --reset-every 10
run pr-bench --load -C 20 -d 2 flaky="$STALL/"
check "resets_are_counted_and_connections_reopened" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(jq -r '.metrics.flaky.errors.reset > 0 and .metrics.flaky.summary.n > 0 and .metrics.flaky.load.connections_opened > 20' $T/out)\" = true ]"
check "resets_are_warned_in_one_line" grep -q 'flaky: .* requests failed (reset' "$T/err"

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run pr-bench --load -C 2 -d 1 down="http://127.0.0.1:$port/"
check "refused_connections_count_as_connect_errors_exit_4" \
	sh -c "[ $rc -eq 4 ] && [ \"\$(jq -r '.metrics.down.errors.connect > 0' $T/out)\" = true ]"
check "refused_connections_do_not_spin" jtrue '.metrics.down.errors.connect < 1000'

run pr-bench --load -C 1 -d 0.3 nowhere="http://pr-bench-test.invalid/"
check "unresolved_host_exits_4_with_a_valid_document" \
	sh -c "[ $rc -eq 4 ] && jq -e '.metrics.nowhere.errors.dns == 1 and .metrics.nowhere.load.http_version == null and .metrics.nowhere_rps.interval_s == 1' '$T/out' >/dev/null"
check "unresolved_host_document_validates" validate bench "$T/out"

expect_exit 2 "unsupported_scheme_is_a_usage_error" pr-bench --load -C 2 -d 1 x="ftp://127.0.0.1/"
check "unsupported_scheme_error_is_one_line" one_line "$T/err"

# --- interim 1xx responses ------------------------------------------------------
# 103 Early Hints (and 100 Continue) come before the final response of the
# same request: skipped, never counted as a final status, never matched to
# the next request.
start_httpd
run pr-bench --load -C 2 -d 1 hints="$HTTPD/interim?codes=103"
check "early_hints_then_200_is_a_success" \
	jtrue '.metrics.hints.errors.total == 0 and .metrics.hints.summary.n > 20 and .metrics.hints.load.unfinished <= 2'
check "early_hints_raise_no_warning" [ ! -s "$T/err" ]
run pr-bench --load -C 2 -d 1 slowhints="$HTTPD/interim?codes=100,103&ms=30"
check "latency_runs_to_the_final_response_after_interims" \
	jtrue '.metrics.slowhints.errors.total == 0 and .metrics.slowhints.summary.n > 5 and .metrics.slowhints.summary.min >= 60'

# --- 1000 connections and the fd limit ----------------------------------------
start_stall
run pr-bench --load -C 1000 -d 2 many="$STALL/"
check "holds_1000_connections" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(jq -r '.metrics.many.load.connections_opened >= 1000 and .metrics.many.summary.n > 1000' $T/out)\" = true ]"

run sh -c "ulimit -n 256 && exec pr-bench --load -C 1000 -d 1 many=$STALL/"
check "too_few_file_descriptors_is_exit_2" [ "$rc" -eq 2 ]
check "fd_limit_error_names_ulimit" sh -c "one_line() { [ \$(wc -l <\"\$1\") -eq 1 ]; }; one_line $T/err && grep -q 'ulimit -n' $T/err"
