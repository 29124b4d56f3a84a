"""What each learner did: enrolments, completed lessons, quiz attempts and best results.

Uniqueness lives in the database (one completion per learner and lesson, one attempt per
token, one attempt number per learner and quiz), so double taps and two open tabs record once.
"""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .courses import Course, Quiz
from .users import User


class Enrollment(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Cached by services.progress whenever the learner's progress or the course changes.
    items_done: Mapped[int] = mapped_column(default=0)
    items_total: Mapped[int] = mapped_column(default=0)
    percent: Mapped[int] = mapped_column(default=0)
    # Recorded once, the first time every lesson is complete and every quiz passed.
    completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()


class LessonCompletion(db.Model):
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_completion_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept as history (lesson_id NULL, title kept) when a trainer later deletes the lesson.
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    lesson_title: Mapped[str] = mapped_column(String(200), default="")
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizResult(db.Model):
    """A learner's standing on one quiz: attempts used and the best score kept."""

    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id"),
        Index("ix_quiz_result_course_user", "course_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept as history (quiz_id NULL) when a trainer later deletes the quiz.
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    attempts: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool] = mapped_column(default=False)
    passed_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]


class Attempt(db.Model):
    """One submitted quiz, graded at submission. Its answers keep a snapshot of what was
    asked and what was correct, so later edits to the quiz never change past results."""

    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        Index("ix_attempt_quiz_submitted", "quiz_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made when the quiz form is shown; the same token submitted twice is recorded once.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Kept as history (quiz_id NULL; title and answers are snapshots) when the quiz is deleted.
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    quiz_title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int]
    score: Mapped[int]  # percent, 0-100
    correct_count: Mapped[int]
    question_count: Mapped[int]
    passed: Mapped[bool]
    # "self" (taken on the learner's own), "classroom" (answered on the phone during a live
    # classroom quiz) or "assisted" (entered by the trainer for a learner who answered aloud).
    mode: Mapped[str] = mapped_column(String(10), default="self")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    quiz: Mapped[Quiz | None] = relationship()
    course: Mapped[Course] = relationship()
    answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt", order_by="AttemptAnswer.position", cascade="all, delete-orphan"
    )


class AttemptAnswer(db.Model):
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    # Kept as history when the question is later deleted.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int]
    # The question as asked: kind, prompt, explanation, choices with their correct flags.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the learner answered, as choice positions, text, bool or an ordering.
    response: Mapped[Any] = mapped_column(JSON)
    # The answer as readable text, for item analysis (most chosen wrong answer).
    response_text: Mapped[str] = mapped_column(String(500), default="")
    is_correct: Mapped[bool]

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
