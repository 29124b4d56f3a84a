"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING. Returns True when a row was inserted.

    Race-safe "do it once": the unique constraint decides, and no savepoint is needed.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return session.execute(stmt).first() is not None


def dispose_engines(db) -> None:
    """Close the pooled connections of every engine of the current app, as before a restore
    or when an app is done with."""
    for engine in db.engines.values():
        engine.dispose()
