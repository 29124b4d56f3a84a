"""Certificates of completion (结业证书) issued by a centre when a learner completes a course.

A certificate keeps a snapshot of what it states (name, course, hours, centre, class, trainer,
final exam score), so later edits to the course or the account never change an issued one.
"""
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .courses import Course
from .users import User


class Certificate(db.Model):
    # One certificate per learner and course: the constraint decides "once".
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public code printed on the certificate and in its QR (16 characters, no 0/O/1/I).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"), index=True)
    learner_name: Mapped[str] = mapped_column(String(60))
    course_title: Mapped[str] = mapped_column(String(200))
    course_language: Mapped[str] = mapped_column(String(5))
    # When the course was completed (naive UTC; shown as a date in China time).
    completed_at: Mapped[datetime]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    # The course's mapping to the national standard when it was issued (see Course.standard).
    standard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id", ondelete="SET NULL"), index=True)
    centre_name: Mapped[str] = mapped_column(String(120), default="")
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_class.id", ondelete="SET NULL"), index=True
    )
    class_name: Mapped[str] = mapped_column(String(120), default="")
    trainer_name: Mapped[str] = mapped_column(String(60), default="")
    final_score: Mapped[int | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Revocation is not deletion: the verify page then says revoked, with the date.
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    course: Mapped[Course | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
