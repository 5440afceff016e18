#!/bin/sh
# ws-hostile.sh: pr-bench and pr-qa against WebSocket and Socket.IO servers
# that break the protocol (tests/fixtures/ws_hostile.py).  Each gives a
# counted error and the documented exit code within its timeout: never a
# crash, a hang or unbounded memory.
. "$(dirname "$0")/lib.sh"
. "$FIX/ws.sh"

# bench_fails NAME MODE CLASS [PR-BENCH ARGS]: two samples against a server
# in MODE both fail as CLASS, with exit 4, within 20 s.
bench_fails() {
	_name=$1 _mode=$2 _class=$3
	shift 3
	start_ws_hostile "$_mode" || return 0
	expect_exit 4 "${_name}_is_an_error" timeout 20 pr-bench -n 2 -w 0 -t 1s "$@" chat="$HOSTILE/"
	ok_if "${_name}_counts_$_class" '[ "$(jget "$T/out" ".metrics.chat.errors.$_class")" = 2 ]'
}

bench_fails bad_accept bad-accept other
bench_fails data_before_101 early-data other
bench_fails silent_upgrade silent timeout
bench_fails frame_of_2_63_bytes huge-len other
bench_fails masked_server_frame masked other
bench_fails ping_over_125_bytes big-ping other
bench_fails fragmented_ping frag-ping other
bench_fails close_of_one_byte close-1byte other
bench_fails close_reason_not_utf8 close-bad-utf8 other
bench_fails text_not_utf8 bad-utf8 other
bench_fails continuation_without_start cont other
bench_fails reserved_bit rsv other
bench_fails reserved_opcode opcode other
bench_fails ping_flood ping-flood timeout
bench_fails sio_ack_never_sent sio-wrong-ack timeout --protocol socketio
bench_fails eio_open_not_json 'eio-open:{oops' other --protocol socketio
bench_fails eio_open_negative_interval 'eio-open:{"sid":"a","pingInterval":-1,"pingTimeout":1}' other \
	--protocol socketio
bench_fails ping_flood_read ping-flood-read timeout
bench_fails eio_open_interval_of_2_40_ms 'eio-open:{"sid":"a","pingInterval":1099511627776,"pingTimeout":0}' \
	timeout --protocol socketio

# -- careless URLs: credentials would go unsent, a fragment means nothing
expect_exit 2 ws_url_with_credentials_is_usage pr-bench -n 1 'chat=ws://bob:hunter2@127.0.0.1:1/'
ok_if ws_url_credentials_refused_in_one_line_without_the_password 'one_line "$T/err" &&
	grep -q "credentials in a WebSocket URL" "$T/err" && ! grep -q hunter2 "$T/err" "$T/out"'
echo '{"bench": {"metrics": [{"id": "c", "url": "wss://bob:hunter2@127.0.0.1:1/", "protocol": "socketio"}]}}' \
	>"$T/userinfo.json"
expect_exit 3 ws_url_with_credentials_in_config_is_bad_input pr-bench -f "$T/userinfo.json"
ok_if ws_url_credentials_in_config_not_echoed '! grep -q hunter2 "$T/err" "$T/out" &&
	grep -q "metrics\[0\].url" "$T/err"'
expect_exit 2 ws_url_with_fragment_is_usage pr-bench -n 1 'chat=ws://127.0.0.1:1/x#part'
check ws_url_fragment_refused_in_one_line one_line "$T/err"

# -- a server's words quoted in an error stay on one line, without escapes
bench_fails sio_refusal_with_escapes sio-refuse-escape status --protocol socketio
ok_if sio_refusal_quoted_without_escape_bytes_or_a_forged_line '! grep -q "$(printf "\033")" "$T/err" &&
	grep -q "refused the namespace" "$T/err" && ! grep -q "^pr-bench: all good" "$T/err"'

# -- a message whose echo could never be taken (over the 1 MiB limit) is refused up front
$PY -c 'import json; print(json.dumps({"bench": {"metrics": [{"id": "big", "url": "ws://127.0.0.1:1/",
	"message": "x" * (2 << 20)}]}}))' >"$T/big.json"
expect_exit 3 ws_echo_of_2mib_message_is_bad_input pr-bench -n 1 -w 0 -f "$T/big.json"
ok_if ws_echo_of_2mib_message_named_in_one_line 'one_line "$T/err" && grep -q "over 1 MiB" "$T/err"'

# -- an IPv6 literal host: reached in sample and load mode ([::1] in the URL)
if start_ws_hostile bad-accept ::1; then
	expect_exit 4 ipv6_literal_host_is_reached timeout 20 pr-bench -n 1 -w 0 -t 1s chat="$HOSTILE/"
	ok_if ipv6_literal_host_gets_the_upgrade '[ "$(jget "$T/out" ".metrics.chat.errors.other")" = 1 ]'
	expect_exit 4 ipv6_literal_host_under_load timeout 20 pr-bench --load -C 1 -d 1s -t 1s chat="$HOSTILE/"
	ok_if ipv6_literal_host_under_load_gets_the_upgrade \
		'[ "$(jget "$T/out" ".metrics.chat.errors.other")" -ge 1 ] &&
		[ "$(jget "$T/out" ".metrics.chat.errors.connect")" = 0 ]'
fi

# -- a reply JSON path that does not parse: usage, before any connection
expect_exit 2 reply_json_path_malformed_is_usage pr-bench -n 1 --reply 'json:a[' chat=ws://127.0.0.1:1/
ok_if reply_json_path_malformed_named_in_one_line 'one_line "$T/err" && grep -q "JSON path is malformed" "$T/err"'

# -- pr-qa's WebSocket checks: a flooding and a silent server end at the check's timeout, as errors
if start_ws_hostile ping-flood-read; then
	flood=$HOSTILE
	start_ws_hostile silent || exit 0
	cat >"$T/qa.json" <<JSON
{"qa": {"checks": [
  {"name": "flooded", "url": "$flood/", "message": "x", "timeout": "1s"},
  {"name": "silent", "url": "$HOSTILE/", "message": "x", "timeout": "1s"}
]}}
JSON
	expect_exit 1 qa_ws_flood_and_silence_fail_the_suite timeout 20 pr-qa -f "$T/qa.json"
	ok_if qa_ws_flood_and_silence_are_errors \
		'[ "$(jget "$T/out" "[.checks[].result] | join(\",\")")" = "error,error" ]'
fi
