"""The trainer's side of classroom mode: start a quiz from the session page, the classroom
screen (question, QR code, counts), its controls, and answers entered for learners without a
phone."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..classes.common import load_session
from ..extensions import db
from ..models import Quiz, User
from ..services.classes import classroom
from ..services.classes.qr import qr_svg
from .common import bp, etag, load_classroom, message, poll_response
from .forms import AssistForm, ControlForm, StartForm


@bp.route("/sessions/<int:session_id>/start", methods=["GET", "POST"])
def start(session_id: int):
    """Pick a quiz of the class's courses and start it on the classroom screen."""
    meeting = load_session(session_id)
    quizzes = classroom.class_quizzes(db.session, meeting.class_id)
    form = StartForm()
    form.quiz_id.choices = [SelectChoice(q.id, f"{q.course.title} · {q.title}") for q in quizzes]
    current = classroom.running(db.session, meeting.id)
    if request.method == "POST" and current is not None:
        flash(message("running"), "error")
        return redirect(url_for("classroom.screen", classroom_id=current.id))
    if form.validate_on_submit():
        quiz = db.session.get(Quiz, form.quiz_id.data)
        try:
            cq = classroom.start(db.session, meeting, quiz, current_user._get_current_object())
        except classroom.ClassroomError as refused:
            db.session.rollback()
            flash(message(refused.code), "error")
            return redirect(url_for("classroom.start", session_id=session_id))
        db.session.commit()
        return redirect(url_for("classroom.screen", classroom_id=cq.id))
    status = 422 if request.method == "POST" else 200
    return render_template("classroom/start.html", meeting=meeting, form=form, current=current,
                           has_quizzes=bool(quizzes)), status


def _screen_etag(cq, answered: int) -> str:
    return etag("screen", cq.id, cq.version, answered)


@bp.route("/<int:classroom_id>/screen")
def screen(classroom_id: int):
    """The classroom screen: large question, QR code, answered count; counts after "show"."""
    cq = load_classroom(classroom_id)
    view = classroom.question(cq)
    answered = classroom.answered_count(db.session, cq) if view else 0
    url = url_for("classroom.phone", code=cq.code, _external=True)
    return render_template(
        "classroom/screen.html", cq=cq, view=view, answered=answered, url=url,
        qr=qr_svg(url, scale=6, title=_("Answer on your phone")),
        counts=classroom.counts(db.session, cq, cq.position) if view and cq.phase == "shown" else None,
        form=ControlForm(version=cq.version), poll_etag=_screen_etag(cq, answered),
        attempts=classroom.attempt_count(db.session, cq) if cq.phase == "ended" else 0)


@bp.route("/<int:classroom_id>/screen/state")
def screen_state(classroom_id: int):
    """The screen's poll: changes when the question, phase or answered count does."""
    cq = load_classroom(classroom_id)
    return poll_response(_screen_etag(cq, classroom.answered_count(db.session, cq)))


@bp.route("/<int:classroom_id>/control", methods=["POST"])
def control(classroom_id: int):
    """Show results, next question or end; a stale or repeated tap changes nothing."""
    cq = load_classroom(classroom_id)
    form = ControlForm()
    if not form.validate_on_submit():
        flash(message("changed"), "error")
        return redirect(url_for("classroom.screen", classroom_id=cq.id))
    try:
        if form.action.data == "show":
            classroom.show(db.session, cq, form.version.data)
        elif form.action.data == "next":
            classroom.next_question(db.session, cq, form.version.data)
        else:
            ended = classroom.end(db.session, cq, _("True"), _("False"))
            if ended.no_attempts_left:
                flash(ngettext("%(num)d learner had used every attempt at this quiz: their answers "
                               "are kept with the classroom quiz only.",
                               "%(num)d learners had used every attempt at this quiz: their answers "
                               "are kept with the classroom quiz only.", ended.no_attempts_left), "info")
    except classroom.ClassroomError as refused:
        db.session.rollback()
        flash(message(refused.code), "error")
        return redirect(url_for("classroom.screen", classroom_id=classroom_id))
    db.session.commit()
    return redirect(url_for("classroom.screen", classroom_id=classroom_id))


@bp.route("/<int:classroom_id>/assist", methods=["GET", "POST"])
def assist(classroom_id: int):
    """Enter the answer a learner without a phone gives aloud: pick the learner, tap the answer."""
    cq = load_classroom(classroom_id)
    view = classroom.question(cq)
    people = classroom.participants(db.session, cq) if view else []
    answered = classroom.answered_ids(db.session, cq, cq.position) if view else set()
    waiting = [p for p in people if p.id not in answered]
    form = AssistForm(position=cq.position)
    form.learner.choices = [SelectChoice(0, "–")] + [SelectChoice(p.id, p.display_name) for p in waiting]
    error = None
    if view is not None and form.validate_on_submit():
        learner = db.session.scalar(select(User).where(User.id == form.learner.data))
        stale = form.position.data != cq.position
        response, code = (None, "old_question") if stale else classroom.parse(view, request.form)
        if code is None:
            try:
                created = classroom.answer(db.session, cq, learner, form.position.data, response,
                                           assisted=True, recorded_by=current_user._get_current_object())
            except classroom.ClassroomError as refused:
                db.session.rollback()
                code = refused.code
            else:
                db.session.commit()
                if created:
                    flash(_("Answer recorded for %(name)s.", name=learner.display_name), "success")
                else:
                    flash(_("%(name)s had already answered: the first answer counts.",
                            name=learner.display_name), "info")
                return redirect(url_for("classroom.assist", classroom_id=cq.id))
        error = message(code)
    status = 422 if request.method == "POST" else 200
    return render_template("classroom/assist.html", cq=cq, view=view, form=form, waiting=waiting,
                           answered=len(answered), error=error), status
