"""Production mode: the serve command, gunicorn config, ProxyFix and database pool settings."""
import gc
import os
import runpy
import sys

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from training import serve
from training.config import engine_options

from ..conftest import ROOT


def load_gunicorn_conf() -> dict:
    """The settings of gunicorn.conf.py, read as gunicorn's master reads them (the file turns
    the garbage collector off for the master: it is turned back on for the tests)."""
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        gc.enable()


def test_gunicorn_argv_uses_repo_config_and_options():
    """The argv runs gunicorn from this Python with our config file, options and the app factory."""
    argv = serve.gunicorn_argv(workers=3, bind="127.0.0.1:5401", threads=2, extra=("--timeout", "5"))
    assert argv[:4] == [sys.executable, "-OO", "-m", "gunicorn"]
    assert argv[4:6] == ["--config", str(ROOT / "gunicorn.conf.py")]
    assert argv[6:] == ["--workers", "3", "--threads", "2", "--bind", "127.0.0.1:5401",
                        "--timeout", "5", "training:create_app()"]


def test_gunicorn_argv_leaves_defaults_to_config_file():
    """Without options only the config file decides (it reads WEB_CONCURRENCY, BIND...)."""
    assert serve.gunicorn_argv() == [sys.executable, "-OO", "-m", "gunicorn", "--config",
                                     str(ROOT / "gunicorn.conf.py"), "training:create_app()"]


def test_serve_command_execs_gunicorn(runner, monkeypatch):
    """`flask serve -w 2 -b ADDR -- --timeout 9` replaces itself with that gunicorn command."""
    calls = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append((path, argv)))
    result = runner.invoke(args=["serve", "-w", "2", "-b", "127.0.0.1:5402", "--", "--timeout", "9"])
    assert result.exit_code == 0, result.output
    path, argv = calls[0]
    assert path == sys.executable
    assert argv == serve.gunicorn_argv(workers=2, bind="127.0.0.1:5402", extra=("--timeout", "9"))
    assert "REDIS_URL is not set" in result.output


def test_serve_rejects_zero_workers(runner, monkeypatch):
    """A worker count below one is refused before gunicorn starts."""
    monkeypatch.setattr(serve.os, "execv", lambda *a: pytest.fail("must not start"))
    result = runner.invoke(args=["serve", "-w", "0"])
    assert result.exit_code != 0 and "workers" in result.output.lower()


def test_gunicorn_config_reads_environment(monkeypatch):
    """gunicorn.conf.py takes workers, threads and address from the environment."""
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("BIND", "127.0.0.1:5403")
    conf = load_gunicorn_conf()
    assert (conf["workers"], conf["threads"], conf["worker_class"], conf["bind"]) == (
        7, 4, "gthread", "127.0.0.1:5403")
    assert conf["preload_app"] is True and callable(conf["post_fork"])


def test_gunicorn_config_defaults_to_sync_workers(monkeypatch):
    """By default: sync workers, one per core + 1, on loopback."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "BIND"):
        monkeypatch.delenv(name, raising=False)
    conf = load_gunicorn_conf()
    assert conf["worker_class"] == "sync" and conf["bind"] == "127.0.0.1:8000"
    assert conf["workers"] == len(os.sched_getaffinity(0)) + 1


def test_default_workers_count_the_cores_this_process_may_use(monkeypatch):
    """In a container or under taskset the process may use fewer cores than the machine has:
    one worker per core it may use, plus one."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert serve.default_workers() == 2


def test_proxy_fix_off_by_default(app, client):
    """Without configuration X-Forwarded-For is not believed."""
    assert not isinstance(app.wsgi_app, ProxyFix)
    seen = _remote(app, client, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == ("127.0.0.1", "http")


def test_proxy_fix_applied_when_configured(make_app):
    """With one trusted proxy the client address and scheme come from its headers."""
    app = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    assert isinstance(app.wsgi_app, ProxyFix)
    seen = _remote(app, app.test_client(),
                   {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == ("203.0.113.9", "https")


def _remote(app, client, headers):
    from flask import request

    seen = []

    @app.route("/_remote")
    def remote():
        seen.append((request.remote_addr, request.scheme))
        return ""

    client.get("/_remote", headers=headers)
    return seen[0]


def test_proxy_fix_from_environment(monkeypatch, make_app):
    """PROXY_FIX_X_FOR etc. are read from the environment as numbers."""
    monkeypatch.setenv("PROXY_FIX_X_FOR", "2")
    app = make_app()
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 2 and app.wsgi_app.x_proto == 0


def test_trusted_proxies_sets_every_header_but_prefix_once(make_app):
    """TRUSTED_PROXIES=2 trusts two proxies for For/Proto/Host/Port; PROXY_FIX_* override one."""
    app = make_app(TRUSTED_PROXIES=2, PROXY_FIX_X_HOST=0)
    fix = app.wsgi_app
    assert isinstance(fix, ProxyFix) and not isinstance(fix.app, ProxyFix)  # applied once
    assert (fix.x_for, fix.x_proto, fix.x_host, fix.x_port, fix.x_prefix) == (2, 2, 0, 2, 0)


def test_bad_number_in_environment_is_a_clear_error(monkeypatch, make_app):
    """A non-numeric setting stops the app with the variable's name."""
    monkeypatch.setenv("DB_POOL_SIZE", "lots")
    with pytest.raises(RuntimeError, match="DB_POOL_SIZE"):
        make_app()


def test_postgresql_pool_options_from_config():
    """PostgreSQL gets pool size, overflow, recycle, timeout and pre-ping from settings."""
    config = {"DB_POOL_SIZE": 3, "DB_MAX_OVERFLOW": 2, "DB_POOL_RECYCLE": 600, "DB_POOL_TIMEOUT": 7,
              "DB_POOL_PRE_PING": 1, "SQLITE_BUSY_TIMEOUT": 15}
    assert engine_options("postgresql+psycopg://x/y", config) == {
        "pool_size": 3, "max_overflow": 2, "pool_recycle": 600, "pool_timeout": 7, "pool_pre_ping": True}
    assert engine_options("sqlite:///x.sqlite3", config) == {"connect_args": {"timeout": 15}}


def test_pool_settings_from_environment_reach_the_engine(monkeypatch, make_app, app_ctx):
    """DB_POOL_* variables end up on the app's SQLAlchemy engine."""
    from training.extensions import db

    monkeypatch.setenv("DB_POOL_SIZE", "2")
    monkeypatch.setenv("DB_POOL_RECYCLE", "99")
    app = make_app()
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    with app.app_context():
        pool = db.engine.pool
        if db.engine.dialect.name == "postgresql":
            assert options["pool_size"] == 2 and options["pool_recycle"] == 99
            assert pool.size() == 2 and pool._recycle == 99 and pool._pre_ping
        else:
            assert options == {"connect_args": {"timeout": 15}}


def test_sqlite_connections_use_wal_and_busy_timeout(app_ctx):
    """Every SQLite connection runs in WAL mode and waits for the write lock."""
    from sqlalchemy import text

    from training.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite only: one run is enough")
def test_every_route_works_as_the_optimized_server_runs_it(tmp_path):
    """`flask serve` runs Python with -OO (no docstrings, no asserts): the access table's walk
    of every route for every role passes under it too, so no page relies on either."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-OO", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-W", "ignore::pytest.PytestConfigWarning", f"--basetemp={tmp_path / 'run'}",
         "tests/security/test_access_table.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
