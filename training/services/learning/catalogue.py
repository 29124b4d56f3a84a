"""What the course catalogue lists: the published courses, filtered by language and level, in
title order, with the signed-in learner's progress in each."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Course, CourseStatus, Enrollment, Level

LANGUAGES = ("zh", "en")
LEVELS = tuple(level.value for level in Level)


@dataclass(frozen=True)
class Listing:
    courses: list[Course]  # in title order (the database's collation, as course lists elsewhere)
    percents: dict[int, int]  # course id -> the learner's percent, for their enrolments


def listing(session: Session, user_id: int | None, language: str = "", level: str = "") -> Listing:
    """The catalogue for a learner (None: a visitor), filtered by language and level when they
    are ones the catalogue knows (anything else is no filter). Two queries."""
    query = select(Course).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.title)
    if language in LANGUAGES:
        query = query.where(Course.language == language)
    if level in LEVELS:
        query = query.where(Course.level == level)
    percents = {}
    if user_id is not None:
        percents = dict(session.execute(
            select(Enrollment.course_id, Enrollment.percent).where(Enrollment.user_id == user_id)).all())
    return Listing(list(session.scalars(query)), percents)
