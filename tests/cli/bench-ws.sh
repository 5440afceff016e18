#!/bin/sh
# bench-ws.sh: pr-bench's sample mode on ws:// and wss:// metrics, against
# real servers: Python websockets (tests/fixtures/ws_echo.py), npm
# socket.io 4 (tests/fixtures/sio_server.js) and nginx proxying wss://.
# Run alone (tests/run.sh's ALONE): medians are bounded against a 20 ms
# server delay.
. "$(dirname "$0")/lib.sh"
. "$FIX/ws.sh"
. "$FIX/nginx.sh"

# in_range X LO HI: LO <= X <= HI.
in_range() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

start_ws_echo --delay-ms 20 || exit 0
echo_20=$WS
start_ws_echo --json || exit 0
echo_json=$WS
start_ws_echo --reject 403 || exit 0
denied=$WS
start_sio --delay-ms 20 --refuse-chat || exit 0
sio_20=$SIO

# -- WebSocket: the echo's median is the server's 20 ms plus little.
expect_exit 0 ws_sample_runs pr-bench -n 30 -w 2 chat="$echo_20/room"
cp "$T/out" "$T/ws.json"
p50=$(jget "$T/ws.json" '.metrics.chat.summary.p50')
check ws_sample_p50_is_the_servers_20ms in_range "$p50" 20 22.5
ok_if ws_sample_counts_30_messages_on_one_held_connection \
	'[ "$(jget "$T/ws.json" ".metrics.chat.summary.n")" = 30 ] &&
	[ "$(jget "$T/ws.json" ".metrics.chat.ws.connections_opened")" = 1 ] &&
	[ "$(jget "$T/ws.json" ".metrics.chat.ws.connections_held")" = 1 ]'
ok_if ws_sample_times_the_upgrade_as_its_own_phase \
	'[ "$(jget "$T/ws.json" ".metrics.chat.phases.upgrade.n")" = 1 ] &&
	in_range "$(jget "$T/ws.json" ".metrics.chat.phases.handshake.p50")" 0.01 1000 &&
	[ "$(jget "$T/ws.json" ".metrics.chat.measure + \" \" + .metrics.chat.protocol")" = "message websocket" ]'
check ws_sample_document_validates validate bench "$T/ws.json"

# -- Socket.IO: an emit with an ack, timed to the ack.
expect_exit 0 sio_ack_sample_runs pr-bench -n 50 -w 5 --protocol socketio --message '{"text":"hi"}' chat="$sio_20"
cp "$T/out" "$T/sio.json"
p50=$(jget "$T/sio.json" '.metrics.chat.summary.p50')
check sio_ack_p50_is_the_servers_20ms in_range "$p50" 20 22.5
ok_if sio_ack_sample_has_no_errors '[ "$(jget "$T/sio.json" ".metrics.chat.errors.total")" = 0 ] &&
	[ "$(jget "$T/sio.json" ".metrics.chat.protocol")" = socketio ] &&
	in_range "$(jget "$T/sio.json" ".metrics.chat.phases.session.p50")" 0.001 1000'
check sio_document_validates validate bench "$T/sio.json"

# -- a named reply event, from the config, with a JSON message
cat >"$T/pr-tools.json" <<EOF
{"bench": {"samples": 5, "warmup": 1, "metrics": [
  {"id": "chat_event", "url": "$sio_20/", "protocol": "socketio", "event": "chat message",
   "message": {"text": "hello", "room": 1}, "reply": {"event": "reply"}},
  {"id": "chat_json", "url": "$echo_json/", "message": "ping", "reply": {"json": "echo", "equals": "ping"}}]}}
EOF
expect_exit 0 config_socketio_event_and_json_reply pr-bench -f "$T/pr-tools.json"
ok_if config_metrics_answered '[ "$(jget "$T/out" ".metrics.chat_event.summary.n")" = 5 ] &&
	[ "$(jget "$T/out" ".metrics.chat_json.summary.n")" = 5 ]'

# -- failures by class: a refused upgrade is status, a refused namespace too
expect_exit 4 ws_refused_upgrade_is_an_error pr-bench -n 3 -w 0 chat="$denied/"
ok_if ws_refused_upgrade_counts_status '[ "$(jget "$T/out" ".metrics.chat.errors.status")" = 3 ]'
check ws_refused_upgrade_names_the_status grep -q 'status 403' "$T/err"
expect_exit 4 sio_refused_namespace_is_an_error pr-bench -n 2 -w 0 --protocol socketio --namespace /chat chat="$sio_20"
ok_if sio_refused_namespace_counts_status '[ "$(jget "$T/out" ".metrics.chat.errors.status")" = 2 ]'
# a reply that never matches: timeouts, each a new connection
expect_exit 4 ws_reply_never_matching_times_out pr-bench -n 2 -w 0 -t 300ms --reply 'json:n=-1' chat="$echo_json/"
ok_if ws_timeouts_are_counted '[ "$(jget "$T/out" ".metrics.chat.errors.timeout")" = 2 ]'

# -- wss:// through nginx with a self-signed certificate
if NGINX_WS_UPSTREAM=127.0.0.1:$(echo "$echo_20" | sed 's/.*://') start_nginx; then
	wss=$(echo "$NGINX_HTTPS" | sed 's/^https/wss/')/ws/
	expect_exit 0 wss_through_nginx pr-bench -k -n 5 -w 1 chat="$wss"
	ok_if wss_times_tls_and_the_echo 'in_range "$(jget "$T/out" ".metrics.chat.phases.tls.p50")" 0.01 1000 &&
		in_range "$(jget "$T/out" ".metrics.chat.summary.p50")" 20 40'
	expect_exit 4 wss_self_signed_fails_without_k pr-bench -n 1 -w 0 chat="$wss"
	ok_if wss_self_signed_is_a_tls_error '[ "$(jget "$T/out" ".metrics.chat.errors.tls")" = 1 ]'
fi

# -- bad input: one line naming it, exit 2 (flags) or 3 (config)
expect_exit 2 malformed_ws_url_is_usage pr-bench -n 1 chat=ws://
check malformed_ws_url_named_on_one_line one_line "$T/err"
check malformed_ws_url_message grep -q 'chat=ws://: not a URL' "$T/err"
expect_exit 2 socketio_message_not_json_is_usage pr-bench -n 1 --protocol socketio --message '{oops' chat="$sio_20"
check socketio_message_not_json_named grep -q 'chat: the message is not JSON' "$T/err"
check socketio_message_not_json_one_line one_line "$T/err"
expect_exit 2 unknown_protocol_flag_is_usage pr-bench -n 1 --protocol mqtt chat="$echo_20"
check unknown_protocol_flag_one_line one_line "$T/err"
expect_exit 2 ws_flags_without_ws_metric_are_usage pr-bench -n 1 --message hi web=http://127.0.0.1:1/
echo '{"bench": {"metrics": [{"id": "c", "url": "ws://127.0.0.1:1/", "protocol": "mqtt"}]}}' >"$T/bad1.json"
expect_exit 3 unknown_protocol_in_config_is_bad_input pr-bench -f "$T/bad1.json"
ok_if unknown_protocol_in_config_named 'one_line "$T/err" && grep -q "metrics\[0\].protocol" "$T/err"'
echo '{"bench": {"metrics": [{"id": "c", "url": "ws://127.0.0.1:1/", "protocl": "socketio"}]}}' >"$T/bad2.json"
expect_exit 3 unknown_field_in_config_is_bad_input pr-bench -f "$T/bad2.json"
ok_if unknown_field_in_config_named 'one_line "$T/err" && grep -q "protocl" "$T/err"'
echo '{"bench": {"metrics": [{"id": "c", "url": "ws:///x", "protocol": "websocket"}]}}' >"$T/bad3.json"
expect_exit 3 malformed_url_in_config_is_bad_input pr-bench -f "$T/bad3.json"
ok_if malformed_url_in_config_named 'one_line "$T/err" && grep -q "metrics\[0\].url" "$T/err"'
echo '{"bench": {"metrics": [{"id": "c", "url": "http://127.0.0.1:1/", "message": "hi"}]}}' >"$T/bad4.json"
expect_exit 3 message_on_http_metric_is_bad_input pr-bench -f "$T/bad4.json"
expect_exit 2 cold_start_refuses_ws pr-bench --cold-start chat="$echo_20"
expect_exit 2 precision_refuses_ws pr-bench --precision 2% chat="$echo_20"
expect_exit 2 handshake_key_collision_is_usage pr-bench --load -d 1 chat="$echo_20" chat_handshake="$echo_20"
check handshake_key_collision_named grep -q 'chat_handshake' "$T/err"
