"""The learner's read model: a course's outline and the learner's state in it, in one query.

A course's outline (lessons, quizzes, questions, choices, media, recordings) is kept by each worker as
immutable values, keyed by the course's id and content version. Every change to a course or
anything in it moves that version in the same transaction (training.models.courses), so the
one query that reads the course's version with the learner's state also tells whether the
kept outline is current; a stale or missing one is loaded again.
"""
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cachetools import LRUCache
from sqlalchemy import select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from ...models import Course, CourseMedia, CourseStatus, Question, Quiz, Recording
from . import progress

DEFAULT_SIZE = 64


@dataclass(frozen=True)
class ChoiceOutline:
    id: int
    position: int
    text: str
    is_correct: bool
    image: str | None
    image_alt: str | None


@dataclass(frozen=True)
class QuestionOutline:
    id: int
    key: str
    position: int
    kind: str
    prompt: str
    explanation: str
    image: str | None
    image_alt: str | None
    answer: MappingProxyType
    choices: tuple[ChoiceOutline, ...]


@dataclass(frozen=True)
class QuizOutline:
    id: int
    course_id: int
    lesson_id: int | None
    is_final: bool
    title: str
    pass_mark: int
    max_attempts: int
    shuffle: bool
    questions: tuple[QuestionOutline, ...]


@dataclass(frozen=True)
class LessonOutline:
    id: int
    course_id: int
    key: str
    position: int
    title: str
    body_html: str
    minutes: int
    image: str | None
    image_alt: str | None
    video_url: str | None
    quiz: QuizOutline | None


@dataclass(frozen=True)
class MediaOutline:
    path: str
    stored_name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    variants: tuple[MappingProxyType, ...]

    @property
    def url_path(self) -> str:
        return f"/media/{self.stored_name}"


@dataclass(frozen=True)
class RecordingOutline:
    """A trainer's recording of a lesson (section) or a question, as models.Recording names it."""

    id: int
    lesson_id: int | None
    question_id: int | None
    section: str
    label: str
    duration_ms: int
    media: MediaOutline


@dataclass(frozen=True)
class CourseOutline:
    """What the learner's pages show of a course, as the ORM's Course names it."""

    id: int
    slug: str
    language: str
    title: str
    summary: str
    level: str
    status: str
    cover_image: str | None
    cover_alt: str | None
    centre_id: int | None
    content_version: int
    lessons: tuple[LessonOutline, ...]
    quizzes: tuple[QuizOutline, ...]
    media: tuple[MediaOutline, ...]
    sequential: bool = False  # each step waits for the one before it (progress.CourseState)
    recordings: tuple[RecordingOutline, ...] = ()

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    @property
    def final_exam(self) -> QuizOutline | None:
        return next((quiz for quiz in self.quizzes if quiz.is_final), None)


def _frozen(value: Any) -> Any:
    """JSON values made read-only: mappings as proxies, lists as tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def _quiz_outline(quiz: Quiz) -> QuizOutline:
    return QuizOutline(
        quiz.id, quiz.course_id, quiz.lesson_id, quiz.is_final, quiz.title, quiz.pass_mark,
        quiz.max_attempts, quiz.shuffle,
        tuple(QuestionOutline(
            q.id, q.key, q.position, q.kind, q.prompt, q.explanation, q.image, q.image_alt,
            _frozen(q.answer or {}),
            tuple(ChoiceOutline(c.id, c.position, c.text, c.is_correct, c.image, c.image_alt)
                  for c in q.choices),
        ) for q in quiz.questions),
    )


def _media_outline(m: CourseMedia) -> MediaOutline:
    return MediaOutline(m.path, m.stored_name, m.content_type, m.size, m.width, m.height,
                        _frozen(m.variants or []))


def outline_of(course: Course, recordings: Iterable[Recording] = ()) -> CourseOutline:
    """A loaded course (and its recordings, with their media) as immutable values."""
    quizzes = tuple(_quiz_outline(quiz) for quiz in course.quizzes)
    by_lesson = {quiz.lesson_id: quiz for quiz in quizzes if quiz.lesson_id is not None}
    return CourseOutline(
        course.id, course.slug, course.language, course.title, course.summary, course.level,
        course.status, course.cover_image, course.cover_alt, course.centre_id, course.content_version,
        tuple(LessonOutline(
            lesson.id, lesson.course_id, lesson.key, lesson.position, lesson.title, lesson.body_html,
            lesson.minutes, lesson.image, lesson.image_alt, lesson.video_url, by_lesson.get(lesson.id),
        ) for lesson in course.lessons),
        quizzes,
        tuple(_media_outline(m) for m in course.media),
        bool(course.sequential),
        tuple(RecordingOutline(r.id, r.lesson_id, r.question_id, r.section, r.label, r.duration_ms,
                               _media_outline(r.media)) for r in recordings),
    )


def load_outline(session: Session, course_id: int) -> CourseOutline | None:
    """Read a course and everything in it from the database (six small queries)."""
    course = session.scalar(select(Course).where(Course.id == course_id).options(
        selectinload(Course.lessons),
        selectinload(Course.quizzes).selectinload(Quiz.questions).selectinload(Question.choices),
        selectinload(Course.media),
    ))
    if course is None:
        return None
    recordings = session.scalars(select(Recording).where(Recording.course_id == course_id)
                                 .options(joinedload(Recording.media)).order_by(Recording.id))
    return outline_of(course, recordings)


class OutlineCache:
    """The outlines a worker keeps, by (course id, content version), least recently used
    dropped first. cachetools' caches are not thread-safe: a lock guards this one."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self._outlines: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()
        self.loads = 0  # outlines read from the database (for tests and benchmarks)

    def get(self, session: Session, stamp: tuple[int, int]) -> CourseOutline | None:
        with self._lock:
            outline = self._outlines.get(stamp)
        if outline is not None:
            return outline
        outline = load_outline(session, stamp[0])
        if outline is None or (outline.id, outline.content_version) != stamp:
            return outline  # changed since the stamp was read: used once, not kept
        with self._lock:
            self._outlines[stamp] = outline
            self.loads += 1
        return outline


_STAMP = select(Course.id, Course.content_version)
_STAMP_AND_STATE = union_all(*progress.stamp_and_state_selects())


def course_outline(session: Session, cache: OutlineCache, slug: str) -> CourseOutline | None:
    """The course with this slug as it is now, or None if there is none."""
    stamp = session.execute(_STAMP.where(Course.slug == slug)).first()
    return cache.get(session, tuple(stamp)) if stamp is not None else None


def course_and_state(session: Session, cache: OutlineCache, user_id: int,
                     slug: str) -> tuple[CourseOutline, progress.CourseState] | None:
    """The course with this slug and the learner's state in it (None if there is no such
    course): its version and the state in one query, the outline from the cache."""
    rows = session.execute(_STAMP_AND_STATE, {"user_id": user_id, "slug": slug}).all()
    stamp, state_rows = progress.split_stamp(rows)
    if stamp is None:
        return None
    outline = cache.get(session, stamp)
    if outline is None:
        return None
    return outline, progress.state_from_rows(outline, state_rows)
