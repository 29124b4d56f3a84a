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
  and no ROLLBACK round trip), which each worker thread keeps from request to request;
- with SQLAlchemy's own result processing for each column (SQLite's dates and booleans come
  back as `datetime` and `bool`, as through the ORM).

Only reads go this way, and only these: every write, and every other read, goes through the
ORM session as before. A read made here does not see what the request's ORM session has not
committed yet; the pages that use it read before they write, if they write at all.

With SQLALCHEMY_RECORD_QUERIES on (the tests), the statements run here are recorded for
`recorded()`, as Flask-SQLAlchemy records its own.
"""
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
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
    processors: tuple[tuple[int, Callable], ...]  # (column index, result processor) where there is one


class Read:
    """A Core SELECT run on a ReadConnection (the request's: `connection()`). Parameters are
    passed by name, as to SQLAlchemy; rows come back as tuples in the order of the selected
    columns.

    Keep each statement under 4 KB of SQL: psycopg remembers how it converted a statement's
    placeholders only for statements up to that size (MAX_CACHED_STATEMENT_LENGTH), and
    converts longer ones again on every execution (a test checks every Read)."""

    every: "weakref.WeakSet[Read]" = weakref.WeakSet()

    def __init__(self, statement: Select):
        self.statement = statement
        self._compiled: dict = {}  # per dialect name
        Read.every.add(self)

    def _compile(self, dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        names = {name for name, bind in compiled.binds.items() if bind.required}
        fixed = compiled.construct_params({name: None for name in names})
        for name in names:
            del fixed[name]
        # The dialect's own type does the work (SQLite's DATETIME parses its text, say).
        processors = tuple((index, process) for index, column in enumerate(self.statement.selected_columns)
                           if (process := column.type.dialect_impl(dialect).result_processor(dialect, None)))
        positions = tuple(compiled.positiontup) if compiled.positional else None
        return _Compiled(compiled.string, positions, fixed, processors)

    def rows(self, connection: "ReadConnection", **params) -> list[tuple]:
        compiled = self._compiled.get(connection.dialect_name)
        if compiled is None:
            compiled = self._compiled[connection.dialect_name] = self._compile(connection.dialect)
        values = {**compiled.fixed, **params}
        arguments = [values[name] for name in compiled.positions] if compiled.positions is not None else values
        rows = connection.execute(compiled.sql, arguments)
        if connection.recorded is not None:
            connection.recorded.append(compiled.sql)
        if compiled.processors:
            rows = [_processed(row, compiled.processors) for row in rows]
        return rows

    def first(self, connection: "ReadConnection", **params) -> tuple | None:
        rows = self.rows(connection, **params)
        return rows[0] if rows else None


def _processed(row: tuple, processors) -> tuple:
    """A row with its non-NULL values of the columns that have a processor converted."""
    values = None
    for index, process in processors:
        value = row[index]
        if value is not None:
            if values is None:
                values = list(row)
            values[index] = process(value)
    return row if values is None else tuple(values)


class ReadConnection:
    """A DBAPI connection of the reads engine (or of `engine`), out of its pool until close(),
    with one cursor kept for all its reads (a new psycopg cursor per read costs about a fifth
    of the read). A statement that fails because the connection was lost (a database restart,
    a dropped idle connection) is run once more on a new connection: reads change nothing."""

    def __init__(self, engine=None):
        self.engine = engine or db.engines.get(READS_BIND) or db.engine
        self.dialect = self.engine.dialect
        self.dialect_name = self.dialect.name
        self.dbapi = self.engine.raw_connection()
        self.cursor = None
        self.opened = time.monotonic()
        self.recorded: list[str] | None = None  # where statements are recorded, if anywhere

    def execute(self, sql: str, arguments) -> list:
        try:
            return self._run(sql, arguments)
        except self.dialect.loaded_dbapi.Error as exc:
            if not self.dialect.is_disconnect(exc, self.dbapi.dbapi_connection, None):
                raise
        self.reconnect()
        return self._run(sql, arguments)

    def _run(self, sql: str, arguments) -> list:
        if self.cursor is None:
            self.cursor = self.dbapi.cursor()
        try:
            self.cursor.execute(sql, arguments)
            return self.cursor.fetchall()
        except BaseException:
            self._drop_cursor()  # a failed cursor is not used again
            raise

    def _drop_cursor(self) -> None:
        if self.cursor is not None:
            _close_quietly(self.cursor)
            self.cursor = None

    def reconnect(self) -> None:
        self._drop_cursor()
        self.dbapi.invalidate()
        self.dbapi = self.engine.raw_connection()
        self.opened = time.monotonic()

    def close(self) -> None:
        self._drop_cursor()
        self.dbapi.close()  # back to the pool


def _close_quietly(cursor) -> None:
    try:
        cursor.close()
    except Exception:  # a cursor of a lost connection may refuse to close: nothing to keep
        pass


class _Held:
    """One ReadConnection per thread of a worker, kept from request to request: taking a
    connection out of the pool and putting it back (and on PostgreSQL, checking it first with
    a round trip) cost each page more than its reads. gunicorn's threads live as long as
    their worker; a server that starts a thread per request (the development server) leaves
    connections behind, which go back to the pool once their thread has ended. At most as
    many connections are kept as the pool keeps; beyond that, a request borrows one until it
    ends. A connection older than DB_POOL_RECYCLE seconds is replaced, as the pool would."""

    def __init__(self, recycle: int, limit: int):
        self.recycle = recycle
        self.limit = limit
        self.local = threading.local()
        self.connections: dict[threading.Thread, ReadConnection] = {}
        self.lock = threading.Lock()

    def kept(self) -> ReadConnection | None:
        """This thread's connection, if it keeps one that is not due for recycling."""
        held = getattr(self.local, "connection", None)
        if held is not None and (self.recycle < 0 or time.monotonic() - held.opened < self.recycle):
            return held
        return None

    def keep(self) -> ReadConnection | None:
        """A new connection for this thread to keep, or None when as many are kept already."""
        thread = threading.current_thread()
        stale = []
        with self.lock:
            for owner in list(self.connections):
                if owner is thread or not owner.is_alive():
                    stale.append(self.connections.pop(owner))
            full = len(self.connections) >= self.limit
        for held in stale:
            held.close()
        self.local.connection = None
        if full:
            return None
        held = ReadConnection()
        with self.lock:
            self.connections[thread] = held
        self.local.connection = held
        return held

    def close_all(self) -> None:
        with self.lock:
            connections, self.connections = list(self.connections.values()), {}
        self.local = threading.local()
        for held in connections:
            held.close()

    def abandon_all(self) -> None:
        """In a forked child: the parent's connections are not ours to use or to close."""
        with self.lock:
            _INHERITED.extend(self.connections.values())
            self.connections = {}
        self.local = threading.local()


# Holders of every app in this process, and connections a forked child inherited: kept
# referenced, so that garbage collection never closes a connection its parent still uses.
_HOLDERS: "weakref.WeakSet[_Held]" = weakref.WeakSet()
_INHERITED: list[ReadConnection] = []


def _after_fork_in_child() -> None:
    for holder in list(_HOLDERS):
        holder.abandon_all()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _holder(app: Flask) -> _Held:
    holder = app.extensions.get("reads_connections")
    if holder is None:
        engine = db.engines.get(READS_BIND) or db.engine
        size = getattr(engine.pool, "size", None)
        holder = app.extensions["reads_connections"] = _Held(
            int(app.config.get("DB_POOL_RECYCLE") or -1), size() if size else 1)
        _HOLDERS.add(holder)
    return holder


def connection() -> ReadConnection:
    """This thread's reads connection for the current app (or one borrowed until the end of
    the app context, when the threads keep as many as the pool holds)."""
    app = current_app._get_current_object()
    holder = _holder(app)
    held = holder.kept() or holder.keep()
    if held is None:
        held = g.get("_reads_borrowed")
        if held is None:
            held = g._reads_borrowed = ReadConnection()
    if app.config.get("SQLALCHEMY_RECORD_QUERIES"):
        if "_reads_recorded" not in g:
            g._reads_recorded = []
        held.recorded = g._reads_recorded
    else:
        held.recorded = None
    return held


def recorded() -> Sequence[str]:
    """The statements this app context has run here (with SQLALCHEMY_RECORD_QUERIES on)."""
    return list(g.get("_reads_recorded", ()))


def _return_borrowed(exc: BaseException | None = None) -> None:
    borrowed = g.pop("_reads_borrowed", None)
    if borrowed is not None:
        borrowed.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_return_borrowed)


def close_held() -> None:
    """Put the current app's held connections back in the pool (before its engines are
    disposed: a restore, the end of a test)."""
    holder = current_app.extensions.get("reads_connections")
    if holder is not None:
        holder.close_all()
