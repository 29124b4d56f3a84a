"""The trainer help desk: one learner's profile, progress and password reset."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.forms import ClearPinForm, SetPinForm
from ..extensions import db
from ..policy import can_see_sensitive, ensure, visible_classes
from ..services.accounts import accounts, audit, households
from ..services.classes import classes, household, ledger_export, roster
from .common import bp, form_status, load_learner
from .forms import ConfirmForm, ProfileForm


@bp.route("/learners/<int:user_id>")
def learner(user_id: int):
    """A learner's profile, whole mobile number, progress in every course and quiz attempts."""
    person = load_learner(user_id)
    record = classes.learner_record(db.session, person, visible_classes(current_user))
    return render_template("classes/learner.html", person=person, enrollments=record.enrollments,
                           attempts=record.attempts, classes=record.classes,
                           genders=ledger_export.gender_labels(),
                           household_label=household.label(person.household_category))


@bp.route("/learners/<int:user_id>/profile", methods=["GET", "POST"])
def learner_profile(user_id: int):
    """A learner's optional details, edited by staff at the help desk."""
    person = load_learner(user_id)
    done_url = url_for("classes.learner", user_id=person.id)
    form = ProfileForm(person=person)
    if form.validate_on_submit():
        accounts.update_profile(person, form.details())
        db.session.commit()
        flash(_("Profile saved."), "success")
        return redirect(done_url)
    return render_template("classes/profile.html", form=form, person=person, back=done_url,
                           household_label=household.label(person.household_category)), form_status()


@bp.route("/learners/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int):
    """Give the learner a new one-time password, shown once; they must change it at login."""
    person = load_learner(user_id)
    password = roster.one_time_password()
    accounts.set_password(person, password, must_change=True)
    audit.record(db.session, "user.password_reset", current_user.id, "user", person.id,
                 ip_address=request.remote_addr or "")
    db.session.commit()
    return render_template("classes/password_reset.html", person=person, password=password)


@bp.route("/learners/<int:user_id>/pin", methods=["GET", "POST"])
def learner_pin(user_id: int):
    """Give a learner without a phone of their own a 6-digit PIN for signing in (typed, or random
    when left empty), shown once; or see whether they have one. Audited "user.pin_set"."""
    person = load_learner(user_id)
    form = SetPinForm(person=person)
    if form.validate_on_submit():
        pin = households.set_pin(db.session, person, form.chosen_pin(), current_user.id,
                                 ip_address=request.remote_addr or "")
        db.session.commit()
        return render_template("auth/pin_set.html", person=person, pin=pin)
    return render_template("auth/pin_manage.html", form=form, person=person,
                           has_pin=households.has_pin(db.session, person)), form_status()


@bp.route("/learners/<int:user_id>/pin/clear", methods=["POST"])
def clear_pin(user_id: int):
    """Take a learner's PIN away (audited "user.pin_clear"); they sign in with their password."""
    person = load_learner(user_id)
    if ClearPinForm().validate_on_submit() and households.clear_pin(
            db.session, person, current_user.id, ip_address=request.remote_addr or ""):
        db.session.commit()
        flash(_("PIN removed: %(name)s signs in with a password again.", name=person.display_name), "success")
    return redirect(url_for("classes.learner_pin", user_id=person.id))


@bp.route("/learners/<int:user_id>/household/clear", methods=["POST"])
def clear_household(user_id: int):
    """Clear a learner's household category and its consent (audited with the old value):
    staff of the learner's centre and admins, who alone may see it."""
    person = load_learner(user_id)
    ensure(can_see_sensitive(current_user, person), 404)
    if ConfirmForm().validate_on_submit() and household.clear_category(
            db.session, person, current_user.id, request.remote_addr or ""):
        db.session.commit()
        flash(_("Household category cleared."), "success")
    return redirect(url_for("classes.learner", user_id=person.id))
