"""A real HTTP server for the app, in a thread, for browser tests and the page-weight benchmark."""
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


class LiveServer:
    """Serve a Flask app on 127.0.0.1 (port 0 picks a free port) until stop()."""

    def __init__(self, app, port: int = 0, count_bytes: bool = False):
        self.counter = ByteCounter(app.wsgi_app) if count_bytes else None
        self.signal = SignalSwitch(self.counter or app.wsgi_app)
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
