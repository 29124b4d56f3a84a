"""Classes (培训班): trainers run classes, sessions and the training ledger; learners join by
code or QR and check in at sessions; the trainer help desk for their learners.

Every view needs a signed-in user; all but the learner views (LEARNER_VIEWS) are for staff,
guarded once for the whole blueprint. Object rules come from policy.py.
"""
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..extensions import db, limiter
from ..i18n import course_language
from ..models import (
    Attempt, Attendance, Centre, ClassMember, Enrollment, Role, TrainingClass, TrainingSession, User,
)
from ..policy import (
    can_help_learner, can_manage_class, can_manage_session, can_view_centre, ensure,
    require_login, require_role, visible_classes, visible_learners,
)
from ..services import accounts, audit, classes, exports, ledger, roster
from ..services.qr import qr_svg
from .forms import ClassForm, JoinForm, LedgerForm, ProfileForm, RosterForm, SessionForm

bp = Blueprint("classes", __name__)
LEARNER_VIEWS = ("join", "join_code", "checkin")
require_login(bp)
require_role(bp, Role.TRAINER, Role.ADMIN, exempt=LEARNER_VIEWS)


@bp.app_template_filter("masked")
def masked(mobile: str | None) -> str:
    return accounts.mask_mobile(mobile)


CLASS_ERRORS = {
    "before-start": lambda: _("The last day cannot be before the first day."),
    "unknown": lambda: _("Choose published courses only."),
}
ROW_ERRORS = {
    "empty-file": lambda e: _("The file is empty."),
    "header": lambda e: _("The first row must name the columns: name, mobile, township, village "
                          "(download the template)."),
    "no-rows": lambda e: _("The file has no learners below the header row."),
    "too-many-rows": lambda e: _("Too many rows (%(n)s): upload at most %(max)s learners at a time.",
                                 n=e.value, max=roster.MAX_ROWS),
    "formula": lambda e: _("“%(value)s” looks like a spreadsheet formula; type it as plain text.",
                           value=e.value),
    "name-empty": lambda e: _("The name is empty."),
    "name-too-long": lambda e: _("The name is longer than 60 characters."),
    "place-too-long": lambda e: _("The township or village is longer than 60 characters."),
    "mobile-invalid": lambda e: _("“%(value)s” is not an 11-digit mainland mobile number.",
                                  value=e.value),
    "mobile-duplicate": lambda e: _("The mobile number %(value)s is already on line %(line)s.",
                                    value=e.value, line=e.other_line),
}
FILE_ERRORS = {
    "too-big": lambda: _("The file is larger than 1 MB."),
    "file-type": lambda: _("Upload a .csv or .xlsx file."),
    "encoding": lambda: _("The CSV file is not in UTF-8 or GB18030 encoding."),
    "unreadable": lambda: _("This file cannot be read as a spreadsheet."),
}


def form_status() -> int:
    """200 for a form shown, 422 for a form sent back with errors."""
    return 422 if request.method == "POST" else 200


def _load_or_404(query, allowed):
    """The one row of query, or 404; 403 when the predicate refuses it (another centre's)."""
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    ensure(allowed(current_user, row))
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
    learner = db.session.get(User, user_id)
    if learner is None or not can_help_learner(current_user, learner):
        abort(404)
    return learner


# --- classes -----------------------------------------------------------------------------------

@bp.route("/")
def index():
    training_classes = db.session.scalars(
        visible_classes(current_user).options(joinedload(TrainingClass.centre))
    ).all()
    counts = dict(db.session.execute(
        select(ClassMember.class_id, func.count(ClassMember.id))
        .where(ClassMember.class_id.in_([c.id for c in training_classes]))
        .group_by(ClassMember.class_id)
    ).all()) if training_classes else {}
    return render_template("classes/index.html", classes=training_classes, counts=counts)


def _class_form(obj: TrainingClass | None = None) -> ClassForm:
    form = ClassForm(obj=obj)
    form.course_ids.choices = [SelectChoice(c.id, c.title) for c in classes.published_courses(db.session)]
    if current_user.is_admin and obj is None:
        form.centre_id.choices = [
            SelectChoice(c.id, c.name) for c in db.session.scalars(select(Centre).order_by(Centre.name))
        ]
    else:
        del form.centre_id
    if obj is not None and request.method == "GET":
        form.course_ids.data = [c.id for c in obj.courses]
    return form


def _details(form: ClassForm) -> classes.ClassDetails:
    return classes.ClassDetails(
        name=form.name.data, place=form.place.data or "", starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, course_ids=tuple(form.course_ids.data or ()),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    ensure(can_manage_class(current_user))
    form = _class_form()
    if current_user.is_admin and not form.centre_id.choices:
        flash(_("Create a centre first."), "info")
        return redirect(url_for("admin.centre_form"))
    if form.validate_on_submit():
        centre_id = form.centre_id.data if current_user.is_admin else current_user.centre_id
        try:
            training_class = classes.create_class(db.session, centre_id, current_user.id, _details(form))
        except classes.ClassError as exc:
            db.session.rollback()
            getattr(form, exc.args[0]).errors.append(CLASS_ERRORS[exc.args[1]]())
        else:
            db.session.commit()
            flash(_("Class created. Its join code is %(code)s.", code=training_class.code), "success")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    return render_template("classes/form.html", form=form, training_class=None), form_status()


@bp.route("/<int:class_id>")
def detail(class_id: int):
    training_class = _load_class(class_id)
    sessions = _sessions_with_counts(training_class.id)
    return render_template(
        "classes/detail.html", training_class=training_class,
        members=classes.members(db.session, training_class.id), sessions=sessions,
        helpable=classes.member_ids_within(db.session, training_class.id, visible_learners(current_user)),
    )


def _sessions_with_counts(class_id: int) -> list[tuple[TrainingSession, int]]:
    """The class's sessions, newest first, each with its number of attendees (one query)."""
    counts = (
        select(Attendance.session_id, func.count(Attendance.id).label("n"))
        .group_by(Attendance.session_id).subquery()
    )
    return [
        (meeting, n or 0) for meeting, n in db.session.execute(
            select(TrainingSession, counts.c.n)
            .outerjoin(counts, counts.c.session_id == TrainingSession.id)
            .where(TrainingSession.class_id == class_id)
            .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        )
    ]


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id: int):
    training_class = _load_class(class_id)
    form = _class_form(training_class)
    if form.validate_on_submit():
        try:
            classes.update_class(db.session, training_class, _details(form))
        except classes.ClassError as exc:
            db.session.rollback()
            getattr(form, exc.args[0]).errors.append(CLASS_ERRORS[exc.args[1]]())
        else:
            db.session.commit()
            flash(_("Class saved."), "success")
            return redirect(url_for("classes.detail", class_id=training_class.id))
    return render_template("classes/form.html", form=form, training_class=training_class), form_status()


@bp.route("/<int:class_id>/poster")
def poster(class_id: int):
    """An A4 poster with the join code and a QR code of the join link."""
    training_class = _load_class(class_id)
    url = url_for("classes.join_code", code=training_class.code, _external=True)
    return render_template("classes/poster.html", training_class=training_class, url=url,
                           join_url=url_for("classes.join", _external=True),
                           qr=qr_svg(url, title=_("Join %(name)s", name=training_class.name)))


# --- bulk accounts -----------------------------------------------------------------------------

@bp.route("/roster-template.<fmt>")
def roster_template(fmt: str):
    header, rows = roster.template_rows(course_language())
    if fmt == "csv":
        return _download(exports.csv_bytes(header, rows), "roster-template.csv", exports.CSV_MIMETYPE)
    if fmt == "xlsx":
        return _download(exports.xlsx_bytes(header, rows, title=_("Learners")), "roster-template.xlsx",
                         exports.XLSX_MIMETYPE)
    abort(404)


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:class_id>/import", methods=["GET", "POST"])
def import_roster(class_id: int):
    """Upload a spreadsheet of learners; all rows are imported, or none and every problem listed."""
    training_class = _load_class(class_id)
    form = RosterForm()
    row_errors: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            table = roster.read_table(upload.filename or "", upload.read(roster.MAX_BYTES + 1))
        except roster.RosterFileError as exc:
            form.file.errors.append(FILE_ERRORS[exc.args[0]]())
        else:
            rows, problems = roster.validate(table)
            if problems:
                row_errors = [(e.line, ROW_ERRORS[e.reason](e)) for e in problems]
                form.file.errors.append(ngettext(
                    "Nothing was imported: %(num)s problem to fix.",
                    "Nothing was imported: %(num)s problems to fix.", len(problems)))
            else:
                imported = roster.import_rows(db.session, training_class, rows,
                                              language=current_user.language)
                created = sum(1 for item in imported if item.created)
                audit.record(db.session, "class.import", current_user.id, "class", training_class.id,
                             ip_address=request.remote_addr or "", created=created,
                             linked=len(imported) - created)
                db.session.commit()
                # The one-time passwords are shown on this page only, never stored in clear.
                return render_template("classes/signin_sheet.html", training_class=training_class,
                                       imported=imported, created=created)
    return render_template("classes/import.html", training_class=training_class, form=form,
                           row_errors=row_errors, max_rows=roster.MAX_ROWS), form_status()


# --- sessions and attendance -------------------------------------------------------------------

def _trainer_choices(centre_id: int) -> list[SelectChoice]:
    trainers = db.session.scalars(
        select(User).where(User.role == Role.TRAINER, User.centre_id == centre_id)
        .order_by(User.display_name)
    ).all()
    choices = [SelectChoice(t.id, t.display_name) for t in trainers]
    if current_user.is_admin and current_user.id not in {t.id for t in trainers}:
        choices.append(SelectChoice(current_user.id, current_user.display_name))
    return choices


@bp.route("/<int:class_id>/sessions/new", methods=["GET", "POST"])
def new_session(class_id: int):
    training_class = _load_class(class_id)
    form = SessionForm()
    form.trainer_id.choices = _trainer_choices(training_class.centre_id)
    if request.method == "GET":
        form.trainer_id.data = current_user.id
        form.place.data = training_class.place
    if form.validate_on_submit():
        meeting = classes.create_session(db.session, training_class, classes.SessionDetails(
            held_on=form.held_on.data, place=form.place.data or "", topic=form.topic.data,
            trainer_id=form.trainer_id.data))
        db.session.commit()
        flash(_("Session recorded. Show its QR code for check-in."), "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/session_form.html", form=form, training_class=training_class), form_status()


@bp.route("/sessions/<int:session_id>")
def session(session_id: int):
    """The session's check-in QR (to show or print) and who has checked in."""
    meeting = _load_session(session_id)
    url = url_for("classes.checkin", code=meeting.checkin_code, _external=True)
    present = classes.attendee_ids(db.session, meeting.id)
    members = classes.members(db.session, meeting.class_id)
    return render_template("classes/session.html", meeting=meeting, url=url,
                           qr=qr_svg(url, title=_("Check in")),
                           attendees=[m for m in members if m.id in present])


@bp.route("/sessions/<int:session_id>/roll", methods=["GET", "POST"])
def roll_call(session_id: int):
    """Tick the names of the members present (a phone-sized list)."""
    meeting = _load_session(session_id)
    if request.method == "POST":
        ticked = {int(v) for v in request.form.getlist("present") if v.isdigit()}
        added, removed = classes.record_roll_call(db.session, meeting, ticked)
        db.session.commit()
        flash(_("Roll call saved: %(added)s added, %(removed)s removed.", added=added, removed=removed),
              "success")
        return redirect(url_for("classes.session", session_id=meeting.id))
    return render_template("classes/roll_call.html", meeting=meeting,
                           members=classes.members(db.session, meeting.class_id),
                           present=classes.attendee_ids(db.session, meeting.id))


# --- the training ledger -----------------------------------------------------------------------

def _ledger_filters() -> tuple[LedgerForm, date, date, int | None]:
    form = LedgerForm(request.args)
    centres = db.session.scalars(select(Centre).order_by(Centre.name)).all()
    if current_user.is_admin:
        form.centre_id.choices = [SelectChoice(0, _("All centres"))] + [
            SelectChoice(c.id, c.name) for c in centres]
    else:
        form.centre_id.choices = [
            SelectChoice(c.id, c.name) for c in centres if c.id == current_user.centre_id]
    form.validate()
    today = date.today()
    end = form.end.data if not form.end.errors and form.end.data else today
    start = form.start.data if not form.start.errors and form.start.data else end - timedelta(days=90)
    if start > end:
        start, end = end, start
    if current_user.is_admin:
        centre_id = form.centre_id.data or None
        if centre_id is not None and centre_id not in {c.id for c in centres}:
            abort(404)
    else:
        centre_id = current_user.centre_id
        if form.centre_id.data not in (None, centre_id):
            abort(403)
    ensure(can_view_centre(current_user, centre_id))
    form.start.data, form.end.data, form.centre_id.data = start, end, centre_id or 0
    return form, start, end, centre_id


@bp.route("/ledger")
def ledger_page():
    """Sessions of a period with their attendees, and person-times and unique people."""
    form, start, end, centre_id = _ledger_filters()
    fmt = request.args.get("format", "")
    data = ledger.build(db.session, start, end, centre_id)
    if fmt in ("csv", "xlsx"):
        return _ledger_export(data, fmt)
    if fmt:
        abort(404)
    return render_template("classes/ledger.html", form=form, ledger=data,
                           age_labels=_age_labels(), gender_labels=_gender_labels())


def _age_labels() -> dict[str, str]:
    return {"under-30": _("Under 30"), "30-39": "30–39", "40-49": "40–49", "50-59": "50–59",
            "60-plus": _("60 and over"), "unknown": _("Not given")}


def _gender_labels() -> dict[str, str]:
    return {"f": _("Female"), "m": _("Male"), "unknown": _("Not given")}


def _ledger_export(data: ledger.Ledger, fmt: str) -> Response:
    header = [_("Date"), _("Class"), _("Topic"), _("Place"), _("Trainer"), _("Learner"),
              _("Mobile number"), _("Gender"), _("Year of birth"), _("Township"), _("Village"),
              _("Check-in")]
    genders, ages = _gender_labels(), _age_labels()
    rows: list[list] = []
    for item in data.sessions:
        for person in item.attendees:
            rows.append([item.held_on.isoformat(), item.class_name, item.topic, item.place,
                         item.trainer_name, person.name, accounts.mask_mobile(person.mobile),
                         genders.get(person.gender or "unknown", ""), person.birth_year,
                         person.township, person.village,
                         _("QR code") if person.method == "qr" else _("Roll call")])
        if not item.attendees:
            rows.append([item.held_on.isoformat(), item.class_name, item.topic, item.place,
                         item.trainer_name])
    rows.append([])
    rows.append([_("Period"), f"{data.start.isoformat()} – {data.end.isoformat()}"])
    rows.append([_("Sessions"), len(data.sessions)])
    rows.append([_("Person-times"), data.person_times])
    rows.append([_("Unique people"), data.people])
    rows.append([])
    rows.append([_("Township"), _("Village"), _("Person-times"), _("Unique people")])
    rows.extend([*g.key, g.person_times, g.people] for g in data.by_place)
    rows.append([])
    rows.append([_("Gender"), "", _("Person-times"), _("Unique people")])
    rows.extend([genders.get(g.key[0], g.key[0]), "", g.person_times, g.people] for g in data.by_gender)
    rows.append([])
    rows.append([_("Age"), "", _("Person-times"), _("Unique people")])
    rows.extend([ages.get(g.key[0], g.key[0]), "", g.person_times, g.people] for g in data.by_age)
    audit.record(db.session, "ledger.export", current_user.id, "centre", data.centre_id,
                 ip_address=request.remote_addr or "", format=fmt, start=data.start.isoformat(),
                 end=data.end.isoformat())
    db.session.commit()
    name = f"ledger-{data.start.isoformat()}-{data.end.isoformat()}.{fmt}"
    if fmt == "csv":
        return _download(exports.csv_bytes(header, rows), name, exports.CSV_MIMETYPE)
    return _download(exports.xlsx_bytes(header, rows, title="Ledger"), name, exports.XLSX_MIMETYPE)


# --- the help desk: one learner ----------------------------------------------------------------

@bp.route("/learners/<int:user_id>")
def learner(user_id: int):
    """A learner's profile, whole mobile number, progress in every course and quiz attempts."""
    person = _load_learner(user_id)
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == person.id)
        .options(joinedload(Enrollment.course)).order_by(Enrollment.enrolled_at.desc())
    ).all()
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id == person.id)
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(200)
    ).all()
    class_query = visible_classes(current_user).join(
        ClassMember, ClassMember.class_id == TrainingClass.id).where(ClassMember.user_id == person.id)
    return render_template("classes/learner.html", person=person, enrollments=enrollments,
                           attempts=attempts, classes=db.session.scalars(class_query).all(),
                           genders=_gender_labels())


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

def _learners_only():
    if current_user.role != Role.LEARNER:
        flash(_("Only learner accounts join classes and check in."), "info")
        return redirect(url_for("classes.index"))
    return None


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
        refused = _learners_only()
        if refused:
            return refused
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
    if request.method == "POST":
        refused = _learners_only()
        if refused:
            return refused
        classes.check_in(db.session, meeting, current_user._get_current_object())
        db.session.commit()
        present = True
    return render_template("classes/checkin.html", meeting=meeting, present=present)


