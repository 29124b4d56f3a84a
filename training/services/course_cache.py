"""A per-process cache of course content for the learner's pages.

On a training day thousands of learners open the same lessons, course pages and quizzes, and
their content changes rarely. Each worker process keeps recently used courses fully loaded
(lessons, quizzes, questions, choices, media) as detached objects, and checks on every use,
with one small query, that the course's `content_version` has not moved. Every change to a
course or anything in it moves that number in the same transaction (see
training.models.courses), so a change made by any worker on any machine is seen by every
other on its next request; nothing needs to be told to forget anything.

Cached objects are shared by the requests of a process: the learner's views read them and
record progress by ids, never changing them or attaching them to a session; the authoring
studio loads its own copies to edit.
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..lru import LRU
from ..models import Course, Question, Quiz

DEFAULT_SIZE = 64

_course = Course.__table__
# Built once: a statement built per call costs more than running it.
_STAMP = select(_course.c.id, _course.c.content_version).where(_course.c.slug == bindparam("slug"))


@dataclass(frozen=True)
class Entry:
    course_id: int
    version: int
    course: Course


class CourseCache:
    """The most recently used courses of this process, by slug (least recently used go first)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self._entries: LRU[Entry] = LRU(size)
        self.loads = 0  # how many times a course was read in full (for tests and benchmarks)

    def get(self, session: Session, slug: str, new_session,
            stamp: tuple[int, int] | None = None) -> Course | None:
        """The course with this slug as it is now in the database, or None if there is none.

        `session` answers the version check (the request's own view of the database), unless
        the caller already read the course's (id, content_version) `stamp` in the same
        transaction; `new_session()` opens a short-lived session for a full load."""
        if stamp is None:
            stamp = session.connection().execute(_STAMP, {"slug": slug}).first()
        if stamp is None:
            return None
        stamp = tuple(stamp)
        entry = self._entries.get(slug)
        if entry is not None and (entry.course_id, entry.version) == stamp:
            return entry.course
        course = load_detached(new_session, stamp[0])
        if course is None:
            return None
        self.loads += 1
        self._entries.put(slug, Entry(course.id, course.content_version, course))
        return course


def load_detached(new_session, course_id: int) -> Course | None:
    """A course and everything the learner's pages show of it, loaded in one short-lived
    session and then detached: every relationship the pages follow is filled in, so reading
    them later needs no database."""
    with new_session() as session:
        course = session.scalar(
            select(Course).where(Course.id == course_id).options(
                selectinload(Course.lessons),
                selectinload(Course.quizzes).selectinload(Quiz.questions).selectinload(Question.choices),
                selectinload(Course.media),
            )
        )
        if course is None:
            return None
        # A lesson's quiz, from the quizzes just loaded (the foreign key is on the quiz side).
        by_lesson = {quiz.lesson_id: quiz for quiz in course.quizzes if quiz.lesson_id is not None}
        for lesson in course.lessons:
            set_committed_value(lesson, "quiz", by_lesson.get(lesson.id))
        # Many-to-one links back to objects already loaded: answered from the session's
        # identity map, without a query, and kept once detached.
        for lesson in course.lessons:
            _touch(lesson.course)
        for quiz in course.quizzes:
            _touch(quiz.course, quiz.lesson)
            for question in quiz.questions:
                _touch(question.quiz)
                for choice in question.choices:
                    _touch(choice.question)
        for media in course.media:
            _touch(media.course)
        session.expunge_all()
    return course


def _touch(*_loaded) -> None:
    """Nothing to do: reading the attributes was the point."""
