#!/bin/sh
# bench-load-phases.sh: load mode records connect, tls and ttfb as
# histograms ("load_phases"), on every engine (http, https HTTP/1.1, HTTP/2,
# libcurl's), over threads, and `pr-bench merge` adds them exactly.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

start_nginx || exit 0
jtrue() { [ "$(jq -r "$1" "${2:-$T/out}")" = true ]; }

# Each request's ttfb is part of its latency, so every sum, max and median
# of ttfb is at most the latency's; every success has one.
TTFB='(.metrics.x as $m | $m.load_phases.ttfb.histogram as $t |
	$t.n == $m.load.ok and $t.n > 0 and $t.sum <= $m.histogram.sum and $t.max <= $m.histogram.max and
	$m.load_phases.ttfb.summary.p50 <= $m.summary.p50)'
# connect: one per connection opened (nginx closes one after 1000 requests);
# tls: one per handshake, at least one per connection slot over https (a
# connection made as the time ran out may not have finished its own), none
# over http.
conns() { echo "(.metrics.x as \$m | \$m.load_phases.connect.histogram.n == \$m.load.connections_opened and
	\$m.load_phases.tls.histogram.n >= $1 and \$m.load_phases.tls.histogram.n <= $2)"; }

run pr-bench --load -C 4 -d 1 x="$NGINX_HTTP/index.html"
check "phases_document_is_valid" validate bench "$T/out"
check "http_ttfb_is_recorded_per_success_within_latency" jtrue "$TTFB"
check "http_connects_are_recorded_without_tls" jtrue "$(conns 0 0)"
check "throughput_metric_has_no_phases" jtrue '.metrics.x_rps | has("load_phases") | not'

run pr-bench --load -k -C 4 -d 1 x="$NGINX_HTTPS/index.html"
check "https_phases_document_is_valid" validate bench "$T/out"
check "https_ttfb_is_recorded_per_success_within_latency" jtrue "$TTFB"
check "https_connects_and_handshakes_are_recorded" jtrue "$(conns 4 '$m.load.connections_opened')"

run pr-bench --load -k --http2 --streams 4 -C 2 -d 1 x="$NGINX_HTTPS/index.html"
check "h2_ttfb_is_recorded_per_success_within_latency" jtrue "$TTFB"
check "h2_connects_and_handshakes_are_recorded" jtrue "$(conns 2 '$m.load.connections_opened')"

run pr-bench --load -k -C 2 -d 1 x="$(echo "$NGINX_HTTPS" | sed 's|//|//u:p@|')/index.html"
check "curl_engine_records_phases_too" \
	jtrue "$TTFB and .metrics.x.load.engine == \"curl\" and .metrics.x.load_phases.tls.histogram.n >= 1"

# Threads: each records its own, merged exactly into the document's.
run pr-bench --load -k -T 2 -C 4 -d 1 x="$NGINX_HTTPS/index.html"
check "threads_merge_their_phases" \
	jtrue "$TTFB and .metrics.x.load.threads == 2 and $(conns 4 '$m.load.connections_opened')"

# Two runs merged: each phase's histogram is the sum of the two.
run pr-bench --load -C 2 -d 0.5 x="$NGINX_HTTP/index.html"
cp "$T/out" "$T/a.json"
run pr-bench --load -C 3 -d 0.5 x="$NGINX_HTTP/index.html"
cp "$T/out" "$T/b.json"
expect_exit 0 "merge_of_phased_runs_exits_0" pr-bench merge "$T/a.json" "$T/b.json"
check "merge_adds_the_phase_histograms" jq -e --slurpfile a "$T/a.json" --slurpfile b "$T/b.json" '
	[$a[0], $b[0]] as $in | .metrics.x.load_phases as $p | ["connect", "tls", "ttfb"] | all(. as $ph |
	$p[$ph].histogram.n == ($in | map(.metrics.x.load_phases[$ph].histogram.n) | add) and
	$p[$ph].histogram.sum == ($in | map(.metrics.x.load_phases[$ph].histogram.sum) | add) and
	$p[$ph].summary.n == $p[$ph].histogram.n)' "$T/out"
check "merged_phases_document_is_valid" validate bench "$T/out"
# A document from before load_phases: the merge cannot sum them, so drops them.
jq 'del(.metrics.x.load_phases)' "$T/b.json" >"$T/old.json"
expect_exit 0 "merge_with_an_unphased_run_exits_0" pr-bench merge "$T/a.json" "$T/old.json"
check "merge_with_an_unphased_run_drops_the_phases" jtrue '.metrics.x | has("load_phases") | not'
# Other phases (a later version's): merged by name, or dropped when they differ.
RENAME='.metrics.x.load_phases |= with_entries(.key |= if . == "ttfb" then "ttlb" else . end)'
jq "$RENAME" "$T/b.json" >"$T/other.json"
expect_exit 0 "merge_with_other_phases_exits_0" pr-bench merge "$T/a.json" "$T/other.json"
check "merge_with_other_phases_drops_them" jtrue '.metrics.x | has("load_phases") | not'
jq "$RENAME" "$T/a.json" >"$T/other-a.json"
expect_exit 0 "merge_of_the_same_other_phases_exits_0" pr-bench merge "$T/other-a.json" "$T/other.json"
check "merge_of_the_same_other_phases_adds_them_by_name" \
	jtrue '.metrics.x.load_phases | keys == ["connect", "tls", "ttlb"]'
jq '.metrics.x.load_phases.ttfb.histogram.n += 1' "$T/b.json" >"$T/bad.json"
expect_exit 3 "merge_refuses_a_phase_histogram_that_does_not_add_up" pr-bench merge "$T/a.json" "$T/bad.json"
ok_if "merge_names_the_bad_phase" 'one_line "$T/err" && grep -q "load_phases.ttfb" "$T/err"'
