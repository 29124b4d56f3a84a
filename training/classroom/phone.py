"""The learner's side of classroom mode: the phone page of /classroom/<code> (the QR code on
the classroom screen) and its poll.

Without JavaScript the waiting pages reload themselves every 5 s (<meta refresh>); the answer
form does not, so a half-ticked multiple choice is never wiped. With JavaScript,
static/js/classroom.js polls /classroom/<code>/state with If-None-Match and reloads only when
the state changed: otherwise a 304, from one query after the signed-in user's."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Attempt, ClassroomAnswer, TrainingSession
from ..policy import can_manage_session, ensure
from ..services.classes import classroom
from .common import bp, etag, message, poll_response
from .forms import AnswerForm


def _phone_etag(cq_id: int, version: int, answered: bool) -> str:
    return etag(cq_id, version, answered)


def _load(code: str):
    """The classroom quiz of a code and whether the user takes part: 404 if unknown; 403 for
    someone neither taking part nor running it (staff who run it are sent to the screen)."""
    cq = classroom.find_by_code(db.session, code)
    if cq is None:
        abort(404)
    if classroom.is_participant(db.session, cq, current_user.id):
        return cq, True
    ensure(can_manage_session(current_user, db.session.get(TrainingSession, cq.session_id)))
    return cq, False


@bp.route("/<code>", methods=["GET", "POST"])
def phone(code: str):
    """The current question with a form; after answering, "submitted, wait for the trainer";
    after "show", the counts and whether the learner was right."""
    cq, taking_part = _load(code)
    if not taking_part:
        return redirect(url_for("classroom.screen", classroom_id=cq.id))
    view = classroom.question(cq)
    form = AnswerForm(position=cq.position)
    if request.method == "POST":
        if not form.validate_on_submit() or view is None:
            flash(message("changed" if view else "ended"), "error")
            return redirect(url_for("classroom.phone", code=code))
        # An answer to a question no longer on screen is refused as such, not parsed as this one.
        stale = form.position.data != cq.position
        response, error = (None, "old_question") if stale else classroom.parse(view, request.form)
        if error is None:
            try:
                created = classroom.answer(db.session, cq, current_user._get_current_object(),
                                           form.position.data, response)
            except classroom.ClassroomError as refused:
                db.session.rollback()
                error = refused.code
            else:
                db.session.commit()
                if not created:
                    flash(_("You had already answered: your first answer counts."), "info")
        if error is not None:
            flash(message(error), "error")
        return redirect(url_for("classroom.phone", code=code))
    mine = None
    if view is not None:
        mine = db.session.scalar(select(ClassroomAnswer).where(
            ClassroomAnswer.classroom_id == cq.id, ClassroomAnswer.user_id == current_user.id,
            ClassroomAnswer.position == cq.position))
    attempt = None
    if cq.phase == "ended":
        attempt = db.session.scalar(select(Attempt).where(
            Attempt.token == f"classroom-{cq.id}-{current_user.id}"))
    counts = classroom.counts(db.session, cq, cq.position) if view and cq.phase == "shown" else None
    return render_template(
        "classroom/phone.html", cq=cq, view=view, form=form, mine=mine, counts=counts,
        attempt=attempt, waiting=not (view and cq.phase == "open" and mine is None),
        poll_url=url_for("classroom.state", code=code),
        poll_etag=_phone_etag(cq.id, cq.version, mine is not None))


@bp.route("/<code>/state")
def state(code: str):
    """The phone's poll: one query (and the signed-in user's); 304 while nothing changed."""
    row = classroom.learner_state(db.session, code, current_user.id)
    if row is None:
        abort(404)
    cq_id, version, _phase, _position, answered, participant = row
    ensure(bool(participant))
    return poll_response(_phone_etag(cq_id, version, bool(answered)))
