// ws_bench.js: what the runbook's `node tests/ws/ws_bench.js <url> 50 30`
// does, with npm socket.io-client 4: CLIENTS Socket.IO clients for SECONDS,
// each emitting "message" with an ack and sending the next once the ack
// comes (a closed loop, as pr-bench --load without --rate), then one JSON
// line: messages acked, messages per second and the ack latency's p50/p99.
//
//   NODE_PATH=build/sio/node_modules node bench/ws_bench.js URL [CLIENTS] [SECONDS]
//
// URL is the server's http:// or ws:// base (the client speaks WebSocket only).
'use strict';
const { io } = require('socket.io-client');

const url = (process.argv[2] || '').replace(/^ws/, 'http');
const clients = Number(process.argv[3] || 50);
const seconds = Number(process.argv[4] || 30);
if (!url || !(clients > 0) || !(seconds > 0)) {
	process.stderr.write('usage: node ws_bench.js URL [CLIENTS] [SECONDS]\n');
	process.exit(2);
}

const latencies = [];
let errors = 0, connected = 0, start = 0, done = false;
const sockets = [];

function loop(socket) {
	if (done)
		return;
	const t0 = process.hrtime.bigint();
	socket.timeout(10000).emit('message', { text: 'hi' }, (err) => {
		if (done)
			return;
		if (err)
			errors++;
		else
			latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
		loop(socket);
	});
}

function finish() {
	done = true;
	const elapsed = (Date.now() - start) / 1000;
	latencies.sort((a, b) => a - b);
	const n = latencies.length;
	const q = (p) => n ? latencies[Math.min(n - 1, Math.floor(p * n))] : null;
	process.stdout.write(JSON.stringify({ clients, seconds: elapsed, messages: latencies.length, errors,
		msgs_per_s: latencies.length / elapsed, p50_ms: q(0.5), p99_ms: q(0.99) }) + '\n');
	for (const s of sockets)
		s.close();
	process.exit(0);
}

for (let i = 0; i < clients; i++) {
	const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
	sockets.push(s);
	s.on('connect', () => {
		if (++connected === clients) {
			start = Date.now();
			for (const c of sockets)
				loop(c);
			setTimeout(finish, seconds * 1000);
		}
	});
	s.on('connect_error', () => { errors++; });
}
