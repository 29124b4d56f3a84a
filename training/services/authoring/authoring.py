"""The authoring studio's rules: creating and editing courses, lessons and quizzes, versions,
history and history-keeping deletes (checks in course_checks.py, uploads in uploads.py,
.zip exchange in archives.py).

Functions take the SQLAlchemy session and flush; the view commits. Messages are written
for trainers, in plain words.
"""
import re
import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...models import (
    Attempt,
    AttemptAnswer,
    Choice,
    Course,
    CourseChange,
    CourseStatus,
    Enrollment,
    Lesson,
    LessonCompletion,
    Question,
    QuestionKind,
    Quiz,
    QuizResult,
    User,
    utcnow,
)
from . import content
from ..learning import progress
from .course_checks import (CHOICE_KINDS, NotAllowed, QuestionInput, VersionConflict, check_live,
                            course_problems)
from .uploads import Storage, Upload, store_picture


# ---------------------------------------------------------------- change log


def log_change(session: Session, course: Course, user_id: int | None, action: str,
               subject: str = "") -> CourseChange:
    """Record who changed what in a course (shown on the course's history page)."""
    change = CourseChange(course_id=course.id, user_id=user_id, action=action,
                          subject=(subject or "")[:300], created_at=utcnow())
    session.add(change)
    return change


def history(session: Session, course: Course, limit: int = 200) -> list[CourseChange]:
    """The course's latest changes, newest first, with who made them (one query)."""
    return list(session.scalars(
        select(CourseChange).where(CourseChange.course_id == course.id)
        .options(joinedload(CourseChange.user))
        .order_by(CourseChange.created_at.desc(), CourseChange.id.desc()).limit(limit)
    ))


# ---------------------------------------------------------------- names


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens; empty for text without any (e.g. Chinese)."""
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:60].strip("-")


def unique_slug(session: Session, wanted: str) -> str:
    """wanted if free, else wanted-2, wanted-3, ...; a random slug when wanted is empty."""
    base = slugify(wanted) or f"course-{secrets.token_hex(3)}"
    return _unique_key(base, set(session.scalars(select(Course.slug).where(Course.slug.like(f"{base}%")))))


def _unique_key(wanted: str, taken: set[str], fallback: str = "") -> str:
    """wanted as a slug if not taken, else slug-2, slug-3, ... (fallback for a wanted without one)."""
    base = slugify(wanted) or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def record_change(session: Session, course: Course, user_id: int | None, action: str,
                  subject: str = "") -> None:
    """The one way out of every content change: check a published course, then log it.

    Raises BreaksLiveCourse (the caller rolls back) instead of leaving learners a broken course.
    """
    session.flush()
    check_live(session, course)
    log_change(session, course, user_id, action, subject)


# ---------------------------------------------------------------- courses


def create_course(session: Session, user: User, title: str, language: str, level: str,
                  summary: str = "", slug: str = "", *, cover: Upload | None = None,
                  cover_alt: str = "", storage: Storage | None = None) -> Course:
    """A new draft course of the trainer's centre. Raises MediaRefused for a bad cover."""
    course = Course(
        slug=unique_slug(session, slug or title), title=title.strip(), language=language,
        level=level, summary=summary.strip(), status=CourseStatus.DRAFT, author_id=user.id,
        centre_id=user.centre_id, translation_group=None,
    )
    session.add(course)
    session.flush()
    _set_cover(session, course, cover, cover_alt, storage)
    log_change(session, course, user.id, "course.create", course.title)
    return course


@dataclass
class CourseDetails:
    title: str
    summary: str
    language: str
    level: str
    cover_alt: str = ""


def save_course_details(session: Session, course: Course, user_id: int, details: CourseDetails,
                        cover: Upload | None = None, storage: Storage | None = None) -> None:
    """Change a course's title, summary, language, level and cover.

    Raises MediaRefused for a bad cover, BreaksLiveCourse when a published course would break.
    """
    course.title = details.title.strip()
    course.summary = details.summary.strip()
    course.language = details.language
    course.level = details.level
    _set_cover(session, course, cover, details.cover_alt, storage)
    record_change(session, course, user_id, "course.edit", course.title)


def _set_cover(session: Session, course: Course, cover: Upload | None, alt: str,
               storage: Storage | None) -> None:
    if cover is not None:
        course.cover_image = store_picture(session, course, cover, "cover", storage)
    course.cover_alt = (alt or "").strip() or None


def publish(session: Session, course: Course, user_id: int) -> list[str]:
    """Publish a course unless it has problems; returns the problems (nothing changes then)."""
    problems = course_problems(course)
    if problems:
        return problems
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or utcnow()
    log_change(session, course, user_id, "course.publish", course.title)
    session.flush()
    return []


def unpublish(session: Session, course: Course, user_id: int) -> None:
    course.status = CourseStatus.DRAFT
    log_change(session, course, user_id, "course.unpublish", course.title)
    session.flush()


def claim_version(session: Session, model: type, obj: Any, expected: int) -> None:
    """Move obj from version `expected` to the next one, or raise VersionConflict.

    A conditional UPDATE, so of two trainers saving the same version only one wins,
    on PostgreSQL as on SQLite.
    """
    result = session.execute(
        update(model).where(model.id == obj.id, model.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(obj)
        raise VersionConflict()
    set_committed_value(obj, "version", expected + 1)


# ---------------------------------------------------------------- lessons


@dataclass
class LessonInput:
    title: str
    body_md: str
    minutes: int
    video_url: str | None = None


def add_lesson(session: Session, course: Course, user_id: int, data: LessonInput) -> Lesson:
    lesson = Lesson(key=_unique_key(data.title, {l.key for l in course.lessons},
                                    f"lesson-{len(course.lessons) + 1}"),
                    position=len(course.lessons))
    course.lessons.append(lesson)
    _apply_lesson(course, lesson, data)
    record_change(session, course, user_id, "lesson.add", lesson.title)
    progress.refresh_course(session, course.id)
    return lesson


def _apply_lesson(course: Course, lesson: Lesson, data: LessonInput) -> None:
    lesson.title = data.title.strip()
    lesson.body_md = data.body_md
    lesson.minutes = data.minutes
    lesson.video_url = data.video_url or None
    content.render_lesson(course, lesson)


def save_lesson(session: Session, lesson: Lesson, user_id: int, data: LessonInput,
                expected_version: int) -> None:
    """Save a lesson over the version the trainer opened, or raise VersionConflict."""
    claim_version(session, Lesson, lesson, expected_version)
    _apply_lesson(lesson.course, lesson, data)
    record_change(session, lesson.course, user_id, "lesson.edit", lesson.title)


def preview_lesson(course: Course, data: LessonInput) -> SimpleNamespace:
    """An unsaved lesson rendered exactly as learners will see it."""
    return SimpleNamespace(title=data.title, minutes=data.minutes, video_url=data.video_url,
                           body_html=content.render_body(course, data.body_md))


def move(items: list, item: Any, direction: str) -> bool:
    """Swap an item with its neighbour (direction "up" or "down") and renumber positions."""
    # Work on a copy: swapping inside an ORM collection would orphan (delete) an item.
    ordered = list(items)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    return True


def _renumber(items: list) -> None:
    for position, entry in enumerate(items):
        entry.position = position


def move_lesson(session: Session, lesson: Lesson, user_id: int, direction: str) -> bool:
    """Move a lesson up or down in its course; False when it cannot go that way."""
    course = lesson.course
    if not move(course.lessons, lesson, direction):
        return False
    record_change(session, course, user_id, "lesson.move", lesson.title)
    return True


@dataclass
class History:
    """Learner history that a deletion keeps (as records without the deleted item)."""

    completions: int = 0
    attempts: int = 0

    @property
    def any(self) -> bool:
        return bool(self.completions or self.attempts)


def lesson_history(session: Session, lesson: Lesson) -> History:
    completions = session.scalar(
        select(func.count(LessonCompletion.id)).where(LessonCompletion.lesson_id == lesson.id)) or 0
    attempts = quiz_history(session, lesson.quiz).attempts if lesson.quiz else 0
    return History(completions, attempts)


def quiz_history(session: Session, quiz: Quiz) -> History:
    return History(0, session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) or 0)


def delete_lesson(session: Session, lesson: Lesson, user_id: int) -> None:
    """Delete a lesson and its quiz. Completions and attempts stay as history (their link is
    set to NULL by the database; attempts keep their snapshot)."""
    course = lesson.course
    if lesson.quiz is not None:
        course.quizzes.remove(lesson.quiz)
    course.lessons.remove(lesson)
    _renumber(course.lessons)
    record_change(session, course, user_id, "lesson.delete", lesson.title)
    progress.refresh_course(session, course.id)


# ---------------------------------------------------------------- quizzes


@dataclass
class QuizSettings:
    title: str
    pass_mark: int = 60
    max_attempts: int = 0
    shuffle: bool = False


def add_quiz(session: Session, course: Course, user_id: int, title: str,
             lesson: Lesson | None = None) -> Quiz:
    """A lesson's quiz, or the course's final exam when lesson is None."""
    if lesson is not None and lesson.quiz is not None:
        raise NotAllowed([_("This lesson already has a quiz.")])
    if lesson is None and course.final_exam is not None:
        raise NotAllowed([_("This course already has a final exam.")])
    quiz = Quiz(title=title.strip(), is_final=lesson is None, lesson=lesson)
    course.quizzes.append(quiz)
    record_change(session, course, user_id, "quiz.add", quiz.title)
    progress.refresh_course(session, course.id)
    return quiz


def save_quiz_settings(session: Session, quiz: Quiz, user_id: int, data: QuizSettings,
                       expected_version: int) -> None:
    claim_version(session, Quiz, quiz, expected_version)
    quiz.title = data.title.strip()
    quiz.pass_mark = data.pass_mark
    quiz.max_attempts = data.max_attempts
    quiz.shuffle = data.shuffle
    record_change(session, quiz.course, user_id, "quiz.edit", quiz.title)


def delete_quiz(session: Session, quiz: Quiz, user_id: int) -> None:
    """Delete a quiz; its attempts and results stay as history (quiz link set to NULL)."""
    course = quiz.course
    if quiz.lesson is not None:
        quiz.lesson.quiz = None
    course.quizzes.remove(quiz)
    record_change(session, course, user_id, "quiz.delete", quiz.title)
    progress.refresh_course(session, course.id)


def save_question(session: Session, quiz: Quiz, question: Question | None, user_id: int,
                  data: QuestionInput, expected_version: int) -> Question:
    """Create or update a question over the quiz version the trainer opened.

    Choices are replaced: past attempts keep their own snapshot of the question as asked.
    """
    claim_version(session, Quiz, quiz, expected_version)
    if question is None:
        question = Question(kind=data.kind, key=_unique_key(
            "", {q.key for q in quiz.questions}, f"q{len(quiz.questions) + 1}"),
            position=len(quiz.questions))
        quiz.questions.append(question)
        action = "question.add"
    else:
        action = "question.edit"
    question.kind = data.kind
    question.prompt = data.prompt.strip()
    question.explanation = data.explanation.strip()
    question.image = data.image or None
    question.image_alt = data.image_alt.strip() if data.image else None
    question.answer = {
        QuestionKind.TRUE_FALSE: {"answer": data.answer},
        QuestionKind.SHORT_TEXT: {"accepted": [a.strip() for a in data.accepted if a.strip()]},
    }.get(data.kind, {})
    question.choices = [
        Choice(position=i, text=c.text.strip(),
               is_correct=c.correct and data.kind != QuestionKind.ORDERING,
               image=c.image or None, image_alt=c.image_alt.strip() if c.image else None)
        for i, c in enumerate(data.choices if data.kind in CHOICE_KINDS else [])
    ]
    record_change(session, quiz.course, user_id, action, _question_subject(quiz, question))
    return question


def move_question(session: Session, question: Question, user_id: int, direction: str) -> bool:
    """Move a question up or down in its quiz; False when it cannot go that way.

    The quiz version moves on, so an editor opened before the move sees a conflict.
    """
    quiz = question.quiz
    if not move(quiz.questions, question, direction):
        return False
    quiz.version += 1
    record_change(session, quiz.course, user_id, "question.move", question.prompt[:120])
    return True


def _question_subject(quiz: Quiz, question: Question) -> str:
    return f"{quiz.title}: {question.prompt[:120]}"


def question_history(session: Session, question: Question) -> History:
    return History(0, session.scalar(
        select(func.count(AttemptAnswer.id)).where(AttemptAnswer.question_id == question.id)) or 0)


def delete_question(session: Session, question: Question, user_id: int, expected_version: int) -> None:
    """Delete a question; answers given to it keep their snapshot (question link set to NULL)."""
    quiz = question.quiz
    claim_version(session, Quiz, quiz, expected_version)
    subject = _question_subject(quiz, question)
    quiz.questions.remove(question)
    _renumber(quiz.questions)
    record_change(session, quiz.course, user_id, "question.delete", subject)


def result_counts(session: Session, course: Course) -> dict[str, int]:
    """Learners enrolled and quiz results, shown on the course page before risky edits."""
    enrolled = session.scalar(select(func.count(Enrollment.id)).where(Enrollment.course_id == course.id)) or 0
    results = session.scalar(select(func.count(QuizResult.id)).where(QuizResult.course_id == course.id)) or 0
    return {"enrolled": enrolled, "results": results}
