"""What the course catalogue lists: the published courses, filtered by language and level, in
title order, with the signed-in learner's progress in each.

The catalogue is the first page of most visits, so what it needs to decide whether its page
has changed is read in one statement: each listed course's id, content version and language,
and the learner's percentages. The courses themselves are loaded only when the page has to be
rendered.
"""
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, cast, literal, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from ...models import Course, CourseStatus, Enrollment, Level

LANGUAGES = ("zh", "en")
LEVELS = tuple(level.value for level in Level)

_course, _enrollment = Course.__table__, Enrollment.__table__


@dataclass(frozen=True)
class ListedCourse:
    id: int
    content_version: int
    language: str


@dataclass(frozen=True)
class Listing:
    courses: list[ListedCourse]  # in title order
    percents: dict[int, int]  # course id -> the learner's percent, for their enrolments


def _read(by_language: bool, by_level: bool):
    """Rows of (kind, course id, number, language, title): kind "c" is a listed course (number =
    its content version), "e" one of the learner's enrolments (number = percent), the courses
    first, in title order (the database's collation, as the course lists elsewhere)."""
    courses = select(literal("c").label("kind"), _course.c.id.label("id"),
                     _course.c.content_version.label("number"), _course.c.language.label("language"),
                     _course.c.title.label("title")).where(_course.c.status == CourseStatus.PUBLISHED.value)
    if by_language:
        courses = courses.where(_course.c.language == bindparam("language"))
    if by_level:
        courses = courses.where(_course.c.level == bindparam("level"))
    enrolments = select(literal("e"), _enrollment.c.course_id, _enrollment.c.percent,
                        cast(null(), _course.c.language.type), cast(null(), _course.c.title.type)
                        ).where(_enrollment.c.user_id == bindparam("user_id", type_=Integer))
    return union_all(courses, enrolments).order_by(literal_column("kind"), literal_column("title"))


# One statement per combination of filters.
_READS = {(by_language, by_level): _read(by_language, by_level)
          for by_language in (False, True) for by_level in (False, True)}


def listing(session: Session, user_id: int | None, language: str = "",
            level: str = "") -> Listing:
    """The catalogue for a learner (None: a visitor), filtered by language and level when they
    are ones the catalogue knows (anything else is no filter)."""
    by_language, by_level = language in LANGUAGES, level in LEVELS
    params: dict = {"user_id": user_id or 0}  # no user has id 0
    if by_language:
        params["language"] = language
    if by_level:
        params["level"] = level
    courses, percents = [], {}
    for kind, course_id, number, course_language, _title in session.execute(
            _READS[by_language, by_level], params):
        if kind == "c":
            courses.append(ListedCourse(course_id, number, course_language))
        else:
            percents[course_id] = number
    return Listing(courses, percents)
