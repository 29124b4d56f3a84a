"""Classes (培训班): trainers run classes, sessions and the training ledger; learners join by
code or QR and check in at sessions; the trainer help desk for their learners.

Every view needs a signed-in user; all but the learner views (LEARNER_VIEWS) are for staff,
guarded once for the whole blueprint. Object rules come from policy.py.
"""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..account import landing
from ..extensions import db, limiter
from ..i18n import course_language
from ..models import Centre, Role, TrainingClass, TrainingSession, User
from ..policy import (
    STAFF_ROLES, can_help_learner, can_manage_class, can_manage_session, can_view_centre, ensure,
    require_login, require_role, visible_classes, visible_learners,
)
from ..services.accounts import accounts, audit
from ..services.classes import classes, ledger, ledger_export, roster, roster_import
from ..services.classes.qr import qr_svg
from ..services.reports import exports
from .forms import (
    ClassForm, ConfirmForm, JoinForm, LedgerForm, ProfileForm, RollCallForm, RosterForm, SessionForm,
)
from .messages import CLASS_ERRORS, FILE_ERRORS, ROW_ERRORS

bp = Blueprint("classes", __name__)
LEARNER_VIEWS = ("join", "join_code", "checkin")
require_login(bp)
require_role(bp, *STAFF_ROLES, exempt=LEARNER_VIEWS)
bp.add_app_template_filter(accounts.mask_mobile, "masked")


def form_status() -> int:
    """200 for a form shown, 422 for a form sent back with errors."""
    return 422 if request.method == "POST" else 200


def _load_or_404(query, allowed, refused: int = 403):
    """The one row of query, or 404; `refused` (403) when the predicate refuses it (another
    centre's)."""
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    ensure(allowed(current_user, row), refused)
    return row


def _load_class(class_id: int) -> TrainingClass:
    return _load_or_404(
        select(TrainingClass).where(TrainingClass.id == class_id)
        .options(selectinload(TrainingClass.courses), joinedload(TrainingClass.centre)),
        can_manage_class)


def _load_session(session_id: int) -> TrainingSession:
    return _load_or_404(
        select(TrainingSession).where(TrainingSession.id == session_id)
        .options(joinedload(TrainingSession.training_class), joinedload(TrainingSession.trainer)),
        can_manage_session)


def _load_learner(user_id: int) -> User:
    """A learner the current staff member may help; 404 for anyone else, so that other
    centres' learners are not even known to exist."""
    return _load_or_404(select(User).where(User.id == user_id), can_help_learner, refused=404)


# --- classes -----------------------------------------------------------------------------------

@bp.route("/")
def index():
    training_classes = db.session.scalars(
        visible_classes(current_user).options(joinedload(TrainingClass.centre))
    ).all()
    counts = classes.member_counts(db.session, [c.id for c in training_classes])
    return render_template("classes/index.html", classes=training_classes, counts=counts)


def _centres() -> list[Centre]:
    return list(db.session.scalars(select(Centre).order_by(Centre.name)))


def _class_form_page(training_class: TrainingClass | None):
    """Create (training_class None) or edit a class; a refused value is shown at its field.
    Only an admin creating a class picks its centre (a trainer's is their own)."""
    every_centre = training_class is None and can_view_centre(current_user)
    form = ClassForm(courses=classes.published_courses(db.session), training_class=training_class,
                     centres=_centres() if every_centre else None)
    if "centre_id" in form and not form.centre_id.choices:
        flash(_("Create a centre first."), "info")
        return redirect(url_for("admin.centre_form"))
    if form.validate_on_submit():
        try:
            if training_class is None:
                centre_id = form.centre_id.data if "centre_id" in form else current_user.centre_id
                saved = classes.create_class(db.session, centre_id, current_user.id, form.details())
                message = _("Class created. Its join code is %(code)s.", code=saved.code)
            else:
                classes.update_class(db.session, training_class, form.details())
                saved, message = training_class, _("Class saved.")
        except classes.ClassError as exc:
            db.session.rollback()
            getattr(form, exc.args[0]).errors.append(CLASS_ERRORS[exc.args[1]]())
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("classes.detail", class_id=saved.id))
    return render_template("classes/form.html", form=form, training_class=training_class), form_status()


@bp.route("/new", methods=["GET", "POST"])
def new():
    ensure(can_manage_class(current_user))
    return _class_form_page(None)


@bp.route("/<int:class_id>")
def detail(class_id: int):
    training_class = _load_class(class_id)
    return render_template(
        "classes/detail.html", training_class=training_class,
        members=classes.members(db.session, training_class.id),
        sessions=classes.sessions_with_counts(db.session, training_class.id),
        helpable=classes.member_ids_within(db.session, training_class.id, visible_learners(current_user)),
    )


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id: int):
    return _class_form_page(_load_class(class_id))


@bp.route("/<int:class_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
def remove_member(class_id: int, user_id: int):
    """Take a member out of the class after a confirmation page (audited with their name)."""
    training_class = _load_class(class_id)
    person = db.session.get(User, user_id)
    ensure(person is not None and classes.is_member(db.session, training_class.id, user_id), 404)
    form = ConfirmForm()
    if not form.confirmed:
        return render_template("classes/confirm_remove_member.html", training_class=training_class,
                               person=person, form=form)
    classes.remove_member(db.session, training_class, person, current_user.id, request.remote_addr or "")
    db.session.commit()
    flash(_("%(name)s was removed from the class.", name=person.display_name), "success")
    return redirect(url_for("classes.detail", class_id=training_class.id))


@bp.route("/<int:class_id>/poster")
def poster(class_id: int):
    """An A4 poster with the join code and a QR code of the join link."""
    training_class = _load_class(class_id)
    url = url_for("classes.join_code", code=training_class.code, _external=True)
    return render_template("classes/poster.html", training_class=training_class, url=url,
                           join_url=url_for("classes.join", _external=True),
                           qr=qr_svg(url, title=_("Join %(name)s", name=training_class.name)))


# --- bulk accounts -----------------------------------------------------------------------------

@bp.route("/roster-template.<any(csv, xlsx):fmt>")
def roster_template(fmt: str):
    header, rows = roster.template_rows(course_language())
    return exports.download(header, rows, fmt, f"roster-template.{fmt}", title=_("Learners"))


@bp.route("/<int:class_id>/import", methods=["GET", "POST"])
def import_roster(class_id: int):
    """Upload a spreadsheet of learners; all rows are imported, or none and every problem listed."""
    training_class = _load_class(class_id)
    form = RosterForm()
    row_errors: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = roster_import.import_roster(
                db.session, training_class, upload.filename or "", upload.read(roster.MAX_BYTES + 1),
                language=current_user.language, actor_id=current_user.id,
                ip_address=request.remote_addr or "")
        except roster_import.RosterFileError as exc:
            form.file.errors.append(FILE_ERRORS[exc.args[0]]())
        else:
            if result.problems:
                row_errors = [(e.line, ROW_ERRORS[e.reason](e)) for e in result.problems]
                form.file.errors.append(ngettext(
                    "Nothing was imported: %(num)s problem to fix.",
                    "Nothing was imported: %(num)s problems to fix.", len(result.problems)))
            else:
                db.session.commit()
                # The one-time passwords are shown on this page only, never stored in clear.
                return render_template("classes/signin_sheet.html", training_class=training_class,
                                       imported=result.imported, created=result.created)
    return render_template("classes/import.html", training_class=training_class, form=form,
                           row_errors=row_errors, max_rows=roster.MAX_ROWS), form_status()


# --- sessions and attendance -------------------------------------------------------------------

@bp.route("/<int:class_id>/sessions/new", methods=["GET", "POST"])
def new_session(class_id: int):
    training_class = _load_class(class_id)
    form = SessionForm(trainers=classes.session_trainers(
        db.session, training_class.centre_id, current_user._get_current_object()))
    if request.method == "GET":
        form.trainer_id.data = current_user.id
        form.place.data = training_class.place
    if form.validate_on_submit():
        meeting = classes.create_session(db.session, training_class, form.details())
        db.session.commit()
        flash(_("Session recorded. Show its QR code for check-in."), "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/session_form.html", form=form, training_class=training_class), form_status()


@bp.route("/sessions/<int:session_id>")
def session(session_id: int):
    """The session's check-in QR (to show or print) and who has checked in."""
    meeting = _load_session(session_id)
    url = url_for("classes.checkin", code=meeting.checkin_code, _external=True)
    return render_template("classes/session.html", meeting=meeting, url=url,
                           qr=qr_svg(url, title=_("Check in")),
                           attendees=classes.attendees(db.session, meeting.id), remove_form=ConfirmForm())


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int):
    """Correct a session's date, topic, place or trainer (audited with the old values)."""
    meeting = _load_session(session_id)
    form = SessionForm(obj=meeting, trainers=classes.session_trainers(
        db.session, meeting.training_class.centre_id, current_user._get_current_object()))
    if meeting.trainer is not None and meeting.trainer_id not in {c.value for c in form.trainer_id.choices}:
        form.trainer_id.choices.append(SelectChoice(meeting.trainer_id, meeting.trainer.display_name))
    if form.validate_on_submit():
        changed = classes.update_session(db.session, meeting, form.details(), current_user.id,
                                         request.remote_addr or "")
        db.session.commit()
        flash(_("Session saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/session_form.html", form=form, training_class=meeting.training_class,
                           meeting=meeting), form_status()


@bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def delete_session(session_id: int):
    """Delete a session and its attendance after a confirmation page (audited)."""
    meeting = _load_session(session_id)
    form = ConfirmForm()
    if not form.confirmed:
        return render_template("classes/confirm_delete_session.html", meeting=meeting, form=form,
                               count=len(classes.attendee_ids(db.session, meeting.id)))
    class_id = meeting.class_id
    classes.delete_session(db.session, meeting, current_user.id, request.remote_addr or "")
    db.session.commit()
    flash(_("Session deleted. Its attendance no longer counts in the ledger."), "success")
    return redirect(url_for("classes.detail", class_id=class_id))


@bp.route("/sessions/<int:session_id>/attendees/<int:user_id>/remove", methods=["POST"])
def remove_attendee(session_id: int, user_id: int):
    """Undo one attendance (a wrong tick or scan), audited with the person's name."""
    meeting = _load_session(session_id)
    form = ConfirmForm()
    ensure(form.validate_on_submit(), 400)
    removed = classes.remove_attendances(db.session, meeting, {user_id}, current_user.id,
                                         request.remote_addr or "")
    ensure(removed > 0, 404)
    db.session.commit()
    flash(_("Attendance removed."), "success")
    return redirect(url_for("classes.session", session_id=meeting.id))


@bp.route("/sessions/<int:session_id>/roll", methods=["GET", "POST"])
def roll_call(session_id: int):
    """Tick the names of the members present (a phone-sized list)."""
    meeting = _load_session(session_id)
    members = classes.members(db.session, meeting.class_id)
    form = RollCallForm(present=classes.attendee_ids(db.session, meeting.id))
    if form.validate_on_submit():
        added, removed = classes.record_roll_call(db.session, meeting, set(form.present.data or ()),
                                                  current_user.id, request.remote_addr or "")
        db.session.commit()
        flash(_("Roll call saved: %(added)s added, %(removed)s removed.", added=added, removed=removed),
              "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/roll_call.html", meeting=meeting, members=members,
                           form=form), form_status()


# --- the training ledger -----------------------------------------------------------------------

# The session fields an edit lists in the ledger's change history.
SESSION_FIELDS = {"held_on": _l("Date"), "topic": _l("Topic"), "place": _l("Place"), "trainer": _l("Trainer")}


def _ledger_filters() -> tuple[LedgerForm, date, date, int | None]:
    """The ledger's period and centre from the query string: admins any centre or all of them
    (0), a trainer their own centre (another centre's id is refused)."""
    centres = _centres()
    every_centre = can_view_centre(current_user)
    if not every_centre:
        centres = [c for c in centres if c.id == current_user.centre_id]
    form = LedgerForm(request.args, centres=centres, every_centre=every_centre)
    form.validate()
    start, end = form.period(date.today())
    if every_centre:
        centre_id = form.centre_id.data or None
        ensure(centre_id is None or centre_id in {c.id for c in centres}, 404)
    else:
        centre_id = current_user.centre_id
        ensure(form.centre_id.data in (None, centre_id))
    ensure(can_view_centre(current_user, centre_id))
    form.show(start, end, centre_id)
    return form, start, end, centre_id


@bp.route("/ledger")
def ledger_page():
    """Sessions of a period with their attendees, and person-times and unique people."""
    form, start, end, centre_id = _ledger_filters()
    fmt = request.args.get("format", "")
    ensure(not fmt or fmt in exports.MIMETYPES, 404)
    data = ledger.build(db.session, start, end, centre_id)
    if fmt:
        audit.record(db.session, "ledger.export", current_user.id, "centre", data.centre_id,
                     ip_address=request.remote_addr or "", format=fmt, start=data.start.isoformat(),
                     end=data.end.isoformat())
        db.session.commit()
        header, rows = ledger_export.ledger_table(data)
        return exports.download(header, rows, fmt, ledger_export.file_name(data, fmt),
                                title=_("Training ledger"))
    return render_template("classes/ledger.html", form=form, ledger=data,
                           changes=ledger.changes(db.session, start, end, centre_id),
                           action_label=audit.label, change_fields=SESSION_FIELDS,
                           age_labels=ledger_export.age_labels(), gender_labels=ledger_export.gender_labels())


# --- the help desk: one learner ----------------------------------------------------------------

@bp.route("/learners/<int:user_id>")
def learner(user_id: int):
    """A learner's profile, whole mobile number, progress in every course and quiz attempts."""
    person = _load_learner(user_id)
    record = classes.learner_record(db.session, person, visible_classes(current_user))
    return render_template("classes/learner.html", person=person, enrollments=record.enrollments,
                           attempts=record.attempts, classes=record.classes,
                           genders=ledger_export.gender_labels())


@bp.route("/learners/<int:user_id>/profile", methods=["GET", "POST"])
def learner_profile(user_id: int):
    """A learner's optional details, edited by staff at the help desk."""
    person = _load_learner(user_id)
    done_url = url_for("classes.learner", user_id=person.id)
    form = ProfileForm(person=person)
    if form.validate_on_submit():
        accounts.update_profile(person, form.details())
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(done_url)
    return render_template("classes/profile.html", form=form, person=person, back=done_url), form_status()


@bp.route("/learners/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int):
    """Give the learner a new one-time password, shown once; they must change it at login."""
    person = _load_learner(user_id)
    password = roster.one_time_password()
    accounts.set_password(person, password, must_change=True)
    audit.record(db.session, "user.password_reset", current_user.id, "user", person.id,
                 ip_address=request.remote_addr or "")
    db.session.commit()
    return render_template("classes/password_reset.html", person=person, password=password)


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


@bp.route("/checkin/<code>", methods=["GET", "POST"])
def checkin(code: str):
    """The session QR code's link: confirm, then check in (once, however often scanned)."""
    meeting = classes.find_session_by_code(db.session, code)
    if meeting is None:
        abort(404)
    present = current_user.id in classes.attendee_ids(db.session, meeting.id)
    # A GET changes nothing, except as the end of the sign-in this link started: the farmer who
    # scanned it, logged in (and chose their own password) came to check in.
    arrived = landing.just_arrived(request.path) and current_user.role == Role.LEARNER
    if request.method == "POST" or (arrived and not present):
        if current_user.role != Role.LEARNER:
            return _not_a_learner()
        classes.check_in(db.session, meeting, current_user._get_current_object())
        db.session.commit()
        present = True
        if request.method == "POST":  # back to the page, so that reloading it sends nothing again
            return redirect(url_for("classes.checkin", code=meeting.checkin_code))
    return render_template("classes/checkin.html", meeting=meeting, present=present)


