"""Bulk writing for demo-data: rows buffered per table and written with COPY on PostgreSQL or
executemany on SQLite, with ids assigned by the generator, never as ORM objects one by one."""
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .extensions import db


def _fmt(value: Any, sqlite: bool) -> Any:
    """SQLite stores datetimes as SQLAlchemy writes them; PostgreSQL's COPY takes objects."""
    if not sqlite:
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


class BulkWriter:
    """Buffers rows per table and writes them in bulk on the session's connection."""

    def __init__(self, session: Session):
        self.connection = session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        self.raw = self.connection.connection.driver_connection
        self.buffers: dict[str, tuple[Sequence[str], list[tuple]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, columns: Sequence[str], row: tuple) -> None:
        buffer = self.buffers.setdefault(table, (columns, []))[1]
        buffer.append(row)

    def flush(self, order: Sequence[str]) -> None:
        """Write the buffered rows, parents before children (the order given)."""
        for table in order:
            if table not in self.buffers:
                continue
            columns, rows = self.buffers[table]
            if not rows:
                continue
            self.counts[table] = self.counts.get(table, 0) + len(rows)
            names = ", ".join(f'"{c}"' for c in columns)
            if self.sqlite:
                marks = ", ".join("?" for _ in columns)
                self.raw.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                    [tuple(_fmt(v, True) for v in row) for row in rows],
                )
            else:
                with self.raw.cursor() as cursor:
                    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
            rows.clear()


COLUMNS = {
    "centre": ("id", "name", "province", "city", "county", "created_at"),
    "users": ("id", "username", "mobile", "display_name", "password_hash", "role", "language",
              "centre_id", "gender", "birth_year", "township", "village",
              "must_change_password", "session_version", "active", "certificate_full_name",
              "created_at"),
    "training_class": ("id", "centre_id", "trainer_id", "name", "code", "place", "starts_on",
                       "ends_on", "archived", "created_at"),
    "class_course": ("class_id", "course_id"),
    "class_member": ("id", "class_id", "user_id", "joined_at"),
    "enrollment": ("id", "user_id", "course_id", "enrolled_at", "last_active_at", "items_done",
                   "items_total", "percent", "completed_at"),
    "lesson_completion": ("id", "user_id", "lesson_id", "course_id", "completed_at", "lesson_title"),
    "quiz_result": ("id", "user_id", "quiz_id", "course_id", "attempts", "best_score", "passed",
                    "passed_at", "last_attempt_at"),
    "attempt": ("id", "token", "user_id", "quiz_id", "course_id", "number", "quiz_title",
                "pass_mark", "score", "correct_count", "question_count", "passed",
                "mode", "submitted_at"),
    "attempt_answer": ("id", "attempt_id", "question_id", "position", "snapshot", "response",
                       "response_text", "is_correct"),
    "training_session": ("id", "class_id", "held_on", "place", "topic", "trainer_id",
                         "checkin_code", "opens_at", "closes_at", "late_reason", "allow_join",
                         "screen_code_required", "created_at"),
    "attendance": ("id", "session_id", "user_id", "checked_in_at", "method"),
    # One per completed enrolment, with the facts the live rule (certificates.issue) stores.
    "certificate": ("id", "code", "user_id", "course_id", "learner_name", "course_title",
                    "course_language", "completed_at", "hours", "standard", "centre_id",
                    "centre_name", "class_id", "class_name", "trainer_name", "final_score",
                    "issued_at", "revoked_reason"),
}


# Tables whose ids are assigned here.
ID_TABLES = [name for name, columns in COLUMNS.items() if columns[0] == "id"]


def next_ids(session: Session) -> dict[str, int]:
    tables = db.metadata.tables
    return {name: (session.scalar(select(func.max(tables[name].c.id))) or 0) + 1 for name in ID_TABLES}


def reset_sequences(session: Session) -> None:
    """After writing explicit ids, move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ID_TABLES:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
        ))
