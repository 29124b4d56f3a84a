"""Saving a course's glossary from the studio (the rules of a glossary are in glossary.py)."""
from sqlalchemy.orm import Session

from ...models import Course
from ..accounts import audit
from .authoring import record_change
from .content import render_lesson
from .glossary import GlossaryProblem, clean, parse_lines


class GlossaryRefused(Exception):
    """The glossary text has problems (args[0]: the GlossaryProblem list); nothing was saved."""


def save_glossary(session: Session, course: Course, text: str, user_id: int,
                  ip_address: str = "") -> list[dict[str, str]]:
    """Replace the course's glossary with the terms in `text` (one "term：explanation" a line)
    and render its lessons again, so the first use of each term is marked. Audited with the old
    glossary. Raises GlossaryRefused; flushes, the caller commits."""
    entries, problems = parse_lines(text)
    if problems:
        raise GlossaryRefused(problems)
    old = list(course.glossary or [])
    new = clean(entries)
    if new == old:
        return new
    course.glossary = new
    for lesson in course.lessons:
        render_lesson(course, lesson)
    audit.record(session, "course.glossary", user_id, "course", course.id, ip_address=ip_address,
                 slug=course.slug, old=old, new=new)
    record_change(session, course, user_id, "course.edit", course.title)
    return new


__all__ = ["GlossaryProblem", "GlossaryRefused", "save_glossary"]
