#!/bin/sh
# bench-phases.sh: in sample mode the phases partition each request (they
# add up to total within 1 us) and match what curl -w shows on the same
# server (within 20 us or 5 %), over HTTP/1.1 and over HTTP/2 with TLS,
# against a throwaway nginx on loopback.
. "$(dirname "$0")/lib.sh"
. "$FIX/nginx.sh"

# Where the server runs decides where libcurl's pretransfer timer falls on
# a warm connection: on another CPU the response comes after it (a short
# send, a long ttfb), on the same CPU mostly before it.  pr-bench and curl
# are compared under the same placement: nginx on CPU 1, the clients on 0.
CLIENT=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	NGINX_CPU=1
	CLIENT="taskset -c 0"
fi
start_nginx || exit 0

PHASES='["dns","connect","tls","send","ttfb","transfer"]'
# Samples per round compared with curl, after two warm-ups on the same
# connection, and rounds.
N=21
ROUNDS=7
ATTEMPTS=3

# partition NAME URL: ten metrics of one sample each, so that each phase's
# min is that one request's phase; their sum must be its total.
partition() {
	args=
	for i in 0 1 2 3 4 5 6 7 8 9; do args="$args m$i=$2"; done
	run pr-bench -k -n 1 --measure total $args
	if [ "$rc" -ne 0 ]; then
		fail "$1_phases_add_up_to_total" "pr-bench exited $rc: $(head -c 300 "$T/err")"
		return
	fi
	jq -r --argjson ph "$PHASES" '.metrics | to_entries[] | .value.phases as $p |
		([$ph[] | $p[.].min] | add) as $sum |
		select(($sum - $p.total.min | fabs) > 0.001 + 1e-9 or $p.total.min != .value.summary.min) |
		"\(.key): phases add up to \($sum), total \($p.total.min)"' "$T/out" >"$T/bad"
	if [ -s "$T/bad" ]; then
		fail "$1_phases_add_up_to_total" "$(head -3 "$T/bad" | tr '\n' ' ')"
	else
		pass "$1_phases_add_up_to_total"
	fi
}

# median: the middle of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure URL CURLFLAG: ROUNDS turns of pr-bench and curl -w, N requests
# each on one connection, so that a burst of load on a shared machine hits
# both alike.  Each round's per-phase medians go to $T/ours and $T/spans.
measure() {
	: >"$T/ours"
	: >"$T/spans"
	urls=
	i=0
	# Each URL needs its own -o, or curl prints the body among the timers.
	while [ $i -lt $((N + 2)) ]; do urls="$urls -o /dev/null $1"; i=$((i + 1)); done
	r=0
	while [ $r -lt $ROUNDS ]; do
		run $CLIENT pr-bench -k -n $N -w 2 --measure total a="$1"
		jq -r --argjson ph "$PHASES" '.metrics.a.phases as $p | [$ph[] | $p[.].p50] | map(tostring) | join(" ")' \
			"$T/out" >>"$T/ours"
		# shellcheck disable=SC2086
		$CLIENT curl -ks "$2" -w '%{http_version} %{time_namelookup} %{time_connect} %{time_appconnect} %{time_pretransfer} %{time_starttransfer} %{time_total}\n' \
			$urls >"$T/curl"
		# The same running-maximum boundaries as lib/probe.c, in ms; the
		# first two requests are warm-ups, as pr-bench's.
		tail -n +3 "$T/curl" | awk '{
			p = 0
			for (i = 2; i <= 7; i++) { t = $i * 1000; if (t > p) p = t; b[i] = p }
			print b[2], b[3] - b[2], b[4] - b[3], b[5] - b[4], b[6] - b[5], b[7] - b[6]
		}' >"$T/round"
		col=1
		line=
		while [ $col -le 6 ]; do
			line="$line $(cut -d' ' -f$col "$T/round" | median)"
			col=$((col + 1))
		done
		echo $line >>"$T/spans"
		r=$((r + 1))
	done
}

# disagreements [JOINED]: one line per phase whose median over the rounds
# differs from curl's by more than 20 us and more than 5 %.  With JOINED,
# send and ttfb are judged as one span: on HTTP/2 the point between them
# (pretransfer) falls before or after the server's answer as the scheduler
# decides, in curl as in pr-bench, while their sum stays put.
disagreements() {
	col=1
	for phase in dns connect tls send ttfb transfer; do
		ours=$(cut -d' ' -f$col "$T/ours" | median)
		theirs=$(cut -d' ' -f$col "$T/spans" | median)
		case $ours in null* | "") echo "$phase: not in pr-bench's document"; col=$((col + 1)); continue ;; esac
		if [ -n "${1:-}" ] && [ $phase = send ]; then
			col=$((col + 1))
			continue
		fi
		if [ -n "${1:-}" ] && [ $phase = ttfb ]; then
			phase=send+ttfb
			ours=$(awk -v c=$col '{ print $(c - 1) + $c }' "$T/ours" | median)
			theirs=$(awk -v c=$col '{ print $(c - 1) + $c }' "$T/spans" | median)
		fi
		awk -v a="$ours" -v b="$theirs" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a > b ? a : b; exit !(d <= 0.020 || d <= 0.05 * m) }' ||
			echo "$phase: pr-bench $ours ms, curl -w $theirs ms (rounds $(cut -d' ' -f$col "$T/ours" | tr '\n' ' ')/ $(cut -d' ' -f$col "$T/spans" | tr '\n' ' '))"
		col=$((col + 1))
	done
}

# agree NAME URL CURLFLAG VERSION [JOINED]: every phase agrees with curl -w.  On a
# machine shared with other work a whole set of rounds can drift by tens of
# microseconds, so a set that disagrees is measured again, up to ATTEMPTS
# times; a real difference (a span in no phase, a timer read late) shows
# in every set.
agree() {
	a=1
	while :; do
		measure "$2" "$3"
		disagreements ${5:-} >"$T/why"
		[ -s "$T/why" ] && [ $a -lt $ATTEMPTS ] || break
		echo "# $1: set $a disagreed, measuring again: $(tr '\n' ' ' <"$T/why")"
		a=$((a + 1))
	done
	check "$1_curl_spoke_http_$4" [ "$(tail -n 1 "$T/curl" | cut -d' ' -f1)" = "$4" ]
	if [ -s "$T/why" ]; then
		fail "$1_phases_agree_with_curl" "$(tr '\n' ' ' <"$T/why")"
	else
		pass "$1_phases_agree_with_curl"
	fi
}

partition http1 "$NGINX_HTTP/index.html"
partition http2 "$NGINX_HTTPS/index.html"
# A sanitizer or valgrind build of pr-bench is slower than curl by more
# than the bound, so its sizes say nothing about the timers: only the
# partition above is checked there.
if [ -n "${PR_SLOW_BUILD:-}" ]; then
	echo "# skip http1_phases_agree_with_curl, http2_phases_agree_with_curl: an instrumented pr-bench is not comparable with curl"
else
	agree http1 "$NGINX_HTTP/index.html" --http1.1 1.1
	agree http2 "$NGINX_HTTPS/index.html" --http2 2 joined
fi
check "phases_document_is_valid" validate bench "$T/out"
