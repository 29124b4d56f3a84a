"""A real HTTP server for the app, in a thread, for browser tests and the page-weight benchmark."""
import io
import socket
import threading

from werkzeug.serving import make_server


class ByteCounter:
    """WSGI middleware that counts the requests and bytes (status line, headers and body, as
    sent: compressed) that the server sends for each path, so cache hits cost nothing."""

    def __init__(self, app):
        self.app = app
        self.log: list[tuple[str, int]] = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        sizes = {"head": 0}

        def counting_start(status, headers, exc_info=None):
            sizes["head"] = len(status) + 13 + sum(len(k) + len(v) + 4 for k, v in headers)
            return start_response(status, headers, exc_info)

        body = 0
        for chunk in self.app(environ, counting_start):
            body += len(chunk)
            yield chunk
        self.log.append((path, sizes["head"] + body))

    def take(self) -> list[tuple[str, int]]:
        taken, self.log = self.log, []
        return taken


class SignalSwitch:
    """WSGI middleware standing in for the phone's signal: while off, every request (the page's,
    the service worker's, a queued form's) has its connection cut before any answer, as when a
    village loses mobile coverage, so the browser sees a network error."""

    def __init__(self, app):
        self.app = app
        self.on = True

    def __call__(self, environ, start_response):
        if not self.on:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("no signal")  # the server drops it quietly
        return self.app(environ, start_response)


class HangSwitch:
    """WSGI middleware standing in for a dead connection that the phone still calls online:
    while `on`, each request is accepted, read, and then held without a byte of answer, so the
    browser waits until it gives up. Held requests stay held (even after `on` is turned off)
    until release(); then they go on to the app, as when a slow link delivers a request long
    after the phone stopped waiting, and their answers go nowhere."""

    def __init__(self, app, longest: float = 60.0):
        self.app = app
        self.on = False
        self.longest = longest  # a forgotten release() must not hang the test run for ever
        self.held = 0  # requests held so far
        self.finished = 0  # held requests that went on to the app and were answered
        self._gate = threading.Event()
        self._lock = threading.Condition()

    @classmethod
    def of(cls, app) -> "HangSwitch":
        """The switch in a Flask app's WSGI chain (as LiveServer puts it there)."""
        layer = app.wsgi_app
        while not isinstance(layer, cls):
            layer = layer.app
        return layer

    def release(self) -> None:
        """Let every request held so far go on to the app."""
        with self._lock:
            gate, self._gate = self._gate, threading.Event()
        gate.set()

    def wait_finished(self, timeout: float = 10.0) -> None:
        """Wait until every request held so far has been through the app."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.finished >= self.held, timeout):
                raise TimeoutError(f"{self.held - self.finished} held requests still running")

    def __call__(self, environ, start_response):
        if not self.on:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        # The whole request has arrived before the hang, as on a link that drops only answers.
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length) if length else b"")
        with self._lock:
            self.held += 1
            gate = self._gate
        gate.wait(self.longest)
        try:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self._lock:
                self.finished += 1
                self._lock.notify_all()


class LiveServer:
    """Serve a Flask app on 127.0.0.1 (port 0 picks a free port) until stop()."""

    def __init__(self, app, port: int = 0, count_bytes: bool = False):
        self.counter = ByteCounter(app.wsgi_app) if count_bytes else None
        self.hang = HangSwitch(self.counter or app.wsgi_app)
        self.signal = SignalSwitch(self.hang)
        app.wsgi_app = self.signal
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
