"""Getting back in after a forgotten password (issue 23, item 3): "忘记密码".

The page lists the two ways back in plain words: ask a trainer or a centre (every centre's
phone number is listed, so nothing points at the person's own account), or, where SMS is set
up, a code texted to the registered mobile. The rules are in
services/accounts/password_reset.py; these views keep its tokens in the signed session only.
After the mobile number is typed, the answer is the same page whether or not it is registered.
"""
from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .. import sms
from ..extensions import db, limiter
from ..forms_common import AppForm, plain_text
from ..models import Centre
from ..services.accounts import accounts, households, password_reset
from . import throttle
from .forms import PASSWORD_PROBLEMS, ChoosePersonForm
from .views import SWITCH_KEY, account_key, bp, secret

# Session keys: the token of the reset waiting for its code, and the proof a right code gives.
RESET_KEY = "password_reset"
PROOF_KEY = "password_reset_proof"

CODE_PROBLEMS = {
    "wrong": _l("This code is not right. Check the text message and try again."),
    "expired": _l("This code has expired. Ask for a new code below."),
    "used-up": _l("Too many wrong codes: this one no longer works. Ask for a new code below."),
}


class ForgotForm(AppForm):
    """The registered mobile number, for a code by SMS."""

    mobile = StringField(_l("Your mobile number"), validators=[DataRequired(), Length(max=30), plain_text],
                         description=_l("The 11-digit number you registered with."),
                         render_kw={"autocomplete": "tel", "inputmode": "tel"})

    def validate_mobile(self, field):
        if accounts.normalise_mobile(field.data or "") is None:
            raise ValidationError(_l("Enter an 11-digit mainland mobile number."))


class ResetCodeForm(AppForm):
    code = StringField(_l("Code from the text message"), validators=[DataRequired(), Length(max=20), plain_text],
                       description=_l("6 digits."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class NewPasswordForm(AppForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 8 characters."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


def _reset_mobile() -> str | None:
    """The number a request asks a code for: the one typed, or the reset's in this session."""
    if request.endpoint == "auth.forgot_resend":
        reset = password_reset.find(db.session, session.get(RESET_KEY))
        return reset.mobile if reset else None
    return accounts.normalise_mobile(request.form.get("mobile", "")[:30])


def _reset_number() -> str:
    """Throttle key of one number (however it is typed)."""
    return account_key(_reset_mobile() or "")


# Asking for codes is counted per address and per number (in Redis when REDIS_URL is set):
# fewer text messages to a number that is not yours, fewer chances to probe.
_reset_ip_limit = limiter.shared_limit(
    lambda: current_app.config["RESET_LIMIT_PER_IP"], scope="reset-ip",
    key_func=throttle.client_address, methods=["POST"])
_reset_number_limit = limiter.shared_limit(
    lambda: current_app.config["RESET_LIMIT_PER_NUMBER"], scope="reset-number",
    key_func=_reset_number, methods=["POST"],
    exempt_when=lambda: _reset_mobile() is None)  # no number, no text message (the address still counts)


def centres_to_call() -> list[Centre]:
    """Every centre with a phone number, by place: the person finds their own county's."""
    return list(db.session.scalars(select(Centre).where(Centre.phone != "")
                                   .order_by(Centre.province, Centre.city, Centre.county, Centre.name)))


def _send_code(message: password_reset.CodeMessage | None) -> None:
    """Text the code in the account's language. Nothing is sent for a number without an account,
    and a provider's failure is only logged: the page must read the same in every case."""
    if message is None:
        return
    with force_locale(message.language):
        text = _("CunBo Academy: your code to set a new password is %(code)s. It works for 10 minutes. "
                 "Do not tell it to anyone, not even staff.", code=message.code)
    try:
        sms.send(message.mobile, text)
    except Exception:  # a provider's own errors: network, quota, refusal
        current_app.logger.exception("sending a password reset text message failed")


def _start_again(message: str):
    session.pop(PROOF_KEY, None)
    flash(message, "info")
    return redirect(url_for("auth.forgot"))


@bp.route("/forgot", methods=["GET", "POST"])
@_reset_ip_limit
@_reset_number_limit
def forgot():
    """The ways back in; with SMS, the form for the registered mobile number."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    texting = sms.available()
    form = ForgotForm()
    if texting and form.validate_on_submit():
        mobile = accounts.normalise_mobile(form.mobile.data)
        token, message = password_reset.begin(db.session, mobile=mobile, secret=secret())
        db.session.commit()
        session[RESET_KEY] = token
        session.pop(PROOF_KEY, None)
        _send_code(message)
        return redirect(url_for("auth.forgot_code"))
    return render_template("auth/forgot.html", form=form, texting=texting,
                           centres=centres_to_call()), 422 if form.errors else 200


@bp.route("/forgot/code", methods=["GET", "POST"])
def forgot_code():
    """The code from the text message; the same page for every number typed."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    reset = password_reset.find(db.session, session.get(RESET_KEY))
    if reset is None:
        return redirect(url_for("auth.forgot"))
    form = ResetCodeForm()
    if form.validate_on_submit():
        try:
            people = password_reset.confirm(db.session, reset, form.code.data, secret())
        except password_reset.ResetError as refused:
            db.session.commit()  # the counted try
            form.code.errors.append(CODE_PROBLEMS[refused.args[0]])
        else:
            db.session.commit()  # the code is used
            session.pop(RESET_KEY, None)
            if not people:
                return _start_again(_("Please start again."))
            chosen = people[0].id if len(people) == 1 else None
            session[PROOF_KEY] = password_reset.proof_token(secret(), people, chosen)
            return redirect(url_for("auth.forgot_new" if chosen else "auth.forgot_who"))
    return render_template("auth/forgot_code.html", form=form, mobile=accounts.mask_mobile(reset.mobile)), \
        422 if form.errors else 200


@bp.route("/forgot/code/resend", methods=["POST"])
@_reset_ip_limit
@_reset_number_limit
def forgot_resend():
    """A new code for the reset in this session (same words for every number)."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    reset = password_reset.find(db.session, session.get(RESET_KEY))
    if reset is None:
        return redirect(url_for("auth.forgot"))
    try:
        message = password_reset.resend(db.session, reset, secret())
    except password_reset.ResetError:
        flash(_("Please wait a minute before asking for another code."), "error")
    else:
        db.session.commit()
        _send_code(message)
        flash(_("If this number is registered, we sent a new code."), "info")
    return redirect(url_for("auth.forgot_code"))


@bp.route("/forgot/who", methods=["GET", "POST"])
def forgot_who():
    """Several people of a household share the number: the person taps their own name."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    proof = password_reset.read_proof(secret(), session.get(PROOF_KEY))
    people = password_reset.proof_people(db.session, proof) if proof else []
    if not people:
        return _start_again(_("This step has expired. Please start again."))
    form = ChoosePersonForm()
    form.person.choices = [(person.id, person.display_name) for person in people]
    if form.validate_on_submit():
        session[PROOF_KEY] = password_reset.proof_token(secret(), people, form.person.data)
        return redirect(url_for("auth.forgot_new"))
    status = 200
    if request.method == "POST":
        status = 422
        flash(_("Tap one of the names shown."), "error")
    return render_template("auth/forgot_who.html", form=form, people=people), status


@bp.route("/forgot/new", methods=["GET", "POST"])
def forgot_new():
    """The new password; every sign-in of the account ends, then the person logs in with it."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    proof = password_reset.read_proof(secret(), session.get(PROOF_KEY))
    user = password_reset.chosen_person(db.session, proof) if proof else None
    if user is None:
        if proof and proof.chosen is None and password_reset.proof_people(db.session, proof):
            return redirect(url_for("auth.forgot_who"))
        return _start_again(_("This step has expired. Please start again."))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(db.session, user, form.password.data,
                                          ip_address=request.remote_addr or "")
        except accounts.AccountError as exc:
            form.password.errors.append(PASSWORD_PROBLEMS[exc.args[1]])
        else:
            db.session.commit()
            session.pop(PROOF_KEY, None)
            session[SWITCH_KEY] = households.switch_token(secret(), user)  # the login is filled in
            flash(_("Your new password is set. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/forgot_new.html", form=form, person=user), 422 if form.errors else 200
