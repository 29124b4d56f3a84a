"""The studio's glossary page: a course's terms, one "术语：解释" a line, on the author blueprint.

Saving renders the course's lessons again, so the first use of each term in a lesson is marked
(services/authoring/glossary.py holds the rules, course_glossary.py the saving).
"""
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length

from ..extensions import db
from ..forms_common import AppForm
from ..services.authoring import course_checks, course_glossary, glossary
from .common import bp, done, load_course, undo

# Longest possible text: every term and explanation at their limit, with a colon and line end.
MAX_TEXT = glossary.MAX_TERMS * (glossary.MAX_TERM + glossary.MAX_EXPLANATION + 2)


class GlossaryForm(AppForm):
    terms = TextAreaField(
        _l("Terms"), validators=[Length(max=MAX_TEXT)],
        description=_l("One term a line: the term, a colon, then a plain explanation of at most "
                       "%(explanation)d characters, e.g. “保本价：不赚不亏的最低价”. Terms are at most "
                       "%(term)d characters.", explanation=glossary.MAX_EXPLANATION, term=glossary.MAX_TERM),
        render_kw={"rows": 14, "spellcheck": "false"})

    def validate_terms(self, field) -> None:
        """Each problem of the text, with its line number (nothing is saved then)."""
        _entries, problems = glossary.parse_lines(field.data or "")
        field.errors = list(field.errors) + [str(p) for p in problems]


@bp.route("/courses/<int:course_id>/glossary", methods=["GET", "POST"])
def glossary_page(course_id: int):
    course = load_course(course_id)
    form = GlossaryForm(data={"terms": glossary.to_lines(course.glossary)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            course_glossary.save_glossary(db.session, course, form.terms.data or "", current_user.id,
                                          ip_address=request.remote_addr or "")
        except course_checks.BreaksLiveCourse:
            undo(_("This course is published, so the change was not saved."))
            course = load_course(course_id)
        else:
            return done(_("Glossary saved. The first use of each term in a lesson now explains itself."),
                        url_for("author.glossary_page", course_id=course.id))
    return render_template("author/glossary.html", course=course, form=form), 422 if form.errors else 200
