"""Extension singletons, created once and bound to an app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .localtime import sqlite_local_date

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
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counters in memory by default, in Redis when REDIS_URL is set (shared by every worker).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_migrations(app, directory: str) -> None:
    """Flask-Migrate (Alembic) for the `flask db` commands. Web workers leave it out
    (MIGRATIONS=0, set by gunicorn.conf.py): they never migrate, and it costs each 9 MiB."""
    from flask_migrate import Migrate

    Migrate(app, db, directory=directory, render_as_batch=True, compare_type=True)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Enforce foreign keys and use WAL on every SQLite connection (writers wait for the lock
    up to SQLITE_BUSY_TIMEOUT seconds: the `timeout` connect argument set in config.py), and
    give it the local_date() function reports count days with."""
    # The class's module, not isinstance(): importing sqlite3 here would load SQLite's library
    # (1 MiB) into every web worker on PostgreSQL.
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.create_function("local_date", 2, sqlite_local_date, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
