"""Extension singletons, created once and bound to an app in create_app()."""
import functools
import sqlite3

from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counters in memory by default, in Redis when REDIS_URL is set (shared by every worker).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Settings that would give limits to routes without a decorator of their own.
_APP_WIDE_LIMITS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def init_limiter(app) -> None:
    """Flask-Limiter, checking limits only where a view declares them.

    Every limit in this app is a decorator on its view (failed logins, class codes), and a
    decorated view checks its own limits when it is called. Flask-Limiter also checks before
    every request, for application-wide and default limits, which this app does not set: that
    check is left out, as it cost every page a tenth of its time. Its bookkeeping after each
    request (counting failed logins, forgetting the request's limits) then runs only for the
    requests that checked a limit. Configuring app-wide limits (RATELIMIT_DEFAULT,
    _APPLICATION, _META) brings all of it back."""
    limiter.init_app(app)
    if any(app.config.get(name) for name in _APP_WIDE_LIMITS):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        hooks[:] = [_when_limited(hook) if _belongs_to_limiter(hook) else hook for hook in hooks]


def _belongs_to_limiter(hook) -> bool:
    owner = getattr(hook, "__self__", None) or (getattr(hook, "args", None) or (None,))[0]
    return owner is limiter


def _when_limited(hook):
    """Run a Flask-Limiter hook only in a request where a decorated view checked its limits:
    Flask-Limiter keeps that request's state on the request context, under this name."""
    @functools.wraps(hook)
    def run(value):
        if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):
            return hook(value)
        return value
    return run


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Enforce foreign keys and use WAL on every SQLite connection (writers wait for the lock
    up to SQLITE_BUSY_TIMEOUT seconds: the `timeout` connect argument set in config.py)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
