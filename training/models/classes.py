"""Training classes (培训班) run by a centre: members, assigned courses, in-person sessions
and attendance for the training ledger (培训台账)."""
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .courses import Course, Quiz
from .users import Centre, User

class_course = Table(
    "class_course",
    db.metadata,
    Column("class_id", ForeignKey("training_class.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
)


class TrainingClass(db.Model):
    __tablename__ = "training_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    # Short code learners type (or scan as a QR code) to join.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    trainer: Mapped[User | None] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary=class_course)


class ClassMember(db.Model):
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship()
    user: Mapped[User] = relationship()


class TrainingSession(db.Model):
    """One in-person meeting of a class."""

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Training hours (学时) the county ledger credits each attendee with; None: not given.
    hours: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    # Random code in the check-in QR shown at the session.
    checkin_code: Mapped[str] = mapped_column(String(32), unique=True)
    # Check-in is accepted from opens_at to closes_at (naive UTC), or until late_until when
    # the trainer opened a late window, with its reason.
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    late_until: Mapped[datetime | None]
    late_reason: Mapped[str] = mapped_column(String(200), default="")
    # Whether someone who is not yet a member may join the class by checking in.
    allow_join: Mapped[bool] = mapped_column(default=False)
    # Whether only the rotating code on the classroom screen checks in (the plain link then
    # stops working, so a forwarded screenshot or link goes stale within a minute).
    screen_code_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship()
    trainer: Mapped[User | None] = relationship()


class SessionPhoto(db.Model):
    """A photo of a session for the ledger (at most six per session), resized, EXIF stripped."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    # File name under MEDIA_DIR; the bytes are re-encoded on upload.
    file_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[TrainingSession] = relationship()


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "qr" (scanned on the learner's phone), "roll" (ticked by the trainer at roll call) or
    # "assisted" (recorded by the trainer for a learner without a phone).
    method: Mapped[str] = mapped_column(String(10), default="qr")
    # The staff member who ticked it, for "roll" and "assisted".
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[TrainingSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ClassroomQuiz(db.Model):
    """A quiz run live during a session: one question at a time on the classroom screen,
    answered on learners' phones or, for learners without one, entered by the trainer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))
    # Random code in the QR on the classroom screen.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Index of the question on screen, and "open" (taking answers), "shown" (counts on
    # screen) or "ended" (attempts recorded).
    position: Mapped[int] = mapped_column(default=0)
    phase: Mapped[str] = mapped_column(String(10), default="open")
    # Bumped on every change of question or phase: phones poll with it as their ETag.
    version: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    session: Mapped[TrainingSession] = relationship()
    quiz: Mapped[Quiz | None] = relationship()


class ClassroomAnswer(db.Model):
    """One learner's answer to one question of a classroom quiz (the first one counts)."""

    __table_args__ = (UniqueConstraint("classroom_id", "user_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    classroom_id: Mapped[int] = mapped_column(ForeignKey("classroom_quiz.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="SET NULL"))
    # As in AttemptAnswer.response: choice positions, text, bool or an ordering.
    response: Mapped[Any] = mapped_column(JSON)
    is_correct: Mapped[bool]
    # Entered by the trainer for a learner who answered aloud.
    assisted: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
