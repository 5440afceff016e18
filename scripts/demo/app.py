#!/usr/bin/python3
"""app.py: the demo's product, a small web app whose speed depends on one
setting in its config file, so that a real change makes it faster.

  app.py --config app.json --port-file FILE

app.json: {"cache": false}.  Without the cache every page waits on a
simulated database query; with it, pages come from memory.  The app reads
the file at start, so a deploy is a restart.

Routes: GET / (home page), GET /health, POST /api/login (JSON user and
password; sets a session cookie), GET /api/tasks (needs the session),
GET /api/leaderboard.
"""
import argparse
import json
import os
import random
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

QUERY_MS = 30       # a page's database work without the cache
CACHED_MS = 3       # the same page from memory
HEALTH_MS = 1


class App:
    def __init__(self, cache):
        self.cache = cache
        self.sessions = set()
        self.rng = random.Random(42)

    def work(self, base_ms):
        # Some jitter, as a real server has.
        ms = (CACHED_MS if self.cache else base_ms) * self.rng.uniform(0.9, 1.2)
        time.sleep(ms / 1000.0)


def make_handler(app):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body, ctype="application/json", headers=None):
            data = (json.dumps(body) if ctype == "application/json" else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def session(self):
            for part in (self.headers.get("Cookie") or "").split(";"):
                k, _, v = part.strip().partition("=")
                if k == "sid" and v in app.sessions:
                    return v
            return None

        def do_GET(self):
            if self.path == "/health":
                time.sleep(HEALTH_MS / 1000.0)
                self.reply(200, {"status": "ok", "cache": app.cache})
            elif self.path == "/":
                app.work(QUERY_MS)
                self.reply(200, "<!doctype html><title>Demo</title><h1>Tasks</h1>\n", "text/html")
            elif self.path == "/api/tasks":
                if not self.session():
                    self.reply(401, {"error": "login required"})
                    return
                app.work(QUERY_MS)
                self.reply(200, {"tasks": [{"id": 1, "title": "ship it", "done": False}]})
            elif self.path == "/api/leaderboard":
                app.work(QUERY_MS)
                self.reply(200, {"leaders": [{"user": "ada", "points": 42}]})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(n) or b"{}")
            except ValueError:
                self.reply(400, {"error": "invalid JSON"})
                return
            if self.path != "/api/login":
                self.reply(404, {"error": "not found"})
            elif body.get("user") == "demo" and body.get("password") == os.environ.get("DEMO_PASSWORD"):
                sid = secrets.token_hex(16)
                app.sessions.add(sid)
                self.reply(200, {"user": "demo"}, headers={"Set-Cookie": f"sid={sid}; HttpOnly; Path=/"})
            else:
                self.reply(401, {"error": "bad credentials"})

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    with open(args.config) as f:
        cache = bool(json.load(f).get("cache"))
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(App(cache)))
    srv.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
