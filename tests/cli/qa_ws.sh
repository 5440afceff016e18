#!/bin/sh
# qa_ws.sh: pr-qa's WebSocket checks ("chat messages send/receive" of the
# post-deployment checklist) against real servers: Python websockets
# (tests/fixtures/ws_echo.py) and npm socket.io 4 (tests/fixtures/sio_server.js).
. "$(dirname "$0")/lib.sh"
. "$FIX/ws.sh"

start_ws_echo --json || exit 0
echo_json=$WS
start_ws_echo --reject 403 || exit 0
denied=$WS
start_sio --refuse-chat || exit 0
sio=$SIO
start_ws_echo --delay-ms 300 || exit 0
slow=$WS

# A chat round: a WebSocket echo whose reply is JSON, a capture from it fed
# to a Socket.IO emit, acked with the same text, then a named reply event.
cat >"$T/pr-tools.json" <<EOF
{"qa": {"checks": [
  {"name": "ws echo", "url": "$echo_json/chat", "message": "hello",
   "expect": {"json": {"echo": "hello"}, "body_contains": "\"n\"", "max_latency_ms": 2000},
   "capture": {"count": {"json": "n"}}},
  {"name": "sio ack", "url": "$sio/", "protocol": "socketio", "event": "chat message",
   "message": {"text": "seen {{count}}"},
   "expect": {"status": 101, "json": {"[0].text": "seen 1"}}},
  {"name": "sio event", "url": "$sio/", "protocol": "socketio", "message": "\"hi\"", "reply": "event:reply",
   "expect": {"body_contains": "hi"}}
]}}
EOF
expect_exit 0 ws_checks_pass pr-qa -f "$T/pr-tools.json"
cp "$T/out" "$T/pass.json"
ok_if ws_checks_report_101_and_latency \
	'[ "$(jget "$T/pass.json" "[.checks[].status] | unique | join(\",\")")" = 101 ] &&
	[ "$(jget "$T/pass.json" "[.checks[].latency_ms > 0] | all")" = true ]'
ok_if ws_capture_feeds_the_next_check '[ "$(jget "$T/pass.json" ".checks[0].captured | join(\",\")")" = count ]'
check ws_qa_document_validates validate qa "$T/pass.json"

# Failing expectations, each named; a refused upgrade is judged as a status.
cat >"$T/fail.json" <<EOF
{"qa": {"checks": [
  {"name": "wrong reply", "url": "$echo_json/", "message": "hello", "expect": {"json": {"echo": "bye"}}},
  {"name": "slow reply", "url": "$slow/", "message": "x", "expect": {"max_latency_ms": 100}},
  {"name": "refused", "url": "$denied/", "message": "x"},
  {"name": "refused as expected", "url": "$denied/", "message": "x", "expect": {"status": 403}},
  {"name": "namespace refused", "url": "$sio/", "protocol": "socketio", "namespace": "/chat"},
  {"name": "no server", "url": "ws://127.0.0.1:1/", "timeout": "2s"}
]}}
EOF
expect_exit 1 ws_failures_fail_the_suite pr-qa -f "$T/fail.json"
cp "$T/out" "$T/fail.json.out"
ok_if ws_wrong_reply_is_named '[ "$(jget "$T/fail.json.out" ".checks[0].result")" = fail ] &&
	jget "$T/fail.json.out" ".checks[0].failures[0]" | grep -q "json echo: expected \"bye\", got \"hello\""'
ok_if ws_slow_reply_fails_latency '[ "$(jget "$T/fail.json.out" ".checks[1].result")" = fail ] &&
	jget "$T/fail.json.out" ".checks[1].failures[0]" | grep -q "^latency: "'
ok_if ws_refused_upgrade_fails_on_status '[ "$(jget "$T/fail.json.out" ".checks[2].result")" = fail ] &&
	[ "$(jget "$T/fail.json.out" ".checks[2].status")" = 403 ] &&
	[ "$(jget "$T/fail.json.out" ".checks[3].result")" = pass ]'
ok_if sio_refused_namespace_is_an_error '[ "$(jget "$T/fail.json.out" ".checks[4].result")" = error ] &&
	jget "$T/fail.json.out" ".checks[4].failures[0]" | grep -q "refused the namespace"'
ok_if ws_no_server_is_unreachable '[ "$(jget "$T/fail.json.out" ".checks[5].result")" = error ]'

# Bad config: one line naming the field, exit 3.
echo '{"qa": {"checks": [{"name": "x", "url": "ws://127.0.0.1:1/", "protocol": "mqtt"}]}}' >"$T/bad1.json"
expect_exit 3 ws_unknown_protocol_is_bad_input pr-qa -f "$T/bad1.json"
ok_if ws_unknown_protocol_named 'one_line "$T/err" && grep -q "checks\[0\].protocol" "$T/err"'
echo '{"qa": {"checks": [{"name": "x", "url": "ws://127.0.0.1:1/", "method": "POST"}]}}' >"$T/bad2.json"
expect_exit 3 ws_http_field_is_bad_input pr-qa -f "$T/bad2.json"
echo '{"qa": {"checks": [{"name": "x", "url": "ws://127.0.0.1:1/", "protocol": "socketio", "namespace": "chat"}]}}' \
	>"$T/bad3.json"
expect_exit 3 sio_namespace_without_slash_is_bad_input pr-qa -f "$T/bad3.json"
ok_if sio_namespace_without_slash_named 'one_line "$T/err" && grep -q "namespace must start with /" "$T/err"'
