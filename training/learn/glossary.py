"""A course's glossary for learners: each term with its anchor (term-1, term-2, ...), where a
marked term in a lesson leads without JavaScript. Public like the course page."""
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..httpcache import learner_page
from ..models import Course
from ..pages import load_course
from .views import bp, course_version


@bp.route("/courses/<slug>/glossary")
def glossary(slug: str):
    """The terms of a course the viewer may see (404 otherwise, as for the course page)."""
    course = load_course(slug, current_user)
    page_state = ("glossary", course_version(course))
    return learner_page("learn/glossary.html", page_state, lambda: {
        "course": course,
        "terms": db.session.scalar(select(Course.glossary).where(Course.id == course.id)) or [],
    })
