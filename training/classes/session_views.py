"""In-person sessions: trainers record them, show the check-in QR and take the roll; learners
join a class by code or QR and check in."""
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..account import landing
from ..extensions import db, limiter
from ..models import Role, utcnow
from ..policy import ensure
from ..services.classes import checkin as rules
from ..services.classes import classes, ledger_export, photos, sessions
from ..services.classes.qr import qr_svg
from . import photo_views
from .common import bp, form_status, load_class, load_session
from .forms import ConfirmForm, JoinForm, LateWindowForm, RollCallForm, SessionForm

# Empty rows at the end of the paper sign-in sheet, for people who join on the day.
PAPER_SHEET_BLANK_ROWS = 5


def _timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


# How each attendance was recorded, as the session page labels it.
METHOD_LABELS = {"qr": lambda: _("Scan"), "roll": lambda: _("Roll call"), "assisted": lambda: _("Assisted")}

# --- sessions and attendance -------------------------------------------------------------------

@bp.route("/<int:class_id>/sessions/new", methods=["GET", "POST"])
def new_session(class_id: int):
    training_class = load_class(class_id)
    form = SessionForm(trainers=sessions.session_trainers(
        db.session, training_class.centre_id, current_user._get_current_object()))
    if request.method == "GET":
        form.trainer_id.data = current_user.id
        form.place.data = training_class.place
    if form.validate_on_submit():
        meeting = sessions.create_session(db.session, training_class, form.details(), _timezone())
        db.session.commit()
        flash(_("Session recorded. Show its QR code for check-in."), "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/session_form.html", form=form, training_class=training_class), form_status()


def _session_page(meeting, late_form: LateWindowForm, status: int = 200):
    url = url_for("classes.checkin", code=meeting.checkin_code, _external=True)
    window_end = rules.window_end(meeting.opens_at, meeting.closes_at, meeting.late_until)
    return render_template("classes/session.html", meeting=meeting, url=url,
                           qr=qr_svg(url, title=_("Check in")), window_end=window_end,
                           lines=sessions.attendance_lines(db.session, meeting.id),
                           method_labels=METHOD_LABELS, late_form=late_form,
                           remove_form=ConfirmForm(), **photo_views.page_context(meeting)), status


@bp.route("/sessions/<int:session_id>")
def session(session_id: int):
    """The session's check-in QR (to show or print), its check-in window and who has checked
    in, when and how."""
    return _session_page(load_session(session_id), LateWindowForm())


@bp.route("/sessions/<int:session_id>/late", methods=["POST"])
def late_window(session_id: int):
    """Open check-in again for a while, with a reason (audited, shown in the ledger)."""
    meeting = load_session(session_id)
    form = LateWindowForm()
    if not form.validate_on_submit():
        return _session_page(meeting, form, 422)
    until = sessions.open_late_window(db.session, meeting, form.minutes.data, form.reason.data, utcnow(),
                                      current_user.id, request.remote_addr or "")
    db.session.commit()
    flash(_("Check-in is open again until %(time)s.", time=format_datetime(until, "short")), "success")
    return redirect(url_for("classes.session", session_id=meeting.id))


@bp.route("/sessions/<int:session_id>/screen")
def checkin_screen(session_id: int):
    """The classroom screen: a large QR whose link carries this minute's code; the page reloads
    itself when the code changes (no script needed)."""
    meeting = load_session(session_id)
    now = utcnow()
    token = rules.screen_token(current_app.config["SECRET_KEY"], meeting.checkin_code, rules.slot(now))
    url = url_for("classes.checkin", code=meeting.checkin_code, t=token, _external=True)
    response = current_app.make_response(render_template(
        "classes/checkin_screen.html", meeting=meeting, qr=qr_svg(url, title=_("Check in")),
        refresh=rules.slot_ends(now), window_end=rules.window_end(meeting.opens_at, meeting.closes_at,
                                                                   meeting.late_until)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Refresh"] = str(rules.slot_ends(now))
    return response


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int):
    """Correct a session's date, topic, place, trainer or check-in rules (audited with the old
    values)."""
    meeting = load_session(session_id)
    window = tuple(sessions.local_time(at, _timezone()).time() for at in (meeting.opens_at, meeting.closes_at))
    form = SessionForm(obj=meeting, window=window, trainers=sessions.session_trainers(
        db.session, meeting.training_class.centre_id, current_user._get_current_object()))
    if meeting.trainer is not None and meeting.trainer_id not in {c.value for c in form.trainer_id.choices}:
        form.trainer_id.choices.append(SelectChoice(meeting.trainer_id, meeting.trainer.display_name))
    if form.validate_on_submit():
        changed = sessions.update_session(db.session, meeting, form.details(), current_user.id,
                                         request.remote_addr or "", _timezone())
        db.session.commit()
        flash(_("Session saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/session_form.html", form=form, training_class=meeting.training_class,
                           meeting=meeting), form_status()


@bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def delete_session(session_id: int):
    """Delete a session and its attendance after a confirmation page (audited)."""
    meeting = load_session(session_id)
    form = ConfirmForm()
    if not form.confirmed:
        return render_template("classes/confirm_delete_session.html", meeting=meeting, form=form,
                               count=len(sessions.attendee_ids(db.session, meeting.id)))
    class_id = meeting.class_id
    photo_files = photos.file_names(db.session, meeting.id)
    sessions.delete_session(db.session, meeting, current_user.id, request.remote_addr or "")
    db.session.commit()
    photos.remove_files(current_app.config["MEDIA_DIR"], photo_files)
    flash(_("Session deleted. Its attendance no longer counts in the ledger."), "success")
    return redirect(url_for("classes.detail", class_id=class_id))


@bp.route("/sessions/<int:session_id>/attendees/<int:user_id>/remove", methods=["POST"])
def remove_attendee(session_id: int, user_id: int):
    """Undo one attendance (a wrong tick or scan), audited with the person's name."""
    meeting = load_session(session_id)
    form = ConfirmForm()
    ensure(form.validate_on_submit(), 400)
    removed = sessions.remove_attendances(db.session, meeting, {user_id}, current_user.id,
                                         request.remote_addr or "")
    ensure(removed > 0, 404)
    db.session.commit()
    flash(_("Attendance removed."), "success")
    return redirect(url_for("classes.session", session_id=meeting.id))


@bp.route("/sessions/<int:session_id>/roll", methods=["GET", "POST"])
def roll_call(session_id: int):
    """Tick the names of the members present (a phone-sized list), and for whom the trainer
    checked in (代签)."""
    meeting = load_session(session_id)
    members = classes.members(db.session, meeting.class_id)
    form = RollCallForm(present=sessions.attendee_ids(db.session, meeting.id),
                        assisted=sessions.assisted_ids(db.session, meeting.id))
    if form.validate_on_submit():
        added, removed = sessions.record_roll_call(db.session, meeting, set(form.present.data or ()),
                                                  current_user.id, request.remote_addr or "",
                                                  assisted_ids=set(form.assisted.data or ()))
        db.session.commit()
        flash(_("Roll call saved: %(added)s added, %(removed)s removed.", added=added, removed=removed),
              "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/roll_call.html", meeting=meeting, members=members,
                           form=form), form_status()


# --- learners: join a class, check in, own profile ---------------------------------------------

def _not_a_learner():
    """Staff scanning a learner's QR code: nothing to join or check in, back to their classes."""
    flash(_("Only learner accounts join classes and check in."), "info")
    return redirect(url_for("classes.index"))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], key_func=lambda: f"join:{current_user.id}")
def join():
    """Type the class code from the poster."""
    form = JoinForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:20]
    if request.method == "POST" and form.validate_on_submit():
        training_class = classes.find_by_code(db.session, form.code.data)
        if training_class is None:
            form.code.errors.append(_("No class has this code. Check the poster and try again."))
        else:
            return redirect(url_for("classes.join_code", code=training_class.code))
    return render_template("classes/join.html", form=form), form_status()


@bp.route("/join/<code>", methods=["GET", "POST"])
def join_code(code: str):
    """The QR code's link: confirm, then join (a GET never changes anything)."""
    training_class = classes.find_by_code(db.session, code)
    if training_class is None:
        abort(404)
    if request.method == "POST":
        if current_user.role != Role.LEARNER:
            return _not_a_learner()
        joined = classes.join_class(db.session, current_user._get_current_object(), training_class)
        db.session.commit()
        if joined:
            flash(_("You have joined %(name)s.", name=training_class.name), "success")
        else:
            flash(_("You are already in %(name)s.", name=training_class.name), "info")
        return redirect(url_for("learn.my_learning"))
    member = classes.is_member(db.session, training_class.id, current_user.id)
    return render_template("classes/join_confirm.html", training_class=training_class, member=member)


REFUSALS = {
    rules.TOO_EARLY: lambda at: _("Check-in opens at %(time)s. Come back then.",
                                  time=format_datetime(at, "short")),
    rules.CLOSED: lambda at: _("Check-in closed at %(time)s. If you were there, ask your trainer.",
                               time=format_datetime(at, "short")),
    rules.NOT_MEMBER: lambda at: _("You are not in this class. Ask your trainer to add you."),
    rules.CODE_EXPIRED: lambda at: _("This check-in code has expired. Scan the code on the classroom "
                                     "screen again."),
}


def _decide(meeting, token: str, arrived: bool) -> rules.Decision:
    """May the signed-in learner check in at this session now, with this link's token? On the
    landing of a sign-in the link started, the token is checked against the time they signed in."""
    now = utcnow()
    signed_in_at = None
    if arrived and current_user.login_session:
        signed_in_at = datetime.fromtimestamp(current_user.login_session[0], UTC).replace(tzinfo=None)
    fresh = meeting.screen_code_required and rules.token_is_fresh(
        current_app.config["SECRET_KEY"], meeting.checkin_code, token, now, signed_in_at)
    return rules.decide(
        now=now, opens_at=meeting.opens_at, closes_at=meeting.closes_at, late_until=meeting.late_until,
        is_member=classes.is_member(db.session, meeting.class_id, current_user.id),
        allow_join=meeting.allow_join, screen_code_required=meeting.screen_code_required,
        token_fresh=fresh)


@bp.route("/checkin/<code>", methods=["GET", "POST"])
def checkin(code: str):
    """The session QR code's link: confirm, then check in (once, however often scanned), when
    the session's rules accept it (window, membership, the classroom screen's code in `t`)."""
    meeting = sessions.find_session_by_code(db.session, code)
    if meeting is None:
        abort(404)
    token = request.values.get("t", "")[:16]
    present = current_user.id in sessions.attendee_ids(db.session, meeting.id)
    # A GET changes nothing, except as the end of the sign-in this link started: the farmer who
    # scanned it, logged in (and chose their own password) came to check in.
    arrived = landing.just_arrived(request.path) and current_user.role == Role.LEARNER
    if request.method == "POST" and current_user.role != Role.LEARNER:
        return _not_a_learner()
    decision = None
    if not present and current_user.role == Role.LEARNER:
        decision = _decide(meeting, token, arrived)
        if decision.accepted and (request.method == "POST" or arrived):
            sessions.check_in(db.session, meeting, current_user._get_current_object(),
                              ip_address=request.remote_addr or "")
            db.session.commit()
            present = True
    if request.method == "POST":  # back to the page, so that reloading it sends nothing again
        return redirect(url_for("classes.checkin", code=meeting.checkin_code, t=token or None))
    refusal = REFUSALS[decision.reason](decision.at) if decision and not decision.accepted else None
    return render_template("classes/checkin.html", meeting=meeting, present=present, token=token,
                           refusal=refusal)


@bp.route("/sessions/<int:session_id>/sheet")
def paper_sheet(session_id: int):
    """The paper sign-in sheet (签到表) to print for a session: the class members by pinyin (or
    import order), each with an empty signature box, and blank rows for people who join."""
    meeting = load_session(session_id)
    order = "import" if request.args.get("order") == "import" else "pinyin"
    return render_template("classes/paper_sheet.html", meeting=meeting,
                           members=classes.members(db.session, meeting.class_id, order),
                           genders=ledger_export.gender_labels(), blank_rows=PAPER_SHEET_BLANK_ROWS)
