#!/bin/sh
# bench-ws-load.sh: pr-bench --load on ws:// and wss:// metrics against real
# servers: npm socket.io 4 (2,000 clients held, pings answered), Python
# websockets (an open loop through a 1 s stall, random closes) and nginx
# proxying wss://.  Run alone (tests/run.sh's ALONE): 2,000 connections
# and a latency bound.
. "$(dirname "$0")/lib.sh"
. "$FIX/ws.sh"
. "$FIX/nginx.sh"

ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }
lt() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x < y) }'; }

# -- 2,000 Socket.IO clients for 10 s, none lost: the server pings every
# 2 s and drops a client that does not answer within 3 s more.  The soft
# open-file limit starts at 1024: pr-bench raises it itself.
start_sio --ping-interval-ms 2000 --ping-timeout-ms 3000 || exit 0
expect_exit 0 sio_2000_clients_run sh -c 'ulimit -Sn 1024 && exec pr-bench --load -C 2000 -d 10 --load-warmup 3s \
	--rate 500 --protocol socketio --message "{\"text\":\"hi\"}" chat="$1"' sh "$SIO"
cp "$T/out" "$T/sio2000.json"
ok_if sio_2000_clients_without_errors '[ "$(jget "$T/sio2000.json" ".metrics.chat.errors.total")" = 0 ] &&
	[ "$(jget "$T/sio2000.json" ".metrics.chat.load.ok")" -ge 4500 ]'
ok_if sio_2000_clients_held_for_the_run '[ "$(jget "$T/sio2000.json" ".metrics.chat.load.connections_held")" = 2000 ] &&
	[ "$(jget "$T/sio2000.json" ".metrics.chat.load.connections_opened")" = 2000 ]'
ok_if sio_pings_answered_keep_them_up '[ "$(jget "$T/sio2000.json" ".metrics.chat.load.pings_answered")" -ge 4000 ]'
ok_if sio_handshakes_are_their_own_metric \
	'[ "$(jget "$T/sio2000.json" ".metrics.chat_handshake.histogram.n")" = 2000 ] &&
	[ "$(jget "$T/sio2000.json" ".metrics.chat_rps.better")" = higher ]'
check sio_load_document_validates validate bench "$T/sio2000.json"

# -- open loop at 200 messages/s on 10 connections through a 1 s stall:
# the messages due during it wait, and their latency runs from when they
# were due, so p99 shows the stall while p50 stays low.
start_ws_echo --stall-after 2 --stall-ms 1000 || exit 0
expect_exit 0 open_loop_through_a_stall_runs pr-bench --load -C 10 -d 5 --rate 200 chat="$WS/"
cp "$T/out" "$T/stall.json"
p99=$(jget "$T/stall.json" '.metrics.chat.summary.p99')
p50=$(jget "$T/stall.json" '.metrics.chat.summary.p50')
check open_loop_stall_shows_in_p99 ge "$p99" 500
check open_loop_p50_stays_low lt "$p50" 50
ok_if open_loop_sends_every_due_message '[ "$(jget "$T/stall.json" ".metrics.chat.load.ok")" -ge 990 ] &&
	[ "$(jget "$T/stall.json" ".metrics.chat.errors.total")" = 0 ]'

# -- a server that closes connections at random (code 1011): counted
# errors, reconnections, a finished document, within the time asked.
start_ws_echo --close-rate 0.05 || exit 0
closing=$WS
expect_exit 0 random_closes_finish timeout 30 pr-bench --load -C 10 -d 3 chat="$closing/"
cp "$T/out" "$T/closes.json"
ok_if random_closes_are_counted_as_reset '[ "$(jget "$T/closes.json" ".metrics.chat.errors.reset")" -gt 0 ] &&
	[ "$(jget "$T/closes.json" ".metrics.chat.errors.reset")" = "$(jget "$T/closes.json" \
	".metrics.chat.load.close_codes[\"1011\"]")" ]'
ok_if random_closes_reconnect '[ "$(jget "$T/closes.json" ".metrics.chat.load.connections_opened")" -gt 10 ] &&
	[ "$(jget "$T/closes.json" ".metrics.chat.load.ok")" -gt 100 ]'
check random_closes_document_validates validate bench "$T/closes.json"
expect_exit 0 random_closes_second_shard timeout 30 pr-bench --load -C 5 -d 2 chat="$closing/"
cp "$T/out" "$T/closes2.json"
expect_exit 0 merge_takes_ws_shards pr-bench merge "$T/closes.json" "$T/closes2.json"
ok_if merge_adds_close_codes '[ "$(jget "$T/out" ".metrics.chat.load.close_codes[\"1011\"]")" = \
	"$(($(jget "$T/closes.json" ".metrics.chat.load.close_codes[\"1011\"]") + \
	$(jget "$T/closes2.json" ".metrics.chat.load.close_codes[\"1011\"]")))" ]'

start_sio --close-rate 0.05 || exit 0
expect_exit 0 sio_random_disconnects_finish timeout 30 pr-bench --load -C 10 -d 3 --protocol socketio chat="$SIO"
ok_if sio_random_disconnects_are_counted '[ "$(jget "$T/out" ".metrics.chat.errors.reset")" -gt 0 ] &&
	[ "$(jget "$T/out" ".metrics.chat.load.ok")" -gt 50 ]'

# -- a WebSocket server pinging every 0.3 s and dropping a client whose
# pong is late: the pongs keep every connection up.
start_ws_echo --ping-interval 0.3 || exit 0
expect_exit 0 ws_pings_run pr-bench --load -C 10 -d 3 --rate 20 chat="$WS/"
ok_if ws_pings_answered_keep_connections '[ "$(jget "$T/out" ".metrics.chat.load.pings_answered")" -ge 50 ] &&
	[ "$(jget "$T/out" ".metrics.chat.load.connections_held")" = 10 ] &&
	[ "$(jget "$T/out" ".metrics.chat.errors.total")" = 0 ]'

# -- wss:// through nginx, on the engine's TLS transport
start_ws_echo || exit 0
if NGINX_WS_UPSTREAM=127.0.0.1:$WS_PORT start_nginx; then
	wss=$(echo "$NGINX_HTTPS" | sed 's/^https/wss/')/ws/
	expect_exit 0 wss_load_through_nginx pr-bench --load -k -C 4 -d 2 chat="$wss"
	ok_if wss_load_answers '[ "$(jget "$T/out" ".metrics.chat.errors.total")" = 0 ] &&
		[ "$(jget "$T/out" ".metrics.chat.load.ok")" -gt 100 ]'
fi
