"""Configuration: defaults, then instance/config.py, then the environment, then a test mapping."""
import os
import secrets
from pathlib import Path

from flask import Flask

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}


def _database_url(raw: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _instance_secret_key(instance_path: Path) -> str:
    """Read the generated secret key, creating it on first start (never a fixed default)."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


def load_config(app: Flask, test_config: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'cunbo.sqlite3'}",
        MEDIA_DIR=str(instance / "media"),
        REDIS_URL=None,
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        LANGUAGES=LANGUAGES,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    app.config.from_pyfile("config.py", silent=True)

    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in ("SECRET_KEY", "MEDIA_DIR", "REDIS_URL"):
        if env.get(name):
            app.config[name] = env[name]
    if env.get("TIMEZONE"):
        app.config["BABEL_DEFAULT_TIMEZONE"] = env["TIMEZONE"]

    if test_config:
        app.config.from_mapping(test_config)

    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Writers queue behind the busy timeout set on each connection; no pool pre-ping needed.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)
