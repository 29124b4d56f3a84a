"""What the course catalogue lists: the published courses in one language (the interface's by
default) and level, in catalogue order, with their cover pictures and the signed-in learner's
progress in each.

Catalogue order (also used by reports, through `ORDER`): level (beginner, intermediate,
advanced), then the position the course files declare (`position = 1`), then the title.
"""
from dataclasses import dataclass

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session

from ...models import Course, CourseMedia, CourseStatus, Enrollment, Level

LANGUAGES = ("zh", "en")
ALL = "all"
LEVELS = tuple(level.value for level in Level)
# Beginner first: the order a farmer takes the courses in.
LEVEL_RANK = case({level.value: rank for rank, level in enumerate(Level)}, value=Course.level, else_=len(LEVELS))
ORDER = (LEVEL_RANK, Course.position, Course.title, Course.id)
COVER_WIDTH = 160  # CSS px a cover is shown at on a course card


@dataclass(frozen=True)
class Cover:
    """A course's cover picture as a card shows it: small, with its size and smaller copies."""

    url: str
    width: int
    height: int
    srcset: str  # "" for a picture without copies (an SVG)


@dataclass(frozen=True)
class Listing:
    courses: list[Course]  # in catalogue order
    percents: dict[int, int]  # course id -> the learner's percent, for their enrolments
    covers: dict[int, Cover]  # course id -> its cover, for courses that have one
    language: str  # the language listed ("zh", "en" or "all")


def cover_of(media: CourseMedia) -> Cover:
    """A stored picture at card size: width and height kept in proportion (16:9 when unknown,
    as SVG covers are), srcset from the copies in the picture's own format."""
    width, height = media.width, media.height
    shown_height = round(COVER_WIDTH * height / width) if width and height else COVER_WIDTH * 9 // 16
    copies = [(f"/media/{v['name']}", v["width"]) for v in media.variants or []
              if v.get("content_type") == media.content_type and v.get("width")]
    srcset = ""
    if copies:
        srcset = ", ".join(f"{url} {w}w" for url, w in sorted({*copies, (media.url_path, width or 0)},
                                                             key=lambda item: item[1]) if w)
    return Cover(media.url_path, COVER_WIDTH, shown_height, srcset)


def _courses(session: Session, languages: tuple[str, ...], level: str) -> list[tuple[Course, CourseMedia | None]]:
    """Published courses in `languages` at `level`, in catalogue order, each with its cover's
    stored picture (one query: the cover is an outer join)."""
    query = (select(Course, CourseMedia)
             .outerjoin(CourseMedia, and_(CourseMedia.course_id == Course.id, CourseMedia.path == Course.cover_image))
             .where(Course.status == CourseStatus.PUBLISHED, Course.language.in_(languages))
             .order_by(*ORDER))
    if level in LEVELS:
        query = query.where(Course.level == level)
    return [(course, media) for course, media in session.execute(query)]


def listing(session: Session, user_id: int | None, language: str = "", level: str = "",
            interface_language: str = "zh") -> Listing:
    """The catalogue for a learner (None: a visitor): courses in `language` ("all" for both;
    anything else means the interface language), at `level` when it is one the catalogue knows
    (anything else is no filter). When the interface language has none, the other language's
    courses are listed rather than an empty page. Two queries whatever the number of courses."""
    chosen = language == ALL or language in LANGUAGES
    if not chosen:
        language = interface_language if interface_language in LANGUAGES else LANGUAGES[0]
    rows = _courses(session, LANGUAGES, level)
    if language != ALL:
        wanted = [row for row in rows if row[0].language == language]
        if not wanted and not chosen:
            language = LANGUAGES[1 - LANGUAGES.index(language)]
            wanted = [row for row in rows if row[0].language == language]
        rows = wanted
    percents = {}
    if user_id is not None:
        percents = dict(session.execute(
            select(Enrollment.course_id, Enrollment.percent).where(Enrollment.user_id == user_id)).all())
    covers = {course.id: cover_of(media) for course, media in rows if media is not None}
    return Listing([course for course, _ in rows], percents, covers, language)
