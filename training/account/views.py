"""The signed-in person's own account: profile, password, their data and deletion request."""
import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..extensions import db
from ..policy import require_login
from ..services.accounts import accounts, audit, privacy
from ..services.accounts.passwords import verify_password
from ..services.reports.exports import CSV_MIMETYPE, attachment
from . import landing
from .forms import ChangePasswordForm, DeletionRequestForm, FirstPasswordForm, ProfileForm

bp = Blueprint("account", __name__)
require_login(bp)

@bp.route("/", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(person=user)
    if form.validate_on_submit():
        accounts.update_profile(user, form.details())
        user.certificate_full_name = form.certificate_full_name.data
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's password. Right after signing in with a one-time password (this session
    proves it) only the new password is asked for; then back to the page the person came for."""
    user = current_user._get_current_object()
    needs_consent = privacy.needs_consent(user)
    first = landing.proves_one_time_login(user)
    form = (FirstPasswordForm if first else ChangePasswordForm)(user, needs_consent=needs_consent)
    if form.validate_on_submit():
        try:
            if first:
                accounts.set_password(user, form.password.data)
            else:
                accounts.change_own_password(user, form.current.data, form.password.data)
        except accounts.AccountError as exc:
            if exc.args[0] == "current":
                form.current.errors.append(_("This is not your current password."))
            else:
                form.password.errors.append(_("Choose a password different from your current one."))
        else:
            if needs_consent:
                privacy.record_consent(db.session, user)
            audit.record(db.session, "user.password_change", user.id, "user", user.id,
                         ip_address=request.remote_addr or "")
            db.session.commit()
            landing.forget_one_time_login()
            # Other phones and browsers are signed out; this one stays signed in.
            login_user(user, remember=bool(request.cookies.get("remember_token")))
            flash(_("Your password is changed. Other phones and browsers were signed out."), "success")
            target = landing.return_target(request.args.get("next"))
            return redirect(landing.arrive(target) or url_for("learn.home"))
    return render_template("account/password.html", form=form, forced=current_user.must_change_password,
                           needs_consent=needs_consent)


@bp.route("/data.json")
def data_json():
    """The person's own data, as a JSON download."""
    data = privacy.export_data(db.session, current_user._get_current_object())
    return attachment(json.dumps(data, ensure_ascii=False, indent=2), "my-data.json", "application/json")


@bp.route("/data.csv")
def data_csv():
    """The person's own data, as a CSV download."""
    data = privacy.export_data(db.session, current_user._get_current_object())
    return attachment(privacy.export_csv(data), "my-data.csv", CSV_MIMETYPE)


@bp.route("/delete", methods=["GET", "POST"])
def request_deletion():
    form = DeletionRequestForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.password.data):
            form.password.errors.append(_("This is not your current password."))
        else:
            privacy.request_deletion(db.session, user, ip_address=request.remote_addr or "")
            db.session.commit()
            flash(_("Your request is recorded. An administrator will delete your personal data."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/delete.html", form=form)


@bp.route("/delete/cancel", methods=["POST"])
def cancel_deletion():
    privacy.cancel_deletion(db.session, current_user._get_current_object(), ip_address=request.remote_addr or "")
    db.session.commit()
    flash(_("Your deletion request is withdrawn."), "info")
    return redirect(url_for("account.profile"))
