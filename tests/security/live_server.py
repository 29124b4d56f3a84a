"""A real server process for integrity tests, and a tiny cookie-keeping browser for it."""
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TOKEN_RE = re.compile(r'name="attempt_token" (?:type="hidden" )?value="([^"]+)"')


@contextmanager
def running_server(database_url: str, port: int, workdir: Path):
    """Serve the app as in production (`flask serve`: gunicorn with gunicorn.conf.py), with
    two workers of eight threads, in its own process."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "live-server-test",
           "MEDIA_DIR": str(workdir / "media"), "FLASK_DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("TEST_DATABASE_URL", None)
    log = open(workdir / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "training", "serve", "-w", "2", "--threads", "8",
         "-b", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start:\n" + (workdir / "server.log").read_text())
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies, never follows redirects; returns (status, headers, text)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.requests = 0

    def open(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Accept-Language": "en"})
        self.requests += 1
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read().decode(errors="replace")

    def get(self, path: str):
        return self.open(path)

    def post(self, path: str, data: dict):
        return self.open(path, data)

    def csrf(self, page: str) -> str:
        return CSRF_RE.search(page).group(1)
