#!/usr/bin/env python3
"""A fault-injecting HTTP reverse proxy for hort's tests. It forwards every
request to a real server (Ceph RGW, rclone) unchanged, but with probability
RATE answers instead with one of: HTTP 500, HTTP 503, a reset connection, a
stalled response (nothing sent for STALL seconds), or a truncated body.
It is fault injection in front of a real server, not a fake server.

usage: fault_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT RATE STALL_SECONDS SEED [RULES_FILE]
Prints 'ready' when listening; counts of injected faults go to stderr.
RULES_FILE (read again for every request, so a test can change it between
commands): lines `METHOD PATH_SUFFIX STATUS`; a request whose method matches
and whose path (without query) ends with PATH_SUFFIX is answered STATUS with
an empty body, every time, instead of being forwarded."""
import http.client, random, socket, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler

port, upstream, rate, stall, seed = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rules_file = sys.argv[6] if len(sys.argv) > 6 else None
up_host, up_port = upstream.split(":")
rnd = random.Random(seed)
lock = threading.Lock()
counts = {}
KINDS = ["500", "503", "reset", "stall", "truncate"]
requests = 0
next_kind = 0

def pick(has_body_answer):
    """Every request fails with probability RATE; the kinds take turns so a
    run with five or more faults sees every kind (truncation needs a body)."""
    global requests, next_kind
    with lock:
        requests += 1
        if rnd.random() >= rate:
            return None
        kind = KINDS[next_kind % len(KINDS)]
        if kind == "truncate" and not has_body_answer:
            return None  # keep its turn for a GET
        next_kind += 1
        counts[kind] = counts.get(kind, 0) + 1
        print("fault", kind, "after", requests, "requests", dict(counts), file=sys.stderr, flush=True)
        return kind

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def ruled(self):
        """The status a rule answers this request with, or None."""
        try:
            lines = open(rules_file).read().splitlines() if rules_file else []
        except OSError:
            return None
        path = self.path.split("?")[0]
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == self.command and path.endswith(parts[1]):
                print("rule", self.command, self.path, parts[2], file=sys.stderr, flush=True)
                return int(parts[2])
        return None

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        status = self.ruled()
        if status is not None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        fault = pick(self.command == "GET")
        if fault in ("500", "503"):
            msg = b"<Error><Code>InjectedFault</Code></Error>"
            self.send_response(int(fault))
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
            return
        if fault == "stall":
            time.sleep(stall)
            self.close_connection = True
            return
        conn = http.client.HTTPConnection(up_host, int(up_port), timeout=120)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault == "truncate" and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = Server(("127.0.0.1", port), Handler)
print("ready", flush=True)
srv.serve_forever()
