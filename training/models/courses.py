"""Course content: courses, ordered lessons, quizzes, questions, choices and course media."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from itertools import chain
from typing import Any

from sqlalchemy import (
    JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event, select, update,
)
from sqlalchemy import false as sa_false
from sqlalchemy import text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT_TEXT = "short_text"
    ORDERING = "ordering"


COURSE_LANGUAGES = ("zh", "en")


class Course(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="zh", index=True)
    # Language versions of one course share a translation group.
    translation_group: Mapped[str | None] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20), default=Level.BEGINNER)
    status: Mapped[str] = mapped_column(String(20), default=CourseStatus.DRAFT, index=True)
    cover_image: Mapped[str | None] = mapped_column(String(200))
    cover_alt: Mapped[str | None] = mapped_column(String(300))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The centre whose trainers may edit it; None means only admins (the seed catalogue).
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    # Moves on every change to the course or anything in it (lessons, quizzes, questions,
    # choices, media): caches of a course's content compare it to know they are current.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Study hours (学时) the course declares, and optionally what of the national standard for
    # 互联网营销师 it covers: {"type": ..., "level": 5, "units": [...]} (see course_reader).
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    standard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Steps open one after another (later ones locked until earlier ones are done).
    sequential: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Place in the catalogue within its level (lower first), as the course file declares.
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    # Terms a farmer may not know, each with a one-line plain explanation:
    # [{"term": "GPM", "explanation": "..."}, ...], in the order the course lists them.
    glossary: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))

    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="course", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    quizzes: Mapped[list["Quiz"]] = relationship(back_populates="course", cascade="all, delete-orphan")
    media: Mapped[list["CourseMedia"]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    @property
    def final_exam(self) -> "Quiz | None":
        return next((q for q in self.quizzes if q.is_final), None)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Lesson(db.Model):
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    # Sanitized HTML rendered once when the lesson is saved, never per request.
    body_html: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(default=5)
    image: Mapped[str | None] = mapped_column(String(200))
    image_alt: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")
    quiz: Mapped["Quiz | None"] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", single_parent=True
    )

    def __repr__(self) -> str:
        return f"<Lesson {self.key}>"


class Quiz(db.Model):
    """A lesson's quiz, or a course's final exam (lesson_id is None, is_final is true)."""

    __table_args__ = (
        Index(
            "uq_quiz_final_per_course",
            "course_id",
            unique=True,
            sqlite_where=db.text("is_final"),
            postgresql_where=db.text("is_final"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), unique=True
    )
    is_final: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(default=60)
    max_attempts: Mapped[int] = mapped_column(default=0)  # 0 = unlimited
    shuffle: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    course: Mapped[Course] = relationship(back_populates="quizzes")
    lesson: Mapped[Lesson | None] = relationship(back_populates="quiz")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Quiz {self.id} {self.title}>"


class Question(db.Model):
    __table_args__ = (UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str | None] = mapped_column(String(200))
    image_alt: Mapped[str | None] = mapped_column(String(300))
    # true_false: {"answer": bool}; short_text: {"accepted": [str, ...]}; otherwise {}.
    answer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Question {self.key} {self.kind}>"


class Choice(db.Model):
    """A choice of a single or multiple choice question, or a step of an ordering question
    (steps are stored in their correct order)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)
    image: Mapped[str | None] = mapped_column(String(200))
    image_alt: Mapped[str | None] = mapped_column(String(300))

    question: Mapped[Question] = relationship(back_populates="choices")


class Recording(db.Model):
    """A trainer's voice recording of a lesson section or a question (in Mandarin or a local
    dialect), stored compressed as course media."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    # Exactly one of lesson_id and question_id is set.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    # The lesson section (its heading's anchor; "" for the whole lesson).
    section: Mapped[str] = mapped_column(String(100), default="")
    # Shown on the play button, e.g. "普通话" or "四川话".
    label: Mapped[str] = mapped_column(String(40), default="")
    media_id: Mapped[int] = mapped_column(ForeignKey("course_media.id", ondelete="CASCADE"))
    duration_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    media: Mapped["CourseMedia"] = relationship()


class CourseMedia(db.Model):
    """A file a course uses, by its path inside the course (images/x.svg) and its stored name."""

    __table_args__ = (UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(default=0)
    width: Mapped[int | None]
    height: Mapped[int | None]
    # Smaller copies for srcset: [{"name", "width", "height", "content_type"}, ...].
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    course: Mapped[Course] = relationship(back_populates="media")

    @property
    def url_path(self) -> str:
        return f"/media/{self.stored_name}"


# ------------------------------------------------------------------ content_version


def _course_ids(session: Session, objects) -> set[int]:
    """The ids of the existing courses that the given new, changed or deleted objects belong
    to. A new object may know its parent only as an object (its foreign key is set by the flush)."""
    ids: set[int | None] = set()
    quiz_ids: set[int | None] = set()
    question_ids: set[int | None] = set()

    def quiz_course(quiz: "Quiz | None") -> int | None:
        return None if quiz is None else (quiz.course_id or (quiz.course and quiz.course.id))

    for obj in objects:
        if isinstance(obj, Course):
            ids.add(obj.id)
        elif isinstance(obj, (Lesson, Quiz, CourseMedia)):
            ids.add(obj.course_id or (obj.course and obj.course.id))
        elif isinstance(obj, Recording):
            ids.add(obj.course_id)
        elif isinstance(obj, Question):
            if obj.quiz_id is not None:
                quiz_ids.add(obj.quiz_id)
            else:
                ids.add(quiz_course(obj.quiz))
        elif isinstance(obj, Choice):
            if obj.question_id is not None:
                question_ids.add(obj.question_id)
            elif obj.question is not None and obj.question.quiz_id is not None:
                quiz_ids.add(obj.question.quiz_id)
            elif obj.question is not None:
                ids.add(quiz_course(obj.question.quiz))
    question_ids.discard(None)
    if question_ids:
        quiz_ids.update(session.scalars(select(Question.quiz_id).where(Question.id.in_(question_ids))))
    quiz_ids.discard(None)
    if quiz_ids:
        ids.update(session.scalars(select(Quiz.course_id).where(Quiz.id.in_(quiz_ids))))
    ids.discard(None)  # a course created in this flush has no cached copy anywhere yet
    return ids  # type: ignore[return-value]


@event.listens_for(Session, "before_flush")
def _bump_content_version(session: Session, flush_context, instances) -> None:
    """Every flush that touches a course's content moves its content_version, in the same
    transaction: a cached copy can never outlive the change."""
    with session.no_autoflush:
        ids = _course_ids(session, chain(session.new, session.dirty, session.deleted))
    if ids:
        session.execute(
            update(Course).where(Course.id.in_(ids))
            .values(content_version=Course.content_version + 1)
            .execution_options(synchronize_session=False)
        )
