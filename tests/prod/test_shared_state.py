"""Stateless workers: rate-limit counters live in Redis and are shared by every process."""
import os
import secrets
import subprocess
import sys
import textwrap

import pytest
import redis

from ..conftest import ROOT

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")

# The same tiny app in this process and in a second one, as in two gunicorn workers.
APP_SCRIPT = textwrap.dedent("""
    from pathlib import Path
    from training import create_app
    from training.extensions import limiter
    from tests.conftest import test_config

    def build(tmp, prefix, redis_url, database_url):
        app = create_app(test_config(Path(tmp), REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix,
                                     SQLALCHEMY_DATABASE_URI=database_url))

        @app.route("/_limited")
        @limiter.limit("3 per minute")
        def limited():
            return "ok"

        return app
""")


def _redis_or_skip():
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL}")
    return client


def test_rate_limit_storage_follows_redis_url(make_app):
    """With REDIS_URL set, the limiter stores its counters in that Redis."""
    assert make_app(REDIS_URL=REDIS_TEST_URL).config["RATELIMIT_STORAGE_URI"] == REDIS_TEST_URL
    assert make_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_rate_limits_are_shared_between_two_processes(tmp_path):
    """Two app processes on one Redis share one budget: 2 requests in one and the 3rd in the
    other are allowed, the 4th is refused in either."""
    client = _redis_or_skip()
    prefix = "cunbo-test-" + secrets.token_hex(6)
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    namespace: dict = {}
    exec(APP_SCRIPT, namespace)
    try:
        app = namespace["build"](tmp_path / "one", prefix, REDIS_TEST_URL, database_url)
        local = app.test_client()
        assert [local.get("/_limited").status_code for _ in range(2)] == [200, 200]

        other = APP_SCRIPT + textwrap.dedent(f"""
            app = build({str(tmp_path / 'two')!r}, {prefix!r}, {REDIS_TEST_URL!r}, {database_url!r})
            client = app.test_client()
            print(client.get("/_limited").status_code, client.get("/_limited").status_code)
        """)
        done = subprocess.run([sys.executable, "-c", other], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["200", "429"]
        assert local.get("/_limited").status_code == 429
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
