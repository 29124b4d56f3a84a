"""The app factory: configuration, templates and static files, database settings."""
import os

from sqlalchemy import text

from training import create_app
from training.extensions import db


def test_base_template_and_static_files_are_served(client):
    page = client.get("/courses")
    assert page.status_code == 200 and "<!doctype html>" in page.get_data(as_text=True)
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200 and "--green" in css.get_data(as_text=True)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "MEDIA_DIR": str(tmp_path / "m")}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    key_file = tmp_path / "inst" / "secret_key"
    assert first == second and len(first) == 64
    assert (key_file.stat().st_mode & 0o777) == 0o600


def test_configuration_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@db.internal/cunbo")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "shared-media"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.internal/cunbo"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MEDIA_DIR"] == str(tmp_path / "shared-media")
    assert (tmp_path / "shared-media").is_dir()


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'cunbo.sqlite3'}"


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        db.engine.dispose()


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_no_fixed_secret_in_the_code():
    """Is there no literal fallback secret anywhere in the package?"""
    package = os.path.join(os.path.dirname(__file__), "..", "training")
    for root, _dirs, files in os.walk(package):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8") as handle:
                    source = handle.read()
                assert "SECRET_KEY=\"" not in source and "SECRET_KEY = \"" not in source


def test_rate_limits_use_redis_when_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.delenv("REDIS_URL")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_web_workers_leave_the_migration_tool_out(tmp_path, monkeypatch):
    """gunicorn.conf.py sets MIGRATIONS=0 for the web workers, whose app then has no
    Flask-Migrate; the command line (the default) has it for `flask db`."""
    from training import ROOT

    # (Read, not run: the file also turns off the collector of the process that loads it.)
    assert 'raw_env = ["MIGRATIONS=0"]' in (ROOT / "gunicorn.conf.py").read_text()
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "MEDIA_DIR": str(tmp_path / "m"), "SECRET_KEY": "x"}
    assert "migrate" in create_app(dict(config)).extensions
    monkeypatch.setenv("MIGRATIONS", "0")
    assert "migrate" not in create_app(dict(config)).extensions


def test_web_workers_import_upload_and_export_libraries_only_when_used(tmp_path):
    """A web worker's app holds no spreadsheet, QR code, image, Markdown or migration library
    until a request needs one: each costs every worker memory (README, Performance)."""
    import subprocess
    import sys

    heavy = ("alembic", "defusedxml", "markdown_it", "nh3", "openpyxl", "PIL", "segno")
    script = ("import sys; from training import create_app; create_app(); "
              f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    env = {**os.environ, "MIGRATIONS": "0", "SECRET_KEY": "x",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "MEDIA_DIR": str(tmp_path / "m")}
    found = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""
    # On PostgreSQL, SQLite stays out too (its library is 1 MiB in every worker); the engine is
    # made but connects only on a first query, so the server need not be there.
    script = script.replace(repr(heavy), repr((*heavy, "sqlite3")))
    env["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:9/nowhere"
    found = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_an_unknown_timezone_stops_the_app_at_start_up(tmp_path, monkeypatch):
    """Every date shown and counted is in TIMEZONE: a name the server does not know is refused
    when the app starts, with the setting's name in the message, not on a later page."""
    import pytest

    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "MEDIA_DIR": str(tmp_path / "m"), "SECRET_KEY": "x"}
    for bad in ("Asia/Nowhere", "../etc/passwd"):
        monkeypatch.setenv("TIMEZONE", bad)
        with pytest.raises(RuntimeError, match="TIMEZONE must be a time zone name"):
            create_app(dict(config))
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")
    assert create_app(dict(config)).config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Urumqi"
