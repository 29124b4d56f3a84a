"""Small SQL helpers that behave the same on SQLite and PostgreSQL."""
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING. Returns True when a row was inserted.

    Race-safe "do it once": the unique constraint decides, and no savepoint is needed.
    """
    stmt = insert_for(session)(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return session.execute(stmt).first() is not None


def insert_ignore_returning(session: Session, model: type, values: dict[str, Any]):
    """insert_ignore() that gives the new row as an ORM object, or None when the unique
    constraint kept it out: one statement, and no read afterwards to find what was inserted."""
    stmt = insert_for(session)(model).values(**values).on_conflict_do_nothing().returning(model)
    return session.scalars(stmt).first()


def upsert(session: Session, model: type, values: dict[str, Any], keys: list[str],
           changes: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET changes: a counter row made and updated in
    one statement. `changes` may refer to the row's current values (model.column)."""
    stmt = insert_for(session)(model).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


def insert_for(session: Session):
    """The INSERT construct of the session's database, the one with ON CONFLICT."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def dispose_engines(db) -> None:
    """Close the pooled connections of every engine of the current app, as before a restore
    or when an app is done with."""
    for engine in db.engines.values():
        engine.dispose()
