"""What the classroom views share: the blueprint, its guard, loading a classroom quiz for the
staff member who runs it, and the translated refusals of the service."""
from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ClassroomQuiz, TrainingSession
from ..policy import can_manage_session, ensure, require_login

bp = Blueprint("classroom", __name__)
require_login(bp)

MESSAGES = {
    "running": lambda: _("A classroom quiz is already running in this session. End it first."),
    "not_in_class": lambda: _("Choose a quiz of one of this class's courses."),
    "empty": lambda: _("This quiz has no questions."),
    "not_open": lambda: _("Answers to this question are closed."),
    "old_question": lambda: _("The trainer has moved on: this question is closed. Here is the current one."),
    "not_participant": lambda: _("Only members of the class and people checked in at the session take part."),
    "invalid": lambda: _("This answer is not one of the choices."),
    "missing": lambda: _("Please answer this question."),
    "order": lambda: _("Give each step a different place, from 1 to the number of steps."),
    "last": lambda: _("This is the last question. End the quiz to record the results."),
    "changed": lambda: _("The screen had changed in the meantime. Look again and tap once more."),
    "ended": lambda: _("This classroom quiz has ended."),
}


def message(code: str) -> str:
    return MESSAGES[code]()


def etag(*parts) -> str:
    """A poll's ETag: the parts that change what the page shows (quiz, version, ...)."""
    return "-".join(str(int(p) if isinstance(p, bool) else p) for p in parts)


def load_classroom(classroom_id: int) -> ClassroomQuiz:
    """A classroom quiz the current staff member may run: 404 if missing, 403 if another
    centre's (as its session is)."""
    cq = db.session.scalar(
        select(ClassroomQuiz).where(ClassroomQuiz.id == classroom_id)
        .options(joinedload(ClassroomQuiz.session).joinedload(TrainingSession.training_class),
                 joinedload(ClassroomQuiz.quiz)))
    if cq is None:
        abort(404)
    ensure(can_manage_session(current_user, cq.session))
    return cq


def poll_response(tag: str):
    """A poll's answer: 304 when the page's copy (If-None-Match) is current, else the new
    tag as JSON (the page then reloads). Revalidated every time, kept by nobody else."""
    if request.if_none_match.contains_weak(tag):
        response = current_app.response_class(status=304)
    else:
        response = jsonify(etag=tag)
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
