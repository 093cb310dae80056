"""A small HTTP receiver for the end-to-end tests of the integrations: it
listens on 127.0.0.1 (a free port chosen by the kernel, or a given one),
records method, path, headers and body of every request it receives, and
answers `status` (200 unless told otherwise) with a small JSON body.

stop() closes the listening socket (connections are then refused, as for a
receiver that is down) and every open connection (a client's keep-alive
connection must not outlive the outage; a request arriving on one while
stopping is not recorded and gets no answer); start() listens again on the
same port. The
records survive a stop, so a test sees everything that arrived across an
outage. Thread-safe.

Also runnable on its own: `receiver.py [PORT]` prints each request."""
import http.server
import json
import socket
import sys
import threading
import time


class Request:
    """One received request. headers: a dict with lower-case names (the last
    value of a repeated header wins; `raw_headers` keeps every pair)."""

    def __init__(self, method, path, raw_headers, body):
        self.method = method
        self.path = path
        self.raw_headers = raw_headers
        self.headers = {k.lower(): v for k, v in raw_headers}
        self.body = body
        self.time = time.monotonic()

    def json(self):
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"<{self.method} {self.path} {self.body[:200]!r}>"


class Receiver:
    def __init__(self, port=0, status=200):
        self.port = port
        self.status = status
        self.requests = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._conns = set()
        self._down = True

    # -- life cycle --

    def start(self):
        """Listens (again) on self.port; the first start picks a free port
        when it is 0. Returns self."""
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body are separate writes: without TCP_NODELAY each
            # answer waits for the client's delayed ACK (40 ms)
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with rec._lock:
                    rec._conns.add(self.connection)

            def finish(self):
                with rec._lock:
                    rec._conns.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def handle(self):
                try:
                    super().handle()
                except OSError:
                    pass  # the client went away, or stop() cut the connection

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n > 0 else b""
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = self._chunked()
                req = Request(self.command, self.path, list(self.headers.items()), body)
                # Recorded and answered under the lock, so stop() never cuts
                # an answer: what was recorded was answered in full.
                with rec._lock:
                    if rec._down:
                        self.close_connection = True
                        return
                    rec.requests.append(req)
                    status = rec.status
                    answer = json.dumps({"ok": status < 300}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    self.wfile.flush()

            def _chunked(self):
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _any

            def log_message(self, fmt, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

            def server_bind(self):
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                super().server_bind()

        self._server = Server(("127.0.0.1", self.port), Handler)
        with self._lock:
            self._down = False
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops listening: new connections are refused from now on."""
        with self._lock:
            self._down = True
            for c in list(self._conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    @property
    def running(self):
        return self._server is not None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base + path

    # -- what arrived --

    def set_status(self, status):
        with self._lock:
            self.status = status

    def received(self, path=None):
        """A copy of the requests so far, all or those to `path`."""
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait(self, pred, timeout=10.0):
        """Polls pred(self) until it returns something true or timeout
        seconds pass; returns its last value."""
        end = time.monotonic() + timeout
        while True:
            v = pred(self)
            if v or time.monotonic() > end:
                return v
            time.sleep(0.05)


if __name__ == "__main__":
    r = Receiver(int(sys.argv[1]) if len(sys.argv) > 1 else 0).start()
    print(f"listening on {r.base}", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            reqs = r.received()
            for q in reqs[seen:]:
                print(q.method, q.path, dict(q.headers), q.body.decode("utf-8", "replace"),
                      flush=True)
            seen = len(reqs)
    except KeyboardInterrupt:
        r.stop()
