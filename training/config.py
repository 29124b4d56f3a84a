"""Configuration: defaults, then instance/config.py, then the environment, then a test mapping."""
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


# Integer settings read from the environment (and instance config): name -> default.
INT_SETTINGS = {
    # Number of trusted proxies setting each X-Forwarded-* header (werkzeug ProxyFix); 0 = ignore.
    # Unset: TRUSTED_PROXIES for For/Proto/Host/Port, 0 for Prefix (training.apply_proxy_fix).
    "PROXY_FIX_X_FOR": None,
    "PROXY_FIX_X_PROTO": None,
    "PROXY_FIX_X_HOST": None,
    "PROXY_FIX_X_PORT": None,
    "PROXY_FIX_X_PREFIX": None,
    # PostgreSQL connection pool of each worker process.
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 5,
    "DB_POOL_RECYCLE": 1800,
    "DB_POOL_TIMEOUT": 10,
    "DB_POOL_PRE_PING": 1,
    # SQLite: how long a writer waits for the write lock, in seconds.
    "SQLITE_BUSY_TIMEOUT": 15,
    # Set up Flask-Migrate for the `flask db` commands (gunicorn.conf.py sets 0 for web workers).
    "MIGRATIONS": 1,
    # Course outlines each worker keeps for the learner's pages (services/learner_read.py).
    "COURSE_CACHE_SIZE": 64,
}


def _env_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from None


def _zone(name: str) -> str:
    """A time zone the server knows (every date shown and counted is in it), else a clear
    error at start-up rather than a failing page later."""
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise RuntimeError(f"TIMEZONE must be a time zone name such as Asia/Shanghai, not {name!r}") from None
    return name


def engine_options(uri: str, config) -> dict:
    """SQLAlchemy engine options sized for gunicorn workers (PostgreSQL) or for SQLite.

    PostgreSQL: each worker process keeps a pool of DB_POOL_SIZE connections (plus
    DB_MAX_OVERFLOW under bursts), checks a connection before use (pre-ping, so a restarted
    server or a dropped idle connection costs a reconnect, not an error page) and replaces
    connections older than DB_POOL_RECYCLE seconds. SQLite: a writer waits up to
    SQLITE_BUSY_TIMEOUT seconds for the lock; WAL lets readers go on meanwhile.
    """
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT"]}}
    return {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_recycle": config["DB_POOL_RECYCLE"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
        "pool_pre_ping": bool(config["DB_POOL_PRE_PING"]),
    }


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
        **INT_SETTINGS,
        # Seconds the admin overview's pre-aggregated daily figures may be old.
        REPORTS_STATS_MAX_AGE=60,
        # A font with Chinese glyphs for the certificate image (PNG); None: look for Noto CJK or
        # WenQuanYi in the usual Debian places (training/services/learning/certificate_image.py).
        FONT_PATH=None,
        # Security (training/security.py, docs/security.md).
        SESSION_IDLE_MINUTES=120,
        REMEMBER_DAYS=30,
        SESSION_COOKIE_SECURE_MODE="auto",
        TRUSTED_PROXIES=0,
        # Failed logins (training/auth/throttle.py): per account and client, per account from
        # devices that never signed in to it, and per address from such devices.
        LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes",
        LOGIN_LIMIT_PER_ACCOUNT_NEW_DEVICES="50 per hour",
        LOGIN_LIMIT_PER_IP="300 per 15 minutes",
        # Wrong PINs (6 digits) are throttled harder than passwords.
        PIN_LIMIT_PER_ACCOUNT="5 per 15 minutes",
        PIN_LIMIT_PER_ACCOUNT_NEW_DEVICES="10 per hour",
        # Password resets by SMS code, per address and per mobile number.
        RESET_LIMIT_PER_IP="100 per hour",
        RESET_LIMIT_PER_NUMBER="5 per hour",
        # Checks of certificate codes from one address (the public page behind the QR).
        CERTIFICATE_VERIFY_LIMIT="60 per minute",
        LOGIN_DEVICE_DAYS=365,
        # Sign-up form posts per address (a training room signs up together) and per login name.
        REGISTER_LIMIT_PER_IP="200 per hour",
        REGISTER_LIMIT_PER_LOGIN="10 per hour",
        # Text messages (training/sms.py): console, none or package.module:Class; unset: console
        # when testing or debugging, else none.
        SMS_BACKEND=None,
        RATELIMIT_HEADERS_ENABLED=False,
        # Authoring studio limits (bytes / entries): uploaded pictures, uploaded videos, and
        # course .zip imports (files in the archive and their total size once unpacked).
        AUTHOR_MAX_IMAGE_BYTES=10 * 1024 * 1024,
        AUTHOR_MAX_VIDEO_BYTES=50 * 1024 * 1024,
        AUTHOR_IMPORT_MAX_ENTRIES=500,
        AUTHOR_IMPORT_MAX_BYTES=200 * 1024 * 1024,
        # Background exports (training/services/jobs.py, docs/ledger.md): where files go, how
        # long they are kept, the queue ("auto": RQ on REDIS_URL, else a thread; "rq";
        # "thread"), and the largest ledger XLSX written within the request.
        EXPORT_DIR=str(instance / "exports"),
        EXPORT_KEEP_HOURS=24,
        EXPORT_QUEUE="auto",
        LEDGER_XLSX_ROWS_IN_REQUEST=20000,
        # A streamed CSV past this many rows (about 8 s here) is written in the background too,
        # so no download outlasts a worker's or proxy's 30 s timeout.
        LEDGER_CSV_ROWS_IN_REQUEST=200000,
        # Seconds a worker keeps a ledger's totals: every centre's for this long, a centre's
        # while no attendance or correction changes them (a changed profile field shows
        # within this time).
        LEDGER_CACHE_SECONDS=300,
    )
    app.config.from_pyfile("config.py", silent=True)

    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in ("SECRET_KEY", "MEDIA_DIR", "REDIS_URL", "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_IP",
                 "LOGIN_LIMIT_PER_ACCOUNT_NEW_DEVICES", "PASSWORD_HASH_METHOD", "REGISTER_LIMIT_PER_IP",
                 "REGISTER_LIMIT_PER_LOGIN", "SMS_BACKEND", "EXPORT_DIR", "EXPORT_QUEUE",
                 "PIN_LIMIT_PER_ACCOUNT", "PIN_LIMIT_PER_ACCOUNT_NEW_DEVICES", "CERTIFICATE_VERIFY_LIMIT",
                 "RESET_LIMIT_PER_IP", "RESET_LIMIT_PER_NUMBER"):
        if env.get(name):
            app.config[name] = env[name]
    for name in (*INT_SETTINGS, "SESSION_IDLE_MINUTES", "REMEMBER_DAYS", "TRUSTED_PROXIES", "LOGIN_DEVICE_DAYS",
                 "AUTHOR_MAX_IMAGE_BYTES", "AUTHOR_MAX_VIDEO_BYTES", "AUTHOR_IMPORT_MAX_ENTRIES",
                 "AUTHOR_IMPORT_MAX_BYTES", "MAX_CONTENT_LENGTH", "EXPORT_KEEP_HOURS",
                 "LEDGER_XLSX_ROWS_IN_REQUEST", "LEDGER_CSV_ROWS_IN_REQUEST", "LEDGER_CACHE_SECONDS"):
        if env.get(name):
            app.config[name] = _env_int(name, env[name])
    if env.get("TIMEZONE"):
        app.config["BABEL_DEFAULT_TIMEZONE"] = _zone(env["TIMEZONE"])
    if env.get("FONT_PATH"):
        app.config["FONT_PATH"] = env["FONT_PATH"]
    if env.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE_MODE"] = env["SESSION_COOKIE_SECURE"]

    if test_config:
        app.config.from_mapping(test_config)

    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"], app.config))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    method = app.config.get("PASSWORD_HASH_METHOD", "argon2id")
    if method != "argon2id" and method.split(":")[0] not in ("scrypt", "pbkdf2"):
        raise RuntimeError(f"PASSWORD_HASH_METHOD must be argon2id, scrypt or pbkdf2:..., not {method!r}")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)
