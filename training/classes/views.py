"""Classes (培训班): trainers create and edit classes, manage members, print the join poster
and create learner accounts from a roster."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import course_language
from ..models import TrainingClass, User
from ..policy import (
    can_manage_class,
    can_view_centre,
    ensure,
    visible_classes,
    visible_learners,
)
from ..services.classes import classes, household, roster, roster_import, sessions
from ..services.classes.qr import qr_svg
from ..services.reports import exports
from .common import bp, centres, form_status, load_class
from .forms import ClassForm, ConfirmForm, MemberExportForm, MemberOrderForm, RosterForm
from .messages import CLASS_ERRORS, FILE_ERRORS, ROW_ERRORS


@bp.route("/")
def index():
    training_classes = db.session.scalars(
        visible_classes(current_user).options(joinedload(TrainingClass.centre))
    ).all()
    counts = classes.member_counts(db.session, [c.id for c in training_classes])
    return render_template("classes/index.html", classes=training_classes, counts=counts)


def _class_form_page(training_class: TrainingClass | None):
    """Create (training_class None) or edit a class; a refused value is shown at its field.
    Only an admin creating a class picks its centre (a trainer's is their own)."""
    every_centre = training_class is None and can_view_centre(current_user)
    form = ClassForm(courses=classes.published_courses(db.session), training_class=training_class,
                     centres=centres() if every_centre else None)
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
    training_class = load_class(class_id)
    order_form = MemberOrderForm(request.args)
    order = order_form.chosen()
    return render_template(
        "classes/detail.html", training_class=training_class, order_form=order_form, order=order,
        export_form=MemberExportForm(formdata=None),
        members=classes.members(db.session, training_class.id, order),
        sessions=sessions.sessions_with_counts(db.session, training_class.id),
        helpable=classes.member_ids_within(db.session, training_class.id, visible_learners(current_user)),
    )


@bp.route("/<int:class_id>/members.<any(csv, xlsx):fmt>")
def members_export(class_id: int, fmt: str):
    """The member list as CSV or XLSX, numbers masked; the household category (special personal
    information) only when ticked, for the people the exporter may see it of, audited
    "export.sensitive"."""
    training_class = load_class(class_id)
    form = MemberExportForm(request.args)
    include = bool(form.validate() and form.household.data)
    order = MemberOrderForm(request.args).chosen()
    people = classes.members(db.session, training_class.id, order)
    header, rows = household.member_table(people, include, current_user.centre_id,
                                          everyone=current_user.is_admin)
    if include:
        household.record_sensitive_export(
            db.session, current_user.id, "class.members", len(people), request.remote_addr or "",
            target_type="class", target_id=training_class.id, centre_id=training_class.centre_id,
            format=fmt)
        db.session.commit()
    return exports.download(header, rows, fmt, f"class-{training_class.id}-members.{fmt}",
                            title=_("Members"))


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id: int):
    return _class_form_page(load_class(class_id))


@bp.route("/<int:class_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
def remove_member(class_id: int, user_id: int):
    """Take a member out of the class after a confirmation page (audited with their name)."""
    training_class = load_class(class_id)
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
    training_class = load_class(class_id)
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
    training_class = load_class(class_id)
    form = RosterForm()
    row_errors: list = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = roster_import.import_roster(
                db.session, training_class, upload.filename or "", upload.read(roster.MAX_BYTES + 1),
                language=current_user.language, actor_id=current_user.id,
                ip_address=request.remote_addr or "", household_consent=form.household_consent.data)
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
