"""The few reads every signed-in page makes, on the driver's cursor.

Each signed-in request reads the user behind its session, and each learner's page reads the
learner's state in a course. Through SQLAlchemy each of these cost more than all the rest of
a page that is already rendered: an ORM session begun and closed, an execution context and a
result object per statement, and for the user, an ORM object (about 90 % of those costs, in
instructions). So these statements are still written with SQLAlchemy Core and compiled by
SQLAlchemy for the database in use, once per process, and then run directly on a DBAPI
cursor, as SQLAlchemy documents for work that needs the driver itself:

- on a connection of the "reads" engine (a second engine on the same database, in autocommit:
  each read is one statement and one consistent snapshot, so on PostgreSQL there is no BEGIN
  and no ROLLBACK round trip), checked out of its pool once per request and returned at the
  end of it;
- with SQLAlchemy's own result processing for each column (SQLite's dates and booleans come
  back as `datetime` and `bool`, as through the ORM).

Only reads go this way, and only these: every write, and every other read, goes through the
ORM session as before. A read made here does not see what the request's ORM session has not
committed yet; the pages that use it read before they write, if they write at all.

With SQLALCHEMY_RECORD_QUERIES on (the tests), the statements run here are recorded for
`recorded()`, as Flask-SQLAlchemy records its own.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy.sql import Select

from .config import READS_BIND
from .extensions import db

@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    fixed: dict  # values of the statement's own literals
    processors: tuple  # a result processor (or None) per column


class Read:
    """A Core SELECT run on a ReadConnection (the request's: `connection()`). Parameters are
    passed by name, as to SQLAlchemy; rows come back as tuples in the order of the selected
    columns."""

    def __init__(self, statement: Select):
        self.statement = statement
        self._compiled: dict = {}  # per dialect name

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        names = {name for name, bind in compiled.binds.items() if bind.required}
        fixed = compiled.construct_params({name: None for name in names})
        for name in names:
            del fixed[name]
        processors = tuple(column.type.result_processor(dialect, None)
                           for column in self.statement.selected_columns)
        positions = tuple(compiled.positiontup) if compiled.positional else None
        return _Compiled(compiled.string, positions, fixed, processors)

    def rows(self, connection: "ReadConnection", **params) -> list[tuple]:
        compiled = self._compiled.get(connection.dialect_name)
        if compiled is None:
            compiled = self._compiled[connection.dialect_name] = self._compile(connection.dialect)
        values = {**compiled.fixed, **params}
        arguments = [values[name] for name in compiled.positions] if compiled.positions is not None else values
        cursor = connection.dbapi.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if connection.recorded is not None:
            connection.recorded.append(compiled.sql)
        if any(compiled.processors):
            rows = [tuple(value if process is None else process(value)
                          for process, value in zip(compiled.processors, row)) for row in rows]
        return rows

    def first(self, connection: "ReadConnection", **params) -> tuple | None:
        rows = self.rows(connection, **params)
        return rows[0] if rows else None


class ReadConnection:
    """A pooled DBAPI connection of the reads engine (or of `engine`), until close()."""

    def __init__(self, engine=None, record: bool = False):
        engine = engine or db.engines.get(READS_BIND) or db.engine
        self.dialect = engine.dialect
        self.dialect_name = engine.dialect.name
        self.dbapi = engine.raw_connection()
        self.recorded: list[str] | None = [] if record else None

    def close(self) -> None:
        self.dbapi.close()  # back to the pool


def connection() -> ReadConnection:
    """The request's reads connection (the app context's), checked out on first use."""
    read_connection = g.get("_reads_connection")
    if read_connection is None:
        read_connection = g._reads_connection = ReadConnection(
            record=bool(current_app.config.get("SQLALCHEMY_RECORD_QUERIES")))
    return read_connection


def recorded() -> Sequence[str]:
    """The statements this app context has run here (with SQLALCHEMY_RECORD_QUERIES on)."""
    read_connection = g.get("_reads_connection")
    return list(read_connection.recorded or ()) if read_connection is not None else []


def _release(exc: BaseException | None = None) -> None:
    read_connection = g.pop("_reads_connection", None)
    if read_connection is not None:
        read_connection.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_release)
