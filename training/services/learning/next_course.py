"""The course to suggest after one is completed: the next level up in the same language.

Beginner leads to intermediate, intermediate to advanced. Only published courses the learner has
not enrolled in (nor completed) are suggested. When the next level has none, another course of
the same level is suggested; otherwise nothing.
"""
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ...models import Course, CourseStatus, Enrollment, Level

ORDER = [Level.BEGINNER, Level.INTERMEDIATE, Level.ADVANCED]


def next_level(level: str) -> str | None:
    """The level after `level`, or None after the last (or for an unknown level)."""
    try:
        position = ORDER.index(Level(level))
    except ValueError:
        return None
    return ORDER[position + 1] if position + 1 < len(ORDER) else None


def suggest(session: Session, user_id: int, course_id: int, language: str, level: str) -> Course | None:
    """A published course for the learner after finishing course `course_id` (in `language`,
    at `level`), or None. One query: the next level is preferred to the same level, then the
    most recently published, then the title."""
    levels = [lv for lv in (next_level(level), level) if lv]
    taken = exists().where(Enrollment.user_id == user_id, Enrollment.course_id == Course.id)
    candidates = session.scalars(
        select(Course)
        .where(Course.status == CourseStatus.PUBLISHED, Course.language == language,
               Course.level.in_(levels), Course.id != course_id, ~taken)
        .order_by(Course.published_at.desc().nulls_last(), Course.title)
    ).all()
    for wanted in levels:
        for course in candidates:
            if course.level == wanted:
                return course
    return None
